//! Estimated arrival of a resource: a documented rule of thumb, never a promise.
//!
//! `estimate = turnout + straight-line distance × detour factor ÷ speed`, where the detour
//! factor turns a straight line into a road distance (city road networks run about 1.3–1.4
//! times the straight line), the speed depends on the area (ward = urban, commune = rural)
//! and on the hour (rush hours in Việt Nam's time zone are slower), and the turnout is the
//! time a crew at its station needs to leave (NFPA 1710: 80 s for fire, 60 s for others); a
//! resource already on the road has none. Every figure shown from here is labelled as an
//! estimate and says how it was made ([`TravelModel::describe`]).

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::ResourceKind;

/// Urban or rural, for the speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaType {
    /// Wards (phường): dense streets.
    Urban,
    /// Communes (xã) and special zones: open roads.
    Rural,
}

/// The parameters of the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TravelModel {
    /// Road distance ÷ straight-line distance.
    pub detour_factor: f64,
    /// Urban speed outside rush hours, km/h.
    pub urban_kmh: f64,
    /// Urban speed in rush hours, km/h.
    pub urban_rush_kmh: f64,
    /// Rural speed outside rush hours, km/h.
    pub rural_kmh: f64,
    /// Rural speed in rush hours, km/h.
    pub rural_rush_kmh: f64,
    /// Turnout of fire and rescue crews leaving their station, seconds.
    pub turnout_fire_s: u32,
    /// Turnout of other crews leaving their base, seconds.
    pub turnout_other_s: u32,
}

impl Default for TravelModel {
    fn default() -> Self {
        Self {
            detour_factor: 1.4,
            urban_kmh: 25.0,
            urban_rush_kmh: 15.0,
            rural_kmh: 40.0,
            rural_rush_kmh: 30.0,
            turnout_fire_s: 80,
            turnout_other_s: 60,
        }
    }
}

/// Where the resource leaves from, for the turnout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// From its station or base: the crew must turn out first.
    Station,
    /// Already on the road (a fresh position report).
    OnTheRoad,
}

/// Rush hours in local time (UTC+7): 06:30–09:00 and 16:30–19:30.
pub fn is_rush_hour(now: DateTime<Utc>) -> bool {
    let Some(tz) = FixedOffset::east_opt(7 * 3600) else {
        return false;
    };
    let local = now.with_timezone(&tz);
    let minute = local.hour() * 60 + local.minute();
    (390..540).contains(&minute) || (990..1170).contains(&minute)
}

impl TravelModel {
    /// Speed in km/h for the area at `now`.
    pub fn speed_kmh(&self, area: AreaType, now: DateTime<Utc>) -> f64 {
        match (area, is_rush_hour(now)) {
            (AreaType::Urban, false) => self.urban_kmh,
            (AreaType::Urban, true) => self.urban_rush_kmh,
            (AreaType::Rural, false) => self.rural_kmh,
            (AreaType::Rural, true) => self.rural_rush_kmh,
        }
    }

    /// Estimated seconds from call to arrival for a resource `straight_m` metres away.
    pub fn estimate_s(
        &self,
        straight_m: f64,
        kind: ResourceKind,
        departure: Departure,
        area: AreaType,
        now: DateTime<Utc>,
    ) -> u32 {
        let speed_ms = self.speed_kmh(area, now).max(1.0) / 3.6;
        let travel = (straight_m.max(0.0) * self.detour_factor.max(1.0)) / speed_ms;
        let turnout = match departure {
            Departure::OnTheRoad => 0,
            Departure::Station if is_fire_service(kind) => self.turnout_fire_s,
            Departure::Station => self.turnout_other_s,
        };
        // Saturates far beyond any city: 4 billion seconds.
        (travel.round().min(f64::from(u32::MAX - turnout)) as u32) + turnout
    }

