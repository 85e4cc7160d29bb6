//! From alarm signals to incidents.
//!
//! A fire-alarm panel that detects smoke sends one signal per detector, and a real fire sets
//! off many detectors within a minute: an *alarm storm*. The command center wants one incident
//! per building and event, carrying every signal, not twenty incidents. The rule is:
//!
//! > An open incident for the same facility, of the incident type the signal would open,
//! > absorbs the new signal. Otherwise the signal opens a new incident.
//!
//! The alarm receiver therefore does, for each decoded and durably stored signal:
//!
//! ```text
//! match find_absorbing_incident(&open_incidents, facility.id, signal.category) {
//!     Some(i) => attach_signal(&mut open_incidents[i], facility.id, signal, actor, now),
//!     None    => IncidentFromAlarm { facility, signal }.new_incident() → validate → open,
//! }
//! ```
//!
//! Trouble, supervisory and test signals concern the device, not an emergency: they do not open
//! incidents ([`AlarmCategory::opens_incident`]). A restore ("back to normal") marks the signals
//! of a zone restored without closing anything: only a person closes a fire incident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{Channel, CrimeSubtype, IncidentKind, Priority};
use super::error::IncidentError;
use super::geo::GeoPoint;
use super::model::{Actor, Incident, IncidentChange, IncidentEvent};
use super::validate::{normalize_phone, Caller, IncidentLocation, NewIncident};

/// At most this many signals are kept on one incident; later ones are only counted in
/// [`Incident::signals_dropped`]. A chattering panel must not grow a record without bound.
pub const MAX_SIGNALS_PER_INCIDENT: usize = 500;

/// What an alarm signal reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmCategory {
    /// Fire: smoke, heat, flame detector, manual call point, sprinkler flow.
    Fire,
    /// Panic, hold-up or duress button.
    Panic,
    /// Medical alarm (personal emergency button).
    Medical,
    /// Intrusion / burglary.
    Intrusion,
    /// Gas detected.
    Gas,
    /// Device or line trouble, supervisory conditions.
    Trouble,
    /// Periodic or manual test.
    Test,
    /// Anything else (open/close reports, unknown codes).
    Other,
}

impl AlarmCategory {
    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            AlarmCategory::Fire => "fire",
            AlarmCategory::Panic => "panic",
            AlarmCategory::Medical => "medical",
            AlarmCategory::Intrusion => "intrusion",
            AlarmCategory::Gas => "gas",
            AlarmCategory::Trouble => "trouble",
            AlarmCategory::Test => "test",
            AlarmCategory::Other => "other",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            AlarmCategory::Fire => "Báo cháy tự động",
            AlarmCategory::Panic => "Báo động khẩn cấp (nút báo động)",
            AlarmCategory::Medical => "Báo động y tế",
            AlarmCategory::Intrusion => "Báo động đột nhập",
            AlarmCategory::Gas => "Báo động rò rỉ khí gas",
            AlarmCategory::Trouble => "Lỗi thiết bị",
            AlarmCategory::Test => "Tín hiệu kiểm tra",
            AlarmCategory::Other => "Tín hiệu khác",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            AlarmCategory::Fire => "Automatic fire alarm",
            AlarmCategory::Panic => "Panic alarm",
            AlarmCategory::Medical => "Medical alarm",
            AlarmCategory::Intrusion => "Intrusion alarm",
            AlarmCategory::Gas => "Gas alarm",
            AlarmCategory::Trouble => "Device trouble",
            AlarmCategory::Test => "Test signal",
            AlarmCategory::Other => "Other signal",
        }
    }

    /// The incident a signal of this category opens: type, crime sub-type and priority.
    /// `None` for trouble, test and other signals.
    pub fn incident_type(self) -> Option<(IncidentKind, Option<CrimeSubtype>, Priority)> {
        match self {
            AlarmCategory::Fire => Some((IncidentKind::Fire, None, Priority::P1)),
            AlarmCategory::Panic => {
                Some((IncidentKind::Crime, Some(CrimeSubtype::Other), Priority::P1))
            }
            AlarmCategory::Medical => Some((IncidentKind::Medical, None, Priority::P1)),
            AlarmCategory::Intrusion => {
                Some((IncidentKind::Crime, Some(CrimeSubtype::Theft), Priority::P2))
            }
            // Gas leaks are handled by fire and rescue (CNCH) before anything ignites.
            AlarmCategory::Gas => Some((IncidentKind::Rescue, None, Priority::P1)),
            AlarmCategory::Trouble | AlarmCategory::Test | AlarmCategory::Other => None,
        }
    }

    /// Whether a signal of this category opens (or joins) an incident.
    pub fn opens_incident(self) -> bool {
        self.incident_type().is_some()
    }

    /// Category of an Ademco Contact ID event code (the three digits after the qualifier,
    /// e.g. `110` fire, `120` panic). The alarm receiver decodes the frame; this maps the code.
    pub fn from_contact_id(event: u16) -> AlarmCategory {
        match event {
            100..=109 => AlarmCategory::Medical,
            110..=119 => AlarmCategory::Fire,
            120..=129 => AlarmCategory::Panic,
            130..=139 => AlarmCategory::Intrusion,
            151 => AlarmCategory::Gas,
            140..=399 => AlarmCategory::Trouble,
            600..=699 => AlarmCategory::Test,
            _ => AlarmCategory::Other,
        }
    }
}

