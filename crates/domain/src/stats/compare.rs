//! Comparison with the same period of the previous year ("so với cùng kỳ") for incident counts
//! and for crime figures with the clearance rate ("tỷ lệ điều tra, khám phá").
//!
//! Definitions (also in [`super::definitions`] and `docs/statistics.md`):
//! - absolute change = current − previous;
//! - percent change = (current − previous) ÷ previous × 100, and **not comparable** (`None`)
//!   when previous = 0, whatever the current value;
//! - a case counts as *recorded* in a period when `discovered_at` is in the period, and as
//!   *cleared in the period* when it is recorded in the period and `solved_at` is before the
//!   end of the period; clearance rate = cleared ÷ recorded × 100, `None` when nothing was
//!   recorded; cases discovered before the period and solved during it ("án tồn") are a
//!   separate count, never in the ratio;
//! - a change of rate is in percentage points (current rate − previous rate).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cases::{CaseRow, CategoryMap, CrimeGroup};
use super::incidents::IncidentRow;
use super::period::Period;
use super::{FxBuild, StatsError};
use crate::report::{Cell, Column, Lang, Table};

/// Clearance-rate target for TTXH cases set by the National Assembly (≥ 75 %).
pub const TTXH_CLEARANCE_TARGET_PCT: f64 = 75.0;
/// Clearance-rate target for very and especially serious cases (≥ 90 %).
pub const SERIOUS_CLEARANCE_TARGET_PCT: f64 = 90.0;

/// Percent change from `previous` to `current`; `None` ("không so sánh được") when `previous`
/// is zero.
pub fn percent_change(current: u64, previous: u64) -> Option<f64> {
    if previous == 0 {
        None
    } else {
        Some((current as f64 - previous as f64) / previous as f64 * 100.0)
    }
}

/// `numerator ÷ denominator × 100`; `None` when the denominator is zero.
pub fn rate_pct(numerator: u64, denominator: u64) -> Option<f64> {
    if denominator == 0 {
        None
    } else {
        Some(numerator as f64 / denominator as f64 * 100.0)
    }
}

/// A value now and in the same period last year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Value in the period.
    pub current: u64,
    /// Value in the same period of the previous year.
    pub previous: u64,
    /// `current − previous`.
    pub diff: i64,
    /// See [`percent_change`].
    pub pct: Option<f64>,
}

impl Change {
    /// Computes the change.
    pub fn new(current: u64, previous: u64) -> Self {
        let diff = i64::try_from(current)
            .unwrap_or(i64::MAX)
            .saturating_sub(i64::try_from(previous).unwrap_or(i64::MAX));
        Self {
            current,
            previous,
            diff,
            pct: percent_change(current, previous),
        }
    }

    /// A short Vietnamese phrase: "tăng 3 vụ (+25,00%)", "giảm 2 vụ (−50,00%)", "bằng cùng kỳ".
    pub fn phrase_vi(&self) -> String {
        let pct = match self.pct {
            Some(p) => format!("{:+.2}%", p).replace('.', ","),
            None => crate::report::NOT_COMPARABLE_VI.to_owned(),
        };
        match self.diff {
            0 => "bằng cùng kỳ".to_owned(),
            d if d > 0 => format!("tăng {d} vụ ({pct})"),
            d => format!("giảm {} vụ ({pct})", d.unsigned_abs()),
        }
    }
}

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One group: the whole city.
    Total,
    /// Per unit.
    #[default]
    Unit,
    /// Per category (incident category, or crime group for cases).
    Category,
    /// Per unit and category.
    UnitCategory,
}

/// The group a figure belongs to; `None` fields are "all".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupKey {
    /// Unit code, or `None` for all units.
    pub unit: Option<String>,
    /// Category code, or `None` for all categories.
    pub category: Option<String>,
}

impl GroupKey {
    /// The all-units, all-categories key.
    pub fn total() -> Self {
        Self {
            unit: None,
            category: None,
        }
    }

    /// Key of one unit.
    pub fn unit(code: &str) -> Self {
        Self {
            unit: Some(code.to_owned()),
            category: None,
        }
    }

    /// Key of one category.
    pub fn category(code: &str) -> Self {
        Self {
            unit: None,
            category: Some(code.to_owned()),
        }
    }

