//! Response-time distribution per unit and priority, from the stage durations of incidents.
//!
//! For each group the report gives the number of incidents with a measured duration, the
//! median and 90th percentile (nearest rank), the mean, and the share within the configured
//! target. No national time-to-scene target is published; the targets here are internal
//! management indicators and must be configured by the operator.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::compare::rate_pct;
use super::incidents::IncidentRow;
use super::period::Period;
use super::{FxBuild, StatsError};
use crate::report::{Cell, Column, Lang, Table};

/// Which duration is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Call accepted → first unit dispatched (`dispatch_secs`).
    Dispatch,
    /// First dispatch → first unit on scene (`travel_secs`).
    Travel,
    /// Call accepted → first unit on scene (`dispatch_secs + travel_secs`, both required).
    CallToArrival,
    /// First arrival → under control (`control_secs`).
    Control,
}

impl Stage {
    /// The duration of this stage for a row, if measured.
    #[inline]
    pub fn secs(self, r: &IncidentRow) -> Option<u32> {
        match self {
            Stage::Dispatch => r.dispatch_secs,
            Stage::Travel => r.travel_secs,
            Stage::CallToArrival => match (r.dispatch_secs, r.travel_secs) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            },
            Stage::Control => r.control_secs,
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Stage::Dispatch => "Tiếp nhận → điều động",
            Stage::Travel => "Điều động → có mặt",
            Stage::CallToArrival => "Tiếp nhận → có mặt",
            Stage::Control => "Có mặt → khống chế",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Stage::Dispatch => "Call to dispatch",
            Stage::Travel => "Dispatch to arrival",
            Stage::CallToArrival => "Call to arrival",
            Stage::Control => "Arrival to under control",
        }
    }
}

/// Targets in seconds per stage, optionally per priority (a priority-specific target wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTargets {
    /// Target for a stage, any priority.
    pub by_stage: BTreeMap<Stage, u32>,
    /// Target for a stage and priority.
    pub by_stage_priority: BTreeMap<(Stage, u8), u32>,
}

impl Default for ResponseTargets {
    /// The command center's own targets (the live timers' defaults, see
    /// [`crate::incident::ResponseTargets`]), so that the statistics measure what the console's
    /// timers show.
    fn default() -> Self {
        Self::from(&crate::incident::ResponseTargets::default())
    }
}

impl From<&crate::incident::ResponseTargets> for ResponseTargets {
    /// The statistics' targets from the live timers' targets, per priority: dispatch is the
    /// dispatch target, travel the on-scene target (counted from the first dispatch), and call to
    /// arrival their sum. Control has no target.
    fn from(timers: &crate::incident::ResponseTargets) -> Self {
        let mut by_stage_priority = BTreeMap::new();
        for p in crate::incident::Priority::ALL {
            let t = timers.for_priority(p);
            let n = p.number();
            by_stage_priority.insert((Stage::Dispatch, n), t.dispatch_secs);
            by_stage_priority.insert((Stage::Travel, n), t.on_scene_secs);
            by_stage_priority.insert(
                (Stage::CallToArrival, n),
                t.dispatch_secs.saturating_add(t.on_scene_secs),
            );
        }
        Self {
            by_stage: BTreeMap::new(),
            by_stage_priority,
        }
    }
}

impl ResponseTargets {
    /// No targets at all.
    pub fn none() -> Self {
        Self {
            by_stage: BTreeMap::new(),
            by_stage_priority: BTreeMap::new(),
        }
    }

    /// The target for a stage and priority.
    pub fn target(&self, stage: Stage, priority: u8) -> Option<u32> {
        self.by_stage_priority
            .get(&(stage, priority))
            .or_else(|| self.by_stage.get(&stage))
            .copied()
    }
}

/// How response times are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseGroupBy {
    /// Whole city.
    Total,
    /// Per unit.
    Unit,
    /// Per priority.
    Priority,
    /// Per unit and priority.
    #[default]
    UnitPriority,
}

