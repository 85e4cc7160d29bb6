//! Facilities (cơ sở) over HTTP: premises with an alarm transmitter — name, address,
//! coordinates, the responsible unit (from the jurisdiction, overridable with a reason), kind,
//! floors, contacts and responder notes — with CSV import, their signals and their troubles.
//!
//! Access: admin and operator write everything; a unit officer reads and edits its own unit's
//! facilities (and cannot move one to another unit); a leader reads everything.

use crate::api::spooled_csv::{LineShift, SpooledCsv};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::access::Role;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{Facility, FacilityContact, FacilityFilter, FacilityInput, TroubleFilter};

/// Largest CSV file accepted by the imports.
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// The body of a CSV import, at most [`IMPORT_LIMIT`] bytes of UTF-8. A larger file is
/// refused with 413 `body_too_large` naming the limit, before it is read whole.
pub struct ImportBody(pub String);

impl<S: Send + Sync> axum::extract::FromRequest<S> for ImportBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match String::from_request(req, state).await {
            Ok(body) => Ok(ImportBody(body)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                ErrorCode::BodyTooLarge,
                format!(
                    "an import file may be at most {} MiB; split it into several files",
                    IMPORT_LIMIT / (1024 * 1024)
                ),
            )),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidBody, e.body_text())),
        }
    }
}

/// Facility kinds: code, Vietnamese label, English label.
pub const KINDS: [(&str, &str, &str); 10] = [
    ("apartment_building", "Chung cư", "Apartment building"),
    ("market", "Chợ / trung tâm thương mại", "Market"),
    ("karaoke_bar", "Karaoke / quán bar", "Karaoke / bar"),
    ("hospital", "Bệnh viện", "Hospital"),
    ("school", "Trường học", "School"),
    ("factory", "Nhà xưởng / cơ sở sản xuất", "Factory"),
    ("warehouse", "Kho hàng", "Warehouse"),
    ("boarding_house", "Nhà trọ / ký túc xá", "Boarding house"),
    ("office", "Văn phòng / trụ sở", "Office"),
    ("other", "Khác", "Other"),
];

/// The kind code for a code or a label in either language (diacritics and case ignored).
pub fn parse_kind(text: &str) -> Option<&'static str> {
    let folded = domain::text::fold(text.trim());
    KINDS.iter().find_map(|(code, vi, en)| {
        (folded == *code
            || folded == domain::text::fold(vi)
            || folded == domain::text::fold(en)
            || folded.replace(' ', "_") == *code)
            .then_some(*code)
    })
}

fn kind_labels(code: &str) -> (&'static str, &'static str) {
    KINDS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(("Khác", "Other"), |(_, vi, en)| (*vi, *en))
}

/// A contact as the API takes and shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub role: Option<String>,
    /// E-mail address (optional); masked like the phone for roles that see callers masked.
    #[serde(default)]
    pub email: Option<String>,
}

/// A facility as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacilityView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub unit_code: String,
    pub unit_name: Option<String>,
    /// Why the unit differs from the one the coordinates fall in.
    pub unit_override_reason: Option<String>,
    /// One of apartment_building, market, karaoke_bar, hospital, school, factory, warehouse,
    /// boarding_house, office, other.
    pub kind: String,
    pub kind_label: String,
    pub kind_label_en: String,
    pub floors: Option<i64>,
    pub contacts: Vec<ContactBody>,
    pub hazards: Option<String>,
    pub water_sources: Option<String>,
    pub access_notes: Option<String>,
    /// Send it back in PATCH: a concurrent edit gets 409.
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// A facility as `principal` may see it: contacts' phones are masked for those who see a
/// caller's phone masked.
pub(crate) fn view(state: &AppState, principal: &Principal, f: &Facility) -> FacilityView {
    let full = crate::api::incidents::sees_caller(principal);
    let (vi, en) = kind_labels(&f.kind);
    FacilityView {
        id: f.id,
        name: f.name.clone(),
        address: f.address.clone(),
        lat: f.lat,
        lon: f.lon,
        unit_code: f.unit_code.clone(),
        unit_name: state.units.get(&f.unit_code).map(|u| u.full_name.clone()),
        unit_override_reason: f.unit_override_reason.clone(),
        kind: f.kind.clone(),
        kind_label: vi.to_owned(),
        kind_label_en: en.to_owned(),
        floors: f.floors,
        contacts: f
            .contacts
            .iter()
            .map(|c| ContactBody {
                name: c.name.clone(),
                phone: if full {
                    c.phone.clone()
                } else {
                    domain::incident::masked_phone(&c.phone)
                },
                role: c.role.clone(),
                email: c.email.as_deref().map(
                    |e| {
                        if full {
                            e.to_owned()
                        } else {
                            masked_email(e)
                        }
                    },
                ),
            })
            .collect(),
        hazards: f.hazards.clone(),
        water_sources: f.water_sources.clone(),
        access_notes: f.access_notes.clone(),
        version: f.version,
        created_at: f.created_at,
        updated_at: f.updated_at,
    }
}

