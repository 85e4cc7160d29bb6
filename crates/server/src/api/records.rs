//! Residence and foreigner records over HTTP (`/api/persons`, `/api/households`,
//! `/api/registrations`, `/api/establishments`, `/api/foreigner-declarations`) and their
//! measured quality (`/api/quality`).
//!
//! Access: personal data is for the people who keep it. Administrators and the unit officers
//! of the keeping unit read and write records; leaders and inspectors read the quality rates,
//! not the records. Lists mask identification and passport numbers; every view of a person's
//! full record is audited. An accommodation establishment's account creates and reads the
//! foreigner declarations of its own establishment only.
//!
//! The store accepts incomplete and even wrong records on purpose: measuring "đúng, đủ, sạch,
//! sống" needs them. Requests are refused only when they cannot be stored at all (unknown unit,
//! malformed JSON, an id that exists, another unit's data).

use crate::api::facilities::{ImportMode, ImportQuery};
use crate::api::spooled_csv::{LineShift, SpooledCsv, SLICE_ROWS};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use crate::quality;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::access::Role;
use domain::records::{
    mask_document, mask_pin, Establishment, Finding, FindingStatus, ForeignerDeclaration,
    Household, Person, RecordKind, RecordRef, Registration, RowError as CsvRowError, RuleSet,
    Severity,
};
use domain::report::{Cell, Column, Lang, Table};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use store::{AuditEntry, FindingFilter, RecordFilter, StoredRecord, Versioned};

/// Most records one JSON request may create.
pub const BATCH_LIMIT: usize = 10_000;

/// Roles that keep records (and read personal data).
const KEEPERS: [Role; 2] = [Role::Admin, Role::UnitOfficer];

/// Roles that read the quality rates.
const QUALITY_READERS: [Role; 4] = [
    Role::Admin,
    Role::UnitOfficer,
    Role::Leader,
    Role::Inspector,
];

/// What the API needs to know about each record kind beyond the store.
pub trait ApiRecord: StoredRecord + 'static {
    /// Prefix of generated ids.
    const PREFIX: &'static str;
    /// The record as a list shows it: personal numbers masked.
    fn masked(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl ApiRecord for Person {
    const PREFIX: &'static str = "P";
    fn masked(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["pin"] = json!(mask_pin(&self.pin));
        v["phone"] = json!(self.phone.as_deref().map(mask_document));
        v
    }
}

impl ApiRecord for Household {
    const PREFIX: &'static str = "H";
}

impl ApiRecord for Registration {
    const PREFIX: &'static str = "R";
}

impl ApiRecord for Establishment {
    const PREFIX: &'static str = "E";
}

impl ApiRecord for ForeignerDeclaration {
    const PREFIX: &'static str = "D";
    fn masked(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["passport_number"] = json!(mask_document(&self.passport_number));
        v
    }
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", &crate::auth::new_token()[..16].to_uppercase())
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Who is asking, as far as records go.
#[derive(Clone)]
struct Caller {
    principal: Principal,
    /// The establishment of an establishment account.
    establishment: Option<String>,
}

async fn caller(state: &AppState, principal: Principal, roles: &[Role]) -> ApiResult<Caller> {
    if principal.user.role.is_establishment() {
        let establishment = state
            .store
            .establishment_of(principal.user.id)
            .await?
            .ok_or_else(|| ApiError::forbidden("this account is not bound to an establishment"))?;
        return Ok(Caller {
            principal,
            establishment: Some(establishment),
        });
    }
    principal.require(roles)?;
    Ok(Caller {
        principal,
        establishment: None,
    })
}

/// Fills in the id and the unit of a submitted record and checks what must hold for it to be
/// stored at all.
fn prepare<T: ApiRecord>(state: &AppState, caller: &Caller, mut body: Value) -> ApiResult<T> {
    let Some(obj) = body.as_object_mut() else {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "each record must be a JSON object",
        ));
    };
    let id = match obj.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => {
            if !valid_id(id) {
                return Err(ApiError::new(
                    ErrorCode::InvalidField,
                    "id: 1 to 64 characters among A-Z, a-z, 0-9, '-', '_' and '.'",
                ));
            }
            id.to_owned()
        }
        _ => new_id(T::PREFIX),
    };
    obj.insert("id".into(), json!(id));
    let mine = caller.principal.scope.unit().map(str::to_owned);
    let unit = match (obj.get("unit").and_then(Value::as_str), &mine) {
        (Some(u), Some(m)) if u != m => {
            return Err(ApiError::forbidden(
                "a unit keeps its own records only: unit differs from yours",
            ))
        }
        (Some(u), _) => u.to_owned(),
        (None, Some(m)) => m.clone(),
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "unit: the code of the unit keeping the record is required",
            ))
        }
    };
    if state.units.get(&unit).is_none() {
        return Err(ApiError::new(
            ErrorCode::UnknownUnit,
            format!("unit: no unit {unit}"),
        ));
    }
    obj.insert("unit".into(), json!(unit));
    if let Some(est) = &caller.establishment {
        obj.insert("establishment_id".into(), json!(est));
    }
    serde_json::from_value::<T>(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidRecord,
            format!("{}: {e}", T::KIND.label_vi()),
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub unit: Option<String>,
    /// Persons: identification number. Registrations: person id. Declarations: establishment.
    pub key: Option<String>,
    /// Persons: full name (diacritics and case ignored). Registrations: kind. Declarations:
    /// passport number.
    pub key2: Option<String>,
    pub after_id: Option<String>,
    pub limit: Option<i64>,
}

