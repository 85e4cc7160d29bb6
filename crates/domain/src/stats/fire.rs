//! Fire, explosion and rescue figures ("cháy, nổ, cứu nạn cứu hộ"): per family, the number
//! of incidents, deaths, injuries, people rescued and property damage, compared with the same
//! period of the previous year.

use serde::{Deserialize, Serialize};

use super::compare::Change;
use super::incidents::IncidentRow;
use super::period::Period;
use super::StatsError;
use crate::report::{Cell, Column, Lang, Table};

/// The three families of fire-service incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FireFamily {
    /// Cháy.
    Fire,
    /// Nổ.
    Explosion,
    /// Sự cố, tai nạn (cứu nạn, cứu hộ).
    Rescue,
}

impl FireFamily {
    /// All families in report order.
    pub const ALL: [FireFamily; 3] = [FireFamily::Fire, FireFamily::Explosion, FireFamily::Rescue];

    /// Stable code, as serialised (`fire`, `explosion`, `rescue`).
    pub fn code(self) -> &'static str {
        match self {
            FireFamily::Fire => "fire",
            FireFamily::Explosion => "explosion",
            FireFamily::Rescue => "rescue",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            FireFamily::Fire => "Cháy",
            FireFamily::Explosion => "Nổ",
            FireFamily::Rescue => "Sự cố, tai nạn (CNCH)",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            FireFamily::Fire => "Fire",
            FireFamily::Explosion => "Explosion",
            FireFamily::Rescue => "Rescue",
        }
    }
}

/// Which incident categories belong to which family. A category in no list is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyMap {
    /// Categories counted as fires.
    pub fire: Vec<String>,
    /// Categories counted as explosions.
    pub explosion: Vec<String>,
    /// Categories counted as rescue incidents.
    pub rescue: Vec<String>,
}

impl Default for FamilyMap {
    fn default() -> Self {
        Self {
            fire: vec!["fire".into()],
            explosion: vec!["explosion".into()],
            rescue: vec!["rescue".into()],
        }
    }
}

impl FamilyMap {
    /// The family of a category (the first list naming it wins).
    pub fn family_of(&self, category: &str) -> Option<FireFamily> {
        if self.fire.iter().any(|c| c == category) {
            Some(FireFamily::Fire)
        } else if self.explosion.iter().any(|c| c == category) {
            Some(FireFamily::Explosion)
        } else if self.rescue.iter().any(|c| c == category) {
            Some(FireFamily::Rescue)
        } else {
            None
        }
    }
}

/// Sums of one family in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FireFigures {
    /// Incidents (số vụ).
    pub count: u64,
    /// People dead.
    pub deaths: u64,
    /// People injured.
    pub injured: u64,
    /// People rescued alive.
    pub rescued: u64,
    /// Sum of assessed damage, VND.
    pub damage_vnd: u64,
    /// Incidents whose damage was assessed (the rest contribute nothing to `damage_vnd`).
    pub damage_assessed: u64,
    /// Reports of the family declared false alarms (not in `count`).
    pub false_alarms: u64,
}

impl FireFigures {
    fn add(&mut self, r: &IncidentRow) {
        if !r.confirmed {
            self.false_alarms += u64::from(r.false_alarm);
            return;
        }
        self.count += 1;
        self.deaths += u64::from(r.deaths);
        self.injured += u64::from(r.injured);
        self.rescued += u64::from(r.rescued);
        if let Some(d) = r.damage_vnd {
            self.damage_vnd = self.damage_vnd.saturating_add(d);
            self.damage_assessed += 1;
        }
    }
}

/// One family's figures, now and a year earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyRow {
    /// The family.
    pub family: FireFamily,
    /// Figures of the period.
    pub current: FireFigures,
    /// Figures of the same period last year.
    pub previous: FireFigures,
    /// Incident counts compared.
    pub count: Change,
    /// Deaths compared.
    pub deaths: Change,
    /// Injuries compared.
    pub injured: Change,
}

/// Fire, explosion and rescue report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FireReport {
    /// The period.
    pub period: Period,
    /// The same period of the previous year.
    pub previous_period: Period,
    /// One row per family, always all three, in [`FireFamily::ALL`] order.
    pub rows: Vec<FamilyRow>,
}

