//! The switchboard's call log over HTTP: every 113/114 call opened when answered
//! (`POST /api/calls`) and closed with its outcome (`POST /api/calls/{id}/close`), a call
//! turned into an incident through the same intake as `POST /api/incidents`
//! (`POST /api/calls/{id}/incident`), the filtered list with its real total, one call, and the
//! daily report per hour and per call-taker (`GET /api/stats/calls`).
//!
//! Access: the city center's call-takers (operator) and admins record calls; leaders read the
//! log and the report. A unit officer does not work the city switchboard: they see only the
//! calls linked to an incident their unit sees, asked by incident (`GET /api/calls?incident=`),
//! and any other call answers 404, as another unit's incident does; the whole log and the daily
//! report answer them 403. Inspectors and establishments get 403.
//!
//! Opening a call from a known number answers with the number's recent history and the
//! nuisance flag of `domain::calls` (advice shown to the call-taker at once, never a block).

use crate::api::incidents::{self, NewIncidentBody};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::Role;
use domain::calls::{
    caller_history, clean_text, daily_report, day_window, CallError, CallerHistory, Closing,
    DailyCallReport, Line, Outcome, MAX_NOTE,
};
use domain::incident::{normalize_phone, IncidentId};
use domain::stats::period::vn_date;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{CallFilter, NewCall, StoredCall, StoredIncident};

/// Roles that answer the hotlines and record calls.
pub fn taker_roles() -> [Role; 2] {
    [Role::Admin, Role::Operator]
}

/// Roles that read the whole log and the daily report.
pub fn city_reader_roles() -> [Role; 3] {
    [Role::Admin, Role::Operator, Role::Leader]
}

/// Longest telephony field (caller id, recording reference, external call id).
const MAX_REF: usize = 200;
/// How far in the future a given `answered_at` may be (clock skew of a telephony link).
const ANSWERED_SKEW: Duration = Duration::seconds(60);

impl From<CallError> for ApiError {
    fn from(e: CallError) -> Self {
        ApiError::new(ErrorCode::of_domain(e.code()), e.to_string())
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("call {id} not found"))
}

// ---------------------------------------------------------------------------------------------
// Views

/// One call as the console shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallView {
    pub id: i64,
    /// `113` or `114`.
    pub line: String,
    /// `open` or `closed`.
    pub status: String,
    pub answered_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Answered → ended, once closed.
    pub duration_secs: Option<f64>,
    /// The normalised number; null when the caller hid it.
    pub caller_number: Option<String>,
    pub call_taker_id: Option<i64>,
    pub call_taker_name: String,
    /// incident_opened, information_given, prank, wrong_number, silent, duplicate,
    /// transferred; null while open.
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    /// The incident opened from the call or the one it duplicates.
    pub incident_id: Option<i64>,
    pub incident_number: Option<String>,
    /// Where a transferred call went, e.g. `115`.
    pub transferred_to: Option<String>,
    pub note: Option<String>,
    /// Raw caller id from a telephony link.
    pub caller_id: Option<String>,
    pub recording_ref: Option<String>,
    pub external_call_id: Option<String>,
    pub version: i64,
    /// The number's recent calls and nuisance flag (on an open call, one call, and the
    /// response that opened it; null for a hidden number).
    pub caller_history: Option<CallerHistory>,
}

impl CallView {
    fn of(c: &StoredCall, history: Option<CallerHistory>) -> CallView {
        CallView {
            id: c.id,
            line: c.line.code().to_owned(),
            status: if c.open { "open" } else { "closed" }.to_owned(),
            answered_at: c.answered_at,
            ended_at: c.ended_at,
            duration_secs: c
                .ended_at
                .map(|e| (e - c.answered_at).num_milliseconds().max(0) as f64 / 1000.0),
            caller_number: c.caller_number.clone(),
            call_taker_id: c.call_taker_id,
            call_taker_name: c.call_taker_name.clone(),
            outcome: c.outcome.map(|o| o.code().to_owned()),
            outcome_label: c.outcome.map(|o| o.label_vi().to_owned()),
            incident_id: c.incident_id,
            incident_number: c.incident_number.clone(),
            transferred_to: c.transferred_to.clone(),
            note: c.note.clone(),
            caller_id: c.caller_id.clone(),
            recording_ref: c.recording_ref.clone(),
            external_call_id: c.external_call_id.clone(),
            version: c.version,
            caller_history: history,
        }
    }
}

