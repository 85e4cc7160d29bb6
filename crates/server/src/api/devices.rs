//! Alarm transmission devices (thiết bị truyền tin) over HTTP: the DC-09 account, optional
//! receiver and line numbers, the AES key and its format, whether plain messages are allowed,
//! the supervision interval, the facility, and the link status, with CSV import.
//!
//! The key is sealed with the server's master key as soon as it arrives and is never returned:
//! responses carry only its fingerprint. Admin and operator write everything; a unit officer
//! reads its unit's devices and may change their supervision interval and enabled flag, never
//! keys or accounts; a leader reads.

use super::facilities::{
    cell, import_slices, read_csv, ImportMode, ImportQuery, ImportReport, RowError, SliceCheck,
    SliceRows, IMPORT_LIMIT,
};
use crate::api::spooled_csv::{LineShift, SpooledCsv};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use crate::receiver::keys::parse_format;
use crate::receiver::pipeline::PlainSources;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use dc09::Key;
use domain::access::Role;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
use store::{Device, DeviceFilter, DeviceInput, SealedKey};

/// Default supervision interval: one hour.
pub const DEFAULT_SUPERVISION_SECS: i64 = 3600;

/// A device as the API shows it: never the key, only its fingerprint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    pub id: i64,
    pub account: String,
    pub receiver: Option<String>,
    pub line: Option<String>,
    pub facility_id: i64,
    pub facility_name: String,
    pub unit_code: String,
    pub has_key: bool,
    /// `hex` or `ascii`.
    pub key_format: Option<String>,
    /// Identifies the key without revealing it.
    pub key_fingerprint: Option<String>,
    pub allow_plain: bool,
    /// The addresses and CIDR blocks its plain messages may come from; empty: the receiver's
    /// list (`--dc09-plain-sources`), which by default allows any source.
    pub plain_sources: Vec<String>,
    pub supervision_secs: i64,
    /// new (never heard), online or offline.
    pub status: String,
    pub status_label: String,
    pub enabled: bool,
    pub last_seen_at: Option<chrono::DateTime<Utc>>,
    /// On test until this time (maintenance, a drill): its alarms open incidents, but the
    /// facility's people are not told. `POST /api/devices/{id}/test` sets it.
    pub test_until: Option<chrono::DateTime<Utc>>,
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

fn status_label(status: &str) -> &'static str {
    match status {
        "online" => "Đang hoạt động",
        "offline" => "Mất liên lạc",
        _ => "Chưa kết nối",
    }
}

fn view(d: &Device) -> DeviceView {
    DeviceView {
        id: d.id,
        account: d.account.clone(),
        receiver: d.receiver.clone(),
        line: d.line.clone(),
        facility_id: d.facility_id,
        facility_name: d.facility_name.clone(),
        unit_code: d.unit_code.clone(),
        has_key: d.key_sealed.is_some(),
        key_format: d.key_format.clone(),
        key_fingerprint: d.key_fingerprint.clone(),
        allow_plain: d.allow_plain,
        plain_sources: d.plain_sources.clone(),
        supervision_secs: d.supervision_secs,
        status: d.status.clone(),
        status_label: status_label(&d.status).to_owned(),
        enabled: d.enabled,
        last_seen_at: d.last_seen_at,
        test_until: d.test_until,
        version: d.version,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

/// A new device.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// DC-09 account: 3 to 16 hex digits.
    pub account: String,
    /// Receiver number (1–6 hex digits) the device must send, if fixed.
    pub receiver: Option<String>,
    /// Line number (1–6 hex digits) the device must send, if fixed.
    pub line: Option<String>,
    pub facility_id: i64,
    /// AES-128/192/256 key: 32/48/64 hex digits (`hex`) or 16/24/32 characters (`ascii`).
    pub key: Option<String>,
    /// `hex` (default) or `ascii`.
    pub key_format: Option<String>,
    /// Accept unencrypted messages (default: only when the device has no key).
    pub allow_plain: Option<bool>,
    /// Where its plain messages may come from: addresses and CIDR blocks (`203.0.113.7`,
    /// `10.20.0.0/16`). Without them the receiver's list applies.
    pub plain_sources: Option<Vec<String>>,
    /// Seconds of silence after which the device is offline (default 3600).
    pub supervision_secs: Option<i64>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// A change to a device: only the fields given change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DevicePatch {
    pub version: i64,
    pub account: Option<String>,
    pub receiver: Option<String>,
    pub line: Option<String>,
    pub facility_id: Option<i64>,
    /// A new key (with `key_format`); it replaces the old one.
    pub key: Option<String>,
    pub key_format: Option<String>,
    /// Remove the key (the device must then allow plain messages).
    pub remove_key: Option<bool>,
    pub allow_plain: Option<bool>,
    /// Replaces the list; an empty list leaves the receiver's list to apply.
    pub plain_sources: Option<Vec<String>>,
    pub supervision_secs: Option<i64>,
    pub enabled: Option<bool>,
}

fn hex_field(
    value: &Option<String>,
    field: &str,
    min: usize,
    max: usize,
) -> Result<Option<String>, String> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(v.to_ascii_uppercase()))
        }
        Some(v) => Err(format!("{field} {v:?} is not {min} to {max} hex digits")),
    }
}

