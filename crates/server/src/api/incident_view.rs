//! The incident as a client sees it: one typed view that `GET /api/incidents/{id}` and every
//! change to an incident answer with. It names each field it shows, so a field added to the
//! domain model reaches no client until it is named here, and the OpenAPI document describes
//! the answer exactly. The flat fields carry the same names and meanings as the list's
//! [`IncidentSummary`]; the caller's name and full phone are shown only to those who see callers.

use crate::api::fire_report::FireReportBody;
use chrono::{DateTime, Utc};
use domain::incident::{
    Actor, AlarmSignal, Incident, IncidentLocation, IncidentStatus, Note, ResourceAssignment,
};
use serde::Serialize;
use store::{IncidentSummary, ResourceRecord, ResourceView, StoredDuplicate};

/// One incident with everything the incident page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentDetail {
    pub id: i64,
    /// Readable number, e.g. `HN-2026-000123`.
    pub number: String,
    /// Type code (`GET /api/vocabulary` `kinds`).
    pub kind: String,
    pub kind_label: String,
    pub crime_subtype: Option<String>,
    /// 1 (highest) to 4.
    pub priority: u8,
    pub channel: String,
    pub status: String,
    pub status_label: String,
    pub disposition: Option<String>,
    /// Responsible commune/ward unit; empty while the place is uncertain.
    pub unit_code: Option<String>,
    /// Neighbouring units that also see it.
    pub shared_with: Vec<String>,
    pub escalated_to_city: bool,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The point is close to a unit boundary: the owner should be confirmed.
    pub near_boundary: bool,
    /// Caller's phone with its middle hidden.
    pub caller_phone_masked: Option<String>,
    /// The whole description (lists show the first 160 characters).
    pub description: String,
    pub facility_id: Option<i64>,
    /// The alarm device's account (alarm incidents).
    pub device_id: Option<String>,
    /// Alarm signals received (kept and only counted).
    pub signal_count: u32,
    /// Call signs of the resources working on it.
    pub active_resources: Vec<String>,
    pub received_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub on_scene_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub opened_by: ActorView,
    pub merged_into: Option<i64>,
    /// Incidents merged into this one.
    pub merged_from: Vec<i64>,
    /// Incidents linked to this one.
    pub related: Vec<i64>,
    /// Row version: send it back with a change to refuse acting on stale data.
    pub version: i64,
    pub location: LocationView,
    pub caller: CallerView,
    pub times: TimesView,
    /// Alarm signals, oldest first (at most the cap; the rest are only counted).
    pub signals: Vec<IncidentSignalView>,
    pub notes: Vec<NoteView>,
    pub casualties: CasualtiesView,
    /// The fire report, once filed.
    pub fire_report: Option<FireReportBody>,
    /// Resources sent, with their current status.
    pub resources: Vec<ResourceLine>,
    /// Every event, oldest first (after a merge, the merged incident's events too).
    pub timeline: Vec<TimelineEntry>,
    /// Open incidents this one probably duplicates (found when it was opened), those the caller
    /// may see.
    pub duplicates: Vec<DuplicateView>,
    /// The statuses `POST /api/incidents/{id}/transitions` may reach now.
    pub allowed_transitions: Vec<String>,
}

/// Where the incident is, and how sure the placement is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LocationView {
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub unit_code: Option<String>,
    pub near_boundary: bool,
    /// Metres to the nearest boundary of its unit.
    pub boundary_distance_m: Option<f64>,
    /// The former commune name the address used, when it was resolved through one.
    pub resolved_from_old_name: Option<String>,
    /// The unit could not be told for sure: see `unit_candidates`.
    pub unit_uncertain: bool,
    pub unit_candidates: Vec<UnitCandidateView>,
    /// Where the point came from (`gps`, `street`, `landmark`, …).
    pub point_source: Option<String>,
}

/// A unit the place may belong to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitCandidateView {
    pub code: String,
    pub full_name: String,
    pub score: f32,
    /// Why it is a candidate, in Vietnamese.
    pub why: String,
}

