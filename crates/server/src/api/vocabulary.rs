//! The vocabulary of the command center, served from the domain's own definitions so that the
//! console and the field app keep no copies: incident types and crime sub-types, intake
//! channels, dispositions, resource kinds and statuses, incident statuses with the transitions
//! each allows, and the priorities with the response targets the timers and the statistics count
//! against, and the API's error codes, every one labelled in Vietnamese and English.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorCode, Json};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use domain::incident::{
    Channel, CrimeSubtype, Disposition, FalseAlarmCause, FireCause, IncidentKind, IncidentStatus,
    PremisesKind, Priority, ResourceKind, ResourceStatus, ResponseTargets,
    Vocabulary as DomainVocabulary,
};
use domain::stats::{CrimeGroup, Severity};
use domain::water::{WaterKind, WaterStatus};
use serde::Serialize;
use std::sync::Arc;

/// One code with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Term {
    pub code: String,
    pub label_vi: String,
    pub label_en: String,
}

impl Term {
    fn new(code: &str, label_vi: &str, label_en: &str) -> Self {
        Term {
            code: code.to_owned(),
            label_vi: label_vi.to_owned(),
            label_en: label_en.to_owned(),
        }
    }

    /// Every value of a domain vocabulary, in display order.
    fn all<V: DomainVocabulary>() -> Vec<Term> {
        V::ALL
            .iter()
            .map(|v| Term::new(v.code(), v.label_vi(), v.label_en()))
            .collect()
    }
}

/// An incident status, with where it may go next.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusTerm {
    pub code: String,
    pub label_vi: String,
    pub label_en: String,
    /// Closed, cancelled and merged: nothing leaves them.
    pub terminal: bool,
    /// The statuses `POST /api/incidents/{id}/transitions` may reach from this one (a merge is
    /// its own action).
    pub next: Vec<String>,
    /// The statuses among `next` whose transition needs a written reason.
    pub next_needs_reason: Vec<String>,
}

/// A resource status, with where it may go next.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResourceStatusTerm {
    pub code: String,
    pub label_vi: String,
    pub label_en: String,
    pub next: Vec<String>,
}

/// A priority with its response targets in seconds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriorityTerm {
    /// 1 (highest) to 4.
    pub priority: u8,
    pub label_vi: String,
    pub label_en: String,
    /// Received → verified.
    pub verify_secs: u32,
    /// Received → first dispatch.
    pub dispatch_secs: u32,
    /// First dispatch → first unit on scene.
    pub on_scene_secs: u32,
}

/// An API error code with its one HTTP status and what it means for a person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorTerm {
    pub code: String,
    pub status: u16,
    pub label_vi: String,
    pub label_en: String,
}

/// The whole vocabulary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VocabularyView {
    pub kinds: Vec<Term>,
    pub crime_subtypes: Vec<Term>,
    pub channels: Vec<Term>,
    pub dispositions: Vec<Term>,
    pub resource_kinds: Vec<Term>,
    /// Causes of fire, for the fire report.
    pub fire_causes: Vec<Term>,
    /// Causes of false alarms, for the fire report.
    pub false_alarm_causes: Vec<Term>,
    /// Types of premises, for the fire report.
    pub premises_kinds: Vec<Term>,
    /// Kinds of water sources for fire fighting.
    pub water_kinds: Vec<Term>,
    /// Whether a water source can be used now.
    pub water_statuses: Vec<Term>,
    /// Kinds of premises of the fire-alarm register (response plans choose by them).
    pub facility_kinds: Vec<Term>,
    /// The crime groups of the statistics tables.
    pub crime_groups: Vec<Term>,
    /// The severities of the Criminal Code (art. 9), for cases.
    pub case_severities: Vec<Term>,
    pub resource_statuses: Vec<ResourceStatusTerm>,
    pub statuses: Vec<StatusTerm>,
    pub priorities: Vec<PriorityTerm>,
    /// Every error code the API answers with (the console shows these labels, not the
    /// server's technical message).
    pub errors: Vec<ErrorTerm>,
}

