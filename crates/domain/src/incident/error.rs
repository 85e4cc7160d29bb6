//! The one error type of the incident area, with a stable code per variant for the HTTP layer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::model::IncidentId;
use super::status::{IncidentStatus, ResourceStatus};

/// A problem with one field of an input, reported together with the others so that a form can
/// show every mistake at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `caller.phone` or `location.point.lat`.
    pub field: String,
    /// Stable snake_case reason, e.g. `too_long`, `invalid_phone`.
    pub code: String,
    /// Message for the operator, in Vietnamese.
    pub message_vi: String,
    /// The same message in English.
    pub message_en: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: &str, code: &str, message_vi: String, message_en: String) -> Self {
        Self {
            field: field.to_string(),
            code: code.to_string(),
            message_vi,
            message_en,
        }
    }
}

/// How the HTTP layer should report an [`IncidentError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The request itself is wrong (422 / 400).
    Invalid,
    /// The request is well-formed but conflicts with the current state (409).
    Conflict,
}

/// Everything that can go wrong in the incident area.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum IncidentError {
    /// Input failed validation; every failing field is listed.
    #[error("invalid incident input: {}", summarize(.errors))]
    Invalid {
        /// The failing fields.
        errors: Vec<FieldError>,
    },
    /// A code that is not part of a vocabulary.
    #[error("unknown {what} code: {code:?}")]
    UnknownCode {
        /// Which vocabulary ("incident type", "channel", …).
        what: &'static str,
        /// The rejected code.
        code: String,
    },
    /// The incident may not move from its current status to the requested one.
    #[error("illegal incident transition from {from} to {to}; allowed: {}", list(.allowed))]
    IllegalTransition {
        /// Current status.
        from: IncidentStatus,
        /// Requested status.
        to: IncidentStatus,
        /// Statuses that are allowed from `from`.
        allowed: Vec<IncidentStatus>,
    },
    /// The operation needs a non-empty reason.
    #[error("a reason is required to {action}")]
    ReasonRequired {
        /// The operation, e.g. "cancel", "transfer".
        action: &'static str,
    },
    /// A fire that was responded to is closed only after its fire report is filed.
    #[error("incident {id} is a fire: file its fire report before closing it")]
    FireReportRequired {
        /// The incident.
        id: IncidentId,
    },
    /// Closing needs a disposition, or the given one does not fit the status.
    #[error("disposition {given:?} does not fit a transition to {to}")]
    DispositionMismatch {
        /// Target status.
        to: IncidentStatus,
        /// The disposition given, if any.
        given: Option<super::catalogue::Disposition>,
    },
    /// The status must be reached through a dedicated operation (e.g. `merged` via merge).
    #[error("status {to} is reached with the {operation} operation, not a plain transition")]
    UseDedicatedOperation {
        /// Target status.
        to: IncidentStatus,
        /// Name of the operation to use.
        operation: &'static str,
    },
    /// The incident is closed, cancelled or merged and cannot be changed.
    #[error("incident {id} is {status} and can no longer be changed")]
    IncidentFinished {
        /// The incident.
        id: IncidentId,
        /// Its terminal status.
        status: IncidentStatus,
    },
    /// Transfer to the unit that already owns the incident.
    #[error("incident is already assigned to unit {unit}")]
    AlreadyAssigned {
        /// The unit code.
        unit: String,
    },
    /// The incident has already been escalated to the city level.
    #[error("incident is already escalated to the city")]
    AlreadyEscalated,
    /// An incident cannot be merged into or linked with itself.
    #[error("incident {id} cannot be merged into or linked with itself")]
    SelfReference {
        /// The incident.
        id: IncidentId,
    },
    /// The two incidents are already linked.
    #[error("incident {id} is already linked with incident {other}")]
    AlreadyLinked {
        /// The incident.
        id: IncidentId,
        /// The other incident.
        other: IncidentId,
    },
    /// The resource is not available for a new assignment. Maps to HTTP 409.
    #[error("resource {resource_id} is {status}, not available for assignment")]
    ResourceUnavailable {
        /// The resource.
        resource_id: i64,
        /// Its current status.
        status: ResourceStatus,
    },
    /// The resource is already assigned to this incident. Maps to HTTP 409.
    #[error("resource {resource_id} is already assigned to incident {incident_id}")]
    ResourceAlreadyAssigned {
        /// The resource.
        resource_id: i64,
        /// The incident.
        incident_id: IncidentId,
    },
    /// The resource is not assigned to the incident.
    #[error("resource {resource_id} is not assigned to incident {incident_id}")]
    ResourceNotAssigned {
        /// The resource.
        resource_id: i64,
        /// The incident.
        incident_id: IncidentId,
    },
    /// The resource may not move between these statuses.
    #[error("illegal resource transition from {from} to {to}; allowed: {}", list(.allowed))]
    IllegalResourceTransition {
        /// Current status.
        from: ResourceStatus,
        /// Requested status.
        to: ResourceStatus,
        /// Allowed targets.
        allowed: Vec<ResourceStatus>,
    },
    /// A readable incident number did not parse.
    #[error("invalid incident number {input:?}: {reason}")]
    InvalidNumber {
        /// The rejected text.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An alarm signal of this category does not open an incident (trouble, test, …).
    #[error("alarm signal category {category} does not open an incident")]
    NotAnIncidentSignal {
        /// The category code.
        category: &'static str,
    },
    /// The signal belongs to another facility than the incident.
    #[error("signal from facility {signal_facility} cannot join incident {incident_id} of facility {incident_facility:?}")]
    FacilityMismatch {
        /// The incident.
        incident_id: IncidentId,
        /// The incident's facility, if any.
        incident_facility: Option<i64>,
        /// The facility the signal came from.
        signal_facility: i64,
    },
    /// A time given as input lies after `now` (a report cannot come from the future).
    #[error("time {at} is later than now ({now})")]
    TimeInFuture {
        /// The offending time.
        at: DateTime<Utc>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// An export could not be produced from the given data.
    #[error("cannot export: {reason}")]
    Export {
        /// Why.
        reason: String,
    },
}

impl IncidentError {
    /// Stable snake_case code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            IncidentError::Invalid { .. } => "invalid_field",
            IncidentError::UnknownCode { .. } => "unknown_code",
            IncidentError::IllegalTransition { .. } => "illegal_transition",
            IncidentError::ReasonRequired { .. } => "reason_required",
            IncidentError::DispositionMismatch { .. } => "disposition_mismatch",
            IncidentError::FireReportRequired { .. } => "fire_report_required",
            IncidentError::UseDedicatedOperation { .. } => "use_dedicated_operation",
            IncidentError::IncidentFinished { .. } => "incident_finished",
            IncidentError::AlreadyAssigned { .. } => "already_assigned",
            IncidentError::AlreadyEscalated => "already_escalated",
            IncidentError::SelfReference { .. } => "self_reference",
            IncidentError::AlreadyLinked { .. } => "already_linked",
            IncidentError::ResourceUnavailable { .. } => "resource_unavailable",
            IncidentError::ResourceAlreadyAssigned { .. } => "resource_already_assigned",
            IncidentError::ResourceNotAssigned { .. } => "resource_not_assigned",
            IncidentError::IllegalResourceTransition { .. } => "illegal_resource_transition",
            IncidentError::InvalidNumber { .. } => "invalid_incident_number",
            IncidentError::NotAnIncidentSignal { .. } => "not_an_incident_signal",
            IncidentError::FacilityMismatch { .. } => "facility_mismatch",
            IncidentError::TimeInFuture { .. } => "time_in_future",
            IncidentError::Export { .. } => "export_failed",
        }
    }

    /// Whether the error is a conflict with current state (HTTP 409) or bad input (HTTP 4xx).
    pub fn class(&self) -> ErrorClass {
        match self {
            IncidentError::IllegalTransition { .. }
            | IncidentError::IncidentFinished { .. }
            | IncidentError::AlreadyAssigned { .. }
            | IncidentError::AlreadyEscalated
            | IncidentError::AlreadyLinked { .. }
            | IncidentError::ResourceUnavailable { .. }
            | IncidentError::ResourceAlreadyAssigned { .. }
            | IncidentError::ResourceNotAssigned { .. }
            | IncidentError::IllegalResourceTransition { .. }
            | IncidentError::FacilityMismatch { .. } => ErrorClass::Conflict,
            _ => ErrorClass::Invalid,
        }
    }

    /// Shorthand for `class() == ErrorClass::Conflict`.
    pub fn is_conflict(&self) -> bool {
        self.class() == ErrorClass::Conflict
    }

    /// Builds an [`IncidentError::Invalid`] from a single field problem.
    pub(crate) fn field(field: &str, code: &str, vi: String, en: String) -> Self {
        IncidentError::Invalid {
            errors: vec![FieldError::new(field, code, vi, en)],
        }
    }
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.code))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none (terminal status)".to_string();
    }
    items
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
