//! Incidents over HTTP (the command center's CAD): intake by the hotline call-taker and the
//! officer in the field, the queue and searches, one incident with its timeline, status
//! changes, notes, transfer, sharing and escalation, merge and links, dispatch recommendations
//! and dispatch, the CAP 1.2 and EIDO exports, and the background timer that flags overdue
//! incidents on the live feed.
//!
//! Access: admin, operator and unit officer act; a leader reads. A unit officer sees only the
//! incidents of their unit and those shared with it: any other incident answers 404, as if it
//! did not exist. Lists and the feed show the caller's phone masked; one incident shows the
//! caller in full to the roles that act on it.
//!
//! The domain model decides (`domain::incident`), the store persists (`store::incidents`); a
//! rule of the model that refuses a request answers 409 (conflicts with the current state,
//! e.g. an illegal transition) or 422 (bad input) with the domain's code and message.

use crate::api::incident_view::{DetailParts, DispatchAnswer, IncidentDetail, MergeAnswer};
use crate::app::AppState;
use crate::auth::{Principal, RateLimiter};
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::access::Role;
use domain::incident::{
    cap, eido, geo::GeoPoint, normalize_phone, recommend_plan, Disposition, Incident, IncidentId,
    IncidentLocation, IncidentNumber, IncidentStatus, NewIncidentForm, RecommendOptions,
    ResponseTargets, TransitionDetails, Vocabulary,
};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use store::{IncidentCommand, IncidentFilter, IncidentSummary, ResourceView, StoredIncident};

/// How often the overdue check runs.
pub const OVERDUE_EVERY: Duration = Duration::from_secs(15);
/// Public web reports accepted per client address and window.
pub const PUBLIC_REPORTS_PER_WINDOW: u32 = 5;
/// Public status lookups accepted per client address and window.
pub const PUBLIC_LOOKUPS_PER_WINDOW: u32 = 30;
/// The window of the public limits.
pub const PUBLIC_WINDOW: Duration = Duration::from_secs(15 * 60);
/// At most this many resources in one dispatch.
pub const MAX_DISPATCH: usize = 20;

/// CAP `sender` of the command center.
pub const CAP_SENDER: &str = "tttch@congan.hanoi.gov.vn";
/// EIDO agency identifier of the command center.
pub const EIDO_AGENCY: &str = "congan.hanoi.gov.vn";
/// EIDO issuing element of the command center.
pub const EIDO_ELEMENT: &str = "tttch.congan.hanoi.gov.vn";

/// The incident area's share of the server state.
pub struct CadState {
    /// Service-level targets of the overdue check.
    pub targets: ResponseTargets,
    /// Public web reports per client address.
    pub report_limiter: RateLimiter,
    /// Public status lookups per client address.
    pub lookup_limiter: RateLimiter,
    /// Turns `true` when the server stops: long-lived feed connections end on it.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The response plans in force on this node.
    pub plans: crate::api::response_plans::PlanCache,
}

impl CadState {
    /// The default targets and limits; `shutdown` ends the feed connections.
    pub fn new(shutdown: tokio::sync::watch::Receiver<bool>) -> Self {
        CadState {
            targets: ResponseTargets::default(),
            report_limiter: RateLimiter::new(PUBLIC_REPORTS_PER_WINDOW, PUBLIC_WINDOW),
            lookup_limiter: RateLimiter::new(PUBLIC_LOOKUPS_PER_WINDOW, PUBLIC_WINDOW),
            shutdown,
            plans: Default::default(),
        }
    }
}

/// Roles that read incidents.
pub fn reader_roles() -> [Role; 4] {
    [Role::Admin, Role::Operator, Role::UnitOfficer, Role::Leader]
}

/// Roles that change incidents and resources.
pub fn actor_roles() -> [Role; 3] {
    [Role::Admin, Role::Operator, Role::UnitOfficer]
}

/// Whether the user sees a caller's (or a facility contact's) name and full phone number;
/// leaders and inspectors see them masked.
pub fn sees_caller(principal: &Principal) -> bool {
    actor_roles().contains(&principal.user.role)
}

fn unprocessable(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidField,
        format!("{field}: {}", message.into()),
    )
}

// ---------------------------------------------------------------------------------------------
// Placing a report: the unit by jurisdiction

/// Resolves where a report is and its responsible unit through the one location resolver:
/// the coordinates when given (with the distance to the boundary and the near-boundary flag),
/// otherwise the address text (streets, junctions, landmarks, old and new unit names). An
/// address that fits several units leaves the unit empty and keeps the candidates.
pub fn place(
    state: &AppState,
    lat: Option<f64>,
    lon: Option<f64>,
    address: Option<&str>,
) -> IncidentLocation {
    let point = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
        _ => None,
    };
    domain::incident::placement::place(&state.units, point, address)
}

// ---------------------------------------------------------------------------------------------
// Views

