//! Criminal cases (vụ án) over HTTP: the register the crime statistics and the clearance rate
//! are computed from. A case has its Penal Code article (which decides its reporting group),
//! the maximum penalty of the applied bracket (which decides its severity class), its unit,
//! and when it was discovered and solved.
//!
//! A case follows the investigation: `POST /api/cases/{id}/status` moves it from `prosecuted`
//! on (the rules are `domain::stats::case_status`), dated as told, and `GET /api/cases/{id}`
//! shows every status it has had.
//!
//! Access: admins and operators record cases for any unit, a unit officer for their own unit;
//! leaders and inspectors read. A unit officer never sees another unit's case (404).

use super::{scoped_unit, unit_name};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::stats::{CaseStatus, MaxPenalty};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{CaseFilter, CaseStatusEntry, CaseStatusInput, NewCase, StoredCase};

/// A case as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: i64,
    /// Number in the case register.
    pub case_ref: String,
    pub unit: String,
    pub unit_name: Option<String>,
    /// Penal Code article (Điều).
    pub article: u16,
    pub clause: Option<u8>,
    /// `{"type": "non_custodial" | "prison_months" | "life" | "death", "months": n}`.
    pub bracket_max: MaxPenalty,
    /// less_serious, serious, very_serious or especially_serious (derived).
    pub severity: String,
    pub severity_label: String,
    /// Reporting group: ttxh, economic, drugs, environment, high_tech or other.
    pub group: String,
    pub group_label: String,
    pub summary: String,
    pub discovered_at: DateTime<Utc>,
    pub solved_at: Option<DateTime<Utc>>,
    /// The crime report it was opened on (`/api/crime-reports/{id}`), if any.
    pub crime_report_id: Option<i64>,
    /// The incident that report came from, if any.
    pub incident_id: Option<i64>,
    /// prosecuted, investigating, suspended, discontinued, concluded or sent_for_prosecution.
    pub status: String,
    /// The status in Vietnamese (e.g. "Đang điều tra").
    pub status_label: String,
    /// Date of the status, as recorded.
    pub status_at: DateTime<Utc>,
    /// Number of suspects or accused, when known.
    pub suspects: Option<u32>,
    /// Send it back when changing the case: a concurrent change gets 409.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every status the case has had, oldest first (only on `GET /api/cases/{id}` and the
    /// answer to a status change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StatusEntryView>>,
}

/// One status a case has had.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusEntryView {
    pub status: String,
    pub status_label: String,
    /// Date of the status, as told.
    pub at: DateTime<Utc>,
    /// Number of the decision (quyết định), if any.
    pub decision_no: Option<String>,
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

fn entry_view(e: CaseStatusEntry) -> StatusEntryView {
    StatusEntryView {
        status: e.status.code().to_owned(),
        status_label: e.status.label_vi().to_owned(),
        at: e.at,
        decision_no: e.decision_no,
        note: e.note,
        recorded_by: e.actor_name,
        recorded_at: e.recorded_at,
    }
}

async fn view_with_history(state: &AppState, c: &StoredCase) -> ApiResult<CaseView> {
    let history = state.store.case_status_history(c.id).await?;
    Ok(CaseView {
        history: Some(history.into_iter().map(entry_view).collect()),
        ..view(state, c)
    })
}

fn view(state: &AppState, c: &StoredCase) -> CaseView {
    CaseView {
        id: c.id,
        case_ref: c.record.id.clone(),
        unit_name: unit_name(state, &c.record.unit),
        unit: c.record.unit.clone(),
        article: c.record.article,
        clause: c.record.clause,
        bracket_max: c.record.bracket_max,
        severity: c.severity.code().to_owned(),
        severity_label: c.severity.label_vi().to_owned(),
        group: c.group.code().to_owned(),
        group_label: c.group.label_vi().to_owned(),
        summary: c.summary.clone(),
        discovered_at: c.record.discovered_at,
        solved_at: c.record.solved_at,
        crime_report_id: c.crime_report_id,
        incident_id: c.incident_id,
        status: c.status.code().to_owned(),
        status_label: c.status.label_vi().to_owned(),
        status_at: c.status_at,
        suspects: c.suspects,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
        history: None,
    }
}

/// A case to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// Number in the case register (unique).
    pub case_ref: String,
    /// Unit code (a unit officer: their own, the default).
    pub unit: Option<String>,
    /// Penal Code article, 1–426.
    pub article: u16,
    pub clause: Option<u8>,
    /// Maximum penalty of the applied bracket, e.g. `{"type": "prison_months", "months": 84}`.
    pub bracket_max: MaxPenalty,
    #[serde(default)]
    pub summary: String,
    pub discovered_at: DateTime<Utc>,
    pub solved_at: Option<DateTime<Utc>>,
    /// Number of suspects or accused, when known (0 to 10000).
    pub suspects: Option<u32>,
}

fn writer_roles() -> [Role; 3] {
    [Role::Admin, Role::Operator, Role::UnitOfficer]
}

