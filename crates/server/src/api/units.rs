//! Reference geography over HTTP: the units, their boundaries, and who owns a point or an
//! address.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::units::{DisplayOptions, Unit};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A unit as listed by the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: String,
    pub full_name: String,
    /// The police unit of this commune/ward, e.g. "Công an phường Ba Đình".
    pub police_name: String,
    pub kind: String,
    pub province_code: String,
    pub area_km2: Option<f64>,
    pub population: Option<u64>,
    pub admin_center: Option<String>,
    pub label_lat: f64,
    pub label_lon: f64,
}

/// A unit with the old units that went into it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: UnitView,
    /// Old (pre-2025) units, with their old district and whether all or part went in.
    #[schema(value_type = Vec<Object>)]
    pub old_units: serde_json::Value,
    pub before_merger_text: Option<String>,
}

impl From<&Unit> for UnitView {
    fn from(u: &Unit) -> Self {
        UnitView {
            code: u.code.clone(),
            name: u.name.clone(),
            full_name: u.full_name.clone(),
            police_name: format!("Công an {}", lower_first(&u.full_name)),
            kind: u.kind_label.clone(),
            province_code: u.province_code.clone(),
            area_km2: u.area_km2,
            population: u.population,
            admin_center: u.admin_center.clone(),
            label_lat: u.label.lat,
            label_lon: u.label.lon,
        }
    }
}

/// "Phường Ba Đình" → "phường Ba Đình", as the police unit's name is written.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn find<'a>(state: &'a AppState, code: &str) -> ApiResult<&'a Unit> {
    state
        .units
        .get(code)
        .ok_or_else(|| ApiError::not_found(format!("unit {code} not found")))
}