/// Checks a key and seals it with the master key.
fn seal_key(state: &AppState, text: &str, format: Option<&str>) -> Result<SealedKey, ApiError> {
    let format_name = format.unwrap_or("hex").trim().to_ascii_lowercase();
    let format =
        parse_format(&format_name).map_err(|e| field_error("key_format", e.to_string()))?;
    Key::parse(text, format).map_err(|e| field_error("key", format!("invalid key: {e}")))?;
    let master = state
        .alarms
        .master()
        .map_err(|why| ApiError::new(ErrorCode::NoMasterKey, why.to_owned()))?;
    let sealed = master.seal(text).map_err(ApiError::internal)?;
    Ok(SealedKey {
        sealed,
        format: format_name,
        fingerprint: master.fingerprint(text, format),
    })
}

/// Most sources one device may list.
const MAX_PLAIN_SOURCES: usize = 32;

/// Checks a device's plain sources; answers them trimmed, without blanks and repeats. A list
/// past the limit is refused at its first extra entry, so a long one costs no more than that.
fn plain_sources_field(list: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for item in list.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        PlainSources::parse(&[item]).map_err(|e| field_error("plain_sources", e))?;
        if out.iter().any(|o| o == item) {
            continue;
        }
        if out.len() == MAX_PLAIN_SOURCES {
            return Err(field_error(
                "plain_sources",
                format!("at most {MAX_PLAIN_SOURCES} addresses or blocks"),
            ));
        }
        out.push(item.to_owned());
    }
    Ok(out)
}

fn field_error(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::InvalidField, format!("{field}: {message}"))
}

/// Checks a new device (all but the facility's existence and the account's uniqueness, which
/// the store enforces).
fn validate_new(state: &AppState, d: &NewDevice) -> Result<DeviceInput, ApiError> {
    let account = hex_field(&Some(d.account.clone()), "account", 3, 16)
        .map_err(|e| field_error("account", e))?
        .ok_or_else(|| field_error("account", "required"))?;
    let receiver =
        hex_field(&d.receiver, "receiver", 1, 6).map_err(|e| field_error("receiver", e))?;
    let line = hex_field(&d.line, "line", 1, 6).map_err(|e| field_error("line", e))?;
    let key = match d.key.as_deref().filter(|k| !k.is_empty()) {
        Some(text) => Some(seal_key(state, text, d.key_format.as_deref())?),
        None => None,
    };
    let allow_plain = d.allow_plain.unwrap_or(key.is_none());
    if key.is_none() && !allow_plain {
        return Err(field_error(
            "allow_plain",
            "a device without a key can only send plain messages; allow them or give a key",
        ));
    }
    let supervision_secs = d.supervision_secs.unwrap_or(DEFAULT_SUPERVISION_SECS);
    if !(1..=7 * 86_400).contains(&supervision_secs) {
        return Err(field_error(
            "supervision_secs",
            "must be 1 to 604800 seconds",
        ));
    }
    let plain_sources = plain_sources_field(d.plain_sources.as_deref().unwrap_or_default())?;
    Ok(DeviceInput {
        account,
        receiver,
        line,
        facility_id: d.facility_id,
        key,
        allow_plain,
        plain_sources,
        supervision_secs,
        enabled: d.enabled.unwrap_or(true),
    })
}

