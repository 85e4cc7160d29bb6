//! Incidents and dispatch: the pure model of the command center (CAD).
//!
//! This module decides; it does not store, serve or read the clock. Every function that needs
//! the time takes `now: DateTime<Utc>`, and every change returns the event the store appends to
//! the audit trail.
//!
//! # Brief overview
//!
//! * [`catalogue`] — the fixed vocabulary: [`IncidentKind`] (+ [`CrimeSubtype`]), [`Channel`],
//!   [`Priority`], [`Service`], [`Disposition`], [`ResourceKind`], with Vietnamese and English
//!   labels and export codes.
//! * [`NewIncident`] / [`NewIncidentForm`] → [`ValidNewIncident`] → [`Incident::open`].
//! * [`Incident`] and its operations: [`Incident::transition`] (the state machine of
//!   [`IncidentStatus`]), transfer, escalation, sharing, notes, links, [`merge_incidents`],
//!   alarm signals. Each returns an [`IncidentEvent`].
//! * [`dispatch`] — [`Resource`]s, their [`ResourceStatus`] machine, [`recommend`] (closest
//!   suitable resources by straight-line distance) and [`assign_resource`].
//! * [`plans`] — response plans (run cards) per type, sub-type, priority and premises;
//!   [`recommend_plan`] fills one with the closest available resources by estimated arrival
//!   ([`travel`]) and says what is missing.
//! * [`duplicates`] — [`find_probable_duplicates`] before opening a new incident.
//! * [`timers`] — service-level targets per priority, [`overdue`] and [`stage_durations`].
//! * [`alarm`] — [`IncidentFromAlarm`] and the alarm-storm rule ([`find_absorbing_incident`]).
//! * [`cap`] and [`eido`] — OASIS CAP 1.2 XML and NENA EIDO JSON exports.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use domain::incident::*;
//!
//! let now = Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap();
//! let form = NewIncidentForm {
//!     kind: "fire".into(),
//!     channel: "hotline_114".into(),
//!     address: Some("12 Hàng Bạc, phường Hoàn Kiếm".into()),
//!     lat: Some(21.0345),
//!     lon: Some(105.8522),
//!     caller_phone: Some("0912 345 678".into()),
//!     description: "Khói bốc ra từ tầng 2".into(),
//!     ..Default::default()
//! };
//! let valid = form.validate(now)?;
//! // The store allocates the id and the yearly sequence in one transaction.
//! let number = IncidentNumber::new("HN", IncidentNumber::local_year(now), 123)?;
//! let actor = Actor::user(7, "Nguyễn Văn An");
//! let (mut incident, opened) = Incident::open(IncidentId(1), number, valid, actor.clone(), now);
//! assert_eq!(incident.number.to_string(), "HN-2026-000123");
//! assert_eq!(incident.priority, Priority::P1);
//! assert_eq!(incident.caller.masked_phone().as_deref(), Some("0912***678"));
//!
//! let verified = incident.verify(None, actor, now + chrono::Duration::seconds(20))?;
//! assert_eq!(incident.status, IncidentStatus::Verified);
//! # let _ = (opened, verified);
//! # Ok::<(), IncidentError>(())
//! ```

pub mod alarm;
pub mod cap;
pub mod casualties;
pub mod catalogue;
pub mod dispatch;
pub mod duplicates;
pub mod eido;
mod error;
pub mod fire_report;
pub mod geo;
mod model;
mod number;
pub mod placement;
pub mod plans;
pub mod status;
pub mod timers;
pub mod travel;
mod validate;

pub use alarm::{
    find_absorbing_incident, AlarmCategory, AlarmSignal, FacilityContact, FacilitySnapshot,
    IncidentFromAlarm, MAX_SIGNALS_PER_INCIDENT,
};
pub use casualties::{Casualties, MAX_CASUALTY_COUNT};
pub use catalogue::{
    Channel, CrimeSubtype, Disposition, IncidentKind, Priority, ResourceKind, Service, Vocabulary,
};
pub use dispatch::{
    assign_resource, recommend, recommend_plan, recommend_with, release_resource,
    report_resource_status, AssignmentOutcome, Exclusion, Origin, OriginSource, PlanContext,
    PlanFill, PlanRecommendation, PositionSource, RecommendOptions, Recommendation,
    RecommendationRole, Resource, ResourceEvent, Shortfall,
};
pub use duplicates::{
    find_duplicates_of, find_probable_duplicates, DuplicateConfig, DuplicateHint, DuplicateProbe,
    DuplicateReason,
};
pub use error::{ErrorClass, FieldError, IncidentError};
pub use fire_report::{takes_fire_report, FalseAlarmCause, FireCause, FireReport, PremisesKind};
pub use geo::GeoPoint;
pub use model::{
    merge_incidents, Actor, Incident, IncidentChange, IncidentEvent, IncidentId, MergeOutcome,
    Note, ResourceAssignment, StatusTimes, TransitionDetails, UnitAssignment,
};
pub use number::{vietnam_offset, IncidentNumber, VIETNAM_OFFSET_SECS};
pub use plans::{PlanBook, PlanLine, PlanSubject, ResponsePlan, SelectedPlan};
pub use status::{IncidentStatus, ResourceStatus};
pub use timers::{
    overdue, running_clocks, stage_durations, Overdue, PriorityTargets, ResponseTargets, Stage,
    StageDurations,
};
pub use travel::{AreaType, TravelModel};
pub use validate::{
    masked_phone, normalize_phone, Caller, IncidentLocation, NewIncident, NewIncidentForm,
    UnitCandidate, ValidNewIncident, MAX_ADDRESS_CHARS, MAX_CLOCK_SKEW, MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_REASON_CHARS, MAX_UNIT_CANDIDATES,
};