/// An e-mail address with its local part hidden but its first letter: "b***@toanha.vn".
pub(crate) fn masked_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// A plausible e-mail address, trimmed: one `@`, a local part, a domain with a dot, no spaces,
/// at most 254 characters. (Whether it receives mail only sending can tell.)
fn email_address(text: &str) -> Option<String> {
    let e = text.trim();
    let (local, domain) = e.split_once('@')?;
    let ok = e.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| e.to_owned())
}

/// A new facility.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFacility {
    pub name: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// A kind code or its label.
    pub kind: String,
    pub floors: Option<i64>,
    #[serde(default)]
    pub contacts: Vec<ContactBody>,
    pub hazards: Option<String>,
    pub water_sources: Option<String>,
    pub access_notes: Option<String>,
    /// The responsible unit, when it is not the one the coordinates fall in (then give
    /// `unit_override_reason`), or when there are no coordinates.
    pub unit_code: Option<String>,
    pub unit_override_reason: Option<String>,
}

/// A change to a facility: only the fields given change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilityPatch {
    /// The version read; a concurrent edit gets 409.
    pub version: i64,
    pub name: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub kind: Option<String>,
    pub floors: Option<i64>,
    pub contacts: Option<Vec<ContactBody>>,
    pub hazards: Option<String>,
    pub water_sources: Option<String>,
    pub access_notes: Option<String>,
    pub unit_code: Option<String>,
    pub unit_override_reason: Option<String>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn text_field(
    problems: &mut Vec<FieldProblem>,
    field: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let v = domain::text::tidy(value);
    if v.is_empty() {
        problems.push(problem(field, "required"));
        None
    } else if v.chars().count() > max {
        problems.push(problem(field, format!("at most {max} characters")));
        None
    } else {
        Some(v)
    }
}