    /// Key of one unit and category.
    pub fn unit_category(unit: &str, category: &str) -> Self {
        Self {
            unit: Some(unit.to_owned()),
            category: Some(category.to_owned()),
        }
    }

    pub(crate) fn from_borrowed(k: (Option<&str>, Option<&str>)) -> Self {
        Self {
            unit: k.0.map(str::to_owned),
            category: k.1.map(str::to_owned),
        }
    }

    pub(crate) fn unit_cell(&self, lang: Lang) -> Cell {
        match &self.unit {
            Some(u) => Cell::text(u.clone()),
            None => Cell::text(match lang {
                Lang::Vi => "Toàn thành phố",
                Lang::En => "Whole city",
            }),
        }
    }

    pub(crate) fn category_cell(&self, lang: Lang) -> Cell {
        match &self.category {
            Some(c) => {
                let label = c.parse::<CrimeGroup>().ok().map(|g| match lang {
                    Lang::Vi => g.label_vi(),
                    Lang::En => g.label_en(),
                });
                Cell::text(label.unwrap_or(c))
            }
            None => Cell::text(match lang {
                Lang::Vi => "Tất cả",
                Lang::En => "All",
            }),
        }
    }
}

#[inline]
pub(crate) fn key_of<'a>(
    by: GroupBy,
    unit: &'a str,
    category: &'a str,
) -> (Option<&'a str>, Option<&'a str>) {
    match by {
        GroupBy::Total => (None, None),
        GroupBy::Unit => (Some(unit), None),
        GroupBy::Category => (None, Some(category)),
        GroupBy::UnitCategory => (Some(unit), Some(category)),
    }
}

#[inline]
fn within(t: DateTime<Utc>, w: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    w.0 <= t && t < w.1
}

/// One line of an incident year-on-year report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountRow {
    /// Group.
    pub key: GroupKey,
    /// Incidents created in the period vs. the same period last year.
    pub count: Change,
}

/// Incident counts compared with the same period of the previous year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountReport {
    /// The period reported.
    pub period: Period,
    /// The same period of the previous year.
    pub previous_period: Period,
    /// Grouping used.
    pub by: GroupBy,
    /// One row per group present in either period, sorted by key.
    pub rows: Vec<CountRow>,
    /// Whole-city totals.
    pub total: Change,
}