/// Distribution of one stage for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseRow {
    /// Unit code, `None` for all units.
    pub unit: Option<String>,
    /// Priority, `None` for all priorities.
    pub priority: Option<u8>,
    /// Incidents with a measured duration.
    pub count: u64,
    /// Median (nearest rank), seconds.
    pub p50: u32,
    /// 90th percentile (nearest rank), seconds.
    pub p90: u32,
    /// Arithmetic mean, seconds.
    pub mean: f64,
    /// Incidents whose own target (by its priority) is set.
    pub with_target: u64,
    /// Of those, incidents with duration `<=` target.
    pub within_target: u64,
    /// `within_target ÷ with_target × 100`; `None` when no incident has a target.
    pub within_target_pct: Option<f64>,
}

/// A response-time report for one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseReport {
    /// The period.
    pub period: Period,
    /// The stage measured.
    pub stage: Stage,
    /// One row per group with at least one measured incident, sorted by unit then priority.
    pub rows: Vec<ResponseRow>,
}

/// Nearest-rank percentile of sorted values: the value at 1-based rank `ceil(p × n / 100)`
/// (integer arithmetic), the smallest value with at least `p` % of values at or below it.
/// `None` for an empty slice. `p` is clamped to 1..=100.
pub fn nearest_rank(sorted: &[u32], p: u32) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let p = u64::from(p.clamp(1, 100));
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

