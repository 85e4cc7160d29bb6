//! The one seam between the alarm receiver and the incident side: a stored alarm signal (fire,
//! panic, medical, intrusion) is handed to the store's incident methods, which open an incident
//! of the right type at the facility's location and unit, or attach the signal to the
//! facility's open incident (an alarm storm is one incident); a restore marks the alarm
//! restored on the incident without closing it.
//!
//! Each alarm also raises (or repeats on) the incident's entry in the alarm queue, which rings
//! on the consoles until someone acknowledges it (see `api::alarm_queue`).
//!
//! A storm's later signals go in batches ([`incident_for_signals`]): one transaction attaches
//! them all to the incident, one raises their queue entries.
//!
//! Every store method used here is idempotent for a signal (a retransmission attaches nothing
//! twice, a second restore restores nothing more, a signal is counted once on its queue entry),
//! so the start-up sweep may hand a signal over again.

use crate::metrics::Metrics;
use chrono::{DateTime, Utc};
use domain::alarm_queue::AlarmClass;
use domain::incident::{AlarmCategory, AlarmSignal, FacilityContact, FacilitySnapshot, GeoPoint};
use store::{Actor, AlarmAction, AlarmIncidentInput, Facility, NewAlarm, Signal, Store};

/// Why a signal could not be turned into an incident.
#[derive(Debug, thiserror::Error)]
pub enum SeamError {
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

/// The domain category of a stored alarm signal, by its family; `None` for families that do
/// not open incidents.
pub fn alarm_category(family: &str) -> Option<AlarmCategory> {
    match family {
        "fire_alarm" => Some(AlarmCategory::Fire),
        "panic" => Some(AlarmCategory::Panic),
        "medical" => Some(AlarmCategory::Medical),
        "burglary" => Some(AlarmCategory::Intrusion),
        _ => None,
    }
}

/// What the incident needs to know about the facility at the moment of the alarm.
pub fn snapshot(facility: &Facility, device_account: Option<String>) -> FacilitySnapshot {
    let kind = crate::api::facilities::KINDS
        .iter()
        .find(|(code, _, _)| *code == facility.kind)
        .map(|(_, vi, _)| (*vi).to_owned());
    let notes: Vec<String> = [
        ("Nguy cơ", &facility.hazards),
        ("Nguồn nước", &facility.water_sources),
        ("Lối tiếp cận", &facility.access_notes),
    ]
    .iter()
    .filter_map(|(label, text)| text.as_ref().map(|t| format!("{label}: {t}")))
    .collect();
    FacilitySnapshot {
        id: facility.id,
        name: facility.name.clone(),
        address: facility.address.clone(),
        point: match (facility.lat, facility.lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
            _ => None,
        },
        unit_code: Some(facility.unit_code.clone()),
        kind,
        floors: facility.floors.and_then(|f| u16::try_from(f).ok()),
        contacts: facility
            .contacts
            .iter()
            .map(|c| FacilityContact {
                name: c.name.clone(),
                role: c.role.clone(),
                phone: c.phone.clone(),
            })
            .collect(),
        notes: (!notes.is_empty()).then(|| notes.join(". ")),
        device_id: device_account,
    }
}

/// Opens or joins the facility's incident for an alarm signal, or marks the alarm restored
/// for a restore signal. `account` is the account of the signal's device (shown on the
/// incident). Returns the incident id, if the signal went to one.
pub async fn incident_for_signal(
    store: &Store,
    metrics: &Metrics,
    signal: &Signal,
    facility: &Facility,
    account: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, SeamError> {
    let failed = |source| SeamError::Store {
        signal_id: signal.id,
        source,
    };
    let actor = Actor::system("receiver");
    if signal.restore {
        let restored = store
            .mark_alarm_restored(facility.id, signal.zone.as_deref(), &actor, now)
            .await
            .map_err(failed)?;
        return Ok(restored.first().map(|i| i.id.0));
    }
    let Some(category) = alarm_category(&signal.family) else {
        return Ok(None);
    };
    let outcome = store
        .open_or_attach_alarm(
            AlarmIncidentInput {
                facility: snapshot(facility, account),
                signal: AlarmSignal {
                    category,
                    zone: signal.zone.clone(),
                    code: signal.code.clone(),
                    text: signal.text.clone(),
                    received_at: signal.received_at,
                    restored: false,
                    restored_at: None,
                },
            },
            &actor,
            now,
        )
        .await
        .map_err(failed)?;
    if outcome.action == AlarmAction::Opened {
        metrics.count(
            "binhyen_incidents_created_total",
            &[("channel", "alarm_device")],
            1,
        );
    }
    // Then the queue entry that rings until someone acknowledges it. Raising is idempotent
    // for a signal, so a signal handed over again after a restart is not counted twice; if
    // this fails, the signal stays pending and the whole step is tried again.
    if let Some(class) = AlarmClass::of_category(category) {
        store
            .raise_alarm(
                &alarm_entry(signal, facility, class, category, outcome.incident.id.0),
                now,
            )
            .await
            .map_err(failed)?;
    }
    Ok(Some(outcome.incident.id.0))
}

/// Attaches a run of alarm signals of one facility and one category (no restores) to the
/// facility's open incident in one transaction, then raises or repeats their queue entry in
/// another: a storm updates its incident in batches. Returns `None`, having written nothing,
/// when the facility has no open incident of that type yet (the caller opens it with
/// [`incident_for_signal`]).
pub async fn incident_for_signals(
    store: &Store,
    signals: &[Signal],
    facility: &Facility,
    now: DateTime<Utc>,
) -> Result<Option<i64>, SeamError> {
    let Some(first) = signals.first() else {
        return Ok(None);
    };
    let failed = |source| SeamError::Store {
        signal_id: first.id,
        source,
    };
    let Some(category) = alarm_category(&first.family) else {
        return Ok(None);
    };
    let inputs: Vec<AlarmSignal> = signals
        .iter()
        .map(|s| AlarmSignal {
            category: alarm_category(&s.family).unwrap_or(category),
            zone: s.zone.clone(),
            code: s.code.clone(),
            text: s.text.clone(),
            received_at: s.received_at,
            restored: false,
            restored_at: None,
        })
        .collect();
    let actor = Actor::system("receiver");
    let Some(outcome) = store
        .attach_alarm_signals(facility.id, &inputs, &actor, now)
        .await
        .map_err(failed)?
    else {
        return Ok(None);
    };
    let incident_id = outcome.incident.id.0;
    if let Some(class) = AlarmClass::of_category(category) {
        let entries: Vec<NewAlarm> = signals
            .iter()
            .map(|s| alarm_entry(s, facility, class, category, incident_id))
            .collect();
        store.raise_alarms(&entries, now).await.map_err(failed)?;
    }
    Ok(Some(incident_id))
}

/// The alarm-queue entry of an alarm signal that went to incident `incident_id`.
fn alarm_entry(
    signal: &Signal,
    facility: &Facility,
    class: AlarmClass,
    category: AlarmCategory,
    incident_id: i64,
) -> NewAlarm {
    let mut detail = signal.meaning_vi.clone();
    if let Some(zone) = &signal.zone {
        detail.push_str(&format!(" (vùng {zone})"));
    }
    if let Some(text) = signal.text.as_deref().filter(|t| !t.trim().is_empty()) {
        detail.push_str(&format!(": {}", text.trim()));
    }
    NewAlarm {
        source_key: NewAlarm::incident_key(incident_id),
        class,
        unit_code: facility.unit_code.clone(),
        facility_id: Some(facility.id),
        device_id: Some(signal.device_id),
        incident_id: Some(incident_id),
        trouble_id: None,
        title: category.label_vi().to_owned(),
        detail,
        signal_id: Some(signal.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_that_opens_an_incident_has_a_category() {
        for family in ["fire_alarm", "panic", "medical", "burglary"] {
            assert!(super::super::actions::opens_incident(family), "{family}");
            assert!(alarm_category(family).is_some_and(AlarmCategory::opens_incident));
        }
        assert_eq!(alarm_category("burglary"), Some(AlarmCategory::Intrusion));
        assert_eq!(alarm_category("fire_trouble"), None);
    }
}
