//! The detectors measured against the generator's answer key: planted errors are found with
//! precision and recall of at least 0.99 for every rule, and clean data yields no finding.

use chrono::{DateTime, TimeZone, Utc};
use domain::records::{
    assess, generate_residents, measure, Dimension, RecordKind, RuleId, RuleSet,
};
use std::collections::BTreeSet;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap()
}

fn units() -> Vec<String> {
    ["00004", "00008", "00025", "00070", "00082", "09619"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn planted_errors_are_found_with_high_precision_and_recall() {
    let data = generate_residents(20_000, 0.05, 2026, &units(), now()).unwrap();
    let rules = RuleSet::builtin();
    let resolver = data.resolver();
    let result = assess(data.records(), &rules, Some(&resolver), now()).unwrap();
    let report = measure(&result.findings, &data.answer_key);

    let mut problems = Vec::new();
    for (rule, d) in &report.rules {
        if d.precision < 0.99 || d.recall < 0.99 {
            problems.push(format!("{rule}: {d:?}"));
        }
    }
    if !problems.is_empty() {
        let planted: BTreeSet<_> = data
            .answer_key
            .iter()
            .map(|p| (&p.record, p.rule))
            .collect();
        for f in result
            .findings
            .iter()
            .filter(|f| !planted.contains(&(&f.record, f.rule)))
            .take(10)
        {
            eprintln!("unexpected: {} {} {}", f.record, f.rule, f.message_en);
        }
        let found: BTreeSet<_> = result
            .findings
            .iter()
            .map(|f| (&f.record, f.rule))
            .collect();
        for p in data
            .answer_key
            .iter()
            .filter(|p| !found.contains(&(&p.record, p.rule)))
            .take(10)
        {
            eprintln!("missed: {} {}", p.record, p.rule);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(report.overall.precision >= 0.99 && report.overall.recall >= 0.99);

    // Every implemented rule was planted at least once.
    let planted_rules: BTreeSet<RuleId> = data.answer_key.iter().map(|p| p.rule).collect();
    for id in RuleId::ALL {
        assert!(planted_rules.contains(id), "{id} was never planted");
    }
    // About 5 % of the records of each kind carry an error.
    let persons = data.persons.len() as f64;
    let person_errors = data
        .answer_key
        .iter()
        .filter(|p| p.record.kind == RecordKind::Person)
        .count() as f64;
    assert!(
        (0.045..=0.055).contains(&(person_errors / persons)),
        "{person_errors} / {persons}"
    );
}

#[test]
fn clean_generated_data_yields_no_finding_and_full_rates() {
    let data = generate_residents(20_000, 0.0, 77, &units(), now()).unwrap();
    assert!(data.answer_key.is_empty());
    let rules = RuleSet::builtin();
    let resolver = data.resolver();
    let result = assess(data.records(), &rules, Some(&resolver), now()).unwrap();
    let sample: Vec<String> = result
        .findings
        .iter()
        .take(10)
        .map(|f| format!("{} {} {}", f.record, f.rule, f.message_en))
        .collect();
    assert!(
        result.findings.is_empty(),
        "{} findings, e.g. {sample:#?}",
        result.findings.len()
    );
    for d in Dimension::ALL {
        assert_eq!(result.report.city.dimension(d).rate, Some(1.0), "{d:?}");
    }
    assert_eq!(result.report.units.len(), units().len());
}

#[test]
fn error_rates_move_the_scores() {
    let data = generate_residents(5_000, 0.2, 9, &units(), now()).unwrap();
    let rules = RuleSet::builtin();
    let resolver = data.resolver();
    let result = assess(data.records(), &rules, Some(&resolver), now()).unwrap();
    let city = &result.report.city;
    for d in Dimension::ALL {
        let rate = city.dimension(d).rate.unwrap();
        assert!(rate < 1.0 && rate > 0.8, "{d:?}: {rate}");
    }
    // The unit figures add up to the city's.
    let checked: u64 = result.report.units.iter().map(|u| u.correct.checked).sum();
    assert_eq!(checked, city.correct.checked);
    let open: u64 = result
        .report
        .units
        .iter()
        .map(|u| u.open_errors + u.open_warnings)
        .sum();
    assert_eq!(open as usize, result.findings.len());
}