/// One incident as the caller may see it (see [`IncidentDetail`]): the full timeline, the
/// resources with their current status, the duplicate hints of incidents the caller may see.
pub async fn detail(
    state: &AppState,
    principal: &Principal,
    stored: StoredIncident,
) -> ApiResult<IncidentDetail> {
    let StoredIncident {
        mut incident,
        version,
    } = stored;
    incident.history = state.store.incident_timeline(&incident).await?;
    let mut duplicates = state.store.incident_duplicates(incident.id).await?;
    let ids = duplicates.iter().map(|d| d.duplicate_of).collect();
    let seen = visible_ids(state, principal, ids).await?;
    duplicates.retain(|d| seen.contains(&d.duplicate_of));
    let records = state.store.incident_resources(incident.id).await?;
    Ok(IncidentDetail::of(
        &incident,
        DetailParts {
            version,
            records: &records,
            duplicates: &duplicates,
            sees_caller: sees_caller(principal),
        },
    ))
}

/// Of the incidents `ids`, those the caller may see. A duplicate hint names the other
/// incident, its age and its exact distance: for a unit officer, another unit's incident must
/// not show through it, so hints are kept only for incidents of the unit or shared with it.
pub async fn visible_ids(
    state: &AppState,
    principal: &Principal,
    ids: Vec<i64>,
) -> ApiResult<std::collections::HashSet<i64>> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if seen.contains(&id) {
            continue;
        }
        let visible = match principal.scope.unit() {
            None => true,
            Some(_) => state
                .store
                .incident(IncidentId(id))
                .await?
                .is_some_and(|s| {
                    let a = &s.incident.assignment;
                    principal
                        .scope
                        .allows(a.primary_unit.as_deref(), &a.shared_with)
                }),
        };
        if visible {
            seen.insert(id);
        }
    }
    Ok(seen)
}

/// The incident `id` as the principal may see it: 404 when it does not exist or belongs to a
/// unit outside the principal's scope (another unit's incident does not exist for them).
pub async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<StoredIncident> {
    let stored = state
        .store
        .incident(IncidentId(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("incident {id} not found")))?;
    let i = &stored.incident;
    // Another unit's incident does not exist for a unit officer.
    if !principal.scope.allows(
        i.assignment.primary_unit.as_deref(),
        &i.assignment.shared_with,
    ) {
        return Err(ApiError::not_found(format!("incident {id} not found")));
    }
    Ok(stored)
}

async fn by_number(state: &AppState, number: &str) -> ApiResult<StoredIncident> {
    let parsed = IncidentNumber::parse(number)
        .map_err(|_| ApiError::not_found(format!("incident {number} not found")))?;
    state
        .store
        .incident_by_number(&parsed)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("incident {number} not found")))
}

// ---------------------------------------------------------------------------------------------
// Intake

/// A new incident, as the hotline intake form sends it. Only `kind`, `description` and a
/// location (coordinates or address) are required; the unit is resolved from the location
/// when not given, the priority from the type, the channel from the role.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentBody {
    /// Type code: fire, explosion, rescue, traffic_accident, crime, public_order, flood,
    /// missing_person, medical, other.
    pub kind: String,
    /// With `kind = crime`: robbery, theft, assault, fight, weapons, drugs, fraud, kidnapping,
    /// domestic_violence, other.
    pub crime_subtype: Option<String>,
    /// 1 (highest) to 4; default from the type.
    pub priority: Option<u8>,
    /// hotline_113, hotline_114, field_officer, web_report, assistant, alarm_device.
    /// Default: field_officer for a unit officer, hotline_113 otherwise.
    pub channel: Option<String>,
    #[serde(default)]
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The responsible unit, when the operator chose it; otherwise resolved from the location.
    pub unit_code: Option<String>,
    #[serde(default)]
    pub near_boundary: bool,
    pub boundary_distance_m: Option<f64>,
    /// "old ward → new unit", when the address named a pre-2025 unit.
    pub resolved_from_old_name: Option<String>,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    /// The facility it concerns; its location and unit fill in what is not given.
    pub facility_id: Option<i64>,
}

