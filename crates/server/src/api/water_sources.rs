//! Water sources for fire fighting over HTTP: the registry (list, totals, one, create, edit),
//! its CSV and GeoJSON import with a report by line or feature, the usable sources nearest a
//! point, and the pre-plan card of an incident or a facility (the premises, the nearest usable
//! water and the response plan, in one answer a fire team reads on a phone).
//!
//! Access: every signed-in role reads the whole registry (a fire near a boundary draws on the
//! neighbour's water); admin and operator write; a unit officer edits its own unit's sources
//! (a hydrant found broken) but cannot move one into another unit.

use crate::api::facilities::{
    self, cell, read_csv, FacilityView, ImportBody, ImportMode, RowError,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::access::Role;
use domain::incident::geo::{format_distance_en, format_distance_vi};
use domain::incident::{FieldError, GeoPoint, OriginSource, Vocabulary};
use domain::water::{
    parse_label, WaterKind, WaterSourceDraft, WaterStatus, NEAR_LIMIT, NEAR_RADIUS_M,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use store::{StoredWaterSource, WaterFilter, WaterSourceInput};

/// Most sources one nearest search lists.
const MAX_NEAR_LIMIT: usize = 20;
/// Widest nearest search, in metres.
const MAX_NEAR_RADIUS_M: f64 = 10_000.0;

/// A water source as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaterSourceView {
    pub id: i64,
    /// hydrant, lake, pond, tank, well or river.
    pub kind: String,
    pub kind_label: String,
    pub kind_label_en: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// The commune/ward unit whose area holds it.
    pub unit_code: String,
    pub unit_name: Option<String>,
    pub address: Option<String>,
    /// Volume, cubic metres (lakes, ponds, tanks).
    pub capacity_m3: Option<f64>,
    /// Flow, litres per second (hydrants, wells).
    pub flow_lps: Option<f64>,
    /// A fire engine can get to it.
    pub engine_access: bool,
    /// usable, under_repair or dry_season.
    pub status: String,
    pub status_label: String,
    pub status_label_en: String,
    /// The survey's own number for the source.
    pub reference: Option<String>,
    pub notes: Option<String>,
    /// Simulated by `binhyen gen-water-sources`, not surveyed.
    pub generated: bool,
    /// Send it back in PATCH: a concurrent edit gets 409.
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

fn view(state: &AppState, s: &StoredWaterSource) -> WaterSourceView {
    let w = &s.source;
    WaterSourceView {
        id: s.id,
        kind: w.kind.code().to_owned(),
        kind_label: w.kind.label_vi().to_owned(),
        kind_label_en: w.kind.label_en().to_owned(),
        name: w.name.clone(),
        lat: w.point.lat,
        lon: w.point.lon,
        unit_code: s.unit_code.clone(),
        unit_name: state.units.get(&s.unit_code).map(|u| u.full_name.clone()),
        address: w.address.clone(),
        capacity_m3: w.capacity_m3,
        flow_lps: w.flow_lps,
        engine_access: w.engine_access,
        status: w.status.code().to_owned(),
        status_label: w.status.label_vi().to_owned(),
        status_label_en: w.status.label_en().to_owned(),
        reference: w.reference.clone(),
        notes: w.notes.clone(),
        generated: s.generated,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// A new water source.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWaterSource {
    /// A kind code or its label.
    pub kind: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub capacity_m3: Option<f64>,
    pub flow_lps: Option<f64>,
    /// Default true.
    pub engine_access: Option<bool>,
    /// A status code or its label (default usable).
    pub status: Option<String>,
    pub reference: Option<String>,
    pub notes: Option<String>,
}

/// A change to a water source: only the fields given change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaterSourcePatch {
    /// The version read; a concurrent edit gets 409.
    pub version: i64,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub capacity_m3: Option<f64>,
    pub flow_lps: Option<f64>,
    pub engine_access: Option<bool>,
    pub status: Option<String>,
    pub reference: Option<String>,
    pub notes: Option<String>,
}

/// Checks a draft and finds the unit whose area holds it; every problem at once.
fn checked(
    state: &AppState,
    draft: &WaterSourceDraft,
) -> Result<WaterSourceInput, Vec<FieldError>> {
    let source = draft.check()?;
    let unit = state
        .units
        .locate(source.point.lat, source.point.lon)
        .ok()
        .and_then(|loc| loc.unit().map(|u| u.code.clone()));
    match unit {
        Some(unit_code) => Ok(WaterSourceInput {
            source,
            unit_code,
            generated: false,
        }),
        None => Err(vec![FieldError::new(
            "lat",
            "outside_area",
            format!(
                "Tọa độ {}, {} nằm ngoài địa bàn các đơn vị",
                source.point.lat, source.point.lon
            ),
            format!(
                "{}, {} is outside every unit's area",
                source.point.lat, source.point.lon
            ),
        )]),
    }
}

/// 422 `invalid_field` listing every problem (in Vietnamese, like the incident rules).
fn invalid(errors: Vec<FieldError>) -> ApiError {
    domain::incident::IncidentError::Invalid { errors }.into()
}

fn writer_roles() -> [Role; 2] {
    [Role::Admin, Role::Operator]
}

fn reader_roles() -> [Role; 4] {
    [Role::Admin, Role::Operator, Role::UnitOfficer, Role::Leader]
}

/// Enters a water source.
#[utoipa::path(post, path = "/api/water-sources", tag = "water-sources", request_body = NewWaterSource,
    responses((status = 201, body = WaterSourceView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewWaterSource>,
) -> ApiResult<Response> {
    principal.require(&writer_roles())?;
    let draft = WaterSourceDraft {
        kind: body.kind,
        name: body.name,
        lat: Some(body.lat),
        lon: Some(body.lon),
        address: body.address,
        capacity_m3: body.capacity_m3,
        flow_lps: body.flow_lps,
        engine_access: body.engine_access,
        status: body.status,
        reference: body.reference,
        notes: body.notes,
    };
    let input = checked(&state, &draft).map_err(invalid)?;
    let created = state
        .store
        .create_water_sources(&[input], &principal.actor(), Utc::now())
        .await?;
    let s = created
        .first()
        .ok_or_else(|| ApiError::internal("water source not returned"))?;
    Ok((StatusCode::CREATED, Json(view(&state, s))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this unit's sources.
    pub unit: Option<String>,
    /// Only this kind (code or label).
    pub kind: Option<String>,
    /// Only this status (code or label).
    pub status: Option<String>,
    /// Only inside `min_lon,min_lat,max_lon,max_lat` (the map's view).
    pub bbox: Option<String>,
    /// Only ids above this one (paging; not used by the summary).
    pub after_id: Option<i64>,
    /// 1 to 1000 (default 100; not used by the summary).
    pub limit: Option<i64>,
}

fn filter(state: &AppState, q: &ListQuery) -> ApiResult<WaterFilter> {
    let bad = |m: String| ApiError::new(ErrorCode::InvalidQuery, m);
    let kind = q
        .kind
        .as_deref()
        .map(|k| parse_label::<WaterKind>(k).ok_or_else(|| bad(format!("unknown kind {k:?}"))))
        .transpose()?;
    let status = q
        .status
        .as_deref()
        .map(|s| parse_label::<WaterStatus>(s).ok_or_else(|| bad(format!("unknown status {s:?}"))))
        .transpose()?;
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose().map_err(bad)?;
    let unit_code = match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) if state.units.get(u).is_none() => return Err(bad(format!("unknown unit {u}"))),
        other => other.map(str::to_owned),
    };
    Ok(WaterFilter {
        unit_code,
        kind,
        status,
        bbox,
        after_id: q.after_id,
        limit: q.limit.unwrap_or(100),
    })
}

/// `min_lon,min_lat,max_lon,max_lat` as four finite numbers in order.
fn parse_bbox(text: &str) -> Result<[f64; 4], String> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("bbox {text:?} is not four numbers"))?;
    match parts.as_slice() {
        [a, b, c, d] if [a, b, c, d].iter().all(|v| v.is_finite()) && a <= c && b <= d => {
            Ok([*a, *b, *c, *d])
        }
        _ => Err(format!(
            "bbox {text:?} must be min_lon,min_lat,max_lon,max_lat with the minimums first"
        )),
    }
}

/// Lists water sources by id.
#[utoipa::path(get, path = "/api/water-sources", tag = "water-sources", params(ListQuery),
    responses((status = 200, body = [WaterSourceView]), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<WaterSourceView>>> {
    principal.require(&reader_roles())?;
    let rows = state.store.list_water_sources(&filter(&state, &q)?).await?;
    Ok(Json(rows.iter().map(|s| view(&state, s)).collect()))
}

/// How many sources a filter finds, in all and by status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaterSummary {
    pub total: i64,
    /// Usable now.
    pub usable: i64,
    /// Every status with its count (statuses without a source included, as 0).
    pub by_status: Vec<WaterStatusCount>,
}

/// One status and how many sources have it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaterStatusCount {
    pub status: String,
    pub label: String,
    pub label_en: String,
    pub count: i64,
}

