//! What the building's people were told of the alarm behind an incident: the plan (or why
//! nobody was told), every notice with its attempts, and the operator's record of a call to a
//! person who can only be reached by phone. The sending itself is `crate::notify`'s.

use crate::api::incidents::{actor_roles, load, reader_roles, sees_caller};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::notify::Channel;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{Notice, NotificationReport};

/// An incident's notifications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationsView {
    /// `None` when the incident did not come from a facility's alarm (or its plan is not
    /// written yet: it is, within a second or two of the alarm).
    pub plan: Option<NotificationReport>,
}

/// The operator's call to a person of the facility's list.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallBody {
    /// Whether the person was reached.
    pub reached: bool,
    /// What they said, or why they were not reached (at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// The longest note on a call.
const NOTE_MAX_CHARS: usize = 500;

/// Recipients are masked for those who see a caller's phone masked.
fn masked(mut n: Notice, full: bool) -> Notice {
    if !full {
        n.contact_phone = domain::incident::masked_phone(&n.contact_phone);
        n.recipient = match n.channel {
            Channel::Email => crate::api::facilities::masked_email(&n.recipient),
            Channel::Sms | Channel::Console => domain::incident::masked_phone(&n.recipient),
        };
    }
    n
}

/// The notices sent to the facility's people for the incident's alarm, each with its
/// attempts.
#[utoipa::path(get, path = "/api/incidents/{id}/notifications", tag = "incidents",
    params(("id" = i64, Path)),
    responses((status = 200, body = NotificationsView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<NotificationsView>> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    let full = sees_caller(&principal);
    let plan = state
        .store
        .incident_notifications(id)
        .await?
        .map(|mut report| {
            report.notices = report
                .notices
                .into_iter()
                .map(|n| masked(n, full))
                .collect();
            report
        });
    Ok(Json(NotificationsView { plan }))
}

/// Records the operator's call to a person who has no e-mail or SMS channel: reached or not,
/// with a note. A notice of another channel, or one already recorded, answers 409.
#[utoipa::path(post, path = "/api/incidents/{id}/notifications/{notice}/call", tag = "incidents",
    params(("id" = i64, Path), ("notice" = i64, Path)), request_body = CallBody,
    responses((status = 200, body = Notice), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn call(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, notice)): Path<(i64, i64)>,
    Json(body): Json<CallBody>,
) -> ApiResult<Json<Notice>> {
    principal.require(&actor_roles())?;
    load(&state, &principal, id).await?;
    let note = domain::text::tidy(&body.note);
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("note: at most {NOTE_MAX_CHARS} characters"),
        ));
    }
    let belongs = state
        .store
        .incident_notifications(id)
        .await?
        .is_some_and(|r| r.notices.iter().any(|n| n.id == notice));
    if !belongs {
        return Err(ApiError::not_found(format!(
            "notification {notice} of incident {id} not found"
        )));
    }
    let recorded = state
        .store
        .record_notification_call(notice, body.reached, &note, &principal.actor(), Utc::now())
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(why) => ApiError::conflict(why),
            other => other.into(),
        })?;
    Ok(Json(recorded))
}

/// The notification routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/incidents/{id}/notifications", get(list))
        .route(
            "/api/incidents/{id}/notifications/{notice}/call",
            post(call),
        )
}

/// The notification paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, call))]
pub struct Doc;
