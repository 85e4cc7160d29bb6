//! Incident rows and incident counts by unit, category and period.
//!
//! An [`IncidentRow`] is one incident (not one raw call: dismissed calls and pranks are not
//! incidents), flattened to what the statistics need. The store selects these columns; the
//! functions here define what the SQL must compute.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::compare::{key_of, GroupBy, GroupKey};
use super::period::{Granularity, Period};
use super::{FxBuild, StatsError};
use crate::report::{Cell, Column, Lang, Table};

/// One incident as the statistics read it (SQL: one row of the incidents table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRow {
    /// Code of the responsible commune/ward unit.
    pub unit: String,
    /// Incident category code (e.g. `fire`, `theft`, `traffic_accident`).
    pub category: String,
    /// Priority, 1 = most urgent.
    pub priority: u8,
    /// When the incident was opened (the call or alarm was accepted). Decides the period.
    pub created_at: DateTime<Utc>,
    /// When it was closed, if it was.
    pub closed_at: Option<DateTime<Utc>>,
    /// Seconds from `created_at` to the first unit dispatched (tiếp nhận → điều động).
    pub dispatch_secs: Option<u32>,
    /// Seconds from the first dispatch to the first unit on scene (điều động → có mặt).
    pub travel_secs: Option<u32>,
    /// Seconds from the first arrival to "under control" (fires: khống chế).
    pub control_secs: Option<u32>,
    /// People dead (0 when none or not recorded).
    pub deaths: u32,
    /// People injured.
    pub injured: u32,
    /// People rescued alive (cứu người).
    pub rescued: u32,
    /// Estimated property damage in VND, if assessed.
    pub damage_vnd: Option<u64>,
    /// The event was confirmed: verified or dispatched to, and not declared a false alarm,
    /// cancelled or a duplicate. Only confirmed incidents are fires in the fire figures.
    pub confirmed: bool,
    /// Declared a false alarm (status or disposition): counted apart in the fire figures.
    pub false_alarm: bool,
}

impl IncidentRow {
    /// A row with only the identifying fields set and no durations or casualties.
    pub fn new(unit: &str, category: &str, priority: u8, created_at: DateTime<Utc>) -> Self {
        Self {
            unit: unit.to_owned(),
            category: category.to_owned(),
            priority,
            created_at,
            closed_at: None,
            dispatch_secs: None,
            travel_secs: None,
            control_secs: None,
            deaths: 0,
            injured: 0,
            rescued: 0,
            damage_vnd: None,
            confirmed: true,
            false_alarm: false,
        }
    }
}

/// Number of incidents created in `period`, per group, sorted by key.
///
/// SQL: `SELECT <group columns>, COUNT(*) FROM incidents WHERE created_at >= :start AND
/// created_at < :end GROUP BY <group columns>`.
pub fn incident_counts(rows: &[IncidentRow], period: &Period, by: GroupBy) -> Vec<(GroupKey, u64)> {
    let (start, end) = period.utc_range();
    let mut acc: HashMap<(Option<&str>, Option<&str>), u64, FxBuild> = HashMap::default();
    for r in rows {
        if r.created_at >= start && r.created_at < end {
            *acc.entry(key_of(by, &r.unit, &r.category)).or_default() += 1;
        }
    }
    let mut out: Vec<(GroupKey, u64)> = acc
        .into_iter()
        .map(|(k, n)| (GroupKey::from_borrowed(k), n))
        .collect();
    out.sort();
    out
}

/// Counts per group and per sub-period: the time series of a dashboard chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The sub-periods, in order (see [`Period::split`]).
    pub buckets: Vec<Period>,
    /// The groups, sorted.
    pub keys: Vec<GroupKey>,
    /// `counts[k][b]`: incidents of group `keys[k]` created in `buckets[b]`.
    pub counts: Vec<Vec<u64>>,
}

