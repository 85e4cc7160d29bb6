//! Generates synthetic residents with planted errors, checks and scores them in memory, and
//! prints the timings and the detection figures. This is the data-quality benchmark:
//!
//! ```text
//! cargo run --release -p domain --example gen_residents -- --people 1000000 --error-rate 0.05
//! ```
//!
//! Options: `--people N` (default 1,000,000), `--error-rate R` (0.05), `--seed S` (2026),
//! `--runs K` (3: the check and score are repeated K times and the best and median reported),
//! `--show N` (0: print the first N persons, registrations and declarations as JSON lines).
//! Unit codes are read from `units.csv` of the shared Hanoi data (env `BINHYEN_UNITS` overrides
//! the directory); without it, 126 synthetic codes are used.

use chrono::{TimeZone, Utc};
use domain::records::{generate_residents, measure, Checker, RuleSet};
use std::time::Instant;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn unit_codes() -> Vec<String> {
    let dir = std::env::var("BINHYEN_UNITS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/hanoi").to_string()
    });
    let codes: Vec<String> = std::fs::read_to_string(format!("{dir}/units.csv"))
        .map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|l| l.split(',').next())
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if codes.is_empty() {
        (1..=126).map(|i| format!("{i:05}")).collect()
    } else {
        codes
    }
}

/// CPU time of the calling thread in seconds (Linux: utime + stime from /proc, in clock ticks
/// of 1/100 s), or `None` elsewhere. The machine may be shared: CPU time shows the work done,
/// wall time what a user waits.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let people: usize = arg(&args, "--people", 1_000_000);
    let error_rate: f64 = arg(&args, "--error-rate", 0.05);
    let seed: u64 = arg(&args, "--seed", 2026);
    let runs: usize = arg(&args, "--runs", 3).max(1);
    let now = Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap();
    let units = unit_codes();

    let t = Instant::now();
    let cpu0 = thread_cpu_seconds();
    let data = match generate_residents(people, error_rate, seed, &units, now) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let generated = t.elapsed();
    let generated_cpu = cpu0.zip(thread_cpu_seconds()).map(|(a, b)| b - a);
    println!(
        "generated {} persons, {} households, {} registrations, {} establishments, {} declarations over {} units in {:.2?} wall, {:.2} s CPU ({} planted errors)",
        data.persons.len(),
        data.households.len(),
        data.registrations.len(),
        data.establishments.len(),
        data.declarations.len(),
        units.len(),
        generated,
        generated_cpu.unwrap_or(f64::NAN),
        data.answer_key.len()
    );

    let show: usize = arg(&args, "--show", 0);
    let samples = data
        .persons
        .iter()
        .take(show)
        .map(serde_json::to_string)
        .chain(
            data.registrations
                .iter()
                .take(show)
                .map(serde_json::to_string),
        )
        .chain(
            data.declarations
                .iter()
                .take(show)
                .map(serde_json::to_string),
        );
    for line in samples.flatten() {
        println!("{line}");
    }

    let rules = RuleSet::builtin();
    let resolver = data.resolver();
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    let mut score_cpu = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let cpu0 = thread_cpu_seconds();
        let checker = match Checker::new(&rules, Some(&resolver), now) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        };
        let findings = checker.check(data.records());
        let checked_cpu = thread_cpu_seconds();
        let report = checker.score(data.records(), &findings);
        if let (Some(a), Some(b)) = (checked_cpu, thread_cpu_seconds()) {
            score_cpu.push(b - a);
        }
        times.push(t.elapsed());
        if let Some(cpu) = cpu0.zip(thread_cpu_seconds()).map(|(a, b)| b - a) {
            cpu_times.push(cpu);
        }
        last = Some((findings, report));
    }
    times.sort();
    cpu_times.sort_by(f64::total_cmp);
    score_cpu.sort_by(f64::total_cmp);
    let Some((findings, report)) = last else {
        return;
    };
    println!(
        "check + score of {} records: best {:.2?}, median {:.2?} wall over {runs} runs; best {:.2} s CPU (of which scoring {:.2} s); {} findings",
        data.records().len(),
        times[0],
        times[times.len() / 2],
        cpu_times.first().copied().unwrap_or(f64::NAN),
        score_cpu.first().copied().unwrap_or(f64::NAN),
        findings.len()
    );
    let city = &report.city;
    println!(
        "city rates: correct {:.4}, complete {:.4}, clean {:.4}, alive {:.4}",
        city.correct.rate.unwrap_or(1.0),
        city.complete.rate.unwrap_or(1.0),
        city.clean.rate.unwrap_or(1.0),
        city.alive.rate.unwrap_or(1.0)
    );
    let detection = measure(&findings, &data.answer_key);
    println!(
        "detection overall: tp {} fp {} fn {} precision {:.4} recall {:.4}",
        detection.overall.tp,
        detection.overall.fp,
        detection.overall.fn_,
        detection.overall.precision,
        detection.overall.recall
    );
    for (rule, d) in &detection.rules {
        println!(
            "  {:<36} tp {:>6} fp {:>4} fn {:>4} precision {:.4} recall {:.4}",
            rule.as_str(),
            d.tp,
            d.fp,
            d.fn_,
            d.precision,
            d.recall
        );
    }
}
