//! The incident itself: its data, its timeline of events and the operations that change it.
//!
//! Every operation takes the acting [`Actor`] and `now`, changes the incident, and returns the
//! [`IncidentEvent`] it appended to [`Incident::history`]. The store persists the incident and
//! appends the event to its audit log; nothing here is ever rewritten or deleted.
//!
//! # Time
//!
//! Event times never go backwards within an incident's timeline. A `now` earlier than the
//! latest event (two servers whose clocks disagree slightly) is **clamped** to that latest time
//! rather than refused: refusing would fail an operator's action because of a clock, while the
//! clamp keeps the order of the timeline true. The event keeps the original value in
//! [`IncidentEvent::clamped_from`] so the audit shows what happened.
//!
//! # Identity
//!
//! The store assigns [`IncidentId`] (its primary key) and the readable
//! [`IncidentNumber`](super::IncidentNumber) before calling [`Incident::open`], inside the same
//! transaction that inserts the row.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alarm::AlarmSignal;
use super::casualties::Casualties;
use super::catalogue::{Channel, CrimeSubtype, Disposition, IncidentKind, Priority, ResourceKind};
use super::error::{FieldError, IncidentError};
use super::fire_report::FireReport;
use super::number::IncidentNumber;
use super::status::IncidentStatus;
use super::validate::{
    check_len, required_reason, Caller, IncidentLocation, ValidNewIncident, MAX_NOTE_CHARS,
    MAX_REASON_CHARS, MAX_UNIT_CODE_CHARS,
};

/// Store-assigned identifier of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct IncidentId(pub i64);

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who did something: a signed-in user, or a component acting on its own (the alarm receiver,
/// the citizen assistant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A person with an account.
    User {
        /// User id in the store.
        id: i64,
        /// Display name at the time of the action.
        name: String,
        /// The user's unit, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_code: Option<String>,
    },
    /// An automated component, e.g. `alarm_receiver` or `assistant`.
    System {
        /// Component name.
        name: String,
    },
}

impl Actor {
    /// A user without a unit.
    pub fn user(id: i64, name: impl Into<String>) -> Self {
        Actor::User {
            id,
            name: name.into(),
            unit_code: None,
        }
    }

    /// An automated component.
    pub fn system(name: impl Into<String>) -> Self {
        Actor::System { name: name.into() }
    }

    /// Name to show in a timeline.
    pub fn display_name(&self) -> &str {
        match self {
            Actor::User { name, .. } | Actor::System { name } => name,
        }
    }
}

/// A free-text note on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: Actor,
    /// The text.
    pub text: String,
    /// The incident it was written on (differs from the holder after a merge).
    pub origin: IncidentId,
}

/// Which commune/ward unit handles the incident, who else sees it, and whether the city
/// center took it over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitAssignment {
    /// The responsible unit's code.
    pub primary_unit: Option<String>,
    /// Neighbouring units that were given sight of the incident.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// True once escalated to the city level.
    #[serde(default)]
    pub escalated_to_city: bool,
}

/// A resource sent to the incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAssignment {
    /// Resource id in the store.
    pub resource_id: i64,
    /// Call sign, e.g. `CC-07` or `TT-BaDinh-2`.
    pub call_sign: String,
    /// Kind of resource.
    pub kind: ResourceKind,
    /// When it was assigned.
    pub assigned_at: DateTime<Utc>,
    /// When it was released from the incident, if it was.
    pub released_at: Option<DateTime<Utc>>,
}

impl ResourceAssignment {
    /// Still working on the incident.
    pub fn is_active(&self) -> bool {
        self.released_at.is_none()
    }
}

/// The first time each lifecycle step was reached. Later repetitions (after a reopen) do not
/// move these, so response statistics measure the first response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTimes {
    /// Report received (call start, alarm arrival).
    pub received: DateTime<Utc>,
    /// Verified.
    pub verified: Option<DateTime<Utc>>,
    /// Declared a false alarm.
    pub false_alarm: Option<DateTime<Utc>>,
    /// First resource dispatched.
    pub dispatched: Option<DateTime<Utc>>,
    /// First resource en route.
    pub en_route: Option<DateTime<Utc>>,
    /// First resource on scene.
    pub on_scene: Option<DateTime<Utc>>,
    /// Resolved on scene.
    pub resolved: Option<DateTime<Utc>>,
    /// Closed.
    pub closed: Option<DateTime<Utc>>,
    /// Cancelled.
    pub cancelled: Option<DateTime<Utc>>,
    /// Merged into another incident.
    pub merged: Option<DateTime<Utc>>,
}

impl StatusTimes {
    fn new(received: DateTime<Utc>) -> Self {
        Self {
            received,
            verified: None,
            false_alarm: None,
            dispatched: None,
            en_route: None,
            on_scene: None,
            resolved: None,
            closed: None,
            cancelled: None,
            merged: None,
        }
    }

    /// When `status` was first reached.
    pub fn get(&self, status: IncidentStatus) -> Option<DateTime<Utc>> {
        use IncidentStatus as S;
        match status {
            S::Received => Some(self.received),
            S::Verified => self.verified,
            S::FalseAlarm => self.false_alarm,
            S::Dispatched => self.dispatched,
            S::EnRoute => self.en_route,
            S::OnScene => self.on_scene,
            S::Resolved => self.resolved,
            S::Closed => self.closed,
            S::Cancelled => self.cancelled,
            S::Merged => self.merged,
        }
    }

    fn set_first(&mut self, status: IncidentStatus, at: DateTime<Utc>) {
        use IncidentStatus as S;
        let slot = match status {
            S::Received => return,
            S::Verified => &mut self.verified,
            S::FalseAlarm => &mut self.false_alarm,
            S::Dispatched => &mut self.dispatched,
            S::EnRoute => &mut self.en_route,
            S::OnScene => &mut self.on_scene,
            S::Resolved => &mut self.resolved,
            S::Closed => &mut self.closed,
            S::Cancelled => &mut self.cancelled,
            S::Merged => &mut self.merged,
        };
        if slot.is_none() {
            *slot = Some(at);
        }
    }
}