fn optional_text(
    problems: &mut Vec<FieldProblem>,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Option<String> {
    let v = domain::text::tidy(value.as_deref()?);
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max {
        problems.push(problem(field, format!("at most {max} characters")));
    }
    Some(v)
}

/// Checks a facility and resolves its unit from its coordinates (or the override).
pub fn validate_facility(
    state: &AppState,
    f: &NewFacility,
) -> Result<FacilityInput, Vec<FieldProblem>> {
    let mut p = Vec::new();
    let name = text_field(&mut p, "name", &f.name, 200);
    let address = text_field(&mut p, "address", &f.address, 500);
    let kind = match parse_kind(&f.kind) {
        Some(k) => Some(k),
        None => {
            p.push(problem(
                "kind",
                format!(
                    "unknown kind {:?}; use one of {}",
                    f.kind,
                    KINDS.map(|k| k.0).join(", ")
                ),
            ));
            None
        }
    };
    if let Some(floors) = f.floors {
        if !(0..=200).contains(&floors) {
            p.push(problem("floors", "must be 0 to 200"));
        }
    }
    let mut contacts = Vec::new();
    if f.contacts.len() > 20 {
        p.push(problem("contacts", "at most 20 contacts"));
    }
    for (i, c) in f.contacts.iter().enumerate() {
        let field = format!("contacts[{i}]");
        let name = text_field(&mut p, &format!("{field}.name"), &c.name, 100);
        let phone = match domain::incident::normalize_phone(&c.phone) {
            Some(phone) => Some(phone),
            None => {
                p.push(problem(&format!("{field}.phone"), "not a phone number"));
                None
            }
        };
        let role = optional_text(&mut p, &format!("{field}.role"), &c.role, 100);
        let email = match c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => {
                let email = email_address(e);
                if email.is_none() {
                    p.push(problem(&format!("{field}.email"), "not an e-mail address"));
                }
                email
            }
        };
        if let (Some(name), Some(phone)) = (name, phone) {
            contacts.push(FacilityContact {
                name,
                phone,
                role,
                email,
            });
        }
    }
    let hazards = optional_text(&mut p, "hazards", &f.hazards, 2000);
    let water_sources = optional_text(&mut p, "water_sources", &f.water_sources, 2000);
    let access_notes = optional_text(&mut p, "access_notes", &f.access_notes, 2000);
    let reason = optional_text(&mut p, "unit_override_reason", &f.unit_override_reason, 500);
    let located: Option<Option<String>> = match (f.lat, f.lon) {
        (Some(lat), Some(lon)) => match state.units.locate(lat, lon) {
            Ok(loc) => Some(loc.unit().map(|u| u.code.clone())),
            Err(e) => {
                p.push(problem("lat", e.to_string()));
                None
            }
        },
        (None, None) => None,
        _ => {
            p.push(problem("lon", "give both lat and lon, or neither"));
            None
        }
    };
    let given = f
        .unit_code
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if let Some(u) = given {
        if state.units.get(u).is_none() {
            p.push(problem("unit_code", format!("unknown unit {u}")));
        }
    }
    let (unit_code, override_reason) = match (located, given) {
        (Some(Some(found)), None) => (Some(found), None),
        (Some(Some(found)), Some(u)) if u == found => (Some(found), None),
        (Some(_), Some(u)) => {
            if reason.is_none() {
                p.push(problem(
                    "unit_override_reason",
                    "the coordinates fall in another unit (or outside the city): say why this unit is responsible",
                ));
            }
            (Some(u.to_owned()), reason)
        }
        (Some(None), None) => {
            p.push(problem(
                "unit_code",
                "the coordinates are outside the city: give the responsible unit and a reason",
            ));
            (None, None)
        }
        (None, Some(u)) => (Some(u.to_owned()), reason),
        (None, None) => {
            if f.lat.is_none() && f.lon.is_none() {
                p.push(problem(
                    "unit_code",
                    "give coordinates (lat, lon) or the responsible unit",
                ));
            }
            (None, None)
        }
    };
    match (name, address, kind, unit_code) {
        (Some(name), Some(address), Some(kind), Some(unit_code)) if p.is_empty() => {
            Ok(FacilityInput {
                name,
                address,
                lat: f.lat,
                lon: f.lon,
                unit_code,
                unit_override_reason: override_reason,
                kind: kind.to_owned(),
                floors: f.floors,
                contacts,
                hazards,
                water_sources,
                access_notes,
            })
        }
        _ => Err(p),
    }
}

/// 422 with every field problem.
pub fn invalid(problems: Vec<FieldProblem>) -> ApiError {
    let message = problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::new(ErrorCode::InvalidField, message)
}