async fn list<T: ApiRecord>(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let caller = caller(&state, principal, &KEEPERS).await?;
    let unit = caller.principal.unit_filter(q.unit)?;
    let key1 = match &caller.establishment {
        Some(est) => Some(est.clone()),
        None => q.key,
    };
    let key2 = match T::KIND {
        RecordKind::Person => q.key2.map(|n| domain::text::fold(&n)),
        _ => q.key2,
    };
    let rows: Vec<Versioned<T>> = state
        .store
        .list_records(&RecordFilter {
            unit,
            key1,
            key2,
            after_id: q.after_id,
            limit: q.limit.unwrap_or(100),
        })
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = r.record.masked();
            v["version"] = json!(r.version);
            v
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "next_after_id": rows.last().map(|r| r.record.id().to_owned()),
    })))
}

async fn create<T: ApiRecord>(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let roles: &[Role] = &KEEPERS;
    let caller = caller(&state, principal, roles).await?;
    if caller.establishment.is_some() && T::KIND != RecordKind::Declaration {
        return Err(ApiError::forbidden(
            "establishments declare foreign guests only",
        ));
    }
    let (bodies, many) = match body {
        Value::Array(items) => (items, true),
        other => (vec![other], false),
    };
    if bodies.is_empty() || bodies.len() > BATCH_LIMIT {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("send 1 to {BATCH_LIMIT} records"),
        ));
    }
    let mut records = Vec::with_capacity(bodies.len());
    for (i, b) in bodies.into_iter().enumerate() {
        records.push(prepare::<T>(&state, &caller, b).map_err(|e| {
            if many {
                ApiError {
                    message: format!("record {}: {}", i + 1, e.message),
                    ..e
                }
            } else {
                e
            }
        })?);
    }
    if let Some(est) = &caller.establishment {
        own_establishment(&state, est, &caller).await?;
    }
    let mut gate = EstablishmentGate::of(&caller);
    for (i, r) in records.iter().enumerate() {
        gate.check(&state, r).await.map_err(|e| {
            if many {
                ApiError {
                    message: format!("record {}: {}", i + 1, e.message),
                    ..e
                }
            } else {
                e
            }
        })?;
    }
    let now = Utc::now();
    state
        .store
        .insert_records(&records, &caller.principal.actor(), now)
        .await?;
    let out: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["version"] = json!(1);
            v
        })
        .collect();
    let body = if many {
        json!({"created": out.len(), "items": out})
    } else {
        out.into_iter().next().unwrap_or_default()
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The rule for foreigner declarations filed by a unit's people (officers and establishment
/// accounts): only for an establishment of their own unit. Establishments already looked up
/// in a request are remembered, so an import of thousands of rows asks once per establishment.
struct EstablishmentGate {
    /// The caller's unit; `None` (city level) passes everything.
    unit: Option<String>,
    /// Establishment id → whether it is one of the unit's.
    seen: std::collections::HashMap<String, bool>,
}

impl EstablishmentGate {
    fn of(caller: &Caller) -> Self {
        EstablishmentGate {
            unit: caller.principal.scope.unit().map(str::to_owned),
            seen: Default::default(),
        }
    }

    /// 403 `establishment_of_other_unit` when a declaration names an establishment that is
    /// not the caller's unit's. An unknown establishment answers the same, so the answer
    /// does not tell whether another unit has it.
    async fn check<T: ApiRecord>(&mut self, state: &AppState, record: &T) -> ApiResult<()> {
        let Some(unit) = &self.unit else {
            return Ok(());
        };
        if T::KIND != RecordKind::Declaration {
            return Ok(());
        }
        let est = serde_json::to_value(record)
            .ok()
            .and_then(|v| v.get("establishment_id")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        let ours = match self.seen.get(&est) {
            Some(ours) => *ours,
            None => {
                let ours = !est.is_empty()
                    && state
                        .store
                        .record::<Establishment>(&est)
                        .await?
                        .is_some_and(|e| &e.record.unit == unit);
                self.seen.insert(est.clone(), ours);
                ours
            }
        };
        if ours {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::EstablishmentOfOtherUnit,
                format!(
                    "establishment_id: {est} is not an establishment of your unit; a unit \
                     files foreigner declarations for its own establishments only"
                ),
            ))
        }
    }
}

/// An establishment account declares at its own establishment, in that establishment's unit.
async fn own_establishment(state: &AppState, est: &str, caller: &Caller) -> ApiResult<()> {
    let e = state
        .store
        .record::<Establishment>(est)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("establishment {est} not found")))?;
    if caller.principal.scope.unit() != Some(e.record.unit.as_str()) {
        return Err(ApiError::forbidden(
            "the establishment belongs to another unit",
        ));
    }
    Ok(())
}

