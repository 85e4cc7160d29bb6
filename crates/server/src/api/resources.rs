//! Dispatchable resources over HTTP: patrols of the commune/ward units, fire engines and
//! rescue teams, ambulances and city teams; their status reports (en route, on scene,
//! returning, available, off duty) and status history. Sending a resource to an incident is
//! `POST /api/incidents/{id}/dispatch`.
//!
//! Access: every reading role lists resources; a unit officer sees their unit's patrols and
//! the city's forces (never another unit's patrols) and reports the status of their own unit's
//! resources only. Only an admin creates resources.

use crate::api::incidents::{actor_roles, reader_roles};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::access::Role;
use domain::incident::{GeoPoint, ResourceKind, ResourceStatus};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{
    IncidentSummary, NewResource, ResourceFilter, ResourceHistoryEntry, ResourceRecord,
    ResourceUpdate, ResourceView,
};

/// Whether the user may see a resource owned by `owner_unit` (`None`: a city force).
pub(crate) fn visible(principal: &Principal, owner_unit: Option<&str>) -> bool {
    match principal.scope.unit() {
        None => true,
        Some(mine) => owner_unit.is_none_or(|u| u == mine),
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidField,
        format!("{field}: {}", message.into()),
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this unit's resources.
    pub unit: Option<String>,
    /// Only this status: available, dispatched, en_route, on_scene, returning, off_duty.
    pub status: Option<String>,
    /// Only this kind: patrol, fire_engine, rescue_team, ambulance, traffic_police, city_team.
    pub kind: Option<String>,
}

/// Lists resources by call sign.
#[utoipa::path(get, path = "/api/resources", tag = "resources", params(ListQuery),
    responses((status = 200, body = [ResourceView]), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ResourceView>>> {
    principal.require(&reader_roles())?;
    let unit = q.unit.filter(|u| !u.is_empty());
    if let (Some(mine), Some(u)) = (principal.scope.unit(), unit.as_deref()) {
        if u != mine {
            return Err(ApiError::forbidden("this belongs to another unit"));
        }
    }
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<ResourceStatus>().map_err(|_| {
            ApiError::new(ErrorCode::InvalidQuery, format!("unknown status {s:?}"))
        })?),
        None => None,
    };
    let kind = match q.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(k) => Some(
            <ResourceKind as domain::incident::Vocabulary>::from_code(k).map_err(|_| {
                ApiError::new(ErrorCode::InvalidQuery, format!("unknown kind {k:?}"))
            })?,
        ),
        None => None,
    };
    let rows = state
        .store
        .list_resources(&ResourceFilter { unit, kind, status })
        .await?;
    Ok(Json(
        rows.iter()
            .filter(|r| visible(&principal, r.owner_unit.as_deref()))
            .map(ResourceView::of)
            .collect(),
    ))
}

/// A new resource.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResourceBody {
    /// Unique call sign, e.g. `TT-00004-3`.
    pub call_sign: String,
    /// patrol, fire_engine, rescue_team, ambulance, traffic_police, city_team.
    #[schema(value_type = String)]
    pub kind: ResourceKind,
    pub name: String,
    /// The owning commune/ward unit (required for a patrol).
    pub unit_code: Option<String>,
    /// Station or base of a city force.
    pub station: Option<String>,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
    /// Start off duty instead of available.
    #[serde(default)]
    pub off_duty: bool,
}

fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim().to_owned();
    if v.is_empty() {
        return Err(invalid(field, "bắt buộc"));
    }
    if v.chars().any(char::is_control) {
        return Err(invalid(field, "có ký tự điều khiển"));
    }
    if v.chars().count() > max {
        return Err(invalid(field, format!("tối đa {max} ký tự")));
    }
    Ok(v)
}

fn point(lat: Option<f64>, lon: Option<f64>, field: &str) -> ApiResult<Option<GeoPoint>> {
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon)) => {
            let p = GeoPoint::new(lat, lon);
            if p.is_valid() {
                Ok(Some(p))
            } else {
                Err(invalid(field, "tọa độ không hợp lệ"))
            }
        }
        _ => Err(invalid(field, "cần cả vĩ độ và kinh độ")),
    }
}

