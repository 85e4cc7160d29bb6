//! Timing of the in-memory year-on-year report over 5,000,000 incidents and 500,000 cases.
//! Ignored by default (it needs a release build and a few hundred megabytes); run with
//!
//! ```text
//! cargo test --release -p domain --test stats_bench -- --ignored --nocapture
//! ```
//!
//! It prints timings and checks only that the reports agree with a simple recount, never the
//! wall-clock time.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use domain::stats::{
    crime_year_on_year, incident_year_on_year, CaseRow, CategoryMap, GroupBy, IncidentRow, Period,
    Severity,
};

/// xorshift64: deterministic synthetic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CATEGORIES: [&str; 8] = [
    "theft",
    "fight",
    "traffic_accident",
    "fire",
    "rescue",
    "fraud",
    "disorder",
    "other",
];
const ARTICLES: [u16; 8] = [173, 174, 134, 249, 188, 290, 321, 260];

fn data(n_incidents: usize, n_cases: usize) -> (Vec<IncidentRow>, Vec<CaseRow>) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let units: Vec<String> = (0..126).map(|i| format!("{:05}", 4 + i * 31)).collect();
    // Two years and a half of data, 2024-07-01 to 2026-12-31.
    let start = DateTime::parse_from_rfc3339("2024-07-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let span = 913 * 86_400;
    let incidents = (0..n_incidents)
        .map(|_| {
            let at = start + Duration::seconds(rng.below(span) as i64);
            let mut r = IncidentRow::new(
                &units[rng.below(126) as usize],
                CATEGORIES[rng.below(8) as usize],
                1 + rng.below(3) as u8,
                at,
            );
            r.dispatch_secs = Some(20 + rng.below(300) as u32);
            r.travel_secs = Some(120 + rng.below(1200) as u32);
            r
        })
        .collect();
    let cases = (0..n_cases)
        .map(|_| {
            let at = start + Duration::seconds(rng.below(span) as i64);
            let solved = (rng.below(100) < 80)
                .then(|| at + Duration::seconds(rng.below(90 * 86_400) as i64));
            CaseRow {
                unit: units[rng.below(126) as usize].clone(),
                article: ARTICLES[rng.below(8) as usize],
                severity: Severity::ALL[rng.below(4) as usize],
                discovered_at: at,
                solved_at: solved,
            }
        })
        .collect();
    (incidents, cases)
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn year_on_year_report_5m_incidents_500k_cases() {
    let t = Instant::now();
    let (incidents, cases) = data(5_000_000, 500_000);
    eprintln!("generated data in {:?}", t.elapsed());
    let map = CategoryMap::default();
    let period = Period::reporting_year(2026).unwrap();
    for by in [GroupBy::Total, GroupBy::Unit, GroupBy::UnitCategory] {
        let mut best = std::time::Duration::MAX;
        let mut last = None;
        for _ in 0..3 {
            let t = Instant::now();
            let inc = incident_year_on_year(&incidents, &period, by).unwrap();
            let crime = crime_year_on_year(&cases, &period, &map, by).unwrap();
            best = best.min(t.elapsed());
            last = Some((inc, crime));
        }
        let (inc, crime) = last.unwrap();
        eprintln!(
            "year-on-year by {by:?}: {} incident rows + {} crime rows in {:?} (best of 3)",
            inc.rows.len(),
            crime.rows.len(),
            best
        );
        // Cross-check against a plain recount.
        let (s, e) = period.utc_range();
        let cur = incidents
            .iter()
            .filter(|r| r.created_at >= s && r.created_at < e)
            .count() as u64;
        assert_eq!(inc.total.current, cur);
        let recorded = cases
            .iter()
            .filter(|r| r.discovered_at >= s && r.discovered_at < e)
            .count() as u64;
        assert_eq!(crime.total.recorded.current, recorded);
    }
}