/// Lists every unit.
#[utoipa::path(get, path = "/api/units", tag = "units",
    responses((status = 200, body = [UnitView]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<Arc<AppState>>, _p: Principal) -> Json<Vec<UnitView>> {
    Json(state.units.units().iter().map(UnitView::from).collect())
}

/// One unit with its old units.
#[utoipa::path(get, path = "/api/units/{code}", tag = "units", params(("code" = String, Path)),
    responses((status = 200, body = UnitDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    _p: Principal,
    Path(code): Path<String>,
) -> ApiResult<Json<UnitDetail>> {
    let unit = find(&state, &code)?;
    Ok(Json(UnitDetail {
        unit: UnitView::from(unit),
        old_units: serde_json::to_value(&unit.old_units).map_err(ApiError::internal)?,
        before_merger_text: unit.before_merger_text.clone(),
    }))
}

fn geojson(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The unit's boundary as a GeoJSON Feature (simplified for display).
#[utoipa::path(get, path = "/api/units/{code}/boundary", tag = "units", params(("code" = String, Path)),
    responses((status = 200, body = GeoFeature, content_type = "application/geo+json"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn boundary(
    State(state): State<Arc<AppState>>,
    _p: Principal,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    find(&state, &code)?;
    let feature = state
        .units
        .feature(&code, &DisplayOptions::default())
        .map_err(|_| ApiError::not_found(format!("unit {code} not found")))?;
    Ok(geojson(feature.to_string()))
}

/// Every unit's boundary as one GeoJSON FeatureCollection (what the console's map draws).
#[utoipa::path(get, path = "/api/units.geojson", tag = "units",
    responses((status = 200, body = GeoFeatureCollection, content_type = "application/geo+json")))]
pub async fn all_boundaries(State(state): State<Arc<AppState>>, _p: Principal) -> Response {
    geojson(state.boundaries.to_string())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionQuery {
    /// Latitude (WGS84), with `lon`.
    pub lat: Option<f64>,
    /// Longitude (WGS84), with `lat`.
    pub lon: Option<f64>,
    /// Address text: streets, junctions, landmarks, new and old unit names. With `lat` and
    /// `lon`, the point wins and the text's candidates follow it.
    pub address: Option<String>,
}

/// Which unit owns a point or an address.
///
/// For a point alone: `result.status` is `inside` (with the distance to the boundary and
/// `near_boundary`), `snapped` (in a sliver between polygons or just past the edge) or
/// `outside` (the point is outside the jurisdiction; no unit is guessed).
///
/// For an address (with `lat`/`lon` too when the caller shared a point, which then wins):
/// `matches`, best first, each with its unit, a `point` (`source`: gps, place, junction,
/// street, or unit_centre when only the unit is known) and the `evidence` behind it (street,
/// junction, place, unit name, old unit or district); `ambiguous` is true when no single unit
/// can be assigned and a person must pick; `confidence` in the first match; `point` of the
/// assigned match.
#[utoipa::path(get, path = "/api/jurisdiction", tag = "units", params(JurisdictionQuery),
    responses((status = 200, body = JurisdictionAnswer), (status = 400, body = crate::error::ErrorBody)))]
pub async fn jurisdiction(
    State(state): State<Arc<AppState>>,
    _p: Principal,
    Query(q): Query<JurisdictionQuery>,
) -> ApiResult<Json<JurisdictionAnswer>> {
    let point = match (q.lat, q.lon) {
        (Some(lat), Some(lon)) => {
            // Checked here so that a bad point is an error, never silently dropped.
            state
                .units
                .locate(lat, lon)
                .map_err(|e| ApiError::new(ErrorCode::InvalidCoordinates, e.to_string()))?;
            Some(domain::units::LatLon { lat, lon })
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "give lat and lon together",
            ))
        }
    };
    match (point, q.address) {
        (Some(p), None) => {
            let location = state
                .units
                .locate(p.lat, p.lon)
                .map_err(|e| ApiError::new(ErrorCode::InvalidCoordinates, e.to_string()))?;
            Ok(Json(JurisdictionAnswer::AtPoint {
                query: JurisdictionAsked {
                    address: None,
                    lat: Some(p.lat),
                    lon: Some(p.lon),
                },
                result: PointUnit::of(&location),
            }))
        }
        (point, Some(address)) => {
            let address = address.trim();
            if address.is_empty() || address.chars().count() > 500 {
                return Err(ApiError::new(
                    ErrorCode::InvalidAddress,
                    "address must be 1 to 500 characters",
                ));
            }
            let r = state.units.resolve_at(address, point);
            Ok(Json(JurisdictionAnswer::ByAddress {
                query: JurisdictionAsked {
                    address: Some(address.to_owned()),
                    lat: q.lat,
                    lon: q.lon,
                },
                matches: r
                    .candidates
                    .iter()
                    .map(|c| UnitMatch {
                        code: c.unit.code.clone(),
                        full_name: c.unit.full_name.clone(),
                        score: c.score,
                        point: c.point,
                        evidence: c.evidence.clone(),
                    })
                    .collect(),
                ambiguous: r.ambiguous,
                confidence: r.confidence,
                point: r.point,
                gps_used: r.gps_used,
                total: r.total,
            }))
        }
        (None, None) => Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "give either lat and lon, or address",
        )),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MapViewQuery {
    /// The view: `min_lon,min_lat,max_lon,max_lat` (WGS84).
    pub bbox: String,
    /// The map's zoom level (8–19): lines are simplified to about a pixel of it.
    pub zoom: Option<f64>,
}

/// Most street lines in one answer: a view that holds more is too far out to read them.
const MAX_STREETS_PER_VIEW: usize = 3_000;
/// Below this zoom the map shows units, not streets.
const MIN_STREET_ZOOM: f64 = 13.0;

fn parse_bbox(text: &str) -> ApiResult<[f64; 4]> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidBbox,
                "bbox is min_lon,min_lat,max_lon,max_lat",
            )
        })?;
    match parts.as_slice() {
        [a, b, c, d]
            if parts.iter().all(|v| v.is_finite())
                && a < c
                && b < d
                && (-180.0..=180.0).contains(a)
                && (-180.0..=180.0).contains(c)
                && (-90.0..=90.0).contains(b)
                && (-90.0..=90.0).contains(d) =>
        {
            Ok([*a, *b, *c, *d])
        }
        _ => Err(ApiError::new(
            ErrorCode::InvalidBbox,
            "bbox is min_lon,min_lat,max_lon,max_lat with min < max, in degrees",
        )),
    }
}