/// Creates a facility.
#[utoipa::path(post, path = "/api/facilities", tag = "facilities", request_body = NewFacility,
    responses((status = 201, body = FacilityView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewFacility>,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin, Role::Operator])?;
    let input = validate_facility(&state, &body).map_err(invalid)?;
    let created = state
        .store
        .create_facilities(&[input], &principal.actor(), Utc::now())
        .await?;
    let f = created
        .first()
        .ok_or_else(|| ApiError::internal("facility not returned"))?;
    Ok((StatusCode::CREATED, Json(view(&state, &principal, f))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this unit's facilities (a unit officer always sees only its own).
    pub unit: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only ids above this one (paging).
    pub after_id: Option<i64>,
    /// 1 to 1000 (default 100).
    pub limit: Option<i64>,
}

fn reader_roles() -> [Role; 4] {
    [Role::Admin, Role::Operator, Role::UnitOfficer, Role::Leader]
}

/// Lists facilities.
#[utoipa::path(get, path = "/api/facilities", tag = "facilities", params(ListQuery),
    responses((status = 200, body = [FacilityView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<FacilityView>>> {
    principal.require(&reader_roles())?;
    let unit = principal.unit_filter(q.unit)?;
    let kind = match q.kind.as_deref() {
        Some(k) => Some(
            parse_kind(k)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "unknown kind"))?
                .to_owned(),
        ),
        None => None,
    };
    let rows = state
        .store
        .list_facilities(&FacilityFilter {
            unit_code: unit,
            kind,
            after_id: q.after_id,
            limit: q.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(
        rows.iter().map(|f| view(&state, &principal, f)).collect(),
    ))
}

pub(crate) async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Facility> {
    let f = state
        .store
        .facility(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("facility {id} not found")))?;
    // Another unit's facility answers as absent: a 403 would confirm that it exists.
    if !principal.scope.allows(Some(&f.unit_code), &[]) {
        return Err(ApiError::not_found(format!("facility {id} not found")));
    }
    Ok(f)
}

/// One facility.
#[utoipa::path(get, path = "/api/facilities/{id}", tag = "facilities", params(("id" = i64, Path)),
    responses((status = 200, body = FacilityView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<FacilityView>> {
    principal.require(&reader_roles())?;
    let f = load(&state, &principal, id).await?;
    Ok(Json(view(&state, &principal, &f)))
}

/// Changes a facility. A unit officer may edit its own unit's facilities but not hand them
/// to another unit.
#[utoipa::path(patch, path = "/api/facilities/{id}", tag = "facilities", params(("id" = i64, Path)),
    request_body = FacilityPatch,
    responses((status = 200, body = FacilityView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn patch(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<FacilityPatch>,
) -> ApiResult<Json<FacilityView>> {
    principal.require(&[Role::Admin, Role::Operator, Role::UnitOfficer])?;
    let f = load(&state, &principal, id).await?;
    let moved = body.lat.is_some() || body.lon.is_some();
    let merged = NewFacility {
        name: body.name.unwrap_or(f.name.clone()),
        address: body.address.unwrap_or(f.address.clone()),
        lat: body.lat.or(f.lat),
        lon: body.lon.or(f.lon),
        kind: body.kind.unwrap_or(f.kind.clone()),
        floors: body.floors.or(f.floors),
        contacts: body.contacts.unwrap_or_else(|| {
            f.contacts
                .iter()
                .map(|c| ContactBody {
                    name: c.name.clone(),
                    phone: c.phone.clone(),
                    role: c.role.clone(),
                    email: c.email.clone(),
                })
                .collect()
        }),
        hazards: body.hazards.or(f.hazards.clone()),
        water_sources: body.water_sources.or(f.water_sources.clone()),
        access_notes: body.access_notes.or(f.access_notes.clone()),
        // A kept override stays unless the facility moves or a new unit is given.
        unit_code: body.unit_code.clone().or_else(|| {
            (!moved && (f.unit_override_reason.is_some() || f.lat.is_none()))
                .then(|| f.unit_code.clone())
        }),
        unit_override_reason: body
            .unit_override_reason
            .or_else(|| (!moved).then(|| f.unit_override_reason.clone()).flatten()),
    };
    let input = validate_facility(&state, &merged).map_err(invalid)?;
    if principal.user.role == Role::UnitOfficer && input.unit_code != f.unit_code {
        return Err(ApiError::forbidden(
            "a unit officer cannot hand a facility to another unit",
        ));
    }
    let updated = state
        .store
        .update_facility(id, body.version, &input, &principal.actor(), Utc::now())
        .await?;
    Ok(Json(view(&state, &principal, &updated)))
}

/// A stored alarm signal as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignalView {
    pub id: i64,
    pub device_id: i64,
    pub received_at: chrono::DateTime<Utc>,
    pub code: String,
    pub category: String,
    pub family: String,
    pub restore: bool,
    pub zone: Option<String>,
    pub text: Option<String>,
    pub meaning: String,
    /// pending, done or none.
    pub state: String,
    pub incident_id: Option<i64>,
}

/// The latest alarm signals of a facility (alarms, troubles, restores; routine periodic tests
/// are left out, the device's `last_seen_at` says when it last reported).
#[utoipa::path(get, path = "/api/facilities/{id}/signals", tag = "facilities", params(("id" = i64, Path)),
    responses((status = 200, body = [SignalView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn signals(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<SignalView>>> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    let rows = state.store.facility_signals(id, 200).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SignalView {
                id: s.id,
                device_id: s.device_id,
                received_at: s.received_at,
                code: s.code,
                category: s.category,
                family: s.family,
                restore: s.restore,
                zone: s.zone,
                text: s.text,
                meaning: s.meaning_vi,
                state: s.state,
                incident_id: s.incident_id,
            })
            .collect(),
    ))
}

/// A facility trouble as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TroubleView {
    pub id: i64,
    pub facility_id: i64,
    pub device_id: i64,
    pub unit_code: String,
    /// device_offline, fire_trouble, fire_supervisory, ac_loss, low_battery, communication,
    /// other_trouble.
    pub kind: String,
    pub kind_label: String,
    pub zone: String,
    pub code: Option<String>,
    pub detail: String,
    pub opened_at: chrono::DateTime<Utc>,
    pub cleared_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TroubleQuery {
    pub unit: Option<String>,
    pub facility_id: Option<i64>,
    /// Only troubles not yet cleared (default true).
    pub open: Option<bool>,
    pub limit: Option<i64>,
}

/// Facility troubles (device offline, fire trouble, power, battery, communication), newest
/// first.
#[utoipa::path(get, path = "/api/facilities/troubles", tag = "facilities", params(TroubleQuery),
    responses((status = 200, body = [TroubleView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn troubles(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<TroubleQuery>,
) -> ApiResult<Json<Vec<TroubleView>>> {
    principal.require(&reader_roles())?;
    let unit = principal.unit_filter(q.unit)?;
    let rows = state
        .store
        .list_troubles(&TroubleFilter {
            unit_code: unit,
            facility_id: q.facility_id,
            open_only: q.open.unwrap_or(true),
            limit: q.limit.unwrap_or(200),
        })
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TroubleView {
                kind_label: crate::receiver::actions::trouble_label_vi(&t.kind).to_owned(),
                id: t.id,
                facility_id: t.facility_id,
                device_id: t.device_id,
                unit_code: t.unit_code,
                kind: t.kind,
                zone: t.zone,
                code: t.code,
                detail: t.detail,
                opened_at: t.opened_at,
                cleared_at: t.cleared_at,
            })
            .collect(),
    ))
}

/// How a CSV import treats bad rows.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ImportMode {
    /// Write nothing unless every row is valid (default).
    All,
    /// Write the valid rows and report the others.
    ValidOnly,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `all` (default) or `valid-only`.
    pub mode: Option<ImportMode>,
}

/// One refused CSV row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Line number in the file (the header is line 1); 0 for a GeoJSON import, which gives
    /// `feature` instead.
    pub line: u64,
    /// A GeoJSON import's feature, by its position in `features` (from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Rows written.
    pub created: usize,
    /// Ids of the rows written, in file order.
    pub ids: Vec<i64>,
    /// Rows refused, by line.
    pub errors: Vec<RowError>,
}

/// The answer to an import: 201 with the report, or 422 listing every bad row when nothing
/// was written.
pub fn import_response(report: ImportReport) -> Response {
    if report.created == 0 && !report.errors.is_empty() {
        return refused(report.errors);
    }
    (StatusCode::CREATED, Json(report)).into_response()
}

/// 422 `invalid_rows` listing every bad row: nothing was written.
pub fn refused(errors: Vec<RowError>) -> Response {
    let body = serde_json::json!({
        "error": {
            "code": "invalid_rows",
            "message": format!("{} row(s) are invalid; nothing was written", errors.len()),
            "rows": errors,
        }
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// CSV rows by line number, each as its header → value map.
type CsvRows = Vec<(u64, std::collections::HashMap<String, String>)>;

/// Reads CSV text into header-keyed rows with their line numbers; a malformed file is one
/// error at its line.
pub fn read_csv(text: &str, required: &[&str]) -> Result<CsvRows, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(vec![RowError {
                feature: None,
                line: 1,
                field: None,
                message: format!("cannot read the header: {e}"),
            }])
        }
    };
    let missing: Vec<&str> = required
        .iter()
        .filter(|r| !headers.iter().any(|h| h == *r))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(vec![RowError {
            feature: None,
            line: 1,
            field: None,
            message: format!("missing column(s): {}", missing.join(", ")),
        }]);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                let map = headers
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_owned))
                    .collect();
                rows.push((line, map));
            }
            Err(e) => errors.push(RowError {
                feature: None,
                line: e.position().map_or(0, |p| p.line()),
                field: None,
                message: format!("malformed row: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// A cell, `None` when empty or absent.
pub fn cell(row: &std::collections::HashMap<String, String>, name: &str) -> Option<String> {
    row.get(name).filter(|v| !v.is_empty()).cloned()
}

fn parse_contacts(text: &str) -> Result<Vec<ContactBody>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            let parts: Vec<&str> = c.split('|').map(str::trim).collect();
            match parts.as_slice() {
                [name, phone, rest @ ..] if rest.len() <= 2 => Ok(ContactBody {
                    name: (*name).to_owned(),
                    phone: (*phone).to_owned(),
                    role: rest
                        .first()
                        .filter(|r| !r.is_empty())
                        .map(|r| (*r).to_owned()),
                    email: rest
                        .get(1)
                        .filter(|e| !e.is_empty())
                        .map(|e| (*e).to_owned()),
                }),
                _ => Err(format!("contact {c:?} is not name|phone|role|email")),
            }
        })
        .collect()
}

fn number<T: std::str::FromStr>(
    row: &std::collections::HashMap<String, String>,
    name: &str,
    line: u64,
    errors: &mut Vec<RowError>,
) -> Option<T> {
    let text = cell(row, name)?;
    match text.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(RowError {
                feature: None,
                line,
                field: Some(name.to_owned()),
                message: format!("{text:?} is not a number"),
            });
            None
        }
    }
}