/// What an event changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IncidentChange {
    /// The incident was opened.
    Opened {
        /// Initial type.
        kind: IncidentKind,
        /// Initial crime sub-type.
        crime_subtype: Option<CrimeSubtype>,
        /// Initial priority.
        priority: Priority,
        /// Intake channel.
        channel: Channel,
        /// Responsible unit at opening.
        unit_code: Option<String>,
    },
    /// The status moved.
    StatusChanged {
        /// Previous status.
        from: IncidentStatus,
        /// New status.
        to: IncidentStatus,
        /// Reason or comment.
        reason: Option<String>,
        /// Disposition, when closing or cancelling.
        disposition: Option<Disposition>,
    },
    /// Type or sub-type corrected.
    Reclassified {
        /// Previous type.
        from_kind: IncidentKind,
        /// Previous sub-type.
        from_subtype: Option<CrimeSubtype>,
        /// New type.
        to_kind: IncidentKind,
        /// New sub-type.
        to_subtype: Option<CrimeSubtype>,
        /// Reason.
        reason: Option<String>,
    },
    /// Priority changed.
    PriorityChanged {
        /// Previous priority.
        from: Priority,
        /// New priority.
        to: Priority,
        /// Reason.
        reason: Option<String>,
    },
    /// Handed to another unit.
    Transferred {
        /// Previous unit.
        from_unit: Option<String>,
        /// New unit.
        to_unit: String,
        /// Why.
        reason: String,
    },
    /// The location was set or corrected (by address search or a map click); the unit
    /// follows it.
    Relocated {
        /// Previous address.
        from_address: Option<String>,
        /// New address.
        to_address: Option<String>,
        /// Previous unit.
        from_unit: Option<String>,
        /// New unit (the previous one stays when the new place fits several units).
        to_unit: Option<String>,
        /// Why (required when the unit changes after dispatch).
        reason: Option<String>,
    },
    /// Taken up to the city level.
    EscalatedToCity {
        /// Why.
        reason: Option<String>,
    },
    /// Shown to a neighbouring unit.
    SharedWith {
        /// The unit.
        unit: String,
        /// Why.
        reason: Option<String>,
    },
    /// A note was added (the text is in [`Incident::notes`] too).
    NoteAdded {
        /// The note text.
        text: String,
    },
    /// Linked to a related incident.
    Linked {
        /// The other incident.
        other: IncidentId,
    },
    /// Another incident was merged into this one.
    Absorbed {
        /// The merged incident.
        merged: IncidentId,
        /// Its number.
        merged_number: IncidentNumber,
        /// Why.
        reason: Option<String>,
    },
    /// This incident was merged into another (status becomes `merged`).
    MergedInto {
        /// The surviving incident.
        survivor: IncidentId,
        /// Its number.
        survivor_number: IncidentNumber,
        /// Status before the merge.
        from: IncidentStatus,
        /// Why.
        reason: Option<String>,
    },
    /// An alarm signal joined the incident.
    SignalAttached {
        /// Zone of the signal.
        zone: Option<String>,
        /// Event code.
        code: String,
        /// When the receiver got it.
        received_at: DateTime<Utc>,
        /// Signals on the incident after this one.
        total: u32,
    },
    /// Alarm zones reported back to normal; the incident stays as it is.
    AlarmRestored {
        /// The zone, or `None` for all zones.
        zone: Option<String>,
        /// Number of signals marked restored.
        count: u32,
    },
    /// A resource was sent.
    ResourceAssigned {
        /// Resource id.
        resource_id: i64,
        /// Call sign.
        call_sign: String,
        /// Kind.
        kind: ResourceKind,
    },
    /// A resource was released from the incident.
    ResourceReleased {
        /// Resource id.
        resource_id: i64,
        /// Call sign.
        call_sign: String,
    },
    /// The fire report was filed (or replaced); the report itself is on the incident.
    FireReportFiled {
        /// What it said: a real fire, or a false alarm.
        real_fire: bool,
        /// It replaced an earlier report.
        replaced: bool,
    },
    /// The casualty figures were recorded or corrected.
    CasualtiesRecorded {
        /// The figures before.
        from: Casualties,
        /// The figures now.
        to: Casualties,
        /// Why (required once the incident is closed).
        reason: Option<String>,
    },
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentEvent {
    /// The incident the event happened on (after a merge, the survivor's history also holds the
    /// merged incident's events, with that incident's id here).
    pub incident_id: IncidentId,
    /// 1-based position in that incident's own timeline.
    pub seq: u32,
    /// When it happened (never earlier than the previous event).
    pub at: DateTime<Utc>,
    /// The caller's `now` when it was earlier than the previous event and had to be clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clamped_from: Option<DateTime<Utc>>,
    /// Who did it.
    pub actor: Actor,
    /// What changed.
    pub change: IncidentChange,
}

/// Optional details of a status transition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionDetails {
    /// Reason or comment; required for cancel, false alarm, re-verify and reopen.
    pub reason: Option<String>,
    /// Disposition; required to close (except from `false_alarm`, which implies it), optional
    /// to cancel.
    pub disposition: Option<Disposition>,
}

impl TransitionDetails {
    /// Details with only a reason.
    pub fn reason(reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
            disposition: None,
        }
    }

    /// Details with only a disposition.
    pub fn disposition(disposition: Disposition) -> Self {
        Self {
            reason: None,
            disposition: Some(disposition),
        }
    }
}

/// An incident. Fields are public for reading and persistence; change them only through the
/// methods so that every change lands in the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Store id.
    pub id: IncidentId,
    /// Readable number.
    pub number: IncidentNumber,
    /// Type.
    pub kind: IncidentKind,
    /// Crime sub-type.
    pub crime_subtype: Option<CrimeSubtype>,
    /// Priority.
    pub priority: Priority,
    /// Intake channel.
    pub channel: Channel,
    /// Current status.
    pub status: IncidentStatus,
    /// How it ended (closed, cancelled, merged).
    pub disposition: Option<Disposition>,
    /// Where.
    pub location: IncidentLocation,
    /// Who reported it.
    pub caller: Caller,
    /// What happened.
    pub description: String,
    /// Facility (alarm incidents).
    pub facility_id: Option<i64>,
    /// Alarm device.
    pub device_id: Option<String>,
    /// Alarm signals, oldest first (capped, see [`super::alarm::MAX_SIGNALS_PER_INCIDENT`]).
    pub signals: Vec<AlarmSignal>,
    /// Signals received beyond the cap and only counted.
    pub signals_dropped: u32,
    /// Related incidents (linked, not merged).
    pub related: Vec<IncidentId>,
    /// Set when this incident was merged into another.
    pub merged_into: Option<IncidentId>,
    /// Incidents merged into this one.
    pub merged_from: Vec<IncidentId>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// People dead, injured, trapped and rescued, as last recorded.
    #[serde(default)]
    pub casualties: Casualties,
    /// The fire report (fire and explosion incidents), once filed.
    #[serde(default)]
    pub fire_report: Option<FireReport>,
    /// Unit responsibility.
    pub assignment: UnitAssignment,
    /// Resources sent.
    pub resources: Vec<ResourceAssignment>,
    /// Lifecycle timestamps.
    pub times: StatusTimes,
    /// Who opened it.
    pub opened_by: Actor,
    /// When it was opened in the system (≥ `times.received`).
    pub opened_at: DateTime<Utc>,
    /// Time of the latest event.
    pub updated_at: DateTime<Utc>,
    /// Timeline, oldest first.
    pub history: Vec<IncidentEvent>,
    /// Number of events of this incident's own (for `seq`).
    pub event_count: u32,
}

