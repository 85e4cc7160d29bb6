//! False alarms of the fire-alarm link: incidents opened by an alarm device and then declared
//! false, per facility and per device, and the figure alarm centres manage by: false alarms
//! per 100 devices in service per month. The worst offenders are the facilities and devices
//! whose panels need a visit (dust, steam, a detector in the wrong place, a fault).

use chrono::{DateTime, Utc};

use super::period::Period;
use super::StatsError;
use crate::report::{Cell, Column, Table};

/// Average length of a month in days (365.25 / 12), for a rate per month over any period.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// One facility's false alarms in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityFalseAlarms {
    pub facility_id: i64,
    pub name: String,
    pub unit_code: String,
    /// Incidents of this facility's alarms declared false in the period.
    pub false_alarms: u64,
    /// Its devices in service now.
    pub devices: u64,
}

/// One device's false alarms in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceFalseAlarms {
    /// The DC-09 account.
    pub account: String,
    pub facility_id: i64,
    pub facility_name: String,
    pub false_alarms: u64,
}

/// False alarms of a period: totals, the rate, and the worst facilities and devices (most
/// false alarms first).
#[derive(Debug, Clone, PartialEq)]
pub struct FalseAlarmReport {
    pub period: Period,
    /// Devices in service (enabled) in the scope now: the registry keeps no history of it.
    pub devices: u64,
    /// Incidents opened by an alarm device and declared false in the period.
    pub false_alarms: u64,
    /// Days of the period already passed at `now` (a current month counts its days so far).
    pub elapsed_days: f64,
    pub facilities: Vec<FacilityFalseAlarms>,
    pub worst_devices: Vec<DeviceFalseAlarms>,
    /// How many devices had a false alarm in the period: `worst_devices` lists only the
    /// first of them.
    pub devices_with_false_alarms: u64,
    /// False alarms by the cause their fire report gives (`None`: no report filed), most
    /// first.
    pub causes: Vec<(Option<String>, u64)>,
}

/// Days of `period` that have passed at `now`, never below zero.
pub fn elapsed_days(period: &Period, now: DateTime<Utc>) -> f64 {
    let (start, end) = period.utc_range();
    let until = end.min(now);
    ((until - start).num_seconds().max(0) as f64) / 86_400.0
}

/// False alarms per 100 devices per month; `None` without devices or without time passed.
pub fn rate_per_100_devices_per_month(false_alarms: u64, devices: u64, days: f64) -> Option<f64> {
    if devices == 0 || days <= 0.0 {
        return None;
    }
    Some(false_alarms as f64 * 100.0 / devices as f64 / (days / DAYS_PER_MONTH))
}

impl FalseAlarmReport {
    /// The rate of the whole scope.
    pub fn rate(&self) -> Option<f64> {
        rate_per_100_devices_per_month(self.false_alarms, self.devices, self.elapsed_days)
    }

    /// The rate of one facility, over its own devices.
    pub fn facility_rate(&self, f: &FacilityFalseAlarms) -> Option<f64> {
        rate_per_100_devices_per_month(f.false_alarms, f.devices, self.elapsed_days)
    }

    /// The facilities with false alarms, as a table for export (both languages' headings).
    pub fn to_table(&self) -> Result<Table, StatsError> {
        let rate = match self.rate() {
            Some(r) => format!("{r:.1}"),
            None => "—".to_owned(),
        };
        let mut t = Table::new(
            &format!(
                "Báo cháy giả — {} — {} thiết bị, {} lần báo giả, {rate} / 100 thiết bị / tháng",
                self.period.label_vi(),
                self.devices,
                self.false_alarms
            ),
            &format!(
                "False alarms — {} — {} devices, {} false alarms, {rate} per 100 devices a month",
                self.period.label_en(),
                self.devices,
                self.false_alarms
            ),
            vec![
                Column::new("facility", "Cơ sở", "Facility"),
                Column::new("unit", "Đơn vị", "Unit"),
                Column::new("false_alarms", "Số lần báo giả", "False alarms"),
                Column::new("devices", "Số thiết bị", "Devices"),
                Column::new(
                    "rate",
                    "Báo giả / 100 thiết bị / tháng",
                    "Per 100 devices a month",
                ),
            ],
        )?;
        for f in &self.facilities {
            t.push_row(vec![
                Cell::text(&f.name),
                Cell::text(&f.unit_code),
                Cell::count(f.false_alarms),
                Cell::count(f.devices),
                self.facility_rate(f)
                    .map_or(Cell::Empty, |r| Cell::Number((r * 10.0).round() / 10.0)),
            ])?;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Lang;
    use chrono::{NaiveDate, TimeZone};

    fn april() -> Period {
        Period::custom(
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn the_rate_is_per_hundred_devices_and_per_month_of_time_passed() {
        // 6 false alarms from 200 devices in 30.4375 days: 3 per 100 devices a month.
        let r = rate_per_100_devices_per_month(6, 200, DAYS_PER_MONTH).unwrap();
        assert!((r - 3.0).abs() < 1e-9, "{r}");
        // The same count in half a month is twice the rate.
        let r = rate_per_100_devices_per_month(6, 200, DAYS_PER_MONTH / 2.0).unwrap();
        assert!((r - 6.0).abs() < 1e-9, "{r}");
        assert_eq!(rate_per_100_devices_per_month(6, 0, 30.0), None);
        assert_eq!(rate_per_100_devices_per_month(6, 10, 0.0), None);
    }

    #[test]
    fn a_current_period_counts_only_the_days_passed() {
        let p = april();
        // 1 April 00:00 in Vietnam is 31 March 17:00 UTC.
        let mid = Utc.with_ymd_and_hms(2026, 4, 15, 17, 0, 0).unwrap();
        assert!((elapsed_days(&p, mid) - 15.0).abs() < 1e-9);
        let after = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        assert!((elapsed_days(&p, after) - 30.0).abs() < 1e-9);
        let before = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(elapsed_days(&p, before), 0.0);
    }

    #[test]
    fn the_table_lists_each_facility_with_its_own_rate() {
        let report = FalseAlarmReport {
            period: april(),
            devices: 100,
            false_alarms: 5,
            elapsed_days: 30.0,
            facilities: vec![FacilityFalseAlarms {
                facility_id: 7,
                name: "Chợ Đồng Xuân".into(),
                unit_code: "00004".into(),
                false_alarms: 4,
                devices: 2,
            }],
            worst_devices: vec![],
            devices_with_false_alarms: 2,
            causes: vec![],
        };
        let csv = report.to_table().unwrap().to_csv(Lang::Vi).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains("Chợ Đồng Xuân"), "{csv}");
        // 4 false alarms over 2 devices in 30 days: 4 × 100 / 2 / (30 / 30.4375) = 202.9.
        assert!(csv.contains("202.9"), "{csv}");
    }
}
