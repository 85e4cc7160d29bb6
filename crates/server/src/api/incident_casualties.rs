//! Recording the human toll of an incident: people dead, injured, trapped and rescued. The
//! figures feed the fire and accident statistics, so they can be corrected after closing (with
//! a reason), and each record is its own timeline event.

use crate::api::incident_view::IncidentDetail;
use crate::api::incidents::{actor_roles, apply};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Json};
use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use domain::incident::Casualties;
use serde::Deserialize;
use std::sync::Arc;
use store::IncidentCommand;

/// The figures as they are now known (all four, not a difference), with the reason.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasualtiesBody {
    /// People dead.
    pub dead: u32,
    /// People injured.
    pub injured: u32,
    /// People still trapped or missing.
    pub trapped: u32,
    /// People rescued.
    pub rescued: u32,
    /// Why or from whom; required once the incident is closed or cancelled.
    pub reason: Option<String>,
    /// The version read; a concurrent change gets 409.
    pub version: Option<i64>,
}

/// Records the casualty figures. Figures equal to the recorded ones or a count above 10,000
/// answer 422 `invalid_field` (naming the field), a closed incident without a reason 422
/// `reason_required`, a merged one or a stale `version` 409.
#[utoipa::path(post, path = "/api/incidents/{id}/casualties", tag = "incidents",
    params(("id" = i64, Path)), request_body = CasualtiesBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<CasualtiesBody>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&actor_roles())?;
    let casualties = Casualties {
        dead: body.dead,
        injured: body.injured,
        trapped: body.trapped,
        rescued: body.rescued,
    };
    apply(
        &state,
        &principal,
        id,
        IncidentCommand::Casualties {
            casualties,
            reason: body.reason,
        },
        body.version,
    )
    .await
}

/// The casualty route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/incidents/{id}/casualties", post(record))
}

/// The casualty path for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(record), components(schemas(CasualtiesBody)))]
pub struct Doc;