impl Incident {
    /// Opens an incident from validated input. `id` and `number` come from the store; `now` is
    /// the moment of opening. Returns the incident and its `opened` event.
    pub fn open(
        id: IncidentId,
        number: IncidentNumber,
        input: ValidNewIncident,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> (Incident, IncidentEvent) {
        let ValidNewIncident {
            inner,
            priority,
            reported_at,
        } = input;
        let received = reported_at.min(now);
        let mut incident = Incident {
            id,
            number,
            kind: inner.kind,
            crime_subtype: inner.crime_subtype,
            priority,
            channel: inner.channel,
            status: IncidentStatus::Received,
            disposition: None,
            assignment: UnitAssignment {
                primary_unit: inner.location.unit_code.clone(),
                shared_with: Vec::new(),
                escalated_to_city: false,
            },
            location: inner.location,
            caller: inner.caller,
            description: inner.description,
            facility_id: inner.facility_id,
            device_id: inner.device_id,
            signals: inner.signals,
            signals_dropped: 0,
            related: Vec::new(),
            merged_into: None,
            merged_from: Vec::new(),
            notes: Vec::new(),
            casualties: Casualties::default(),
            fire_report: None,
            resources: Vec::new(),
            times: StatusTimes::new(received),
            opened_by: actor.clone(),
            opened_at: now,
            updated_at: now,
            history: Vec::new(),
            event_count: 0,
        };
        let change = IncidentChange::Opened {
            kind: incident.kind,
            crime_subtype: incident.crime_subtype,
            priority: incident.priority,
            channel: incident.channel,
            unit_code: incident.assignment.primary_unit.clone(),
        };
        let event = incident.record(actor, now, change);
        (incident, event)
    }

    /// Whether the incident is still open (not closed, cancelled or merged).
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// Resources still working on the incident.
    pub fn active_resources(&self) -> impl Iterator<Item = &ResourceAssignment> {
        self.resources.iter().filter(|r| r.is_active())
    }

    /// Appends an event at `max(now, updated_at)` and returns it.
    pub(crate) fn record(
        &mut self,
        actor: Actor,
        now: DateTime<Utc>,
        change: IncidentChange,
    ) -> IncidentEvent {
        let (at, clamped_from) = if !self.history.is_empty() && now < self.updated_at {
            (self.updated_at, Some(now))
        } else {
            (now, None)
        };
        self.event_count += 1;
        self.updated_at = at;
        let event = IncidentEvent {
            incident_id: self.id,
            seq: self.event_count,
            at,
            clamped_from,
            actor,
            change,
        };
        self.history.push(event.clone());
        event
    }

    /// Refuses changes to closed, cancelled and merged incidents.
    pub(crate) fn ensure_open(&self) -> Result<(), IncidentError> {
        if self.status.is_terminal() {
            Err(IncidentError::IncidentFinished {
                id: self.id,
                status: self.status,
            })
        } else {
            Ok(())
        }
    }

    /// Refuses changes to a merged incident (its survivor takes them).
    fn ensure_not_merged(&self) -> Result<(), IncidentError> {
        if self.status == IncidentStatus::Merged {
            Err(IncidentError::IncidentFinished {
                id: self.id,
                status: self.status,
            })
        } else {
            Ok(())
        }
    }

    /// Moves the incident to `to`, checking the transition table, the reason and the
    /// disposition rules (see [`super::status`]). `merged` is refused here: use
    /// [`merge_incidents`].
    pub fn transition(
        &mut self,
        to: IncidentStatus,
        details: TransitionDetails,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        if to == IncidentStatus::Merged {
            return Err(IncidentError::UseDedicatedOperation {
                to,
                operation: "merge",
            });
        }
        let from = self.status;
        from.check_transition(to)?;
        let reason = if from.needs_reason(to) {
            Some(required_reason(
                reason_action(to),
                details.reason.as_deref(),
            )?)
        } else {
            optional_text(details.reason)?
        };
        let disposition = resolve_disposition(from, to, details.disposition)?;
        self.check_fire_report_before(to)?;

        let event = self.record(
            actor,
            now,
            IncidentChange::StatusChanged {
                from,
                to,
                reason,
                disposition,
            },
        );
        self.status = to;
        self.times.set_first(to, event.at);
        if disposition.is_some() {
            self.disposition = disposition;
        }
        Ok(event)
    }

    /// `received → verified` (or re-verification of a false alarm, with a reason).
    pub fn verify(
        &mut self,
        reason: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        let details = TransitionDetails {
            reason,
            disposition: None,
        };
        self.transition(IncidentStatus::Verified, details, actor, now)
    }

    /// Declares a false alarm (reason required). The incident still has to be closed.
    pub fn mark_false_alarm(
        &mut self,
        reason: &str,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.transition(
            IncidentStatus::FalseAlarm,
            TransitionDetails::reason(reason),
            actor,
            now,
        )
    }

    /// Closes the incident with a disposition (from `false_alarm`, `None` means false alarm).
    pub fn close(
        &mut self,
        disposition: Option<Disposition>,
        note: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        let details = TransitionDetails {
            reason: note,
            disposition,
        };
        self.transition(IncidentStatus::Closed, details, actor, now)
    }

    /// Cancels the incident (reason required; disposition defaults from the status).
    pub fn cancel(
        &mut self,
        reason: &str,
        disposition: Option<Disposition>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        let details = TransitionDetails {
            reason: Some(reason.to_string()),
            disposition,
        };
        self.transition(IncidentStatus::Cancelled, details, actor, now)
    }

    /// Corrects the type and crime sub-type. The priority is kept; change it separately.
    pub fn reclassify(
        &mut self,
        kind: IncidentKind,
        crime_subtype: Option<CrimeSubtype>,
        reason: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        if crime_subtype.is_some() && kind != IncidentKind::Crime {
            return Err(IncidentError::field(
                "crime_subtype",
                "subtype_without_crime",
                "Chỉ vụ việc loại \"Tội phạm\" mới có loại tội phạm".into(),
                format!("a crime sub-type is only allowed for crime incidents, not {kind}"),
            ));
        }
        let reason = optional_text(reason)?;
        let event = self.record(
            actor,
            now,
            IncidentChange::Reclassified {
                from_kind: self.kind,
                from_subtype: self.crime_subtype,
                to_kind: kind,
                to_subtype: crime_subtype,
                reason,
            },
        );
        self.kind = kind;
        self.crime_subtype = crime_subtype;
        Ok(event)
    }

    /// Changes the priority.
    pub fn change_priority(
        &mut self,
        priority: Priority,
        reason: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        let reason = optional_text(reason)?;
        let event = self.record(
            actor,
            now,
            IncidentChange::PriorityChanged {
                from: self.priority,
                to: priority,
                reason,
            },
        );
        self.priority = priority;
        Ok(event)
    }

    /// Hands the incident to another commune/ward unit. A reason is required.
    pub fn transfer_to_unit(
        &mut self,
        unit_code: &str,
        reason: &str,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        let unit = check_unit_code(unit_code)?;
        let reason = required_reason("transfer", Some(reason))?;
        if self.assignment.primary_unit.as_deref() == Some(unit.as_str()) {
            return Err(IncidentError::AlreadyAssigned { unit });
        }
        let event = self.record(
            actor,
            now,
            IncidentChange::Transferred {
                from_unit: self.assignment.primary_unit.clone(),
                to_unit: unit.clone(),
                reason,
            },
        );
        self.assignment.shared_with.retain(|u| u != &unit);
        self.assignment.primary_unit = Some(unit);
        Ok(event)
    }

    /// Sets or corrects where the incident is. The unit follows the new location's unit when
    /// it has one; when the new place fits several units, the unit stays and the candidates
    /// are kept for a person to pick. A unit given with neither point nor address is that
    /// pick: the place stays and its unit is settled. Changing the unit after a resource was
    /// dispatched needs a reason.
    pub fn relocate(
        &mut self,
        location: IncidentLocation,
        reason: Option<&str>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        let mut location = location;
        if location.point.is_none() && location.address.is_none() && location.unit_code.is_some() {
            location = IncidentLocation {
                unit_code: location.unit_code,
                unit_uncertain: false,
                ..self.location.clone()
            };
        }
        location.address = location
            .address
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        let mut errors = Vec::new();
        if let Some(a) = &location.address {
            check_len(
                "location.address",
                "Địa chỉ",
                a,
                super::validate::MAX_ADDRESS_CHARS,
                &mut errors,
            );
        }
        if location.point.is_some_and(|p| !p.is_valid()) {
            errors.push(FieldError::new(
                "location.point",
                "out_of_range",
                "Tọa độ không hợp lệ".into(),
                "the point is not a latitude and longitude on Earth".into(),
            ));
        }
        if location.point.is_none() && location.address.is_none() {
            errors.push(FieldError::new(
                "location",
                "location_required",
                "Cần có tọa độ hoặc địa chỉ nơi xảy ra sự việc".into(),
                "a location (coordinates) or an address is required".into(),
            ));
        }
        if !errors.is_empty() {
            return Err(IncidentError::Invalid { errors });
        }
        let to_unit = match location.unit_code.as_deref() {
            Some(u) => Some(check_unit_code(u)?),
            None => None,
        };
        let from_unit = self.assignment.primary_unit.clone();
        let unit_changes = to_unit.is_some() && to_unit != from_unit;
        let reason = if unit_changes && self.times.dispatched.is_some() {
            Some(required_reason("relocate", reason)?)
        } else {
            reason
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
        };
        let event = self.record(
            actor,
            now,
            IncidentChange::Relocated {
                from_address: self.location.address.clone(),
                to_address: location.address.clone(),
                from_unit: from_unit.clone(),
                to_unit: if unit_changes {
                    to_unit.clone()
                } else {
                    from_unit
                },
                reason,
            },
        );
        if unit_changes {
            if let Some(unit) = &to_unit {
                self.assignment.shared_with.retain(|u| u != unit);
                self.assignment.primary_unit = Some(unit.clone());
            }
        }
        self.location = location;
        Ok(event)
    }

    /// Takes the incident up to the city level (the unit keeps it; the city center leads).
    pub fn escalate_to_city(
        &mut self,
        reason: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        if self.assignment.escalated_to_city {
            return Err(IncidentError::AlreadyEscalated);
        }
        let reason = optional_text(reason)?;
        let event = self.record(actor, now, IncidentChange::EscalatedToCity { reason });
        self.assignment.escalated_to_city = true;
        Ok(event)
    }

    /// Lets a neighbouring unit see and support the incident.
    pub fn share_with_unit(
        &mut self,
        unit_code: &str,
        reason: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        let unit = check_unit_code(unit_code)?;
        if self.assignment.primary_unit.as_deref() == Some(unit.as_str())
            || self.assignment.shared_with.contains(&unit)
        {
            return Err(IncidentError::AlreadyAssigned { unit });
        }
        let reason = optional_text(reason)?;
        let event = self.record(
            actor,
            now,
            IncidentChange::SharedWith {
                unit: unit.clone(),
                reason,
            },
        );
        self.assignment.shared_with.push(unit);
        Ok(event)
    }

    /// Adds a note. Notes may be added after closing (follow-up information), but not to a
    /// merged incident: they belong on the survivor.
    pub fn add_note(
        &mut self,
        text: &str,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_not_merged()?;
        let text = text.trim();
        if text.is_empty() {
            return Err(IncidentError::field(
                "note",
                "required",
                "Nội dung ghi chú trống".into(),
                "the note is empty".into(),
            ));
        }
        let mut errors: Vec<FieldError> = Vec::new();
        check_len("note", "Ghi chú", text, MAX_NOTE_CHARS, &mut errors);
        if !errors.is_empty() {
            return Err(IncidentError::Invalid { errors });
        }
        let event = self.record(
            actor.clone(),
            now,
            IncidentChange::NoteAdded {
                text: text.to_string(),
            },
        );
        self.notes.push(Note {
            at: event.at,
            author: actor,
            text: text.to_string(),
            origin: self.id,
        });
        Ok(event)
    }

    /// Records that `other` is related (same perpetrator, same area, …) without merging.
    /// Linking twice is refused; call it on both incidents for a two-way link.
    pub fn link_related(
        &mut self,
        other: IncidentId,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_not_merged()?;
        if other == self.id {
            return Err(IncidentError::SelfReference { id: self.id });
        }
        if self.related.contains(&other) {
            return Err(IncidentError::AlreadyLinked { id: self.id, other });
        }
        let event = self.record(actor, now, IncidentChange::Linked { other });
        self.related.push(other);
        Ok(event)
    }
}

/// The two events a merge produces.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    /// Appended to the survivor: `absorbed`.
    pub survivor_event: IncidentEvent,
    /// Appended to the merged incident: `merged_into`.
    pub merged_event: IncidentEvent,
}