async fn load<T: ApiRecord>(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<Versioned<T>> {
    let not_found = || ApiError::not_found(format!("{} {id} not found", T::KIND.as_str()));
    let r = state.store.record::<T>(id).await?.ok_or_else(not_found)?;
    // Another unit's record is answered as absent: its existence is personal data too.
    if !caller.principal.scope.allows(Some(r.record.unit()), &[]) {
        return Err(not_found());
    }
    if let Some(est) = &caller.establishment {
        if r.record.key1() != *est {
            return Err(not_found());
        }
    }
    Ok(r)
}

async fn get_one<T: ApiRecord>(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let caller = caller(&state, principal, &KEEPERS).await?;
    let r = load::<T>(&state, &caller, &id).await?;
    if T::KIND == RecordKind::Person {
        state
            .store
            .append_audit(
                &caller.principal.actor(),
                &AuditEntry {
                    action: "person.view".into(),
                    object_type: "person".into(),
                    object_id: id.clone(),
                    unit_code: Some(r.record.unit().to_owned()),
                    summary: json!({}),
                },
                Utc::now(),
            )
            .await?;
    }
    let mut v = serde_json::to_value(&r.record).unwrap_or_default();
    v["version"] = json!(r.version);
    v["updated_at"] = json!(r.updated_at);
    Ok(Json(v))
}

async fn replace<T: ApiRecord>(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<String>,
    Json(mut body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let caller = caller(&state, principal, &KEEPERS).await?;
    let version = body
        .as_object_mut()
        .and_then(|o| o.remove("version"))
        .and_then(|v| v.as_i64())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                "version: the version you read is required (it guards concurrent edits)",
            )
        })?;
    let current = load::<T>(&state, &caller, &id).await?;
    if let Some(o) = body.as_object_mut() {
        o.insert("id".into(), json!(id));
        o.entry("unit")
            .or_insert_with(|| json!(current.record.unit()));
    }
    let record = prepare::<T>(&state, &caller, body)?;
    EstablishmentGate::of(&caller)
        .check(&state, &record)
        .await?;
    let saved = state
        .store
        .update_record(&record, version, &caller.principal.actor(), Utc::now())
        .await?;
    let mut v = serde_json::to_value(&saved.record).unwrap_or_default();
    v["version"] = json!(saved.version);
    Ok(Json(v))
}

/// A CSV import's refused row.
fn row_errors(errors: &[CsvRowError]) -> Vec<crate::api::facilities::RowError> {
    errors
        .iter()
        .map(|e| crate::api::facilities::RowError {
            feature: None,
            line: e.line,
            field: (!e.field.is_empty()).then(|| e.field.clone()),
            message: e.message_vi.clone(),
        })
        .collect()
}

/// Parses one CSV text into records (the domain's parsers).
type ParseCsv<T> =
    fn(&str) -> Result<domain::records::ImportReport<T>, domain::records::RecordsError>;

/// Parses one slice under the file's header, with line numbers counted in the whole file.
fn parse_slice<T>(
    parse: ParseCsv<T>,
    (text, shift): (String, LineShift),
) -> ApiResult<domain::records::ImportReport<T>> {
    let mut report =
        parse(&text).map_err(|e| ApiError::new(ErrorCode::InvalidCsv, e.to_string()))?;
    for (line, _) in &mut report.accepted {
        *line = shift.line(*line);
    }
    for e in &mut report.errors {
        e.line = shift.line(e.line);
    }
    Ok(report)
}

/// The records of one slice that can be stored, and the refused rows.
async fn prepare_slice<T: ApiRecord>(
    state: &AppState,
    caller: &Caller,
    gate: &mut EstablishmentGate,
    report: domain::records::ImportReport<T>,
    good: &mut Vec<T>,
    errors: &mut Vec<crate::api::facilities::RowError>,
) -> ApiResult<()> {
    errors.extend(row_errors(&report.errors));
    for (line, record) in report.accepted {
        let body = serde_json::to_value(&record).unwrap_or_default();
        let body = match body {
            Value::Object(mut o) => {
                if o.get("unit").and_then(Value::as_str) == Some("") {
                    o.remove("unit");
                }
                Value::Object(o)
            }
            other => other,
        };
        let prepared = match prepare::<T>(state, caller, body) {
            Ok(r) => match gate.check(state, &r).await {
                // The store failing is not the row's fault: the import stops.
                Err(e) if e.status().is_server_error() => return Err(e),
                Err(e) => Err(e),
                Ok(()) => Ok(r),
            },
            Err(e) => Err(e),
        };
        match prepared {
            Ok(r) => good.push(r),
            Err(e) => errors.push(crate::api::facilities::RowError {
                feature: None,
                line,
                field: None,
                message: e.message,
            }),
        }
    }
    Ok(())
}