/// Builds the domain form of a report: checks the unit given, resolves the unit from the
/// location otherwise (or from the facility, or `fallback_unit`).
pub async fn form_of(
    state: &AppState,
    body: NewIncidentBody,
    default_channel: &str,
    fallback_unit: Option<&str>,
) -> ApiResult<NewIncidentForm> {
    let mut body = body;
    let given = body
        .unit_code
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    if let Some(u) = &given {
        if state.units.get(u).is_none() {
            return Err(unprocessable(
                "unit_code",
                format!("không có đơn vị mã {u}"),
            ));
        }
    }
    let mut facility_unit = None;
    if let Some(fid) = body.facility_id {
        let f = state
            .store
            .facility(fid)
            .await?
            .ok_or_else(|| unprocessable("facility_id", format!("không có cơ sở số {fid}")))?;
        let has_place = body.lat.is_some()
            || body.lon.is_some()
            || body
                .address
                .as_deref()
                .is_some_and(|a| !a.trim().is_empty());
        if !has_place {
            body.lat = f.lat;
            body.lon = f.lon;
            body.address = Some(f.address.clone());
        }
        facility_unit = Some(f.unit_code);
    }
    let placed = place(state, body.lat, body.lon, body.address.as_deref());
    let located = placed.unit_code.is_some();
    let chosen = given.is_some();
    let unit_code = given
        .or(placed.unit_code)
        .or(facility_unit)
        .or_else(|| fallback_unit.map(str::to_owned));
    let (near_boundary, boundary_distance_m) = if body.lat.is_some() && located {
        (placed.near_boundary, placed.boundary_distance_m)
    } else {
        (body.near_boundary, body.boundary_distance_m)
    };
    // A point the resolver found for the address (a place, a junction, a street in the unit).
    let (lat, lon) = match (body.lat, body.lon, placed.point) {
        (None, None, Some(p)) => (Some(p.lat), Some(p.lon)),
        _ => (body.lat, body.lon),
    };
    Ok(NewIncidentForm {
        kind: body.kind,
        crime_subtype: body.crime_subtype,
        priority: body.priority,
        channel: body
            .channel
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| default_channel.to_owned()),
        lat,
        lon,
        address: body.address,
        unit_code,
        near_boundary,
        boundary_distance_m,
        resolved_from_old_name: body
            .resolved_from_old_name
            .or(placed.resolved_from_old_name),
        unit_uncertain: placed.unit_uncertain && !chosen,
        unit_candidates: placed.unit_candidates,
        point_source: placed.point_source,
        caller_name: body.caller_name,
        caller_phone: body.caller_phone,
        description: body.description,
        facility_id: body.facility_id,
        device_id: None,
        reported_at: None,
    })
}

/// Counts an opened incident by channel.
pub fn count_created(state: &AppState, incident: &Incident) {
    state.metrics.count(
        "binhyen_incidents_created_total",
        &[("channel", incident.channel.code())],
        1,
    );
}

/// Opens an incident (hotline call-taker, officer in the field). Answers 201 with the incident
/// and `duplicates`: open incidents it probably duplicates (same facility or caller, or the
/// same kind nearby), for the operator to merge or not.
#[utoipa::path(post, path = "/api/incidents", tag = "incidents", request_body = NewIncidentBody,
    responses((status = 201, body = IncidentDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewIncidentBody>,
) -> ApiResult<Response> {
    principal.require(&actor_roles())?;
    let mine = principal.scope.unit().map(str::to_owned);
    let default_channel = if mine.is_some() {
        "field_officer"
    } else {
        "hotline_113"
    };
    if let (Some(fid), Some(_)) = (body.facility_id, mine.as_deref()) {
        // Another unit's facility is answered as one that does not exist.
        let visible = state
            .store
            .facility(fid)
            .await?
            .is_some_and(|f| principal.scope.allows(Some(&f.unit_code), &[]));
        if !visible {
            return Err(unprocessable(
                "facility_id",
                format!("không có cơ sở số {fid}"),
            ));
        }
    }
    let form = form_of(&state, body, default_channel, mine.as_deref()).await?;
    // An officer may file into a neighbour's unit (by `unit_code` or by a place that lies
    // there) only as a shared incident: it belongs to that unit, and theirs keeps seeing it.
    let options = store::OpenOptions {
        share_with: mine.filter(|m| form.unit_code.as_deref() != Some(m.as_str())),
        ..Default::default()
    };
    let now = Utc::now();
    let valid = form.validate(now)?;
    let created = state
        .store
        .create_incident_with(valid, &options, &principal.actor(), now)
        .await?;
    count_created(&state, &created.incident);
    // The duplicate hints found now are stored with it; the view shows those the caller sees.
    let view = detail(
        &state,
        &principal,
        StoredIncident {
            incident: created.incident,
            version: created.version,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Queue and search

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (not closed, cancelled or merged), `all` (default), or one status code.
    pub status: Option<String>,
    /// Only incidents this unit sees: its own and those shared with it.
    pub unit: Option<String>,
    /// Only incidents of this facility.
    pub facility: Option<i64>,
    /// Only incidents whose caller had this phone number.
    pub phone: Option<String>,
    /// Only the incident with this number, e.g. `HN-2026-000123`.
    pub number: Option<String>,
    /// Only ids below this one (the next page).
    pub before_id: Option<i64>,
    /// 1 to 500 (default 100; 500 with `status=open`).
    pub limit: Option<i64>,
}

/// Lists incidents, newest first, with the caller's phone masked. A unit officer sees only
/// their unit's incidents and those shared with it.
#[utoipa::path(get, path = "/api/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = [IncidentSummary]), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<IncidentSummary>>> {
    principal.require(&reader_roles())?;
    let filter = list_filter(&principal, q)?;
    let rows = state.store.list_incidents(&filter).await?;
    Ok(Json(
        rows.iter()
            .map(|s| IncidentSummary::of(&s.incident, s.version))
            .collect(),
    ))
}

/// The total of a list of incidents.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentCount {
    /// Every incident the filters find, not only one page of them.
    pub total: i64,
    /// The same total per owning unit, by unit code (`unit_code` null: not assigned yet).
    pub by_unit: Vec<UnitCount>,
}

/// Incidents of one owning unit in a count.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnitCount {
    pub unit_code: Option<String>,
    pub count: i64,
}

