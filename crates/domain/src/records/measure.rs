//! Measuring the detectors against a generator's answer key: true and false positives and
//! misses per rule, precision and recall.

use super::findings::Finding;
use super::rules::RuleId;
use super::types::RecordRef;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One error planted by the generator: which record, which rule it must trip.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlantedError {
    /// The record that carries the error (for duplicates and conflicts: the newer record).
    pub record: RecordRef,
    /// The rule expected to report it.
    pub rule: RuleId,
}

/// Detection figures for one rule (or for all rules together).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Findings that match a planted error.
    pub tp: u64,
    /// Findings that match no planted error.
    pub fp: u64,
    /// Planted errors with no matching finding.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// `tp / (tp + fp)`; 1 when nothing was reported.
    pub precision: f64,
    /// `tp / (tp + fn)`; 1 when nothing was planted.
    pub recall: f64,
}

impl Detection {
    fn finish(&mut self) {
        let reported = self.tp + self.fp;
        let planted = self.tp + self.fn_;
        self.precision = if reported == 0 {
            1.0
        } else {
            self.tp as f64 / reported as f64
        };
        self.recall = if planted == 0 {
            1.0
        } else {
            self.tp as f64 / planted as f64
        };
    }
}

/// Detection figures per rule and overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionReport {
    /// Per rule id, for every rule that was planted or reported.
    pub rules: BTreeMap<RuleId, Detection>,
    /// All rules together.
    pub overall: Detection,
}

/// Compares findings with the answer key. A finding matches a planted error when both name the
/// same record and rule; each (record, rule) pair counts once.
pub fn measure(findings: &[Finding], answer_key: &[PlantedError]) -> DetectionReport {
    let found: HashSet<(&RecordRef, RuleId)> =
        findings.iter().map(|f| (&f.record, f.rule)).collect();
    let planted: HashSet<(&RecordRef, RuleId)> =
        answer_key.iter().map(|p| (&p.record, p.rule)).collect();
    let mut rules: BTreeMap<RuleId, Detection> = BTreeMap::new();
    for key in &found {
        let d = rules.entry(key.1).or_default();
        if planted.contains(key) {
            d.tp += 1;
        } else {
            d.fp += 1;
        }
    }
    for key in &planted {
        if !found.contains(key) {
            rules.entry(key.1).or_default().fn_ += 1;
        }
    }
    let mut overall = Detection::default();
    for d in rules.values_mut() {
        overall.tp += d.tp;
        overall.fp += d.fp;
        overall.fn_ += d.fn_;
        d.finish();
    }
    overall.finish();
    DetectionReport { rules, overall }
}
