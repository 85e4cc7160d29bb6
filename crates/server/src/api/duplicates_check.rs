//! The live duplicate check: which open incidents a report probably repeats, asked before the
//! report is opened (the intake form, as the operator types the phone and locates the place)
//! or about an incident already open (its page).
//!
//! Read-only and advisory, with the same rules as the hints stored at opening
//! (`domain::incident::duplicates`): same facility or device, same caller phone within two
//! hours, the same or a related type within 300 m and 30 minutes. Scoped like the incident
//! list: a unit officer is never shown another unit's incident.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use domain::incident::{geo::GeoPoint, normalize_phone, DuplicateProbe, IncidentKind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::IncidentSummary;

/// At most this many candidates in one answer (`total` counts them all).
pub const MAX_CANDIDATES: usize = 10;

/// What the report says so far. Every field is optional; the answer says which checks ran.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DuplicateQuery {
    /// An open incident to check instead of a new report: its own facts are used and it is
    /// never its own duplicate.
    pub incident: Option<i64>,
    /// Type code (fire, crime, …). Without it, nearby incidents are not compared.
    pub kind: Option<String>,
    /// Latitude of the report (with `lon`).
    pub lat: Option<f64>,
    /// Longitude of the report (with `lat`).
    pub lon: Option<f64>,
    /// The caller's phone, in any usual format.
    pub phone: Option<String>,
    /// The facility the report is about.
    pub facility_id: Option<i64>,
}

/// One open incident the report probably repeats.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateCandidate {
    /// The open incident, as the lists show it (caller's phone masked).
    pub incident: IncidentSummary,
    /// Why it matches, strongest first (`same_facility`, `same_device`, `same_caller`,
    /// `nearby_same_kind`, `nearby_related_kind`, with their figures).
    pub reasons: Vec<domain::incident::DuplicateReason>,
    /// Straight-line distance in metres when both have a point (not a travel distance).
    pub distance_m: Option<f64>,
    pub message_vi: String,
    pub message_en: String,
}

/// The candidates, strongest match first, and which comparisons were possible.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateCheck {
    /// At most [`MAX_CANDIDATES`] of them.
    pub candidates: Vec<DuplicateCandidate>,
    /// How many open incidents matched in all (visible to the caller).
    pub total: usize,
    /// The comparisons made: `facility`, `phone`, `nearby` (needs a point and a type).
    pub checked: Vec<&'static str>,
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidField, message.into())
}

/// The open incidents a report probably duplicates, strongest first: same facility, same
/// caller phone (2 h), same or related type nearby (300 m, 30 min). Only the incidents the
/// caller may see (a unit officer: their unit's and those shared with it). Changes nothing.
#[utoipa::path(get, path = "/api/incidents/duplicates", tag = "incidents",
    params(DuplicateQuery),
    responses((status = 200, body = DuplicateCheck), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn check(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<DuplicateQuery>,
) -> ApiResult<Json<DuplicateCheck>> {
    principal.require(&crate::api::incidents::reader_roles())?;
    let probe = match q.incident {
        Some(id) => {
            let stored = crate::api::incidents::load(&state, &principal, id).await?;
            DuplicateProbe::from_incident(&stored.incident)
        }
        None => probe_of(&q)?,
    };
    let mut checked = Vec::new();
    if probe.facility_id.is_some() {
        checked.push("facility");
    }
    if probe.phone.is_some() {
        checked.push("phone");
    }
    let nearby = probe.point.is_some() && (q.incident.is_some() || q.kind.is_some());
    if nearby {
        checked.push("nearby");
    }
    if checked.is_empty() {
        return Ok(Json(DuplicateCheck {
            candidates: Vec::new(),
            total: 0,
            checked,
        }));
    }
    let found = state.store.probable_duplicates(&probe).await?;
    let visible: Vec<_> = found
        .into_iter()
        .filter(|(_, s)| {
            let a = &s.incident.assignment;
            principal
                .scope
                .allows(a.primary_unit.as_deref(), &a.shared_with)
        })
        .collect();
    let total = visible.len();
    let candidates = visible
        .into_iter()
        .take(MAX_CANDIDATES)
        .map(|(hint, s)| {
            Ok(DuplicateCandidate {
                incident: IncidentSummary::of(&s.incident, s.version),
                reasons: hint.reasons.clone(),
                distance_m: hint.distance_m,
                message_vi: hint.message_vi,
                message_en: hint.message_en,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(DuplicateCheck {
        candidates,
        total,
        checked,
    }))
}

/// The probe of a report not yet opened. A point without a type is not compared by place:
/// the type decides which nearby incidents count.
fn probe_of(q: &DuplicateQuery) -> ApiResult<DuplicateProbe> {
    let kind = match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(code) => Some(
            code.parse::<IncidentKind>()
                .map_err(|_| unprocessable(format!("kind: unknown type {code:?}")))?,
        ),
        None => None,
    };
    let point = match (q.lat, q.lon) {
        (Some(lat), Some(lon)) => {
            let p = GeoPoint::new(lat, lon);
            if !p.is_valid() {
                return Err(unprocessable("lat, lon: not a point on Earth"));
            }
            Some(p).filter(|_| kind.is_some())
        }
        (None, None) => None,
        _ => return Err(unprocessable("lat, lon: lat and lon go together")),
    };
    let phone = match q.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        // A number still being typed is simply not compared yet.
        Some(p) => normalize_phone(p),
        None => None,
    };
    Ok(DuplicateProbe {
        kind: kind.unwrap_or(IncidentKind::Other),
        point,
        phone,
        facility_id: q.facility_id,
        device_id: None,
        at: Utc::now(),
        exclude: None,
    })
}

/// The duplicate-check route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/incidents/duplicates", get(check))
}

/// The duplicate-check path for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(check), components(schemas(DuplicateCandidate, DuplicateCheck)))]
pub struct Doc;
