//! The force's periodic crime report (báo cáo định kỳ tình hình tội phạm): for a reporting
//! period, by unit with a total line, the cases discovered (số vụ), the same period of the
//! previous year (so với cùng kỳ), the cases solved (số vụ khám phá) and the clearance rate,
//! the very and especially serious cases, the cases still open at the period's end (số vụ tồn),
//! and the cases discovered by crime group.
//!
//! Definitions (also in `docs/statistics.md`), for the period's UTC window `[start, end)`:
//! - **số vụ**: cases discovered in the window;
//! - **cùng kỳ**: cases discovered in the same window of the previous year, with the change in
//!   cases and percent as [`Change`] computes it (no percent when last year had none);
//! - **số vụ khám phá**: of the cases discovered in the window, those solved before its end,
//!   and **tỷ lệ khám phá** = khám phá ÷ số vụ × 100 (the clearance rate of
//!   [`super::compare`]);
//! - **án RNT, ĐBNT**: cases discovered in the window that are very or especially serious;
//! - **số vụ tồn**: cases discovered before the end, not solved before the end and not ended
//!   (discontinued or sent for prosecution) before the end, whenever they were discovered;
//!   suspended cases are open;
//! - **by crime group**: cases discovered in the window, by [`CrimeGroup`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::compare::{rate_pct, Change};
use super::period::Period;
use super::{CategoryMap, CrimeGroup, Severity, StatsError};
use crate::report::{Cell, Column, Lang, Table};

/// One case as the periodic report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicCaseRow {
    /// Unit code.
    pub unit: String,
    /// Penal Code article.
    pub article: u16,
    /// Severity class.
    pub severity: Severity,
    /// When it was discovered.
    pub discovered_at: DateTime<Utc>,
    /// When it was solved, if it was.
    pub solved_at: Option<DateTime<Utc>>,
    /// When it ended (discontinued or sent for prosecution), if it did.
    pub ended_at: Option<DateTime<Utc>>,
}

/// The figures of one unit, or of the whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodicFigures {
    /// Cases discovered in the period (số vụ).
    pub recorded: u64,
    /// Cases discovered, compared with the same period of the previous year.
    pub compared: Change,
    /// Of the cases discovered, solved before the period's end (số vụ khám phá).
    pub solved: u64,
    /// `solved ÷ recorded × 100`; `None` when nothing was discovered.
    pub solved_pct: Option<f64>,
    /// Very or especially serious cases discovered (án RNT, ĐBNT).
    pub serious: u64,
    /// Cases open at the period's end (số vụ tồn).
    pub open_at_end: u64,
    /// Cases discovered by crime group, in [`CrimeGroup::ALL`] order.
    pub by_group: Vec<GroupCount>,
}

/// Cases of one crime group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupCount {
    /// Group code.
    pub group: String,
    /// Cases.
    pub count: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Acc {
    recorded: u64,
    previous: u64,
    solved: u64,
    serious: u64,
    open: u64,
    groups: [u64; 6],
}

impl Acc {
    fn merge(&mut self, o: &Acc) {
        self.recorded += o.recorded;
        self.previous += o.previous;
        self.solved += o.solved;
        self.serious += o.serious;
        self.open += o.open;
        for (a, b) in self.groups.iter_mut().zip(o.groups) {
            *a += b;
        }
    }

    fn figures(&self) -> PeriodicFigures {
        PeriodicFigures {
            recorded: self.recorded,
            compared: Change::new(self.recorded, self.previous),
            solved: self.solved,
            solved_pct: rate_pct(self.solved, self.recorded),
            serious: self.serious,
            open_at_end: self.open,
            by_group: CrimeGroup::ALL
                .iter()
                .zip(self.groups)
                .map(|(g, count)| GroupCount {
                    group: g.code().to_owned(),
                    count,
                })
                .collect(),
        }
    }
}

/// One unit's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodicLine {
    /// Unit code.
    pub unit: String,
    /// Its figures.
    pub figures: PeriodicFigures,
}

/// The periodic report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodicReport {
    /// The period.
    pub period: Period,
    /// The same period of the previous year.
    pub previous_period: Period,
    /// One line per unit with any figure, by unit code.
    pub rows: Vec<PeriodicLine>,
    /// The sum of the lines.
    pub total: PeriodicFigures,
}

