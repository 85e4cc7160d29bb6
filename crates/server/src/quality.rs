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