/// The totals of the list's filters (paging aside): what the map and the registry say when
/// they show a part.
#[utoipa::path(get, path = "/api/water-sources/summary", tag = "water-sources", params(ListQuery),
    responses((status = 200, body = WaterSummary), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn summary(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<WaterSummary>> {
    principal.require(&reader_roles())?;
    let counts: HashMap<String, i64> = state
        .store
        .count_water_sources(&filter(&state, &q)?)
        .await?
        .into_iter()
        .collect();
    let by_status: Vec<WaterStatusCount> = WaterStatus::ALL
        .iter()
        .map(|s| WaterStatusCount {
            status: s.code().to_owned(),
            label: s.label_vi().to_owned(),
            label_en: s.label_en().to_owned(),
            count: counts.get(s.code()).copied().unwrap_or(0),
        })
        .collect();
    Ok(Json(WaterSummary {
        total: counts.values().sum(),
        usable: counts.get(WaterStatus::Usable.code()).copied().unwrap_or(0),
        by_status,
    }))
}

async fn load(state: &AppState, id: i64) -> ApiResult<StoredWaterSource> {
    state
        .store
        .water_source(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("water source {id} not found")))
}

/// One water source.
#[utoipa::path(get, path = "/api/water-sources/{id}", tag = "water-sources", params(("id" = i64, Path)),
    responses((status = 200, body = WaterSourceView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<WaterSourceView>> {
    principal.require(&reader_roles())?;
    Ok(Json(view(&state, &load(&state, id).await?)))
}

/// Changes a water source. A unit officer may change its own unit's sources (say a hydrant is
/// broken) but not move one into another unit.
#[utoipa::path(patch, path = "/api/water-sources/{id}", tag = "water-sources", params(("id" = i64, Path)),
    request_body = WaterSourcePatch,
    responses((status = 200, body = WaterSourceView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn patch(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<WaterSourcePatch>,
) -> ApiResult<Json<WaterSourceView>> {
    principal.require(&[Role::Admin, Role::Operator, Role::UnitOfficer])?;
    let s = load(&state, id).await?;
    principal.require_unit(Some(&s.unit_code), &[])?;
    let w = &s.source;
    let draft = WaterSourceDraft {
        kind: body.kind.unwrap_or_else(|| w.kind.code().to_owned()),
        name: body.name.unwrap_or_else(|| w.name.clone()),
        lat: Some(body.lat.unwrap_or(w.point.lat)),
        lon: Some(body.lon.unwrap_or(w.point.lon)),
        address: body.address.or_else(|| w.address.clone()),
        capacity_m3: body.capacity_m3.or(w.capacity_m3),
        flow_lps: body.flow_lps.or(w.flow_lps),
        engine_access: Some(body.engine_access.unwrap_or(w.engine_access)),
        status: Some(body.status.unwrap_or_else(|| w.status.code().to_owned())),
        reference: body.reference.or_else(|| w.reference.clone()),
        notes: body.notes.or_else(|| w.notes.clone()),
    };
    let input = checked(&state, &draft).map_err(invalid)?;
    if principal.user.role == Role::UnitOfficer && input.unit_code != s.unit_code {
        return Err(ApiError::forbidden(
            "a unit officer cannot move a water source into another unit",
        ));
    }
    let updated = state
        .store
        .update_water_source(id, body.version, &input, &principal.actor(), Utc::now())
        .await?;
    Ok(Json(view(&state, &updated)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NearQuery {
    pub lat: f64,
    pub lon: f64,
    /// How far to look, metres (default 2,000, at most 10,000).
    pub radius_m: Option<f64>,
    /// How many (default 5, at most 20).
    pub limit: Option<usize>,
}

/// The usable water sources near a point, nearest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NearbyWater {
    /// How far was looked, metres.
    pub radius_m: f64,
    /// Distances are straight lines, not the way an engine drives or a hose is laid.
    pub distance_note: String,
    pub sources: Vec<NearbySource>,
}

/// A source and how far it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NearbySource {
    /// Straight-line distance, metres.
    pub distance_m: f64,
    /// The same for reading: "850 m", "1,2 km".
    pub distance_text: String,
    pub distance_text_en: String,
    pub source: WaterSourceView,
}

async fn nearby(
    state: &AppState,
    at: GeoPoint,
    radius_m: f64,
    limit: usize,
) -> ApiResult<NearbyWater> {
    let near = state
        .store
        .nearest_water_sources(at, radius_m, limit)
        .await?;
    Ok(NearbyWater {
        radius_m,
        distance_note: "Khoảng cách theo đường chim bay".to_owned(),
        sources: near
            .iter()
            .map(|n| NearbySource {
                distance_m: (n.distance_m * 10.0).round() / 10.0,
                distance_text: format_distance_vi(n.distance_m),
                distance_text_en: format_distance_en(n.distance_m),
                source: view(state, &n.item),
            })
            .collect(),
    })
}

/// The usable water sources nearest a point: out-of-order and dry ones are left out.
#[utoipa::path(get, path = "/api/water-sources/nearest", tag = "water-sources", params(NearQuery),
    responses((status = 200, body = NearbyWater), (status = 400, body = crate::error::ErrorBody)))]
pub async fn nearest(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<NearQuery>,
) -> ApiResult<Json<NearbyWater>> {
    principal.require(&reader_roles())?;
    let at = GeoPoint::new(q.lat, q.lon);
    if !at.is_valid() {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("{}, {} is not a point on Earth", q.lat, q.lon),
        ));
    }
    let radius_m = q.radius_m.unwrap_or(NEAR_RADIUS_M);
    if !(radius_m.is_finite() && radius_m > 0.0 && radius_m <= MAX_NEAR_RADIUS_M) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("radius_m must be above 0 and at most {MAX_NEAR_RADIUS_M}"),
        ));
    }
    let limit = q.limit.unwrap_or(NEAR_LIMIT);
    if !(1..=MAX_NEAR_LIMIT).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("limit must be 1 to {MAX_NEAR_LIMIT}"),
        ));
    }
    Ok(Json(nearby(&state, at, radius_m, limit).await?))
}