/// How many incidents the list with the same filters finds in all (`limit` is ignored): the
/// total a board or a search shows, whatever page of the list it has loaded, and the same
/// per owning unit (the statistics page's map of open incidents).
#[utoipa::path(get, path = "/api/incidents/count", tag = "incidents", params(ListQuery),
    responses((status = 200, body = IncidentCount), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn count(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<IncidentCount>> {
    principal.require(&reader_roles())?;
    let filter = list_filter(&principal, q)?;
    let by_unit: Vec<UnitCount> = state
        .store
        .count_incidents_by_unit(&filter)
        .await?
        .into_iter()
        .map(|(unit_code, count)| UnitCount { unit_code, count })
        .collect();
    let total = by_unit.iter().map(|u| u.count).sum();
    Ok(Json(IncidentCount { total, by_unit }))
}

/// The store filter of a list query, in the caller's scope.
fn list_filter(principal: &Principal, q: ListQuery) -> ApiResult<IncidentFilter> {
    let visible_to_unit = principal.unit_filter(q.unit)?.filter(|u| !u.is_empty());
    let (open_only, status) = match q.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => (false, None),
        Some("open") => (true, None),
        Some(code) => (
            false,
            Some(code.parse::<IncidentStatus>().map_err(|_| {
                ApiError::new(ErrorCode::InvalidQuery, format!("unknown status {code:?}"))
            })?),
        ),
    };
    let caller_phone = match q.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(normalize_phone(p).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidQuery, "phone is not a phone number")
        })?),
        None => None,
    };
    let number = match q.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(
            IncidentNumber::parse(n)
                .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.to_string()))?
                .to_string(),
        ),
        None => None,
    };
    Ok(IncidentFilter {
        open_only,
        status,
        visible_to_unit,
        unit: None,
        facility_id: q.facility,
        caller_phone,
        number,
        before_id: q.before_id,
        // The board loads every open incident at once.
        limit: q.limit.unwrap_or(if open_only { 500 } else { 100 }),
    })
}

/// One incident with its timeline, resources and duplicates.
#[utoipa::path(get, path = "/api/incidents/{id}", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&reader_roles())?;
    let stored = load(&state, &principal, id).await?;
    Ok(Json(detail(&state, &principal, stored).await?))
}

/// One incident by its number, e.g. `HN-2026-000123` (leading zeros may be left out).
#[utoipa::path(get, path = "/api/incidents/by-number/{number}", tag = "incidents",
    params(("number" = String, Path)),
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_by_number(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(number): Path<String>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&reader_roles())?;
    let stored = by_number(&state, &number).await?;
    let id = stored.incident.id.0;
    let stored = load(&state, &principal, id).await?;
    Ok(Json(detail(&state, &principal, stored).await?))
}

// ---------------------------------------------------------------------------------------------
// Changes

/// Applies one command to an incident as `principal` (the incident's own commands: status,
/// notes, classification, casualties, fire report) and answers the incident as it now is.
pub(crate) async fn apply(
    state: &AppState,
    principal: &Principal,
    id: i64,
    command: IncidentCommand,
    version: Option<i64>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&actor_roles())?;
    let stored = state
        .store
        .apply_incident(
            IncidentId(id),
            command,
            version,
            &principal.scope,
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(detail(state, principal, stored).await?))
}

/// A status change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// Target status: verified, false_alarm, dispatched, en_route, on_scene, resolved,
    /// closed, cancelled.
    #[schema(value_type = String)]
    pub to: IncidentStatus,
    /// Required to cancel, to declare a false alarm, to re-verify and to reopen.
    pub reason: Option<String>,
    /// Required to close (except a false alarm): report_taken, arrest_made,
    /// no_action_required, false_alarm, referred, cancelled_by_caller, duplicate,
    /// unable_to_locate, cancelled_prior_to_arrival.
    #[schema(value_type = Option<String>)]
    pub disposition: Option<Disposition>,
    /// The version read; a concurrent change gets 409.
    pub version: Option<i64>,
}

