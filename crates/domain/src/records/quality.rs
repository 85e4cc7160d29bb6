//! Quality scoring: the four rates of "đúng, đủ, sạch, sống" per unit and for the city.
//!
//! Exact definitions (also in `docs/data-quality.md`), for a unit U and a dimension D on the
//! check date:
//! - **checked(U, D)**: records kept by U whose kind has at least one rule of dimension D in
//!   force (e.g. households have no "alive" rule, so they are not counted for "sống");
//! - **passing(U, D)**: those of them with no *open* finding of dimension D (resolved and
//!   dismissed findings do not count against a record);
//! - **rate(U, D)** = passing ÷ checked, or `None` when nothing was checked.
//!
//! The city figures use the same definitions over every record. A record with two findings of
//! the same dimension fails that dimension once.

use super::check::Checker;
use super::findings::Finding;
use super::fxhash::{FxHashMap, FxHashSet};
use super::rules::{Dimension, RuleId, Severity};
use super::types::{RecordKind, RecordSet};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One dimension's score over a set of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DimensionScore {
    /// Records checked for this dimension.
    pub checked: u64,
    /// Checked records with no open finding of this dimension.
    pub passing: u64,
    /// `passing / checked`, or `None` when `checked` is 0.
    pub rate: Option<f64>,
}

impl DimensionScore {
    fn finish(&mut self) {
        self.rate = (self.checked > 0).then(|| self.passing as f64 / self.checked as f64);
    }
}

/// Quality of one unit's records (or of the whole city's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitQuality {
    /// Unit code; empty for the city.
    pub unit: String,
    /// Number of records by kind.
    pub records: BTreeMap<RecordKind, u64>,
    /// Đúng.
    pub correct: DimensionScore,
    /// Đủ.
    pub complete: DimensionScore,
    /// Sạch.
    pub clean: DimensionScore,
    /// Sống.
    pub alive: DimensionScore,
    /// Open findings of severity error.
    pub open_errors: u64,
    /// Open findings of severity warning.
    pub open_warnings: u64,
    /// Open findings per rule id.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, u64>))]
    pub by_rule: BTreeMap<RuleId, u64>,
}

impl UnitQuality {
    /// The score of one dimension.
    pub fn dimension(&self, d: Dimension) -> &DimensionScore {
        match d {
            Dimension::Correct => &self.correct,
            Dimension::Complete => &self.complete,
            Dimension::Clean => &self.clean,
            Dimension::Alive => &self.alive,
        }
    }

    fn dimension_mut(&mut self, d: Dimension) -> &mut DimensionScore {
        match d {
            Dimension::Correct => &mut self.correct,
            Dimension::Complete => &mut self.complete,
            Dimension::Clean => &mut self.clean,
            Dimension::Alive => &mut self.alive,
        }
    }

    fn absorb(&mut self, other: &UnitQuality) {
        for (k, n) in &other.records {
            *self.records.entry(*k).or_default() += n;
        }
        for d in Dimension::ALL {
            let (src, dst) = (*other.dimension(d), self.dimension_mut(d));
            dst.checked += src.checked;
            dst.passing += src.passing;
        }
        self.open_errors += other.open_errors;
        self.open_warnings += other.open_warnings;
        for (r, n) in &other.by_rule {
            *self.by_rule.entry(*r).or_default() += n;
        }
    }

    fn finish(&mut self) {
        for d in Dimension::ALL {
            self.dimension_mut(d).finish();
        }
    }
}

/// Scores for the city and for each unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// When the check ran.
    pub checked_at: DateTime<Utc>,
    /// The check date (Vietnamese calendar) that selected the rules in force.
    pub check_date: NaiveDate,
    /// The whole city.
    pub city: UnitQuality,
    /// Each unit with at least one record, ordered by unit code.
    pub units: Vec<UnitQuality>,
}

impl QualityReport {
    /// One unit's figures.
    pub fn unit(&self, code: &str) -> Option<&UnitQuality> {
        self.units
            .binary_search_by(|u| u.unit.as_str().cmp(code))
            .ok()
            .map(|i| &self.units[i])
    }
}