/// The pre-plan card: what a fire team needs on the way, in one answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrePlan {
    /// The incident it is for (absent for a facility's own card).
    pub incident_id: Option<i64>,
    /// The premises: floors, occupancy kind, hazards, access, contacts (phones masked for those
    /// who see callers' phones masked). Absent when the incident is at no registered facility.
    pub facility: Option<FacilityView>,
    /// Where the distances are measured from; absent when the place has no point yet (then
    /// there is no water list: a list measured from a guess would mislead).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The incident type needs water (fire, explosion); a facility's card always does.
    pub water_needed: bool,
    /// The nearest usable water; absent without a point.
    pub water: Option<NearbyWater>,
    /// The response plan chosen for the incident (absent for a facility's card).
    pub plan: Option<PlanCard>,
}

/// The response plan, as its name and lines.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanCard {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub reason: String,
    pub reason_en: String,
    pub lines: Vec<PlanCardLine>,
}

/// One line of a plan: how many of which resource kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanCardLine {
    pub kind: String,
    pub kind_label: String,
    pub kind_label_en: String,
    pub count: u8,
}

/// The pre-plan card of an incident: its facility, the nearest usable water (from the
/// incident's point, else the facility's) and the response plan.
#[utoipa::path(get, path = "/api/incidents/{id}/pre-plan", tag = "water-sources", params(("id" = i64, Path)),
    responses((status = 200, body = PrePlan), (status = 404, body = crate::error::ErrorBody)))]
