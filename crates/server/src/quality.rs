//! Quality runs over the residence and foreigner records: load every record, check and score
//! them with the rules in force (`domain::records`), carry the status of earlier findings over,
//! and save the report and the work list. Shared by `POST /api/quality/run`, the first
//! `GET /api/quality` and `binhyen quality-check`.

use chrono::{DateTime, Utc};
use domain::records::{assess, reconcile, AddressResolver, RuleSet};
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
#[derive(Debug, Clone, serde::Serialize)]
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
}