/// Fire, explosion and rescue figures for incidents created in `period` and in the same period
/// of the previous year, optionally for one unit only. Only confirmed incidents count (a false
/// alarm, a cancelled or unverified report is not a fire); false alarms are counted apart.
///
/// SQL: `SELECT family(category), SUM(confirmed), SUM(deaths), SUM(injured), SUM(rescued),
/// SUM(damage_vnd), COUNT(damage_vnd) (each over confirmed rows), SUM(false_alarm AND NOT
/// confirmed) FROM incidents WHERE created_at in window [AND unit = :unit] GROUP BY family`,
/// once per window.
pub fn fire_report(
    rows: &[IncidentRow],
    period: &Period,
    map: &FamilyMap,
    unit: Option<&str>,
) -> Result<FireReport, StatsError> {
    let previous_period = period.same_period_previous_year()?;
    let cur = period.utc_range();
    let prev = previous_period.utc_range();
    let mut acc = [[FireFigures::default(); 2]; 3];
    for r in rows {
        if unit.is_some_and(|u| u != r.unit) {
            continue;
        }
        let c = cur.0 <= r.created_at && r.created_at < cur.1;
        let p = prev.0 <= r.created_at && r.created_at < prev.1;
        if !(c || p) {
            continue;
        }
        let Some(fam) = map.family_of(&r.category) else {
            continue;
        };
        let slot = &mut acc[fam as usize];
        if c {
            slot[0].add(r);
        }
        if p {
            slot[1].add(r);
        }
    }
    let rows = FireFamily::ALL
        .into_iter()
        .map(|family| {
            let [current, previous] = acc[family as usize];
            FamilyRow {
                family,
                current,
                previous,
                count: Change::new(current.count, previous.count),
                deaths: Change::new(current.deaths, previous.deaths),
                injured: Change::new(current.injured, previous.injured),
            }
        })
        .collect();
    Ok(FireReport {
        period: *period,
        previous_period,
        rows,
    })
}

impl FireReport {
    /// Report table: one row per family.
    pub fn to_table(&self, lang: Lang) -> Result<Table, StatsError> {
        let mut t = Table::new(
            &format!("Tình hình cháy, nổ và CNCH — {}", self.period.label_vi()),
            &format!("Fire, explosion and rescue — {}", self.period.label_en()),
            vec![
                Column::new("family", "Loại", "Type"),
                Column::new("count", "Số vụ", "Incidents"),
                Column::new("count_previous", "Cùng kỳ", "Same period last year"),
                Column::new("count_pct", "Tăng/giảm (%)", "Change (%)"),
                Column::new("deaths", "Người chết", "Dead"),
                Column::new("deaths_previous", "Người chết cùng kỳ", "Dead last year"),
                Column::new("injured", "Người bị thương", "Injured"),
                Column::new("rescued", "Người được cứu", "People rescued"),
                Column::new("damage_vnd", "Thiệt hại (đồng)", "Damage (VND)"),
                Column::new(
                    "false_alarms",
                    "Báo cháy giả (không tính)",
                    "False alarms (not counted)",
                ),
            ],
        )?;
        for r in &self.rows {
            t.push_row(vec![
                Cell::text(match lang {
                    Lang::Vi => r.family.label_vi(),
                    Lang::En => r.family.label_en(),
                }),
                Cell::count(r.current.count),
                Cell::count(r.previous.count),
                Cell::Percent(r.count.pct),
                Cell::count(r.current.deaths),
                Cell::count(r.previous.deaths),
                Cell::count(r.current.injured),
                Cell::count(r.current.rescued),
                Cell::count(r.current.damage_vnd),
                Cell::count(r.current.false_alarms),
            ])?;
        }
        Ok(t)
    }
}

/// One line of a breakdown under the fire table: a cause, a type of premises or a unit, and
/// its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownLine {
    pub label_vi: String,
    pub label_en: String,
    pub figures: FireFigures,
}