/// Imports facilities from CSV with the columns `name, address, lat, lon, kind, floors,
/// unit_code, unit_override_reason, contacts (name|phone|role|email; …), hazards, water_sources,
/// access_notes`. Every bad row is reported by line; with `mode=all` a file with errors writes
/// nothing.
///
/// The file is spooled to disk and read slice by slice, twice: a first pass checks every row
/// (and counts the good ones), the second writes them in short transactions that give way to
/// the alarm writer, all or nothing. Memory stays at one slice whatever the file's size. The
/// writing runs as a task of its own, so a client that hangs up midway leaves no half import.
#[utoipa::path(post, path = "/api/facilities/import", tag = "facilities", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportReport), (status = 422, body = Object),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    csv: SpooledCsv,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin, Role::Operator])?;
    import_slices::<FacilityRows>(state, principal, q.mode.unwrap_or(ImportMode::All), csv).await
}

/// The rows of one slice that can be stored, and the refused rows by line; `Err` when the
/// slice cannot be read as CSV at all (a missing column, a malformed record).
pub(crate) type SliceRows<T> = (Vec<T>, Result<Vec<RowError>, Vec<RowError>>);

/// How an import checks its file, slice after slice (what it learnt of the file carries over
/// from one slice to the next), and what follows once every row is written.
pub(crate) trait SliceCheck: Default + Send + 'static {
    type Row: store::ImportRow + 'static;

    fn check(
        &mut self,
        state: &AppState,
        slice: (String, LineShift),
    ) -> impl std::future::Future<Output = ApiResult<SliceRows<Self::Row>>> + Send;

    /// The answer when writing failed (the import is undone by then).
    fn write_failed(e: store::StoreError) -> ApiError {
        e.into()
    }

    /// After the whole import is written (`ids` in row order).
    fn written(
        _state: &AppState,
        _ids: &[i64],
    ) -> impl std::future::Future<Output = ApiResult<()>> + Send {
        async { Ok(()) }
    }
}

