//! `binhyen eval-addresses`: measures the location resolver on address sets (`*.jsonl`, one
//! address a line, with the units a local officer would accept) against the unit-name resolver
//! it replaced, in the same run: top-1, right unit among the candidates, silent misroutes (one
//! confident wrong answer, or a confident answer where the text names no place) and latency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use domain::units::{LatLon, UnitDirectory};
use serde::{Deserialize, Serialize};

/// One address of a set.
#[derive(Debug, Clone, Deserialize)]
pub struct AddressCase {
    /// Identifier within the set.
    pub id: String,
    /// The address as typed or said.
    pub text: String,
    /// Units a local officer would accept; empty when the text names no place.
    pub units: Vec<String>,
    /// The form of address (house_street, junction, landmark, …).
    #[serde(default)]
    pub form: String,
    /// Coordinates shared with the text, `[lat, lon]`.
    #[serde(default)]
    pub gps: Option<[f64; 2]>,
}

/// Counts for one set, one form or the whole, for one resolver.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Addresses that name a place.
    pub addresses: usize,
    /// First candidate accepted.
    pub top1: usize,
    /// An accepted unit among the candidates.
    pub among: usize,
    /// Answered with one confident unit.
    pub assigned: usize,
    /// One confident unit that is not accepted, or a confident unit for a text that names no
    /// place.
    pub silent_misroutes: usize,
    /// Texts that name no place.
    pub no_place: usize,
    /// Of those, answered with no candidate or as ambiguous.
    pub no_place_kept_open: usize,
}

impl Tally {
    fn rate(n: usize, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            n as f64 / d as f64
        }
    }

    /// Share of addresses whose first candidate is accepted.
    pub fn top1_rate(&self) -> f64 {
        Self::rate(self.top1, self.addresses)
    }

    /// Share of addresses with an accepted unit among the candidates.
    pub fn among_rate(&self) -> f64 {
        Self::rate(self.among, self.addresses)
    }
}

/// Report for one set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SetReport {
    /// File stem of the set.
    pub split: String,
    /// The resolver of this version.
    pub resolver: Tally,
    /// The unit-name resolver before (its first match was assigned without asking).
    pub baseline: Tally,
    /// Per form, this version's resolver.
    pub by_form: BTreeMap<String, Tally>,
    /// Latency of this version's resolver, microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
    /// Latency of the baseline, p50 and p99, microseconds.
    pub baseline_p50_us: f64,
    /// Baseline 99th percentile, microseconds.
    pub baseline_p99_us: f64,
    /// Ids of silent misroutes, for reading.
    pub misroutes: Vec<String>,
}

/// Reads a set.
pub fn read_set(path: &Path) -> anyhow::Result<Vec<AddressCase>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: AddressCase = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", path.display(), i + 1))?;
        out.push(case);
    }
    Ok(out)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}

/// Rounds of timing per address: the first warms the caches and is not counted.
const ROUNDS: usize = 6;

/// Measures one set.
pub fn evaluate(units: &UnitDirectory, split: &str, cases: &[AddressCase]) -> SetReport {
    let mut report = SetReport {
        split: split.to_owned(),
        ..SetReport::default()
    };
    let mut times = Vec::new();
    let mut base_times = Vec::new();
    for case in cases {
        for unit in &case.units {
            if units.get(unit).is_none() {
                tracing::warn!(id = %case.id, unit, "the set names a unit that is not loaded");
            }
        }
        let shared = case.gps.map(|[lat, lon]| LatLon { lat, lon });
        let mut resolution = None;
        for round in 0..ROUNDS {
            let t = Instant::now();
            let r = units.resolve_at(&case.text, shared);
            let us = t.elapsed().as_secs_f64() * 1e6;
            let t = Instant::now();
            let b = units.resolve_address(&case.text).len();
            let base_us = t.elapsed().as_secs_f64() * 1e6;
            std::hint::black_box(b);
            if round > 0 {
                times.push(us);
                base_times.push(base_us);
            }
            resolution = Some(r);
        }
        let Some(r) = resolution else { continue };
        let codes: Vec<&str> = r.candidates.iter().map(|c| c.unit.code.as_str()).collect();
        let assigned = r.assigned().map(|u| u.code.as_str());
        // The resolver before: unit names only, no point; its first match was assigned.
        let before: Vec<String> = match shared.and_then(|p| units.locate(p.lat, p.lon).ok()) {
            Some(location) if location.unit().is_some() => location
                .unit()
                .map(|u| vec![u.code.clone()])
                .unwrap_or_default(),
            _ => units
                .resolve_address(&case.text)
                .iter()
                .map(|m| m.unit.code.clone())
                .collect(),
        };
        let form = report.by_form.entry(case.form.clone()).or_default();
        let silent = tally([&mut report.resolver, form], &case.units, &codes, assigned);
        if silent {
            report.misroutes.push(case.id.clone());
        }
        let before_codes: Vec<&str> = before.iter().map(String::as_str).collect();
        tally(
            [&mut report.baseline],
            &case.units,
            &before_codes,
            before_codes.first().copied(),
        );
    }
    times.sort_by(f64::total_cmp);
    base_times.sort_by(f64::total_cmp);
    report.p50_us = percentile(&times, 0.5);
    report.p99_us = percentile(&times, 0.99);
    report.baseline_p50_us = percentile(&base_times, 0.5);
    report.baseline_p99_us = percentile(&base_times, 0.99);
    report
}

