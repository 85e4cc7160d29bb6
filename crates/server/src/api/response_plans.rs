//! Response plans over HTTP, and the plan an incident gets.
//!
//! The plans in force are the highest stored version ([`store::PlanVersion`]). At start the
//! server stores the shipped defaults when nothing is stored yet, and imports
//! `response_plans.toml` from the data directory when that file differs from the version in
//! force, so an admin can keep the plans in a file under change control. A file that does not
//! validate is refused with every problem logged, and the plans in force stay.
//!
//! Everyone who reads incidents reads the plans; only admins change them, naming the version
//! they read (a change made meanwhile answers 409) and a reason. Each change is a new version
//! with an audit row. Every node re-reads the book when the version number moves, so several
//! nodes on one PostgreSQL agree within one request.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::incident::{
    AreaType, Incident, Origin, OriginSource, PlanBook, PlanContext, PlanSubject, ResponsePlan,
    SelectedPlan, TravelModel, Vocabulary,
};
use domain::units::UnitKind;
use serde::{Deserialize, Serialize};
use std::path::Path as FsPath;
use std::sync::{Arc, RwLock};
use store::{Actor, PlanVersion, Store};

/// The file in the data directory that is imported at start when it differs.
pub const PLAN_FILE: &str = "response_plans.toml";

/// Largest plan book accepted (TOML or JSON), in bytes.
pub const MAX_PLAN_BYTES: usize = 256 * 1024;

/// The plan book in force on this node, re-read when the stored version moves.
#[derive(Debug)]
pub struct PlanCache {
    held: RwLock<(i64, Arc<PlanBook>)>,
}

impl Default for PlanCache {
    fn default() -> Self {
        PlanCache {
            held: RwLock::new((0, Arc::new(PlanBook::defaults()))),
        }
    }
}

impl PlanCache {
    /// The version in force and its book. One cheap query when nothing changed.
    pub async fn current(&self, store: &Store) -> ApiResult<(i64, Arc<PlanBook>)> {
        let version = store.current_response_plans_version().await?;
        if let Ok(held) = self.held.read() {
            if held.0 == version {
                return Ok(held.clone());
            }
        }
        let Some(stored) = store.current_response_plans().await? else {
            return Ok((0, Arc::new(PlanBook::defaults())));
        };
        let book = match PlanBook::from_toml(&stored.body) {
            Ok(book) => Arc::new(book),
            Err(e) => {
                // Every stored version was validated; a failure here is a defect, and the
                // defaults are safer than no plan at all.
                tracing::error!(version = stored.version, error = %e, "stored response plans do not validate; using the defaults");
                Arc::new(PlanBook::defaults())
            }
        };
        if let Ok(mut held) = self.held.write() {
            *held = (stored.version, book.clone());
        }
        Ok((stored.version, book))
    }
}