/// The named street lines of a map view, as GeoJSON, simplified for the zoom (about one
/// pixel). Below zoom 13 the answer is empty (`too_far_out` in the collection's properties):
/// the map then shows units only. Properties: `name`, `full_name`, `kind`, `units`. The
/// collection's `total` is how many streets the view holds, and `truncated` says when only
/// the first [`MAX_STREETS_PER_VIEW`] were sent.
#[utoipa::path(get, path = "/api/map/streets", tag = "units", params(MapViewQuery),
    responses((status = 200, body = GeoFeatureCollection, content_type = "application/geo+json"), (status = 400, body = crate::error::ErrorBody)))]
pub async fn map_streets(
    State(state): State<Arc<AppState>>,
    _p: Principal,
    Query(q): Query<MapViewQuery>,
) -> ApiResult<Response> {
    let bbox = parse_bbox(&q.bbox)?;
    let zoom = q.zoom.unwrap_or(16.0).clamp(0.0, 22.0);
    let mut features = Vec::new();
    let mut total = 0;
    let too_far = zoom < MIN_STREET_ZOOM;
    if !too_far {
        // One pixel of a 256-pixel tile at this zoom, in metres at the equator.
        let tolerance_m = 156_543.0 / 2f64.powf(zoom);
        for (street, lines) in state.units.streets_in(bbox, tolerance_m) {
            total += 1;
            if features.len() >= MAX_STREETS_PER_VIEW {
                continue;
            }
            let units: Vec<&str> = state
                .units
                .street_units(street)
                .map(|u| u.code.as_str())
                .collect();
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": {
                    "name": street.name,
                    "full_name": street.full_name,
                    "kind": street.kind,
                    "units": units,
                },
                "geometry": {"type": "MultiLineString", "coordinates": lines},
            }));
        }
    }
    let body = serde_json::json!({
        "type": "FeatureCollection",
        "properties": {
            "too_far_out": too_far,
            "total": total,
            "truncated": total > features.len(),
        },
        "features": features,
    });
    Ok(geojson(body.to_string()))
}

/// The named places (hospitals, bridges, markets, …) of a map view, as GeoJSON points with
/// `name`, `category` and `unit`.
#[utoipa::path(get, path = "/api/map/places", tag = "units", params(MapViewQuery),
    responses((status = 200, body = GeoFeatureCollection, content_type = "application/geo+json"), (status = 400, body = crate::error::ErrorBody)))]
pub async fn map_places(
    State(state): State<Arc<AppState>>,
    _p: Principal,
    Query(q): Query<MapViewQuery>,
) -> ApiResult<Response> {
    let [w, s, e, n] = parse_bbox(&q.bbox)?;
    let features: Vec<serde_json::Value> = state
        .units
        .gazetteer()
        .places
        .iter()
        .filter(|p| p.point.lon >= w && p.point.lon <= e && p.point.lat >= s && p.point.lat <= n)
        .map(|p| {
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "name": p.name,
                    "category": p.category,
                    "unit": state.units.place_unit(p).code,
                },
                "geometry": {"type": "Point", "coordinates": [p.point.lon, p.point.lat]},
            })
        })
        .collect();
    Ok(geojson(
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MapSearchQuery {
    /// What to find: part of a street's, a place's or a unit's name (diacritics optional).
    pub q: String,
    /// Most results (1–50, default 10).
    pub limit: Option<usize>,
}

/// Streets, places and units by name for the map's search box: `results`, best first, each
/// with `kind` (unit, place, street), `name`, `units` (codes) and `point` to centre on.
#[utoipa::path(get, path = "/api/map/search", tag = "units", params(MapSearchQuery),
    responses((status = 200, body = MapSearchAnswer), (status = 400, body = crate::error::ErrorBody)))]
pub async fn map_search(
    State(state): State<Arc<AppState>>,
    _p: Principal,
    Query(q): Query<MapSearchQuery>,
) -> ApiResult<Json<MapSearchAnswer>> {
    let text = q.q.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "q must be 1 to 200 characters",
        ));
    }
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let results = state.units.search(text, limit);
    Ok(Json(MapSearchAnswer {
        query: text.to_owned(),
        results,
    }))
}