/// A facility or device CSV import, slice by slice (the file is spooled to disk), in two
/// passes: the first checks every row and counts the good ones (with `mode=all` one bad row
/// writes nothing), the second writes the good ones through a [`store::BulkImport`], all or
/// nothing. The writing runs as a task of its own, so a client that hangs up midway leaves no
/// half import.
pub(crate) async fn import_slices<C: SliceCheck>(
    state: Arc<AppState>,
    principal: Principal,
    mode: ImportMode,
    csv: SpooledCsv,
) -> ApiResult<Response> {
    let refused = |errors: Vec<RowError>| {
        import_response(ImportReport {
            created: 0,
            ids: vec![],
            errors,
        })
    };
    if csv.is_empty() {
        let (_, errors) = C::default().check(&state, csv.header_alone()).await?;
        return Ok(refused(errors.err().unwrap_or_default()));
    }
    let mut errors = Vec::new();
    let mut good = 0;
    let mut rows = C::default();
    for i in 0..csv.len() {
        match rows.check(&state, csv.slice_with_header(i).await?).await? {
            (inputs, Ok(mut bad)) => {
                good += inputs.len();
                errors.append(&mut bad);
            }
            // A file the CSV reader cannot read is refused whole.
            (_, Err(unreadable)) => return Ok(refused(unreadable)),
        }
        tokio::task::yield_now().await;
    }
    if (!errors.is_empty() && mode == ImportMode::All) || good == 0 {
        return Ok(refused(errors));
    }
    let task = tokio::spawn(async move {
        let mut import = state
            .store
            .bulk_import::<C::Row>(good, &principal.actor(), Utc::now());
        let mut rows = C::default();
        for i in 0..csv.len() {
            let (inputs, _) = rows.check(&state, csv.slice_with_header(i).await?).await?;
            import.push(&inputs).await.map_err(C::write_failed)?;
        }
        let ids = import.finish();
        C::written(&state, &ids).await?;
        Ok::<_, ApiError>(import_response(ImportReport {
            created: ids.len(),
            ids,
            errors,
        }))
    });
    task.await.map_err(ApiError::internal)?
}

