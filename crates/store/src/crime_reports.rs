//! The crime-report register as stored: reports (tố giác, tin báo, kiến nghị khởi tố) with
//! their legal clock, the time-limit rules and days off the clock reads, and the chain from an
//! incident to a report to a case.
//!
//! A report is its checked domain document (`doc`, JSON) beside the columns the lists query,
//! with a `version` every update checks in the database, as tasks are. The domain decides what
//! a step may do; this module reads the document together with the rules and the calendar,
//! lets the domain apply the step, and writes it back with its audit row and change-feed row
//! in one transaction. A decision to prosecute may open the case in that same transaction, so
//! a report never says "prosecuted" with its case half-written. Closing an incident with the
//! disposition `crime_report_taken` registers the report inside the incident's own
//! transaction ([`open_from_incident!`]).

use crate::accountability::{AccResult, AccountabilityError};
use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::crime_report::{
    Calendar, CrimeReport, CrimeReportError, Decision, Due, Extension, LimitRule, NewCrimeReport,
    ReportOutcome, ReportStatus, RuleBook, Standing,
};
use domain::stats::{CaseRecord, MaxPenalty};
use sqlx::Row;

/// A report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCrimeReport {
    /// Numeric id.
    pub id: i64,
    /// The checked domain report.
    pub report: CrimeReport,
    /// Version, incremented by every update.
    pub version: i64,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Which reports to list.
#[derive(Debug, Clone, Default)]
pub struct CrimeReportFilter {
    /// Unit code.
    pub unit: Option<String>,
    /// Status.
    pub status: Option<ReportStatus>,
    /// Only reports from this incident.
    pub incident_id: Option<i64>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// Most rows (clamped to 1..=5000; 0 means 1000).
    pub limit: i64,
}

/// A running report with where its limit stands.
#[derive(Debug, Clone, PartialEq)]
pub struct DueReport {
    /// The report.
    pub stored: StoredCrimeReport,
    /// Its limit at `now`.
    pub standing: Standing,
}

/// The case to open with a decision to prosecute.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFromReport {
    /// Number in the case register (unique).
    pub case_ref: String,
    /// Penal Code article.
    pub article: u16,
    /// Clause of the applied bracket.
    pub clause: Option<u8>,
    /// Maximum penalty of the applied bracket.
    pub bracket_max: MaxPenalty,
}

/// A day off recorded by an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOff {
    /// The day.
    pub day: NaiveDate,
    /// What it is (e.g. "Tết Nguyên đán").
    pub name: String,
}

const REPORT_COLUMNS: &str = "id, version, created_at, updated_at, doc";

/// The conditions of a [`CrimeReportFilter`], bound by [`bind_filter!`] as `$1`–`$5`.
const FILTER: &str = "($1 IS NULL OR unit_code = $1) AND ($2 IS NULL OR status = $2) \
     AND ($3 IS NULL OR incident_id = $3) AND ($4 IS NULL OR received_at >= $4) \
     AND ($5 IS NULL OR received_at < $5)";

/// Binds a [`CrimeReportFilter`] to the parameters of [`FILTER`].
macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {{
        let filter: &CrimeReportFilter = $filter;
        $query
            .bind(filter.unit.clone())
            .bind(filter.status.map(ReportStatus::code))
            .bind(filter.incident_id)
            .bind(filter.from.map(to_millis))
            .bind(filter.to.map(to_millis))
    }};
}

/// How far ahead of `now` the stored deadline of a report may be for it to be due soon under
/// any rule (the longest notice a rule may ask, plus the days a calendar change may move it).
const DUE_WINDOW_DAYS: i64 = 90;

pub(crate) fn corrupt(what: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: e.to_string(),
    }
}

fn not_found(id: i64) -> AccountabilityError {
    AccountabilityError::Store(StoreError::NotFound {
        what: "crime report",
        id: id.to_string(),
    })
}

