//! Probable duplicates: is this new report about an incident that is already open?
//!
//! Several people call about the same fire; a caller rings again to ask where the police are;
//! a building's panel sends one signal per detector. Before a new incident is opened, the
//! operator is shown the open incidents it probably duplicates, with the reasons:
//!
//! * **same place, same or related type** — within [`DuplicateConfig::radius_m`] (300 m by
//!   default) and [`DuplicateConfig::window`] (30 min) of an open incident of the same type or a
//!   related one ([`IncidentKind::is_related_to`]: fire and explosion, crash and injured person,
//!   crime and public disorder, …);
//! * **same caller** — the same phone number within [`DuplicateConfig::caller_window`] (2 h);
//! * **same facility or device** — an open incident for the same facility or alarm device, at
//!   any age (open incidents of a facility absorb its alarms; see [`super::alarm`]).
//!
//! The function only suggests: merging stays the operator's decision.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{IncidentKind, Vocabulary};
use super::geo::{format_distance_en, format_distance_vi, GeoPoint};
use super::model::{Incident, IncidentId};
use super::number::IncidentNumber;
use super::validate::{normalize_phone, NewIncident, ValidNewIncident};

/// Thresholds of duplicate detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateConfig {
    /// Distance within which two reports may be the same event, metres. Default 300.
    pub radius_m: f64,
    /// Time window around the open incident's reception. Default 30 minutes.
    #[serde(with = "secs")]
    pub window: Duration,
    /// Time window for the same caller phone. Default 2 hours.
    #[serde(with = "secs")]
    pub caller_window: Duration,
}

impl Default for DuplicateConfig {
    fn default() -> Self {
        Self {
            radius_m: 300.0,
            window: Duration::minutes(30),
            caller_window: Duration::hours(2),
        }
    }
}

mod secs {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::seconds(i64::deserialize(d)?))
    }
}

/// The facts of a new report that duplicate detection compares.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateProbe {
    /// Incident type.
    pub kind: IncidentKind,
    /// Coordinates.
    pub point: Option<GeoPoint>,
    /// Caller phone (any format; normalized for comparison).
    pub phone: Option<String>,
    /// Facility id.
    pub facility_id: Option<i64>,
    /// Device id.
    pub device_id: Option<String>,
    /// When the report came in.
    pub at: DateTime<Utc>,
    /// The incident itself when checking an existing one (never its own duplicate).
    pub exclude: Option<IncidentId>,
}

impl DuplicateProbe {
    /// Probe for a new report (its `reported_at`, else `now`).
    pub fn from_new(new: &NewIncident, now: DateTime<Utc>) -> Self {
        Self {
            kind: new.kind,
            point: new.location.point,
            phone: new.caller.phone.clone(),
            facility_id: new.facility_id,
            device_id: new.device_id.clone(),
            at: new.reported_at.unwrap_or(now).min(now),
            exclude: None,
        }
    }

    /// Probe for validated input.
    pub fn from_valid(new: &ValidNewIncident) -> Self {
        let mut p = Self::from_new(new.input(), new.reported_at());
        p.at = new.reported_at();
        p
    }

    /// Probe for an existing incident (to look for incidents it duplicates).
    pub fn from_incident(incident: &Incident) -> Self {
        Self {
            kind: incident.kind,
            point: incident.location.point,
            phone: incident.caller.phone.clone(),
            facility_id: incident.facility_id,
            device_id: incident.device_id.clone(),
            at: incident.times.received,
            exclude: Some(incident.id),
        }
    }
}

/// One reason two reports look like the same event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DuplicateReason {
    /// Same facility.
    SameFacility {
        /// Facility id.
        facility_id: i64,
    },
    /// Same alarm device.
    SameDevice {
        /// Device id.
        device_id: String,
    },
    /// Same caller phone number.
    SameCaller {
        /// Minutes between the two reports.
        minutes_apart: i64,
    },
    /// Nearby, same type.
    NearbySameKind {
        /// Straight-line distance, metres.
        distance_m: f64,
        /// Minutes between the two reports.
        minutes_apart: i64,
    },
    /// Nearby, related type.
    NearbyRelatedKind {
        /// The open incident's type.
        other_kind: IncidentKind,
        /// Straight-line distance, metres.
        distance_m: f64,
        /// Minutes between the two reports.
        minutes_apart: i64,
    },
}