/// A CSV import of records, slice by slice.
///
/// With `mode=all` a first pass checks every row and nothing is written unless all are good.
/// The second pass writes through a [`store::RecordImport`]: short transactions that give way
/// to the alarm writer, and all or nothing (a failed chunk removes what the import wrote). The
/// writing runs as a task of its own, so a client that hangs up midway cannot leave half an
/// import behind.
async fn import_csv<T: ApiRecord>(
    state: Arc<AppState>,
    caller: Caller,
    mode: ImportMode,
    csv: SpooledCsv,
    parse: ParseCsv<T>,
) -> ApiResult<Response> {
    let refused = |mut errors: Vec<crate::api::facilities::RowError>| {
        errors.sort_by_key(|e| e.line);
        crate::api::facilities::import_response(crate::api::facilities::ImportReport {
            created: 0,
            ids: vec![],
            errors,
        })
    };
    {
        if csv.is_empty() {
            // A header alone (or none): the parser reports what is missing.
            let report = parse_slice(parse, csv.header_alone())?;
            let mut errors = Vec::new();
            let mut gate = EstablishmentGate::of(&caller);
            prepare_slice(
                &state,
                &caller,
                &mut gate,
                report,
                &mut Vec::new(),
                &mut errors,
            )
            .await?;
            return Ok(refused(errors));
        }
        if mode == ImportMode::All {
            let mut errors = Vec::new();
            let mut gate = EstablishmentGate::of(&caller);
            for i in 0..csv.len() {
                let report = parse_slice(parse, csv.slice_with_header(i).await?)?;
                let mut good = Vec::new();
                prepare_slice(&state, &caller, &mut gate, report, &mut good, &mut errors).await?;
                tokio::task::yield_now().await;
            }
            if !errors.is_empty() {
                return Ok(refused(errors));
            }
        }
    }
    let task = tokio::spawn(async move {
        let mut import = state
            .store
            .import_records::<T>(&caller.principal.actor(), Utc::now());
        let mut ids: Vec<String> = Vec::new();
        let mut errors = Vec::new();
        let mut gate = EstablishmentGate::of(&caller);
        for i in 0..csv.len() {
            let report = parse_slice(parse, csv.slice_with_header(i).await?)?;
            let mut good = Vec::with_capacity(SLICE_ROWS);
            prepare_slice(&state, &caller, &mut gate, report, &mut good, &mut errors).await?;
            ids.extend(good.iter().map(|r| r.id().to_owned()));
            import.push(good).await?;
        }
        if ids.is_empty() {
            return Ok(refused(errors));
        }
        let created = import.finish().await?;
        errors.sort_by_key(|e| e.line);
        let body = RecordImportReport {
            created,
            ids,
            errors,
        };
        Ok::<_, ApiError>((StatusCode::CREATED, Json(body)).into_response())
    });
    task.await.map_err(ApiError::internal)?
}

async fn import_persons(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    csv: SpooledCsv,
) -> ApiResult<Response> {
    let caller = caller(&state, principal, &KEEPERS).await?;
    let mode = q.mode.unwrap_or(ImportMode::All);
    import_csv::<Person>(state, caller, mode, csv, |text| {
        domain::records::parse_persons_csv(text, &[])
    })
    .await
}

async fn import_declarations(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    csv: SpooledCsv,
) -> ApiResult<Response> {
    let caller = caller(&state, principal, &KEEPERS).await?;
    if let Some(est) = &caller.establishment {
        own_establishment(&state, est, &caller).await?;
    }
    let mode = q.mode.unwrap_or(ImportMode::All);
    import_csv::<ForeignerDeclaration>(
        state,
        caller,
        mode,
        csv,
        domain::records::parse_declarations_csv,
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    pub username: String,
    pub display_name: Option<String>,
    pub password: String,
}

/// Creates the account an accommodation establishment declares its foreign guests with.
async fn establishment_account(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<String>,
    Json(body): Json<AccountBody>,
) -> ApiResult<Response> {
    let caller = caller(&state, principal, &KEEPERS).await?;
    let est = load::<Establishment>(&state, &caller, &id).await?;
    // Name, password and unit follow the rules of every account; the role is set below.
    let (_, unit) = crate::api::users::validate_new_user(
        |code| state.units.get(code).is_some(),
        &body.username,
        Role::UnitOfficer.as_str(),
        Some(&est.record.unit),
        &body.password,
    )?;
    let hash = crate::auth::hash_password(&body.password).map_err(ApiError::internal)?;
    let user = state
        .store
        .create_user(
            &store::NewUser {
                username: body.username.clone(),
                display_name: body.display_name.unwrap_or_else(|| est.record.name.clone()),
                role: Role::Establishment,
                unit_code: unit,
                password_hash: hash,
            },
            &caller.principal.actor(),
            Utc::now(),
        )
        .await?;
    state.store.link_establishment_account(user.id, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(EstablishmentAccount {
            user_id: user.id,
            username: user.username,
            establishment_id: id,
        }),
    )
        .into_response())
}

// ---- quality ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityQuery {
    /// A unit code; the city when absent (city roles only).
    pub unit: Option<String>,
    /// Only findings of this rule.
    pub rule: Option<String>,
    /// `open` (default), `resolved` or `dismissed`.
    pub status: Option<FindingStatus>,
    pub offset: Option<i64>,
    /// Work-list page size, 1 to 5000 (default 200).
    pub limit: Option<i64>,
    /// `csv` or `xlsx` to download the work list.
    pub format: Option<String>,
    /// `vi` (default) or `en` for exports.
    pub lang: Option<String>,
}

/// The exact definitions of the four rates, shown beside them.
impl QualityDefinitions {
    fn new() -> Self {
        let text = |vi, en| DefinitionText { vi, en };
        QualityDefinitions {
            correct: text(
                "Đúng = số bản ghi không có lỗi \"đúng\" đang mở ÷ số bản ghi được kiểm tra tiêu chí đúng.",
                "Correct = records with no open correctness finding ÷ records checked for correctness.",
            ),
            complete: text(
                "Đủ = số bản ghi có đủ mọi trường bắt buộc ÷ số bản ghi thuộc loại có trường bắt buộc.",
                "Complete = records with every required field ÷ records of kinds that have required fields.",
            ),
            clean: text(
                "Sạch = số bản ghi không bị đánh dấu là bản trùng hoặc mâu thuẫn ÷ số bản ghi được kiểm tra.",
                "Clean = records not flagged as the newer member of a duplicate or conflicting pair ÷ records checked.",
            ),
            alive: text(
                "Sống = số bản ghi không có lỗi \"sống\" đang mở ÷ số nhân khẩu, đăng ký cư trú và khai báo tạm trú.",
                "Alive = records with no open liveness finding ÷ persons, registrations and declarations.",
            ),
        }
    }
}