/// Counts one answer into each tally; returns whether it was a silent misroute.
fn tally<const N: usize>(
    tallies: [&mut Tally; N],
    accepted: &[String],
    codes: &[&str],
    assigned: Option<&str>,
) -> bool {
    let ok = |c: &str| accepted.iter().any(|a| a == c);
    let silent = match assigned {
        Some(a) => accepted.is_empty() || !ok(a),
        None => false,
    };
    for t in tallies {
        if accepted.is_empty() {
            t.no_place += 1;
            if assigned.is_none() {
                t.no_place_kept_open += 1;
            }
        } else {
            t.addresses += 1;
            if codes.first().is_some_and(|c| ok(c)) {
                t.top1 += 1;
            }
            if codes.iter().any(|c| ok(c)) {
                t.among += 1;
            }
        }
        if assigned.is_some() {
            t.assigned += 1;
        }
        if silent {
            t.silent_misroutes += 1;
        }
    }
    silent
}

/// Prints a report as a table.
pub fn print(report: &SetReport) {
    let line = |name: &str, t: &Tally| {
        println!(
            "  {name:<22} n={:<4} top1={:.3}  among={:.3}  assigned={:<4} silent_misroutes={:<3} no_place_kept_open={}/{}",
            t.addresses,
            t.top1_rate(),
            t.among_rate(),
            t.assigned,
            t.silent_misroutes,
            t.no_place_kept_open,
            t.no_place,
        );
    };
    println!("split {}", report.split);
    line("resolver", &report.resolver);
    line("baseline (unit names)", &report.baseline);
    println!(
        "  latency p50={:.0} µs p99={:.0} µs (baseline p50={:.0} µs p99={:.0} µs)",
        report.p50_us, report.p99_us, report.baseline_p50_us, report.baseline_p99_us
    );
    for (form, t) in &report.by_form {
        line(&format!("  {form}"), t);
    }
    if !report.misroutes.is_empty() {
        println!("  silent misroutes: {}", report.misroutes.join(", "));
    }
}

/// Runs `binhyen eval-addresses`: every set in `set` (a folder or one file), printed as a
/// table or as JSON.
pub fn run(
    units: &std::path::Path,
    set: &std::path::Path,
    json: bool,
    explain: bool,
) -> anyhow::Result<()> {
    let directory = domain::units::UnitDirectory::load(units)
        .with_context(|| format!("loading {}", units.display()))?;
    let stats = directory.gazetteer().stats();
    let mut files: Vec<PathBuf> = if set.is_dir() {
        std::fs::read_dir(set)
            .with_context(|| format!("reading {}", set.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect()
    } else {
        vec![set.to_path_buf()]
    };
    files.sort();
    if files.is_empty() {
        anyhow::bail!("no *.jsonl address set in {}", set.display());
    }
    let mut reports = Vec::new();
    for file in &files {
        let cases = read_set(file)?;
        let split = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let report = evaluate(&directory, &split, &cases);
        if explain {
            for case in &cases {
                let shared = case
                    .gps
                    .map(|[lat, lon]| domain::units::LatLon { lat, lon });
                let r = directory.resolve_at(&case.text, shared);
                let first_ok = r
                    .candidates
                    .first()
                    .is_some_and(|c| case.units.contains(&c.unit.code));
                let wrong_assign = case.units.is_empty() && r.assigned().is_some();
                if (!case.units.is_empty() && !first_ok) || wrong_assign {
                    let got: Vec<String> = r
                        .candidates
                        .iter()
                        .take(5)
                        .map(|c| format!("{} {} {:.2}", c.unit.code, c.unit.name, c.score))
                        .collect();
                    println!(
                        "{} [{}] {:?} want {:?} got{} {}",
                        case.id,
                        case.form,
                        case.text,
                        case.units,
                        if r.ambiguous { " (ambiguous)" } else { "" },
                        got.join(" | ")
                    );
                }
            }
        }
        reports.push(report);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "gazetteer": stats,
                "sets": reports,
            }))?
        );
    } else {
        println!(
            "gazetteer: {} streets ({} with lines, {} known only by old district), {} places",
            stats.streets, stats.streets_with_lines, stats.streets_district_only, stats.places
        );
        for r in &reports {
            print(r);
        }
    }
    Ok(())
}