/// Appends a breakdown of the period's fires to the fire table, as the paper report has it
/// under the totals: a heading line, then one line per cause, type of premises or unit with its
/// figures in the columns of the current period (incidents, dead, injured, rescued, damage,
/// false alarms); the year-on-year columns stay empty.
pub fn push_breakdown(
    table: &mut Table,
    lang: Lang,
    heading: (&str, &str),
    lines: &[BreakdownLine],
) -> Result<(), StatsError> {
    let width = table.columns.len();
    let column = |key: &str| table.columns.iter().position(|c| c.key == key);
    let slots = [
        (
            column("count"),
            (|f: &FireFigures| f.count) as fn(&FireFigures) -> u64,
        ),
        (column("deaths"), |f| f.deaths),
        (column("injured"), |f| f.injured),
        (column("rescued"), |f| f.rescued),
        (column("damage_vnd"), |f| f.damage_vnd),
        (column("false_alarms"), |f| f.false_alarms),
    ];
    let pick = |vi: &str, en: &str| match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    };
    let mut head = vec![Cell::Empty; width];
    head[0] = Cell::Text(pick(heading.0, heading.1));
    table.push_row(head)?;
    for l in lines {
        let mut cells = vec![Cell::Empty; width];
        cells[0] = Cell::Text(format!("  {}", pick(&l.label_vi, &l.label_en)));
        for (at, value) in &slots {
            if let Some(cell) = at.and_then(|i| cells.get_mut(i)) {
                *cell = Cell::count(value(&l.figures));
            }
        }
        table.push_row(cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn sums_per_family_with_year_on_year() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut a = IncidentRow::new("A", "fire", 1, t("2026-03-01T00:00:00Z"));
        a.deaths = 1;
        a.injured = 2;
        a.damage_vnd = Some(500_000_000);
        let mut b = IncidentRow::new("B", "fire", 1, t("2026-03-02T00:00:00Z"));
        b.rescued = 4;
        let c = IncidentRow::new("A", "fire", 1, t("2025-03-05T00:00:00Z"));
        let d = IncidentRow::new("A", "rescue", 2, t("2026-03-03T00:00:00Z"));
        let e = IncidentRow::new("A", "theft", 2, t("2026-03-03T00:00:00Z"));
        // A false alarm and a report cancelled unverified are no fires; the false alarm is
        // counted apart.
        let mut f = IncidentRow::new("A", "fire", 1, t("2026-03-04T00:00:00Z"));
        f.confirmed = false;
        f.false_alarm = true;
        f.injured = 9;
        let mut g = IncidentRow::new("B", "fire", 1, t("2026-03-04T00:00:00Z"));
        g.confirmed = false;
        let rows = vec![a, b, c, d, e, f, g];
        let p = Period::month(2026, 3).unwrap();
        let r = fire_report(&rows, &p, &FamilyMap::default(), None).unwrap();
        let fire = &r.rows[0];
        assert_eq!(fire.current.count, 2);
        assert_eq!(fire.current.deaths, 1);
        assert_eq!(fire.current.injured, 2);
        assert_eq!(fire.current.rescued, 4);
        assert_eq!(fire.current.damage_vnd, 500_000_000);
        assert_eq!(fire.current.damage_assessed, 1);
        assert_eq!(fire.current.false_alarms, 1);
        assert_eq!(fire.count.pct, Some(100.0));
        assert_eq!(r.rows[1].current.count, 0);
        assert_eq!(r.rows[1].count.pct, None);
        assert_eq!(r.rows[2].current.count, 1);
        let only_b = fire_report(&rows, &p, &FamilyMap::default(), Some("B")).unwrap();
        assert_eq!(only_b.rows[0].current.count, 1);
        assert_eq!(only_b.rows[0].previous.count, 0);
        assert_eq!(r.to_table(Lang::Vi).unwrap().rows.len(), 3);
    }

    #[test]
    fn a_breakdown_goes_under_the_table_in_the_current_columns() {
        let p = Period::month(2026, 3).unwrap();
        let r = fire_report(&[], &p, &FamilyMap::default(), None).unwrap();
        let mut t = r.to_table(Lang::Vi).unwrap();
        let before = t.rows.len();
        let electrical = FireFigures {
            count: 3,
            deaths: 1,
            injured: 2,
            rescued: 4,
            damage_vnd: 50_000_000,
            damage_assessed: 2,
            false_alarms: 0,
        };
        let lines = [
            BreakdownLine {
                label_vi: "Sự cố điện".into(),
                label_en: "Electrical fault".into(),
                figures: electrical,
            },
            BreakdownLine {
                label_vi: "Đun nấu".into(),
                label_en: "Cooking".into(),
                figures: FireFigures {
                    count: 1,
                    ..FireFigures::default()
                },
            },
        ];
        push_breakdown(&mut t, Lang::En, ("Theo nguyên nhân", "By cause"), &lines).unwrap();
        assert_eq!(t.rows.len(), before + 3);
        assert_eq!(t.rows[before][0], Cell::text("By cause"));
        assert!(t.rows[before][1..].iter().all(|c| *c == Cell::Empty));
        // type, count, previous, %, dead, dead previous, injured, rescued, damage, false alarms
        assert_eq!(
            t.rows[before + 1],
            vec![
                Cell::text("  Electrical fault"),
                Cell::Int(3),
                Cell::Empty,
                Cell::Empty,
                Cell::Int(1),
                Cell::Empty,
                Cell::Int(2),
                Cell::Int(4),
                Cell::Int(50_000_000),
                Cell::Int(0),
            ]
        );
        assert_eq!(t.rows[before + 2][1], Cell::Int(1));
        t.validate().unwrap();
    }
}