/// One alarm signal as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmSignal {
    /// What it reports.
    pub category: AlarmCategory,
    /// Zone or detector (e.g. `Z012`, "Tầng 3 - hành lang").
    pub zone: Option<String>,
    /// Event code as sent by the device (e.g. `E110`, `FA`).
    pub code: String,
    /// Free text from the panel or receiver, if any.
    pub text: Option<String>,
    /// When the receiver got it.
    pub received_at: DateTime<Utc>,
    /// The zone reported back to normal.
    #[serde(default)]
    pub restored: bool,
    /// When it was marked restored.
    #[serde(default)]
    pub restored_at: Option<DateTime<Utc>>,
}

impl AlarmSignal {
    /// Whether `other` is the same signal (a retransmission), by zone, code and arrival time.
    pub fn same_as(&self, other: &AlarmSignal) -> bool {
        self.zone == other.zone && self.code == other.code && self.received_at == other.received_at
    }
}

/// A contact person of a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityContact {
    /// Name.
    pub name: String,
    /// Role, e.g. "Trưởng ban quản lý".
    pub role: Option<String>,
    /// Phone number.
    pub phone: String,
}

/// What the incident needs to know about a facility at the moment of the alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilitySnapshot {
    /// Facility id in the store.
    pub id: i64,
    /// Name, e.g. "Chung cư HH2 Linh Đàm".
    pub name: String,
    /// Address.
    pub address: String,
    /// Coordinates.
    pub point: Option<GeoPoint>,
    /// Responsible commune/ward unit.
    pub unit_code: Option<String>,
    /// Kind of facility, e.g. "Chung cư", "Nhà xưởng", "Karaoke".
    pub kind: Option<String>,
    /// Number of floors above ground.
    pub floors: Option<u16>,
    /// Contacts, in calling order.
    #[serde(default)]
    pub contacts: Vec<FacilityContact>,
    /// Hazards, water sources, pre-plan remarks.
    pub notes: Option<String>,
    /// Transmission device identifier.
    pub device_id: Option<String>,
}

/// Builds the [`NewIncident`] an alarm signal opens.
#[derive(Debug, Clone, Copy)]
pub struct IncidentFromAlarm<'a> {
    /// The facility the device belongs to.
    pub facility: &'a FacilitySnapshot,
    /// The signal.
    pub signal: &'a AlarmSignal,
}

impl IncidentFromAlarm<'_> {
    /// The new incident: type and priority from the signal category (fire → `fire`, priority 1),
    /// channel `alarm_device`, place and unit from the facility, the first reachable contact as
    /// caller, the signal attached and its arrival as the report time.
    pub fn new_incident(&self) -> Result<NewIncident, IncidentError> {
        let f = self.facility;
        let s = self.signal;
        let Some((kind, crime_subtype, priority)) = s.category.incident_type() else {
            return Err(IncidentError::NotAnIncidentSignal {
                category: s.category.code(),
            });
        };
        let mut description = format!("{}: {}", s.category.label_vi(), f.name);
        let mut about = Vec::new();
        if let Some(k) = f.kind.as_deref().filter(|k| !k.trim().is_empty()) {
            about.push(k.trim().to_string());
        }
        if let Some(n) = f.floors {
            about.push(format!("{n} tầng"));
        }
        if !about.is_empty() {
            description.push_str(&format!(" ({})", about.join(", ")));
        }
        if let Some(zone) = s.zone.as_deref().filter(|z| !z.trim().is_empty()) {
            description.push_str(&format!(". Vùng báo: {}", zone.trim()));
        }
        description.push_str(&format!(". Mã tín hiệu: {}", s.code));
        if let Some(text) = s.text.as_deref().filter(|t| !t.trim().is_empty()) {
            description.push_str(&format!(". {}", text.trim()));
        }
        let caller_phone = f.contacts.iter().find_map(|c| normalize_phone(&c.phone));
        let caller_name = f
            .contacts
            .iter()
            .find(|c| normalize_phone(&c.phone).is_some())
            .map(|c| match &c.role {
                Some(role) => format!("{} ({role}, {})", c.name, f.name),
                None => format!("{} ({})", c.name, f.name),
            })
            .or_else(|| Some(f.name.clone()));
        Ok(NewIncident {
            kind,
            crime_subtype,
            priority: Some(priority),
            channel: Channel::AlarmDevice,
            location: IncidentLocation {
                point: f.point,
                address: Some(f.address.clone()),
                unit_code: f.unit_code.clone(),
                ..Default::default()
            },
            caller: Caller {
                name: caller_name,
                phone: caller_phone,
            },
            description,
            facility_id: Some(f.id),
            device_id: f.device_id.clone(),
            signals: vec![s.clone()],
            reported_at: Some(s.received_at),
        })
    }
}