/// Store errors of device writes, in API words.
fn store_error(e: store::StoreError) -> ApiError {
    match e {
        store::StoreError::Conflict(detail)
            if detail.contains("account")
                || detail.contains("UNIQUE")
                || detail.contains("duplicate") =>
        {
            ApiError::conflict(
                "a device with this account already exists, or it was changed meanwhile",
            )
        }
        store::StoreError::NotFound {
            what: "facility",
            id,
        } => field_error("facility_id", format!("facility {id} not found")),
        other => other.into(),
    }
}

/// Registers a device.
#[utoipa::path(post, path = "/api/devices", tag = "devices", request_body = NewDevice,
    responses((status = 201, body = DeviceView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewDevice>,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin, Role::Operator])?;
    let input = validate_new(&state, &body)?;
    let created = state
        .store
        .create_devices(&[input], &principal.actor(), Utc::now())
        .await
        .map_err(store_error)?;
    let d = created
        .first()
        .ok_or_else(|| ApiError::internal("device not returned"))?;
    // The registry also hears this through the change feed; doing it here makes the device
    // usable by the time the answer arrives.
    state.alarms.registry.upsert(d);
    Ok((StatusCode::CREATED, Json(view(d))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// new, online or offline.
    pub status: Option<String>,
    pub facility_id: Option<i64>,
    pub unit: Option<String>,
    pub after_id: Option<i64>,
    /// 1 to 1000 (default 100).
    pub limit: Option<i64>,
}

fn reader_roles() -> [Role; 4] {
    [Role::Admin, Role::Operator, Role::UnitOfficer, Role::Leader]
}

/// Lists devices, e.g. `?status=offline`.
#[utoipa::path(get, path = "/api/devices", tag = "devices", params(ListQuery),
    responses((status = 200, body = [DeviceView]), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<DeviceView>>> {
    principal.require(&reader_roles())?;
    if let Some(s) = q.status.as_deref() {
        if !matches!(s, "new" | "online" | "offline") {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "status must be new, online or offline",
            ));
        }
    }
    let unit = principal.unit_filter(q.unit)?;
    let rows = state
        .store
        .list_devices(&DeviceFilter {
            unit_code: unit,
            facility_id: q.facility_id,
            status: q.status,
            after_id: q.after_id,
            limit: q.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(rows.iter().map(view).collect()))
}

async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Device> {
    let d = state
        .store
        .device(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("device {id} not found")))?;
    // Another unit's device answers as absent: a 403 would confirm that it exists.
    if !principal.scope.allows(Some(&d.unit_code), &[]) {
        return Err(ApiError::not_found(format!("device {id} not found")));
    }
    Ok(d)
}