/// Runs the checks now: over the whole city for a city-level user, over their own unit's
/// records only for a unit's user (no other unit's data is checked, changed or counted).
async fn run_now(state: &AppState, principal: &Principal) -> ApiResult<quality::RunSummary> {
    let rules = RuleSet::builtin();
    let ran = match principal.scope.unit() {
        None => {
            quality::run(
                &state.store,
                &state.units,
                &rules,
                &principal.actor(),
                Utc::now(),
            )
            .await
        }
        Some(unit) => {
            quality::run_unit(
                &state.store,
                &state.units,
                &rules,
                unit,
                &principal.actor(),
                Utc::now(),
            )
            .await
        }
    };
    let (summary, _) = ran.map_err(|e| match e {
        quality::RunError::Store(s) => ApiError::from(s),
        other => ApiError::internal(other),
    })?;
    Ok(summary)
}

/// The four rates of a unit (or the city), their trend over the last runs, and the work list.
async fn quality_report(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<QualityQuery>,
) -> ApiResult<Response> {
    principal.require(&QUALITY_READERS)?;
    let unit = principal.unit_filter(q.unit.clone())?;
    if let Some(u) = &unit {
        if state.units.get(u).is_none() {
            return Err(ApiError::not_found(format!("unit {u} not found")));
        }
    }
    let mut runs = state.store.quality_runs(30).await?;
    if runs.is_empty() {
        run_now(&state, &principal).await?;
        runs = state.store.quality_runs(30).await?;
    }
    let Some(latest) = runs.first() else {
        return Err(ApiError::internal("no quality run"));
    };
    let pick = |report: &domain::records::QualityReport| -> domain::records::UnitQuality {
        match &unit {
            Some(u) => report
                .unit(u)
                .cloned()
                .unwrap_or_else(|| domain::records::UnitQuality {
                    unit: u.clone(),
                    ..Default::default()
                }),
            None => report.city.clone(),
        }
    };
    // Personal details in the work list are for keepers; readers get the rates only.
    let keeper = KEEPERS.contains(&principal.user.role);
    let offset = q.offset.unwrap_or(0).max(0);
    let limit = q
        .limit
        .unwrap_or(if q.format.is_some() { 5000 } else { 200 });
    let (work, total) = if keeper {
        state
            .store
            .list_findings(&FindingFilter {
                unit: unit.clone(),
                status: q.status,
                rule: q.rule.clone(),
                offset,
                limit,
            })
            .await?
    } else {
        (Vec::new(), 0)
    };
    if let Some(format) = q.format.as_deref() {
        if !keeper {
            return Err(ApiError::forbidden(
                "the work list is for the units keeping the records",
            ));
        }
        let lang = if q.lang.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Vi
        };
        let names = state.store.record_names(&record_refs(&work)).await?;
        return export(&work, &names, format, lang, unit.as_deref());
    }
    let trend: Vec<TrendPoint> = runs
        .iter()
        .rev()
        .map(|r| {
            let q = pick(&r.report);
            TrendPoint {
                run_id: r.id,
                at: r.at,
                correct: q.correct.rate,
                complete: q.complete.rate,
                clean: q.clean.rate,
                alive: q.alive.rate,
            }
        })
        .collect();
    let names = state.store.record_names(&record_refs(&work)).await?;
    Ok(Json(QualityAnswer {
        rates: pick(&latest.report),
        unit,
        run: QualityRunView {
            id: latest.id,
            at: latest.at,
            records: latest.records,
            duration_ms: latest.duration_ms,
        },
        definitions: QualityDefinitions::new(),
        trend,
        work_list: WorkList {
            total,
            offset,
            limit,
            items: work.iter().map(|f| work_item(f, &names)).collect(),
        },
    })
    .into_response())
}

/// The data-quality report of a unit or the city: the four rates of the latest run, their
/// trend over the last 30 runs, and (for the units keeping the records) a page of findings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QualityAnswer {
    /// The unit asked for; none for the city.
    pub unit: Option<String>,
    pub run: QualityRunView,
    pub rates: domain::records::UnitQuality,
    pub definitions: QualityDefinitions,
    /// Oldest first.
    pub trend: Vec<TrendPoint>,
    pub work_list: WorkList,
}

/// The run the rates come from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QualityRunView {
    pub id: i64,
    pub at: chrono::DateTime<Utc>,
    pub records: i64,
    pub duration_ms: i64,
}

/// The four rates of one run (0..=1; none when nothing was checked).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub run_id: i64,
    pub at: chrono::DateTime<Utc>,
    pub correct: Option<f64>,
    pub complete: Option<f64>,
    pub clean: Option<f64>,
    pub alive: Option<f64>,
}

/// A page of open findings with the real total.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkList {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub items: Vec<WorkItem>,
}

/// A finding as the work list shows it, with the names a person reads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    #[serde(flatten)]
    pub finding: Finding,
    /// The record's name; none when the record is gone.
    pub record_name: Option<String>,
    pub rule_label_vi: String,
    pub rule_label_en: String,
}

/// What a rate means, in Vietnamese and English.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DefinitionText {
    pub vi: &'static str,
    pub en: &'static str,
}

/// The definitions of the four rates.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QualityDefinitions {
    pub correct: DefinitionText,
    pub complete: DefinitionText,
    pub clean: DefinitionText,
    pub alive: DefinitionText,
}