/// Who reported it: the name and full phone only for those who see callers, otherwise no
/// name and the phone masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallerView {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// When each stage was reached.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimesView {
    pub received: DateTime<Utc>,
    pub verified: Option<DateTime<Utc>>,
    pub false_alarm: Option<DateTime<Utc>>,
    pub dispatched: Option<DateTime<Utc>>,
    pub en_route: Option<DateTime<Utc>>,
    pub on_scene: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    pub cancelled: Option<DateTime<Utc>>,
    pub merged: Option<DateTime<Utc>>,
}

/// One alarm signal of the incident.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentSignalView {
    /// `fire`, `trouble`, `supervisory`, …
    pub category: String,
    pub zone: Option<String>,
    /// The event code as received.
    pub code: String,
    pub text: Option<String>,
    pub received_at: DateTime<Utc>,
    pub restored: bool,
    pub restored_at: Option<DateTime<Utc>>,
}

/// Who did something: a person (`kind` `user`, with `id`) or a part of the system
/// (`kind` `system`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActorView {
    /// `user` or `system`.
    pub kind: String,
    pub id: Option<i64>,
    pub name: String,
    pub unit_code: Option<String>,
}

/// One note.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub at: DateTime<Utc>,
    pub author: ActorView,
    pub text: String,
    /// The incident it was written on (a merged incident's notes keep theirs).
    pub origin: i64,
}

/// People dead, injured, trapped and rescued, as last recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CasualtiesView {
    pub dead: u32,
    pub injured: u32,
    pub trapped: u32,
    pub rescued: u32,
}

/// A resource sent to the incident.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceLine {
    pub resource_id: i64,
    pub call_sign: String,
    /// Resource kind code.
    pub kind: String,
    pub name: Option<String>,
    /// Its status for this incident: `released` once let go, else its current status.
    pub status: String,
    pub assigned_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
}

/// One event of the timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// The incident it happened on.
    pub incident_id: i64,
    /// Its position in that incident's own timeline, from 1.
    pub seq: u32,
    pub at: DateTime<Utc>,
    pub actor: ActorView,
    /// What changed: an object whose `type` names the change (`opened`, `status_changed`,
    /// `note_added`, `resource_assigned`, …) with the change's own fields.
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
}

/// An open incident this one probably duplicates.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateView {
    pub incident_id: i64,
    pub number: Option<String>,
    /// Why it looks the same (`same_facility`, `same_phone`, `nearby`, …).
    pub reasons: Vec<String>,
    pub distance_m: Option<f64>,
    pub message_vi: Option<String>,
    pub message_en: Option<String>,
    /// When it was found.
    pub at: DateTime<Utc>,
}

/// The answer to a merge: the surviving incident, and the merged one as lists show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MergeAnswer {
    #[serde(flatten)]
    pub incident: IncidentDetail,
    pub merged: IncidentSummary,
}

/// The answer to a dispatch: the incident, and the resources sent as the board shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DispatchAnswer {
    pub incident: IncidentDetail,
    pub resources: Vec<ResourceView>,
}

/// The incident as a NENA EIDO document (NENA-STA-021, JSON): each component is an object of
/// the standard's schema; the arrays are left out when empty. Described here for the API
/// document only: `domain::incident::eido` builds it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EidoDocument {
    #[schema(rename = "$id")]
    id: String,
    #[schema(rename = "lastUpdateTimeStamp")]
    last_update_time_stamp: String,
    #[schema(rename = "updatedByAgencyReference", value_type = Object)]
    updated_by_agency_reference: serde_json::Value,
    #[schema(rename = "eidoVersion")]
    eido_version: String,
    #[schema(rename = "issuingElementIdentification")]
    issuing_element_identification: String,
    #[schema(rename = "incidentComponent", value_type = Object)]
    incident_component: serde_json::Value,
    #[schema(rename = "callComponent", value_type = Option<Vec<Object>>)]
    call_component: Option<serde_json::Value>,
    #[schema(rename = "callbackComponent", value_type = Option<Vec<Object>>)]
    callback_component: Option<serde_json::Value>,
    #[schema(rename = "dispatchComponent", value_type = Option<Vec<Object>>)]
    dispatch_component: Option<serde_json::Value>,
    #[schema(rename = "alarmsSensorsComponent", value_type = Option<Vec<Object>>)]
    alarms_sensors_component: Option<serde_json::Value>,
    #[schema(rename = "agencyComponent", value_type = Option<Vec<Object>>)]
    agency_component: Option<serde_json::Value>,
    #[schema(rename = "notesComponent", value_type = Option<Vec<Object>>)]
    notes_component: Option<serde_json::Value>,
    #[schema(rename = "locationComponent", value_type = Vec<Object>)]
    location_component: serde_json::Value,
    #[schema(rename = "personComponent", value_type = Option<Vec<Object>>)]
    person_component: Option<serde_json::Value>,
    #[schema(rename = "emergencyResourceComponent", value_type = Option<Vec<Object>>)]
    emergency_resource_component: Option<serde_json::Value>,
    #[schema(rename = "mergeComponent", value_type = Option<Vec<Object>>)]
    merge_component: Option<serde_json::Value>,
    #[schema(rename = "linkComponent", value_type = Option<Vec<Object>>)]
    link_component: Option<serde_json::Value>,
    #[schema(rename = "@context", value_type = Object)]
    context: serde_json::Value,
}

