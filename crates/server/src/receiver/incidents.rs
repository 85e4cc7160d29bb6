//! The one seam between the alarm receiver and the incident side: a stored alarm signal (fire,
//! panic, medical, intrusion) is handed to the store's incident methods, which open an incident
//! of the right type at the facility's location and unit, or attach the signal to the
//! facility's open incident (an alarm storm is one incident); a restore marks the alarm
//! restored on the incident without closing it: only a person closes an incident.

use chrono::{DateTime, Utc};
use domain::incident::{AlarmCategory, AlarmSignal, FacilityContact, FacilitySnapshot, GeoPoint};
use store::{Actor, AlarmIncidentInput, Device, Facility, Signal, Store};

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

/// The incident category of a receiver signal family; `None` for families that never open an
/// incident (troubles, tests, open/close reports).
pub fn category_of(family: &str) -> Option<AlarmCategory> {
    match family {
        "fire_alarm" => Some(AlarmCategory::Fire),
        "panic" => Some(AlarmCategory::Panic),
        "medical" => Some(AlarmCategory::Medical),
        "burglary" => Some(AlarmCategory::Intrusion),
        _ => None,
    }
}

/// What the incident side sees of a facility when its alarm arrives.
pub fn snapshot(facility: &Facility, device: Option<&Device>) -> FacilitySnapshot {
    let notes = [
        ("Nguy hiểm", &facility.hazards),
        ("Nguồn nước", &facility.water_sources),
        ("Tiếp cận", &facility.access_notes),
    ]
    .iter()
    .filter_map(|(label, text)| {
        text.as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| format!("{label}: {t}"))
    })
    .collect::<Vec<_>>();
    FacilitySnapshot {
        id: facility.id,
        name: facility.name.clone(),
        address: facility.address.clone(),
        point: facility
            .lat
            .zip(facility.lon)
            .map(|(lat, lon)| GeoPoint { lat, lon }),
        unit_code: Some(facility.unit_code.clone()),
        kind: Some(facility.kind.clone()),
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
        notes: (!notes.is_empty()).then(|| notes.join("\n")),
        device_id: device.map(|d| d.account.clone()),
    }
}

/// Opens or joins the facility's incident for an alarm signal, or marks the alarm restored
/// for a restore signal. Returns the incident id, if the signal went to one.
pub async fn incident_for_signal(
    store: &Store,
    signal: &Signal,
    facility: &Facility,
    now: DateTime<Utc>,
) -> Result<Option<i64>, SeamError> {
    let Some(category) = category_of(&signal.family) else {
        return Ok(None);
    };
    let failed = |source| SeamError::Store {
        signal_id: signal.id,
        source,
    };
    let actor = Actor::system("system:receiver");
    if signal.restore {
        let updated = store
            .mark_alarm_restored(facility.id, signal.zone.as_deref(), &actor, now)
            .await
            .map_err(failed)?;
        return Ok(updated.first().map(|i| i.id.0));
    }
    let device = store.device(signal.device_id).await.map_err(failed)?;
    let text = match &signal.text {
        Some(t) if !t.trim().is_empty() => format!("{} — {t}", signal.meaning_vi),
        _ => signal.meaning_vi.clone(),
    };
    let input = AlarmIncidentInput {
        facility: snapshot(facility, device.as_ref()),
        signal: AlarmSignal {
            category,
            zone: signal.zone.clone(),
            code: signal.code.clone(),
            text: Some(text),
            received_at: signal.received_at,
            restored: false,
            restored_at: None,
        },
    };
    let outcome = store
        .open_or_attach_alarm(input, &actor, now)
        .await
        .map_err(failed)?;
    tracing::info!(
        signal = signal.id,
        incident = %outcome.incident.number,
        action = ?outcome.action,
        "alarm signal handed to the incident workflow"
    );
    Ok(Some(outcome.incident.id.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_families_map_to_incident_categories() {
        assert_eq!(category_of("fire_alarm"), Some(AlarmCategory::Fire));
        assert_eq!(category_of("burglary"), Some(AlarmCategory::Intrusion));
        assert_eq!(category_of("fire_trouble"), None);
        for family in ["fire_alarm", "panic", "medical", "burglary"] {
            assert!(super::super::actions::opens_incident(family), "{family}");
            assert!(category_of(family).is_some_and(AlarmCategory::opens_incident));
        }
    }
}
