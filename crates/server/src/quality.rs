//! Quality runs over the residence and foreigner records: load every record (or one unit's, for
//! a unit officer's run), check and score them with the rules in force (`domain::records`),
//! carry the status of earlier findings over, and save the report and the work list. Shared by
//! `POST /api/quality/run`, the first `GET /api/quality` and `binhyen quality-check`.

use chrono::{DateTime, Utc};
use domain::records::{assess, reconcile, AddressResolver, QualityReport, RuleSet, UnitQuality};
use domain::units::UnitDirectory;
use std::borrow::Cow;
use std::time::Instant;
use store::{Actor, Store};

/// Places an address in a unit: a trailing unit code (`…, 00070`) or a unit name the
/// jurisdiction's address resolver recognises without doubt (current or pre-2025 names).
pub struct UnitResolver<'a> {
    pub units: &'a UnitDirectory,
}

impl AddressResolver for UnitResolver<'_> {
    fn resolve(&self, address: &str) -> Option<Cow<'_, str>> {
        let last = address.rsplit(',').next()?.trim();
        if let Some(unit) = self.units.get(last) {
            return Some(Cow::Borrowed(unit.code.as_str()));
        }
        let found = self.units.resolve_address(address);
        match found.as_slice() {
            [only] => Some(Cow::Borrowed(only.unit.code.as_str())),
            [best, second, ..] if best.score >= 0.9 && second.score < best.score => {
                Some(Cow::Borrowed(best.unit.code.as_str()))
            }
            _ => None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: i64,
    pub records: i64,
    pub findings: usize,
    pub open_findings: usize,
    /// Time to load the records from the database.
    pub load_ms: u64,
    /// Time to check and score them.
    pub check_ms: u64,
    /// Time to save the findings and the report.
    pub save_ms: u64,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("quality rules: {0}")]
    Rules(#[from] domain::records::RecordsError),
}

