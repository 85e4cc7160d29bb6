//! The switchboard's call log: 113/114 calls opened when answered and closed with an outcome,
//! the opening of an incident from a call (one transaction: the incident and the call's link),
//! the filtered list with its real total, a number's recent calls for the nuisance flag, and
//! the rows of the daily report.
//!
//! A call is closed at most once: the close is `UPDATE … WHERE id = $1 AND status = 'open'`,
//! so two call-takers racing on one call cannot both close it. Every write appends its audit
//! row in the same transaction.

use crate::incidents::{domain_actor, CreatedIncident, IncidentSummary};
use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::calls::{CallRow, Closing, Line, Outcome, PastCall};
use domain::incident::{
    DuplicateHint, Incident, IncidentId, IncidentNumber, ValidNewIncident, Vocabulary,
};
use sqlx::Row;

/// A call as the call-taker opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub line: Line,
    /// When it was answered (`now` unless a telephony link says otherwise).
    pub answered_at: DateTime<Utc>,
    /// The normalised caller number; `None` when hidden.
    pub caller_number: Option<String>,
    /// The raw caller id from a telephony link.
    pub caller_id: Option<String>,
    pub recording_ref: Option<String>,
    /// The switch's own id of the call; unique when given.
    pub external_call_id: Option<String>,
    pub note: Option<String>,
}

/// A call as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCall {
    pub id: i64,
    pub line: Line,
    /// `true` until it is closed with an outcome.
    pub open: bool,
    pub answered_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub caller_number: Option<String>,
    pub call_taker_id: Option<i64>,
    pub call_taker_name: String,
    pub outcome: Option<Outcome>,
    pub incident_id: Option<i64>,
    /// The linked incident's number, e.g. `HN-2026-000123`.
    pub incident_number: Option<String>,
    pub transferred_to: Option<String>,
    pub note: Option<String>,
    pub caller_id: Option<String>,
    pub recording_ref: Option<String>,
    pub external_call_id: Option<String>,
    pub version: i64,
}

/// Which calls to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// Answered at or after.
    pub from: Option<DateTime<Utc>>,
    /// Answered before.
    pub to: Option<DateTime<Utc>>,
    pub line: Option<Line>,
    pub outcome: Option<Outcome>,
    /// Only open (`Some(true)`) or closed (`Some(false)`) calls.
    pub open: Option<bool>,
    pub call_taker_id: Option<i64>,
    pub caller_number: Option<String>,
    pub incident_id: Option<i64>,
    /// 1 to 500.
    pub limit: i64,
    pub offset: i64,
}

const CALL_COLUMNS: &str = "c.id, c.line, c.status, c.answered_at, c.ended_at, \
     c.caller_number, c.call_taker_id, c.call_taker_name, c.outcome, c.incident_id, \
     i.number AS incident_number, c.transferred_to, c.note, c.caller_id, c.recording_ref, \
     c.external_call_id, c.version FROM calls c LEFT JOIN incidents i ON i.id = c.incident_id";

const CALL_WHERE: &str =
    "($1 IS NULL OR c.answered_at >= $1) AND ($2 IS NULL OR c.answered_at < $2) \
     AND ($3 IS NULL OR c.line = $3) AND ($4 IS NULL OR c.outcome = $4) \
     AND ($5 IS NULL OR c.status = $5) AND ($6 IS NULL OR c.call_taker_id = $6) \
     AND ($7 IS NULL OR c.caller_number = $7) AND ($8 IS NULL OR c.incident_id = $8)";

fn corrupt(what: &'static str, detail: &str) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_owned(),
    }
}

fn outcome_of(code: Option<String>) -> Result<Option<Outcome>> {
    code.map(|c| Outcome::parse(&c).ok_or_else(|| corrupt("calls.outcome", &c)))
        .transpose()
}