/// What the view is built from besides the incident.
pub struct DetailParts<'a> {
    pub version: i64,
    /// The resource rows of the resources sent (for their names and current status).
    pub records: &'a [ResourceRecord],
    /// The duplicate hints the caller may see.
    pub duplicates: &'a [StoredDuplicate],
    /// Whether the caller sees callers' names and phones.
    pub sees_caller: bool,
}

impl IncidentDetail {
    /// The view of `incident` (its `history` already loaded).
    pub fn of(incident: &Incident, parts: DetailParts<'_>) -> IncidentDetail {
        let s = IncidentSummary::of(incident, parts.version);
        let caller = if parts.sees_caller {
            CallerView {
                name: incident.caller.name.clone(),
                phone: incident.caller.phone.clone(),
            }
        } else {
            CallerView {
                name: None,
                phone: incident.caller.masked_phone(),
            }
        };
        IncidentDetail {
            id: s.id,
            number: s.number,
            kind: s.kind,
            kind_label: s.kind_label,
            crime_subtype: s.crime_subtype,
            priority: s.priority,
            channel: s.channel,
            status: s.status,
            status_label: s.status_label,
            disposition: s.disposition,
            unit_code: s.unit_code,
            shared_with: s.shared_with,
            escalated_to_city: s.escalated_to_city,
            address: s.address,
            lat: s.lat,
            lon: s.lon,
            near_boundary: s.near_boundary,
            caller_phone_masked: s.caller_phone_masked,
            description: incident.description.clone(),
            facility_id: s.facility_id,
            device_id: incident.device_id.clone(),
            signal_count: s.signal_count,
            active_resources: s.active_resources,
            received_at: s.received_at,
            dispatched_at: s.dispatched_at,
            on_scene_at: s.on_scene_at,
            updated_at: s.updated_at,
            opened_at: incident.opened_at,
            opened_by: ActorView::of(&incident.opened_by),
            merged_into: s.merged_into,
            merged_from: incident.merged_from.iter().map(|i| i.0).collect(),
            related: incident.related.iter().map(|i| i.0).collect(),
            version: parts.version,
            location: LocationView::of(&incident.location),
            caller,
            times: TimesView::of(&incident.times),
            signals: incident
                .signals
                .iter()
                .map(IncidentSignalView::of)
                .collect(),
            notes: incident.notes.iter().map(NoteView::of).collect(),
            casualties: CasualtiesView {
                dead: incident.casualties.dead,
                injured: incident.casualties.injured,
                trapped: incident.casualties.trapped,
                rescued: incident.casualties.rescued,
            },
            fire_report: incident.fire_report.as_ref().map(FireReportBody::of),
            resources: incident
                .resources
                .iter()
                .map(|a| ResourceLine::of(incident, a, parts.records))
                .collect(),
            timeline: incident
                .history
                .iter()
                .map(|e| TimelineEntry {
                    incident_id: e.incident_id.0,
                    seq: e.seq,
                    at: e.at,
                    actor: ActorView::of(&e.actor),
                    change: serde_json::to_value(&e.change).unwrap_or(serde_json::Value::Null),
                })
                .collect(),
            duplicates: parts.duplicates.iter().map(DuplicateView::of).collect(),
            allowed_transitions: incident
                .status
                .allowed_targets()
                .iter()
                .filter(|s| **s != IncidentStatus::Merged)
                .map(|s| s.code().to_owned())
                .collect(),
        }
    }
}