/// Records a case.
#[utoipa::path(post, path = "/api/cases", tag = "cases", request_body = NewCaseBody,
    responses((status = 201, body = CaseView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewCaseBody>,
) -> ApiResult<Response> {
    principal.require(&writer_roles())?;
    let case_ref = body.case_ref.trim().to_owned();
    if case_ref.is_empty() || case_ref.chars().count() > 64 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "case_ref: 1 to 64 characters",
        ));
    }
    if body.summary.chars().count() > 2000 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "summary: at most 2000 characters",
        ));
    }
    let unit = scoped_unit(&state, &principal, body.unit.as_deref())?
        .filter(|u| state.units.get(u).is_some())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                "unit: the commune/ward unit of the case is required",
            )
        })?;
    let new = NewCase {
        case_ref,
        unit,
        article: body.article,
        clause: body.clause,
        bracket_max: body.bracket_max,
        summary: body.summary.trim().to_owned(),
        discovered_at: body.discovered_at,
        solved_at: body.solved_at,
        status: None,
        status_at: None,
        suspects: body.suspects,
    };
    let stored = state
        .store
        .create_case(&new, &principal.actor(), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &stored))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub unit: Option<String>,
    /// Discovered at or after.
    pub from: Option<DateTime<Utc>>,
    /// Discovered before.
    pub to: Option<DateTime<Utc>>,
    /// Only solved (`true`) or unsolved (`false`) cases.
    pub solved: Option<bool>,
    /// 1 to 5000 (default 1000).
    pub limit: Option<i64>,
}

/// Lists cases, newest discovery first.
#[utoipa::path(get, path = "/api/cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = [CaseView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<CaseView>>> {
    let rows = state
        .store
        .list_cases(&case_filter(&state, &principal, &q)?)
        .await?;
    Ok(Json(rows.iter().map(|c| view(&state, c)).collect()))
}

fn case_filter(state: &AppState, principal: &Principal, q: &ListQuery) -> ApiResult<CaseFilter> {
    Ok(CaseFilter {
        unit: scoped_unit(state, principal, q.unit.as_deref())?,
        from: q.from,
        to: q.to,
        solved: q.solved,
        limit: q.limit.unwrap_or(1000),
    })
}

/// The totals of the cases a list finds: every case, not only the rows it returns.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub total: i64,
    pub solved: i64,
    /// Solved in percent of the total; absent when there are no cases.
    pub clearance_percent: Option<f64>,
}

/// Case totals and the clearance rate with the filters of the list (`limit` is ignored).
#[utoipa::path(get, path = "/api/cases/summary", tag = "cases", params(ListQuery),
    responses((status = 200, body = CaseSummary), (status = 403, body = crate::error::ErrorBody)))]
pub async fn summary(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<CaseSummary>> {
    let (total, solved) = state
        .store
        .count_cases(&case_filter(&state, &principal, &q)?)
        .await?;
    Ok(Json(CaseSummary {
        total,
        solved,
        clearance_percent: (total > 0).then(|| solved as f64 * 100.0 / total as f64),
    }))
}

async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<StoredCase> {
    let c = state.store.case(id).await?;
    if !principal.scope.allows(Some(&c.record.unit), &[]) {
        return Err(ApiError::not_found(format!("case {id} not found")));
    }
    Ok(c)
}

/// One case.
#[utoipa::path(get, path = "/api/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    let c = load(&state, &principal, id).await?;
    Ok(Json(view_with_history(&state, &c).await?))
}

/// The case was solved (điều tra, khám phá).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolvedBody {
    pub version: i64,
    /// When it was solved (default: now); not before it was discovered.
    pub solved_at: Option<DateTime<Utc>>,
}

/// Marks a case solved.
#[utoipa::path(post, path = "/api/cases/{id}/solved", tag = "cases", params(("id" = i64, Path)),
    request_body = SolvedBody,
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn solved(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<SolvedBody>,
) -> ApiResult<Json<CaseView>> {
    principal.require(&writer_roles())?;
    load(&state, &principal, id).await?;
    let now = Utc::now();
    let updated = state
        .store
        .set_case_solved(
            id,
            Some(body.solved_at.unwrap_or(now)),
            Some(body.version),
            &principal.actor(),
            now,
        )
        .await?;
    Ok(Json(view(&state, &updated)))
}

/// A status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStatusBody {
    /// investigating, suspended, discontinued, concluded or sent_for_prosecution.
    pub status: String,
    /// Date of the change (may be in the past; not before the discovery or the current
    /// status, not in the future).
    pub at: DateTime<Utc>,
    /// Number of the decision (quyết định), at most 64 characters.
    pub decision_no: Option<String>,
    /// At most 2000 characters.
    pub note: Option<String>,
    pub version: i64,
}

/// Moves a case to another status: 409 `illegal_transition` when the procedure does not
/// allow it, 422 `invalid_field` for a date out of order, 409 `conflict` on a stale version.
#[utoipa::path(post, path = "/api/cases/{id}/status", tag = "cases", params(("id" = i64, Path)),
    request_body = CaseStatusBody,
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<CaseStatusBody>,
) -> ApiResult<Json<CaseView>> {
    principal.require(&writer_roles())?;
    load(&state, &principal, id).await?;
    let status: CaseStatus = body
        .status
        .parse()
        .map_err(|e: String| ApiError::new(ErrorCode::InvalidField, format!("status: {e}")))?;
    let text = |v: Option<String>, field: &str, max: usize| -> ApiResult<Option<String>> {
        let v = v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                format!("{field}: at most {max} characters"),
            ));
        }
        Ok(v)
    };
    let input = CaseStatusInput {
        status,
        at: body.at,
        decision_no: text(body.decision_no, "decision_no", 64)?,
        note: text(body.note, "note", 2000)?,
    };
    let updated = state
        .store
        .change_case_status(
            id,
            &input,
            Some(body.version),
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(view_with_history(&state, &updated).await?))
}

/// The case routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/cases", get(list).post(create))
        .route("/api/cases/summary", get(summary))
        .route("/api/cases/{id}", get(get_one))
        .route("/api/cases/{id}/solved", post(solved))
        .route("/api/cases/{id}/status", post(status))
}

/// The case paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, summary, get_one, solved, status))]
pub struct Doc;