/// Response-time distribution of `stage` for incidents created in `period`.
///
/// An incident counts when `created_at` is in the period and the stage's duration is
/// measured (see [`Stage::secs`]). It is within target when its duration is `<=` the target
/// for its stage and priority.
pub fn response_times(
    rows: &[IncidentRow],
    period: &Period,
    stage: Stage,
    targets: &ResponseTargets,
    by: ResponseGroupBy,
) -> ResponseReport {
    let (start, end) = period.utc_range();
    // (durations, incidents with a target, incidents within target) per (unit, priority).
    type Slot = (Vec<u32>, u64, u64);
    let mut acc: HashMap<(Option<&str>, Option<u8>), Slot, FxBuild> = HashMap::default();
    for r in rows {
        if r.created_at < start || r.created_at >= end {
            continue;
        }
        let Some(secs) = stage.secs(r) else { continue };
        let key = match by {
            ResponseGroupBy::Total => (None, None),
            ResponseGroupBy::Unit => (Some(r.unit.as_str()), None),
            ResponseGroupBy::Priority => (None, Some(r.priority)),
            ResponseGroupBy::UnitPriority => (Some(r.unit.as_str()), Some(r.priority)),
        };
        let slot = acc.entry(key).or_default();
        slot.0.push(secs);
        if let Some(target) = targets.target(stage, r.priority) {
            slot.1 += 1;
            slot.2 += u64::from(secs <= target);
        }
    }
    let mut out: Vec<ResponseRow> = acc
        .into_iter()
        .map(|((unit, priority), (mut v, with_target, within))| {
            v.sort_unstable();
            let sum: u64 = v.iter().map(|&x| u64::from(x)).sum();
            ResponseRow {
                unit: unit.map(str::to_owned),
                priority,
                count: v.len() as u64,
                p50: nearest_rank(&v, 50).unwrap_or(0),
                p90: nearest_rank(&v, 90).unwrap_or(0),
                mean: sum as f64 / v.len() as f64,
                with_target,
                within_target: within,
                within_target_pct: rate_pct(within, with_target),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.unit, a.priority).cmp(&(&b.unit, b.priority)));
    ResponseReport {
        period: *period,
        stage,
        rows: out,
    }
}

impl ResponseReport {
    /// Report table, durations in seconds.
    pub fn to_table(&self, lang: Lang) -> Result<Table, StatsError> {
        let mut t = Table::new(
            &format!(
                "Thời gian phản ứng ({}) — {}",
                self.stage.label_vi(),
                self.period.label_vi()
            ),
            &format!(
                "Response time ({}) — {}",
                self.stage.label_en(),
                self.period.label_en()
            ),
            vec![
                Column::new("unit", "Đơn vị", "Unit"),
                Column::new("priority", "Mức ưu tiên", "Priority"),
                Column::new("count", "Số vụ", "Incidents"),
                Column::new("p50", "Trung vị (giây)", "Median (s)"),
                Column::new("p90", "P90 (giây)", "P90 (s)"),
                Column::new("mean", "Trung bình (giây)", "Mean (s)"),
                Column::new("within_target_pct", "Đạt chỉ tiêu (%)", "Within target (%)"),
            ],
        )?;
        let all = match lang {
            Lang::Vi => "Tất cả",
            Lang::En => "All",
        };
        for r in &self.rows {
            t.push_row(vec![
                Cell::text(r.unit.clone().unwrap_or_else(|| all.to_owned())),
                r.priority
                    .map(|p| Cell::Int(i64::from(p)))
                    .unwrap_or_else(|| Cell::text(all)),
                Cell::count(r.count),
                Cell::Int(i64::from(r.p50)),
                Cell::Int(i64::from(r.p90)),
                Cell::Number(r.mean),
                Cell::Percent(r.within_target_pct),
            ])?;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    #[test]
    fn nearest_rank_matches_hand_computation() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&v, 50), Some(50));
        assert_eq!(nearest_rank(&v, 90), Some(90));
        assert_eq!(nearest_rank(&v, 91), Some(100));
        assert_eq!(nearest_rank(&v[..3], 50), Some(20));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn distribution_per_unit_and_priority() {
        let t0 = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mk = |unit: &str, prio: u8, d: Option<u32>, tr: Option<u32>| {
            let mut r = IncidentRow::new(unit, "x", prio, t0);
            r.dispatch_secs = d;
            r.travel_secs = tr;
            r
        };
        let rows = vec![
            mk("A", 1, Some(30), Some(400)),
            mk("A", 1, Some(90), Some(600)),
            mk("A", 1, Some(50), None),
            mk("A", 2, Some(200), Some(100)),
            mk("B", 2, None, None),
        ];
        let p = Period::month(2026, 3).unwrap();
        let targets = ResponseTargets::default();
        let r = response_times(
            &rows,
            &p,
            Stage::Dispatch,
            &targets,
            ResponseGroupBy::UnitPriority,
        );
        assert_eq!(r.rows.len(), 2);
        let a1 = &r.rows[0];
        assert_eq!((a1.count, a1.p50, a1.p90), (3, 50, 90));
        assert!((a1.mean - 170.0 / 3.0).abs() < 1e-9);
        // priority-1 dispatch target is 60 s: 30 and 50 are within, 90 is not.
        assert_eq!((a1.with_target, a1.within_target), (3, 2));
        let a2 = &r.rows[1];
        assert_eq!((a2.within_target, a2.within_target_pct), (0, Some(0.0)));
        let c = response_times(
            &rows,
            &p,
            Stage::CallToArrival,
            &targets,
            ResponseGroupBy::Total,
        );
        assert_eq!(c.rows.len(), 1);
        assert_eq!(c.rows[0].count, 3);
        assert_eq!(c.rows[0].p50, 430);
        assert_eq!(c.rows[0].p90, 690);
        let none = response_times(
            &rows,
            &p,
            Stage::Dispatch,
            &ResponseTargets::none(),
            ResponseGroupBy::Total,
        );
        assert_eq!(none.rows[0].within_target_pct, None);
        assert_eq!(r.to_table(Lang::Vi).unwrap().rows.len(), 2);
    }

    #[test]
    fn the_statistics_measure_the_live_timers_targets() {
        let timers = crate::incident::ResponseTargets::default();
        let stats = ResponseTargets::default();
        for p in crate::incident::Priority::ALL {
            let t = timers.for_priority(p);
            let n = p.number();
            assert_eq!(stats.target(Stage::Dispatch, n), Some(t.dispatch_secs));
            assert_eq!(stats.target(Stage::Travel, n), Some(t.on_scene_secs));
            assert_eq!(
                stats.target(Stage::CallToArrival, n),
                Some(t.dispatch_secs + t.on_scene_secs)
            );
            assert_eq!(stats.target(Stage::Control, n), None);
        }
    }

    proptest! {
        #[test]
        fn nearest_rank_is_the_smallest_value_covering_p(mut v in proptest::collection::vec(0u32..1000, 1..200), p in 1u32..=100) {
            v.sort_unstable();
            let x = nearest_rank(&v, p).unwrap();
            let at_or_below = v.iter().filter(|&&y| y <= x).count() as u64;
            prop_assert!(at_or_below * 100 >= u64::from(p) * v.len() as u64);
            let below = v.iter().filter(|&&y| y < x).count() as u64;
            prop_assert!(below * 100 < u64::from(p) * v.len() as u64);
        }
    }
}