impl LocationView {
    fn of(l: &IncidentLocation) -> LocationView {
        LocationView {
            address: l.address.clone(),
            lat: l.point.map(|p| p.lat),
            lon: l.point.map(|p| p.lon),
            unit_code: l.unit_code.clone(),
            near_boundary: l.near_boundary,
            boundary_distance_m: l.boundary_distance_m,
            resolved_from_old_name: l.resolved_from_old_name.clone(),
            unit_uncertain: l.unit_uncertain,
            unit_candidates: l
                .unit_candidates
                .iter()
                .map(|c| UnitCandidateView {
                    code: c.code.clone(),
                    full_name: c.full_name.clone(),
                    score: c.score,
                    why: c.why.clone(),
                })
                .collect(),
            point_source: l.point_source.clone(),
        }
    }
}

impl TimesView {
    fn of(t: &domain::incident::StatusTimes) -> TimesView {
        TimesView {
            received: t.received,
            verified: t.verified,
            false_alarm: t.false_alarm,
            dispatched: t.dispatched,
            en_route: t.en_route,
            on_scene: t.on_scene,
            resolved: t.resolved,
            closed: t.closed,
            cancelled: t.cancelled,
            merged: t.merged,
        }
    }
}

impl IncidentSignalView {
    fn of(s: &AlarmSignal) -> IncidentSignalView {
        IncidentSignalView {
            category: s.category.code().to_owned(),
            zone: s.zone.clone(),
            code: s.code.clone(),
            text: s.text.clone(),
            received_at: s.received_at,
            restored: s.restored,
            restored_at: s.restored_at,
        }
    }
}

impl ActorView {
    /// The view of a domain actor.
    pub fn of(a: &Actor) -> ActorView {
        match a {
            Actor::User {
                id,
                name,
                unit_code,
            } => ActorView {
                kind: "user".into(),
                id: Some(*id),
                name: name.clone(),
                unit_code: unit_code.clone(),
            },
            Actor::System { name } => ActorView {
                kind: "system".into(),
                id: None,
                name: name.clone(),
                unit_code: None,
            },
        }
    }
}

impl NoteView {
    fn of(n: &Note) -> NoteView {
        NoteView {
            at: n.at,
            author: ActorView::of(&n.author),
            text: n.text.clone(),
            origin: n.origin.0,
        }
    }
}

impl ResourceLine {
    fn of(incident: &Incident, a: &ResourceAssignment, records: &[ResourceRecord]) -> ResourceLine {
        let rec = records.iter().find(|r| r.resource.id == a.resource_id);
        let status = match rec {
            _ if !a.is_active() => "released",
            Some(r) if r.resource.incident_id == Some(incident.id) => r.resource.status.code(),
            _ => "dispatched",
        };
        ResourceLine {
            resource_id: a.resource_id,
            call_sign: a.call_sign.clone(),
            kind: domain::incident::Vocabulary::code(a.kind).to_owned(),
            name: rec.map(|r| r.name.clone()),
            status: status.to_owned(),
            assigned_at: a.assigned_at,
            released_at: a.released_at,
        }
    }
}

impl DuplicateView {
    fn of(d: &StoredDuplicate) -> DuplicateView {
        let text = |key: &str| d.hint.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        DuplicateView {
            incident_id: d.duplicate_of,
            number: text("number"),
            reasons: d
                .hint
                .get("reasons")
                .and_then(|r| r.as_array())
                .map(|list| {
                    list.iter()
                        .filter_map(|r| r.get("reason").and_then(|v| v.as_str()))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            distance_m: d.hint.get("distance_m").and_then(|v| v.as_f64()),
            message_vi: text("message_vi"),
            message_en: text("message_en"),
            at: d.at,
        }
    }
}