/// The records a page of findings is about, each once.
fn record_refs(work: &[Finding]) -> Vec<RecordRef> {
    let mut refs: Vec<RecordRef> = work.iter().map(|f| f.record.clone()).collect();
    refs.sort_by(|a, b| (a.kind.as_str(), &a.id).cmp(&(b.kind.as_str(), &b.id)));
    refs.dedup();
    refs
}

/// A finding of the work list with the names a person reads: the record's (`record_name`,
/// null when the record is gone), the rule's and the dimension's.
fn work_item(f: &Finding, names: &HashMap<RecordRef, String>) -> WorkItem {
    WorkItem {
        finding: f.clone(),
        record_name: names.get(&f.record).cloned(),
        rule_label_vi: f.rule.label_vi().to_owned(),
        rule_label_en: f.rule.label_en().to_owned(),
    }
}

fn export(
    work: &[Finding],
    names: &HashMap<RecordRef, String>,
    format: &str,
    lang: Lang,
    unit: Option<&str>,
) -> ApiResult<Response> {
    let col = |k: &str, vi: &str, en: &str| Column::new(k, vi, en);
    let mut table = Table::new(
        "Danh sách bản ghi cần chuẩn hóa",
        "Records to fix",
        vec![
            col("unit", "Đơn vị", "Unit"),
            col("record", "Bản ghi", "Record"),
            col("record_name", "Tên", "Name"),
            col("rule", "Mã quy tắc", "Rule id"),
            col("rule_name", "Quy tắc", "Rule"),
            col("dimension", "Tiêu chí", "Dimension"),
            col("severity", "Mức độ", "Severity"),
            col("message", "Nội dung", "Finding"),
            col("legal_basis", "Căn cứ", "Legal basis"),
        ],
    )
    .map_err(ApiError::internal)?;
    for f in work {
        table
            .push_row(vec![
                Cell::text(f.unit.clone()),
                Cell::text(f.record.to_string()),
                Cell::text(names.get(&f.record).cloned().unwrap_or_default()),
                Cell::text(f.rule.as_str()),
                Cell::text(match lang {
                    Lang::Vi => f.rule.label_vi(),
                    Lang::En => f.rule.label_en(),
                }),
                Cell::text(f.dimension.label_vi()),
                Cell::text(match (f.severity, lang) {
                    (Severity::Error, Lang::Vi) => "lỗi",
                    (Severity::Error, Lang::En) => "error",
                    (_, Lang::Vi) => "cảnh báo",
                    (_, Lang::En) => "warning",
                }),
                Cell::text(match lang {
                    Lang::En => f.message_en.clone(),
                    Lang::Vi => f.message_vi.clone(),
                }),
                Cell::text(f.legal_basis.clone()),
            ])
            .map_err(ApiError::internal)?;
    }
    let name = format!("danh-sach-chuan-hoa-{}", unit.unwrap_or("thanh-pho"));
    let (bytes, content_type, ext) = match format {
        "csv" => (
            table.to_csv(lang).map_err(ApiError::internal)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            table.to_xlsx(lang).map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("format: csv or xlsx, not {other}"),
            ))
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Runs the checks now: an admin over every record, a unit officer over their unit's.
async fn quality_run(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<quality::RunSummary>> {
    principal.require(&KEEPERS)?;
    Ok(Json(run_now(&state, &principal).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingChange {
    /// `resolved`, `dismissed` or `open`.
    pub to: FindingStatus,
    pub reason: String,
}

/// Resolves, dismisses or reopens one finding, keeping its history.
async fn change_finding(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((kind, id, rule)): Path<(String, String, String)>,
    Json(body): Json<FindingChange>,
) -> ApiResult<Json<Finding>> {
    principal.require(&KEEPERS)?;
    let kind = RecordKind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| ApiError::not_found(format!("record kind {kind} not found")))?;
    let now = Utc::now();
    let by = principal.user.username.clone();
    let scope = principal.scope.clone();
    let result = state
        .store
        .change_finding(kind, &id, &rule, &principal.actor(), now, |f| {
            if !scope.allows(Some(&f.unit), &[]) {
                return Err(domain::records::RecordsError::MissingActor);
            }
            match body.to {
                FindingStatus::Resolved => f.resolve(&by, now, &body.reason),
                FindingStatus::Dismissed => f.dismiss(&by, now, &body.reason),
                FindingStatus::Open => f.reopen(&by, now, &body.reason),
            }
        })
        .await?;
    match result {
        Ok(f) => Ok(Json(f)),
        Err(domain::records::RecordsError::MissingActor) => Err(ApiError::not_found(format!(
            "finding {}:{id}/{rule} not found",
            kind.as_str()
        ))),
        Err(e @ domain::records::RecordsError::MissingReason) => {
            Err(ApiError::new(ErrorCode::ReasonRequired, e.to_string()))
        }
        Err(e) => Err(ApiError::new(ErrorCode::IllegalTransition, e.to_string())),
    }
}

/// The records and quality paths for the OpenAPI document. The handlers are generic over the
/// record kind, so the paths are described here rather than by annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::{
        HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
    };
    use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
    use utoipa::openapi::schema::{
        AllOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
    };
    use utoipa::openapi::{
        ComponentsBuilder, ContentBuilder, OpenApiBuilder, Ref, RefOr, Required, Response,
        ResponseBuilder, ResponsesBuilder,
    };
    // Every parameter and body has a schema, so that schema-driven clients and fuzzers can
    // build requests for these operations.
    let text = || Schema::Object(ObjectBuilder::new().schema_type(Type::String).build());
    let integer = || Schema::Object(ObjectBuilder::new().schema_type(Type::Integer).build());
    let one_of = |values: &[&str]| {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values.iter().map(|v| (*v).to_owned())))
                .build(),
        )
    };
    let json_body = |schema: Schema| -> RequestBody {
        RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .required(Some(Required::True))
            .build()
    };
    let reference = |name: &str| RefOr::Ref(Ref::from_schema_name(name));
    let answer = |what: &str, schema: RefOr<Schema>| -> Response {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .build()
    };
    let refused = || answer("Refused: see the error's code", reference("ErrorBody"));
    let op = |summary: &str,
              params: &[(&str, ParameterIn, Schema)],
              body: Option<RequestBody>,
              ok: (&str, Response)| {
        let mut responses = ResponsesBuilder::new().response(ok.0, ok.1);
        for status in ["400", "401", "403", "404", "409", "422"] {
            responses = responses.response(status, refused());
        }
        let mut b = OperationBuilder::new()
            .tag("records")
            .summary(Some(summary.to_owned()))
            .request_body(body)
            .responses(responses.build());
        for (name, place, schema) in params {
            b = b.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(place.clone())
                    .schema(Some(schema.clone()))
                    .required(if *place == ParameterIn::Path {
                        Required::True
                    } else {
                        Required::False
                    }),
            );
        }
        b.build()
    };
    // A record's fields depend on its kind (docs/data-quality.md#records); the server validates them all.
    let record = || {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(true),
            ))
    };
    let one_or_many = || {
        Schema::OneOf(
            OneOfBuilder::new()
                .item(record().build())
                .item(ArrayBuilder::new().items(record().build()).build())
                .build(),
        )
    };
    let versioned = || {
        Schema::Object(
            record()
                .property("version", integer())
                .required("version")
                .build(),
        )
    };
    let csv_body = || {
        RequestBodyBuilder::new()
            .content(
                "text/csv",
                ContentBuilder::new().schema(Some(text())).build(),
            )
            .required(Some(Required::True))
            .build()
    };
    let list = [
        ("unit", ParameterIn::Query, text()),
        ("key", ParameterIn::Query, text()),
        ("key2", ParameterIn::Query, text()),
        ("after_id", ParameterIn::Query, text()),
        ("limit", ParameterIn::Query, integer()),
    ];
    let id = [("id", ParameterIn::Path, text())];
    // A record as answered: the kind's fields, its row version and, read alone, when it last
    // changed.
    let stored = |kind: &str| -> RefOr<Schema> {
        RefOr::T(Schema::AllOf(
            AllOfBuilder::new()
                .item(reference(kind))
                .item(
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .property("version", integer())
                        .required("version")
                        .property("updated_at", text()),
                )
                .build(),
        ))
    };
    let page = |kind: &str| -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("items", ArrayBuilder::new().items(stored(kind)))
                .required("items")
                .property(
                    "next_after_id",
                    ObjectBuilder::new()
                        .schema_type(SchemaType::from_iter([Type::String, Type::Null])),
                )
                .build(),
        ))
    };
    let created = |kind: &str| -> RefOr<Schema> {
        RefOr::T(Schema::OneOf(
            OneOfBuilder::new()
                .item(stored(kind))
                .item(
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .property("created", integer())
                        .required("created")
                        .property("items", ArrayBuilder::new().items(stored(kind)))
                        .required("items"),
                )
                .build(),
        ))
    };
    let mut paths = PathsBuilder::new();
    for (base, label, kind) in [
        ("/api/persons", "persons", "Person"),
        ("/api/households", "households", "Household"),
        (
            "/api/registrations",
            "residence registrations",
            "Registration",
        ),
        (
            "/api/establishments",
            "accommodation establishments",
            "Establishment",
        ),
        (
            "/api/foreigner-declarations",
            "foreigner declarations",
            "ForeignerDeclaration",
        ),
    ] {
        paths = paths
            .path(
                base,
                PathItem::new(
                    HttpMethod::Get,
                    op(
                        &format!("List {label} (numbers masked)"),
                        &list,
                        None,
                        ("200", answer("A page of records", page(kind))),
                    ),
                ),
            )
            .path(
                base,
                PathItem::new(
                    HttpMethod::Post,
                    op(
                        &format!("Create one or an array of {label}"),
                        &[],
                        Some(json_body(one_or_many())),
                        (
                            "201",
                            answer("The record, or how many and which", created(kind)),
                        ),
                    ),
                ),
            )
            .path(
                format!("{base}/{{id}}"),
                PathItem::new(
                    HttpMethod::Get,
                    op(
                        &format!("One of the {label}"),
                        &id,
                        None,
                        ("200", answer("The record", stored(kind))),
                    ),
                ),
            )
            .path(
                format!("{base}/{{id}}"),
                PathItem::new(
                    HttpMethod::Put,
                    op(
                        &format!("Replace one of the {label} (with its version)"),
                        &id,
                        Some(json_body(versioned())),
                        ("200", answer("The record as stored", stored(kind))),
                    ),
                ),
            );
    }
    let imported = || answer("What was written", reference("RecordImportReport"));
    let mode = [("mode", ParameterIn::Query, one_of(&["all", "valid-only"]))];
    let quality = [
        ("unit", ParameterIn::Query, text()),
        ("rule", ParameterIn::Query, text()),
        (
            "status",
            ParameterIn::Query,
            one_of(&["open", "resolved", "dismissed"]),
        ),
        ("offset", ParameterIn::Query, integer()),
        ("limit", ParameterIn::Query, integer()),
        ("format", ParameterIn::Query, one_of(&["csv", "xlsx"])),
        ("lang", ParameterIn::Query, one_of(&["vi", "en"])),
    ];
    let finding = [
        ("kind", ParameterIn::Path, text()),
        ("id", ParameterIn::Path, text()),
        ("rule", ParameterIn::Path, text()),
    ];
    let account = Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("username", text())
            .property("display_name", text())
            .property("password", text())
            .required("username")
            .required("password")
            .build(),
    );
    let change = Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("to", one_of(&["open", "resolved", "dismissed"]))
            .property("reason", text())
            .required("to")
            .required("reason")
            .build(),
    );
    paths = paths
        .path(
            "/api/persons/import",
            PathItem::new(
                HttpMethod::Post,
                op(
                    "Import persons from CSV",
                    &mode,
                    Some(csv_body()),
                    ("201", imported()),
                ),
            ),
        )
        .path(
            "/api/foreigner-declarations/import",
            PathItem::new(
                HttpMethod::Post,
                op(
                    "Import foreigner declarations from CSV",
                    &mode,
                    Some(csv_body()),
                    ("201", imported()),
                ),
            ),
        )
        .path(
            "/api/establishments/{id}/account",
            PathItem::new(
                HttpMethod::Post,
                op(
                    "Create an establishment's account",
                    &id,
                    Some(json_body(account)),
                    (
                        "201",
                        answer("The account", reference("EstablishmentAccount")),
                    ),
                ),
            ),
        )
        .path(
            "/api/quality",
            PathItem::new(
                HttpMethod::Get,
                op(
                    "The four rates, their trend and the work list",
                    &quality,
                    None,
                    (
                        "200",
                        answer(
                            "The report (or its CSV/XLSX work list)",
                            reference("QualityAnswer"),
                        ),
                    ),
                ),
            ),
        )
        .path(
            "/api/quality/run",
            PathItem::new(
                HttpMethod::Post,
                op(
                    "Run the quality checks now",
                    &[],
                    None,
                    ("200", answer("What the run did", reference("RunSummary"))),
                ),
            ),
        )
        .path(
            "/api/quality/findings/{kind}/{id}/{rule}",
            PathItem::new(
                HttpMethod::Post,
                op(
                    "Resolve, dismiss or reopen a finding",
                    &finding,
                    Some(json_body(change)),
                    ("200", answer("The finding", reference("QualityFinding"))),
                ),
            ),
        );
    let mut components = ComponentsBuilder::new();
    components = with_schema::<Person>(components);
    components = with_schema::<Household>(components);
    components = with_schema::<Registration>(components);
    components = with_schema::<Establishment>(components);
    components = with_schema::<ForeignerDeclaration>(components);
    components = with_schema::<Finding>(components);
    components = with_schema::<RecordImportReport>(components);
    components = with_schema::<EstablishmentAccount>(components);
    components = with_schema::<quality::RunSummary>(components);
    components = with_schema::<QualityAnswer>(components);
    OpenApiBuilder::new()
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