/// The number's history as of `now`, leaving out the call `except` itself.
async fn history_of(
    state: &AppState,
    number: Option<&str>,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Option<CallerHistory>> {
    let Some(number) = number else {
        return Ok(None);
    };
    let past = state
        .store
        .calls_from_number(number, now - Duration::days(7), except)
        .await?;
    Ok(Some(caller_history(now, &past)))
}

async fn view_with_history(state: &AppState, c: &StoredCall) -> ApiResult<CallView> {
    let history = history_of(state, c.caller_number.as_deref(), Some(c.id), Utc::now()).await?;
    Ok(CallView::of(c, history))
}

/// Loads a call the principal may see: every call for the city, for a unit officer only a
/// call linked to an incident their unit sees (any other answers 404).
async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<StoredCall> {
    let call = state.store.call(id).await?.ok_or_else(|| not_found(id))?;
    if principal.scope.unit().is_some() {
        let Some(incident) = call.incident_id else {
            return Err(not_found(id));
        };
        if incident_in_scope(state, principal, incident)
            .await?
            .is_none()
        {
            return Err(not_found(id));
        }
    }
    Ok(call)
}

/// The incident, when it exists and the principal's scope sees it.
async fn incident_in_scope(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> ApiResult<Option<StoredIncident>> {
    let found = state.store.incident(IncidentId(id)).await?;
    Ok(found.filter(|s| {
        let a = &s.incident.assignment;
        principal
            .scope
            .allows(a.primary_unit.as_deref(), &a.shared_with)
    }))
}

fn caller_number(raw: Option<&str>) -> ApiResult<Option<String>> {
    match raw.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => normalize_phone(p).map(Some).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                format!("caller_number: {p:?} is not a phone number (leave it empty when hidden)"),
            )
        }),
    }
}

fn reference(field: &'static str, text: Option<&str>) -> ApiResult<Option<String>> {
    Ok(clean_text(field, text, MAX_REF)?)
}

// ---------------------------------------------------------------------------------------------
// Opening and closing

/// A call answered on a hotline.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCallBody {
    /// `113` or `114`.
    pub line: String,
    /// The caller's number; leave out or empty when hidden.
    pub caller_number: Option<String>,
    /// When it was answered; default now (a telephony link sends its own time).
    pub answered_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Raw caller id from a telephony link.
    pub caller_id: Option<String>,
    /// The recording's reference in the telephony system.
    pub recording_ref: Option<String>,
    /// The telephony system's id of the call; unique.
    pub external_call_id: Option<String>,
}

/// Opens a call (status open) for the signed-in call-taker. Answers 201 with the call and,
/// for a known number, `caller_history`: its calls of the last 24 hours and 7 days and
/// `nuisance: true` when it made at least 3 prank or silent calls in 24 hours or 5 in 7 days.
#[utoipa::path(post, path = "/api/calls", tag = "calls", request_body = OpenCallBody,
    responses((status = 201, body = CallView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn open(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<OpenCallBody>,
) -> ApiResult<Response> {
    principal.require(&taker_roles())?;
    let now = Utc::now();
    let line = Line::parse(&body.line).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidField,
            format!("line: {:?} is not 113 or 114", body.line),
        )
    })?;
    let answered_at = body.answered_at.unwrap_or(now);
    if answered_at > now + ANSWERED_SKEW {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "answered_at: a call cannot be answered in the future",
        ));
    }
    let new = NewCall {
        line,
        answered_at,
        caller_number: caller_number(body.caller_number.as_deref())?,
        caller_id: reference("caller_id", body.caller_id.as_deref())?,
        recording_ref: reference("recording_ref", body.recording_ref.as_deref())?,
        external_call_id: reference("external_call_id", body.external_call_id.as_deref())?,
        note: clean_text("note", body.note.as_deref(), MAX_NOTE)?,
    };
    let call = state
        .store
        .open_call(&new, &principal.actor(), now)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ApiError::new(
                ErrorCode::DuplicateCall,
                "a call with this external_call_id is already logged",
            ),
            other => other.into(),
        })?;
    state
        .metrics
        .count("binhyen_calls_opened_total", &[("line", line.code())], 1);
    let history = history_of(&state, call.caller_number.as_deref(), Some(call.id), now).await?;
    Ok((StatusCode::CREATED, Json(CallView::of(&call, history))).into_response())
}

/// How a call ended.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCallBody {
    /// incident_opened, information_given, prank, wrong_number, silent, duplicate,
    /// transferred.
    pub outcome: String,
    /// Required for incident_opened (the incident opened) and duplicate (the incident it
    /// repeats); refused for the others.
    pub incident_id: Option<i64>,
    /// Required for transferred (e.g. `115`); refused for the others.
    pub transferred_to: Option<String>,
    pub note: Option<String>,
    /// When the call ended; default now (a telephony link sends its own time). Not before
    /// it was answered.
    pub ended_at: Option<DateTime<Utc>>,
}