/// Moves an incident to another status. An illegal move answers 409 `illegal_transition`
/// naming the allowed ones; a missing reason or disposition 422.
#[utoipa::path(post, path = "/api/incidents/{id}/transitions", tag = "incidents",
    params(("id" = i64, Path)), request_body = TransitionBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn transition(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<TransitionBody>,
) -> ApiResult<Json<IncidentDetail>> {
    let command = IncidentCommand::Transition {
        to: body.to,
        details: TransitionDetails {
            reason: body.reason,
            disposition: body.disposition,
        },
    };
    apply(&state, &principal, id, command, body.version).await
}

/// A note.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub text: String,
    pub version: Option<i64>,
}

/// Adds a note (also after closing, as follow-up information).
#[utoipa::path(post, path = "/api/incidents/{id}/notes", tag = "incidents",
    params(("id" = i64, Path)), request_body = NoteBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn note(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<NoteBody>,
) -> ApiResult<Json<IncidentDetail>> {
    let command = IncidentCommand::Note { text: body.text };
    apply(&state, &principal, id, command, body.version).await
}

/// A hand-over or a share to a unit.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    pub unit_code: String,
    /// Required for a transfer.
    pub reason: Option<String>,
    pub version: Option<i64>,
}

fn known_unit(state: &AppState, code: &str) -> ApiResult<String> {
    let code = code.trim();
    if state.units.get(code).is_none() {
        return Err(unprocessable(
            "unit_code",
            format!("không có đơn vị mã {code}"),
        ));
    }
    Ok(code.to_owned())
}

/// Hands the incident to another unit (reason required). The old unit stops seeing it.
#[utoipa::path(post, path = "/api/incidents/{id}/transfer", tag = "incidents",
    params(("id" = i64, Path)), request_body = UnitBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn transfer(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<UnitBody>,
) -> ApiResult<Json<IncidentDetail>> {
    let unit = known_unit(&state, &body.unit_code)?;
    let command = IncidentCommand::Transfer {
        unit,
        reason: body.reason.unwrap_or_default(),
    };
    apply(&state, &principal, id, command, body.version).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    /// The address found by search or said by the caller.
    pub address: Option<String>,
    /// A point clicked on the map or shared (with `lon`).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The unit a person picked among the candidates; otherwise the unit of the new location.
    pub unit_code: Option<String>,
    /// Required when the unit changes after a resource was dispatched.
    pub reason: Option<String>,
    pub version: Option<i64>,
}

/// Sets or corrects where the incident is, by address or point, through the same resolver as
/// intake. The unit follows the new location (or the unit picked); when the new place fits
/// several units and none was picked, the unit stays and the candidates are kept. A unit alone
/// (no address, no point) settles the unit of the place as it is. Changing the
/// unit after dispatch needs a `reason`. The timeline records the move.
#[utoipa::path(post, path = "/api/incidents/{id}/location", tag = "incidents",
    params(("id" = i64, Path)), request_body = LocationBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn relocate(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<LocationBody>,
) -> ApiResult<Json<IncidentDetail>> {
    if body.lat.is_some() != body.lon.is_some() {
        return Err(unprocessable("lat", "lat and lon go together"));
    }
    let given = match body
        .unit_code
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(u) => Some(known_unit(&state, u)?),
        None => None,
    };
    let mut location = place(&state, body.lat, body.lon, body.address.as_deref());
    if let Some(unit) = given {
        location.unit_code = Some(unit);
        location.unit_uncertain = false;
    }
    if body.lat.is_some() {
        // A point given here was set by a person on the map.
        location.point_source = Some("map".to_owned());
    }
    let command = IncidentCommand::Relocate {
        location,
        reason: body.reason,
    };
    apply(&state, &principal, id, command, body.version).await
}

/// Lets a neighbouring unit see and support the incident.
#[utoipa::path(post, path = "/api/incidents/{id}/share", tag = "incidents",
    params(("id" = i64, Path)), request_body = UnitBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn share(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<UnitBody>,
) -> ApiResult<Json<IncidentDetail>> {
    let unit = known_unit(&state, &body.unit_code)?;
    let command = IncidentCommand::Share {
        unit,
        reason: body.reason,
    };
    apply(&state, &principal, id, command, body.version).await
}

/// An escalation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    pub reason: Option<String>,
    pub version: Option<i64>,
}

/// Takes the incident up to the city level (the unit keeps it; the city center leads).
#[utoipa::path(post, path = "/api/incidents/{id}/escalate", tag = "incidents",
    params(("id" = i64, Path)), request_body = EscalateBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn escalate(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<EscalateBody>,
) -> ApiResult<Json<IncidentDetail>> {
    let command = IncidentCommand::Escalate {
        reason: body.reason,
    };
    apply(&state, &principal, id, command, body.version).await
}

/// The other incident of a merge or a link, by id or by number.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherBody {
    /// Merge: the duplicate's id.
    pub duplicate_id: Option<i64>,
    /// Merge: the duplicate's number.
    pub duplicate_number: Option<String>,
    /// Link: the related incident's id.
    pub other_id: Option<i64>,
    /// Link: the related incident's number.
    pub other_number: Option<String>,
    pub reason: Option<String>,
}