pub async fn incident_pre_plan(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<PrePlan>> {
    principal.require(&crate::api::incidents::reader_roles())?;
    let stored = crate::api::incidents::load(&state, &principal, id).await?;
    let incident = &stored.incident;
    let facility = match incident.facility_id {
        Some(fid) => state.store.facility(fid).await?,
        None => None,
    };
    let (_, ctx) = crate::api::response_plans::context_for(&state, incident).await?;
    // The incident's own point or one found from its address; never a unit's centre.
    let point = match ctx.origin.source {
        OriginSource::Incident | OriginSource::ResolvedPoint => ctx.origin.point,
        OriginSource::UnitCentre | OriginSource::None => None,
    }
    .or_else(|| facility_point(facility.as_ref()))
    .filter(GeoPoint::is_valid);
    let water = pre_plan_water(&state, point).await?;
    let plan = &ctx.plan;
    Ok(Json(PrePlan {
        incident_id: Some(id),
        facility: facility.map(|f| facilities::view(&state, &principal, &f)),
        lat: point.map(|p| p.lat),
        lon: point.map(|p| p.lon),
        water_needed: domain::water::needed_for(incident.kind),
        water,
        plan: Some(PlanCard {
            id: plan.id.clone(),
            name: plan.name_vi.clone(),
            name_en: plan.name_en.clone(),
            reason: plan.reason_vi.clone(),
            reason_en: plan.reason_en.clone(),
            lines: plan
                .lines
                .iter()
                .map(|l| PlanCardLine {
                    kind: l.kind.code().to_owned(),
                    kind_label: l.kind.label_vi().to_owned(),
                    kind_label_en: l.kind.label_en().to_owned(),
                    count: l.count,
                })
                .collect(),
        }),
    }))
}

/// A pre-plan's water list: the nearest usable sources, or none without a point.
async fn pre_plan_water(
    state: &AppState,
    point: Option<GeoPoint>,
) -> ApiResult<Option<NearbyWater>> {
    match point {
        Some(at) => Ok(Some(nearby(state, at, NEAR_RADIUS_M, NEAR_LIMIT).await?)),
        None => Ok(None),
    }
}

fn facility_point(f: Option<&store::Facility>) -> Option<GeoPoint> {
    let f = f?;
    Some(GeoPoint::new(f.lat?, f.lon?))
}

/// The pre-plan card of a facility: the premises and the nearest usable water.
#[utoipa::path(get, path = "/api/facilities/{id}/pre-plan", tag = "water-sources", params(("id" = i64, Path)),
    responses((status = 200, body = PrePlan), (status = 404, body = crate::error::ErrorBody)))]