/// Checks the facilities of an import.
#[derive(Default)]
struct FacilityRows;

impl SliceCheck for FacilityRows {
    type Row = FacilityInput;

    async fn check(
        &mut self,
        state: &AppState,
        slice: (String, LineShift),
    ) -> ApiResult<SliceRows<FacilityInput>> {
        Ok(facility_rows(state, slice))
    }
}

/// The facilities of one slice that can be stored, and the refused rows by line.
fn facility_rows(state: &AppState, (text, shift): (String, LineShift)) -> SliceRows<FacilityInput> {
    let shifted = |mut errors: Vec<RowError>| {
        for e in &mut errors {
            e.line = shift.line(e.line);
        }
        errors
    };
    let rows = match read_csv(&text, &["name", "address", "kind"]) {
        Ok(rows) => rows,
        Err(errors) => return (vec![], Err(shifted(errors))),
    };
    let mut errors = Vec::new();
    let mut good = Vec::new();
    for (line, row) in &rows {
        let line = shift.line(*line);
        let before = errors.len();
        let lat = number::<f64>(row, "lat", line, &mut errors);
        let lon = number::<f64>(row, "lon", line, &mut errors);
        let floors = number::<i64>(row, "floors", line, &mut errors);
        let contacts = match cell(row, "contacts").map(|c| parse_contacts(&c)) {
            Some(Ok(c)) => c,
            Some(Err(message)) => {
                errors.push(RowError {
                    feature: None,
                    line,
                    field: Some("contacts".into()),
                    message,
                });
                vec![]
            }
            None => vec![],
        };
        if errors.len() > before {
            continue;
        }
        let new = NewFacility {
            name: cell(row, "name").unwrap_or_default(),
            address: cell(row, "address").unwrap_or_default(),
            lat,
            lon,
            kind: cell(row, "kind").unwrap_or_default(),
            floors,
            contacts,
            hazards: cell(row, "hazards"),
            water_sources: cell(row, "water_sources"),
            access_notes: cell(row, "access_notes"),
            unit_code: cell(row, "unit_code"),
            unit_override_reason: cell(row, "unit_override_reason"),
        };
        match validate_facility(state, &new) {
            Ok(input) => good.push(input),
            Err(problems) => errors.extend(problems.into_iter().map(|p| RowError {
                feature: None,
                line,
                field: Some(p.field),
                message: p.message,
            })),
        }
    }
    (good, Ok(errors))
}