async fn other_id(
    state: &AppState,
    principal: &Principal,
    id: Option<i64>,
    number: Option<&str>,
    field: &str,
) -> ApiResult<IncidentId> {
    match (id, number.map(str::trim).filter(|n| !n.is_empty())) {
        (Some(id), None) => Ok(IncidentId(id)),
        (None, Some(n)) => {
            let stored = by_number(state, n).await?;
            // Another unit's incident does not exist for a unit officer.
            load(state, principal, stored.incident.id.0).await?;
            Ok(stored.incident.id)
        }
        _ => Err(unprocessable(
            field,
            "cần đúng một trong hai: số hiệu (id) hoặc mã vụ việc (number)",
        )),
    }
}

/// Merges a duplicate into this incident: the duplicate becomes `merged`, this one keeps both
/// histories, notes, signals and active resources. Body: `duplicate_id` or `duplicate_number`.
#[utoipa::path(post, path = "/api/incidents/{id}/merge", tag = "incidents",
    params(("id" = i64, Path)), request_body = OtherBody,
    responses((status = 200, body = MergeAnswer), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn merge(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<OtherBody>,
) -> ApiResult<Json<MergeAnswer>> {
    principal.require(&actor_roles())?;
    let dup = other_id(
        &state,
        &principal,
        body.duplicate_id,
        body.duplicate_number.as_deref(),
        "duplicate_id",
    )
    .await?;
    let (survivor, merged) = state
        .store
        .merge_incidents(
            IncidentId(id),
            dup,
            body.reason,
            &principal.scope,
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(MergeAnswer {
        incident: detail(&state, &principal, survivor).await?,
        merged: IncidentSummary::of(&merged.incident, merged.version),
    }))
}

/// Links a related incident (both ways, without merging). Body: `other_id` or
/// `other_number`.
#[utoipa::path(post, path = "/api/incidents/{id}/links", tag = "incidents",
    params(("id" = i64, Path)), request_body = OtherBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn link(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<OtherBody>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&actor_roles())?;
    let other = other_id(
        &state,
        &principal,
        body.other_id,
        body.other_number.as_deref(),
        "other_id",
    )
    .await?;
    let (this, _) = state
        .store
        .link_incidents(
            IncidentId(id),
            other,
            &principal.scope,
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(detail(&state, &principal, this).await?))
}

// ---------------------------------------------------------------------------------------------
// Dispatch

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecommendQuery {
    /// Also list busy and off-duty resources, each with why it cannot be sent.
    pub all: Option<bool>,
    /// At most this many lines (default 20).
    pub limit: Option<usize>,
}

/// Where a recommendation's distances are measured to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OriginView {
    /// `incident`, `resolved_point`, `unit_centre` or `none`.
    pub source: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub note_vi: String,
    pub note_en: String,
}

/// How the arrival estimates were made.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EstimateView {
    /// Always `straight_line_detour`: straight line × detour factor ÷ speed, plus turnout.
    pub method: String,
    pub detour_factor: f64,
    pub speed_kmh: f64,
    /// `urban` or `rural`.
    pub area: String,
    pub note_vi: String,
    pub note_en: String,
}

/// The answer to "who goes" for one incident.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecommendationsView {
    pub incident_id: i64,
    /// The incident version read (send it back with the dispatch).
    pub version: i64,
    /// The response plan chosen for the incident.
    pub plan: crate::api::response_plans::SelectedPlanView,
    /// Each plan line and how it is filled (`kind`, `needed`, `assigned`, `resource_ids`,
    /// `missing`, `missing_vi`, `missing_en`).
    pub lines: Vec<domain::incident::PlanFill>,
    /// The resources that fill the plan: dispatch them in one action.
    pub plan_resource_ids: Vec<i64>,
    /// What the plan lacks now (`kind`, `missing`, `text_vi`, `text_en`).
    pub shortfalls: Vec<domain::incident::Shortfall>,
    pub origin: OriginView,
    pub estimate: EstimateView,
    /// The plan's resources first, then extras by estimated arrival, then (with `all`) those
    /// that cannot be sent. Each with `eta_s`, `eta_vi`, `role`, `reason_vi`, `name`, `station`.
    pub recommendations: Vec<RecommendationLine>,
    /// Extras left out by `limit`.
    pub extras_left_out: usize,
    /// Kept for older clients: `estimate`.
    pub method: String,
    pub note: String,
}

/// One resource recommended, with its name and station.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecommendationLine {
    #[serde(flatten)]
    pub recommendation: domain::incident::Recommendation,
    pub name: Option<String>,
    pub station: Option<String>,
}