/// Merges `merged` into `survivor`: the merged incident becomes `merged` (disposition
/// `duplicate`) with a pointer to the survivor; the survivor takes its timeline, notes, alarm
/// signals, links and still-active resources, so it holds both histories in time order.
/// The survivor keeps its own type, priority, caller and lifecycle times.
pub fn merge_incidents(
    survivor: &mut Incident,
    merged: &mut Incident,
    reason: Option<String>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<MergeOutcome, IncidentError> {
    if survivor.id == merged.id {
        return Err(IncidentError::SelfReference { id: survivor.id });
    }
    survivor.ensure_open()?;
    merged.ensure_open()?;
    merged.status.check_transition(IncidentStatus::Merged)?;
    let reason = optional_text(reason)?;
    // One instant for both sides, not earlier than either timeline.
    let at = now.max(survivor.updated_at).max(merged.updated_at);

    let from = merged.status;
    let mut merged_event = merged.record(
        actor.clone(),
        at,
        IncidentChange::MergedInto {
            survivor: survivor.id,
            survivor_number: survivor.number.clone(),
            from,
            reason: reason.clone(),
        },
    );
    if now < at {
        merged_event.clamped_from = Some(now);
        if let Some(last) = merged.history.last_mut() {
            last.clamped_from = Some(now);
        }
    }
    merged.status = IncidentStatus::Merged;
    merged.times.set_first(IncidentStatus::Merged, at);
    merged.disposition = Some(Disposition::Duplicate);
    merged.merged_into = Some(survivor.id);

    // Survivor takes everything worth keeping.
    survivor.history.extend(merged.history.iter().cloned());
    survivor.notes.extend(merged.notes.iter().cloned());
    survivor.notes.sort_by_key(|n| n.at);
    for signal in &merged.signals {
        super::alarm::push_signal(survivor, signal.clone());
    }
    survivor.signals_dropped += merged.signals_dropped;
    survivor.casualties = survivor.casualties.merged_with(merged.casualties);
    for id in merged.related.iter().copied() {
        if id != survivor.id && !survivor.related.contains(&id) {
            survivor.related.push(id);
        }
    }
    survivor.merged_from.push(merged.id);
    for id in merged.merged_from.iter().copied() {
        if !survivor.merged_from.contains(&id) {
            survivor.merged_from.push(id);
        }
    }
    for r in merged.resources.iter().filter(|r| r.is_active()) {
        let already = survivor
            .resources
            .iter()
            .any(|s| s.resource_id == r.resource_id && s.is_active());
        if !already {
            survivor.resources.push(r.clone());
        }
    }

    let mut survivor_event = survivor.record(
        actor,
        at,
        IncidentChange::Absorbed {
            merged: merged.id,
            merged_number: merged.number.clone(),
            reason,
        },
    );
    if now < at {
        survivor_event.clamped_from = Some(now);
        if let Some(last) = survivor.history.last_mut() {
            last.clamped_from = Some(now);
        }
    }
    // Both timelines interleaved by time; ties keep insertion order (stable sort).
    survivor.history.sort_by_key(|e| e.at);
    Ok(MergeOutcome {
        survivor_event,
        merged_event,
    })
}

fn reason_action(to: IncidentStatus) -> &'static str {
    match to {
        IncidentStatus::Cancelled => "cancel",
        IncidentStatus::FalseAlarm => "declare a false alarm",
        IncidentStatus::Verified => "re-verify a false alarm",
        IncidentStatus::Dispatched => "reopen a resolved incident",
        _ => "make this change",
    }
}

