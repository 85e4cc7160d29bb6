//! The crime-report register over HTTP (`/api/crime-reports`): reports received from an
//! incident, a citizen, an agency or the assistant, their legal clock (due soon, overdue) and
//! its extensions, the decision that settles them, and the chain incident → report → case.
//! The time-limit rules and the days off the clock reads are here too
//! (`/api/crime-reports/rules`, `/api/days-off`).
//!
//! Access: admins and operators record for any unit, a unit officer for their own unit;
//! leaders and inspectors read (with the reporter's phone masked). A unit officer never sees
//! another unit's report (404). Rules and days off are an administrator's to change.

use super::{scoped_unit, unit_name, OFFICER_ROLES};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Role;
use domain::crime_report::{
    figures, figures_table, Calendar, Decision, Due, Entry, Extension, ExtensionBy, Figures,
    LimitRule, NewCrimeReport, ReportKind, ReportOutcome, ReportSource, ReportStatus, Reporter,
    RuleBook,
};
use domain::incident::{masked_phone, IncidentId};
use domain::report::Lang;
use domain::stats::MaxPenalty;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{CaseFromReport, CrimeReportFilter, DayOff, StoredCrimeReport};

fn writer_roles() -> [Role; 3] {
    [Role::Admin, Role::Operator, Role::UnitOfficer]
}

/// Where a running limit stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LimitView {
    /// Last day of the limit (Vietnam time).
    pub last_day: NaiveDate,
    /// 24:00 Vietnam time of the last day.
    pub deadline: DateTime<Utc>,
    /// Days from today to the last day: 0 on the last day, negative after it.
    pub days_left: i64,
    /// on_time, due_soon or overdue.
    #[schema(value_type = String)]
    pub due: Due,
    pub due_label: String,
}

/// A crime report as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrimeReportDetail {
    pub id: i64,
    /// denunciation, information or prosecution_proposal.
    #[schema(value_type = String)]
    pub kind: ReportKind,
    pub kind_label: String,
    /// incident, citizen, agency or assistant.
    #[schema(value_type = String)]
    pub source: ReportSource,
    pub source_label: String,
    pub unit: String,
    pub unit_name: Option<String>,
    pub received_at: DateTime<Utc>,
    pub reporter: Reporter,
    /// Nothing identifies who reported it.
    pub anonymous: bool,
    pub summary: String,
    pub place: Option<String>,
    /// Suggested Penal Code article.
    pub article: Option<u16>,
    pub register_no: Option<String>,
    /// verifying, suspended, prosecuted, not_prosecuted or transferred.
    #[schema(value_type = String)]
    pub status: ReportStatus,
    pub status_label: String,
    /// The running limit (only while verifying).
    pub limit: Option<LimitView>,
    /// Last day of the current (or last) limit.
    pub last_day: NaiveDate,
    /// The rule the clock runs under and its legal basis.
    pub rule_id: String,
    pub legal_basis: String,
    pub extensions: Vec<Extension>,
    /// The decision that settled or suspended it.
    pub decision: Option<Decision>,
    /// Whether that decision came within the limit.
    pub settled_on_time: Option<bool>,
    /// The incident it came from, and its number.
    pub incident_id: Option<i64>,
    pub incident_number: Option<String>,
    /// The case opened on it, and its number.
    pub case_id: Option<i64>,
    pub case_ref: Option<String>,
    pub history: Vec<Entry>,
    /// Send it back with every change: a concurrent change gets 409.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn limit_view(s: domain::crime_report::Standing) -> LimitView {
    LimitView {
        last_day: s.last_day,
        deadline: s.deadline,
        days_left: s.days_left,
        due: s.due,
        due_label: s.due.label_vi().to_owned(),
    }
}