/// Stores the defaults on a first start, then imports [`PLAN_FILE`] from `data_dir` when it
/// differs from the plans in force. Never fails the start for a bad file: it is logged.
pub async fn install(store: &Store, data_dir: &FsPath) -> anyhow::Result<()> {
    let now = Utc::now();
    let system = Actor::system("start");
    let current = store.current_response_plans().await?;
    let file = data_dir.join(PLAN_FILE);
    let from_file = match std::fs::read_to_string(&file) {
        Ok(text) => match PlanBook::from_toml(&text) {
            Ok(_) => Some(text),
            Err(e) => {
                tracing::error!(file = %file.display(), error = %e, "response plans file refused; the plans in force stay");
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            tracing::error!(file = %file.display(), error = %e, "cannot read the response plans file");
            None
        }
    };
    match (current, from_file) {
        (None, None) => {
            store
                .save_response_plans(
                    domain::incident::plans::DEFAULT_PLANS_TOML,
                    "default",
                    Some("shipped defaults"),
                    Some(0),
                    &system,
                    now,
                )
                .await?;
        }
        (Some(cur), Some(text)) if cur.body == text => {}
        (cur, Some(text)) => {
            let read = cur.as_ref().map_or(0, |c| c.version);
            match store
                .save_response_plans(&text, "file", Some(PLAN_FILE), Some(read), &system, now)
                .await
            {
                Ok(v) => tracing::info!(
                    version = v.version,
                    "response plans imported from the data directory"
                ),
                // Another node imported it at the same moment.
                Err(store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        (Some(_), None) => {}
    }
    Ok(())
}

/// The facts a plan is chosen by, read for one incident.
pub async fn context_for(state: &AppState, incident: &Incident) -> ApiResult<(i64, PlanContext)> {
    let (version, book) = state.cad.plans.current(&state.store).await?;
    let facility = match incident.facility_id {
        Some(id) => state.store.facility(id).await?,
        None => None,
    };
    let premises = facility.as_ref().map(|f| Premises {
        kind: f.kind.as_str(),
        floors: f.floors.and_then(|n| u16::try_from(n).ok()),
    });
    let ctx = plan_context(&book, incident, premises, &state.units)
        .ok_or_else(|| ApiError::internal("no response plan for the incident type"))?;
    Ok((version, ctx))
}

/// The facility an incident is at, as far as plans care.
#[derive(Debug, Clone, Copy)]
pub struct Premises<'a> {
    /// Facility kind code.
    pub kind: &'a str,
    /// Floors above ground.
    pub floors: Option<u16>,
}

/// The plan, origin and area for `incident` from `book` (the defaults when the book has no
/// plan for it). `None` only when neither has one.
pub fn plan_context(
    book: &PlanBook,
    incident: &Incident,
    premises: Option<Premises<'_>>,
    units: &domain::units::UnitDirectory,
) -> Option<PlanContext> {
    let subject = PlanSubject {
        kind: incident.kind,
        subtype: incident.crime_subtype,
        priority: incident.priority,
        facility_kind: premises.map(|p| p.kind),
        floors: premises.and_then(|p| p.floors),
    };
    let plan = book
        .select(&subject)
        .or_else(|| PlanBook::defaults().select(&subject))?;
    let unit = incident
        .location
        .unit_code
        .as_deref()
        .and_then(|code| units.get(code));
    let origin = origin_of(incident, unit.map(|u| (u.label.lat, u.label.lon)));
    let area = match unit.map(|u| u.kind) {
        Some(UnitKind::Phuong) | None => AreaType::Urban,
        Some(_) => AreaType::Rural,
    };
    Some(PlanContext {
        plan,
        origin,
        area,
        travel: TravelModel::default(),
    })
}

/// Where to measure from: the incident's point (said whether it came from the address), else
/// the centre of its unit, else nowhere.
fn origin_of(incident: &Incident, unit_centre: Option<(f64, f64)>) -> Origin {
    let loc = &incident.location;
    if let Some(point) = loc.point.filter(|p| p.is_valid()) {
        let source = match loc.point_source.as_deref() {
            Some("place" | "junction" | "street") => OriginSource::ResolvedPoint,
            Some("unit_centre") => OriginSource::UnitCentre,
            _ => OriginSource::Incident,
        };
        return Origin {
            point: Some(point),
            source,
        };
    }
    match unit_centre {
        Some((lat, lon)) => Origin {
            point: Some(domain::incident::GeoPoint::new(lat, lon)),
            source: OriginSource::UnitCentre,
        },
        None => Origin {
            point: None,
            source: OriginSource::None,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Views

/// One line of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLineView {
    /// Resource kind code (`fire_engine`, `aerial_ladder`, …).
    pub kind: String,
    /// How many.
    pub count: u8,
    /// The kind's label, in Vietnamese (ignored on input).
    #[serde(default)]
    pub label_vi: String,
    /// The same in English (ignored on input).
    #[serde(default)]
    pub label_en: String,
}

/// A response plan as the API shows and takes it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanView {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default)]
    pub reason_vi: String,
    #[serde(default)]
    pub reason_en: String,
    /// Incident type codes.
    pub kinds: Vec<String>,
    /// Crime sub-type codes; empty = any.
    #[serde(default)]
    pub subtypes: Vec<String>,
    /// Priorities 1–4; empty = any.
    #[serde(default)]
    pub priorities: Vec<u8>,
    /// Facility kind codes; empty = any place.
    #[serde(default)]
    pub facility_kinds: Vec<String>,
    /// The facility has at least this many floors.
    #[serde(default)]
    pub min_floors: Option<u16>,
    pub lines: Vec<PlanLineView>,
}

fn line_view(kind: domain::incident::ResourceKind, count: u8) -> PlanLineView {
    PlanLineView {
        kind: kind.code().to_owned(),
        count,
        label_vi: kind.label_vi().to_owned(),
        label_en: kind.label_en().to_owned(),
    }
}

impl From<&ResponsePlan> for PlanView {
    fn from(p: &ResponsePlan) -> Self {
        PlanView {
            id: p.id.clone(),
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            reason_vi: p.reason_vi.clone(),
            reason_en: p.reason_en.clone(),
            kinds: p.kinds.iter().map(|k| k.code().to_owned()).collect(),
            subtypes: p.subtypes.iter().map(|k| k.code().to_owned()).collect(),
            priorities: p.priorities.iter().map(|k| k.number()).collect(),
            facility_kinds: p.facility_kinds.clone(),
            min_floors: p.min_floors,
            lines: p.lines.iter().map(|l| line_view(l.kind, l.count)).collect(),
        }
    }
}

/// The plan chosen for an incident.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelectedPlanView {
    /// The lead plan's id.
    pub id: String,
    /// Every plan that applied, lead first.
    pub applied: Vec<String>,
    pub name_vi: String,
    pub name_en: String,
    pub reason_vi: String,
    pub reason_en: String,
    /// The plan book version it comes from.
    pub version: i64,
    pub lines: Vec<PlanLineView>,
}

impl SelectedPlanView {
    /// The view of `plan` from book `version`.
    pub fn new(plan: &SelectedPlan, version: i64) -> Self {
        SelectedPlanView {
            id: plan.id.clone(),
            applied: plan.applied.clone(),
            name_vi: plan.name_vi.clone(),
            name_en: plan.name_en.clone(),
            reason_vi: plan.reason_vi.clone(),
            reason_en: plan.reason_en.clone(),
            version,
            lines: plan
                .lines
                .iter()
                .map(|l| line_view(l.kind, l.count))
                .collect(),
        }
    }
}

/// The plan book of one version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanBookView {
    /// Version number (send it back with a change).
    pub version: i64,
    /// `default`, `file` or `api`.
    pub source: String,
    pub reason: Option<String>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    /// True for the version in force.
    pub in_force: bool,
    pub plans: Vec<PlanView>,
    /// The book as stored (TOML, with its comments).
    pub toml: String,
}

/// A version in the history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanVersionView {
    pub version: i64,
    pub source: String,
    pub reason: Option<String>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
}

/// The history of versions, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanVersionList {
    /// Every version stored, not only those listed.
    pub total: i64,
    pub versions: Vec<PlanVersionView>,
}