/// Creates a resource (admin). A call sign in use answers 409.
#[utoipa::path(post, path = "/api/resources", tag = "resources", request_body = NewResourceBody,
    responses((status = 201, body = ResourceView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewResourceBody>,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin])?;
    let call_sign = text("call_sign", &body.call_sign, 32)?;
    let name = text("name", &body.name, 200)?;
    let unit_code = match body.unit_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) if state.units.get(u).is_some() => Some(u.to_owned()),
        Some(u) => return Err(invalid("unit_code", format!("không có đơn vị mã {u}"))),
    };
    if body.kind == ResourceKind::Patrol && unit_code.is_none() {
        return Err(invalid("unit_code", "tổ tuần tra phải thuộc một đơn vị"));
    }
    let station = match body.station.as_deref() {
        Some(s) if !s.trim().is_empty() => Some(text("station", s, 200)?),
        _ => None,
    };
    let home = point(body.home_lat, body.home_lon, "home_lat")?;
    let record = state
        .store
        .create_resource(
            &NewResource {
                call_sign,
                kind: body.kind,
                name,
                unit_code,
                station,
                home,
                off_duty: body.off_duty,
            },
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ResourceView::of(&record))).into_response())
}

/// Seeds the demonstration fleet (admin): two patrols per commune/ward unit, the engines and
/// rescue teams of twelve fire stations, ambulances and city teams, at plausible places. For
/// demonstrations and training only; done once (a second call creates nothing).
#[utoipa::path(post, path = "/api/resources/demo-fleet", tag = "resources",
    responses((status = 200, description = "how many resources were created"),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn demo_fleet(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<serde_json::Value>> {
    principal.require(&[Role::Admin])?;
    let created = state
        .store
        .seed_demo_resources(&state.units, &principal.actor(), Utc::now())
        .await?;
    Ok(Json(serde_json::json!({ "created": created })))
}

pub(crate) async fn load(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> ApiResult<ResourceRecord> {
    state
        .store
        .resource(id)
        .await?
        .filter(|r| visible(principal, r.owner_unit.as_deref()))
        .ok_or_else(|| ApiError::not_found(format!("resource {id} not found")))
}

/// One resource.
#[utoipa::path(get, path = "/api/resources/{id}", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = ResourceView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ResourceView>> {
    principal.require(&reader_roles())?;
    Ok(Json(ResourceView::of(&load(&state, &principal, id).await?)))
}

/// A status report and/or a position.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// en_route, on_scene (while on an incident), returning, available, off_duty.
    #[schema(value_type = Option<String>)]
    pub status: Option<ResourceStatus>,
    /// The incident the reporter believes the resource is on; a mismatch answers 409.
    pub incident_id: Option<i64>,
    pub reason: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Records a resource's status report: the incident follows (the first resource en route or
/// on scene moves it), `available` or `returning` releases the resource from its incident.
/// Answers the resource and, when it changed, the incident's summary.
#[utoipa::path(post, path = "/api/resources/{id}/status", tag = "resources",
    params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = ResourceStatusAnswer), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<StatusBody>,
) -> ApiResult<Json<ResourceStatusAnswer>> {
    principal.require(&actor_roles())?;
    let position = point(body.lat, body.lon, "lat")?;
    if body.status.is_none() && position.is_none() {
        return Err(invalid("status", "cần trạng thái hoặc vị trí"));
    }
    let current = load(&state, &principal, id).await?;
    if let Some(expected) = body.incident_id {
        if current.resource.incident_id.map(|i| i.0) != Some(expected) {
            return Err(ApiError::conflict(format!(
                "resource {id} is not on incident {expected}"
            )));
        }
    }
    let (record, incident) = state
        .store
        .update_resource(
            id,
            ResourceUpdate {
                status: body.status,
                reason: body.reason,
                position,
            },
            &principal.scope,
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(ResourceStatusAnswer {
        resource: ResourceView::of(&record),
        incident: incident.map(|s| IncidentSummary::of(&s.incident, s.version)),
    }))
}

/// The answer to a status report: the resource, and its incident when the report changed it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceStatusAnswer {
    pub resource: ResourceView,
    pub incident: Option<IncidentSummary>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// 1 to 1000 (default 200).
    pub limit: Option<i64>,
}

/// A resource's status history, newest first.
#[utoipa::path(get, path = "/api/resources/{id}/history", tag = "resources",
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = [ResourceHistoryEntry]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<Vec<ResourceHistoryEntry>>> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    Ok(Json(
        state
            .store
            .resource_history(id, q.limit.unwrap_or(200))
            .await?,
    ))
}

/// The resource routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/resources", get(list).post(create))
        .route("/api/resources/demo-fleet", post(demo_fleet))
        .route("/api/resources/{id}", get(get_one))
        .route("/api/resources/{id}/status", post(status))
        .route("/api/resources/{id}/history", get(history))
}

/// The resource paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, demo_fleet, get_one, status, history))]
pub struct Doc;