fn view(
    state: &AppState,
    principal: &Principal,
    clock: &(RuleBook, Calendar),
    s: &StoredCrimeReport,
    now: DateTime<Utc>,
) -> ApiResult<CrimeReportDetail> {
    let (rules, cal) = clock;
    let r = &s.report;
    let rule = r.rule(rules).map_err(ApiError::internal)?;
    let mut reporter = r.reporter.clone();
    if !super::super::incidents::sees_caller(principal) {
        reporter.phone = reporter.phone.as_deref().map(masked_phone);
    }
    Ok(CrimeReportDetail {
        id: s.id,
        kind: r.kind,
        kind_label: r.kind.label_vi().to_owned(),
        source: r.source,
        source_label: r.source.label_vi().to_owned(),
        unit_name: unit_name(state, &r.unit),
        unit: r.unit.clone(),
        received_at: r.received_at,
        anonymous: r.reporter.is_anonymous(),
        reporter,
        summary: r.summary.clone(),
        place: r.place.clone(),
        article: r.article,
        register_no: r.register_no.clone(),
        status: r.status,
        status_label: r.status.label_vi().to_owned(),
        limit: r
            .standing(rules, cal, now)
            .map_err(ApiError::internal)?
            .map(limit_view),
        last_day: r.clock.last_day(rule, cal),
        rule_id: rule.id.clone(),
        legal_basis: rule.legal_basis.clone(),
        extensions: r.clock.extensions.clone(),
        decision: r.decision.clone(),
        settled_on_time: r.settled_on_time(),
        incident_id: r.incident_id,
        incident_number: None,
        case_id: r.case_id,
        case_ref: None,
        history: r.history.clone(),
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

/// The view with the incident's and the case's numbers filled in.
async fn full_view(
    state: &AppState,
    principal: &Principal,
    s: &StoredCrimeReport,
) -> ApiResult<CrimeReportDetail> {
    let clock = state.store.crime_report_clock().await?;
    let mut v = view(state, principal, &clock, s, Utc::now())?;
    if let Some(id) = v.incident_id {
        v.incident_number = state
            .store
            .incident(IncidentId(id))
            .await?
            .map(|i| i.incident.number.to_string());
    }
    if let Some(id) = v.case_id {
        v.case_ref = Some(state.store.case(id).await?.record.id);
    }
    Ok(v)
}

async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<StoredCrimeReport> {
    principal.require(&OFFICER_ROLES)?;
    let r = state.store.crime_report(id).await?;
    if !principal.scope.allows(Some(&r.report.unit), &[]) {
        return Err(ApiError::not_found(format!("crime report {id} not found")));
    }
    Ok(r)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidField, message)
}

/// A report to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCrimeReportBody {
    /// denunciation (default), information or prosecution_proposal.
    #[schema(value_type = Option<String>)]
    pub kind: Option<ReportKind>,
    /// citizen (default), agency, assistant; `incident` when `incident_id` is given.
    #[schema(value_type = Option<String>)]
    pub source: Option<ReportSource>,
    /// Unit code (a unit officer: their own, the default; from an incident: its unit).
    pub unit: Option<String>,
    /// When it was received (default: now).
    pub received_at: Option<DateTime<Utc>>,
    /// Who reported it; leave out for an anonymous tip.
    pub reporter: Option<Reporter>,
    /// What was reported (from an incident: its type and description when left out).
    pub summary: Option<String>,
    pub place: Option<String>,
    /// Suggested Penal Code article, 1–426.
    pub article: Option<u16>,
    /// The incident it comes from: its unit, time, caller, place and description are carried.
    pub incident_id: Option<i64>,
    /// Number in the unit's paper register.
    pub register_no: Option<String>,
}

/// Registers a report. From an incident, the facts not given are carried from it.
#[utoipa::path(post, path = "/api/crime-reports", tag = "crime-reports",
    request_body = NewCrimeReportBody,
    responses((status = 201, body = CrimeReportDetail), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewCrimeReportBody>,
) -> ApiResult<Response> {
    principal.require(&writer_roles())?;
    let now = Utc::now();
    let from_incident = match body.incident_id {
        Some(id) => Some(
            super::super::incidents::load(&state, &principal, id)
                .await?
                .incident,
        ),
        None => None,
    };
    // From an incident, what is not given is carried from it.
    let base = from_incident.as_ref().map(NewCrimeReport::from_incident);
    let asked_unit = body.unit.as_deref().or(base
        .as_ref()
        .map(|b| b.unit.as_str())
        .filter(|u| !u.is_empty()));
    let unit = scoped_unit(&state, &principal, asked_unit)?
        .filter(|u| state.units.get(u).is_some())
        .ok_or_else(|| {
            invalid("unit: the commune/ward unit that receives the report is required")
        })?;
    let given_summary = body.summary.filter(|s| !s.trim().is_empty());
    let new = match base {
        Some(b) => NewCrimeReport {
            kind: body.kind.unwrap_or(b.kind),
            source: body.source.unwrap_or(b.source),
            unit,
            received_at: body.received_at.unwrap_or(b.received_at),
            reporter: body.reporter.unwrap_or(b.reporter),
            summary: given_summary.unwrap_or(b.summary),
            place: body.place.or(b.place),
            article: body.article,
            incident_id: b.incident_id,
            register_no: body.register_no,
        },
        None => NewCrimeReport {
            kind: body.kind.unwrap_or(ReportKind::Denunciation),
            source: body.source.unwrap_or(ReportSource::Citizen),
            unit,
            received_at: body.received_at.unwrap_or(now),
            reporter: body.reporter.unwrap_or_default(),
            summary: given_summary.unwrap_or_default(),
            place: body.place,
            article: body.article,
            incident_id: None,
            register_no: body.register_no,
        },
    };
    let stored = state
        .store
        .create_crime_report(new, &principal.actor(), now)
        .await?;
    let v = full_view(&state, &principal, &stored).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub unit: Option<String>,
    /// verifying, suspended, prosecuted, not_prosecuted, transferred.
    #[param(value_type = Option<String>)]
    pub status: Option<ReportStatus>,
    pub incident_id: Option<i64>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// 1 to 5000 (default 1000).
    pub limit: Option<i64>,
}

/// A page of reports and how many match in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrimeReportList {
    /// Every report matching the filters, not only those returned.
    pub total: i64,
    pub reports: Vec<CrimeReportDetail>,
}