/// An open incident the new report probably duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateHint {
    /// The open incident.
    pub incident_id: IncidentId,
    /// Its number.
    pub number: IncidentNumber,
    /// Why it matches (strongest first).
    pub reasons: Vec<DuplicateReason>,
    /// Straight-line distance, when both have coordinates.
    pub distance_m: Option<f64>,
    /// Explanation for the operator, in Vietnamese.
    pub message_vi: String,
    /// The same in English.
    pub message_en: String,
}

impl DuplicateHint {
    /// Strength for ordering: facility/device 3, caller 2, same kind nearby 1, related 0.
    fn strength(&self) -> u8 {
        self.reasons
            .iter()
            .map(|r| match r {
                DuplicateReason::SameFacility { .. } | DuplicateReason::SameDevice { .. } => 3,
                DuplicateReason::SameCaller { .. } => 2,
                DuplicateReason::NearbySameKind { .. } => 1,
                DuplicateReason::NearbyRelatedKind { .. } => 0,
            })
            .max()
            .unwrap_or(0)
    }
}

/// Open incidents that the new report probably duplicates, strongest match first, then
/// closest. Closed, cancelled and merged incidents are never suggested.
pub fn find_probable_duplicates(
    new: &NewIncident,
    open_incidents: &[Incident],
    now: DateTime<Utc>,
    cfg: &DuplicateConfig,
) -> Vec<DuplicateHint> {
    find_duplicates_of(&DuplicateProbe::from_new(new, now), open_incidents, cfg)
}

/// [`find_probable_duplicates`] for any probe.
pub fn find_duplicates_of(
    probe: &DuplicateProbe,
    open_incidents: &[Incident],
    cfg: &DuplicateConfig,
) -> Vec<DuplicateHint> {
    let phone = probe.phone.as_deref().and_then(normalize_phone);
    let point = probe.point.filter(GeoPoint::is_valid);
    let mut hints: Vec<DuplicateHint> = open_incidents
        .iter()
        .filter(|i| i.is_open() && Some(i.id) != probe.exclude)
        .filter_map(|i| {
            let minutes_apart = (probe.at - i.times.received).num_minutes().abs();
            let within = |w: Duration| (probe.at - i.times.received).abs() <= w;
            let distance_m = match (point, i.location.point.filter(GeoPoint::is_valid)) {
                (Some(a), Some(b)) => Some(a.distance_m(&b)),
                _ => None,
            };
            let mut reasons = Vec::new();
            if let (Some(f), Some(g)) = (probe.facility_id, i.facility_id) {
                if f == g {
                    reasons.push(DuplicateReason::SameFacility { facility_id: f });
                }
            }
            if let (Some(d), Some(e)) = (probe.device_id.as_deref(), i.device_id.as_deref()) {
                if d == e {
                    reasons.push(DuplicateReason::SameDevice {
                        device_id: d.to_string(),
                    });
                }
            }
            if let (Some(p), Some(q)) = (phone.as_deref(), i.caller.phone.as_deref()) {
                if normalize_phone(q).as_deref() == Some(p) && within(cfg.caller_window) {
                    reasons.push(DuplicateReason::SameCaller { minutes_apart });
                }
            }
            if let Some(d) = distance_m {
                if d <= cfg.radius_m && within(cfg.window) {
                    if i.kind == probe.kind {
                        reasons.push(DuplicateReason::NearbySameKind {
                            distance_m: d,
                            minutes_apart,
                        });
                    } else if i.kind.is_related_to(probe.kind) {
                        reasons.push(DuplicateReason::NearbyRelatedKind {
                            other_kind: i.kind,
                            distance_m: d,
                            minutes_apart,
                        });
                    }
                }
            }
            if reasons.is_empty() {
                return None;
            }
            let (message_vi, message_en) = messages(i, &reasons);
            Some(DuplicateHint {
                incident_id: i.id,
                number: i.number.clone(),
                reasons,
                distance_m,
                message_vi,
                message_en,
            })
        })
        .collect();
    hints.sort_by(|a, b| {
        b.strength()
            .cmp(&a.strength())
            .then_with(|| match (a.distance_m, b.distance_m) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.incident_id.cmp(&b.incident_id))
    });
    hints
}