/// The facility routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/facilities", get(list).post(create))
        .route(
            "/api/facilities/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/api/facilities/troubles", get(troubles))
        .route("/api/facilities/{id}", get(get_one).patch(patch))
        .route("/api/facilities/{id}/signals", get(signals))
}

/// The facility paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get_one, patch, signals, troubles, import))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_codes_and_labels() {
        assert_eq!(parse_kind("karaoke_bar"), Some("karaoke_bar"));
        assert_eq!(parse_kind("Chung cư"), Some("apartment_building"));
        assert_eq!(parse_kind("chung cu"), Some("apartment_building"));
        assert_eq!(parse_kind("Warehouse"), Some("warehouse"));
        assert_eq!(parse_kind("castle"), None);
    }

    #[test]
    fn contacts_parse_from_one_cell() {
        let c = parse_contacts("Nguyễn Văn A|0912345678|Bảo vệ; Trần B|0987654321").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].role.as_deref(), Some("Bảo vệ"));
        assert!(c[1].role.is_none());
        assert!(parse_contacts("chỉ có tên").is_err());
        let c = parse_contacts("Lê C|0911111111||c@toanha.vn").unwrap();
        assert!(c[0].role.is_none());
        assert_eq!(c[0].email.as_deref(), Some("c@toanha.vn"));
        assert!(parse_contacts("a|b|c|d|e").is_err());
    }

    #[test]
    fn e_mail_addresses_are_checked_and_masked() {
        assert_eq!(
            email_address(" bql@toanha.vn ").as_deref(),
            Some("bql@toanha.vn")
        );
        for bad in [
            "bql",
            "@toanha.vn",
            "bql@toanha",
            "b ql@toanha.vn",
            "a@b@c.vn",
            "a@.vn",
        ] {
            assert!(email_address(bad).is_none(), "{bad}");
        }
        assert_eq!(masked_email("bql@toanha.vn"), "b***@toanha.vn");
    }

    #[test]
    fn csv_rows_keep_their_line_numbers() {
        let rows = read_csv(
            "name,address,kind\nA,B,market\n\"C\nD\",E,office\n",
            &["name"],
        )
        .unwrap();
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[1].0, 3);
        let err = read_csv("name,address\n", &["name", "kind"]).unwrap_err();
        assert!(err[0].message.contains("kind"));
        let err = read_csv("name,address,kind\nA,B\n", &["name"]).unwrap_err();
        assert_eq!(err[0].line, 2);
    }
}
