//! The one seam between the alarm receiver and the incident side: a stored alarm signal (fire,
//! panic, medical, intrusion) is handed to the store's incident methods, which open an incident
//! of the right type at the facility's location and unit, or attach the signal to the
//! facility's open incident (an alarm storm is one incident); a restore marks the alarm
//! restored on the incident without closing it.
//!
//! The incident methods (`Store::open_or_attach_alarm`, `Store::mark_alarm_restored`) are built
//! on another branch. Until they are merged, [`incident_for_signal`] answers
//! [`SeamError::NotWired`] and the signal stays `pending` in `alarm_signals`: nothing is lost,
//! and the start-up sweep hands every pending signal over once the methods exist.

use chrono::{DateTime, Utc};
use store::{Facility, Signal, Store};

/// Why a signal could not be turned into an incident.
#[derive(Debug, thiserror::Error)]
pub enum SeamError {
    /// The incident methods are not part of this build yet.
    #[error("incident creation from alarms is not wired in this build; signal {signal_id} stays pending")]
    NotWired {
        /// The signal left pending.
        signal_id: i64,
    },
    /// The store refused or failed.
    #[error("incident store failed for signal {signal_id}: {source}")]
    Store {
        /// The signal.
        signal_id: i64,
        /// What failed.
        #[source]
        source: store::StoreError,
    },
}

/// Opens or joins the facility's incident for an alarm signal, or marks the alarm restored
/// for a restore signal. Returns the incident id, if the signal went to one.
pub async fn incident_for_signal(
    store: &Store,
    signal: &Signal,
    facility: &Facility,
    now: DateTime<Utc>,
) -> Result<Option<i64>, SeamError> {
    let _ = (store, facility, now);
    Err(SeamError::NotWired {
        signal_id: signal.id,
    })
}