/// Runs the checks over every stored record and saves the result.
pub async fn run(
    store: &Store,
    units: &UnitDirectory,
    rules: &RuleSet,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(RunSummary, Vec<domain::records::Finding>), RunError> {
    let started = Instant::now();
    let records = store.load_records().await?;
    let previous = store.all_findings().await?;
    let load_ms = started.elapsed().as_millis() as u64;
    let checking = Instant::now();
    let resolver = UnitResolver { units };
    let set = records.as_set();
    let assessment = assess(set, rules, Some(&resolver), now)?;
    let findings = reconcile(previous, assessment.findings, &actor.name, now);
    // Scores count open findings only: a dismissed false positive no longer lowers a rate.
    let report = domain::records::Checker::new(rules, Some(&resolver), now)?.score(set, &findings);
    let check_ms = checking.elapsed().as_millis() as u64;
    let saving = Instant::now();
    let total = set.len() as i64;
    let run_id = store
        .save_quality_run(
            &report,
            total,
            &findings,
            (load_ms + check_ms) as i64,
            actor,
            now,
        )
        .await?;
    let summary = RunSummary {
        run_id,
        records: total,
        findings: findings.len(),
        open_findings: findings.iter().filter(|f| f.is_open()).count(),
        load_ms,
        check_ms,
        save_ms: saving.elapsed().as_millis() as u64,
    };
    Ok((summary, findings))
}

/// Runs the checks over one unit's records only, as a unit officer may: the duplicate and
/// conflict rules compare the unit's records among themselves, only that unit's findings are
/// replaced, and the saved report is the previous run's with this unit's figures (and the
/// city's, which add up from the units') brought up to date. No other unit's data is read
/// for the check or changed. The summary counts the unit's records and findings.
pub async fn run_unit(
    store: &Store,
    units: &UnitDirectory,
    rules: &RuleSet,
    unit: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(RunSummary, Vec<domain::records::Finding>), RunError> {
    let started = Instant::now();
    let records = store.load_records_of(Some(unit)).await?;
    let mut previous = store.all_findings().await?;
    previous.retain(|f| f.unit == unit);
    let latest = store.quality_runs(1).await?.into_iter().next();
    let load_ms = started.elapsed().as_millis() as u64;
    let checking = Instant::now();
    let resolver = UnitResolver { units };
    let set = records.as_set();
    let assessment = assess(set, rules, Some(&resolver), now)?;
    // A record's findings are its keeping unit's; the set holds that unit's records only.
    let fresh = assessment
        .findings
        .into_iter()
        .filter(|f| f.unit == unit)
        .collect();
    let findings = reconcile(previous, fresh, &actor.name, now);
    let scored = domain::records::Checker::new(rules, Some(&resolver), now)?.score(set, &findings);
    let mine = scored.unit(unit).cloned().unwrap_or_else(|| UnitQuality {
        unit: unit.to_owned(),
        ..Default::default()
    });
    let report = merge_unit(latest.map(|r| r.report), scored, mine);
    let check_ms = checking.elapsed().as_millis() as u64;
    let saving = Instant::now();
    let city_records = report.city.records.values().sum::<u64>() as i64;
    let run_id = store
        .save_unit_quality_run(
            unit,
            &report,
            city_records,
            &findings,
            (load_ms + check_ms) as i64,
            actor,
            now,
        )
        .await?;
    let summary = RunSummary {
        run_id,
        records: set.len() as i64,
        findings: findings.len(),
        open_findings: findings.iter().filter(|f| f.is_open()).count(),
        load_ms,
        check_ms,
        save_ms: saving.elapsed().as_millis() as u64,
    };
    Ok((summary, findings))
}

/// The city report after a run over one unit: the previous report (if any) with that unit's
/// figures replaced by `mine` (dropped when the unit has no records left), and the city's
/// figures summed again from the units: each record belongs to one unit and fails a dimension
/// at most once, so the city's counts are the sum of the units'.
fn merge_unit(
    previous: Option<QualityReport>,
    scored: QualityReport,
    mine: UnitQuality,
) -> QualityReport {
    let mut report = previous.unwrap_or_else(|| scored.clone());
    report.checked_at = scored.checked_at;
    report.check_date = scored.check_date;
    report.units.retain(|u| u.unit != mine.unit);
    if !mine.records.is_empty() {
        report.units.push(mine);
    }
    report.units.sort_by(|a, b| a.unit.cmp(&b.unit));
    let mut city = UnitQuality::default();
    for u in &report.units {
        for (kind, n) in &u.records {
            *city.records.entry(*kind).or_default() += n;
        }
        for (rule, n) in &u.by_rule {
            *city.by_rule.entry(*rule).or_default() += n;
        }
        city.open_errors += u.open_errors;
        city.open_warnings += u.open_warnings;
        for (sum, part) in [
            (&mut city.correct, &u.correct),
            (&mut city.complete, &u.complete),
            (&mut city.clean, &u.clean),
            (&mut city.alive, &u.alive),
        ] {
            sum.checked += part.checked;
            sum.passing += part.passing;
        }
    }
    for d in [
        &mut city.correct,
        &mut city.complete,
        &mut city.clean,
        &mut city.alive,
    ] {
        d.rate = (d.checked > 0).then(|| d.passing as f64 / d.checked as f64);
    }
    report.city = city;
    report
}

/// `binhyen gen-residents`: generates a synthetic city of residents with planted errors into the
/// configured database and writes the answer key beside it.
pub async fn gen_residents(
    config: &crate::config::Config,
    people: usize,
    error_rate: f64,
    seed: u64,
    answer_key: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let units = UnitDirectory::load(&config.units)
        .with_context(|| format!("cannot load units from {}", config.units.display()))?;
    let codes: Vec<String> = units.units().iter().map(|u| u.code.clone()).collect();
    let now = Utc::now();
    let started = Instant::now();
    let data = domain::records::generate_residents(people, error_rate, seed, &codes, now)?;
    let generated = started.elapsed();
    let store = crate::app::open_store(config).await?;
    let actor = Actor::system("gen-residents");
    let writing = Instant::now();
    store.insert_records(&data.persons, &actor, now).await?;
    store.insert_records(&data.households, &actor, now).await?;
    store
        .insert_records(&data.registrations, &actor, now)
        .await?;
    store
        .insert_records(&data.establishments, &actor, now)
        .await?;
    store
        .insert_records(&data.declarations, &actor, now)
        .await?;
    let written = writing.elapsed();
    store.close().await;
    let path = answer_key.unwrap_or_else(|| config.data_dir.join("answer-key.json"));
    let key = serde_json::to_vec(&data.answer_key)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&path, key)
        .with_context(|| format!("cannot write the answer key to {}", path.display()))?;
    println!(
        "generated {} persons, {} households, {} registrations, {} establishments, {} declarations \
         with {} planted errors in {:.1} s; written in {:.1} s; answer key: {}",
        data.persons.len(),
        data.households.len(),
        data.registrations.len(),
        data.establishments.len(),
        data.declarations.len(),
        data.answer_key.len(),
        generated.as_secs_f64(),
        written.as_secs_f64(),
        path.display()
    );
    Ok(())
}

/// `binhyen quality-check`: runs the checks over the configured database, saves the run, prints
/// the rates and, given the generator's answer key, the detectors' precision and recall (exits
/// with an error when either is under 0.99).
pub async fn quality_check(
    config: &crate::config::Config,
    answer_key: Option<std::path::PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let units = UnitDirectory::load(&config.units)
        .with_context(|| format!("cannot load units from {}", config.units.display()))?;
    let store = crate::app::open_store(config).await?;
    let (summary, findings) = run(
        &store,
        &units,
        &RuleSet::builtin(),
        &Actor::system("quality-check"),
        Utc::now(),
    )
    .await?;
    let report = store
        .quality_runs(1)
        .await?
        .into_iter()
        .next()
        .map(|r| r.report);
    store.close().await;
    let detection = match answer_key {
        Some(path) => {
            let text = std::fs::read(&path)
                .with_context(|| format!("cannot read the answer key {}", path.display()))?;
            let key: Vec<domain::records::PlantedError> = serde_json::from_slice(&text)
                .with_context(|| format!("{} is not an answer key", path.display()))?;
            let open: Vec<_> = findings.into_iter().filter(|f| f.is_open()).collect();
            Some(domain::records::measure(&open, &key))
        }
        None => None,
    };
    if json {
        println!(
            "{}",
            serde_json::json!({"run": summary, "city": report.as_ref().map(|r| &r.city), "detection": detection})
        );
    } else {
        println!(
            "checked {} records: {} findings ({} open); load {} ms, check {} ms, save {} ms",
            summary.records,
            summary.findings,
            summary.open_findings,
            summary.load_ms,
            summary.check_ms,
            summary.save_ms
        );
        if let Some(r) = &report {
            let rate = |d: &domain::records::DimensionScore| {
                d.rate.map_or("-".to_owned(), |r| format!("{:.4}", r))
            };
            println!(
                "city: đúng {} · đủ {} · sạch {} · sống {}",
                rate(&r.city.correct),
                rate(&r.city.complete),
                rate(&r.city.clean),
                rate(&r.city.alive)
            );
        }
        if let Some(d) = &detection {
            println!(
                "rule                                  tp       fp       fn  precision  recall"
            );
            for (rule, x) in &d.rules {
                println!(
                    "{:<34} {:>7} {:>8} {:>8} {:>10.4} {:>7.4}",
                    rule.as_str(),
                    x.tp,
                    x.fp,
                    x.fn_,
                    x.precision,
                    x.recall
                );
            }
            let o = d.overall;
            println!(
                "{:<34} {:>7} {:>8} {:>8} {:>10.4} {:>7.4}",
                "overall", o.tp, o.fp, o.fn_, o.precision, o.recall
            );
        }
    }
    if let Some(d) = detection {
        if d.overall.precision < 0.99 || d.overall.recall < 0.99 {
            anyhow::bail!(
                "detectors below target: precision {:.4}, recall {:.4} (target 0.99)",
                d.overall.precision,
                d.overall.recall
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_codes_and_names() {
        let dir = crate::test_units();
        let r = UnitResolver { units: &dir };
        let ba_dinh = dir
            .units()
            .iter()
            .find(|u| u.full_name == "Phường Ba Đình")
            .expect("Ba Đình in the reference data");
        assert_eq!(
            r.resolve(&format!("Số 1, phố Hàng Bạc, {}", ba_dinh.code))
                .as_deref(),
            Some(ba_dinh.code.as_str())
        );
        assert_eq!(
            r.resolve("Số 3, phố Đội Cấn, Phường Ba Đình, Hà Nội")
                .as_deref(),
            Some(ba_dinh.code.as_str())
        );
        assert_eq!(r.resolve("không rõ địa chỉ"), None);
    }

    use domain::records::{DimensionScore, RecordKind};

    fn unit(code: &str, persons: u64, passing: u64) -> UnitQuality {
        let score = DimensionScore {
            checked: persons,
            passing,
            rate: Some(passing as f64 / persons as f64),
        };
        UnitQuality {
            unit: code.to_owned(),
            records: [(RecordKind::Person, persons)].into_iter().collect(),
            correct: score,
            open_errors: persons - passing,
            ..Default::default()
        }
    }

    fn report(units: Vec<UnitQuality>) -> QualityReport {
        QualityReport {
            checked_at: Utc::now(),
            check_date: Utc::now().date_naive(),
            city: UnitQuality::default(),
            units,
        }
    }

    #[test]
    fn a_units_run_replaces_its_figures_and_the_city_adds_up_again() {
        let previous = report(vec![unit("00004", 3, 0), unit("00008", 2, 0)]);
        let scored = report(vec![unit("00008", 2, 1)]);
        let merged = merge_unit(Some(previous), scored, unit("00008", 2, 1));
        assert_eq!(merged.unit("00004"), Some(&unit("00004", 3, 0)));
        assert_eq!(merged.unit("00008"), Some(&unit("00008", 2, 1)));
        assert_eq!(merged.city.correct.checked, 5);
        assert_eq!(merged.city.correct.passing, 1);
        assert_eq!(merged.city.correct.rate, Some(0.2));
        assert_eq!(merged.city.open_errors, 4);
        assert_eq!(merged.city.records[&RecordKind::Person], 5);
    }

    #[test]
    fn a_first_run_by_a_unit_is_the_city_and_a_unit_left_empty_is_dropped() {
        let first = merge_unit(None, report(vec![unit("00008", 2, 2)]), unit("00008", 2, 2));
        assert_eq!(first.units.len(), 1);
        assert_eq!(first.city.correct.rate, Some(1.0));
        let emptied = merge_unit(
            Some(first),
            report(vec![]),
            UnitQuality {
                unit: "00008".into(),
                ..Default::default()
            },
        );
        assert!(emptied.units.is_empty());
        assert_eq!(emptied.city.correct.checked, 0);
        assert_eq!(emptied.city.correct.rate, None);
    }
}