fn messages(i: &Incident, reasons: &[DuplicateReason]) -> (String, String) {
    let mut vi = Vec::new();
    let mut en = Vec::new();
    for r in reasons {
        match r {
            DuplicateReason::SameFacility { .. } => {
                vi.push("cùng cơ sở".to_string());
                en.push("same facility".to_string());
            }
            DuplicateReason::SameDevice { device_id } => {
                vi.push(format!("cùng thiết bị {device_id}"));
                en.push(format!("same device {device_id}"));
            }
            DuplicateReason::SameCaller { minutes_apart } => {
                vi.push(format!(
                    "cùng số điện thoại người báo, cách {minutes_apart} phút"
                ));
                en.push(format!("same caller phone, {minutes_apart} min apart"));
            }
            DuplicateReason::NearbySameKind {
                distance_m,
                minutes_apart,
            } => {
                vi.push(format!(
                    "cùng loại, cách {} theo đường chim bay và {minutes_apart} phút",
                    format_distance_vi(*distance_m)
                ));
                en.push(format!(
                    "same type, {} straight-line and {minutes_apart} min apart",
                    format_distance_en(*distance_m)
                ));
            }
            DuplicateReason::NearbyRelatedKind {
                other_kind,
                distance_m,
                minutes_apart,
            } => {
                vi.push(format!(
                    "loại liên quan ({}), cách {} theo đường chim bay và {minutes_apart} phút",
                    other_kind.label_vi(),
                    format_distance_vi(*distance_m)
                ));
                en.push(format!(
                    "related type ({}), {} straight-line and {minutes_apart} min apart",
                    other_kind.label_en(),
                    format_distance_en(*distance_m)
                ));
            }
        }
    }
    (
        format!("Có thể trùng vụ việc {}: {}", i.number, vi.join("; ")),
        format!("Probable duplicate of {}: {}", i.number, en.join("; ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::catalogue::Channel;
    use crate::incident::model::tests::{new_fire, open_with, operator, t0};
    use crate::incident::status::IncidentStatus;

    fn mins(m: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(m)
    }

    fn at(lat: f64, lon: f64) -> Option<GeoPoint> {
        Some(GeoPoint::new(lat, lon))
    }

    fn report(kind: IncidentKind, point: Option<GeoPoint>, phone: Option<&str>) -> NewIncident {
        let mut n = new_fire();
        n.kind = kind;
        n.location.point = point;
        n.caller.phone = phone.map(str::to_string);
        n
    }

    #[test]
    fn nearby_same_kind_within_window() {
        // Open fire at Hàng Bạc; a second caller 200 m north, 10 minutes later.
        let open = vec![open_with(
            1,
            report(
                IncidentKind::Fire,
                at(21.0288, 105.8525),
                Some("0911111111"),
            ),
            t0(),
        )];
        let new = report(
            IncidentKind::Fire,
            at(21.0306, 105.8525),
            Some("0922222222"),
        );
        let hints = find_probable_duplicates(&new, &open, mins(10), &DuplicateConfig::default());
        assert_eq!(hints.len(), 1);
        assert!(matches!(
            hints[0].reasons[..],
            [DuplicateReason::NearbySameKind {
                minutes_apart: 10,
                ..
            }]
        ));
        assert_eq!(
            hints[0].message_vi,
            "Có thể trùng vụ việc HN-2026-000001: cùng loại, cách 200 m theo đường chim bay và 10 phút"
        );
    }

    #[test]
    fn too_far_too_late_or_unrelated_is_not_a_duplicate() {
        let open = vec![open_with(
            1,
            report(IncidentKind::Fire, at(21.0288, 105.8525), None),
            t0(),
        )];
        let cfg = DuplicateConfig::default();
        // 500 m away.
        let far = report(IncidentKind::Fire, at(21.0333, 105.8525), None);
        assert!(find_probable_duplicates(&far, &open, mins(5), &cfg).is_empty());
        // 45 minutes later.
        let late = report(IncidentKind::Fire, at(21.0290, 105.8525), None);
        assert!(find_probable_duplicates(&late, &open, mins(45), &cfg).is_empty());
        // Same place, unrelated type.
        let crime = report(IncidentKind::Crime, at(21.0290, 105.8525), None);
        assert!(find_probable_duplicates(&crime, &open, mins(5), &cfg).is_empty());
        // A wider configured radius catches the far one.
        let wide = DuplicateConfig {
            radius_m: 600.0,
            ..cfg
        };
        assert_eq!(
            find_probable_duplicates(&far, &open, mins(5), &wide).len(),
            1
        );
    }

    #[test]
    fn related_kind_nearby() {
        let open = vec![open_with(
            1,
            report(IncidentKind::TrafficAccident, at(21.0288, 105.8525), None),
            t0(),
        )];
        let new = report(IncidentKind::Medical, at(21.0289, 105.8526), None);
        let hints = find_probable_duplicates(&new, &open, mins(3), &DuplicateConfig::default());
        assert!(matches!(
            hints[0].reasons[..],
            [DuplicateReason::NearbyRelatedKind {
                other_kind: IncidentKind::TrafficAccident,
                ..
            }]
        ));
        assert!(hints[0]
            .message_vi
            .contains("loại liên quan (Tai nạn giao thông)"));
    }

    #[test]
    fn same_caller_in_any_format_without_location() {
        let open = vec![open_with(
            1,
            report(IncidentKind::Crime, None, Some("0912345678")),
            t0(),
        )];
        let new = report(IncidentKind::Other, None, Some("+84 912 345 678"));
        let hints = find_probable_duplicates(&new, &open, mins(50), &DuplicateConfig::default());
        assert_eq!(hints.len(), 1);
        assert!(matches!(
            hints[0].reasons[..],
            [DuplicateReason::SameCaller { minutes_apart: 50 }]
        ));
        // Outside the caller window.
        assert!(
            find_probable_duplicates(&new, &open, mins(180), &DuplicateConfig::default())
                .is_empty()
        );
    }

    #[test]
    fn same_facility_or_device_at_any_age_ranks_first() {
        let mut alarm = report(IncidentKind::Fire, at(20.9636, 105.8269), None);
        alarm.channel = Channel::AlarmDevice;
        alarm.facility_id = Some(42);
        alarm.device_id = Some("GT-1".into());
        let near_fire = report(IncidentKind::Fire, at(21.0288, 105.8525), None);
        let open = vec![
            open_with(1, near_fire, t0()),
            open_with(2, alarm.clone(), t0()),
        ];
        let mut new = report(IncidentKind::Fire, at(21.0290, 105.8525), None);
        new.facility_id = Some(42);
        new.device_id = Some("GT-1".into());
        let hints = find_probable_duplicates(&new, &open, mins(240), &DuplicateConfig::default());
        assert_eq!(
            hints.len(),
            1,
            "the nearby fire is outside the time window by now"
        );
        assert_eq!(hints[0].incident_id, IncidentId(2));
        assert_eq!(hints[0].reasons.len(), 2);
        let hints = find_probable_duplicates(&new, &open, mins(5), &DuplicateConfig::default());
        assert_eq!(
            hints.iter().map(|h| h.incident_id.0).collect::<Vec<_>>(),
            [2, 1],
            "facility match before the closer location match"
        );
    }

    #[test]
    fn closed_incidents_and_self_are_never_suggested() {
        let mut closed = open_with(
            1,
            report(IncidentKind::Fire, at(21.0288, 105.8525), None),
            t0(),
        );
        closed
            .mark_false_alarm("không cháy", operator(), mins(1))
            .unwrap();
        closed.close(None, None, operator(), mins(2)).unwrap();
        assert_eq!(closed.status, IncidentStatus::Closed);
        let open_one = open_with(
            2,
            report(IncidentKind::Fire, at(21.0288, 105.8525), None),
            t0(),
        );
        let incidents = vec![closed, open_one.clone()];
        let new = report(IncidentKind::Fire, at(21.0288, 105.8525), None);
        let hints =
            find_probable_duplicates(&new, &incidents, mins(3), &DuplicateConfig::default());
        assert_eq!(
            hints.iter().map(|h| h.incident_id.0).collect::<Vec<_>>(),
            [2]
        );
        let hints = find_duplicates_of(
            &DuplicateProbe::from_incident(&open_one),
            &incidents,
            &DuplicateConfig::default(),
        );
        assert!(hints.is_empty());
    }
}