fn call_from_row<R: Row>(row: &R) -> Result<StoredCall>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let line: String = row.try_get("line")?;
    let status: String = row.try_get("status")?;
    Ok(StoredCall {
        id: row.try_get("id")?,
        line: Line::parse(&line).ok_or_else(|| corrupt("calls.line", &line))?,
        open: status == "open",
        answered_at: from_millis(row.try_get("answered_at")?),
        ended_at: row.try_get::<Option<i64>, _>("ended_at")?.map(from_millis),
        caller_number: row.try_get("caller_number")?,
        call_taker_id: row.try_get("call_taker_id")?,
        call_taker_name: row.try_get("call_taker_name")?,
        outcome: outcome_of(row.try_get("outcome")?)?,
        incident_id: row.try_get("incident_id")?,
        incident_number: row.try_get("incident_number")?,
        transferred_to: row.try_get("transferred_to")?,
        note: row.try_get("note")?,
        caller_id: row.try_get("caller_id")?,
        recording_ref: row.try_get("recording_ref")?,
        external_call_id: row.try_get("external_call_id")?,
        version: row.try_get("version")?,
    })
}

fn call_not_found(id: i64) -> StoreError {
    StoreError::NotFound {
        what: "call",
        id: id.to_string(),
    }
}

/// Closes the open call `$id` inside `$tx` with `$closing`, ended at `$ended` (never before
/// it was answered), and appends its audit row; a call
/// already closed is a [`StoreError::Conflict`], an unknown one [`StoreError::NotFound`].
macro_rules! close_call_in_tx {
    ($tx:expr, $id:expr, $closing:expr, $ended:expr, $actor:expr, $now:expr) => {{
        let id: i64 = $id;
        let closing: &Closing = $closing;
        let ended: DateTime<Utc> = $ended;
        let now: DateTime<Utc> = $now;
        let done = sqlx::query(
            "UPDATE calls SET status = 'closed', \
             ended_at = CASE WHEN answered_at > $2 THEN answered_at ELSE $2 END, \
             outcome = $3, incident_id = $4, transferred_to = $5, note = COALESCE($6, note), \
             version = version + 1 WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(to_millis(ended))
        .bind(closing.outcome.code())
        .bind(closing.incident_id)
        .bind(&closing.transferred_to)
        .bind(&closing.note)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM calls WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *$tx)
                .await?;
            return Err(match known {
                Some(_) => StoreError::Conflict(format!("call {id} is already closed")),
                None => call_not_found(id),
            });
        }
        let entry = AuditEntry {
            action: "call.close".into(),
            object_type: "call".into(),
            object_id: id.to_string(),
            unit_code: None,
            summary: serde_json::json!({"after": {
                "outcome": closing.outcome.code(), "incident_id": closing.incident_id,
                "transferred_to": closing.transferred_to,
            }}),
        };
        insert_audit!($tx, $actor, &entry, now);
    }};
}

