//! The alarm queue over HTTP, and the task that escalates unacknowledged alarms.
//!
//! * `GET /api/alarms` — the queue, filtered by state, class, unit, incident or escalation,
//!   paged with the real `total`: new entries first, the most urgent class first.
//! * `GET /api/alarms/{id}` — one entry.
//! * `POST /api/alarms/{id}/ack` — "I have it": stops the ringing on every console (the
//!   change goes out on the live feed). Repeating it as the same user changes nothing; when
//!   someone else acknowledged first the answer is 409 with who and when.
//! * `POST /api/alarms/{id}/handle` — done, with an optional note.
//!
//! Access: operators and admins read and act on every unit's alarms; a unit officer on their
//! own unit's alarms only; leaders read (they are the ones an escalation is for).
//!
//! Escalation: a fire, life-safety or intrusion alarm nobody acknowledged within the configured
//! delay (`--alarm-escalate-secs`, default 60) is marked escalated, audited and published as
//! `alarm.escalated`; the shift leaders' consoles show it, and every console changes its alert.
//! The check runs on every node; the store's conditional update lets one node escalate each
//! alarm.

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
use domain::alarm_queue::{AlarmClass, AlarmError, AlarmState};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use store::{AlarmFilter, AlarmRecord, AlarmStep, Store};

/// Roles that see the queue.
const READERS: [Role; 4] = [Role::Admin, Role::Operator, Role::UnitOfficer, Role::Leader];
/// Roles that acknowledge and handle alarms.
const ACTORS: [Role; 3] = [Role::Admin, Role::Operator, Role::UnitOfficer];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `new`, `acknowledged`, `handled`, or `open` (new or acknowledged).
    pub state: Option<String>,
    /// `fire`, `life_safety`, `intrusion`, `trouble` or `offline`.
    pub class: Option<String>,
    /// Only this unit's alarms (a unit officer always sees only their own).
    pub unit: Option<String>,
    /// Only the alarms of this incident.
    pub incident: Option<i64>,
    /// `true`: only escalated alarms.
    pub escalated: Option<bool>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
    /// Entries to skip (default 0).
    pub offset: Option<i64>,
}

/// One page of the queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlarmPage {
    /// Every entry that matches the filters, not only this page's.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<AlarmRecord>,
}

/// How an alarm was handled.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleBody {
    /// What was done (at most 2000 characters).
    pub note: Option<String>,
}

/// The answer when someone else acknowledged or handled the alarm first: the usual error
/// shape, plus who and when, plus the alarm as it is now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlarmConflictBody {
    pub error: AlarmConflictDetail,
    pub alarm: AlarmRecord,
}

/// The error of an [`AlarmConflictBody`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlarmConflictDetail {
    /// `alarm_already_acknowledged` or `alarm_already_handled`.
    pub code: String,
    pub message: String,
    /// The name of who acknowledged (or handled) it.
    pub by: String,
    /// Their user id.
    pub by_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

/// Lists the queue.
#[utoipa::path(get, path = "/api/alarms", tag = "alarms", params(ListQuery),
    responses((status = 200, body = AlarmPage), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<AlarmPage>> {
    principal.require(&READERS)?;
    let unit_code = principal.unit_filter(q.unit.filter(|u| !u.is_empty()))?;
    let (state_filter, open_only) = match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => (None, false),
        Some("open") => (None, true),
        Some(s) => (
            Some(AlarmState::parse(s).ok_or_else(|| bad(format!("unknown state {s:?}")))?),
            false,
        ),
    };
    let class = match q.class.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(AlarmClass::parse(c).ok_or_else(|| bad(format!("unknown class {c:?}")))?),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(bad("limit must be between 1 and 500"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(bad("offset must not be negative"));
    }
    let (items, total) = state
        .store
        .list_alarms(&AlarmFilter {
            state: state_filter,
            open_only,
            class,
            unit_code,
            incident_id: q.incident,
            escalated_only: q.escalated.unwrap_or(false),
            limit,
            offset,
        })
        .await?;
    Ok(Json(AlarmPage {
        total,
        limit,
        offset,
        items,
    }))
}

/// The alarm, if the user may see it.
async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<AlarmRecord> {
    let alarm = state
        .store
        .alarm(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("alarm {id} not found")))?;
    principal.require_unit(Some(&alarm.unit_code), &[])?;
    Ok(alarm)
}