    /// How the estimate was made, for the operator (Vietnamese, English).
    pub fn describe(&self, area: AreaType, now: DateTime<Utc>) -> (String, String) {
        let speed = self.speed_kmh(area, now);
        let rush = is_rush_hour(now);
        let (area_vi, area_en) = match area {
            AreaType::Urban => ("nội đô", "urban"),
            AreaType::Rural => ("ngoại thành", "rural"),
        };
        (
            format!(
                "Thời gian đến là ước tính: khoảng cách đường chim bay × {:.1} (đường vòng) ÷ {:.0} km/h ({area_vi}{}), cộng {} giây xuất phát nếu xe đang ở trạm. Không tính đường một chiều, cấm đường hay ùn tắc thực tế.",
                self.detour_factor,
                speed,
                if rush { ", giờ cao điểm" } else { "" },
                self.turnout_fire_s,
            ),
            format!(
                "Arrival times are estimates: straight-line distance × {:.1} (detour) ÷ {:.0} km/h ({area_en}{}), plus {} s turnout when the crew is at its station. One-way streets, closures and live traffic are not known.",
                self.detour_factor,
                speed,
                if rush { ", rush hour" } else { "" },
                self.turnout_fire_s,
            ),
        )
    }
}

/// Crews of the fire and rescue police (longer turnout: protective gear).
fn is_fire_service(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::FireEngine
            | ResourceKind::AerialLadder
            | ResourceKind::WaterTanker
            | ResourceKind::RescueTeam
            | ResourceKind::Hazmat
    )
}

/// "~7 phút" / "~7 min" (rounded up to the minute; under a minute says so).
pub fn format_eta(seconds: u32) -> (String, String) {
    if seconds < 60 {
        return ("dưới 1 phút".into(), "under 1 min".into());
    }
    let minutes = seconds.div_ceil(60);
    (format!("~{minutes} phút"), format!("~{minutes} min"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at_local(h: u32, m: u32) -> DateTime<Utc> {
        // Local = UTC+7.
        let local = FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 3, 2, h, m, 0)
            .unwrap();
        local.with_timezone(&Utc)
    }

    #[test]
    fn rush_hours_are_local_time() {
        assert!(is_rush_hour(at_local(7, 30)));
        assert!(is_rush_hour(at_local(17, 0)));
        assert!(!is_rush_hour(at_local(6, 29)));
        assert!(!is_rush_hour(at_local(9, 0)));
        assert!(!is_rush_hour(at_local(23, 0)));
        assert!(!is_rush_hour(at_local(19, 30)));
    }

    #[test]
    fn the_estimate_is_turnout_plus_detoured_distance_over_speed() {
        let m = TravelModel::default();
        let night = at_local(23, 0);
        // 5 km straight × 1.4 = 7 km at 25 km/h = 1008 s, plus 80 s turnout.
        let s = m.estimate_s(
            5_000.0,
            ResourceKind::FireEngine,
            Departure::Station,
            AreaType::Urban,
            night,
        );
        assert_eq!(s, 1008 + 80);
        let on_road = m.estimate_s(
            5_000.0,
            ResourceKind::Patrol,
            Departure::OnTheRoad,
            AreaType::Urban,
            night,
        );
        assert_eq!(on_road, 1008);
        let rush = m.estimate_s(
            5_000.0,
            ResourceKind::Patrol,
            Departure::OnTheRoad,
            AreaType::Urban,
            at_local(8, 0),
        );
        assert!(rush > on_road);
        let rural = m.estimate_s(
            5_000.0,
            ResourceKind::Patrol,
            Departure::OnTheRoad,
            AreaType::Rural,
            night,
        );
        assert!(rural < on_road);
        assert_eq!(
            m.estimate_s(
                0.0,
                ResourceKind::Ambulance,
                Departure::Station,
                AreaType::Urban,
                night
            ),
            60
        );
    }

    #[test]
    fn estimates_are_monotonic_in_distance_and_never_overflow() {
        let m = TravelModel::default();
        let now = at_local(12, 0);
        let mut last = 0;
        for d in [0.0, 10.0, 1_000.0, 50_000.0, 1e9, f64::MAX] {
            let s = m.estimate_s(
                d,
                ResourceKind::FireEngine,
                Departure::Station,
                AreaType::Urban,
                now,
            );
            assert!(s >= last);
            last = s;
        }
    }

    #[test]
    fn formats_say_minutes_and_the_method() {
        assert_eq!(format_eta(30).0, "dưới 1 phút");
        assert_eq!(format_eta(61).0, "~2 phút");
        assert_eq!(format_eta(600).1, "~10 min");
        let (vi, en) = TravelModel::default().describe(AreaType::Urban, at_local(8, 0));
        assert!(
            vi.contains("ước tính") && vi.contains("giờ cao điểm"),
            "{vi}"
        );
        assert!(en.contains("estimate") && en.contains("1.4"), "{en}");
    }
}