fn within(t: DateTime<Utc>, (a, b): (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a <= t && t < b
}

/// The periodic report of `cases` for `period`. Only cases discovered before the period's end
/// matter; the caller may pass more.
pub fn periodic_report(
    cases: &[PeriodicCaseRow],
    period: &Period,
    map: &CategoryMap,
) -> Result<PeriodicReport, StatsError> {
    let previous_period = period.same_period_previous_year()?;
    let cur = period.utc_range();
    let prev = previous_period.utc_range();
    let end = cur.1;
    let mut by_unit: std::collections::BTreeMap<&str, Acc> = Default::default();
    for c in cases {
        let recorded = within(c.discovered_at, cur);
        let previous = within(c.discovered_at, prev);
        let open = c.discovered_at < end
            && c.solved_at.is_none_or(|s| s >= end)
            && c.ended_at.is_none_or(|e| e >= end);
        if !(recorded || previous || open) {
            continue;
        }
        let acc = by_unit.entry(c.unit.as_str()).or_default();
        acc.previous += u64::from(previous);
        acc.open += u64::from(open);
        if recorded {
            acc.recorded += 1;
            acc.solved += u64::from(c.solved_at.is_some_and(|s| s < end));
            acc.serious += u64::from(c.severity.is_very_or_especially_serious());
            let g = map.group_of(c.article);
            if let Some(i) = CrimeGroup::ALL.iter().position(|x| *x == g) {
                acc.groups[i] += 1;
            }
        }
    }
    let mut total = Acc::default();
    let rows = by_unit
        .into_iter()
        .map(|(unit, acc)| {
            total.merge(&acc);
            PeriodicLine {
                unit: unit.to_owned(),
                figures: acc.figures(),
            }
        })
        .collect();
    Ok(PeriodicReport {
        period: *period,
        previous_period,
        rows,
        total: total.figures(),
    })
}

impl PeriodicReport {
    /// The report as a table, laid out as the force's form: unit code and name, then the
    /// figures, then one column per crime group, and a total line. `unit_name` gives a unit's
    /// Vietnamese name.
    pub fn to_table(
        &self,
        lang: Lang,
        unit_name: impl Fn(&str) -> String,
    ) -> Result<Table, StatsError> {
        let mut columns = vec![
            Column::new("unit_code", "Mã đơn vị", "Unit code"),
            Column::new("unit", "Đơn vị", "Unit"),
            Column::new("recorded", "Số vụ", "Cases"),
            Column::new("previous", "Cùng kỳ", "Same period last year"),
            Column::new("diff", "Tăng/giảm (vụ)", "Change"),
            Column::new("pct", "Tăng/giảm (%)", "Change (%)"),
            Column::new("solved", "Số vụ khám phá", "Cases solved"),
            Column::new("solved_pct", "Tỷ lệ khám phá (%)", "Clearance rate (%)"),
            Column::new(
                "serious",
                "Án rất nghiêm trọng, đặc biệt nghiêm trọng",
                "Very/especially serious cases",
            ),
            Column::new("open_at_end", "Số vụ tồn", "Open at the end"),
        ];
        for g in CrimeGroup::ALL {
            columns.push(Column::new(g.code(), g.label_vi(), g.label_en()));
        }
        let mut t = Table::new(
            &format!("Báo cáo tình hình tội phạm — {}", self.period.label_vi()),
            &format!("Crime report — {}", self.period.label_en()),
            columns,
        )?;
        let line = |code: Cell, name: Cell, f: &PeriodicFigures| {
            let mut cells = vec![
                code,
                name,
                Cell::count(f.recorded),
                Cell::count(f.compared.previous),
                Cell::Int(f.compared.diff),
                Cell::Percent(f.compared.pct),
                Cell::count(f.solved),
                Cell::Percent(f.solved_pct),
                Cell::count(f.serious),
                Cell::count(f.open_at_end),
            ];
            cells.extend(f.by_group.iter().map(|g| Cell::count(g.count)));
            cells
        };
        for r in &self.rows {
            t.push_row(line(
                Cell::text(r.unit.clone()),
                Cell::text(unit_name(&r.unit)),
                &r.figures,
            ))?;
        }
        t.push_row(line(
            Cell::Empty,
            Cell::text(match lang {
                Lang::Vi => "Tổng cộng",
                Lang::En => "Total",
            }),
            &self.total,
        ))?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn row(
        unit: &str,
        article: u16,
        severity: Severity,
        discovered: &str,
        solved: Option<&str>,
        ended: Option<&str>,
    ) -> PeriodicCaseRow {
        PeriodicCaseRow {
            unit: unit.into(),
            article,
            severity,
            discovered_at: t(discovered),
            solved_at: solved.map(t),
            ended_at: ended.map(t),
        }
    }

    #[test]
    fn figures_follow_the_definitions() {
        use Severity::*;
        // Reporting month 3/2026: 15/02 to 14/03 Vietnam time, [2026-02-14T17:00Z, 2026-03-14T17:00Z).
        let period: Period = "R2026-03".parse().unwrap();
        let cases = [
            // In the period, solved inside it.
            row(
                "00004",
                173,
                LessSerious,
                "2026-02-20T03:00:00Z",
                Some("2026-02-25T03:00:00Z"),
                None,
            ),
            // In the period, solved after it: recorded, not solved, open at the end.
            row(
                "00004",
                249,
                VerySerious,
                "2026-03-01T03:00:00Z",
                Some("2026-04-01T00:00:00Z"),
                None,
            ),
            // Discovered on the last day (Vietnam time), still open.
            row("00004", 174, Serious, "2026-03-14T16:59:00Z", None, None),
            // Just after the period: not counted at all.
            row("00004", 174, Serious, "2026-03-14T17:00:00Z", None, None),
            // Before the period, still open: open at the end only.
            row(
                "00008",
                173,
                LessSerious,
                "2026-01-05T00:00:00Z",
                None,
                None,
            ),
            // Before the period, discontinued in it: not open.
            row(
                "00008",
                173,
                LessSerious,
                "2026-01-06T00:00:00Z",
                None,
                Some("2026-03-01T00:00:00Z"),
            ),
            // Same period last year.
            row(
                "00004",
                173,
                LessSerious,
                "2025-02-20T03:00:00Z",
                Some("2025-02-21T00:00:00Z"),
                None,
            ),
            row(
                "00008",
                173,
                LessSerious,
                "2025-03-01T03:00:00Z",
                Some("2025-03-02T00:00:00Z"),
                None,
            ),
            // In the period, especially serious, discontinued in it.
            row(
                "00008",
                123,
                EspeciallySerious,
                "2026-03-02T00:00:00Z",
                None,
                Some("2026-03-10T00:00:00Z"),
            ),
        ];
        let r = periodic_report(&cases, &period, &CategoryMap::default()).unwrap();
        assert_eq!(r.rows.len(), 2);
        let a = &r.rows[0].figures;
        assert_eq!(r.rows[0].unit, "00004");
        assert_eq!((a.recorded, a.compared.previous, a.solved), (3, 1, 1));
        assert_eq!(a.compared.pct, Some(200.0));
        assert_eq!(a.serious, 1);
        assert_eq!(a.open_at_end, 2);
        let groups: Vec<u64> = a.by_group.iter().map(|g| g.count).collect();
        assert_eq!(groups, [2, 0, 1, 0, 0, 0]);
        let b = &r.rows[1].figures;
        assert_eq!((b.recorded, b.compared.previous, b.solved), (1, 1, 0));
        assert_eq!(b.compared.pct, Some(0.0));
        assert_eq!(b.solved_pct, Some(0.0));
        assert_eq!((b.serious, b.open_at_end), (1, 1));
        let total = &r.total;
        assert_eq!(
            (total.recorded, total.compared.previous, total.solved),
            (4, 2, 1)
        );
        assert_eq!(total.solved_pct, Some(25.0));
        assert_eq!(total.compared.pct, Some(100.0));
        assert_eq!(total.open_at_end, 3);
        let table = r.to_table(Lang::Vi, |c| format!("Phường {c}")).unwrap();
        let csv = String::from_utf8(table.to_csv(Lang::Vi).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[1],
            "00004,Phường 00004,3,1,2,200.00,1,33.33,1,2,2,0,1,0,0,0"
        );
        assert_eq!(lines[3], ",Tổng cộng,4,2,2,100.00,1,25.00,2,3,3,0,1,0,0,0");
    }

    #[test]
    fn an_empty_register_gives_a_total_of_zeros() {
        let period: Period = "R2026".parse().unwrap();
        let r = periodic_report(&[], &period, &CategoryMap::default()).unwrap();
        assert!(r.rows.is_empty());
        assert_eq!(r.total.recorded, 0);
        assert_eq!(r.total.solved_pct, None);
        assert_eq!(r.total.compared.pct, None);
    }
}