/// One alarm.
#[utoipa::path(get, path = "/api/alarms/{id}", tag = "alarms", params(("id" = i64, Path)),
    responses((status = 200, body = AlarmRecord), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlarmRecord>> {
    principal.require(&READERS)?;
    Ok(Json(load(&state, &principal, id).await?))
}

/// The answer to a step: the alarm, or why it was refused.
fn answer(step: AlarmStep) -> Response {
    match step {
        AlarmStep::Changed(alarm) | AlarmStep::Unchanged(alarm) => Json(alarm).into_response(),
        AlarmStep::Refused(e, alarm) => refused(e, alarm),
    }
}

fn refused(e: AlarmError, alarm: AlarmRecord) -> Response {
    match e.stamp() {
        Some(stamp) if e.is_conflict() => (
            StatusCode::CONFLICT,
            Json(AlarmConflictBody {
                error: AlarmConflictDetail {
                    code: e.code().to_owned(),
                    message: e.to_string(),
                    by: stamp.by.name,
                    by_id: stamp.by.user_id,
                    at: stamp.at,
                },
                alarm,
            }),
        )
            .into_response(),
        _ => ApiError::new(ErrorCode::of_domain(e.code()), e.to_string()).into_response(),
    }
}

/// Acknowledges an alarm: it stops ringing on every console. Idempotent for the same user;
/// 409 with who and when if someone else acknowledged it first.
#[utoipa::path(post, path = "/api/alarms/{id}/ack", tag = "alarms", params(("id" = i64, Path)),
    responses((status = 200, body = AlarmRecord), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = AlarmConflictBody)))]
pub async fn acknowledge(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    principal.require(&ACTORS)?;
    load(&state, &principal, id).await?;
    let step = state
        .store
        .acknowledge_alarm(id, &principal.actor(), Utc::now())
        .await?;
    Ok(answer(step))
}

/// Marks an alarm handled, with an optional note; acknowledges it too if nobody had.
/// Repeating it as the same user with the same note changes nothing; otherwise a handled alarm
/// answers 409 with who handled it and when.
#[utoipa::path(post, path = "/api/alarms/{id}/handle", tag = "alarms", params(("id" = i64, Path)),
    request_body = HandleBody,
    responses((status = 200, body = AlarmRecord), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = AlarmConflictBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn handle(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<HandleBody>,
) -> ApiResult<Response> {
    principal.require(&ACTORS)?;
    load(&state, &principal, id).await?;
    let step = state
        .store
        .handle_alarm(id, &principal.actor(), body.note.as_deref(), Utc::now())
        .await?;
    Ok(answer(step))
}

/// The alarm-queue routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/alarms", get(list))
        .route("/api/alarms/{id}", get(get_one))
        .route("/api/alarms/{id}/ack", post(acknowledge))
        .route("/api/alarms/{id}/handle", post(handle))
}

/// The alarm-queue paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, get_one, acknowledge, handle))]
pub struct Doc;

/// Escalates the alarms due at `now` (the escalation task's one step; tests call it with the
/// time they choose). Returns how many this node escalated.
pub async fn escalate_due(store: &Store, now: DateTime<Utc>, after: Duration) -> usize {
    let after = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::seconds(60));
    match store.escalate_due_alarms(now, after).await {
        Ok(escalated) => {
            for a in &escalated {
                tracing::warn!(
                    alarm = a.id,
                    class = a.class.code(),
                    unit = %a.unit_code,
                    incident = ?a.incident_id,
                    waited_secs = (now - a.raised_at).num_seconds(),
                    "alarm not acknowledged in time; escalated to the shift leaders"
                );
            }
            escalated.len()
        }
        Err(e) => {
            tracing::error!(error = %e, "alarm escalation check failed; retrying next tick");
            0
        }
    }
}

/// Runs the escalation check until shutdown, often enough that an alarm is escalated within
/// a fraction of the delay after it is due.
pub fn spawn_escalation_watch(
    state: Arc<AppState>,
    after: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let every = (after / 4).clamp(Duration::from_millis(200), Duration::from_secs(5));
    state.metrics.describe(
        "binhyen_alarms_escalated_total",
        "Alarms escalated to the shift leaders because nobody acknowledged them in time.",
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let n = escalate_due(&state.store, Utc::now(), after).await;
                    if n > 0 {
                        state.metrics.count("binhyen_alarms_escalated_total", &[], n as u64);
                    }
                }
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
    });
}
