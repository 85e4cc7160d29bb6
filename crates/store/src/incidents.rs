//! Incidents in the database: opening them (every intake channel and the alarm receiver go
//! through [`Store::create_incident`] or [`Store::open_or_attach_alarm`]), changing them through
//! the domain model, merging, listing and searching, the timeline, and the overdue flags.
//!
//! # How a change is written
//!
//! The domain model ([`domain::incident`]) decides; this module persists. Every change runs in
//! one transaction:
//!
//! 1. the incident row is read and, on PostgreSQL, locked (`SELECT … FOR UPDATE`; SQLite has a
//!    single writer, so the transaction already excludes every other writer);
//! 2. the domain operation is applied to the deserialised [`Incident`] (it refuses illegal
//!    transitions with an [`IncidentError`], which becomes [`StoreError::Incident`]);
//! 3. the row is written back with `UPDATE … WHERE id = $1 AND version = $2` (a lost race is a
//!    [`StoreError::Conflict`], never a silent overwrite), the new events are appended to
//!    `incident_events` (append-only, unique per incident and sequence number), and the audit
//!    row and the change-feed row are inserted;
//! 4. after the commit the change is published to the live feed.
//!
//! The row keeps the whole model as JSON (`doc`, with only the latest event of the timeline,
//! which the model needs to keep times monotonic) beside the columns that lists, searches and
//! statistics read. The full timeline is `incident_events`; a merged incident's events stay
//! under its own id and show on the survivor's timeline, so both histories are kept.
//!
//! # Numbers
//!
//! `HN-2026-000123`: the prefix is a deployment setting ([`Store::set_incident_prefix`]), the
//! year is the Vietnam-local year of opening, and the sequence is taken from
//! `incident_sequences` with an upsert in the same transaction as the insert, so two nodes
//! opening incidents at the same instant get different numbers and a rolled-back insert gives
//! its number back.

use crate::{
    from_millis, to_millis, Actor, AuditEntry, Backend, Change, Result, Store, StoreError,
};
use chrono::{DateTime, Utc};
use domain::access::Scope;
use domain::incident::{
    self as inc, find_duplicates_of, find_probable_duplicates, merge_incidents, overdue,
    AlarmSignal, DuplicateConfig, DuplicateHint, DuplicateProbe, FacilitySnapshot, Incident,
    IncidentError, IncidentEvent, IncidentFromAlarm, IncidentId, IncidentNumber, IncidentStatus,
    Overdue, ResponseTargets, TransitionDetails, ValidNewIncident, Vocabulary,
};
use serde::Serialize;
use sqlx::Row;

/// How many open incidents the overdue check and duplicate detection read at most.
const MAX_OPEN_SCAN: i64 = 20_000;

/// An incident as stored: the domain model and the row version to send back with a change.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredIncident {
    /// The incident (its `history` holds only the latest event; see
    /// [`Store::incident_timeline`] for the whole timeline).
    pub incident: Incident,
    /// Row version, increased by every change (optimistic concurrency).
    pub version: i64,
}

/// A newly opened incident with the open incidents it probably duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedIncident {
    /// The new incident.
    pub incident: Incident,
    /// Its row version (1).
    pub version: i64,
    /// Open incidents it probably duplicates, strongest first (also stored on the incident).
    pub duplicates: Vec<DuplicateHint>,
}

/// What else happens when an incident is opened, in the same transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// A unit (other than the owner) to share the new incident with.
    pub share_with: Option<String>,
    /// The hex SHA-256 of the citizen's lookup reference, for a public report.
    pub public_ref_hash: Option<String>,
}

/// An alarm signal for the incident workflow, from the alarm receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmIncidentInput {
    /// The facility the transmitting device belongs to, as it is at the moment of the alarm.
    pub facility: FacilitySnapshot,
    /// The decoded, durably stored signal.
    pub signal: AlarmSignal,
}

/// What [`Store::open_or_attach_alarm`] did with a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmAction {
    /// No open incident of this facility and type existed: a new one was opened.
    Opened,
    /// The signal joined the open incident of this facility and type (alarm storm).
    Attached,
    /// The same signal (zone, code, arrival time) was already on the incident: nothing changed.
    Retransmission,
}

/// The result of [`Store::open_or_attach_alarm`].
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmOutcome {
    /// Opened, attached or a retransmission.
    pub action: AlarmAction,
    /// The incident after the signal.
    pub incident: Incident,
    /// Its row version.
    pub version: i64,
    /// For an opened incident: other open incidents it probably duplicates (e.g. a hotline call
    /// about the same building). Empty otherwise.
    pub duplicates: Vec<DuplicateHint>,
}

/// A change to one incident, applied through the domain model by [`Store::apply_incident`].
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentCommand {
    /// Move to another status (`merged` is refused: use [`Store::merge_incidents`]).
    Transition {
        /// Target status.
        to: IncidentStatus,
        /// Reason and disposition.
        details: TransitionDetails,
    },
    /// Add a note.
    Note {
        /// The text.
        text: String,
    },
    /// Hand the incident to another unit (reason required).
    Transfer {
        /// The new unit's code.
        unit: String,
        /// Why.
        reason: String,
    },
    /// Let a neighbouring unit see and support the incident.
    Share {
        /// The unit's code.
        unit: String,
        /// Why.
        reason: Option<String>,
    },
    /// Take the incident up to the city level.
    Escalate {
        /// Why.
        reason: Option<String>,
    },
    /// Set or correct the location; the unit follows it.
    Relocate {
        /// The new location, resolved (unit, candidates, point source).
        location: inc::IncidentLocation,
        /// Why (required when the unit changes after dispatch).
        reason: Option<String>,
    },
    /// File or replace the fire report (fire and explosion incidents).
    FireReport {
        /// The report.
        report: inc::FireReport,
    },
    /// Record or correct the casualty figures (a reason is required once the incident is
    /// closed).
    Casualties {
        /// The new figures.
        casualties: inc::Casualties,
        /// Why.
        reason: Option<String>,
    },
    /// Correct the type (with its crime sub-type) and/or change the priority: one timeline
    /// event for each. A reason is required, since both change who is sent and how fast.
    Reclassify {
        /// The new type and crime sub-type, when they change.
        kind: Option<(inc::IncidentKind, Option<inc::CrimeSubtype>)>,
        /// The new priority, when it changes.
        priority: Option<inc::Priority>,
        /// Why.
        reason: String,
    },
}

impl IncidentCommand {
    fn action(&self) -> &'static str {
        match self {
            IncidentCommand::Transition { .. } => "incident.transition",
            IncidentCommand::Note { .. } => "incident.note",
            IncidentCommand::Transfer { .. } => "incident.transfer",
            IncidentCommand::Share { .. } => "incident.share",
            IncidentCommand::Escalate { .. } => "incident.escalate",
            IncidentCommand::Relocate { .. } => "incident.relocate",
            IncidentCommand::Reclassify { .. } => "incident.reclassify",
            IncidentCommand::Casualties { .. } => "incident.casualties",
            IncidentCommand::FireReport { .. } => "incident.fire_report",
        }
    }

    fn apply(
        self,
        incident: &mut Incident,
        actor: inc::Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<IncidentEvent>, IncidentError> {
        let event = match self {
            IncidentCommand::Transition { to, details } => {
                incident.transition(to, details, actor, now)?
            }
            IncidentCommand::Note { text } => incident.add_note(&text, actor, now)?,
            IncidentCommand::Transfer { unit, reason } => {
                incident.transfer_to_unit(&unit, &reason, actor, now)?
            }
            IncidentCommand::Share { unit, reason } => {
                incident.share_with_unit(&unit, reason, actor, now)?
            }
            IncidentCommand::Escalate { reason } => {
                incident.escalate_to_city(reason, actor, now)?
            }
            IncidentCommand::Relocate { location, reason } => {
                incident.relocate(location, reason.as_deref(), actor, now)?
            }
            IncidentCommand::FireReport { report } => {
                incident.file_fire_report(report, actor, now)?
            }
            IncidentCommand::Casualties { casualties, reason } => {
                incident.record_casualties(casualties, reason.as_deref(), actor, now)?
            }
            IncidentCommand::Reclassify {
                kind,
                priority,
                reason,
            } => return reclassify(incident, kind, priority, &reason, actor, now),
        };
        Ok(vec![event])
    }
}