pub async fn facility_pre_plan(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<PrePlan>> {
    principal.require(&reader_roles())?;
    let f = facilities::load(&state, &principal, id).await?;
    let point = facility_point(Some(&f)).filter(GeoPoint::is_valid);
    let water = pre_plan_water(&state, point).await?;
    Ok(Json(PrePlan {
        incident_id: None,
        facility: Some(facilities::view(&state, &principal, &f)),
        lat: point.map(|p| p.lat),
        lon: point.map(|p| p.lon),
        water_needed: true,
        water,
        plan: None,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `all` (default) or `valid-only`.
    pub mode: Option<ImportMode>,
}

/// Imports water sources from CSV (columns `kind, name, lat, lon`, and optionally `address,
/// capacity_m3, flow_lps, engine_access, status, reference, notes`) or from a GeoJSON
/// FeatureCollection of Points with those properties. Every bad row is reported by its line
/// (CSV, the header is line 1) or by its feature's position (GeoJSON, from 1); with
/// `mode=all` a file with errors writes nothing.
#[utoipa::path(post, path = "/api/water-sources/import", tag = "water-sources", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = facilities::ImportReport), (status = 422, body = Object),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    ImportBody(body): ImportBody,
) -> ApiResult<Response> {
    principal.require(&writer_roles())?;
    let mode = q.mode.unwrap_or(ImportMode::All);
    let geojson = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
        || body
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{');
    let drafts = if geojson {
        drafts_from_geojson(&body)
    } else {
        drafts_from_csv(&body)
    };
    let (drafts, mut errors) = match drafts {
        Ok(found) => found,
        Err(errors) => return Ok(facilities::refused(errors)),
    };
    let mut good = Vec::new();
    for (at, draft) in &drafts {
        match checked(&state, draft) {
            Ok(input) => good.push(input),
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|p| at.error(Some(p.field), p.message_en)),
            ),
        }
    }
    if (!errors.is_empty() && mode == ImportMode::All) || good.is_empty() {
        return Ok(facilities::refused(errors));
    }
    let created = state
        .store
        .create_water_sources(&good, &principal.actor(), Utc::now())
        .await?;
    Ok(facilities::import_response(facilities::ImportReport {
        created: created.len(),
        ids: created.iter().map(|s| s.id).collect(),
        errors,
    }))
}

/// Where in the file a row came from.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Line(u64),
    Feature(u64),
}

impl Origin {
    fn error(self, field: Option<String>, message: String) -> RowError {
        match self {
            Origin::Line(line) => RowError {
                line,
                feature: None,
                field,
                message,
            },
            Origin::Feature(n) => RowError {
                line: 0,
                feature: Some(n),
                field,
                message,
            },
        }
    }
}

type Drafts = (Vec<(Origin, WaterSourceDraft)>, Vec<RowError>);

/// "1", "true", "yes", "có", "x" are yes; "0", "false", "no", "không" are no.
fn yes_no(text: &str) -> Option<bool> {
    match domain::text::fold(text.trim()).as_str() {
        "1" | "true" | "yes" | "y" | "co" | "x" => Some(true),
        "0" | "false" | "no" | "n" | "khong" => Some(false),
        _ => None,
    }
}

fn drafts_from_csv(text: &str) -> Result<Drafts, Vec<RowError>> {
    let rows = read_csv(text, &["kind", "name", "lat", "lon"])?;
    let mut drafts = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (line, row) in &rows {
        let at = Origin::Line(*line);
        let mut bad = false;
        let mut number = |name: &str| -> Option<f64> {
            let text = cell(row, name)?;
            match text.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors
                        .push(at.error(Some(name.to_owned()), format!("{text:?} is not a number")));
                    bad = true;
                    None
                }
            }
        };
        let (lat, lon) = (number("lat"), number("lon"));
        let (capacity_m3, flow_lps) = (number("capacity_m3"), number("flow_lps"));
        let engine_access = match cell(row, "engine_access") {
            Some(t) => match yes_no(&t) {
                Some(v) => Some(v),
                None => {
                    errors.push(at.error(
                        Some("engine_access".into()),
                        format!("{t:?} is not yes or no"),
                    ));
                    bad = true;
                    None
                }
            },
            None => None,
        };
        if bad {
            continue;
        }
        drafts.push((
            at,
            WaterSourceDraft {
                kind: cell(row, "kind").unwrap_or_default(),
                name: cell(row, "name").unwrap_or_default(),
                lat,
                lon,
                address: cell(row, "address"),
                capacity_m3,
                flow_lps,
                engine_access,
                status: cell(row, "status"),
                reference: cell(row, "reference"),
                notes: cell(row, "notes"),
            },
        ));
    }
    Ok((drafts, errors))
}