/// One device.
#[utoipa::path(get, path = "/api/devices/{id}", tag = "devices", params(("id" = i64, Path)),
    responses((status = 200, body = DeviceView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceView>> {
    principal.require(&reader_roles())?;
    Ok(Json(view(&load(&state, &principal, id).await?)))
}

/// How long a device stays on test.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    /// Minutes from now, at most 1440 (a day); 0 ends the test now.
    pub minutes: u32,
}

/// The longest test window, in minutes: a device forgotten on test would keep a real fire
/// from its building's people for no longer than a day.
pub const MAX_TEST_MINUTES: u32 = 24 * 60;

/// Puts a device on test for a number of minutes (a maintenance visit, a drill), or ends the
/// test with 0. Its alarms still open incidents and ring on the console; only the messages to
/// the facility's people are held back. More than a day answers 422 `invalid_field`.
#[utoipa::path(post, path = "/api/devices/{id}/test", tag = "devices", params(("id" = i64, Path)),
    request_body = TestBody,
    responses((status = 200, body = DeviceView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn test_mode(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<TestBody>,
) -> ApiResult<Json<DeviceView>> {
    principal.require(&[Role::Admin, Role::Operator, Role::UnitOfficer])?;
    load(&state, &principal, id).await?;
    if body.minutes > MAX_TEST_MINUTES {
        return Err(field_error(
            "minutes",
            format!("a device may be on test for at most {MAX_TEST_MINUTES} minutes"),
        ));
    }
    let now = Utc::now();
    let until =
        (body.minutes > 0).then(|| now + chrono::Duration::minutes(i64::from(body.minutes)));
    let d = state
        .store
        .set_device_test(id, until, &principal.actor(), now)
        .await?;
    Ok(Json(view(&d)))
}

/// Changes a device.
#[utoipa::path(patch, path = "/api/devices/{id}", tag = "devices", params(("id" = i64, Path)),
    request_body = DevicePatch,
    responses((status = 200, body = DeviceView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn patch(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<DevicePatch>,
) -> ApiResult<Json<DeviceView>> {
    principal.require(&[Role::Admin, Role::Operator, Role::UnitOfficer])?;
    let d = load(&state, &principal, id).await?;
    if principal.user.role == Role::UnitOfficer
        && (body.account.is_some()
            || body.receiver.is_some()
            || body.line.is_some()
            || body.facility_id.is_some()
            || body.key.is_some()
            || body.key_format.is_some()
            || body.remove_key.is_some()
            || body.allow_plain.is_some()
            || body.plain_sources.is_some())
    {
        return Err(ApiError::forbidden(
            "a unit officer may change only the supervision interval and the enabled flag",
        ));
    }
    let mut input = d.to_input();
    if let Some(a) = &body.account {
        input.account = hex_field(&Some(a.clone()), "account", 3, 16)
            .map_err(|e| field_error("account", e))?
            .ok_or_else(|| field_error("account", "required"))?;
    }
    if body.receiver.is_some() {
        input.receiver =
            hex_field(&body.receiver, "receiver", 1, 6).map_err(|e| field_error("receiver", e))?;
    }
    if body.line.is_some() {
        input.line = hex_field(&body.line, "line", 1, 6).map_err(|e| field_error("line", e))?;
    }
    if let Some(f) = body.facility_id {
        input.facility_id = f;
    }
    if body.remove_key == Some(true) {
        input.key = None;
    }
    if let Some(text) = body.key.as_deref() {
        input.key = Some(seal_key(&state, text, body.key_format.as_deref())?);
    } else if body.key_format.is_some() {
        return Err(field_error("key_format", "give it with a new key"));
    }
    if let Some(p) = body.allow_plain {
        input.allow_plain = p;
    }
    if let Some(list) = &body.plain_sources {
        input.plain_sources = plain_sources_field(list)?;
    }
    if input.key.is_none() && !input.allow_plain {
        return Err(field_error(
            "allow_plain",
            "a device without a key can only send plain messages",
        ));
    }
    if let Some(s) = body.supervision_secs {
        if !(1..=7 * 86_400).contains(&s) {
            return Err(field_error(
                "supervision_secs",
                "must be 1 to 604800 seconds",
            ));
        }
        input.supervision_secs = s;
    }
    if let Some(e) = body.enabled {
        input.enabled = e;
    }
    if input.facility_id != d.facility_id {
        // Moving a device to another facility needs access to that facility's unit too.
        let target = state
            .store
            .facility(input.facility_id)
            .await?
            .ok_or_else(|| {
                field_error(
                    "facility_id",
                    format!("facility {} not found", input.facility_id),
                )
            })?;
        principal.require_unit(Some(&target.unit_code), &[])?;
    }
    let updated = state
        .store
        .update_device(id, body.version, &input, &principal.actor(), Utc::now())
        .await
        .map_err(store_error)?;
    state.alarms.registry.upsert(&updated);
    Ok(Json(view(&updated)))
}

/// Offline devices per unit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfflineCount {
    pub unit_code: String,
    pub offline: i64,
}

/// How many enabled devices are offline in each unit (a unit officer sees its own).
#[utoipa::path(get, path = "/api/devices/offline-by-unit", tag = "devices",
    responses((status = 200, body = [OfflineCount])))]
pub async fn offline_by_unit(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<Vec<OfflineCount>>> {
    principal.require(&reader_roles())?;
    let counts = state.store.offline_counts_by_unit().await?;
    Ok(Json(
        counts
            .into_iter()
            .filter(|(u, _)| principal.scope.allows(Some(u), &[]))
            .map(|(unit_code, offline)| OfflineCount { unit_code, offline })
            .collect(),
    ))
}

/// The unit filter of the devices summary.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    pub unit: Option<String>,
}

/// How many devices there are, in all and in each status: the totals a board shows, whatever
/// part of the list it has loaded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceSummary {
    pub total: i64,
    /// Registered, not heard from yet.
    pub new: i64,
    pub online: i64,
    pub offline: i64,
}

/// Device totals, everywhere or in one unit (a unit officer's are always their unit's).
#[utoipa::path(get, path = "/api/devices/summary", tag = "devices", params(SummaryQuery),
    responses((status = 200, body = DeviceSummary), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn summary(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<SummaryQuery>,
) -> ApiResult<Json<DeviceSummary>> {
    principal.require(&reader_roles())?;
    let unit = principal.unit_filter(q.unit)?;
    let mut s = DeviceSummary {
        total: 0,
        new: 0,
        online: 0,
        offline: 0,
    };
    for (status, n) in state.store.device_counts(unit.as_deref()).await? {
        s.total += n;
        match status.as_str() {
            "new" => s.new += n,
            "online" => s.online += n,
            "offline" => s.offline += n,
            _ => {}
        }
    }
    Ok(Json(s))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "co" | "có" => Some(true),
        "0" | "false" | "no" | "khong" | "không" => Some(false),
        _ => None,
    }
}

/// Imports devices from CSV with the columns `account, facility_id, receiver, line, key,
/// key_format, allow_plain, plain_sources (separated by spaces), supervision_secs, enabled`.
/// Every bad row is reported by line; with `mode=all` a file with errors writes nothing.
///
/// Like the facility import, the file is spooled to disk and read slice by slice in two
/// passes (check, then write), so memory stays at one slice whatever the file's size.
#[utoipa::path(post, path = "/api/devices/import", tag = "devices", params(ImportQuery),
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
    import_slices::<DeviceRows>(state, principal, q.mode.unwrap_or(ImportMode::All), csv).await
}