/// Incidents created in `period`, counted per group and per bucket of `granularity`.
///
/// SQL: the [`incident_counts`] query with the bucket added to the grouping, where the bucket
/// of a row is the last bucket whose start is `<= created_at`.
pub fn incident_series(
    rows: &[IncidentRow],
    period: &Period,
    granularity: Granularity,
    by: GroupBy,
) -> Result<Series, StatsError> {
    let buckets = period.split(granularity)?;
    let starts: Vec<DateTime<Utc>> = buckets.iter().map(|b| b.utc_range().0).collect();
    let (start, end) = period.utc_range();
    let mut acc: HashMap<(Option<&str>, Option<&str>), Vec<u64>, FxBuild> = HashMap::default();
    for r in rows {
        if r.created_at < start || r.created_at >= end {
            continue;
        }
        // Index of the last bucket starting at or before the instant.
        let b = starts
            .partition_point(|s| *s <= r.created_at)
            .saturating_sub(1);
        let v = acc
            .entry(key_of(by, &r.unit, &r.category))
            .or_insert_with(|| vec![0; buckets.len()]);
        v[b] += 1;
    }
    let mut pairs: Vec<(GroupKey, Vec<u64>)> = acc
        .into_iter()
        .map(|(k, v)| (GroupKey::from_borrowed(k), v))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let (keys, counts) = pairs.into_iter().unzip();
    Ok(Series {
        buckets,
        keys,
        counts,
    })
}

impl Series {
    /// A table with one row per group and one column per bucket, plus a total column.
    pub fn to_table(&self, lang: Lang) -> Result<Table, StatsError> {
        let mut columns = vec![
            Column::new("unit", "Đơn vị", "Unit"),
            Column::new("category", "Loại", "Category"),
        ];
        for (i, b) in self.buckets.iter().enumerate() {
            columns.push(Column {
                key: format!("b{i}"),
                label_vi: b.label_vi(),
                label_en: b.label_en(),
            });
        }
        columns.push(Column::new("total", "Tổng", "Total"));
        let mut t = Table::new("Số vụ việc theo kỳ", "Incidents by period", columns)?;
        for (k, counts) in self.keys.iter().zip(&self.counts) {
            let mut row = vec![k.unit_cell(lang), k.category_cell(lang)];
            row.extend(counts.iter().map(|&n| Cell::count(n)));
            row.push(Cell::count(counts.iter().sum()));
            t.push_row(row)?;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rows() -> Vec<IncidentRow> {
        vec![
            IncidentRow::new("A", "fire", 1, t("2026-02-14T17:00:00Z")), // 15/02 00:00 local: R3
            IncidentRow::new("A", "theft", 2, t("2026-03-01T00:00:00Z")),
            IncidentRow::new("B", "theft", 2, t("2026-03-14T16:59:59Z")), // 14/03 23:59:59 local
            IncidentRow::new("B", "theft", 2, t("2026-03-14T23:30:00Z")), // 15/03 local: R4
            IncidentRow::new("B", "fire", 1, t("2026-02-14T16:00:00Z")),  // 14/02 local: R2
        ]
    }

    #[test]
    fn counts_by_unit_and_category_in_a_reporting_month() {
        let p = Period::reporting_month(2026, 3).unwrap();
        let by_unit = incident_counts(&rows(), &p, GroupBy::Unit);
        assert_eq!(
            by_unit,
            vec![(GroupKey::unit("A"), 2), (GroupKey::unit("B"), 1)]
        );
        let total = incident_counts(&rows(), &p, GroupBy::Total);
        assert_eq!(total, vec![(GroupKey::total(), 3)]);
        let both = incident_counts(&rows(), &p, GroupBy::UnitCategory);
        assert_eq!(both.len(), 3);
        assert_eq!(both[0], (GroupKey::unit_category("A", "fire"), 1));
    }

    #[test]
    fn series_by_reporting_month() {
        let p = Period::reporting_quarter(2026, 1).unwrap();
        let s =
            incident_series(&rows(), &p, Granularity::ReportingMonth, GroupBy::Category).unwrap();
        assert_eq!(s.buckets.len(), 3);
        assert_eq!(
            s.keys,
            vec![GroupKey::category("fire"), GroupKey::category("theft")]
        );
        // fire: one in R2 (14/02), one in R3 (15/02); theft: two in R3, one outside the quarter.
        assert_eq!(s.counts, vec![vec![0, 1, 1], vec![0, 0, 2]]);
        let table = s.to_table(Lang::En).unwrap();
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.cell(1, "total"), Some(&Cell::Int(2)));
    }
}