fn report_from_row<R: Row>(row: &R) -> Result<StoredCrimeReport>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let doc: String = row.try_get("doc")?;
    let report: CrimeReport =
        serde_json::from_str(&doc).map_err(|e| corrupt("crime_reports.doc", e))?;
    Ok(StoredCrimeReport {
        id: row.try_get("id")?,
        report,
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

fn report_doc(r: &CrimeReport) -> Result<String> {
    serde_json::to_string(r).map_err(|e| corrupt("crime_reports.doc", e))
}

fn payload(s: &StoredCrimeReport) -> serde_json::Value {
    serde_json::json!({
        "id": s.id,
        "version": s.version,
        "unit": s.report.unit,
        "kind": s.report.kind,
        "status": s.report.status,
        "received_at": s.report.received_at,
        "incident_id": s.report.incident_id,
        "case_id": s.report.case_id,
    })
}

/// The end of the running limit, for the `deadline` column.
fn deadline_of(r: &CrimeReport, rules: &RuleBook, cal: &Calendar) -> AccResult<Option<i64>> {
    if r.status != ReportStatus::Verifying {
        return Ok(None);
    }
    Ok(Some(to_millis(r.clock.deadline(r.rule(rules)?, cal))))
}

pub(crate) fn rule_from_row<R: Row>(row: &R) -> Result<LimitRule>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let day = |s: String| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| corrupt("crime_report_rules", e))
    };
    let small = |v: i64| u32::try_from(v).map_err(|e| corrupt("crime_report_rules", e));
    Ok(LimitRule {
        id: row.try_get("id")?,
        legal_basis: row.try_get("legal_basis")?,
        valid_from: day(row.try_get("valid_from")?)?,
        valid_to: row
            .try_get::<Option<String>, _>("valid_to")?
            .map(day)
            .transpose()?,
        base_days: small(row.try_get("base_days")?)?,
        agency_extension_months: small(row.try_get("agency_extension_months")?)?,
        procuracy_extensions: small(row.try_get("procuracy_extensions")?)?,
        procuracy_extension_months: small(row.try_get("procuracy_extension_months")?)?,
        request_days_before: small(row.try_get("request_days_before")?)?,
    })
}

/// Reads the rule book and the calendar with `$exec` (a pool or an open transaction).
macro_rules! load_clock_data {
    ($exec:expr) => {{
        let rules = sqlx::query("SELECT * FROM crime_report_rules ORDER BY valid_from")
            .fetch_all(&mut *$exec)
            .await?
            .iter()
            .map($crate::crime_reports::rule_from_row)
            .collect::<$crate::Result<Vec<_>>>()?;
        let rules = domain::crime_report::RuleBook::new(rules)
            .map_err(|e| $crate::crime_reports::corrupt("crime_report_rules", e))?;
        let days: Vec<String> = sqlx::query_scalar("SELECT day FROM days_off")
            .fetch_all(&mut *$exec)
            .await?;
        let days = days
            .iter()
            .map(|d| {
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|e| $crate::crime_reports::corrupt("days_off", e))
            })
            .collect::<$crate::Result<Vec<_>>>()?;
        (rules, domain::crime_report::Calendar::with_days_off(days))
    }};
}

/// Inserts a received report in the open transaction with its audit and change rows;
/// evaluates to `(stored, change)`.
macro_rules! insert_report {
    ($store:expr, $tx:expr, $report:expr, $rules:expr, $cal:expr, $actor:expr, $now:expr) => {{
        let report: domain::crime_report::CrimeReport = $report;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let actor: &$crate::Actor = $actor;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO crime_reports (unit_code, kind, source, status, received_at, deadline, \
             incident_id, case_id, created_at, updated_at, version, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $8, 1, $9) RETURNING id",
        )
        .bind(&report.unit)
        .bind(report.kind.code())
        .bind(report.source.code())
        .bind(report.status.code())
        .bind($crate::to_millis(report.received_at))
        .bind($crate::crime_reports::deadline_of_store(&report, $rules, $cal)?)
        .bind(report.incident_id)
        .bind($crate::to_millis(now))
        .bind($crate::crime_reports::doc_of(&report)?)
        .fetch_one(&mut *$tx)
        .await?;
        let stored = $crate::crime_reports::StoredCrimeReport {
            id,
            report,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let entry = $crate::AuditEntry {
            action: "crime_report.create".into(),
            object_type: "crime_report".into(),
            object_id: id.to_string(),
            unit_code: Some(stored.report.unit.clone()),
            summary: serde_json::json!({"after": $crate::crime_reports::payload_of(&stored)}),
        };
        insert_audit!($tx, actor, &entry, now);
        let change = insert_change!(
            $store,
            $tx,
            "crime_report.created",
            Some(stored.report.unit.clone()),
            vec![],
            $crate::crime_reports::payload_of(&stored),
            now
        );
        (stored, change)
    }};
}