/// Trims an optional comment, drops it when empty, and limits its length.
fn optional_text(text: Option<String>) -> Result<Option<String>, IncidentError> {
    let Some(t) = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut errors = Vec::new();
    check_len("reason", "Lý do", &t, MAX_REASON_CHARS, &mut errors);
    if errors.is_empty() {
        Ok(Some(t))
    } else {
        Err(IncidentError::Invalid { errors })
    }
}

fn check_unit_code(code: &str) -> Result<String, IncidentError> {
    let code = code.trim();
    if code.is_empty()
        || code.chars().count() > MAX_UNIT_CODE_CHARS
        || !code.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(IncidentError::field(
            "unit_code",
            "invalid_unit_code",
            format!("Mã đơn vị \"{code}\" không hợp lệ"),
            format!(
                "unit code \"{code}\" must be 1 to {MAX_UNIT_CODE_CHARS} ASCII letters or digits"
            ),
        ));
    }
    Ok(code.to_string())
}

/// Disposition rules: closing needs one (a false alarm implies its own), cancelling takes an
/// optional cancellation-type one, every other transition takes none.
fn resolve_disposition(
    from: IncidentStatus,
    to: IncidentStatus,
    given: Option<Disposition>,
) -> Result<Option<Disposition>, IncidentError> {
    let mismatch = || IncidentError::DispositionMismatch { to, given };
    match to {
        IncidentStatus::Closed => match (from, given) {
            (IncidentStatus::FalseAlarm, None | Some(Disposition::FalseAlarm)) => {
                Ok(Some(Disposition::FalseAlarm))
            }
            (IncidentStatus::FalseAlarm, Some(_)) => Err(mismatch()),
            (_, Some(Disposition::Duplicate)) => Err(mismatch()),
            (_, Some(d)) => Ok(Some(d)),
            (_, None) => Err(mismatch()),
        },
        IncidentStatus::Cancelled => match given {
            Some(d) if d.is_cancellation() => Ok(Some(d)),
            Some(_) => Err(mismatch()),
            None => Ok(Some(match from {
                IncidentStatus::Dispatched | IncidentStatus::EnRoute => {
                    Disposition::CancelledPriorToArrival
                }
                _ => Disposition::CancelledByCaller,
            })),
        },
        _ => match given {
            None => Ok(None),
            Some(_) => Err(mismatch()),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::incident::geo::GeoPoint;
    use crate::incident::validate::NewIncident;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
    }

    pub(crate) fn operator() -> Actor {
        Actor::user(7, "Nguyễn Văn An")
    }

    pub(crate) fn new_fire() -> NewIncident {
        NewIncident {
            kind: IncidentKind::Fire,
            crime_subtype: None,
            priority: None,
            channel: Channel::Hotline114,
            location: IncidentLocation {
                point: Some(GeoPoint::new(21.0288, 105.8525)),
                address: Some("12 Hàng Bạc, phường Hoàn Kiếm".into()),
                unit_code: Some("00070".into()),
                ..Default::default()
            },
            caller: Caller {
                name: Some("Trần Thị Bình".into()),
                phone: Some("0912345678".into()),
            },
            description: "Khói bốc ra từ tầng 2 nhà dân".into(),
            facility_id: None,
            device_id: None,
            signals: Vec::new(),
            reported_at: None,
        }
    }

    pub(crate) fn open_with(id: i64, input: NewIncident, now: DateTime<Utc>) -> Incident {
        let valid = input.validate(now).unwrap();
        let number = IncidentNumber::new("HN", 2026, id as u32).unwrap();
        Incident::open(IncidentId(id), number, valid, operator(), now).0
    }

    pub(crate) fn open_fire(id: i64) -> Incident {
        open_with(id, new_fire(), t0())
    }

    fn secs(n: i64) -> DateTime<Utc> {
        t0() + Duration::seconds(n)
    }

    #[test]
    fn open_sets_defaults_and_first_event() {
        let valid = new_fire().validate(t0()).unwrap();
        let (inc, ev) = Incident::open(
            IncidentId(1),
            IncidentNumber::new("HN", 2026, 1).unwrap(),
            valid,
            operator(),
            t0(),
        );
        assert_eq!(inc.status, IncidentStatus::Received);
        assert_eq!(inc.priority, Priority::P1);
        assert_eq!(inc.assignment.primary_unit.as_deref(), Some("00070"));
        assert_eq!(inc.times.received, t0());
        assert_eq!(ev.seq, 1);
        assert_eq!(inc.history, vec![ev.clone()]);
        assert!(matches!(
            ev.change,
            IncidentChange::Opened {
                kind: IncidentKind::Fire,
                ..
            }
        ));
    }

    #[test]
    fn full_lifecycle_records_every_step() {
        let mut inc = open_fire(1);
        inc.verify(None, operator(), secs(20)).unwrap();
        inc.transition(
            IncidentStatus::Dispatched,
            Default::default(),
            operator(),
            secs(50),
        )
        .unwrap();
        inc.transition(
            IncidentStatus::EnRoute,
            Default::default(),
            operator(),
            secs(110),
        )
        .unwrap();
        inc.transition(
            IncidentStatus::OnScene,
            Default::default(),
            operator(),
            secs(400),
        )
        .unwrap();
        inc.transition(
            IncidentStatus::Resolved,
            Default::default(),
            operator(),
            secs(2000),
        )
        .unwrap();
        inc.file_fire_report(
            crate::incident::fire_report::sample_fire_report(),
            operator(),
            secs(2500),
        )
        .unwrap();
        let ev = inc
            .close(Some(Disposition::ReportTaken), None, operator(), secs(3000))
            .unwrap();
        assert_eq!(inc.status, IncidentStatus::Closed);
        assert_eq!(inc.disposition, Some(Disposition::ReportTaken));
        assert_eq!(inc.times.verified, Some(secs(20)));
        assert_eq!(inc.times.on_scene, Some(secs(400)));
        assert_eq!(inc.times.closed, Some(secs(3000)));
        // Seven steps and the fire report.
        assert_eq!(ev.seq, 8);
        assert_eq!(inc.history.len(), 8);
        // Terminal: nothing else is accepted.
        let err = inc.add_note("x", operator(), secs(3001));
        assert!(err.is_ok(), "notes on closed incidents are allowed");
        let err = inc
            .transition(
                IncidentStatus::Resolved,
                Default::default(),
                operator(),
                secs(3002),
            )
            .unwrap_err();
        assert_eq!(
            err,
            IncidentError::IncidentFinished {
                id: IncidentId(1),
                status: IncidentStatus::Closed
            }
        );
    }

    #[test]
    fn illegal_transition_error_names_from_to_and_allowed() {
        let mut inc = open_fire(1);
        let err = inc
            .transition(
                IncidentStatus::OnScene,
                Default::default(),
                operator(),
                secs(5),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "illegal incident transition from received to on_scene; allowed: verified, \
             false_alarm, dispatched, cancelled, merged"
        );
        assert!(err.is_conflict());
        assert_eq!(inc.status, IncidentStatus::Received);
        assert_eq!(inc.history.len(), 1, "a refused transition records nothing");
    }

    #[test]
    fn reasons_and_dispositions_are_enforced() {
        let mut inc = open_fire(1);
        assert_eq!(
            inc.cancel("  ", None, operator(), secs(1)).unwrap_err(),
            IncidentError::ReasonRequired { action: "cancel" }
        );
        assert_eq!(
            inc.transition(
                IncidentStatus::FalseAlarm,
                Default::default(),
                operator(),
                secs(1)
            )
            .unwrap_err(),
            IncidentError::ReasonRequired {
                action: "declare a false alarm"
            }
        );
        assert!(matches!(
            inc.transition(
                IncidentStatus::Verified,
                TransitionDetails::disposition(Disposition::ReportTaken),
                operator(),
                secs(1)
            ),
            Err(IncidentError::DispositionMismatch { .. })
        ));
        assert!(matches!(
            inc.transition(
                IncidentStatus::Merged,
                Default::default(),
                operator(),
                secs(1)
            ),
            Err(IncidentError::UseDedicatedOperation {
                operation: "merge",
                ..
            })
        ));

        // Closing a resolved incident needs a disposition.
        inc.verify(None, operator(), secs(2)).unwrap();
        inc.transition(
            IncidentStatus::Resolved,
            Default::default(),
            operator(),
            secs(3),
        )
        .unwrap();
        assert!(matches!(
            inc.close(None, None, operator(), secs(4)),
            Err(IncidentError::DispositionMismatch { given: None, .. })
        ));
        assert!(matches!(
            inc.close(Some(Disposition::Duplicate), None, operator(), secs(4)),
            Err(IncidentError::DispositionMismatch { .. })
        ));
        inc.file_fire_report(
            crate::incident::fire_report::sample_fire_report(),
            operator(),
            secs(4),
        )
        .unwrap();
        inc.close(
            Some(Disposition::NoActionRequired),
            None,
            operator(),
            secs(4),
        )
        .unwrap();
    }

    #[test]
    fn false_alarm_is_verified_outcome_then_closed() {
        let mut inc = open_fire(1);
        inc.mark_false_alarm("Khói bếp nướng, không có cháy", operator(), secs(30))
            .unwrap();
        assert!(inc.is_open());
        // A wrong judgement can be reverted, with a reason.
        inc.verify(Some("Có khói thật ở tầng 3".into()), operator(), secs(40))
            .unwrap();
        inc.mark_false_alarm("Kiểm tra lại: không cháy", operator(), secs(50))
            .unwrap();
        assert!(matches!(
            inc.close(Some(Disposition::ArrestMade), None, operator(), secs(60)),
            Err(IncidentError::DispositionMismatch { .. })
        ));
        inc.close(None, None, operator(), secs(60)).unwrap();
        assert_eq!(inc.status, IncidentStatus::Closed);
        assert_eq!(inc.disposition, Some(Disposition::FalseAlarm));
        assert_eq!(inc.times.false_alarm, Some(secs(30)), "first time is kept");
    }

    #[test]
    fn cancel_defaults_disposition_by_stage() {
        let mut a = open_fire(1);
        a.cancel("Người báo gọi lại hủy", None, operator(), secs(10))
            .unwrap();
        assert_eq!(a.disposition, Some(Disposition::CancelledByCaller));
        let mut b = open_fire(2);
        b.transition(
            IncidentStatus::Dispatched,
            Default::default(),
            operator(),
            secs(10),
        )
        .unwrap();
        b.cancel("Đã tự dập tắt", None, operator(), secs(20))
            .unwrap();
        assert_eq!(b.disposition, Some(Disposition::CancelledPriorToArrival));
        let mut c = open_fire(3);
        assert!(matches!(
            c.cancel("x", Some(Disposition::ArrestMade), operator(), secs(5)),
            Err(IncidentError::DispositionMismatch { .. })
        ));
    }

    #[test]
    fn earlier_now_is_clamped_and_kept_for_audit() {
        let mut inc = open_fire(1);
        inc.verify(None, operator(), secs(100)).unwrap();
        let ev = inc
            .transition(
                IncidentStatus::Dispatched,
                Default::default(),
                operator(),
                secs(90),
            )
            .unwrap();
        assert_eq!(ev.at, secs(100));
        assert_eq!(ev.clamped_from, Some(secs(90)));
        assert_eq!(inc.times.dispatched, Some(secs(100)));
        assert_eq!(inc.updated_at, secs(100));
    }

    #[test]
    fn relocating_moves_the_unit_and_needs_a_reason_after_dispatch() {
        let mut inc = open_fire(1);
        let from = inc.assignment.primary_unit.clone();
        let there = |unit: Option<&str>| IncidentLocation {
            address: Some("số 12 phố Kim Mã".into()),
            unit_code: unit.map(str::to_owned),
            ..IncidentLocation::default()
        };
        // A place that fits several units: the unit stays, the location is kept.
        let ev = inc
            .relocate(there(None), None, operator(), secs(1))
            .unwrap();
        assert!(matches!(
            ev.change,
            IncidentChange::Relocated { ref to_unit, .. } if *to_unit == from
        ));
        assert_eq!(inc.assignment.primary_unit, from);
        assert_eq!(inc.location.address.as_deref(), Some("số 12 phố Kim Mã"));
        // Before dispatch the unit follows without a reason.
        inc.relocate(there(Some("00025")), None, operator(), secs(2))
            .unwrap();
        assert_eq!(inc.assignment.primary_unit.as_deref(), Some("00025"));
        // After dispatch, changing the unit needs a reason; keeping it does not.
        inc.verify(None, operator(), secs(3)).unwrap();
        inc.transition(
            IncidentStatus::Dispatched,
            Default::default(),
            operator(),
            secs(4),
        )
        .unwrap();
        assert!(matches!(
            inc.relocate(there(Some("00008")), None, operator(), secs(5)),
            Err(IncidentError::ReasonRequired { .. })
        ));
        inc.relocate(there(Some("00025")), None, operator(), secs(6))
            .unwrap();
        inc.relocate(
            there(Some("00008")),
            Some("Người báo sửa lại địa chỉ"),
            operator(),
            secs(7),
        )
        .unwrap();
        assert_eq!(inc.assignment.primary_unit.as_deref(), Some("00008"));
        // A unit alone settles the unit of the place as it is (a pick among candidates).
        inc.location.unit_uncertain = true;
        let pick = IncidentLocation {
            unit_code: Some("00025".into()),
            ..IncidentLocation::default()
        };
        inc.relocate(
            pick,
            Some("Chọn trong các đơn vị ứng viên"),
            operator(),
            secs(8),
        )
        .unwrap();
        assert_eq!(inc.assignment.primary_unit.as_deref(), Some("00025"));
        assert_eq!(inc.location.address.as_deref(), Some("số 12 phố Kim Mã"));
        assert_eq!(inc.location.unit_code.as_deref(), Some("00025"));
        assert!(!inc.location.unit_uncertain);
        // Nothing to place it by, or a bad unit code: refused.
        assert!(inc
            .relocate(IncidentLocation::default(), None, operator(), secs(8))
            .is_err());
        assert!(inc
            .relocate(there(Some("bad code!")), Some("x"), operator(), secs(9))
            .is_err());
    }

    #[test]
    fn transfer_escalate_share() {
        let mut inc = open_fire(1);
        assert_eq!(
            inc.transfer_to_unit("00004", "", operator(), secs(1))
                .unwrap_err(),
            IncidentError::ReasonRequired { action: "transfer" }
        );
        assert_eq!(
            inc.transfer_to_unit("00070", "x", operator(), secs(1))
                .unwrap_err(),
            IncidentError::AlreadyAssigned {
                unit: "00070".into()
            }
        );
        inc.share_with_unit("00004", Some("Sát ranh giới".into()), operator(), secs(2))
            .unwrap();
        assert!(inc
            .share_with_unit("00004", None, operator(), secs(3))
            .is_err());
        let ev = inc
            .transfer_to_unit(
                "00004",
                "Địa điểm thuộc phường Ba Đình",
                operator(),
                secs(4),
            )
            .unwrap();
        assert!(matches!(
            ev.change,
            IncidentChange::Transferred { ref from_unit, ref to_unit, .. }
                if from_unit.as_deref() == Some("00070") && to_unit == "00004"
        ));
        assert_eq!(inc.assignment.primary_unit.as_deref(), Some("00004"));
        assert!(
            inc.assignment.shared_with.is_empty(),
            "new owner is no longer a share"
        );
        inc.escalate_to_city(None, operator(), secs(5)).unwrap();
        assert_eq!(
            inc.escalate_to_city(None, operator(), secs(6)).unwrap_err(),
            IncidentError::AlreadyEscalated
        );
        assert!(inc
            .transfer_to_unit("bad code!", "x", operator(), secs(7))
            .is_err());
    }

    #[test]
    fn notes_and_links() {
        let mut inc = open_fire(1);
        inc.add_note("Chủ nhà vắng mặt", operator(), secs(1))
            .unwrap();
        assert!(inc.add_note("   ", operator(), secs(2)).is_err());
        assert_eq!(inc.notes.len(), 1);
        assert_eq!(inc.notes[0].origin, IncidentId(1));
        inc.link_related(IncidentId(9), operator(), secs(3))
            .unwrap();
        assert!(matches!(
            inc.link_related(IncidentId(9), operator(), secs(4)),
            Err(IncidentError::AlreadyLinked { .. })
        ));
        assert_eq!(
            inc.link_related(IncidentId(1), operator(), secs(4))
                .unwrap_err(),
            IncidentError::SelfReference { id: IncidentId(1) }
        );
    }

    #[test]
    fn reclassify_and_priority() {
        let mut inc = open_fire(1);
        assert!(inc
            .reclassify(
                IncidentKind::Fire,
                Some(CrimeSubtype::Theft),
                None,
                operator(),
                secs(1)
            )
            .is_err());
        inc.reclassify(
            IncidentKind::Crime,
            Some(CrimeSubtype::Robbery),
            Some("Thực chất là cướp".into()),
            operator(),
            secs(2),
        )
        .unwrap();
        inc.change_priority(Priority::P2, None, operator(), secs(3))
            .unwrap();
        assert_eq!(
            (inc.kind, inc.crime_subtype, inc.priority),
            (
                IncidentKind::Crime,
                Some(CrimeSubtype::Robbery),
                Priority::P2
            )
        );
    }

    #[test]
    fn merge_keeps_both_histories() {
        let mut survivor = open_with(1, new_fire(), secs(0));
        let mut dup = open_with(2, new_fire(), secs(30));
        survivor.verify(None, operator(), secs(40)).unwrap();
        dup.add_note("Người gọi thứ hai: khói đen", operator(), secs(45))
            .unwrap();
        let out = merge_incidents(
            &mut survivor,
            &mut dup,
            Some("Cùng một đám cháy".into()),
            operator(),
            secs(60),
        )
        .unwrap();

        assert_eq!(dup.status, IncidentStatus::Merged);
        assert_eq!(dup.merged_into, Some(IncidentId(1)));
        assert_eq!(dup.disposition, Some(Disposition::Duplicate));
        assert_eq!(survivor.merged_from, vec![IncidentId(2)]);
        assert_eq!(
            survivor.status,
            IncidentStatus::Verified,
            "survivor status unchanged"
        );
        // Survivor timeline: its own 3 events + the merged one's 3 (opened, note, merged_into).
        assert_eq!(survivor.history.len(), 6);
        let origins: Vec<_> = survivor
            .history
            .iter()
            .map(|e| (e.incident_id.0, e.seq))
            .collect();
        assert_eq!(origins, [(1, 1), (2, 1), (1, 2), (2, 2), (2, 3), (1, 3)]);
        assert!(survivor.history.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(survivor.notes.len(), 1);
        assert_eq!(survivor.notes[0].origin, IncidentId(2));
        assert_eq!(
            out.survivor_event,
            survivor.history.last().cloned().unwrap()
        );
        assert!(matches!(
            out.merged_event.change,
            IncidentChange::MergedInto { .. }
        ));

        // Merged incidents are absorbing.
        assert!(dup.add_note("x", operator(), secs(70)).is_err());
        let mut third = open_fire(3);
        assert!(merge_incidents(&mut third, &mut dup, None, operator(), secs(80)).is_err());
        let mut copy = survivor.clone();
        assert_eq!(
            merge_incidents(&mut survivor, &mut copy, None, operator(), secs(80)).unwrap_err(),
            IncidentError::SelfReference { id: IncidentId(1) }
        );
    }

    // ---- property test: random operation sequences ----

    #[derive(Debug, Clone)]
    enum Op {
        To(IncidentStatus, bool, Option<Disposition>),
        Note,
        Transfer(u8),
        Share(u8),
        Escalate,
        Priority(u8),
        Link(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        let status = proptest::sample::select(IncidentStatus::ALL.to_vec());
        let disp = proptest::option::of(proptest::sample::select(
            <Disposition as crate::incident::catalogue::Vocabulary>::ALL.to_vec(),
        ));
        prop_oneof![
            6 => (status, any::<bool>(), disp).prop_map(|(s, r, d)| Op::To(s, r, d)),
            1 => Just(Op::Note),
            1 => (0u8..4).prop_map(Op::Transfer),
            1 => (0u8..4).prop_map(Op::Share),
            1 => Just(Op::Escalate),
            1 => (1u8..=4).prop_map(Op::Priority),
            1 => (0i64..5).prop_map(Op::Link),
        ]
    }

    proptest! {
        #[test]
        fn random_operation_sequences_keep_invariants(
            ops in proptest::collection::vec((op(), -60i64..600), 1..60)
        ) {
            let mut inc = open_fire(1);
            let mut clock = t0();
            let mut successes = 1usize;
            for (op, step) in ops {
                clock += Duration::seconds(step);
                let before = inc.clone();
                let result = match op.clone() {
                    Op::To(to, with_reason, disposition) => inc.transition(
                        to,
                        TransitionDetails {
                            reason: with_reason.then(|| "lý do".to_string()),
                            disposition,
                        },
                        operator(),
                        clock,
                    ),
                    Op::Note => inc.add_note("ghi chú", operator(), clock),
                    Op::Transfer(u) => inc.transfer_to_unit(&format!("0000{u}"), "chuyển", operator(), clock),
                    Op::Share(u) => inc.share_with_unit(&format!("0000{u}"), None, operator(), clock),
                    Op::Escalate => inc.escalate_to_city(None, operator(), clock),
                    Op::Priority(p) => inc.change_priority(Priority::try_from(p).unwrap(), None, operator(), clock),
                    Op::Link(id) => inc.link_related(IncidentId(id), operator(), clock),
                };
                match result {
                    Ok(ev) => {
                        successes += 1;
                        prop_assert_eq!(inc.history.last(), Some(&ev));
                        if let IncidentChange::StatusChanged { from, to, .. } = ev.change {
                            prop_assert!(from.can_transition_to(to), "illegal {} -> {}", from, to);
                            prop_assert_eq!(from, before.status);
                            prop_assert_eq!(inc.status, to);
                            prop_assert!(inc.times.get(to).is_some());
                        } else {
                            prop_assert_eq!(inc.status, before.status);
                        }
                        prop_assert!(!before.status.is_terminal() || matches!(op, Op::Note | Op::Link(_)),
                            "terminal status {} accepted {:?}", before.status, op);
                    }
                    Err(_) => {
                        prop_assert_eq!(&inc, &before, "a refused operation must change nothing");
                    }
                }
                // Invariants after every step.
                prop_assert_eq!(inc.history.len(), successes);
                prop_assert!(inc.history.windows(2).all(|w| w[0].at <= w[1].at), "timeline went backwards");
                prop_assert_eq!(inc.updated_at, inc.history.last().unwrap().at);
                prop_assert!(inc.times.get(inc.status).is_some());
                prop_assert!(inc.status != IncidentStatus::Merged);
                if inc.status == IncidentStatus::Closed || inc.status == IncidentStatus::Cancelled {
                    prop_assert!(inc.disposition.is_some());
                }
                let seqs: Vec<u32> = inc.history.iter().map(|e| e.seq).collect();
                prop_assert_eq!(seqs, (1..=successes as u32).collect::<Vec<_>>());
            }
        }
    }
}