/// [`IncidentCommand::Reclassify`]: the type first, then the priority, both with the reason.
fn reclassify(
    incident: &mut Incident,
    kind: Option<(inc::IncidentKind, Option<inc::CrimeSubtype>)>,
    priority: Option<inc::Priority>,
    reason: &str,
    actor: inc::Actor,
    now: DateTime<Utc>,
) -> Result<Vec<IncidentEvent>, IncidentError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IncidentError::ReasonRequired {
            action: "reclassify",
        });
    }
    let mut events = Vec::new();
    if let Some((kind, subtype)) = kind {
        events.push(incident.reclassify(
            kind,
            subtype,
            Some(reason.to_owned()),
            actor.clone(),
            now,
        )?);
    }
    if let Some(priority) = priority {
        events.push(incident.change_priority(priority, Some(reason.to_owned()), actor, now)?);
    }
    Ok(events)
}

/// Which incidents to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    /// Only open incidents (not closed, cancelled or merged).
    pub open_only: bool,
    /// Only this status.
    pub status: Option<IncidentStatus>,
    /// Only incidents this unit may see: its own and those shared with it (a unit officer's
    /// scope).
    pub visible_to_unit: Option<String>,
    /// Only incidents owned by this unit.
    pub unit: Option<String>,
    /// Only incidents of this facility.
    pub facility_id: Option<i64>,
    /// Only incidents whose caller had this phone (normalised).
    pub caller_phone: Option<String>,
    /// Only the incident with this readable number.
    pub number: Option<String>,
    /// Only incidents with an id below this one (the next page).
    pub before_id: Option<i64>,
    /// Page size, clamped to 1..=500.
    pub limit: i64,
}

/// An incident as the lists, the board and the live feed show it: the caller's phone masked,
/// the description shortened.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IncidentSummary {
    pub id: i64,
    /// Readable number, e.g. `HN-2026-000123`.
    pub number: String,
    /// Type code, e.g. `fire`.
    pub kind: String,
    pub kind_label: String,
    pub crime_subtype: Option<String>,
    /// 1 (highest) to 4.
    pub priority: u8,
    /// Intake channel code, e.g. `hotline_114`.
    pub channel: String,
    /// Status code, e.g. `dispatched`.
    pub status: String,
    pub status_label: String,
    pub disposition: Option<String>,
    /// Responsible commune/ward unit.
    pub unit_code: Option<String>,
    /// Neighbouring units that also see it.
    pub shared_with: Vec<String>,
    pub escalated_to_city: bool,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The point is close to a unit boundary: the owner should be confirmed.
    pub near_boundary: bool,
    /// Caller's phone with its middle hidden, e.g. `0912***678`.
    pub caller_phone_masked: Option<String>,
    /// First 160 characters of the description.
    pub description: String,
    pub facility_id: Option<i64>,
    /// Alarm signals received (kept and dropped).
    pub signal_count: u32,
    /// Call signs of the resources working on it.
    pub active_resources: Vec<String>,
    pub received_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub on_scene_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Set when merged into another incident.
    pub merged_into: Option<i64>,
    /// Row version: send it back with a change to refuse acting on stale data.
    pub version: i64,
}

impl IncidentSummary {
    /// The summary of an incident at row version `version`.
    pub fn of(i: &Incident, version: i64) -> IncidentSummary {
        let description: String = i.description.chars().take(160).collect();
        IncidentSummary {
            id: i.id.0,
            number: i.number.to_string(),
            kind: i.kind.code().to_owned(),
            kind_label: i.kind.label_vi().to_owned(),
            crime_subtype: i.crime_subtype.map(|s| s.code().to_owned()),
            priority: i.priority.number(),
            channel: i.channel.code().to_owned(),
            status: i.status.code().to_owned(),
            status_label: i.status.label_vi().to_owned(),
            disposition: i.disposition.map(|d| d.code().to_owned()),
            unit_code: i.assignment.primary_unit.clone(),
            shared_with: i.assignment.shared_with.clone(),
            escalated_to_city: i.assignment.escalated_to_city,
            address: i.location.address.clone(),
            lat: i.location.point.map(|p| p.lat),
            lon: i.location.point.map(|p| p.lon),
            near_boundary: i.location.near_boundary,
            caller_phone_masked: i.caller.masked_phone(),
            description,
            facility_id: i.facility_id,
            signal_count: i.signals.len() as u32 + i.signals_dropped,
            active_resources: i.active_resources().map(|r| r.call_sign.clone()).collect(),
            received_at: i.times.received,
            dispatched_at: i.times.dispatched,
            on_scene_at: i.times.on_scene,
            updated_at: i.updated_at,
            merged_into: i.merged_into.map(|m| m.0),
            version,
        }
    }
}

/// A probable duplicate stored with an incident when it was opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDuplicate {
    /// The open incident it probably duplicated.
    pub duplicate_of: i64,
    /// The hint as computed then (reasons, distance, messages).
    pub hint: serde_json::Value,
    /// When it was found.
    pub at: DateTime<Utc>,
}

/// The actor of the domain model for a store actor.
pub fn domain_actor(actor: &Actor) -> inc::Actor {
    match actor.user_id {
        Some(id) => inc::Actor::User {
            id,
            name: actor.name.clone(),
            unit_code: None,
        },
        None => inc::Actor::System {
            name: actor.name.clone(),
        },
    }
}

/// The columns of an incident row, computed from the model.
pub(crate) struct Columns {
    pub(crate) kind: &'static str,
    pub(crate) crime_subtype: Option<&'static str>,
    pub(crate) priority: i64,
    pub(crate) channel: &'static str,
    pub(crate) status: &'static str,
    pub(crate) is_open: i64,
    pub(crate) disposition: Option<&'static str>,
    pub(crate) unit_code: Option<String>,
    pub(crate) escalated: i64,
    pub(crate) near_boundary: i64,
    pub(crate) caller_phone: Option<String>,
    pub(crate) facility_id: Option<i64>,
    pub(crate) device_id: Option<String>,
    pub(crate) lat: Option<f64>,
    pub(crate) lon: Option<f64>,
    pub(crate) address: Option<String>,
    pub(crate) merged_into: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) received_at: i64,
    pub(crate) times: [Option<i64>; 9],
    pub(crate) updated_at: i64,
    /// Dead, injured, trapped, rescued.
    pub(crate) casualties: [i64; 4],
    /// The fire report's damage estimate, VND.
    pub(crate) damage_vnd: Option<i64>,
    /// The fire report's verdict: 1 a real fire, 0 a false alarm; `None` without a report.
    pub(crate) real_fire: Option<i64>,
    /// The fire report's cause of fire, and of a false alarm (codes).
    pub(crate) fire_cause: Option<&'static str>,
    pub(crate) false_alarm_cause: Option<&'static str>,
    /// The fire report's type of premises (code).
    pub(crate) premises_kind: Option<&'static str>,
    pub(crate) doc: String,
}

impl Columns {
    pub(crate) fn of(i: &Incident) -> Result<Columns> {
        let t = &i.times;
        let ms = |x: Option<DateTime<Utc>>| x.map(to_millis);
        Ok(Columns {
            kind: i.kind.code(),
            crime_subtype: i.crime_subtype.map(|s| s.code()),
            priority: i64::from(i.priority.number()),
            channel: i.channel.code(),
            status: i.status.code(),
            is_open: i64::from(i.is_open()),
            disposition: i.disposition.map(|d| d.code()),
            unit_code: i.assignment.primary_unit.clone(),
            escalated: i64::from(i.assignment.escalated_to_city),
            near_boundary: i64::from(i.location.near_boundary),
            caller_phone: i.caller.phone.clone(),
            facility_id: i.facility_id,
            device_id: i.device_id.clone(),
            lat: i.location.point.map(|p| p.lat),
            lon: i.location.point.map(|p| p.lon),
            address: i.location.address.clone(),
            merged_into: i.merged_into.map(|m| m.0),
            created_at: to_millis(i.opened_at),
            received_at: to_millis(t.received),
            times: [
                ms(t.verified),
                ms(t.false_alarm),
                ms(t.dispatched),
                ms(t.en_route),
                ms(t.on_scene),
                ms(t.resolved),
                ms(t.closed),
                ms(t.cancelled),
                ms(t.merged),
            ],
            updated_at: to_millis(i.updated_at),
            casualties: [
                i64::from(i.casualties.dead),
                i64::from(i.casualties.injured),
                i64::from(i.casualties.trapped),
                i64::from(i.casualties.rescued),
            ],
            damage_vnd: i
                .fire_report
                .as_ref()
                .and_then(|r| r.damage_vnd)
                .map(|d| i64::try_from(d).unwrap_or(i64::MAX)),
            real_fire: i.fire_report.as_ref().map(|r| i64::from(r.real_fire)),
            fire_cause: i
                .fire_report
                .as_ref()
                .and_then(|r| r.cause)
                .map(|c| c.code()),
            false_alarm_cause: i
                .fire_report
                .as_ref()
                .and_then(|r| r.false_alarm_cause)
                .map(|c| c.code()),
            premises_kind: i
                .fire_report
                .as_ref()
                .and_then(|r| r.premises_kind)
                .map(|k| k.code()),
            doc: doc_of(i)?,
        })
    }
}