/// Checks the devices of an import, slice after slice: what it has seen of the file (its
/// accounts, which facilities exist) carries over from one slice to the next.
#[derive(Default)]
struct DeviceRows {
    seen_accounts: HashSet<String>,
    known_facilities: std::collections::HashMap<i64, bool>,
}

impl SliceCheck for DeviceRows {
    type Row = DeviceInput;

    async fn check(
        &mut self,
        state: &AppState,
        (text, shift): (String, LineShift),
    ) -> ApiResult<SliceRows<DeviceInput>> {
        let rows = match read_csv(&text, &["account", "facility_id"]) {
            Ok(rows) => rows,
            Err(mut errors) => {
                for e in &mut errors {
                    e.line = shift.line(e.line);
                }
                return Ok((vec![], Err(errors)));
            }
        };
        let mut errors = Vec::new();
        let mut good = Vec::new();
        for (line, row) in &rows {
            let line = shift.line(*line);
            let err = |field: &str, message: String| RowError {
                feature: None,
                line,
                field: Some(field.to_owned()),
                message,
            };
            let facility_id = match cell(row, "facility_id").map(|f| f.parse::<i64>()) {
                Some(Ok(f)) => f,
                _ => {
                    errors.push(err("facility_id", "required, a facility id".into()));
                    continue;
                }
            };
            let exists = match self.known_facilities.get(&facility_id) {
                Some(e) => *e,
                None => {
                    let e = state.store.facility(facility_id).await?.is_some();
                    self.known_facilities.insert(facility_id, e);
                    e
                }
            };
            if !exists {
                errors.push(err(
                    "facility_id",
                    format!("facility {facility_id} not found"),
                ));
                continue;
            }
            let mut bools = [("allow_plain", None), ("enabled", None)];
            let mut bad = false;
            for (name, slot) in bools.iter_mut() {
                if let Some(text) = cell(row, name) {
                    match parse_bool(&text) {
                        Some(b) => *slot = Some(b),
                        None => {
                            errors.push(err(name, format!("{text:?} is not true or false")));
                            bad = true;
                        }
                    }
                }
            }
            let supervision_secs = match cell(row, "supervision_secs").map(|s| s.parse::<i64>()) {
                Some(Ok(s)) => Some(s),
                Some(Err(_)) => {
                    errors.push(err("supervision_secs", "not a number".into()));
                    bad = true;
                    None
                }
                None => None,
            };
            if bad {
                continue;
            }
            let new = NewDevice {
                account: cell(row, "account").unwrap_or_default(),
                receiver: cell(row, "receiver"),
                line: cell(row, "line"),
                facility_id,
                key: cell(row, "key"),
                key_format: cell(row, "key_format"),
                allow_plain: bools[0].1,
                plain_sources: cell(row, "plain_sources")
                    .map(|list| list.split_whitespace().map(str::to_owned).collect()),
                supervision_secs,
                enabled: bools[1].1,
            };
            match validate_new(state, &new) {
                Ok(input) => {
                    if !self.seen_accounts.insert(input.account.clone()) {
                        errors.push(err(
                            "account",
                            format!("account {} appears twice in the file", input.account),
                        ));
                    } else if state.alarms.registry.get(&input.account).is_some() {
                        errors.push(err(
                            "account",
                            format!("account {} is already registered", input.account),
                        ));
                    } else {
                        good.push(input);
                    }
                }
                Err(e) => errors.push(RowError {
                    feature: None,
                    line,
                    field: e.message.split(':').next().map(str::to_owned),
                    message: e.message,
                }),
            }
        }
        Ok((good, Ok(errors)))
    }