/// Adds `T`'s schema and the schemas it refers to.
fn with_schema<T: utoipa::ToSchema>(
    components: utoipa::openapi::ComponentsBuilder,
) -> utoipa::openapi::ComponentsBuilder {
    let mut referred = Vec::new();
    T::schemas(&mut referred);
    components
        .schema(T::name(), T::schema())
        .schemas_from_iter(referred)
}

/// What a records import did: the rows written, their ids in file order, the rows refused.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordImportReport {
    pub created: usize,
    pub ids: Vec<String>,
    pub errors: Vec<crate::api::facilities::RowError>,
}

/// The account made for an accommodation establishment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EstablishmentAccount {
    pub user_id: i64,
    pub username: String,
    pub establishment_id: String,
}

fn kind_routes<T: ApiRecord>(router: Router<Arc<AppState>>, base: &str) -> Router<Arc<AppState>> {
    router.route(base, get(list::<T>).post(create::<T>)).route(
        &format!("{base}/{{id}}"),
        get(get_one::<T>).put(replace::<T>),
    )
}

/// The records and quality routes.
pub fn routes() -> Router<Arc<AppState>> {
    let limit = DefaultBodyLimit::max(crate::api::facilities::IMPORT_LIMIT);
    let r = Router::new();
    let r = kind_routes::<Person>(r, "/api/persons");
    let r = kind_routes::<Household>(r, "/api/households");
    let r = kind_routes::<Registration>(r, "/api/registrations");
    let r = kind_routes::<Establishment>(r, "/api/establishments");
    let r = kind_routes::<ForeignerDeclaration>(r, "/api/foreigner-declarations");
    r.route("/api/persons/import", post(import_persons).layer(limit))
        .route(
            "/api/foreigner-declarations/import",
            post(import_declarations).layer(limit),
        )
        .route(
            "/api/establishments/{id}/account",
            post(establishment_account),
        )
        .route("/api/quality", get(quality_report))
        .route("/api/quality/run", post(quality_run))
        .route(
            "/api/quality/findings/{kind}/{id}/{rule}",
            post(change_finding),
        )
}