/// Who goes: the incident's response plan (by type, sub-type, priority and the facility's
/// kind and floors) filled line by line with the available resources estimated to arrive
/// first, what is missing ("thiếu 1 xe thang"), then other useful resources. Arrival times are
/// estimates (straight line × detour ÷ speed for the area and hour, plus turnout), always
/// labelled so; without coordinates the unit's centre is used and said.
#[utoipa::path(get, path = "/api/incidents/{id}/recommendations", tag = "incidents",
    params(("id" = i64, Path), RecommendQuery),
    responses((status = 200, body = RecommendationsView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn recommendations(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(q): Query<RecommendQuery>,
) -> ApiResult<Json<RecommendationsView>> {
    principal.require(&reader_roles())?;
    let stored = load(&state, &principal, id).await?;
    // Only the available ones can fill the plan; the rest are read when asked for.
    let filter = store::ResourceFilter {
        status: (!q.all.unwrap_or(false)).then_some(domain::incident::ResourceStatus::Available),
        ..Default::default()
    };
    let records: Vec<store::ResourceRecord> = state
        .store
        .list_resources(&filter)
        .await?
        .into_iter()
        .filter(|r| {
            // A unit officer sends only their own unit's patrols.
            principal.scope.unit().is_none() || r.owner_unit.as_deref() == principal.scope.unit()
        })
        .collect();
    let resources: Vec<domain::incident::Resource> =
        records.iter().map(|r| r.resource.clone()).collect();
    let opts = RecommendOptions {
        include_unavailable: q.all.unwrap_or(false),
        limit: Some(q.limit.unwrap_or(20).clamp(1, 200)),
        ..RecommendOptions::default()
    };
    let now = Utc::now();
    let (book_version, ctx) =
        crate::api::response_plans::context_for(&state, &stored.incident).await?;
    let rec = recommend_plan(&stored.incident, &resources, &ctx, now, &opts);
    let lines: Vec<RecommendationLine> = rec
        .recommendations
        .iter()
        .map(|r| {
            let record = records.iter().find(|x| x.resource.id == r.resource_id);
            RecommendationLine {
                recommendation: r.clone(),
                name: record.map(|x| x.name.clone()),
                station: record.and_then(|x| x.station.clone()),
            }
        })
        .collect();
    let (origin_vi, origin_en) = rec.origin.note();
    let (estimate_vi, estimate_en) = ctx.travel.describe(ctx.area, now);
    Ok(Json(RecommendationsView {
        incident_id: id,
        version: stored.version,
        plan: crate::api::response_plans::SelectedPlanView::new(&rec.plan, book_version),
        lines: rec.lines,
        plan_resource_ids: rec.plan_resource_ids,
        shortfalls: rec.shortfalls,
        origin: OriginView {
            source: code_of(&rec.origin.source),
            lat: rec.origin.point.map(|p| p.lat),
            lon: rec.origin.point.map(|p| p.lon),
            note_vi: origin_vi,
            note_en: origin_en,
        },
        estimate: EstimateView {
            method: "straight_line_detour".into(),
            detour_factor: ctx.travel.detour_factor,
            speed_kmh: ctx.travel.speed_kmh(ctx.area, now),
            area: code_of(&ctx.area),
            note_vi: estimate_vi.clone(),
            note_en: estimate_en,
        },
        recommendations: lines,
        extras_left_out: rec.extras_left_out,
        method: "estimate".into(),
        note: estimate_vi,
    }))
}

/// The serde code of a unit-like enum (`"unit_centre"`).
fn code_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Resources to send.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    pub resource_id: Option<i64>,
    pub resource_ids: Option<Vec<i64>>,
    /// The incident version read; a concurrent change gets 409.
    pub version: Option<i64>,
}

/// Sends resources to the incident, all or none. A resource already taken (by another
/// dispatcher, or on another incident) answers 409 `resource_unavailable`; the first dispatch
/// moves a received or verified incident to `dispatched`.
#[utoipa::path(post, path = "/api/incidents/{id}/dispatch", tag = "incidents",
    params(("id" = i64, Path)), request_body = DispatchBody,
    responses((status = 200, body = DispatchAnswer), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn dispatch(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<DispatchBody>,
) -> ApiResult<Json<DispatchAnswer>> {
    principal.require(&actor_roles())?;
    let mut ids: Vec<i64> = body.resource_ids.unwrap_or_default();
    ids.extend(body.resource_id);
    if ids.len() > MAX_DISPATCH {
        return Err(unprocessable(
            "resource_ids",
            format!("tối đa {MAX_DISPATCH} lực lượng mỗi lần điều động"),
        ));
    }
    let before = load(&state, &principal, id).await?;
    let (stored, records) = state
        .store
        .dispatch_resources(
            IncidentId(id),
            &ids,
            body.version,
            &principal.scope,
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    let times = &stored.incident.times;
    if let (None, Some(at)) = (before.incident.times.dispatched, times.dispatched) {
        let secs = (at - times.received).num_milliseconds().max(0) as f64 / 1000.0;
        state.metrics.observe(
            "binhyen_incident_time_to_dispatch_seconds",
            &[("priority", &stored.incident.priority.number().to_string())],
            secs,
        );
    }
    Ok(Json(DispatchAnswer {
        incident: detail(&state, &principal, stored).await?,
        resources: records.iter().map(ResourceView::of).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Exports

/// The incident as an OASIS CAP 1.2 alert (`application/cap+xml`), with a Vietnamese and an
/// English `info` block. Never carries the caller's name or phone.
#[utoipa::path(get, path = "/api/incidents/{id}/cap", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = String, content_type = "application/cap+xml"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn cap_xml(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    principal.require(&reader_roles())?;
    let stored = load(&state, &principal, id).await?;
    let opts = cap::CapOptions::new(
        CAP_SENDER,
        "Trung tâm Thông tin chỉ huy Công an thành phố Hà Nội",
        "Hanoi Police Command Information Center",
    );
    let xml = cap::incident_to_cap(&stored.incident, &opts, Utc::now())?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/cap+xml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}-cap.xml\"", stored.incident.number),
            ),
        ],
        xml,
    )
        .into_response())
}