/// The JSON document of an incident: the model with only its latest event (the model clamps
/// new event times to it; the whole timeline is in `incident_events`).
pub(crate) fn doc_of(i: &Incident) -> Result<String> {
    let mut copy = i.clone();
    let keep = copy.history.len().saturating_sub(1);
    copy.history.drain(..keep);
    serde_json::to_string(&copy).map_err(|e| StoreError::Corrupt {
        what: "incidents.doc",
        detail: e.to_string(),
    })
}

pub(crate) fn parse_doc(doc: &str) -> Result<Incident> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
        what: "incidents.doc",
        detail: e.to_string(),
    })
}

pub(crate) fn stored_from_row<R: Row>(row: &R) -> Result<StoredIncident>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let doc: String = row.try_get("doc")?;
    Ok(StoredIncident {
        incident: parse_doc(&doc)?,
        version: row.try_get("version")?,
    })
}

pub(crate) const UPDATE_INCIDENT: &str =
    "UPDATE incidents SET kind = $3, crime_subtype = $4, priority = $5, \
     channel = $6, status = $7, is_open = $8, disposition = $9, unit_code = $10, escalated = $11, \
     near_boundary = $12, caller_phone = $13, facility_id = $14, device_id = $15, lat = $16, \
     lon = $17, address = $18, merged_into = $19, created_at = $20, received_at = $21, \
     verified_at = $22, false_alarm_at = $23, dispatched_at = $24, en_route_at = $25, \
     on_scene_at = $26, resolved_at = $27, closed_at = $28, cancelled_at = $29, merged_at = $30, \
     updated_at = $31, doc = $32, dead = $33, injured = $34, trapped = $35, rescued = $36, \
     damage_vnd = $37, real_fire = $38, fire_cause = $39, false_alarm_cause = $40, \
     premises_kind = $41, version = version + 1 WHERE id = $1 AND version = $2";

/// Writes the incident's columns and document over version `$version` inside `$tx`; a row that
/// moved on in between is a conflict. Evaluates to the new version.
macro_rules! write_incident {
    ($tx:expr, $incident:expr, $version:expr) => {{
        let i: &domain::incident::Incident = $incident;
        let version: i64 = $version;
        let c = $crate::incidents::Columns::of(i)?;
        let done = sqlx::query($crate::incidents::UPDATE_INCIDENT)
            .bind(i.id.0)
            .bind(version)
            .bind(c.kind)
            .bind(c.crime_subtype)
            .bind(c.priority)
            .bind(c.channel)
            .bind(c.status)
            .bind(c.is_open)
            .bind(c.disposition)
            .bind(&c.unit_code)
            .bind(c.escalated)
            .bind(c.near_boundary)
            .bind(&c.caller_phone)
            .bind(c.facility_id)
            .bind(&c.device_id)
            .bind(c.lat)
            .bind(c.lon)
            .bind(&c.address)
            .bind(c.merged_into)
            .bind(c.created_at)
            .bind(c.received_at)
            .bind(c.times[0])
            .bind(c.times[1])
            .bind(c.times[2])
            .bind(c.times[3])
            .bind(c.times[4])
            .bind(c.times[5])
            .bind(c.times[6])
            .bind(c.times[7])
            .bind(c.times[8])
            .bind(c.updated_at)
            .bind(&c.doc)
            .bind(c.casualties[0])
            .bind(c.casualties[1])
            .bind(c.casualties[2])
            .bind(c.casualties[3])
            .bind(c.damage_vnd)
            .bind(c.real_fire)
            .bind(c.fire_cause)
            .bind(c.false_alarm_cause)
            .bind(c.premises_kind)
            .execute(&mut *$tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err($crate::StoreError::Conflict(format!(
                "incident {} changed since version {version}",
                i.id
            )));
        }
        version + 1
    }};
}

/// One `incident_events` row: the event's change type and its JSON.
pub(crate) struct EventRow {
    pub(crate) incident_id: i64,
    pub(crate) seq: i64,
    pub(crate) at: i64,
    pub(crate) kind: String,
    pub(crate) actor_name: String,
    pub(crate) event: String,
}