/// Loads an open call for a call-taker: 404 when unknown, 409 `call_closed` when closed.
async fn open_call_of(state: &AppState, id: i64) -> ApiResult<StoredCall> {
    let call = state.store.call(id).await?.ok_or_else(|| not_found(id))?;
    if !call.open {
        return Err(ApiError::new(
            ErrorCode::CallClosed,
            format!("call {id} is already closed"),
        ));
    }
    Ok(call)
}

/// Closes an open call with its outcome. A missing or unexpected link (incident, transfer
/// target) or an unknown incident answers 422 `invalid_outcome_link`; a closed call 409
/// `call_closed`.
#[utoipa::path(post, path = "/api/calls/{id}/close", tag = "calls", params(("id" = i64, Path)),
    request_body = CloseCallBody,
    responses((status = 200, body = CallView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<CloseCallBody>,
) -> ApiResult<Json<CallView>> {
    principal.require(&taker_roles())?;
    let outcome = Outcome::parse(&body.outcome).ok_or_else(|| {
        let known: Vec<&str> = Outcome::ALL.iter().map(|o| o.code()).collect();
        ApiError::new(
            ErrorCode::InvalidField,
            format!(
                "outcome: {:?} is not one of {}",
                body.outcome,
                known.join(", ")
            ),
        )
    })?;
    let closing = Closing {
        outcome,
        incident_id: body.incident_id,
        transferred_to: body.transferred_to,
        note: body.note,
    }
    .validate()?;
    let now = Utc::now();
    let call = open_call_of(&state, id).await?;
    let ended = body.ended_at.unwrap_or(now).max(call.answered_at);
    if body
        .ended_at
        .is_some_and(|e| e < call.answered_at || e > now + ANSWERED_SKEW)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "ended_at: between the answer and now",
        ));
    }
    if let Some(incident) = closing.incident_id {
        if state.store.incident(IncidentId(incident)).await?.is_none() {
            return Err(ApiError::new(
                ErrorCode::InvalidOutcomeLink,
                format!("incident_id: no incident {incident}"),
            ));
        }
    }
    let call = state
        .store
        .close_call(id, &closing, ended, &principal.actor(), now)
        .await?;
    state.metrics.count(
        "binhyen_calls_closed_total",
        &[("outcome", outcome.code())],
        1,
    );
    Ok(Json(view_with_history(&state, &call).await?))
}

/// The incident opened from a call, and the call closed with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallIncident {
    /// The incident, as `GET /api/incidents/{id}` shows it (with probable `duplicates`).
    pub incident: crate::api::incident_view::IncidentDetail,
    pub call: CallView,
}

/// Opens an incident from an open call through the hotline intake (the same form and checks
/// as `POST /api/incidents`; channel `hotline_113`/`hotline_114` from the line, the caller's
/// number from the call unless given) and closes the call as `incident_opened` linked to it,
/// both in one transaction.
#[utoipa::path(post, path = "/api/calls/{id}/incident", tag = "calls", params(("id" = i64, Path)),
    request_body = NewIncidentBody,
    responses((status = 201, body = CallIncident), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn to_incident(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(mut body): Json<NewIncidentBody>,
) -> ApiResult<Response> {
    principal.require(&taker_roles())?;
    let call = open_call_of(&state, id).await?;
    body.channel = Some(call.line.channel().to_owned());
    if body
        .caller_phone
        .as_deref()
        .is_none_or(|p| p.trim().is_empty())
    {
        body.caller_phone = call.caller_number.clone();
    }
    let form = incidents::form_of(&state, body, call.line.channel(), None).await?;
    let now = Utc::now();
    let valid = form.validate(now)?;
    let (created, call) = state
        .store
        .open_incident_from_call(id, valid, None, &principal.actor(), now)
        .await?;
    incidents::count_created(&state, &created.incident);
    let incident = incidents::detail(
        &state,
        &principal,
        StoredIncident {
            incident: created.incident,
            version: created.version,
        },
    )
    .await?;
    let body = CallIncident {
        incident,
        call: view_with_history(&state, &call).await?,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Reading

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Answered from: a Vietnam day `2026-03-10` (from its midnight) or an RFC 3339 time.
    pub from: Option<String>,
    /// Answered up to: a Vietnam day (included) or an RFC 3339 time (excluded).
    pub to: Option<String>,
    /// `113` or `114`.
    pub line: Option<String>,
    /// One outcome code.
    pub outcome: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// The call-taker's user id.
    pub call_taker: Option<i64>,
    /// The caller's number (any usual form).
    pub caller: Option<String>,
    /// Only the calls linked to this incident (a unit officer must ask this way).
    pub incident: Option<i64>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
    /// Calls to skip (default 0).
    pub offset: Option<i64>,
}

/// One page of calls.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallPage {
    /// Every call that matches the filters, not only this page's.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<CallView>,
    /// With `caller=`: that number's recent calls and nuisance flag as of now.
    pub caller_history: Option<CallerHistory>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

/// A bound of the list: a Vietnam day (its midnight, or the next midnight for an inclusive
/// `to`) or an RFC 3339 time.
fn bound(name: &str, text: Option<&str>, day_end: bool) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(day) = t.parse::<NaiveDate>() {
        let (start, end) = day_window(day);
        return Ok(Some(if day_end { end } else { start }));
    }
    DateTime::parse_from_rfc3339(t)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|_| {
            bad(format!(
                "{name}: {t:?} is neither YYYY-MM-DD nor an RFC 3339 time"
            ))
        })
}