impl VocabularyView {
    /// The vocabulary with the response targets in force.
    pub fn new(targets: &ResponseTargets) -> Self {
        let codes = |list: &[IncidentStatus]| list.iter().map(|s| s.code().to_owned()).collect();
        VocabularyView {
            kinds: Term::all::<IncidentKind>(),
            crime_subtypes: Term::all::<CrimeSubtype>(),
            channels: Term::all::<Channel>(),
            dispositions: Term::all::<Disposition>(),
            resource_kinds: Term::all::<ResourceKind>(),
            fire_causes: Term::all::<FireCause>(),
            false_alarm_causes: Term::all::<FalseAlarmCause>(),
            premises_kinds: Term::all::<PremisesKind>(),
            water_kinds: Term::all::<WaterKind>(),
            water_statuses: Term::all::<WaterStatus>(),
            facility_kinds: crate::api::facilities::KINDS
                .iter()
                .map(|(code, vi, en)| Term::new(code, vi, en))
                .collect(),
            crime_groups: CrimeGroup::ALL
                .iter()
                .map(|g| Term::new(g.code(), g.label_vi(), g.label_en()))
                .collect(),
            case_severities: Severity::ALL
                .iter()
                .map(|s| Term::new(s.code(), s.label_vi(), s.label_en()))
                .collect(),
            resource_statuses: ResourceStatus::ALL
                .iter()
                .map(|s| ResourceStatusTerm {
                    code: s.code().to_owned(),
                    label_vi: s.label_vi().to_owned(),
                    label_en: s.label_en().to_owned(),
                    next: s
                        .allowed_targets()
                        .iter()
                        .map(|t| t.code().to_owned())
                        .collect(),
                })
                .collect(),
            statuses: IncidentStatus::ALL
                .iter()
                .map(|s| {
                    // A merge is its own action (`POST /api/incidents/{id}/merge`).
                    let next: Vec<IncidentStatus> = s
                        .allowed_targets()
                        .iter()
                        .copied()
                        .filter(|t| *t != IncidentStatus::Merged)
                        .collect();
                    let reasoned: Vec<IncidentStatus> = next
                        .iter()
                        .copied()
                        .filter(|t| s.needs_reason(*t))
                        .collect();
                    StatusTerm {
                        code: s.code().to_owned(),
                        label_vi: s.label_vi().to_owned(),
                        label_en: s.label_en().to_owned(),
                        terminal: s.is_terminal(),
                        next: codes(&next),
                        next_needs_reason: codes(&reasoned),
                    }
                })
                .collect(),
            priorities: Priority::ALL
                .iter()
                .map(|p| {
                    let t = targets.for_priority(*p);
                    PriorityTerm {
                        priority: p.number(),
                        label_vi: p.label_vi().to_owned(),
                        label_en: p.label_en().to_owned(),
                        verify_secs: t.verify_secs,
                        dispatch_secs: t.dispatch_secs,
                        on_scene_secs: t.on_scene_secs,
                    }
                })
                .collect(),
            errors: ErrorCode::ALL
                .iter()
                .map(|c| ErrorTerm {
                    code: c.code().to_owned(),
                    status: c.status().as_u16(),
                    label_vi: c.label_vi().to_owned(),
                    label_en: c.label_en().to_owned(),
                })
                .collect(),
        }
    }
}

/// The vocabulary (any signed-in account).
#[utoipa::path(get, path = "/api/vocabulary", tag = "incidents",
    responses((status = 200, body = VocabularyView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn vocabulary(
    State(state): State<Arc<AppState>>,
    _principal: Principal,
) -> ApiResult<Json<VocabularyView>> {
    Ok(Json(VocabularyView::new(&state.cad.targets)))
}

/// The vocabulary route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/vocabulary", get(vocabulary))
}

/// The vocabulary path for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(vocabulary),
    components(schemas(
        VocabularyView,
        Term,
        StatusTerm,
        ResourceStatusTerm,
        PriorityTerm,
        ErrorTerm
    ))
)]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    /// The console's unit tests read the vocabulary from this file (they run without a
    /// server); it must be what the server answers. `BINHYEN_BLESS=1` rewrites it.
    #[test]
    fn the_console_fixture_is_what_the_server_serves() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../e2e/fixtures/vocabulary.json");
        let served = serde_json::to_value(VocabularyView::new(&ResponseTargets::default()))
            .expect("serialises");
        if std::env::var_os("BINHYEN_BLESS").is_some() {
            let text = serde_json::to_string_pretty(&served).expect("serialises");
            std::fs::write(&path, text + "\n").expect("fixture written");
        }
        let text = std::fs::read_to_string(&path).expect("e2e/fixtures/vocabulary.json");
        let fixture: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        assert_eq!(
            fixture, served,
            "e2e/fixtures/vocabulary.json is stale: run with BINHYEN_BLESS=1"
        );
    }

    #[test]
    fn every_value_of_every_domain_vocabulary_is_served() {
        let v = VocabularyView::new(&ResponseTargets::default());
        assert_eq!(v.kinds.len(), IncidentKind::ALL.len());
        assert_eq!(v.crime_subtypes.len(), CrimeSubtype::ALL.len());
        assert_eq!(v.channels.len(), Channel::ALL.len());
        assert_eq!(v.dispositions.len(), Disposition::ALL.len());
        assert_eq!(v.resource_kinds.len(), ResourceKind::ALL.len());
        assert_eq!(v.fire_causes.len(), FireCause::ALL.len());
        assert_eq!(v.false_alarm_causes.len(), FalseAlarmCause::ALL.len());
        assert_eq!(v.resource_statuses.len(), ResourceStatus::ALL.len());
        assert_eq!(v.statuses.len(), IncidentStatus::ALL.len());
        assert_eq!(v.priorities.len(), Priority::ALL.len());
        let fire = &v.kinds[0];
        assert_eq!(
            (fire.code.as_str(), fire.label_vi.as_str()),
            ("fire", IncidentKind::Fire.label_vi())
        );
        // Transitions are the domain's table: a closed incident goes nowhere, a received one may
        // be cancelled (with a reason).
        let status = |code: &str| v.statuses.iter().find(|s| s.code == code).unwrap();
        assert!(status("closed").terminal && status("closed").next.is_empty());
        assert!(status("received").next.contains(&"cancelled".to_owned()));
        assert!(status("received")
            .next_needs_reason
            .contains(&"cancelled".to_owned()));
        assert!(!status("received")
            .next_needs_reason
            .contains(&"verified".to_owned()));
        let p1 = &v.priorities[0];
        let want = ResponseTargets::default().p1;
        assert_eq!(
            (p1.verify_secs, p1.dispatch_secs, p1.on_scene_secs),
            (want.verify_secs, want.dispatch_secs, want.on_scene_secs)
        );
    }
}