/// Incidents created in `period` and in the same period of the previous year, per group.
///
/// SQL: `SELECT <group>, SUM(created_at >= :cur_start AND created_at < :cur_end),
/// SUM(created_at >= :prev_start AND created_at < :prev_end) FROM incidents WHERE
/// (created_at in either window) GROUP BY <group>`; the change is computed from the two sums.
pub fn incident_year_on_year(
    rows: &[IncidentRow],
    period: &Period,
    by: GroupBy,
) -> Result<CountReport, StatsError> {
    let previous_period = period.same_period_previous_year()?;
    let cur = period.utc_range();
    let prev = previous_period.utc_range();
    let mut acc: HashMap<(Option<&str>, Option<&str>), [u64; 2], FxBuild> = HashMap::default();
    let mut total = [0u64; 2];
    for r in rows {
        let c = within(r.created_at, cur);
        let p = within(r.created_at, prev);
        if !(c || p) {
            continue;
        }
        let slot = acc.entry(key_of(by, &r.unit, &r.category)).or_default();
        if c {
            slot[0] += 1;
            total[0] += 1;
        }
        if p {
            slot[1] += 1;
            total[1] += 1;
        }
    }
    let mut out: Vec<CountRow> = acc
        .into_iter()
        .map(|(k, [c, p])| CountRow {
            key: GroupKey::from_borrowed(k),
            count: Change::new(c, p),
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(CountReport {
        period: *period,
        previous_period,
        by,
        rows: out,
        total: Change::new(total[0], total[1]),
    })
}

impl CountReport {
    /// Report table: one row per group and a whole-city total row.
    pub fn to_table(&self, lang: Lang) -> Result<Table, StatsError> {
        let mut t = Table::new(
            &format!("Số vụ việc so với cùng kỳ — {}", self.period.label_vi()),
            &format!("Incidents year on year — {}", self.period.label_en()),
            vec![
                Column::new("unit", "Đơn vị", "Unit"),
                Column::new("category", "Loại", "Category"),
                Column::new("current", "Kỳ này", "This period"),
                Column::new("previous", "Cùng kỳ", "Same period last year"),
                Column::new("diff", "Tăng/giảm (vụ)", "Change"),
                Column::new("pct", "Tăng/giảm (%)", "Change (%)"),
            ],
        )?;
        let line = |key: &GroupKey, c: &Change| {
            vec![
                key.unit_cell(lang),
                key.category_cell(lang),
                Cell::count(c.current),
                Cell::count(c.previous),
                Cell::Int(c.diff),
                Cell::Percent(c.pct),
            ]
        };
        for r in &self.rows {
            t.push_row(line(&r.key, &r.count))?;
        }
        if self.by != GroupBy::Total {
            t.push_row(line(&GroupKey::total(), &self.total))?;
        }
        Ok(t)
    }
}

/// Crime figures of one group in one period.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClearanceFigures {
    /// Cases discovered in the period (số vụ phát hiện).
    pub recorded: u64,
    /// Of those, cases solved before the end of the period (số vụ điều tra, khám phá).
    pub cleared: u64,
    /// `cleared ÷ recorded × 100`, `None` when nothing was recorded.
    pub rate_pct: Option<f64>,
    /// Recorded cases that are very or especially serious.
    pub serious_recorded: u64,
    /// Of those, cleared in the period.
    pub serious_cleared: u64,
    /// Clearance rate of very and especially serious cases.
    pub serious_rate_pct: Option<f64>,
    /// Cases discovered before the period and solved during it (án tồn), outside the ratio.
    pub backlog_cleared: u64,
}

#[derive(Default, Clone, Copy)]
struct CrimeAcc {
    recorded: u64,
    cleared: u64,
    serious_recorded: u64,
    serious_cleared: u64,
    backlog_cleared: u64,
}

impl CrimeAcc {
    #[inline]
    fn add(&mut self, r: &CaseRow, w: (DateTime<Utc>, DateTime<Utc>)) {
        if within(r.discovered_at, w) {
            let cleared = r.solved_at.is_some_and(|s| s < w.1);
            let serious = r.severity.is_very_or_especially_serious();
            self.recorded += 1;
            self.cleared += u64::from(cleared);
            self.serious_recorded += u64::from(serious);
            self.serious_cleared += u64::from(serious && cleared);
        } else if r.discovered_at < w.0 && r.solved_at.is_some_and(|s| within(s, w)) {
            self.backlog_cleared += 1;
        }
    }

    #[inline]
    fn touches(r: &CaseRow, w: (DateTime<Utc>, DateTime<Utc>)) -> bool {
        within(r.discovered_at, w) || r.solved_at.is_some_and(|s| within(s, w))
    }

    fn merge(&mut self, o: &CrimeAcc) {
        self.recorded += o.recorded;
        self.cleared += o.cleared;
        self.serious_recorded += o.serious_recorded;
        self.serious_cleared += o.serious_cleared;
        self.backlog_cleared += o.backlog_cleared;
    }

    fn figures(&self) -> ClearanceFigures {
        ClearanceFigures {
            recorded: self.recorded,
            cleared: self.cleared,
            rate_pct: rate_pct(self.cleared, self.recorded),
            serious_recorded: self.serious_recorded,
            serious_cleared: self.serious_cleared,
            serious_rate_pct: rate_pct(self.serious_cleared, self.serious_recorded),
            backlog_cleared: self.backlog_cleared,
        }
    }
}

/// One line of the crime year-on-year report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrimeRow {
    /// Group (`category` is a [`CrimeGroup`] code).
    pub key: GroupKey,
    /// Figures of the period.
    pub current: ClearanceFigures,
    /// Figures of the same period last year.
    pub previous: ClearanceFigures,
    /// Recorded cases, compared.
    pub recorded: Change,
    /// Cleared cases, compared.
    pub cleared: Change,
    /// Change of the clearance rate in percentage points; `None` when either rate is `None`.
    pub rate_change_points: Option<f64>,
}

