//! The fire incident report over HTTP: read it, and file or replace it. A fire that was
//! responded to closes only once its report is filed (the domain refuses the close with
//! `fire_report_required`); the fire statistics read its verdict and damage estimate.

use crate::api::incident_view::IncidentDetail;
use crate::api::incidents::{actor_roles, apply, load, reader_roles};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use domain::incident::{
    takes_fire_report, FalseAlarmCause, FireCause, FireReport, IncidentStatus, PremisesKind,
    Vocabulary,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::IncidentCommand;

/// A fire report as sent and shown.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FireReportBody {
    /// A real fire; false for a false alarm.
    pub real_fire: bool,
    /// With a false alarm: dust, steam, test, fault, malicious or other.
    #[serde(default)]
    pub false_alarm_cause: Option<String>,
    /// With a real fire: electrical, cooking, open_flame, smoking, arson, natural, vehicle,
    /// industrial, unknown or other.
    #[serde(default)]
    pub cause: Option<String>,
    /// The type of premises: house, house_shop, apartment_building, boarding_house, market,
    /// karaoke_bar, hospital, school, office, factory, warehouse, vehicle, open_land or other.
    #[serde(default)]
    pub premises_kind: Option<String>,
    /// The premises in words.
    #[serde(default)]
    pub premises: Option<String>,
    #[serde(default)]
    pub floors_affected: Option<u16>,
    #[serde(default)]
    pub area_burned_m2: Option<u32>,
    #[serde(default)]
    pub evacuated: u32,
    /// Estimated damage, VND; absent when not assessed.
    #[serde(default)]
    pub damage_vnd: Option<u64>,
    #[serde(default)]
    pub under_control_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub extinguished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub vehicles: u16,
    #[serde(default)]
    pub personnel: u16,
    #[serde(default)]
    pub notes: Option<String>,
    /// On a change: the incident version read (a concurrent change gets 409). Not shown.
    #[serde(default, skip_serializing)]
    pub version: Option<i64>,
}

/// The report of an incident, and whether closing it waits for one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FireReportView {
    /// The report, or null before one is filed.
    pub report: Option<FireReportBody>,
    /// The incident is a fire or explosion that will need a report to close.
    pub required: bool,
}

/// A cause given by its code; an unknown code is a bad field.
fn code_of<T: Vocabulary>(field: &str, code: &str) -> ApiResult<T> {
    T::from_code(code.trim()).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidField,
            format!("{field}: no code {code:?}"),
        )
    })
}

impl FireReportBody {
    fn into_domain(self) -> ApiResult<FireReport> {
        Ok(FireReport {
            real_fire: self.real_fire,
            false_alarm_cause: self
                .false_alarm_cause
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| code_of::<FalseAlarmCause>("false_alarm_cause", c))
                .transpose()?,
            cause: self
                .cause
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| code_of::<FireCause>("cause", c))
                .transpose()?,
            premises_kind: self
                .premises_kind
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| code_of::<PremisesKind>("premises_kind", c))
                .transpose()?,
            premises: self.premises,
            floors_affected: self.floors_affected,
            area_burned_m2: self.area_burned_m2,
            evacuated: self.evacuated,
            damage_vnd: self.damage_vnd,
            under_control_at: self.under_control_at,
            extinguished_at: self.extinguished_at,
            vehicles: self.vehicles,
            personnel: self.personnel,
            notes: self.notes,
        })
    }

    pub(crate) fn of(r: &FireReport) -> Self {
        FireReportBody {
            real_fire: r.real_fire,
            false_alarm_cause: r.false_alarm_cause.map(|c| c.code().to_owned()),
            cause: r.cause.map(|c| c.code().to_owned()),
            premises_kind: r.premises_kind.map(|k| k.code().to_owned()),
            premises: r.premises.clone(),
            floors_affected: r.floors_affected,
            area_burned_m2: r.area_burned_m2,
            evacuated: r.evacuated,
            damage_vnd: r.damage_vnd,
            under_control_at: r.under_control_at,
            extinguished_at: r.extinguished_at,
            vehicles: r.vehicles,
            personnel: r.personnel,
            notes: r.notes.clone(),
            version: None,
        }
    }
}

/// The fire report of an incident.
#[utoipa::path(get, path = "/api/incidents/{id}/fire-report", tag = "incidents",
    params(("id" = i64, Path)),
    responses((status = 200, body = FireReportView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn read(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<FireReportView>> {
    principal.require(&reader_roles())?;
    let stored = load(&state, &principal, id).await?;
    let inc = &stored.incident;
    Ok(Json(FireReportView {
        report: inc.fire_report.as_ref().map(FireReportBody::of),
        required: takes_fire_report(inc.kind) && inc.status != IncidentStatus::FalseAlarm,
    }))
}

/// Files or replaces the fire report (fire and explosion incidents; also after closing, to
/// correct it). A real fire needs its cause, a false alarm its false-alarm cause (422
/// `invalid_field`); times before the call or in the future are refused.
#[utoipa::path(put, path = "/api/incidents/{id}/fire-report", tag = "incidents",
    params(("id" = i64, Path)), request_body = FireReportBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn file(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<FireReportBody>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&actor_roles())?;
    let version = body.version;
    let report = body.into_domain()?;
    apply(
        &state,
        &principal,
        id,
        IncidentCommand::FireReport { report },
        version,
    )
    .await
}

/// The fire-report routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/incidents/{id}/fire-report", get(read).put(file))
}

/// The fire-report paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(read, file), components(schemas(FireReportBody, FireReportView)))]
pub struct Doc;
