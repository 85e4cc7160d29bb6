//! Statistics for leaders' dashboards and meeting reports: incident and crime counts by unit,
//! category and period, comparison with the same period of the previous year ("so với cùng
//! kỳ"), clearance rate ("tỷ lệ điều tra, khám phá"), response times, and fire, explosion and
//! rescue figures.
//!
//! Every report is a pure function over slices of plain rows ([`IncidentRow`], [`CaseRow`])
//! and a [`Period`]. The store runs the same definitions as aggregate SQL on large data; these
//! functions are the reference the SQL results are tested against. Each definition is written
//! out in [`definitions`] (Vietnamese and English, plus the SQL shape) and in
//! `docs/statistics.md`.
//!
//! Times are UTC instants; periods are whole days in Vietnam time (UTC+7) and resolve to
//! half-open UTC ranges with [`Period::utc_range`].

pub mod case_status;
pub mod cases;
pub mod compare;
pub mod definitions;
pub mod false_alarms;
pub mod fire;
pub mod incidents;
pub mod period;
pub mod periodic;
pub mod response;

pub use case_status::{change_status, CaseStanding, CaseStatus, StatusChange};
pub use cases::{CaseRecord, CaseRow, CategoryMap, CrimeGroup, MaxPenalty, Severity};
pub use compare::{
    crime_year_on_year, incident_year_on_year, percent_change, rate_pct, Change, ClearanceFigures,
    CountReport, CountRow, CrimeReport, CrimeRow, GroupBy, GroupKey,
};
pub use definitions::{Definition, DEFINITIONS};
pub use fire::{
    fire_report, push_breakdown, BreakdownLine, FamilyMap, FireFamily, FireFigures, FireReport,
};
pub use incidents::{incident_counts, incident_series, IncidentRow, Series};
pub use period::{Granularity, Period, PeriodKind};
pub use response::{
    response_times, ResponseGroupBy, ResponseReport, ResponseRow, ResponseTargets, Stage,
};

use chrono::NaiveDate;

/// Errors of the statistics area.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A year outside the supported range (1900–9998).
    #[error("year {year} is outside the supported range")]
    YearOutOfRange {
        /// The year given.
        year: i32,
    },
    /// A month, quarter or half number out of range.
    #[error("{what} {value} is out of range")]
    PeriodField {
        /// "month", "quarter" or "half".
        what: &'static str,
        /// The value given.
        value: u32,
    },
    /// A calendar date that does not exist.
    #[error("no such date: {year}-{month}-{day}")]
    InvalidDate {
        /// Year.
        year: i32,
        /// Month.
        month: u32,
        /// Day.
        day: u32,
    },
    /// A custom range whose last day is before its first.
    #[error("custom period ends ({last}) before it starts ({first})")]
    EmptyRange {
        /// First day.
        first: NaiveDate,
        /// Last day.
        last: NaiveDate,
    },
    /// A period string that is not in the documented text form.
    #[error("cannot read period {input:?} (expected e.g. 2026-03, R2026-03, R2026-Q1, R2026)")]
    PeriodSyntax {
        /// The text given.
        input: String,
    },
    /// A line of a category mapping that cannot be read.
    #[error("category mapping line {line}: {reason}")]
    CategoryMapping {
        /// One-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A Penal Code article number out of the supported range.
    #[error("penal code article {article} is out of range 1..={max}")]
    ArticleOutOfRange {
        /// The article given.
        article: u32,
        /// Highest supported article.
        max: u32,
    },
    /// A case solved before it was discovered.
    #[error("case {id} is solved ({solved}) before it was discovered ({discovered})")]
    SolvedBeforeDiscovered {
        /// Case id.
        id: String,
        /// Discovery time.
        discovered: chrono::DateTime<chrono::Utc>,
        /// Solving time.
        solved: chrono::DateTime<chrono::Utc>,
    },
    /// A prison term of zero months for a custodial bracket.
    #[error("a prison bracket must be at least one month")]
    ZeroPrisonTerm,
    /// A case status change the procedure does not allow.
    #[error("a case cannot go from {from} to {to}")]
    CaseTransition {
        /// Current status code.
        from: &'static str,
        /// Requested status code.
        to: &'static str,
    },
    /// A case status date out of order (before the discovery or the current status, or in
    /// the future).
    #[error("status date: {reason}")]
    CaseStatusDate {
        /// What is wrong.
        reason: String,
    },
    /// A number of suspects out of range.
    #[error("suspects: {value} is not a number of people (0 to 10000)")]
    Suspects {
        /// The value given.
        value: i64,
    },
    /// A report table could not be built.
    #[error("report table: {0}")]
    Table(String),
}

impl From<crate::report::ReportError> for StatsError {
    fn from(e: crate::report::ReportError) -> Self {
        StatsError::Table(e.to_string())
    }
}

/// Hasher for the in-memory aggregations: the multiply-rotate hash used by rustc ("Fx").
/// The grouping keys are unit and category codes from our own store, not attacker-chosen, so
/// SipHash's flooding resistance buys nothing here and costs a third of the report time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxBuild;

impl std::hash::BuildHasher for FxBuild {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

/// See [`FxBuild`].
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