/// The incident as a NENA EIDO JSON document for exchange with another center: caller,
/// location, units, resources and the timeline. A leader gets it without the caller.
#[utoipa::path(get, path = "/api/incidents/{id}/eido", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = crate::api::incident_view::EidoDocument), (status = 404, body = crate::error::ErrorBody)))]
pub async fn eido_json(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    principal.require(&reader_roles())?;
    let StoredIncident { mut incident, .. } = load(&state, &principal, id).await?;
    incident.history = state.store.incident_timeline(&incident).await?;
    if !sees_caller(&principal) {
        incident.caller = Default::default();
    }
    let resources: Vec<domain::incident::Resource> = state
        .store
        .incident_resources(incident.id)
        .await?
        .into_iter()
        .map(|r| r.resource)
        .collect();
    let opts = eido::EidoOptions::new(EIDO_AGENCY, EIDO_ELEMENT);
    let doc = eido::incident_to_eido(&incident, &resources, &opts);
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}-eido.json\"", incident.number),
        )],
        Json(doc),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Overdue timer

/// Starts the overdue check until `stop` turns true: every [`OVERDUE_EVERY`], each open
/// incident past a service-level target (verify, dispatch, on scene) is flagged once on the
/// live feed as `incident.overdue`. Safe on several nodes: the store flags each stage once.
pub fn spawn_overdue_timer(state: Arc<AppState>, mut stop: tokio::sync::watch::Receiver<bool>) {
    state.metrics.describe(
        "binhyen_incidents_created_total",
        "Incidents opened, by intake channel.",
    );
    state.metrics.describe(
        "binhyen_incident_time_to_dispatch_seconds",
        "Time from receipt to the first dispatch, by priority.",
    );
    state.metrics.describe(
        "binhyen_incidents_overdue_total",
        "Service-level targets passed (each incident and stage counted once).",
    );
    state.metrics.describe(
        "binhyen_public_reports_total",
        "Public web reports by result: created or rate_limited.",
    );
    state.metrics.describe(
        "binhyen_feed_connections_total",
        "Live-feed connections opened (WebSocket and SSE).",
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(OVERDUE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = crate::api::feed::stopped(&mut stop) => break,
                _ = tick.tick() => {
                    match state.store.flag_overdue(&state.cad.targets, Utc::now()).await {
                        Ok(changes) if !changes.is_empty() => {
                            state.metrics.count(
                                "binhyen_incidents_overdue_total",
                                &[],
                                changes.len() as u64,
                            );
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "overdue check failed"),
                    }
                }
            }
        }
    });
}

/// The incident routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/incidents", get(list).post(create))
        .route("/api/incidents/count", get(count))
        .route("/api/incidents/by-number/{number}", get(get_by_number))
        .route("/api/incidents/{id}", get(get_one))
        .route("/api/incidents/{id}/transitions", post(transition))
        .route("/api/incidents/{id}/notes", post(note))
        .route("/api/incidents/{id}/transfer", post(transfer))
        .route("/api/incidents/{id}/location", post(relocate))
        .route("/api/incidents/{id}/share", post(share))
        .route("/api/incidents/{id}/escalate", post(escalate))
        .route("/api/incidents/{id}/merge", post(merge))
        .route("/api/incidents/{id}/links", post(link))
        .route("/api/incidents/{id}/recommendations", get(recommendations))
        .route("/api/incidents/{id}/dispatch", post(dispatch))
        .route("/api/incidents/{id}/cap", get(cap_xml))
        .route("/api/incidents/{id}/eido", get(eido_json))
}

/// The incident paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    count,
    get_one,
    get_by_number,
    transition,
    note,
    transfer,
    relocate,
    share,
    escalate,
    merge,
    link,
    recommendations,
    dispatch,
    cap_xml,
    eido_json
))]
pub struct Doc;