/// Lists reports, newest received first.
#[utoipa::path(get, path = "/api/crime-reports", tag = "crime-reports", params(ListQuery),
    responses((status = 200, body = CrimeReportList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<CrimeReportList>> {
    principal.require(&OFFICER_ROLES)?;
    if q.limit.is_some_and(|l| !(1..=5000).contains(&l)) {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "limit: 1 to 5000"));
    }
    let filter = CrimeReportFilter {
        unit: scoped_unit(&state, &principal, q.unit.as_deref())?,
        status: q.status,
        incident_id: q.incident_id,
        from: q.from,
        to: q.to,
        limit: q.limit.unwrap_or(1000),
    };
    let rows = state.store.list_crime_reports(&filter).await?;
    let total = state.store.count_crime_reports(&filter).await?;
    let clock = state.store.crime_report_clock().await?;
    let now = Utc::now();
    let reports = rows
        .iter()
        .map(|r| view(&state, &principal, &clock, r, now))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(CrimeReportList { total, reports }))
}

/// One unit's reports that need attention.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitDue {
    pub unit: String,
    pub unit_name: Option<String>,
    pub overdue: usize,
    pub due_soon: usize,
}

/// Reports being verified whose limit is due soon or over, per unit and one by one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DueList {
    /// Per unit, most overdue first.
    pub units: Vec<UnitDue>,
    /// Every such report, the earliest last day first.
    pub reports: Vec<CrimeReportDetail>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    pub unit: Option<String>,
}