/// Lists calls, newest first, with the real `total` of the filters. A unit officer must ask
/// for one incident their unit sees (`incident=`); the whole log answers them 403.
#[utoipa::path(get, path = "/api/calls", tag = "calls", params(ListQuery),
    responses((status = 200, body = CallPage), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<CallPage>> {
    if principal.user.role == Role::UnitOfficer {
        let Some(incident) = q.incident else {
            return Err(ApiError::forbidden(
                "a unit sees the calls of its own incidents: ask with incident=",
            ));
        };
        if incident_in_scope(&state, &principal, incident)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found(format!(
                "incident {incident} not found"
            )));
        }
    } else {
        principal.require(&city_reader_roles())?;
    }
    let from = bound("from", q.from.as_deref(), false)?;
    let to = bound("to", q.to.as_deref(), true)?;
    let line = match q.line.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => {
            Some(Line::parse(l).ok_or_else(|| bad(format!("line: {l:?} is not 113 or 114")))?)
        }
        None => None,
    };
    let outcome = match q
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        Some(o) => Some(Outcome::parse(o).ok_or_else(|| bad(format!("outcome: unknown {o:?}")))?),
        None => None,
    };
    let open = match q.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(s) => return Err(bad(format!("status: {s:?} is not open or closed"))),
    };
    let caller = match q.caller.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            normalize_phone(p)
                .ok_or_else(|| bad(format!("caller: {p:?} is not a phone number")))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(bad("limit: 1 to 500"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(bad("offset: 0 or more"));
    }
    let (calls, total) = state
        .store
        .list_calls(&CallFilter {
            from,
            to,
            line,
            outcome,
            open,
            call_taker_id: q.call_taker,
            caller_number: caller.clone(),
            incident_id: q.incident,
            limit,
            offset,
        })
        .await?;
    let now = Utc::now();
    let mut items = Vec::with_capacity(calls.len());
    for c in &calls {
        // An open call is on a line right now: its caller's history is what the call-taker needs.
        let history = if c.open {
            history_of(&state, c.caller_number.as_deref(), Some(c.id), now).await?
        } else {
            None
        };
        items.push(CallView::of(c, history));
    }
    let caller_history = history_of(&state, caller.as_deref(), None, now).await?;
    Ok(Json(CallPage {
        total,
        limit,
        offset,
        items,
        caller_history,
    }))
}

/// One call, with its number's history.
#[utoipa::path(get, path = "/api/calls/{id}", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, body = CallView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<CallView>> {
    if principal.user.role != Role::UnitOfficer {
        principal.require(&city_reader_roles())?;
    }
    let call = load(&state, &principal, id).await?;
    Ok(Json(view_with_history(&state, &call).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// The Vietnam day, `YYYY-MM-DD`; default today.
    pub date: Option<NaiveDate>,
}

/// The switchboard's day (Vietnam time): per hour 0–23 and per call-taker, calls, incidents
/// opened, pranks, wrong numbers, silent calls, information given, duplicates, transfers and
/// calls still open, with the mean and median duration of the closed calls; and the totals,
/// which the hours add up to.
#[utoipa::path(get, path = "/api/stats/calls", tag = "stats", params(StatsQuery),
    responses((status = 200, body = DailyCallReport), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn stats(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<DailyCallReport>> {
    principal.require(&city_reader_roles())?;
    let date = q.date.unwrap_or_else(|| vn_date(Utc::now()));
    let (start, end) = day_window(date);
    let rows = state.store.call_rows(start, end).await?;
    Ok(Json(daily_report(date, &rows)))
}

/// The call-log routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/calls", get(list).post(open))
        .route("/api/calls/{id}", get(get_one))
        .route("/api/calls/{id}/close", post(close))
        .route("/api/calls/{id}/incident", post(to_incident))
        .route("/api/stats/calls", get(stats))
}

/// The call-log paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(open, close, to_incident, list, get_one, stats))]
pub struct Doc;