    fn write_failed(e: store::StoreError) -> ApiError {
        store_error(e)
    }

    /// The receiver learns the new devices once the whole import stands.
    async fn written(state: &AppState, ids: &[i64]) -> ApiResult<()> {
        for part in ids.chunks(500) {
            for d in state.store.devices_with_ids(part).await? {
                state.alarms.registry.upsert(&d);
            }
        }
        Ok(())
    }
}

/// The device routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/devices", get(list).post(create))
        .route(
            "/api/devices/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/api/devices/offline-by-unit", get(offline_by_unit))
        .route("/api/devices/summary", get(summary))
        .route("/api/devices/{id}", get(get_one).patch(patch))
        .route("/api/devices/{id}/test", post(test_mode))
}

/// The device paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    get_one,
    patch,
    test_mode,
    offline_by_unit,
    summary,
    import
))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sources_are_tidied_and_bounded() {
        let list = |items: &[&str]| items.iter().map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(
            plain_sources_field(&list(&[" 10.0.0.1 ", "", "10.0.0.1", "10.8.0.0/16"])).unwrap(),
            list(&["10.0.0.1", "10.8.0.0/16"])
        );
        let many: Vec<String> = (0..40).map(|i| format!("10.0.0.{i}")).collect();
        assert!(plain_sources_field(&many[..32]).is_ok());
        let refused = plain_sources_field(&many).unwrap_err();
        assert!(
            refused.message.contains("at most 32"),
            "{}",
            refused.message
        );
        // Repeats do not count toward the limit.
        let repeated: Vec<String> = (0..1000).map(|_| "10.0.0.1".to_owned()).collect();
        assert_eq!(plain_sources_field(&repeated).unwrap().len(), 1);
    }

    #[test]
    fn hex_fields_are_checked_and_upper_cased() {
        assert_eq!(
            hex_field(&Some("ab12".into()), "account", 3, 16).unwrap(),
            Some("AB12".into())
        );
        assert!(hex_field(&Some("xyz".into()), "account", 3, 16).is_err());
        assert!(hex_field(&Some("12".into()), "account", 3, 16).is_err());
        assert_eq!(hex_field(&None, "line", 1, 6).unwrap(), None);
    }

    #[test]
    fn booleans_in_csv() {
        assert_eq!(parse_bool("Có"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