fn drafts_from_geojson(text: &str) -> Result<Drafts, Vec<RowError>> {
    let whole = |message: String| {
        vec![RowError {
            line: 0,
            feature: None,
            field: None,
            message,
        }]
    };
    let doc: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| whole(format!("not JSON: {e}")))?;
    if doc.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(whole("a GeoJSON FeatureCollection is expected".into()));
    }
    let features = doc
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| whole("the FeatureCollection has no features array".into()))?;
    let mut drafts = Vec::with_capacity(features.len());
    let mut errors = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let at = Origin::Feature(i as u64 + 1);
        let geometry = f.get("geometry");
        let point = match (
            geometry
                .and_then(|g| g.get("type"))
                .and_then(|t| t.as_str()),
            geometry
                .and_then(|g| g.get("coordinates"))
                .and_then(|c| c.as_array()),
        ) {
            (Some("Point"), Some(c)) if c.len() >= 2 => match (c[0].as_f64(), c[1].as_f64()) {
                (Some(lon), Some(lat)) => Some((lat, lon)),
                _ => None,
            },
            _ => None,
        };
        let Some((lat, lon)) = point else {
            errors.push(at.error(
                Some("geometry".into()),
                "a Point geometry with [longitude, latitude] is expected".into(),
            ));
            continue;
        };
        let empty = serde_json::Map::new();
        let props = f
            .get("properties")
            .and_then(|p| p.as_object())
            .unwrap_or(&empty);
        let text = |name: &str| -> Option<String> {
            match props.get(name)? {
                serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let mut bad = false;
        let mut number = |name: &str| -> Option<f64> {
            match props.get(name)? {
                serde_json::Value::Null => None,
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) if s.trim().is_empty() => None,
                serde_json::Value::String(s) => s.trim().parse().ok().or_else(|| {
                    errors.push(at.error(Some(name.to_owned()), format!("{s:?} is not a number")));
                    bad = true;
                    None
                }),
                other => {
                    errors
                        .push(at.error(Some(name.to_owned()), format!("{other} is not a number")));
                    bad = true;
                    None
                }
            }
        };
        let (capacity_m3, flow_lps) = (number("capacity_m3"), number("flow_lps"));
        let engine_access = match props.get("engine_access") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(v) => match v.as_str().and_then(yes_no) {
                Some(b) => Some(b),
                None => {
                    errors.push(at.error(
                        Some("engine_access".into()),
                        format!("{v} is not yes or no"),
                    ));
                    bad = true;
                    None
                }
            },
        };
        if bad {
            continue;
        }
        drafts.push((
            at,
            WaterSourceDraft {
                kind: text("kind").unwrap_or_default(),
                name: text("name").unwrap_or_default(),
                lat: Some(lat),
                lon: Some(lon),
                address: text("address"),
                capacity_m3,
                flow_lps,
                engine_access,
                status: text("status"),
                reference: text("reference"),
                notes: text("notes"),
            },
        ));
    }
    Ok((drafts, errors))
}