impl CrimeRow {
    fn new(key: GroupKey, cur: &CrimeAcc, prev: &CrimeAcc) -> Self {
        let current = cur.figures();
        let previous = prev.figures();
        Self {
            key,
            recorded: Change::new(current.recorded, previous.recorded),
            cleared: Change::new(current.cleared, previous.cleared),
            rate_change_points: match (current.rate_pct, previous.rate_pct) {
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            },
            current,
            previous,
        }
    }
}

/// Crime figures and clearance rates compared with the same period of the previous year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrimeReport {
    /// The period reported.
    pub period: Period,
    /// The same period of the previous year.
    pub previous_period: Period,
    /// Grouping used.
    pub by: GroupBy,
    /// One row per group with any figure in either period, sorted by key (categories sort by
    /// their code).
    pub rows: Vec<CrimeRow>,
    /// Whole-city totals (sums of counts; rates recomputed from the sums).
    pub total: CrimeRow,
}

/// Crime figures per group for `period` and the same period of the previous year.
///
/// The category of a case is `map.group_of(article)`. See the module documentation for what
/// counts as recorded, cleared and backlog.
pub fn crime_year_on_year(
    cases: &[CaseRow],
    period: &Period,
    map: &CategoryMap,
    by: GroupBy,
) -> Result<CrimeReport, StatsError> {
    let previous_period = period.same_period_previous_year()?;
    let cur = period.utc_range();
    let prev = previous_period.utc_range();
    let mut acc: HashMap<(Option<&str>, Option<&str>), [CrimeAcc; 2], FxBuild> = HashMap::default();
    for r in cases {
        let c = CrimeAcc::touches(r, cur);
        let p = CrimeAcc::touches(r, prev);
        if !(c || p) {
            continue;
        }
        let group = map.group_of(r.article).code();
        let slot = acc.entry(key_of(by, &r.unit, group)).or_default();
        if c {
            slot[0].add(r, cur);
        }
        if p {
            slot[1].add(r, prev);
        }
    }
    let mut total = [CrimeAcc::default(); 2];
    let mut rows: Vec<CrimeRow> = acc
        .into_iter()
        .map(|(k, [c, p])| {
            total[0].merge(&c);
            total[1].merge(&p);
            CrimeRow::new(GroupKey::from_borrowed(k), &c, &p)
        })
        .collect();
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(CrimeReport {
        period: *period,
        previous_period,
        by,
        rows,
        total: CrimeRow::new(GroupKey::total(), &total[0], &total[1]),
    })
}