/// The overdue and due-soon lists (a unit officer: their own unit).
#[utoipa::path(get, path = "/api/crime-reports/due", tag = "crime-reports", params(DueQuery),
    responses((status = 200, body = DueList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn due(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<DueQuery>,
) -> ApiResult<Json<DueList>> {
    principal.require(&OFFICER_ROLES)?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let now = Utc::now();
    let due = state.store.due_crime_reports(unit.as_deref(), now).await?;
    let mut per_unit: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for d in &due {
        let e = per_unit.entry(d.stored.report.unit.clone()).or_default();
        match d.standing.due {
            Due::Overdue => e.0 += 1,
            _ => e.1 += 1,
        }
    }
    let mut units: Vec<UnitDue> = per_unit
        .into_iter()
        .map(|(unit, (overdue, due_soon))| UnitDue {
            unit_name: unit_name(&state, &unit),
            unit,
            overdue,
            due_soon,
        })
        .collect();
    units.sort_by(|a, b| {
        (b.overdue, b.due_soon)
            .cmp(&(a.overdue, a.due_soon))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let clock = state.store.crime_report_clock().await?;
    let reports = due
        .iter()
        .map(|d| view(&state, &principal, &clock, &d.stored, now))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(DueList { units, reports }))
}

/// One unit's figures, with its name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub unit: String,
    pub unit_name: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The register's figures for a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiguresView {
    pub period: super::stats::PeriodView,
    /// Units with any report to count, by code.
    pub units: Vec<UnitFigures>,
    pub total: Figures,
    /// How the figures are counted.
    pub definition: String,
    pub definition_en: String,
}

const FIGURES_DEFINITION: &str = "Tồn kỳ trước: tiếp nhận trước kỳ, chưa giải quyết khi kỳ bắt \
     đầu. Đã giải quyết: có quyết định khởi tố, không khởi tố, tạm đình chỉ hoặc chuyển cơ quan \
     có thẩm quyền trong kỳ (theo ngày quyết định). Tỷ lệ giải quyết = đã giải quyết / (tồn kỳ \
     trước + tiếp nhận trong kỳ). Còn tồn = tồn kỳ trước + tiếp nhận − đã giải quyết.";
const FIGURES_DEFINITION_EN: &str = "Carried in: received before the period and not settled when \
     it began. Settled: a decision to prosecute, not to prosecute, to suspend, or a transfer to \
     the competent body within the period (by the decision's day). Settled rate = settled / \
     (carried in + received). Pending = carried in + received − settled.";

/// Received, settled (by outcome, on time) and pending crime reports per unit for a period,
/// as JSON or as a CSV/XLSX download (`format=`), units named.
#[utoipa::path(get, path = "/api/crime-reports/figures", tag = "crime-reports",
    params(super::stats::StatsQuery),
    responses((status = 200, body = FiguresView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn figures_of_period(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<super::stats::StatsQuery>,
) -> ApiResult<Response> {
    principal.require(&OFFICER_ROLES)?;
    let now = Utc::now();
    let period = super::stats::period_of(&q, now)?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let (start, end) = period.utc_range();
    let reports = state
        .store
        .crime_reports_for_figures(unit.as_deref(), start, end)
        .await?;
    let counted = figures(reports.iter(), period.first_day(), period.last_day());
    let name = |code: &str| unit_name(&state, code).unwrap_or_else(|| code.to_owned());
    match q.format.unwrap_or(super::Format::Json) {
        super::Format::Json => Ok(Json(FiguresView {
            period: super::stats::PeriodView::from(&period),
            units: counted
                .units
                .iter()
                .map(|(code, f)| UnitFigures {
                    unit: code.clone(),
                    unit_name: unit_name(&state, code),
                    figures: f.clone(),
                })
                .collect(),
            total: counted.total,
            definition: FIGURES_DEFINITION.to_owned(),
            definition_en: FIGURES_DEFINITION_EN.to_owned(),
        })
        .into_response()),
        format => {
            let lang = q.lang.map(Lang::from).unwrap_or(Lang::Vi);
            let table = figures_table(&counted, lang, &period.label_vi(), &period.label_en(), name)
                .map_err(ApiError::internal)?;
            super::export(&table, format, lang, &format!("tin-bao-{period}"))
        }
    }
}

/// One report, with its history, limit and links.
#[utoipa::path(get, path = "/api/crime-reports/{id}", tag = "crime-reports",
    params(("id" = i64, Path)),
    responses((status = 200, body = CrimeReportDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<CrimeReportDetail>> {
    let r = load(&state, &principal, id).await?;
    Ok(Json(full_view(&state, &principal, &r).await?))
}

/// An extension of the limit, as its decision says.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    /// agency (the investigating body, up to 2 months from receipt) or procuracy (once, up to
    /// 2 months more).
    #[schema(value_type = String)]
    pub by: ExtensionBy,
    pub decision_no: String,
    pub decided_on: NaiveDate,
    /// The new last day.
    pub until: NaiveDate,
    pub version: i64,
}

/// Extends the limit of a report being verified.
#[utoipa::path(post, path = "/api/crime-reports/{id}/extensions", tag = "crime-reports",
    params(("id" = i64, Path)), request_body = ExtensionBody,
    responses((status = 200, body = CrimeReportDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn extend(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<ExtensionBody>,
) -> ApiResult<Json<CrimeReportDetail>> {
    principal.require(&writer_roles())?;
    load(&state, &principal, id).await?;
    let ext = Extension {
        by: body.by,
        decision_no: body.decision_no,
        decided_on: body.decided_on,
        until: body.until,
    };
    let r = state
        .store
        .extend_crime_report(id, Some(body.version), ext, &principal.actor(), Utc::now())
        .await?;
    Ok(Json(full_view(&state, &principal, &r).await?))
}

/// The case a decision to prosecute opens.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseBody {
    /// Number in the case register (unique).
    pub case_ref: String,
    /// Penal Code article, 1–426.
    pub article: u16,
    pub clause: Option<u8>,
    /// Maximum penalty of the applied bracket, e.g. `{"type": "prison_months", "months": 84}`.
    pub bracket_max: MaxPenalty,
}

/// The decision that settles, suspends or transfers a report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// prosecute, not_prosecute, suspend or transfer.
    #[schema(value_type = String)]
    pub outcome: ReportOutcome,
    pub decision_no: String,
    pub decided_on: NaiveDate,
    /// Grounds; for a suspension, what is awaited (required).
    pub reason: Option<String>,
    /// For a transfer: the body it goes to (required).
    pub transferred_to: Option<String>,
    /// With `prosecute`: the case to open, carrying the report's unit, summary, day of
    /// receipt and incident.
    pub case: Option<CaseBody>,
    pub version: i64,
}

/// Records the decision on a report; with `prosecute` and `case`, opens the case.
#[utoipa::path(post, path = "/api/crime-reports/{id}/decision", tag = "crime-reports",
    params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, body = CrimeReportDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn decide(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<DecisionBody>,
) -> ApiResult<Json<CrimeReportDetail>> {
    principal.require(&writer_roles())?;
    load(&state, &principal, id).await?;
    let case = match body.case {
        Some(c) => {
            let case_ref = c.case_ref.trim().to_owned();
            if case_ref.is_empty() || case_ref.chars().count() > 64 {
                return Err(invalid("case.case_ref: 1 to 64 characters"));
            }
            Some(CaseFromReport {
                case_ref,
                article: c.article,
                clause: c.clause,
                bracket_max: c.bracket_max,
            })
        }
        None => None,
    };
    let decision = Decision {
        outcome: body.outcome,
        decision_no: body.decision_no,
        decided_on: body.decided_on,
        reason: body.reason,
        transferred_to: body.transferred_to,
    };
    let (r, _) = state
        .store
        .decide_crime_report(
            id,
            Some(body.version),
            decision,
            case,
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(full_view(&state, &principal, &r).await?))
}

/// The decision to resume a suspended report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeBody {
    pub decision_no: String,
    /// The limit starts again on this day.
    pub decided_on: NaiveDate,
    pub version: i64,
}

/// Resumes a suspended report: the limit starts again.
#[utoipa::path(post, path = "/api/crime-reports/{id}/resume", tag = "crime-reports",
    params(("id" = i64, Path)), request_body = ResumeBody,
    responses((status = 200, body = CrimeReportDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn resume(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<ResumeBody>,
) -> ApiResult<Json<CrimeReportDetail>> {
    principal.require(&writer_roles())?;
    load(&state, &principal, id).await?;
    let actor = principal.actor();
    let by = actor.name.clone();
    let now = Utc::now();
    let r = state
        .store
        .update_crime_report(
            id,
            Some(body.version),
            "crime_report.resume",
            &actor,
            now,
            move |r, rules, cal| r.resume(&body.decision_no, body.decided_on, rules, cal, &by, now),
        )
        .await?;
    Ok(Json(full_view(&state, &principal, &r).await?))
}

/// The rules and the days off the legal clock reads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockData {
    pub rules: Vec<LimitRule>,
    /// Days off recorded beyond weekends and 1/1, 30/4, 1/5, 2/9.
    pub days_off: Vec<DayOffView>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayOffView {
    pub day: NaiveDate,
    pub name: String,
}

/// The time-limit rules with their legal basis and validity, and the recorded days off.
#[utoipa::path(get, path = "/api/crime-reports/rules", tag = "crime-reports",
    responses((status = 200, body = ClockData), (status = 403, body = crate::error::ErrorBody)))]
pub async fn rules(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<ClockData>> {
    principal.require(&OFFICER_ROLES)?;
    let book = state.store.crime_report_rules().await?;
    let days = state.store.days_off().await?;
    Ok(Json(ClockData {
        rules: book.rules().to_vec(),
        days_off: days
            .into_iter()
            .map(|d| DayOffView {
                day: d.day,
                name: d.name,
            })
            .collect(),
    }))
}

/// Adds a rule (an amended law). The rule in force before it ends the day before it starts.
#[utoipa::path(post, path = "/api/crime-reports/rules", tag = "crime-reports",
    request_body = LimitRule,
    responses((status = 201, body = ClockData), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_rule(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(rule): Json<LimitRule>,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin])?;
    state
        .store
        .add_crime_report_rule(&rule, &principal.actor(), Utc::now())
        .await?;
    let Json(data) = rules(State(state), principal).await?;
    Ok((StatusCode::CREATED, Json(data)).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayOffBody {
    /// What it is (e.g. "Tết Nguyên đán", "Nghỉ bù").
    pub name: String,
}

fn parse_day(day: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| ApiError::new(ErrorCode::InvalidQuery, "day: YYYY-MM-DD"))
}

/// Records a day off (Tết, compensatory days): a limit ending on it moves to the next
/// working day.
#[utoipa::path(put, path = "/api/days-off/{day}", tag = "crime-reports",
    params(("day" = String, Path)), request_body = DayOffBody,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_day_off(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(day): Path<String>,
    Json(body): Json<DayOffBody>,
) -> ApiResult<StatusCode> {
    principal.require(&[Role::Admin])?;
    let day = parse_day(&day)?;
    state
        .store
        .set_day_off(
            &DayOff {
                day,
                name: body.name,
            },
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a recorded day off.
#[utoipa::path(delete, path = "/api/days-off/{day}", tag = "crime-reports",
    params(("day" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_day_off(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(day): Path<String>,
) -> ApiResult<StatusCode> {
    principal.require(&[Role::Admin])?;
    let day = parse_day(&day)?;
    if state
        .store
        .remove_day_off(day, &principal.actor(), Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "{day} is not a recorded day off"
        )))
    }
}

/// The crime-report routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/crime-reports", get(list).post(create))
        .route("/api/crime-reports/due", get(due))
        .route("/api/crime-reports/figures", get(figures_of_period))
        .route("/api/crime-reports/rules", get(rules).post(add_rule))
        .route("/api/crime-reports/{id}", get(get_one))
        .route("/api/crime-reports/{id}/extensions", post(extend))
        .route("/api/crime-reports/{id}/decision", post(decide))
        .route("/api/crime-reports/{id}/resume", post(resume))
        .route(
            "/api/days-off/{day}",
            put(set_day_off).delete(remove_day_off),
        )
}

/// The crime-report paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    due,
    figures_of_period,
    get_one,
    extend,
    decide,
    resume,
    rules,
    add_rule,
    set_day_off,
    remove_day_off
))]
pub struct Doc;
