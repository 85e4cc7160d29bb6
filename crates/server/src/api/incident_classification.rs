//! Correcting what an incident is: its type (with the crime sub-type) and its priority, as the
//! facts become clearer during the call or on scene. Both decide who is sent and how fast, so
//! a reason is required and each change is its own timeline event.

use crate::api::incident_view::IncidentDetail;
use crate::api::incidents::{actor_roles, apply, load};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json};
use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use domain::incident::{CrimeSubtype, IncidentKind, Priority};
use serde::Deserialize;
use std::sync::Arc;
use store::IncidentCommand;

/// A new type and/or priority, with the reason.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationBody {
    /// The new type code (fire, crime, …); left out to keep it.
    pub kind: Option<String>,
    /// With a crime: the sub-type code (robbery, theft, …); empty for none.
    pub crime_subtype: Option<String>,
    /// The new priority, 1 (highest) to 4; left out to keep it.
    pub priority: Option<u8>,
    /// Why: required.
    pub reason: String,
    /// The version read; a concurrent change gets 409.
    pub version: Option<i64>,
}

/// A code given, trimmed; `None` when left out or empty.
fn code(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|c| !c.is_empty())
}

/// Changes the type and/or the priority, with a reason. Only what differs from the incident is
/// recorded; a request that changes nothing answers 422 `nothing_to_change`, a missing reason
/// 422 `reason_required`, a stale `version` 409.
#[utoipa::path(post, path = "/api/incidents/{id}/classification", tag = "incidents",
    params(("id" = i64, Path)), request_body = ClassificationBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn classify(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<ClassificationBody>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&actor_roles())?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::ReasonRequired,
            "reason: cần ghi lý do đổi loại hoặc mức ưu tiên",
        ));
    }
    let current = load(&state, &principal, id).await?;
    let inc = &current.incident;
    let kind = match code(&body.kind) {
        Some(k) => k.parse::<IncidentKind>().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidField,
                format!("kind: không có loại {k:?}"),
            )
        })?,
        None => inc.kind,
    };
    let subtype = match code(&body.crime_subtype) {
        Some(c) => Some(c.parse::<CrimeSubtype>().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidField,
                format!("crime_subtype: không có loại tội phạm {c:?}"),
            )
        })?),
        // A crime keeps its sub-type unless another is given; another type has none.
        None if body.crime_subtype.is_none() && kind == IncidentKind::Crime => inc.crime_subtype,
        None => None,
    };
    let priority = match body.priority {
        Some(p) => Some(Priority::try_from(p).map_err(|_| {
            ApiError::new(ErrorCode::InvalidField, "priority: từ 1 (cao nhất) đến 4")
        })?),
        None => None,
    };
    let kind_change = (kind != inc.kind || subtype != inc.crime_subtype).then_some((kind, subtype));
    let priority_change = priority.filter(|p| *p != inc.priority);
    if kind_change.is_none() && priority_change.is_none() {
        return Err(ApiError::new(
            ErrorCode::NothingToChange,
            "loại và mức ưu tiên đã như vậy, không có gì thay đổi",
        ));
    }
    apply(
        &state,
        &principal,
        id,
        IncidentCommand::Reclassify {
            kind: kind_change,
            priority: priority_change,
            reason: body.reason,
        },
        body.version,
    )
    .await
}

/// The classification route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/incidents/{id}/classification", post(classify))
}

/// The classification path for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(classify), components(schemas(ClassificationBody)))]
pub struct Doc;