impl CrimeReport {
    /// Report table: recorded, cleared and clearance rate now and a year earlier, the changes,
    /// the very/especially serious line and the backlog count; a total row last.
    pub fn to_table(&self, lang: Lang) -> Result<Table, StatsError> {
        let mut t = Table::new(
            &format!(
                "Tình hình tội phạm và tỷ lệ điều tra, khám phá so với cùng kỳ — {}",
                self.period.label_vi()
            ),
            &format!(
                "Crime and clearance rate year on year — {}",
                self.period.label_en()
            ),
            vec![
                Column::new("unit", "Đơn vị", "Unit"),
                Column::new("category", "Nhóm tội phạm", "Crime group"),
                Column::new("recorded", "Số vụ phát hiện", "Cases recorded"),
                Column::new("recorded_previous", "Cùng kỳ", "Same period last year"),
                Column::new("recorded_diff", "Tăng/giảm (vụ)", "Change"),
                Column::new("recorded_pct", "Tăng/giảm (%)", "Change (%)"),
                Column::new("cleared", "Số vụ điều tra, khám phá", "Cases cleared"),
                Column::new("rate", "Tỷ lệ khám phá (%)", "Clearance rate (%)"),
                Column::new("rate_previous", "Tỷ lệ cùng kỳ (%)", "Rate last year (%)"),
                Column::new(
                    "rate_change_points",
                    "Tăng/giảm tỷ lệ (điểm %)",
                    "Rate change (points)",
                ),
                Column::new(
                    "serious_recorded",
                    "Án rất nghiêm trọng, đặc biệt nghiêm trọng",
                    "Very/especially serious cases",
                ),
                Column::new(
                    "serious_rate",
                    "Tỷ lệ khám phá án RNT, ĐBNT (%)",
                    "Very/especially serious clearance (%)",
                ),
                Column::new(
                    "backlog_cleared",
                    "Khám phá án tồn",
                    "Earlier cases cleared",
                ),
            ],
        )?;
        let line = |r: &CrimeRow| {
            vec![
                r.key.unit_cell(lang),
                r.key.category_cell(lang),
                Cell::count(r.recorded.current),
                Cell::count(r.recorded.previous),
                Cell::Int(r.recorded.diff),
                Cell::Percent(r.recorded.pct),
                Cell::count(r.current.cleared),
                Cell::Percent(r.current.rate_pct),
                Cell::Percent(r.previous.rate_pct),
                match r.rate_change_points {
                    Some(x) => Cell::Number(x),
                    None => Cell::Percent(None),
                },
                Cell::count(r.current.serious_recorded),
                Cell::Percent(r.current.serious_rate_pct),
                Cell::count(r.current.backlog_cleared),
            ]
        };
        for r in &self.rows {
            t.push_row(line(r))?;
        }
        if self.by != GroupBy::Total {
            t.push_row(line(&self.total))?;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::cases::Severity;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn percent_change_is_defined_except_on_a_zero_base() {
        assert_eq!(percent_change(9, 12), Some(-25.0));
        assert_eq!(percent_change(15, 12), Some(25.0));
        assert_eq!(percent_change(0, 4), Some(-100.0));
        assert_eq!(percent_change(5, 0), None);
        assert_eq!(percent_change(0, 0), None);
        assert_eq!(rate_pct(0, 0), None);
        let c = Change::new(9, 12);
        assert_eq!(c.diff, -3);
        assert_eq!(c.phrase_vi(), "giảm 3 vụ (-25,00%)");
        assert_eq!(
            Change::new(2, 0).phrase_vi(),
            "tăng 2 vụ (không so sánh được)"
        );
        assert_eq!(Change::new(2, 2).phrase_vi(), "bằng cùng kỳ");
    }

    fn case(unit: &str, article: u16, sev: Severity, disc: &str, solved: Option<&str>) -> CaseRow {
        CaseRow {
            unit: unit.into(),
            article,
            severity: sev,
            discovered_at: t(disc),
            solved_at: solved.map(t),
        }
    }

    #[test]
    fn clearance_counts_only_cases_of_the_period() {
        use Severity::*;
        // Reporting month 3/2026: [2026-02-14T17:00Z, 2026-03-14T17:00Z).
        let cases = vec![
            // recorded and cleared in the period
            case(
                "A",
                173,
                LessSerious,
                "2026-02-20T00:00:00Z",
                Some("2026-02-25T00:00:00Z"),
            ),
            // recorded, solved after the period ends: recorded but not cleared
            case(
                "A",
                173,
                LessSerious,
                "2026-03-10T00:00:00Z",
                Some("2026-03-14T17:00:00Z"),
            ),
            // recorded, unsolved, very serious
            case("A", 123, VerySerious, "2026-03-01T00:00:00Z", None),
            // discovered before, solved in the period: backlog only
            case(
                "A",
                174,
                LessSerious,
                "2026-01-01T00:00:00Z",
                Some("2026-03-01T00:00:00Z"),
            ),
            // outside everything
            case("A", 174, LessSerious, "2026-04-01T00:00:00Z", None),
        ];
        let p = Period::reporting_month(2026, 3).unwrap();
        let r = crime_year_on_year(&cases, &p, &CategoryMap::default(), GroupBy::Unit).unwrap();
        assert_eq!(r.rows.len(), 1);
        let f = r.rows[0].current;
        assert_eq!((f.recorded, f.cleared, f.backlog_cleared), (3, 1, 1));
        assert!((f.rate_pct.unwrap() - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!((f.serious_recorded, f.serious_cleared), (1, 0));
        assert_eq!(f.serious_rate_pct, Some(0.0));
        assert_eq!(r.rows[0].previous.rate_pct, None);
        assert_eq!(r.rows[0].rate_change_points, None);
        assert_eq!(r.rows[0].recorded.pct, None);
    }
}