/// A change of the plans: the version read, why, and the new book as plans or as TOML.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChange {
    /// The version the change is based on (409 when another change landed meanwhile).
    pub version: i64,
    /// Why (kept with the version and in the audit trail).
    pub reason: String,
    /// The whole new book as plans.
    pub plans: Option<Vec<PlanView>>,
    /// Or the whole new book as TOML.
    pub toml: Option<String>,
}

fn book_view(v: &PlanVersion, in_force: bool) -> PlanBookView {
    let plans = PlanBook::from_toml(&v.body)
        .map(|b| b.plans.iter().map(PlanView::from).collect())
        .unwrap_or_default();
    PlanBookView {
        version: v.version,
        source: v.source.clone(),
        reason: v.reason.clone(),
        author_name: v.author_name.clone(),
        created_at: v.created_at,
        in_force,
        plans,
        toml: v.body.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

fn readers() -> [Role; 4] {
    [Role::Admin, Role::Operator, Role::UnitOfficer, Role::Leader]
}

/// The response plans in force, with their version.
#[utoipa::path(get, path = "/api/response-plans", tag = "response-plans",
    responses((status = 200, body = PlanBookView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn current(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<PlanBookView>> {
    principal.require(&readers())?;
    let v = state
        .store
        .current_response_plans()
        .await?
        .ok_or_else(|| ApiError::not_found("no response plans stored"))?;
    Ok(Json(book_view(&v, true)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionsQuery {
    /// At most this many (1–500, default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Every version of the plans, newest first, with the real total.
#[utoipa::path(get, path = "/api/response-plans/versions", tag = "response-plans",
    params(VersionsQuery),
    responses((status = 200, body = PlanVersionList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn versions(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<VersionsQuery>,
) -> ApiResult<Json<PlanVersionList>> {
    principal.require(&readers())?;
    let (list, total) = state
        .store
        .list_response_plan_versions(q.limit.unwrap_or(50), q.offset.unwrap_or(0))
        .await?;
    Ok(Json(PlanVersionList {
        total,
        versions: list
            .into_iter()
            .map(|v| PlanVersionView {
                version: v.version,
                source: v.source,
                reason: v.reason,
                author_name: v.author_name,
                created_at: v.created_at,
            })
            .collect(),
    }))
}

/// One version of the plans.
#[utoipa::path(get, path = "/api/response-plans/versions/{version}", tag = "response-plans",
    params(("version" = i64, Path)),
    responses((status = 200, body = PlanBookView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn version(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(version): Path<i64>,
) -> ApiResult<Json<PlanBookView>> {
    principal.require(&readers())?;
    let v = state
        .store
        .response_plans_version(version)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("response plans version {version} not found"))
        })?;
    let in_force = state.store.current_response_plans_version().await? == v.version;
    Ok(Json(book_view(&v, in_force)))
}

/// Replaces the plans (admins): the whole book, as plans or as TOML, validated with every
/// problem listed (422); based on the version read (409 when another change landed meanwhile);
/// with a reason. The new version is in force at once on every node.
#[utoipa::path(put, path = "/api/response-plans", tag = "response-plans",
    request_body = PlanChange,
    responses((status = 200, body = PlanBookView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn replace(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(change): Json<PlanChange>,
) -> ApiResult<Json<PlanBookView>> {
    principal.require(&[Role::Admin])?;
    let reason = change.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::new(
            ErrorCode::ReasonRequired,
            "Cần nêu lý do thay đổi phương án (tối đa 500 ký tự)",
        ));
    }
    let body = match (change.plans, change.toml) {
        (Some(plans), None) => {
            let plans: Vec<ResponsePlan> = plans
                .into_iter()
                .enumerate()
                .map(|(i, p)| plan_from_view(i, p))
                .collect::<Result<_, _>>()?;
            let book = PlanBook { plans };
            book.validate()?;
            book.to_toml()
        }
        (None, Some(text)) => {
            if text.len() > MAX_PLAN_BYTES {
                return Err(ApiError::new(
                    ErrorCode::BodyTooLarge,
                    format!("Tệp phương án quá lớn (tối đa {MAX_PLAN_BYTES} byte)"),
                ));
            }
            PlanBook::from_toml(&text)?;
            text
        }
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidBody,
                "Gửi đúng một trong hai: plans hoặc toml",
            ))
        }
    };
    let saved = state
        .store
        .save_response_plans(
            &body,
            "api",
            Some(reason),
            Some(change.version),
            &principal.actor(),
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ApiError::conflict(
                "Phương án đã được người khác thay đổi; tải lại phiên bản mới rồi sửa tiếp",
            ),
            other => other.into(),
        })?;
    Ok(Json(book_view(&saved, true)))
}

/// A plan from its view, with the codes checked (unknown codes name the plan and field).
fn plan_from_view(i: usize, p: PlanView) -> Result<ResponsePlan, ApiError> {
    let field = |what: &str, e: domain::incident::IncidentError| -> ApiError {
        ApiError::new(ErrorCode::UnknownCode, format!("plans[{i}].{what}: {e}"))
    };
    Ok(ResponsePlan {
        id: p.id,
        name_vi: p.name_vi,
        name_en: p.name_en,
        reason_vi: p.reason_vi,
        reason_en: p.reason_en,
        kinds: p
            .kinds
            .iter()
            .map(|k| Vocabulary::from_code(k))
            .collect::<Result<_, _>>()
            .map_err(|e| field("kinds", e))?,
        subtypes: p
            .subtypes
            .iter()
            .map(|k| Vocabulary::from_code(k))
            .collect::<Result<_, _>>()
            .map_err(|e| field("subtypes", e))?,
        priorities: p
            .priorities
            .iter()
            .map(|n| domain::incident::Priority::try_from(*n))
            .collect::<Result<_, _>>()
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::UnknownCode,
                    format!("plans[{i}].priorities: 1 to 4"),
                )
            })?,
        facility_kinds: p.facility_kinds,
        min_floors: p.min_floors,
        lines: p
            .lines
            .iter()
            .map(|l| {
                Ok(domain::incident::PlanLine {
                    kind: Vocabulary::from_code(&l.kind).map_err(|e| field("lines", e))?,
                    count: l.count,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// The response-plan routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/response-plans", get(current).put(replace))
        .route("/api/response-plans/versions", get(versions))
        .route("/api/response-plans/versions/{version}", get(version))
}

/// The response-plan paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(current, versions, version, replace),
    components(schemas(
        PlanBookView,
        PlanView,
        PlanLineView,
        PlanChange,
        PlanVersionList,
        PlanVersionView,
        SelectedPlanView
    ))
)]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;
    use domain::incident::{GeoPoint, IncidentKind};

    #[tokio::test]
    async fn a_plan_file_is_imported_when_it_differs_and_a_bad_one_refused() {
        let dir = std::env::temp_dir().join(format!(
            "binhyen-plans-{}-{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&store::DbTarget::Sqlite(dir.join("t.db")))
            .await
            .unwrap();
        install(&store, &dir).await.unwrap();
        let first = store.current_response_plans().await.unwrap().unwrap();
        assert_eq!((first.version, first.source.as_str()), (1, "default"));
        // Unchanged start: nothing new.
        install(&store, &dir).await.unwrap();
        assert_eq!(store.current_response_plans_version().await.unwrap(), 1);
        // An edited file becomes version 2, once.
        let edited = domain::incident::plans::DEFAULT_PLANS_TOML.replace(
            "{ kind = \"fire_engine\", count = 3 }",
            "{ kind = \"fire_engine\", count = 4 }",
        );
        std::fs::write(dir.join(PLAN_FILE), &edited).unwrap();
        install(&store, &dir).await.unwrap();
        install(&store, &dir).await.unwrap();
        let now_in_force = store.current_response_plans().await.unwrap().unwrap();
        assert_eq!(
            (now_in_force.version, now_in_force.source.as_str()),
            (2, "file")
        );
        let cache = PlanCache::default();
        let (v, book) = cache.current(&store).await.unwrap();
        assert_eq!(v, 2);
        let high_rise = book
            .plans
            .iter()
            .find(|p| p.id == "fire_high_rise")
            .unwrap();
        assert_eq!(high_rise.lines[0].count, 4);
        // A broken file is refused; the plans in force stay.
        std::fs::write(dir.join(PLAN_FILE), "[[plan]]\nid = 'x'").unwrap();
        install(&store, &dir).await.unwrap();
        assert_eq!(store.current_response_plans_version().await.unwrap(), 2);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_default_plan_round_trips_through_its_view() {
        for (i, plan) in PlanBook::defaults().plans.iter().enumerate() {
            let view = PlanView::from(plan);
            let json = serde_json::to_value(&view).unwrap();
            let back: PlanView = serde_json::from_value(json).unwrap();
            assert_eq!(&plan_from_view(i, back).unwrap(), plan);
        }
    }

    #[test]
    fn unknown_codes_in_a_view_are_named() {
        let mut view = PlanView::from(&PlanBook::defaults().plans[0]);
        view.lines[0].kind = "spaceship".into();
        let err = plan_from_view(3, view).unwrap_err();
        assert!(err.message.contains("plans[3].lines"), "{}", err.message);
    }

    #[test]
    fn the_origin_says_where_the_point_comes_from() {
        let form = domain::incident::NewIncidentForm {
            kind: IncidentKind::Fire.code().into(),
            channel: "hotline_114".into(),
            address: Some("ngõ 5 Láng Hạ".into()),
            description: "cháy".into(),
            ..Default::default()
        };
        let now = Utc::now();
        let valid = form.validate(now).unwrap();
        let number = domain::incident::IncidentNumber::new("HN", 2026, 1).unwrap();
        let (mut inc, _) = Incident::open(
            domain::incident::IncidentId(1),
            number,
            valid,
            domain::incident::Actor::user(1, "a"),
            now,
        );
        assert_eq!(origin_of(&inc, None).source, OriginSource::None);
        let centre = origin_of(&inc, Some((21.0, 105.8)));
        assert_eq!(centre.source, OriginSource::UnitCentre);
        inc.location.point = Some(GeoPoint::new(21.01, 105.81));
        inc.location.point_source = Some("street".into());
        assert_eq!(origin_of(&inc, None).source, OriginSource::ResolvedPoint);
        inc.location.point_source = Some("gps".into());
        assert_eq!(origin_of(&inc, None).source, OriginSource::Incident);
    }
}