impl EventRow {
    pub(crate) fn of(ev: &IncidentEvent) -> Result<EventRow> {
        let json = serde_json::to_value(ev).map_err(|e| StoreError::Corrupt {
            what: "incident_events.event",
            detail: e.to_string(),
        })?;
        Ok(EventRow {
            incident_id: ev.incident_id.0,
            seq: i64::from(ev.seq),
            at: to_millis(ev.at),
            kind: json["change"]["type"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned(),
            actor_name: ev.actor.display_name().to_owned(),
            event: json.to_string(),
        })
    }
}

/// Appends events to the timeline inside `$tx`.
macro_rules! insert_events {
    ($tx:expr, $events:expr) => {{
        for ev in $events {
            let row = $crate::incidents::EventRow::of(ev)?;
            sqlx::query(
                "INSERT INTO incident_events (incident_id, seq, at, kind, actor_name, event) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.incident_id)
            .bind(row.seq)
            .bind(row.at)
            .bind(row.kind)
            .bind(row.actor_name)
            .bind(row.event)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Brings `incident_shares` in line with the incident's `shared_with` inside `$tx`.
macro_rules! sync_shares {
    ($tx:expr, $incident:expr, $before:expr, $at:expr) => {{
        let i: &domain::incident::Incident = $incident;
        let before: &[String] = $before;
        if before != i.assignment.shared_with.as_slice() {
            sqlx::query("DELETE FROM incident_shares WHERE incident_id = $1")
                .bind(i.id.0)
                .execute(&mut *$tx)
                .await?;
            for unit in &i.assignment.shared_with {
                sqlx::query(
                    "INSERT INTO incident_shares (incident_id, unit_code, at) VALUES ($1, $2, $3)",
                )
                .bind(i.id.0)
                .bind(unit)
                .bind($crate::to_millis($at))
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}

/// Reads one incident row inside `$tx`, locking it on PostgreSQL. Evaluates to
/// `Option<StoredIncident>`.
macro_rules! lock_incident {
    ($store:expr, $tx:expr, $id:expr) => {{
        let sql = if $store.backend() == $crate::Backend::Postgres {
            "SELECT version, doc FROM incidents WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT version, doc FROM incidents WHERE id = $1"
        };
        let row = sqlx::query(sql).bind($id).fetch_optional(&mut *$tx).await?;
        match row {
            Some(row) => Some($crate::incidents::stored_from_row(&row)?),
            None => None,
        }
    }};
}

/// Opens an incident inside `$tx`: takes the next number, inserts the row, runs
/// `Incident::open`, appends the `opened` event, the duplicate hints, the audit row and the
/// feed row. Evaluates to `(Incident, Change)`.
macro_rules! open_in_tx {
    ($store:expr, $tx:expr, $valid:expr, $dups:expr, $actor:expr, $now:expr, $action:expr) => {
        open_in_tx!($store, $tx, $valid, $dups, $actor, $now, $action, None::<&str>)
    };
    ($store:expr, $tx:expr, $valid:expr, $dups:expr, $actor:expr, $now:expr, $action:expr, $share:expr) => {{
        let share: Option<&str> = $share;
        let valid: ValidNewIncident = $valid;
        let dups: &[DuplicateHint] = $dups;
        let actor: &Actor = $actor;
        let now: DateTime<Utc> = $now;
        let prefix: String =
            sqlx::query_scalar("SELECT value FROM cad_settings WHERE key = 'incident_prefix'")
                .fetch_one(&mut *$tx)
                .await?;
        let year = IncidentNumber::local_year(now);
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO incident_sequences (prefix, year, last_seq) VALUES ($1, $2, 1) \
             ON CONFLICT (prefix, year) DO UPDATE SET last_seq = incident_sequences.last_seq + 1 \
             RETURNING last_seq",
        )
        .bind(&prefix)
        .bind(i64::from(year))
        .fetch_one(&mut *$tx)
        .await?;
        let seq = u32::try_from(seq).map_err(|_| {
            StoreError::Conflict(format!("incident numbers of {prefix}-{year} are exhausted"))
        })?;
        let number = IncidentNumber::new(&prefix, year, seq)?;
        let input = valid.input();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (number, kind, priority, channel, status, is_open, \
             facility_id, created_at, received_at, updated_at, version, doc) \
             VALUES ($1, $2, $3, $4, 'received', 1, $5, $6, $6, $6, 0, '{}') RETURNING id",
        )
        .bind(number.to_string())
        .bind(input.kind.code())
        .bind(i64::from(valid.priority().number()))
        .bind(input.channel.code())
        .bind(input.facility_id)
        .bind(to_millis(now))
        .fetch_one(&mut *$tx)
        .await?;
        let (mut incident, opened) =
            Incident::open(IncidentId(id), number, valid, domain_actor(actor), now);
        let mut events = vec![opened];
        // Filed into a neighbour's unit from the field: the filer's unit keeps seeing it.
        if let Some(unit) = share.filter(|u| incident.assignment.primary_unit.as_deref() != Some(*u)) {
            events.push(incident.share_with_unit(unit, None, domain_actor(actor), now)?);
        }
        let _version = write_incident!($tx, &incident, 0);
        insert_events!($tx, &events);
        sync_shares!($tx, &incident, &[], now);
        for hint in dups {
            let json = serde_json::to_string(hint).map_err(|e| StoreError::Corrupt {
                what: "incident_duplicates.hint",
                detail: e.to_string(),
            })?;
            sqlx::query(
                "INSERT INTO incident_duplicates (incident_id, duplicate_of, hint, at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(hint.incident_id.0)
            .bind(json)
            .bind(to_millis(now))
            .execute(&mut *$tx)
            .await?;
        }
        let entry = AuditEntry {
            action: $action.into(),
            object_type: "incident".into(),
            object_id: id.to_string(),
            unit_code: incident.assignment.primary_unit.clone(),
            summary: serde_json::json!({
                "number": incident.number,
                "after": {
                    "kind": incident.kind, "priority": incident.priority,
                    "channel": incident.channel, "unit_code": incident.assignment.primary_unit,
                },
                "probable_duplicates": dups.iter().map(|d| d.incident_id).collect::<Vec<_>>(),
            }),
        };
        insert_audit!($tx, actor, &entry, now);
        // The probable duplicates stay off the feed: they may be other units' incidents, and
        // the feed goes to the whole unit. The incident page shows those the reader may see.
        let payload = serde_json::to_value(IncidentSummary::of(&incident, 1))
            .unwrap_or(serde_json::Value::Null);
        let change = insert_change!(
            $store,
            $tx,
            "incident.created",
            incident.assignment.primary_unit.clone(),
            incident.assignment.shared_with.clone(),
            payload,
            now
        );
        (incident, change)
    }};
}

/// Appends the audit row and the feed row of a change to an existing incident inside `$tx`.
/// Evaluates to the changes to publish (an `incident.removed` for a unit that lost the
/// incident by a transfer comes first).
macro_rules! record_update {
    ($store:expr, $tx:expr, $actor:expr, $action:expr, $incident:expr, $version:expr,
     $events:expr, $unit_before:expr, $now:expr) => {{
        let i: &domain::incident::Incident = $incident;
        let events: &[domain::incident::IncidentEvent] = $events;
        let unit_before: Option<String> = $unit_before;
        let entry = $crate::AuditEntry {
            action: $action.into(),
            object_type: "incident".into(),
            object_id: i.id.0.to_string(),
            unit_code: i.assignment.primary_unit.clone(),
            summary: serde_json::json!({
                "number": i.number,
                "events": events.iter().map(|e| &e.change).collect::<Vec<_>>(),
            }),
        };
        insert_audit!($tx, $actor, &entry, $now);
        let mut changes = Vec::new();
        if unit_before.is_some() && unit_before != i.assignment.primary_unit {
            changes.push(insert_change!(
                $store,
                $tx,
                "incident.removed",
                unit_before,
                Vec::new(),
                serde_json::json!({"id": i.id, "number": i.number,
                                   "unit_code": i.assignment.primary_unit}),
                $now
            ));
        }
        changes.push(insert_change!(
            $store,
            $tx,
            "incident.updated",
            i.assignment.primary_unit.clone(),
            i.assignment.shared_with.clone(),
            serde_json::to_value($crate::incidents::IncidentSummary::of(i, $version))
                .unwrap_or(serde_json::Value::Null),
            $now
        ));
        changes
    }};
}

/// SQL for the open incidents that could duplicate a report: same facility, device or caller,
/// or inside a box around the point (the exact distance is the domain's to judge).
/// Open incidents a new report may duplicate: one indexed branch per reason, each bounded the
/// way `domain::incident::duplicates` judges it (same facility or device: any open incident;
/// same caller: within the caller window; nearby: within the time window, then the box), so the
/// probe reads a handful of rows however long the history is.
const DUPLICATE_CANDIDATES: &str = "SELECT version, doc FROM incidents WHERE id IN (\
     SELECT id FROM incidents WHERE facility_id = $1 AND is_open = 1 \
     UNION SELECT id FROM incidents WHERE device_id = $2 AND is_open = 1 \
     UNION SELECT id FROM incidents WHERE caller_phone = $3 AND is_open = 1 \
         AND received_at BETWEEN $8 AND $9 \
     UNION SELECT id FROM incidents WHERE received_at BETWEEN $10 AND $11 AND is_open = 1 \
         AND lat BETWEEN $4 AND $5 AND lon BETWEEN $6 AND $7) \
     ORDER BY id DESC LIMIT 200";

struct Probe {
    facility_id: Option<i64>,
    device_id: Option<String>,
    phone: Option<String>,
    bbox: [f64; 4],
    /// Reception-time bounds (unix ms) of the caller branch and of the nearby branch.
    caller_window: [i64; 2],
    near_window: [i64; 2],
}

impl Probe {
    fn of(valid: &ValidNewIncident, cfg: &DuplicateConfig) -> Probe {
        Probe::of_probe(&DuplicateProbe::from_valid(valid), cfg)
    }

    fn of_probe(probe: &DuplicateProbe, cfg: &DuplicateConfig) -> Probe {
        // A box a little larger than the radius; an empty box when there is no point.
        let bbox = match probe.point.filter(|p| p.is_valid()) {
            Some(p) => {
                let dlat = cfg.radius_m * 1.1 / 111_000.0;
                let dlon = dlat / p.lat.to_radians().cos().abs().max(0.01);
                [p.lat - dlat, p.lat + dlat, p.lon - dlon, p.lon + dlon]
            }
            None => [1.0, 0.0, 1.0, 0.0],
        };
        let at = to_millis(probe.at);
        // One second of slack on each side: the domain compares exact times.
        let around = |w: chrono::Duration| {
            let w = w.num_milliseconds().abs() + 1_000;
            [at.saturating_sub(w), at.saturating_add(w)]
        };
        Probe {
            facility_id: probe.facility_id,
            device_id: probe.device_id.clone(),
            // Stored phones are normalized at intake; a probe's may be as typed.
            phone: probe.phone.as_deref().and_then(inc::normalize_phone),
            bbox,
            caller_window: around(cfg.caller_window),
            near_window: around(cfg.window),
        }
    }
}

/// The open incidents near a probe, as stored rows.
macro_rules! duplicate_rows {
    ($exec:expr, $probe:expr) => {{
        let p: &Probe = $probe;
        let rows = sqlx::query(DUPLICATE_CANDIDATES)
            .bind(p.facility_id)
            .bind(&p.device_id)
            .bind(&p.phone)
            .bind(p.bbox[0])
            .bind(p.bbox[1])
            .bind(p.bbox[2])
            .bind(p.bbox[3])
            .bind(p.caller_window[0])
            .bind(p.caller_window[1])
            .bind(p.near_window[0])
            .bind(p.near_window[1])
            .fetch_all($exec)
            .await?;
        rows.iter()
            .map(stored_from_row)
            .collect::<Result<Vec<StoredIncident>>>()?
    }};
}

/// The open incidents near a probe.
macro_rules! duplicate_candidates {
    ($exec:expr, $probe:expr) => {{
        duplicate_rows!($exec, $probe)
            .into_iter()
            .map(|s| s.incident)
            .collect::<Vec<Incident>>()
    }};
}

impl Store {
    /// Sets the prefix of new incident numbers (`HN` for Hà Nội): 1 to 6 ASCII letters,
    /// upper-cased. Numbers already given keep theirs.
    pub async fn set_incident_prefix(&self, prefix: &str) -> Result<()> {
        // Validates the prefix the way numbers will be built with it.
        let checked = IncidentNumber::new(prefix, 2026, 1)?;
        on_write!(self, |pool| {
            sqlx::query("UPDATE cad_settings SET value = $1 WHERE key = 'incident_prefix'")
                .bind(checked.prefix())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The prefix of new incident numbers.
    pub async fn incident_prefix(&self) -> Result<String> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT value FROM cad_settings WHERE key = 'incident_prefix'")
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Opens an incident from validated input: the one creation path of every channel (hotline
    /// call-taker, field officer, public web report, citizen assistant).
    ///
    /// In one transaction: the next number of the (prefix, year) sequence, the row, the
    /// `opened` event, the probable-duplicate hints, the audit row and the `incident.created`
    /// feed row. Probable duplicates (open incidents of the same facility, device or caller, or
    /// nearby of the same or a related type) are returned and stored with the incident; merging
    /// stays the operator's decision.
    pub async fn create_incident(
        &self,
        valid: ValidNewIncident,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CreatedIncident> {
        self.create_incident_with(valid, &OpenOptions::default(), actor, now)
            .await
    }

    /// [`Store::create_incident`], in the same transaction sharing the new incident with a
    /// unit (an officer filing into a neighbour's unit keeps seeing it) and keeping the hash
    /// of a citizen's lookup reference (see [`Store::public_report_by_ref`]).
    pub async fn create_incident_with(
        &self,
        valid: ValidNewIncident,
        options: &OpenOptions,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CreatedIncident> {
        let duplicates = self.duplicate_hints(&valid, now).await?;
        let share = options.share_with.as_deref();
        let (incident, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let out = open_in_tx!(
                self,
                tx,
                valid,
                &duplicates,
                actor,
                now,
                "incident.create",
                share
            );
            if let Some(hash) = &options.public_ref_hash {
                sqlx::query(
                    "INSERT INTO public_report_refs (ref_hash, incident_id, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(hash)
                .bind(out.0.id.0)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            out
        });
        self.publish(change);
        Ok(CreatedIncident {
            incident,
            version: 1,
            duplicates,
        })
    }

    /// The open incidents a new report probably duplicates, strongest first. Hints are
    /// advisory: reading them before the write keeps the writer's time short.
    pub(crate) async fn duplicate_hints(
        &self,
        valid: &ValidNewIncident,
        now: DateTime<Utc>,
    ) -> Result<Vec<DuplicateHint>> {
        let cfg = DuplicateConfig::default();
        let probe = Probe::of(valid, &cfg);
        let open = on_read!(self, |pool| { duplicate_candidates!(pool, &probe) });
        Ok(find_probable_duplicates(valid.input(), &open, now, &cfg))
    }

    /// The open incidents a report (not yet opened, or an existing incident with
    /// [`DuplicateProbe::exclude`] set) probably duplicates, strongest first, each with its
    /// row. Read-only: the live check of the intake form and of the incident page.
    pub async fn probable_duplicates(
        &self,
        probe: &DuplicateProbe,
    ) -> Result<Vec<(DuplicateHint, StoredIncident)>> {
        let cfg = DuplicateConfig::default();
        let bounds = Probe::of_probe(probe, &cfg);
        let open: Vec<StoredIncident> = on_read!(self, |pool| { duplicate_rows!(pool, &bounds) });
        let incidents: Vec<Incident> = open.iter().map(|s| s.incident.clone()).collect();
        let hints = find_duplicates_of(probe, &incidents, &cfg);
        Ok(hints
            .into_iter()
            .filter_map(|h| {
                let row = open
                    .iter()
                    .find(|s| s.incident.id == h.incident_id)?
                    .clone();
                Some((h, row))
            })
            .collect())
    }

    /// Gives an alarm signal to the incident workflow, in one transaction: the open incident of
    /// the same facility and type absorbs it (an alarm storm of 20 detectors in a minute makes
    /// one incident with 20 signals), or a new incident is opened from it
    /// ([`IncidentFromAlarm`]: type and priority from the signal category, place, unit and
    /// contact from the facility). Events, audit and feed rows are written in the same
    /// transaction.
    ///
    /// Race-free on both back ends: SQLite has one writer; on PostgreSQL the open incident is
    /// locked with `SELECT … FOR UPDATE`, and two signals of one facility that both find none
    /// cannot both insert, because a unique partial index allows one open alarm incident per
    /// facility and type; the loser retries and attaches.
    ///
    /// Trouble, test and other signals do not open incidents:
    /// `StoreError::Incident(IncidentError::NotAnIncidentSignal { .. })`.
    pub async fn open_or_attach_alarm(
        &self,
        alarm: AlarmIncidentInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<AlarmOutcome> {
        let Some((kind, _, _)) = alarm.signal.category.incident_type() else {
            return Err(IncidentError::NotAnIncidentSignal {
                category: alarm.signal.category.code(),
            }
            .into());
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.alarm_once(&alarm, kind, actor, now).await {
                Err(StoreError::Conflict(detail)) if attempt < 5 => {
                    tracing::debug!(detail, attempt, "alarm raced another signal; retrying");
                }
                other => return other,
            }
        }
    }

    async fn alarm_once(
        &self,
        alarm: &AlarmIncidentInput,
        kind: inc::IncidentKind,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<AlarmOutcome> {
        let facility_id = alarm.facility.id;
        let lock = if self.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let find = format!(
            "SELECT version, doc FROM incidents WHERE facility_id = $1 AND kind = $2 \
             AND is_open = 1 ORDER BY created_at DESC, id DESC LIMIT 1{lock}"
        );
        let cfg = DuplicateConfig::default();
        let (outcome, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(&find)
                .bind(facility_id)
                .bind(kind.code())
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                Some(row) => {
                    let StoredIncident {
                        mut incident,
                        version,
                    } = stored_from_row(&row)?;
                    let event = incident.attach_signal(
                        facility_id,
                        alarm.signal.clone(),
                        domain_actor(actor),
                        now,
                    )?;
                    match event {
                        None => {
                            tx.rollback().await?;
                            (
                                AlarmOutcome {
                                    action: AlarmAction::Retransmission,
                                    incident,
                                    version,
                                    duplicates: Vec::new(),
                                },
                                Vec::new(),
                            )
                        }
                        Some(event) => {
                            let unit = incident.assignment.primary_unit.clone();
                            let version = write_incident!(tx, &incident, version);
                            insert_events!(tx, [&event]);
                            let changes = record_update!(
                                self,
                                tx,
                                actor,
                                "incident.alarm_signal",
                                &incident,
                                version,
                                std::slice::from_ref(&event),
                                unit,
                                now
                            );
                            tx.commit().await?;
                            (
                                AlarmOutcome {
                                    action: AlarmAction::Attached,
                                    incident,
                                    version,
                                    duplicates: Vec::new(),
                                },
                                changes,
                            )
                        }
                    }
                }
                None => {
                    let new = IncidentFromAlarm {
                        facility: &alarm.facility,
                        signal: &alarm.signal,
                    }
                    .new_incident()?;
                    let valid = new.validate(now)?;
                    let probe = Probe::of(&valid, &cfg);
                    let open = duplicate_candidates!(&mut *tx, &probe);
                    let duplicates = find_probable_duplicates(valid.input(), &open, now, &cfg);
                    let (incident, change) = open_in_tx!(
                        self,
                        tx,
                        valid,
                        &duplicates,
                        actor,
                        now,
                        "incident.create_from_alarm"
                    );
                    tx.commit().await?;
                    (
                        AlarmOutcome {
                            action: AlarmAction::Opened,
                            incident,
                            version: 1,
                            duplicates,
                        },
                        vec![change],
                    )
                }
            }
        });
        for change in changes {
            self.publish(change);
        }
        Ok(outcome)
    }

    /// Attaches several alarm signals of one facility to its open incident of their type in one
    /// transaction: one write of the incident, one audit row and one feed change for the whole
    /// batch, so a storm updates its incident in batches instead of once per detector. Signals
    /// already on the incident are skipped (idempotent, as for one signal). Returns `None` when
    /// the facility has no open incident of that type: open one first with
    /// [`Store::open_or_attach_alarm`].
    ///
    /// Every signal must open an incident of the same type
    /// (`StoreError::Incident(IncidentError::NotAnIncidentSignal { .. })` otherwise).
    pub async fn attach_alarm_signals(
        &self,
        facility_id: i64,
        signals: &[AlarmSignal],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<AlarmOutcome>> {
        let Some(first) = signals.first() else {
            return Ok(None);
        };
        let Some((kind, _, _)) = first.category.incident_type() else {
            return Err(IncidentError::NotAnIncidentSignal {
                category: first.category.code(),
            }
            .into());
        };
        if let Some(other) = signals
            .iter()
            .find(|s| s.category.incident_type().map(|t| t.0) != Some(kind))
        {
            return Err(IncidentError::NotAnIncidentSignal {
                category: other.category.code(),
            }
            .into());
        }
        let lock = if self.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let find = format!(
            "SELECT version, doc FROM incidents WHERE facility_id = $1 AND kind = $2 \
             AND is_open = 1 ORDER BY created_at DESC, id DESC LIMIT 1{lock}"
        );
        let (outcome, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(&find)
                .bind(facility_id)
                .bind(kind.code())
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                None => {
                    tx.rollback().await?;
                    (None, Vec::new())
                }
                Some(row) => {
                    let StoredIncident {
                        mut incident,
                        version,
                    } = stored_from_row(&row)?;
                    let mut events = Vec::new();
                    for signal in signals {
                        if let Some(event) = incident.attach_signal(
                            facility_id,
                            signal.clone(),
                            domain_actor(actor),
                            now,
                        )? {
                            events.push(event);
                        }
                    }
                    if events.is_empty() {
                        tx.rollback().await?;
                        (
                            Some(AlarmOutcome {
                                action: AlarmAction::Retransmission,
                                incident,
                                version,
                                duplicates: Vec::new(),
                            }),
                            Vec::new(),
                        )
                    } else {
                        let unit = incident.assignment.primary_unit.clone();
                        let version = write_incident!(tx, &incident, version);
                        insert_events!(tx, events.iter());
                        let changes = record_update!(
                            self,
                            tx,
                            actor,
                            "incident.alarm_signal",
                            &incident,
                            version,
                            &events,
                            unit,
                            now
                        );
                        tx.commit().await?;
                        (
                            Some(AlarmOutcome {
                                action: AlarmAction::Attached,
                                incident,
                                version,
                                duplicates: Vec::new(),
                            }),
                            changes,
                        )
                    }
                }
            }
        });
        for change in changes {
            self.publish(change);
        }
        Ok(outcome)
    }

    /// Marks the alarm signals of `zone` (every zone when `None`) restored on each open
    /// incident of the facility that carries signals. Statuses do not change: only a person
    /// closes an incident. Returns the incidents that were updated.
    pub async fn mark_alarm_restored(
        &self,
        facility_id: i64,
        zone: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Incident>> {
        let lock = if self.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let find = format!(
            "SELECT version, doc FROM incidents WHERE facility_id = $1 AND is_open = 1 \
             ORDER BY id{lock}"
        );
        let (updated, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query(&find)
                .bind(facility_id)
                .fetch_all(&mut *tx)
                .await?;
            let mut updated = Vec::new();
            let mut changes = Vec::new();
            for row in rows {
                let StoredIncident {
                    mut incident,
                    version,
                } = stored_from_row(&row)?;
                if incident.signals.is_empty() {
                    continue;
                }
                let event = incident.mark_alarm_restored(zone, domain_actor(actor), now)?;
                let version = write_incident!(tx, &incident, version);
                insert_events!(tx, [&event]);
                changes.extend(record_update!(
                    self,
                    tx,
                    actor,
                    "incident.alarm_restored",
                    &incident,
                    version,
                    std::slice::from_ref(&event),
                    None,
                    now
                ));
                updated.push(incident);
            }
            tx.commit().await?;
            (updated, changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok(updated)
    }

    /// Applies one change to an incident through the domain model (see the module
    /// documentation for the transaction). `scope` is checked again on the locked row: an
    /// incident the user may not see is reported as not found. With `expected_version`, a row
    /// that changed since the user read it is a [`StoreError::Conflict`].
    pub async fn apply_incident(
        &self,
        id: IncidentId,
        command: IncidentCommand,
        expected_version: Option<i64>,
        scope: &Scope,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<StoredIncident> {
        let action = command.action();
        let (stored, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let Some(StoredIncident {
                mut incident,
                version,
            }) = lock_incident!(self, tx, id.0)
            else {
                return Err(not_found(id));
            };
            check_scope(scope, &incident)?;
            if let Some(expected) = expected_version {
                if expected != version {
                    return Err(StoreError::Conflict(format!(
                        "incident {id} is at version {version}, not {expected}"
                    )));
                }
            }
            let unit_before = incident.assignment.primary_unit.clone();
            let shared_before = incident.assignment.shared_with.clone();
            let closed_before = incident.status == IncidentStatus::Closed;
            let events = command.apply(&mut incident, domain_actor(actor), now)?;
            let version = write_incident!(tx, &incident, version);
            insert_events!(tx, &events);
            sync_shares!(tx, &incident, &shared_before, now);
            // Closed as "crime report taken": the report enters the register with the close.
            let registered = if !closed_before
                && incident.status == IncidentStatus::Closed
                && incident.disposition == Some(domain::incident::Disposition::CrimeReportTaken)
            {
                open_from_incident!(self, tx, &incident, actor, now)
            } else {
                None
            };
            let mut changes = record_update!(
                self,
                tx,
                actor,
                action,
                &incident,
                version,
                &events,
                unit_before,
                now
            );
            changes.extend(registered);
            tx.commit().await?;
            (StoredIncident { incident, version }, changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok(stored)
    }

    /// Links two incidents as related (both ways, without merging). Both must be visible in
    /// `scope`.
    pub async fn link_incidents(
        &self,
        a: IncidentId,
        b: IncidentId,
        scope: &Scope,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(StoredIncident, StoredIncident)> {
        if a == b {
            return Err(IncidentError::SelfReference { id: a }.into());
        }
        let (first, second) = if a < b { (a, b) } else { (b, a) };
        let (pair, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Locked in id order so that two links of the same pair cannot deadlock.
            let Some(mut x) = lock_incident!(self, tx, first.0) else {
                return Err(not_found(first));
            };
            let Some(mut y) = lock_incident!(self, tx, second.0) else {
                return Err(not_found(second));
            };
            check_scope(scope, &x.incident)?;
            check_scope(scope, &y.incident)?;
            let ex = x
                .incident
                .link_related(y.incident.id, domain_actor(actor), now)?;
            let ey = y
                .incident
                .link_related(x.incident.id, domain_actor(actor), now)?;
            let mut changes = Vec::new();
            for (s, ev) in [(&mut x, ex), (&mut y, ey)] {
                s.version = write_incident!(tx, &s.incident, s.version);
                insert_events!(tx, [&ev]);
                changes.extend(record_update!(
                    self,
                    tx,
                    actor,
                    "incident.link",
                    &s.incident,
                    s.version,
                    std::slice::from_ref(&ev),
                    None,
                    now
                ));
            }
            tx.commit().await?;
            let pair = if x.incident.id == a { (x, y) } else { (y, x) };
            (pair, changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok(pair)
    }

    /// Merges `merged` into `survivor`: the merged incident becomes `merged` (disposition
    /// duplicate) and the survivor takes its notes, signals, links and active resources; both
    /// timelines stay in `incident_events` and the survivor's timeline shows both. Active
    /// resource assignments move to the survivor. Returns (survivor, merged).
    pub async fn merge_incidents(
        &self,
        survivor: IncidentId,
        merged: IncidentId,
        reason: Option<String>,
        scope: &Scope,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(StoredIncident, StoredIncident)> {
        if survivor == merged {
            return Err(IncidentError::SelfReference { id: survivor }.into());
        }
        let (out, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let (lo, hi) = if survivor < merged {
                (survivor, merged)
            } else {
                (merged, survivor)
            };
            let Some(lo_row) = lock_incident!(self, tx, lo.0) else {
                return Err(not_found(lo));
            };
            let Some(hi_row) = lock_incident!(self, tx, hi.0) else {
                return Err(not_found(hi));
            };
            let (mut s, mut m) = if lo == survivor {
                (lo_row, hi_row)
            } else {
                (hi_row, lo_row)
            };
            check_scope(scope, &s.incident)?;
            check_scope(scope, &m.incident)?;
            let moving: Vec<i64> = m
                .incident
                .active_resources()
                .map(|r| r.resource_id)
                .collect();
            let outcome = merge_incidents(
                &mut s.incident,
                &mut m.incident,
                reason,
                domain_actor(actor),
                now,
            )?;
            let at = outcome.survivor_event.at;
            s.version = write_incident!(tx, &s.incident, s.version);
            m.version = write_incident!(tx, &m.incident, m.version);
            insert_events!(tx, [&outcome.merged_event, &outcome.survivor_event]);
            for resource_id in moving {
                sqlx::query(
                    "UPDATE incident_resources SET released_at = $3 \
                     WHERE incident_id = $1 AND resource_id = $2 AND released_at IS NULL",
                )
                .bind(m.incident.id.0)
                .bind(resource_id)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?;
                let already: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM incident_resources WHERE incident_id = $1 \
                     AND resource_id = $2 AND released_at IS NULL",
                )
                .bind(s.incident.id.0)
                .bind(resource_id)
                .fetch_optional(&mut *tx)
                .await?;
                if already.is_none() {
                    sqlx::query(
                        "INSERT INTO incident_resources (incident_id, resource_id, assigned_at) \
                         VALUES ($1, $2, $3)",
                    )
                    .bind(s.incident.id.0)
                    .bind(resource_id)
                    .bind(to_millis(at))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE resources SET incident_id = $2, version = version + 1 \
                     WHERE id = $1 AND incident_id = $3",
                )
                .bind(resource_id)
                .bind(s.incident.id.0)
                .bind(m.incident.id.0)
                .execute(&mut *tx)
                .await?;
            }
            let mut changes = record_update!(
                self,
                tx,
                actor,
                "incident.merged_into",
                &m.incident,
                m.version,
                std::slice::from_ref(&outcome.merged_event),
                None,
                now
            );
            changes.extend(record_update!(
                self,
                tx,
                actor,
                "incident.absorb",
                &s.incident,
                s.version,
                std::slice::from_ref(&outcome.survivor_event),
                None,
                now
            ));
            tx.commit().await?;
            ((s, m), changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok(out)
    }

    /// One incident by id.
    pub async fn incident(&self, id: IncidentId) -> Result<Option<StoredIncident>> {
        on_read!(self, |pool| {
            let row = sqlx::query("SELECT version, doc FROM incidents WHERE id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(stored_from_row).transpose()
        })
    }

    /// One incident by its readable number (as printed: `HN-2026-000123`).
    pub async fn incident_by_number(
        &self,
        number: &IncidentNumber,
    ) -> Result<Option<StoredIncident>> {
        on_read!(self, |pool| {
            let row = sqlx::query("SELECT version, doc FROM incidents WHERE number = $1")
                .bind(number.to_string())
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(stored_from_row).transpose()
        })
    }

    /// Lists incidents, newest first, with index-friendly SQL for each filter.
    pub async fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<StoredIncident>> {
        let (sql, params) = list_query(filter);
        on_read!(self, |pool| {
            let mut q = sqlx::query(&sql);
            for p in &params {
                q = match p {
                    Param::I(i) => q.bind(*i),
                    Param::S(s) => q.bind(s.as_str()),
                };
            }
            let rows = q.fetch_all(pool).await?;
            rows.iter().map(stored_from_row).collect()
        })
    }

    /// How many incidents `filter` finds, without its page limit: the total a list of them
    /// shows part of.
    pub async fn count_incidents(&self, filter: &IncidentFilter) -> Result<i64> {
        Ok(self
            .count_incidents_by_unit(filter)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum())
    }

    /// How many incidents the filter finds, per owning unit (`None`: no unit yet), ordered by
    /// unit code. In a unit's scope an incident shared with it counts under its owner.
    pub async fn count_incidents_by_unit(
        &self,
        filter: &IncidentFilter,
    ) -> Result<Vec<(Option<String>, i64)>> {
        let (sql, params) = incident_query(filter, true);
        on_read!(self, |pool| {
            let mut q = sqlx::query_as::<_, (Option<String>, i64)>(&sql);
            for p in &params {
                q = match p {
                    Param::I(i) => q.bind(*i),
                    Param::S(s) => q.bind(s.as_str()),
                };
            }
            Ok(q.fetch_all(pool).await?)
        })
    }

    /// The whole timeline of an incident, oldest first: its own events and, for a survivor of
    /// merges, the events of every incident merged into it.
    pub async fn incident_timeline(&self, incident: &Incident) -> Result<Vec<IncidentEvent>> {
        let ids: Vec<String> = std::iter::once(incident.id)
            .chain(incident.merged_from.iter().copied())
            .map(|i| i.0.to_string())
            .collect();
        // Ids are integers from the store: safe to write into the statement.
        let sql = format!(
            "SELECT event FROM incident_events WHERE incident_id IN ({}) ORDER BY at, id",
            ids.join(", ")
        );
        on_read!(self, |pool| {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    let text: String = r.try_get("event")?;
                    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                        what: "incident_events.event",
                        detail: e.to_string(),
                    })
                })
                .collect()
        })
    }

    /// The probable duplicates found when the incident was opened.
    pub async fn incident_duplicates(&self, id: IncidentId) -> Result<Vec<StoredDuplicate>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT duplicate_of, hint, at FROM incident_duplicates WHERE incident_id = $1 \
                 ORDER BY duplicate_of",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let hint: String = r.try_get("hint")?;
                    Ok(StoredDuplicate {
                        duplicate_of: r.try_get("duplicate_of")?,
                        hint: serde_json::from_str(&hint).unwrap_or(serde_json::Value::Null),
                        at: from_millis(r.try_get("at")?),
                    })
                })
                .collect()
        })
    }

    /// The citizen report whose lookup reference hashes to `ref_hash` (hex SHA-256), if any.
    /// Only reports filed with a reference (web form, citizen chat) have one.
    pub async fn public_report_by_ref(&self, ref_hash: &str) -> Result<Option<StoredIncident>> {
        let id: Option<i64> = on_read!(self, |pool| {
            sqlx::query_scalar("SELECT incident_id FROM public_report_refs WHERE ref_hash = $1")
                .bind(ref_hash)
                .fetch_optional(pool)
                .await?
        });
        match id {
            Some(id) => self.incident(IncidentId(id)).await,
            None => Ok(None),
        }
    }

    /// Open incidents (at most 20 000), newest first: what the overdue check reads.
    pub async fn open_incidents(&self) -> Result<Vec<StoredIncident>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT version, doc FROM incidents WHERE is_open = 1 ORDER BY id DESC LIMIT $1",
            )
            .bind(MAX_OPEN_SCAN)
            .fetch_all(pool)
            .await?;
            rows.iter().map(stored_from_row).collect()
        })
    }

    /// Emits `incident.overdue` once per incident and stage whose service-level target has
    /// passed at `now` ([`overdue`]). The once-only rule holds across nodes: the flag is a row
    /// of `incident_overdue`, inserted with `ON CONFLICT DO NOTHING`, and the feed row is only
    /// written by the transaction that inserted it. Returns the changes emitted.
    pub async fn flag_overdue(
        &self,
        targets: &ResponseTargets,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>> {
        let open = self.open_incidents().await?;
        let flagged: std::collections::HashSet<(i64, String)> = on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT o.incident_id, o.stage FROM incident_overdue o \
                 JOIN incidents i ON i.id = o.incident_id WHERE i.is_open = 1",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("incident_id")?, r.try_get("stage")?)))
                .collect::<Result<_>>()?
        });
        let mut due: Vec<(StoredIncident, Overdue, String)> = Vec::new();
        for stored in open {
            for o in overdue(&stored.incident, targets, now) {
                let stage = stage_code(&o);
                if !flagged.contains(&(stored.incident.id.0, stage.clone())) {
                    due.push((stored.clone(), o, stage));
                }
            }
        }
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let changes = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut changes = Vec::new();
            for (stored, o, stage) in &due {
                let i = &stored.incident;
                let done = sqlx::query(
                    "INSERT INTO incident_overdue (incident_id, stage, at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(i.id.0)
                .bind(stage)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    let payload = serde_json::json!({
                        "id": i.id, "number": i.number, "stage": o.stage,
                        "stage_label": o.stage.label_vi(),
                        "target_secs": o.target_secs, "elapsed_secs": o.elapsed_secs,
                        "over_by_secs": o.over_by_secs,
                        "incident": IncidentSummary::of(i, stored.version),
                    });
                    changes.push(insert_change!(
                        self,
                        tx,
                        "incident.overdue",
                        i.assignment.primary_unit.clone(),
                        i.assignment.shared_with.clone(),
                        payload,
                        now
                    ));
                }
            }
            tx.commit().await?;
            changes
        });
        for change in &changes {
            self.publish(change.clone());
        }
        Ok(changes)
    }

    /// Feed changes with an id above `after`, oldest first (at most `limit`, clamped to
    /// 1..=1000): what a live-feed client that reconnects with `Last-Event-ID` missed.
    pub async fn changes_after(&self, after: i64, limit: i64) -> Result<Vec<Change>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, at, kind, unit_code, shared, payload FROM changes WHERE id > $1 \
                 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let shared: String = row.try_get("shared")?;
                    let payload: String = row.try_get("payload")?;
                    Ok(Change {
                        id: row.try_get("id")?,
                        at: from_millis(row.try_get("at")?),
                        kind: row.try_get("kind")?,
                        unit_code: row.try_get("unit_code")?,
                        shared_with: crate::feed::split_units(&shared),
                        payload: serde_json::from_str(&payload).map_err(|e| {
                            StoreError::Corrupt {
                                what: "changes.payload",
                                detail: e.to_string(),
                            }
                        })?,
                    })
                })
                .collect()
        })
    }

    /// The id of the latest feed change (0 when there is none).
    pub async fn last_change_id(&self) -> Result<i64> {
        on_read!(self, |pool| {
            let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM changes")
                .fetch_one(pool)
                .await?;
            Ok(id.unwrap_or(0))
        })
    }
}

fn stage_code(o: &Overdue) -> String {
    serde_json::to_value(o.stage)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", o.stage))
}

pub(crate) fn not_found(id: IncidentId) -> StoreError {
    StoreError::NotFound {
        what: "incident",
        id: id.to_string(),
    }
}

/// An incident outside the user's scope is reported as not found: its existence is not
/// another unit's business.
pub(crate) fn check_scope(scope: &Scope, incident: &Incident) -> Result<()> {
    if scope.allows(
        incident.assignment.primary_unit.as_deref(),
        &incident.assignment.shared_with,
    ) {
        Ok(())
    } else {
        Err(not_found(incident.id))
    }
}

/// A bound value of a built query.
enum Param {
    I(i64),
    S(String),
}

/// The SQL and the parameters of [`Store::list_incidents`].
fn list_query(filter: &IncidentFilter) -> (String, Vec<Param>) {
    incident_query(filter, false)
}

/// The statement of [`list_query`], or with `count` the number of incidents it would find with
/// no page limit (and `before_id` still applied).
fn incident_query(filter: &IncidentFilter, count: bool) -> (String, Vec<Param>) {
    use Param as P;
    let mut cond: Vec<String> = Vec::new();
    let mut params: Vec<P> = Vec::new();
    let next = |p: P, params: &mut Vec<P>| {
        params.push(p);
        format!("${}", params.len())
    };
    if filter.open_only {
        cond.push("is_open = 1".into());
    }
    if let Some(status) = filter.status {
        let n = next(P::S(status.code().into()), &mut params);
        cond.push(format!("status = {n}"));
    }
    if let Some(unit) = &filter.unit {
        let n = next(P::S(unit.clone()), &mut params);
        cond.push(format!("unit_code = {n}"));
    }
    if let Some(facility) = filter.facility_id {
        let n = next(P::I(facility), &mut params);
        cond.push(format!("facility_id = {n}"));
    }
    if let Some(phone) = &filter.caller_phone {
        let n = next(P::S(phone.clone()), &mut params);
        cond.push(format!("caller_phone = {n}"));
    }
    if let Some(number) = &filter.number {
        let n = next(P::S(number.clone()), &mut params);
        cond.push(format!("number = {n}"));
    }
    if let Some(before) = filter.before_id {
        let n = next(P::I(before), &mut params);
        cond.push(format!("id < {n}"));
    }
    let limit = if count {
        String::new()
    } else {
        next(P::I(filter.limit.clamp(1, 500)), &mut params)
    };
    let and = |extra: &str| -> String {
        let all: Vec<&str> = std::iter::once(extra)
            .filter(|e| !e.is_empty())
            .chain(cond.iter().map(String::as_str))
            .collect();
        if all.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", all.join(" AND "))
        }
    };
    let sql = match &filter.visible_to_unit {
        None if count => format!(
            "SELECT unit_code, COUNT(*) AS n FROM incidents{} GROUP BY unit_code ORDER BY unit_code",
            and("")
        ),
        Some(unit) if count => {
            let n = next(P::S(unit.clone()), &mut params);
            let own = and(&format!("unit_code = {n}"));
            let shared = and(&format!(
                "id IN (SELECT incident_id FROM incident_shares WHERE unit_code = {n})"
            ));
            format!(
                "SELECT unit_code, COUNT(*) AS n FROM (SELECT id, unit_code FROM incidents{own} \
                 UNION SELECT id, unit_code FROM incidents{shared}) AS v \
                 GROUP BY unit_code ORDER BY unit_code"
            )
        }
        None => format!(
            "SELECT version, doc FROM incidents{} ORDER BY id DESC LIMIT {limit}",
            and("")
        ),
        Some(unit) => {
            // A unit sees its own incidents and those shared with it: the newest page of each
            // (its own read backwards along the (unit, id) index), then the newest of both.
            // An OR here made SQLite read the unit's whole history before sorting it.
            let n = next(P::S(unit.clone()), &mut params);
            let own = and(&format!("unit_code = {n}"));
            let shared = and(&format!(
                "id IN (SELECT incident_id FROM incident_shares WHERE unit_code = {n})"
            ));
            format!(
                "SELECT version, doc FROM incidents WHERE id IN (\
                 SELECT id FROM (SELECT id FROM incidents{own} ORDER BY id DESC LIMIT {limit}) AS o \
                 UNION SELECT id FROM (SELECT id FROM incidents{shared} ORDER BY id DESC \
                 LIMIT {limit}) AS s) ORDER BY id DESC LIMIT {limit}"
            )
        }
    };
    (sql, params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DbTarget;

    /// The lines of SQLite's plan for `sql` bound with `binds`.
    async fn sqlite_plan(store: &Store, sql: &str, binds: &[Param]) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        on_write!(store, |pool| {
            let mut q = sqlx::query(&explain);
            for b in binds {
                q = match b {
                    Param::I(i) => q.bind(*i),
                    Param::S(s) => q.bind(s.as_str()),
                };
            }
            let rows = q.fetch_all(pool).await.expect("plan");
            rows.iter()
                .map(|r| r.try_get::<String, _>("detail").expect("detail"))
                .collect()
        })
    }

    /// Plans are made over five years of closed incidents in 126 units, with the planner's
    /// statistics (and samples) from `ANALYZE`, as after a long history.
    #[tokio::test]
    async fn history_queries_never_scan_the_whole_table() {
        let dir = std::env::temp_dir().join(format!(
            "binhyen-plan-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = Store::open(&DbTarget::Sqlite(dir.join("plan.db")))
            .await
            .expect("open");
        const YEAR: i64 = 365 * 86_400_000;
        on_write!(store, |pool| {
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
                 INSERT INTO incidents (id, number, kind, priority, channel, status, is_open, \
                 unit_code, caller_phone, created_at, received_at, updated_at, doc) \
                 SELECT i, 'HN-' || i, 'crime', 3, 'hotline_113', 'closed', 0, \
                 printf('%05d', i % 126), printf('09%08d', i), i * $1, i * $1, i * $1, '{}' FROM n",
            )
            .bind(5 * YEAR / 2000)
            .execute(pool)
            .await
            .expect("history");
            sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
        });
        let probe = [
            Param::I(1),
            Param::S("GT-1".into()),
            Param::S("0900000001".into()),
            Param::I(0),
            Param::I(1),
            Param::I(0),
            Param::I(1),
            Param::I(0),
            Param::I(1),
            Param::I(0),
            Param::I(1),
        ];
        let plan = sqlite_plan(&store, DUPLICATE_CANDIDATES, &probe).await;
        assert!(
            !plan.iter().any(|l| l.starts_with("SCAN incidents")),
            "the duplicate probe must read indexes only: {plan:#?}"
        );
        let source = crate::stats::INCIDENT_SOURCE;
        for sql in [
            format!(
                "SELECT unit, category, COUNT(*) FROM {source} \
                 WHERE created_at >= $1 AND created_at < $2 GROUP BY unit, category"
            ),
            // The year-on-year shape: two windows, grouped by unit.
            format!(
                "SELECT unit, COUNT(CASE WHEN created_at >= $1 AND created_at < $2 THEN 1 END), \
                 COUNT(CASE WHEN created_at >= $3 AND created_at < $4 THEN 1 END) FROM {source} \
                 WHERE ((created_at >= $1 AND created_at < $2) \
                 OR (created_at >= $3 AND created_at < $4)) GROUP BY unit"
            ),
            format!(
                "SELECT unit, priority, dispatch_secs, travel_secs, control_secs FROM {source} \
                 WHERE created_at >= $1 AND created_at < $2 AND dispatch_secs IS NOT NULL"
            ),
        ] {
            let windows = [2 * YEAR, 3 * YEAR, YEAR, 2 * YEAR].map(Param::I);
            let plan = sqlite_plan(&store, &sql, &windows).await;
            assert!(
                plan.iter()
                    .any(|l| l.contains("COVERING INDEX incidents_received_stats")),
                "statistics read the covering index over the period: {sql}\n{plan:#?}"
            );
        }
        // A unit's history, newest first: walked in id order and stopped at the page size,
        // never every row of the unit sorted.
        for before_id in [None, Some(1_000)] {
            let (sql, params) = list_query(&IncidentFilter {
                visible_to_unit: Some("00070".into()),
                before_id,
                limit: 50,
                ..Default::default()
            });
            let plan = sqlite_plan(&store, &sql, &params).await;
            assert!(
                !plan.iter().any(|l| l.contains("TEMP B-TREE FOR ORDER BY"))
                    && plan
                        .iter()
                        .any(|l| l.contains("INDEX incidents_unit (unit_code=?")),
                "a unit's page is read in order along its index: {plan:#?}"
            );
        }
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