/// The water-source routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/water-sources", get(list).post(create))
        .route("/api/water-sources/summary", get(summary))
        .route("/api/water-sources/nearest", get(nearest))
        .route(
            "/api/water-sources/import",
            post(import).layer(DefaultBodyLimit::max(facilities::IMPORT_LIMIT)),
        )
        .route("/api/water-sources/{id}", get(get_one).patch(patch))
        .route("/api/incidents/{id}/pre-plan", get(incident_pre_plan))
        .route("/api/facilities/{id}/pre-plan", get(facility_pre_plan))
}

/// The water-source paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    summary,
    get_one,
    patch,
    nearest,
    import,
    incident_pre_plan,
    facility_pre_plan
))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bbox_is_four_numbers_minimums_first() {
        assert_eq!(
            parse_bbox("105.8,21.0,105.9,21.1").unwrap(),
            [105.8, 21.0, 105.9, 21.1]
        );
        assert!(parse_bbox("105.9,21.0,105.8,21.1").is_err());
        assert!(parse_bbox("1,2,3").is_err());
        assert!(parse_bbox("1,2,3,NaN").is_err());
    }

    #[test]
    fn csv_rows_become_drafts_and_bad_numbers_are_reported_by_line() {
        let (drafts, errors) = drafts_from_csv(
            "kind,name,lat,lon,engine_access,flow_lps\n\
             hydrant,Trụ 1,21.03,105.85,có,20\n\
             pond,Ao 2,abc,105.85,,\n\
             lake,Hồ 3,21.04,105.86,maybe,\n",
        )
        .unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].1.engine_access, Some(true));
        assert_eq!(drafts[0].1.flow_lps, Some(20.0));
        let lines: Vec<(u64, Option<&str>)> = errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(lines, vec![(3, Some("lat")), (4, Some("engine_access"))]);
        assert!(drafts_from_csv("kind,name\nhydrant,x\n").is_err());
    }

    #[test]
    fn geojson_features_become_drafts_and_bad_ones_are_reported_by_position() {
        let doc = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[105.85,21.03]},
             "properties":{"kind":"Hồ","name":"Hồ A","capacity_m3":5000,"engine_access":false}},
            {"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[105.85,21.03]},
             "properties":{"kind":"pond","name":"Ao","flow_lps":"much"}}
        ]}"#;
        let (drafts, errors) = drafts_from_geojson(doc).unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].1.lat, Some(21.03));
        assert_eq!(drafts[0].1.lon, Some(105.85));
        assert_eq!(drafts[0].1.capacity_m3, Some(5000.0));
        assert_eq!(drafts[0].1.engine_access, Some(false));
        let at: Vec<Option<u64>> = errors.iter().map(|e| e.feature).collect();
        assert_eq!(at, vec![Some(2), Some(3)]);
        assert!(drafts_from_geojson("{\"type\":\"Feature\"}").is_err());
        assert!(drafts_from_geojson("not json").is_err());
    }

    #[test]
    fn yes_and_no_in_both_languages() {
        assert_eq!(yes_no("Có"), Some(true));
        assert_eq!(yes_no("không"), Some(false));
        assert_eq!(yes_no("TRUE"), Some(true));
        assert_eq!(yes_no("perhaps"), None);
    }
}