impl Store {
    /// Opens a call (status open) and audits it. An `external_call_id` already logged is a
    /// [`StoreError::Conflict`].
    pub async fn open_call(
        &self,
        new: &NewCall,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<StoredCall> {
        let id = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO calls (line, status, answered_at, caller_number, call_taker_id, \
                 call_taker_name, note, caller_id, recording_ref, external_call_id) \
                 VALUES ($1, 'open', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(new.line.code())
            .bind(to_millis(new.answered_at))
            .bind(&new.caller_number)
            .bind(actor.user_id)
            .bind(&actor.name)
            .bind(&new.note)
            .bind(&new.caller_id)
            .bind(&new.recording_ref)
            .bind(&new.external_call_id)
            .fetch_one(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "call.open".into(),
                object_type: "call".into(),
                object_id: id.to_string(),
                unit_code: None,
                summary: serde_json::json!({"after": {
                    "line": new.line.code(), "caller_number": new.caller_number,
                    "answered_at": new.answered_at,
                }}),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            id
        });
        self.call(id).await?.ok_or_else(|| call_not_found(id))
    }

    /// One call.
    pub async fn call(&self, id: i64) -> Result<Option<StoredCall>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {CALL_COLUMNS} WHERE c.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(call_from_row).transpose()
        })
    }

    /// Closes an open call with a checked outcome, ended at `ended`, and audits it.
    pub async fn close_call(
        &self,
        id: i64,
        closing: &Closing,
        ended: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<StoredCall> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            close_call_in_tx!(tx, id, closing, ended, actor, now);
            tx.commit().await?;
        });
        self.call(id).await?.ok_or_else(|| call_not_found(id))
    }

    /// Opens an incident from an open call and closes the call as `incident_opened` linked to
    /// it, in one transaction: either both are written or neither. `note` goes on the call.
    pub async fn open_incident_from_call(
        &self,
        call_id: i64,
        valid: ValidNewIncident,
        note: Option<String>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(CreatedIncident, StoredCall)> {
        let duplicates = self.duplicate_hints(&valid, now).await?;
        let (incident, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let (incident, change): (Incident, crate::Change) =
                open_in_tx!(self, tx, valid, &duplicates, actor, now, "incident.create");
            let closing = Closing {
                outcome: Outcome::IncidentOpened,
                incident_id: Some(incident.id.0),
                transferred_to: None,
                note,
            };
            close_call_in_tx!(tx, call_id, &closing, now, actor, now);
            tx.commit().await?;
            (incident, change)
        });
        self.publish(change);
        let call = self
            .call(call_id)
            .await?
            .ok_or_else(|| call_not_found(call_id))?;
        Ok((
            CreatedIncident {
                incident,
                version: 1,
                duplicates,
            },
            call,
        ))
    }

    /// Calls matching `filter`, newest first, with the number of all matching calls.
    pub async fn list_calls(&self, filter: &CallFilter) -> Result<(Vec<StoredCall>, i64)> {
        let limit = filter.limit.clamp(1, 500);
        let offset = filter.offset.max(0);
        let status = filter.open.map(|o| if o { "open" } else { "closed" });
        on_read!(self, |pool| {
            let total: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM calls c WHERE {CALL_WHERE}"))
                    .bind(filter.from.map(to_millis))
                    .bind(filter.to.map(to_millis))
                    .bind(filter.line.map(Line::code))
                    .bind(filter.outcome.map(Outcome::code))
                    .bind(status)
                    .bind(filter.call_taker_id)
                    .bind(&filter.caller_number)
                    .bind(filter.incident_id)
                    .fetch_one(pool)
                    .await?;
            let rows = sqlx::query(&format!(
                "SELECT {CALL_COLUMNS} WHERE {CALL_WHERE} \
                 ORDER BY c.answered_at DESC, c.id DESC LIMIT $9 OFFSET $10"
            ))
            .bind(filter.from.map(to_millis))
            .bind(filter.to.map(to_millis))
            .bind(filter.line.map(Line::code))
            .bind(filter.outcome.map(Outcome::code))
            .bind(status)
            .bind(filter.call_taker_id)
            .bind(&filter.caller_number)
            .bind(filter.incident_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let calls = rows.iter().map(call_from_row).collect::<Result<Vec<_>>>()?;
            Ok((calls, total))
        })
    }

    /// The calls from `number` answered after `since`, leaving out the call `except` (the one
    /// on the line), for the nuisance rule.
    pub async fn calls_from_number(
        &self,
        number: &str,
        since: DateTime<Utc>,
        except: Option<i64>,
    ) -> Result<Vec<PastCall>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT answered_at, outcome FROM calls WHERE caller_number = $1 \
                 AND answered_at > $2 AND ($3 IS NULL OR id <> $3) ORDER BY answered_at",
            )
            .bind(number)
            .bind(to_millis(since))
            .bind(except)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(PastCall {
                        answered_at: from_millis(r.try_get("answered_at")?),
                        outcome: outcome_of(r.try_get("outcome")?)?,
                    })
                })
                .collect()
        })
    }

    /// The calls answered in `[start, end)`, as the daily report reads them.
    pub async fn call_rows(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<CallRow>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT answered_at, ended_at, outcome, call_taker_id, call_taker_name \
                 FROM calls WHERE answered_at >= $1 AND answered_at < $2",
            )
            .bind(to_millis(start))
            .bind(to_millis(end))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(CallRow {
                        answered_at: from_millis(r.try_get("answered_at")?),
                        ended_at: r.try_get::<Option<i64>, _>("ended_at")?.map(from_millis),
                        outcome: outcome_of(r.try_get("outcome")?)?,
                        call_taker_id: r.try_get("call_taker_id")?,
                        call_taker_name: r.try_get("call_taker_name")?,
                    })
                })
                .collect()
        })
    }
}