/// Registers the crime report of an incident just closed with the disposition
/// `crime_report_taken`, inside the incident's transaction, unless the incident already has
/// one. Evaluates to the change to publish, if a report was registered.
macro_rules! open_from_incident {
    ($store:expr, $tx:expr, $incident:expr, $actor:expr, $now:expr) => {{
        let incident: &domain::incident::Incident = $incident;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM crime_reports WHERE incident_id = $1 LIMIT 1")
                .bind(incident.id.0)
                .fetch_optional(&mut *$tx)
                .await?;
        if existing.is_some() {
            None
        } else {
            let (rules, cal) = $crate::crime_reports::load_clock_data!($tx);
            let new = domain::crime_report::NewCrimeReport::from_incident(incident);
            match domain::crime_report::CrimeReport::receive(new, &rules, &cal, &$actor.name, $now)
            {
                Ok(report) => {
                    let (_, change) = $crate::crime_reports::insert_report!(
                        $store, $tx, report, &rules, &cal, $actor, $now
                    );
                    Some(change)
                }
                Err(e) => {
                    return Err($crate::StoreError::Conflict(format!(
                        "the crime report of incident {} cannot be registered: {e}",
                        incident.id
                    )))
                }
            }
        }
    }};
}

pub(crate) use {insert_report, load_clock_data};

pub(crate) fn deadline_of_store(
    r: &CrimeReport,
    rules: &RuleBook,
    cal: &Calendar,
) -> Result<Option<i64>> {
    deadline_of(r, rules, cal).map_err(|e| match e {
        AccountabilityError::Store(s) => s,
        other => corrupt("crime_reports.doc", other),
    })
}

pub(crate) fn doc_of(r: &CrimeReport) -> Result<String> {
    report_doc(r)
}

pub(crate) fn payload_of(s: &StoredCrimeReport) -> serde_json::Value {
    payload(s)
}

impl Store {
    /// The time-limit rules, oldest first.
    pub async fn crime_report_rules(&self) -> AccResult<RuleBook> {
        Ok(on_read!(self, |pool| {
            let mut conn = pool.acquire().await?;
            let (rules, _) = load_clock_data!(conn);
            rules
        }))
    }