// ---------------------------------------------------------------------------------------------
// Answer shapes for the OpenAPI document

/// A GeoJSON Feature (RFC 7946): `geometry` is a GeoJSON geometry; `properties` are named by
/// each route.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GeoFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A GeoJSON geometry (`Polygon`, `MultiPolygon`, `MultiLineString`, `Point`).
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
    #[schema(value_type = Object)]
    pub properties: serde_json::Value,
}

/// A GeoJSON FeatureCollection (RFC 7946).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GeoFeatureCollection {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    pub features: Vec<GeoFeature>,
    /// `/api/map/streets` only: `too_far_out` (zoomed out past street level), `total` streets
    /// in the view, `truncated` (more than the answer holds).
    #[schema(value_type = Option<Object>)]
    pub properties: Option<serde_json::Value>,
}

/// What `/api/jurisdiction` was asked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JurisdictionAsked {
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The unit that holds a point.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PointUnit {
    /// `inside` (in a unit), `snapped` (just outside the jurisdiction: the nearest unit) or
    /// `outside`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Inside: metres to the unit's boundary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary_distance_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_boundary: Option<bool>,
    /// Inside and near the boundary: the unit across it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbour_code: Option<String>,
    /// Snapped: metres to the unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

/// A unit an address may be in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitMatch {
    pub code: String,
    pub full_name: String,
    /// 0..=1.
    pub score: f32,
    pub point: domain::units::ResolvedPoint,
    /// What in the text led to it.
    pub evidence: Vec<domain::units::Evidence>,
}

/// The answer of `/api/jurisdiction`: by a point alone, `result`; by an address (with or
/// without a point), the units it may be in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum JurisdictionAnswer {
    AtPoint {
        query: JurisdictionAsked,
        result: PointUnit,
    },
    ByAddress {
        query: JurisdictionAsked,
        /// Best first.
        matches: Vec<UnitMatch>,
        /// True when no single unit can be assigned: a person must pick.
        ambiguous: bool,
        /// Confidence in the first match, 0..=1.
        confidence: f32,
        /// The point of the assigned match.
        point: Option<domain::units::ResolvedPoint>,
        /// Whether the shared point was used.
        gps_used: bool,
        /// How many units fitted in all, listed or not.
        total: usize,
    },
}

impl PointUnit {
    fn of(location: &domain::units::Location<'_>) -> PointUnit {
        use domain::units::Location;
        let mut v = PointUnit {
            status: String::new(),
            code: None,
            full_name: None,
            boundary_distance_m: None,
            near_boundary: None,
            neighbour_code: None,
            distance_m: None,
        };
        match location {
            Location::Inside {
                unit,
                boundary_distance_m,
                near_boundary,
                neighbour,
            } => {
                v.status = "inside".into();
                v.code = Some(unit.code.clone());
                v.full_name = Some(unit.full_name.clone());
                v.boundary_distance_m = Some(*boundary_distance_m);
                v.near_boundary = Some(*near_boundary);
                v.neighbour_code = neighbour.map(|n| n.code.clone());
            }
            Location::Snapped { unit, distance_m } => {
                v.status = "snapped".into();
                v.code = Some(unit.code.clone());
                v.full_name = Some(unit.full_name.clone());
                v.distance_m = Some(*distance_m);
            }
            Location::Outside => v.status = "outside".into(),
        }
        v
    }
}

/// The answer of `/api/map/search`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapSearchAnswer {
    pub query: String,
    /// Best first.
    pub results: Vec<domain::units::SearchHit>,
}

/// The police organisation: the city headquarters with its departments, and one police unit
/// per commune/ward, each linked to its administrative unit.
#[utoipa::path(get, path = "/api/organisation", tag = "units",
    responses((status = 200, body = domain::units::org::PoliceOrganisation), (status = 401, body = crate::error::ErrorBody)))]
pub async fn organisation(
    State(state): State<Arc<AppState>>,
    _p: Principal,
) -> Json<domain::units::org::PoliceOrganisation> {
    Json(domain::units::org::PoliceOrganisation::from_directory(
        &state.units,
    ))
}