impl Checker<'_> {
    /// Scores `records` given the findings of a check run over them (after [`reconcile`] if
    /// statuses from earlier runs are to be honoured: only open findings count).
    ///
    /// [`reconcile`]: super::findings::reconcile
    pub fn score<'r>(&self, records: RecordSet<'r>, findings: &'r [Finding]) -> QualityReport {
        // Records failing each dimension, per unit: counted from the findings (distinct
        // record and dimension), so that the records themselves are only counted, never looked
        // up by id.
        let mut failed: FxHashSet<(RecordKind, &str, Dimension)> = FxHashSet::default();
        let mut per_unit: FxHashMap<&'r str, UnitQuality> = FxHashMap::default();
        let mut failing: FxHashMap<(&'r str, Dimension), u64> = FxHashMap::default();
        for f in findings.iter().filter(|f| f.is_open()) {
            let u = per_unit.entry(f.unit.as_str()).or_default();
            match f.severity {
                Severity::Error => u.open_errors += 1,
                Severity::Warning => u.open_warnings += 1,
            }
            *u.by_rule.entry(f.rule).or_default() += 1;
            if failed.insert((f.record.kind, f.record.id.as_str(), f.dimension)) {
                *failing.entry((f.unit.as_str(), f.dimension)).or_default() += 1;
            }
        }
        let mut counts: FxHashMap<(&'r str, RecordKind), u64> = FxHashMap::default();
        count_units(
            &mut counts,
            RecordKind::Person,
            records.persons.iter().map(|p| p.unit.as_str()),
        );
        count_units(
            &mut counts,
            RecordKind::Household,
            records.households.iter().map(|h| h.unit.as_str()),
        );
        count_units(
            &mut counts,
            RecordKind::Registration,
            records.registrations.iter().map(|r| r.unit.as_str()),
        );
        count_units(
            &mut counts,
            RecordKind::Establishment,
            records.establishments.iter().map(|e| e.unit.as_str()),
        );
        count_units(
            &mut counts,
            RecordKind::Declaration,
            records.declarations.iter().map(|d| d.unit.as_str()),
        );
        for ((unit, kind), n) in counts {
            let q = per_unit.entry(unit).or_default();
            *q.records.entry(kind).or_default() += n;
            for d in Dimension::ALL {
                if self.active.covers(d, kind) {
                    q.dimension_mut(d).checked += n;
                }
            }
        }
        for q in per_unit.values_mut() {
            for d in Dimension::ALL {
                let s = q.dimension_mut(d);
                s.passing = s.checked;
            }
        }
        for ((unit, d), n) in failing {
            let s = per_unit.entry(unit).or_default().dimension_mut(d);
            // Findings only arise on kinds their dimension covers, so this never saturates
            // with the built-in catalogue.
            s.passing = s.passing.saturating_sub(n);
        }
        let mut units: Vec<UnitQuality> = per_unit
            .into_iter()
            .map(|(code, mut q)| {
                q.unit = code.to_string();
                q
            })
            .collect();
        units.sort_by(|a, b| a.unit.cmp(&b.unit));
        let mut city = UnitQuality::default();
        for u in &mut units {
            city.absorb(u);
            u.finish();
        }
        city.finish();
        QualityReport {
            checked_at: self.now,
            check_date: self.today,
            city,
            units,
        }
    }
}

fn count_units<'r>(
    counts: &mut FxHashMap<(&'r str, RecordKind), u64>,
    kind: RecordKind,
    units: impl Iterator<Item = &'r str>,
) {
    // Records of one unit usually come together: count runs, then add each run once.
    let mut run: Option<(&str, u64)> = None;
    for unit in units {
        match &mut run {
            Some((u, n)) if *u == unit => *n += 1,
            _ => {
                if let Some((u, n)) = run.take() {
                    *counts.entry((u, kind)).or_default() += n;
                }
                run = Some((unit, 1));
            }
        }
    }
    if let Some((u, n)) = run {
        *counts.entry((u, kind)).or_default() += n;
    }
}