    /// Adds a rule (an amended law): the whole book is checked again, so a rule overlapping
    /// another's days is refused. The current rule ends the day before when it is still open.
    pub async fn add_crime_report_rule(
        &self,
        rule: &LimitRule,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<RuleBook> {
        rule.validate()?;
        let book = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let (book, _) = load_clock_data!(tx);
            let mut rules = book.rules().to_vec();
            if rules.iter().any(|r| r.id == rule.id) {
                return Err(StoreError::Conflict(format!("rule {} exists", rule.id)).into());
            }
            // The open rule in force before the new one ends the day before it.
            let mut closed = None;
            for r in &mut rules {
                if r.valid_to.is_none() && r.valid_from < rule.valid_from {
                    r.valid_to = rule.valid_from.pred_opt();
                    closed = Some(r.clone());
                }
            }
            rules.push(rule.clone());
            let book = RuleBook::new(rules)?;
            if let Some(c) = closed {
                sqlx::query("UPDATE crime_report_rules SET valid_to = $2 WHERE id = $1")
                    .bind(&c.id)
                    .bind(c.valid_to.map(|d| d.to_string()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO crime_report_rules (id, legal_basis, valid_from, valid_to, base_days, \
                 agency_extension_months, procuracy_extensions, procuracy_extension_months, \
                 request_days_before) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&rule.id)
            .bind(&rule.legal_basis)
            .bind(rule.valid_from.to_string())
            .bind(rule.valid_to.map(|d| d.to_string()))
            .bind(i64::from(rule.base_days))
            .bind(i64::from(rule.agency_extension_months))
            .bind(i64::from(rule.procuracy_extensions))
            .bind(i64::from(rule.procuracy_extension_months))
            .bind(i64::from(rule.request_days_before))
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "crime_report.rule_add".into(),
                object_type: "crime_report_rule".into(),
                object_id: rule.id.clone(),
                unit_code: None,
                summary: serde_json::json!({ "after": rule }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            book
        });
        Ok(book)
    }

    /// The days off recorded, by day.
    pub async fn days_off(&self) -> AccResult<Vec<DayOff>> {
        let rows = on_read!(self, |pool| {
            sqlx::query("SELECT day, name FROM days_off ORDER BY day")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| -> Result<DayOff> {
                    let day: String = row.try_get("day")?;
                    Ok(DayOff {
                        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                            .map_err(|e| corrupt("days_off", e))?,
                        name: row.try_get("name")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }

    /// Records a day off (or renames it). Running limits are judged against it from now on.
    pub async fn set_day_off(
        &self,
        day: &DayOff,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<()> {
        if day.name.trim().is_empty() || day.name.chars().count() > 200 {
            return Err(CrimeReportError::Invalid {
                field: "name",
                reason: "must be 1 to 200 characters".into(),
            }
            .into());
        }
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO days_off (day, name, created_at, created_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (day) DO UPDATE SET name = excluded.name",
            )
            .bind(day.day.to_string())
            .bind(day.name.trim())
            .bind(to_millis(now))
            .bind(&actor.name)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "day_off.set".into(),
                object_type: "day_off".into(),
                object_id: day.day.to_string(),
                unit_code: None,
                summary: serde_json::json!({ "name": day.name.trim() }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a recorded day off; `false` when it was not recorded.
    pub async fn remove_day_off(
        &self,
        day: NaiveDate,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<bool> {
        let removed = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM days_off WHERE day = $1")
                .bind(day.to_string())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() > 0 {
                let entry = AuditEntry {
                    action: "day_off.remove".into(),
                    object_type: "day_off".into(),
                    object_id: day.to_string(),
                    unit_code: None,
                    summary: serde_json::json!({}),
                };
                insert_audit!(tx, actor, &entry, now);
            }
            tx.commit().await?;
            done.rows_affected() > 0
        });
        Ok(removed)
    }

    /// The rules and the calendar, as the API shows a report's limit.
    pub async fn crime_report_clock(&self) -> AccResult<(RuleBook, Calendar)> {
        Ok(on_read!(self, |pool| {
            let mut conn = pool.acquire().await?;
            load_clock_data!(conn)
        }))
    }

    /// Registers a report under the rule in force on its day of receipt.
    pub async fn create_crime_report(
        &self,
        new: NewCrimeReport,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCrimeReport> {
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let (rules, cal) = load_clock_data!(tx);
            let report = CrimeReport::receive(new, &rules, &cal, &actor.name, now)?;
            let out = insert_report!(self, tx, report, &rules, &cal, actor, now);
            tx.commit().await?;
            out
        });
        self.publish(change);
        Ok(stored)
    }

    /// One report.
    pub async fn crime_report(&self, id: i64) -> AccResult<StoredCrimeReport> {
        let row = on_read!(self, |pool| {
            match sqlx::query(&format!(
                "SELECT {REPORT_COLUMNS} FROM crime_reports WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
            {
                Some(row) => report_from_row(&row)?,
                None => return Err(not_found(id)),
            }
        });
        Ok(row)
    }

    /// Reports matching `filter`, newest received first.
    pub async fn list_crime_reports(
        &self,
        filter: &CrimeReportFilter,
    ) -> AccResult<Vec<StoredCrimeReport>> {
        let limit = if filter.limit <= 0 {
            1000
        } else {
            filter.limit.min(5000)
        };
        let rows = on_read!(self, |pool| {
            bind_filter!(
                sqlx::query(&format!(
                    "SELECT {REPORT_COLUMNS} FROM crime_reports WHERE {FILTER} \
                     ORDER BY received_at DESC, id DESC LIMIT $6"
                )),
                filter
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }

    /// Counts of reports matching `filter` (without its limit), for the real total beside a
    /// cut list.
    pub async fn count_crime_reports(&self, filter: &CrimeReportFilter) -> AccResult<i64> {
        Ok(on_read!(self, |pool| {
            bind_filter!(
                sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM crime_reports WHERE {FILTER}"
                )),
                filter
            )
            .fetch_one(pool)
            .await?
        }))
    }

    /// The reports that can count in the figures of `[start, end)` (in `unit` when given):
    /// received before `end`, and still open or changed since `start`. A report left out was
    /// decided and last written before `start`, so it counts in none of the figures.
    pub async fn crime_reports_for_figures(
        &self,
        unit: Option<&str>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> AccResult<Vec<CrimeReport>> {
        let rows = on_read!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {REPORT_COLUMNS} FROM crime_reports WHERE received_at < $1 \
                 AND (status IN ('verifying', 'suspended') OR updated_at >= $2) \
                 AND ($3 IS NULL OR unit_code = $3)"
            ))
            .bind(to_millis(end))
            .bind(to_millis(start))
            .bind(unit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| report_from_row(row).map(|s| s.report))
            .collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }

    /// Every report being verified whose limit is due soon or over at `now` (in `unit` when
    /// given), most urgent first, each judged with the current rules and calendar.
    pub async fn due_crime_reports(
        &self,
        unit: Option<&str>,
        now: DateTime<Utc>,
    ) -> AccResult<Vec<DueReport>> {
        let horizon = to_millis(now + Duration::days(DUE_WINDOW_DAYS));
        let (rows, rules, cal) = on_read!(self, |pool| {
            let mut conn = pool.acquire().await?;
            let (rules, cal) = load_clock_data!(conn);
            let rows = sqlx::query(&format!(
                "SELECT {REPORT_COLUMNS} FROM crime_reports \
                 WHERE status = 'verifying' AND deadline < $1 AND ($2 IS NULL OR unit_code = $2) \
                 ORDER BY deadline, id"
            ))
            .bind(horizon)
            .bind(unit)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?;
            (rows, rules, cal)
        });
        let mut due = Vec::new();
        for stored in rows {
            if let Some(standing) = stored.report.standing(&rules, &cal, now)? {
                if standing.due != Due::OnTime {
                    due.push(DueReport { stored, standing });
                }
            }
        }
        due.sort_by_key(|d| (d.standing.last_day, d.stored.id));
        Ok(due)
    }

    /// Applies a step to a report and stores it, only if it is still at the version it was
    /// read at (and at `expected_version` when the client sent one). `action` names the audit
    /// action (`crime_report.extend`, …).
    pub async fn update_crime_report<F>(
        &self,
        id: i64,
        expected_version: Option<i64>,
        action: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        step: F,
    ) -> AccResult<StoredCrimeReport>
    where
        F: FnOnce(
            &mut CrimeReport,
            &RuleBook,
            &Calendar,
        ) -> std::result::Result<(), CrimeReportError>,
    {
        self.step_crime_report(id, expected_version, action, actor, now, None, step)
            .await
            .map(|(s, _)| s)
    }

    /// Records the decision on a report. A decision to prosecute with `case` opens that case
    /// in the same transaction, with the report's unit, summary and day of receipt and the
    /// incident it came from, and links it both ways. Evaluates to the report and the case id.
    pub async fn decide_crime_report(
        &self,
        id: i64,
        expected_version: Option<i64>,
        decision: Decision,
        case: Option<CaseFromReport>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<(StoredCrimeReport, Option<i64>)> {
        if case.is_some() && decision.outcome != ReportOutcome::Prosecute {
            return Err(CrimeReportError::Invalid {
                field: "case",
                reason: "only a decision to prosecute opens a case".into(),
            }
            .into());
        }
        let action = format!("crime_report.{}", decision.outcome.code());
        let by = actor.name.clone();
        self.step_crime_report(
            id,
            expected_version,
            &action,
            actor,
            now,
            case,
            move |r, rules, cal| r.decide(decision, rules, cal, &by, now),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn step_crime_report<F>(
        &self,
        id: i64,
        expected_version: Option<i64>,
        action: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        case: Option<CaseFromReport>,
        step: F,
    ) -> AccResult<(StoredCrimeReport, Option<i64>)>
    where
        F: FnOnce(
            &mut CrimeReport,
            &RuleBook,
            &Calendar,
        ) -> std::result::Result<(), CrimeReportError>,
    {
        let (after, case_id, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let (rules, cal) = load_clock_data!(tx);
            let before = match sqlx::query(&format!(
                "SELECT {REPORT_COLUMNS} FROM crime_reports WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            {
                Some(row) => report_from_row(&row)?,
                None => return Err(not_found(id)),
            };
            if let Some(expected) = expected_version {
                if expected != before.version {
                    return Err(AccountabilityError::StaleVersion {
                        what: "crime report",
                        id,
                        expected,
                        current: before.version,
                    });
                }
            }
            let mut report = before.report.clone();
            step(&mut report, &rules, &cal)?;
            let mut changes = Vec::new();
            let mut case_id = None;
            if let Some(case) = &case {
                let record = CaseRecord {
                    id: case.case_ref.trim().to_owned(),
                    unit: report.unit.clone(),
                    article: case.article,
                    clause: case.clause,
                    bracket_max: case.bracket_max,
                    discovered_at: report.received_at,
                    solved_at: None,
                };
                record.validate()?;
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM cases WHERE case_ref = $1")
                        .bind(&record.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "case number {} is already in the register",
                        record.id
                    ))
                    .into());
                }
                let bracket = serde_json::to_string(&record.bracket_max)
                    .map_err(|e| corrupt("cases.bracket_max", e))?;
                // The case stands as prosecuted from the decision to prosecute (never before it
                // was discovered), with that decision in its status history.
                let decision = report.decision.clone();
                let status_at = decision
                    .as_ref()
                    .map(|d| domain::stats::period::vn_midnight_utc(d.decided_on))
                    .unwrap_or(now)
                    .max(record.discovered_at);
                let new_id: i64 = sqlx::query_scalar(
                    "INSERT INTO cases (case_ref, unit_code, article, clause, bracket_max, \
                     severity, summary, discovered_at, solved_at, created_at, updated_at, \
                     version, crime_report_id, incident_id, status, status_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9, 1, $10, $11, \
                     'prosecuted', $12) RETURNING id",
                )
                .bind(&record.id)
                .bind(&record.unit)
                .bind(i64::from(record.article))
                .bind(record.clause.map(i64::from))
                .bind(&bracket)
                .bind(record.severity().code())
                .bind(&report.summary)
                .bind(to_millis(record.discovered_at))
                .bind(to_millis(now))
                .bind(id)
                .bind(report.incident_id)
                .bind(to_millis(status_at))
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO case_status_history (case_id, status, at, decision_no, note, \
                     actor_id, actor_name, recorded_at) \
                     VALUES ($1, 'prosecuted', $2, $3, $4, $5, $6, $7)",
                )
                .bind(new_id)
                .bind(to_millis(status_at))
                .bind(decision.as_ref().map(|d| d.decision_no.clone()))
                .bind(format!("Khởi tố từ tin báo #{id}"))
                .bind(actor.user_id)
                .bind(&actor.name)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                report.link_case(new_id, &actor.name, now)?;
                let entry = AuditEntry {
                    action: "case.create".into(),
                    object_type: "case".into(),
                    object_id: new_id.to_string(),
                    unit_code: Some(record.unit.clone()),
                    summary: serde_json::json!({
                        "case_ref": record.id, "article": record.article,
                        "crime_report_id": id, "incident_id": report.incident_id,
                    }),
                };
                insert_audit!(tx, actor, &entry, now);
                changes.push(insert_change!(
                    self,
                    tx,
                    "case.created",
                    Some(record.unit.clone()),
                    vec![],
                    serde_json::json!({"id": new_id, "case_ref": record.id, "unit": record.unit,
                        "crime_report_id": id}),
                    now
                ));
                case_id = Some(new_id);
            }
            let done = sqlx::query(
                "UPDATE crime_reports SET unit_code = $3, status = $4, deadline = $5, \
                 case_id = $6, updated_at = $7, version = version + 1, doc = $8 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(id)
            .bind(before.version)
            .bind(&report.unit)
            .bind(report.status.code())
            .bind(deadline_of(&report, &rules, &cal)?)
            .bind(report.case_id)
            .bind(to_millis(now))
            .bind(report_doc(&report)?)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "crime report {id} was changed by someone else"
                ))
                .into());
            }
            let after = StoredCrimeReport {
                id,
                report,
                version: before.version + 1,
                created_at: before.created_at,
                updated_at: now,
            };
            let entry = AuditEntry {
                action: action.to_owned(),
                object_type: "crime_report".into(),
                object_id: id.to_string(),
                unit_code: Some(after.report.unit.clone()),
                summary: serde_json::json!({"before": payload(&before), "after": payload(&after)}),
            };
            insert_audit!(tx, actor, &entry, now);
            changes.push(insert_change!(
                self,
                tx,
                "crime_report.updated",
                Some(after.report.unit.clone()),
                vec![],
                payload(&after),
                now
            ));
            tx.commit().await?;
            (after, case_id, changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok((after, case_id))
    }

    /// Extends the running limit of a report.
    pub async fn extend_crime_report(
        &self,
        id: i64,
        expected_version: Option<i64>,
        ext: Extension,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCrimeReport> {
        let by = actor.name.clone();
        self.update_crime_report(
            id,
            expected_version,
            "crime_report.extend",
            actor,
            now,
            move |r, rules, cal| r.extend(ext, rules, cal, &by, now),
        )
        .await
    }
}