/// Index of the open incident that should absorb a new signal of `category` from the facility:
/// same facility, still open, and of the type the signal would open. The most recently opened
/// one wins if several match.
pub fn find_absorbing_incident(
    open: &[Incident],
    facility_id: i64,
    category: AlarmCategory,
) -> Option<usize> {
    let (kind, _, _) = category.incident_type()?;
    open.iter()
        .enumerate()
        .filter(|(_, i)| i.is_open() && i.facility_id == Some(facility_id) && i.kind == kind)
        .max_by_key(|(_, i)| (i.opened_at, i.id))
        .map(|(idx, _)| idx)
}

/// Adds a signal, respecting the cap.
pub(crate) fn push_signal(incident: &mut Incident, signal: AlarmSignal) {
    if incident.signals.iter().any(|s| s.same_as(&signal)) {
        return;
    }
    if incident.signals.len() >= MAX_SIGNALS_PER_INCIDENT {
        incident.signals_dropped = incident.signals_dropped.saturating_add(1);
    } else {
        incident.signals.push(signal);
    }
}

impl Incident {
    /// Attaches an alarm signal from the incident's facility. A retransmission of a signal
    /// already attached (same zone, code and arrival time) is ignored: `Ok(None)`.
    pub fn attach_signal(
        &mut self,
        facility_id: i64,
        signal: AlarmSignal,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<IncidentEvent>, IncidentError> {
        self.ensure_open()?;
        if self.facility_id != Some(facility_id) {
            return Err(IncidentError::FacilityMismatch {
                incident_id: self.id,
                incident_facility: self.facility_id,
                signal_facility: facility_id,
            });
        }
        if self.signals.iter().any(|s| s.same_as(&signal)) {
            return Ok(None);
        }
        let (zone, code, received_at) =
            (signal.zone.clone(), signal.code.clone(), signal.received_at);
        push_signal(self, signal);
        let total = self.signals.len() as u32 + self.signals_dropped;
        let change = IncidentChange::SignalAttached {
            zone,
            code,
            received_at,
            total,
        };
        Ok(Some(self.record(actor, now, change)))
    }

    /// Marks the signals of `zone` (or of every zone when `None`) as restored. The incident's
    /// status does not change: a panel going quiet does not mean the fire is out.
    pub fn mark_alarm_restored(
        &mut self,
        zone: Option<&str>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        self.ensure_open()?;
        let at = now.max(self.updated_at);
        let mut count = 0u32;
        for s in self.signals.iter_mut().filter(|s| !s.restored) {
            if zone.is_none() || s.zone.as_deref() == zone {
                s.restored = true;
                s.restored_at = Some(at);
                count += 1;
            }
        }
        Ok(self.record(
            actor,
            now,
            IncidentChange::AlarmRestored {
                zone: zone.map(str::to_string),
                count,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::tests::{operator, t0};
    use crate::incident::model::IncidentId;
    use crate::incident::number::IncidentNumber;
    use crate::incident::status::IncidentStatus;
    use chrono::Duration;

    fn facility() -> FacilitySnapshot {
        FacilitySnapshot {
            id: 42,
            name: "Chung cư HH2 Linh Đàm".into(),
            address: "Khu đô thị Linh Đàm, phường Hoàng Liệt".into(),
            point: Some(GeoPoint::new(20.9636, 105.8269)),
            unit_code: Some("00322".into()),
            kind: Some("Chung cư".into()),
            floors: Some(41),
            contacts: vec![
                FacilityContact {
                    name: "Bảo vệ trực".into(),
                    role: None,
                    phone: "không có".into(),
                },
                FacilityContact {
                    name: "Lê Văn Cường".into(),
                    role: Some("Trưởng ban quản lý".into()),
                    phone: "0987 654 321".into(),
                },
            ],
            notes: Some("Bể nước ngầm 300 m³ ở tầng hầm B1".into()),
            device_id: Some("GT-001234".into()),
        }
    }

    fn signal(zone: &str, secs: i64) -> AlarmSignal {
        AlarmSignal {
            category: AlarmCategory::Fire,
            zone: Some(zone.into()),
            code: "E111".into(),
            text: Some("Đầu báo khói".into()),
            received_at: t0() + Duration::seconds(secs),
            restored: false,
            restored_at: None,
        }
    }

    fn system() -> Actor {
        Actor::system("alarm_receiver")
    }

    #[test]
    fn fire_alarm_builds_priority_one_fire_incident() {
        let f = facility();
        let s = signal("Tầng 12 - hành lang", 0);
        let n = IncidentFromAlarm {
            facility: &f,
            signal: &s,
        }
        .new_incident()
        .unwrap();
        assert_eq!(n.kind, IncidentKind::Fire);
        assert_eq!(n.priority, Some(Priority::P1));
        assert_eq!(n.channel, Channel::AlarmDevice);
        assert_eq!(n.facility_id, Some(42));
        assert_eq!(n.device_id.as_deref(), Some("GT-001234"));
        assert_eq!(n.location.unit_code.as_deref(), Some("00322"));
        assert_eq!(
            n.caller.phone.as_deref(),
            Some("0987654321"),
            "first valid contact"
        );
        assert!(n.caller.name.as_deref().unwrap().contains("Lê Văn Cường"));
        assert_eq!(
            n.description,
            "Báo cháy tự động: Chung cư HH2 Linh Đàm (Chung cư, 41 tầng). Vùng báo: Tầng 12 - \
             hành lang. Mã tín hiệu: E111. Đầu báo khói"
        );
        assert_eq!(n.signals, vec![s.clone()]);
        assert_eq!(n.reported_at, Some(s.received_at));
        // And it validates.
        let v = n.validate(t0() + Duration::seconds(2)).unwrap();
        assert_eq!(v.reported_at(), s.received_at);
    }

    #[test]
    fn trouble_and_test_do_not_open_incidents() {
        let f = facility();
        for cat in [
            AlarmCategory::Trouble,
            AlarmCategory::Test,
            AlarmCategory::Other,
        ] {
            let s = AlarmSignal {
                category: cat,
                ..signal("Z1", 0)
            };
            let err = IncidentFromAlarm {
                facility: &f,
                signal: &s,
            }
            .new_incident()
            .unwrap_err();
            assert_eq!(
                err,
                IncidentError::NotAnIncidentSignal {
                    category: cat.code()
                }
            );
        }
        let panic = AlarmSignal {
            category: AlarmCategory::Panic,
            ..signal("Quầy thu ngân", 0)
        };
        let n = IncidentFromAlarm {
            facility: &f,
            signal: &panic,
        }
        .new_incident()
        .unwrap();
        assert_eq!(
            (n.kind, n.priority),
            (IncidentKind::Crime, Some(Priority::P1))
        );
    }

    #[test]
    fn contact_id_codes_map_to_categories() {
        assert_eq!(AlarmCategory::from_contact_id(110), AlarmCategory::Fire);
        assert_eq!(AlarmCategory::from_contact_id(111), AlarmCategory::Fire);
        assert_eq!(AlarmCategory::from_contact_id(100), AlarmCategory::Medical);
        assert_eq!(AlarmCategory::from_contact_id(121), AlarmCategory::Panic);
        assert_eq!(
            AlarmCategory::from_contact_id(130),
            AlarmCategory::Intrusion
        );
        assert_eq!(AlarmCategory::from_contact_id(151), AlarmCategory::Gas);
        assert_eq!(AlarmCategory::from_contact_id(301), AlarmCategory::Trouble);
        assert_eq!(AlarmCategory::from_contact_id(602), AlarmCategory::Test);
        assert_eq!(AlarmCategory::from_contact_id(401), AlarmCategory::Other);
    }

    /// The receiver's loop, as described in the module docs.
    fn receive(open: &mut Vec<Incident>, f: &FacilitySnapshot, s: AlarmSignal, now: DateTime<Utc>) {
        match find_absorbing_incident(open, f.id, s.category) {
            Some(i) => {
                open[i].attach_signal(f.id, s, system(), now).unwrap();
            }
            None => {
                let new = IncidentFromAlarm {
                    facility: f,
                    signal: &s,
                }
                .new_incident()
                .unwrap();
                let id = open.len() as i64 + 1;
                let (inc, _) = Incident::open(
                    IncidentId(id),
                    IncidentNumber::new("HN", 2026, id as u32).unwrap(),
                    new.validate(now).unwrap(),
                    system(),
                    now,
                );
                open.push(inc);
            }
        }
    }

    #[test]
    fn alarm_storm_becomes_one_incident_with_all_signals() {
        let f = facility();
        let mut open = Vec::new();
        for i in 0..20 {
            // 20 detectors in one minute, one every 3 seconds.
            let s = signal(&format!("Đầu báo {:02}", i + 1), i * 3);
            receive(&mut open, &f, s, t0() + Duration::seconds(i * 3 + 1));
        }
        assert_eq!(open.len(), 1);
        let inc = &open[0];
        assert_eq!(inc.signals.len(), 20);
        assert_eq!(inc.history.len(), 20, "opened + 19 signal_attached");
        assert!(matches!(
            inc.history.last().unwrap().change,
            IncidentChange::SignalAttached { total: 20, .. }
        ));
        // A retransmission changes nothing.
        let mut inc = open[0].clone();
        assert_eq!(
            inc.attach_signal(
                42,
                signal("Đầu báo 05", 12),
                system(),
                t0() + Duration::seconds(90)
            )
            .unwrap(),
            None
        );
        assert_eq!(inc.signals.len(), 20);
    }

    #[test]
    fn different_type_or_closed_incident_does_not_absorb() {
        let f = facility();
        let mut open = Vec::new();
        receive(&mut open, &f, signal("Z1", 0), t0());
        // A panic signal from the same building opens its own incident.
        let panic = AlarmSignal {
            category: AlarmCategory::Panic,
            ..signal("Lễ tân", 5)
        };
        receive(&mut open, &f, panic, t0() + Duration::seconds(5));
        assert_eq!(open.len(), 2);
        // Once the fire incident is closed, the next fire signal opens a new one.
        open[0]
            .mark_false_alarm(
                "Đầu báo lỗi do bụi",
                operator(),
                t0() + Duration::seconds(60),
            )
            .unwrap();
        open[0]
            .close(None, None, operator(), t0() + Duration::seconds(70))
            .unwrap();
        receive(
            &mut open,
            &f,
            signal("Z1", 100),
            t0() + Duration::seconds(100),
        );
        assert_eq!(open.len(), 3);
        assert_eq!(open[2].status, IncidentStatus::Received);
        // Signals never join another facility's incident.
        let err = open[2]
            .attach_signal(
                7,
                signal("Z9", 120),
                system(),
                t0() + Duration::seconds(120),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            IncidentError::FacilityMismatch {
                signal_facility: 7,
                ..
            }
        ));
    }

    #[test]
    fn restore_marks_signals_without_closing() {
        let f = facility();
        let mut open = Vec::new();
        receive(&mut open, &f, signal("Z1", 0), t0());
        receive(&mut open, &f, signal("Z2", 3), t0() + Duration::seconds(3));
        let inc = &mut open[0];
        let ev = inc
            .mark_alarm_restored(Some("Z1"), system(), t0() + Duration::seconds(300))
            .unwrap();
        assert!(matches!(
            ev.change,
            IncidentChange::AlarmRestored { count: 1, .. }
        ));
        assert_eq!(inc.status, IncidentStatus::Received);
        assert!(inc.signals[0].restored && !inc.signals[1].restored);
        inc.mark_alarm_restored(None, system(), t0() + Duration::seconds(301))
            .unwrap();
        assert!(inc.signals.iter().all(|s| s.restored));
        assert!(inc.is_open());
    }

    #[test]
    fn signal_cap_counts_the_rest() {
        let f = facility();
        let mut open = Vec::new();
        let n = MAX_SIGNALS_PER_INCIDENT as i64 + 5;
        for i in 0..n {
            receive(
                &mut open,
                &f,
                signal(&format!("Z{i}"), i),
                t0() + Duration::seconds(i),
            );
        }
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].signals.len(), MAX_SIGNALS_PER_INCIDENT);
        assert_eq!(open[0].signals_dropped, 5);
    }
}
