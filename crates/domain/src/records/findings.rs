//! Findings: what a rule found wrong with one record, explained in Vietnamese and English, and
//! the resolve/dismiss workflow that keeps who changed a finding's status, when and why.
//!
//! Checks are re-run from scratch; [`reconcile`] carries the status and history of earlier
//! findings over to the fresh ones, so a dismissed false positive stays dismissed and a problem
//! that disappears is closed automatically with a history entry saying so.

use super::rules::{Dimension, RuleId, Severity};
use super::types::RecordRef;
use super::RecordsError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// To be handled; counts against the quality rates.
    Open,
    /// The record was fixed (or the problem is no longer detected).
    Resolved,
    /// Judged not to be a problem (e.g. a lawful exception); never counts against the rates.
    Dismissed,
}

/// One change of a finding's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    /// Status before.
    pub from: FindingStatus,
    /// Status after.
    pub to: FindingStatus,
    /// Who made the change (officer account, or `system`).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// Identity of a finding across runs: one record, one rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingKey {
    /// The record.
    pub record: RecordRef,
    /// The rule.
    pub rule: RuleId,
}

/// One problem on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = QualityFinding))]
pub struct Finding {
    /// The record at fault.
    pub record: RecordRef,
    /// Unit keeping the record (whose work list the finding goes to).
    pub unit: String,
    /// The rule broken.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rule: RuleId,
    /// Dimension of that rule.
    pub dimension: Dimension,
    /// Severity of that rule.
    pub severity: Severity,
    /// Explanation in Vietnamese, naming the rule and its legal basis.
    pub message_vi: String,
    /// Explanation in English.
    pub message_en: String,
    /// Legal basis of the rule version applied.
    pub legal_basis: String,
    /// Other records involved (the earlier duplicate, the conflicting registration, …).
    pub related: Vec<RecordRef>,
    /// When the check that found it ran.
    pub detected_at: DateTime<Utc>,
    /// Current status.
    pub status: FindingStatus,
    /// Every status change, oldest first.
    pub history: Vec<StatusChange>,
}

impl Finding {
    /// The finding's identity.
    pub fn key(&self) -> FindingKey {
        FindingKey {
            record: self.record.clone(),
            rule: self.rule,
        }
    }

    /// Whether the finding counts against the quality rates.
    pub fn is_open(&self) -> bool {
        self.status == FindingStatus::Open
    }

    fn transition(
        &mut self,
        to: FindingStatus,
        by: &str,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), RecordsError> {
        let allowed = matches!(
            (self.status, to),
            (FindingStatus::Open, FindingStatus::Resolved)
                | (FindingStatus::Open, FindingStatus::Dismissed)
                | (FindingStatus::Resolved, FindingStatus::Open)
                | (FindingStatus::Dismissed, FindingStatus::Open)
        );
        if !allowed {
            return Err(RecordsError::InvalidTransition {
                from: self.status,
                to,
            });
        }
        if by.trim().is_empty() {
            return Err(RecordsError::MissingActor);
        }
        if reason.trim().is_empty() {
            return Err(RecordsError::MissingReason);
        }
        self.history.push(StatusChange {
            from: self.status,
            to,
            by: by.to_string(),
            at,
            reason: reason.to_string(),
        });
        self.status = to;
        Ok(())
    }

    /// Marks an open finding resolved (the record was fixed or merged).
    pub fn resolve(
        &mut self,
        by: &str,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), RecordsError> {
        self.transition(FindingStatus::Resolved, by, at, reason)
    }

    /// Marks an open finding as not a problem. A reason is mandatory: dismissals are audited.
    pub fn dismiss(
        &mut self,
        by: &str,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), RecordsError> {
        self.transition(FindingStatus::Dismissed, by, at, reason)
    }

    /// Re-opens a resolved or dismissed finding.
    pub fn reopen(
        &mut self,
        by: &str,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), RecordsError> {
        self.transition(FindingStatus::Open, by, at, reason)
    }
}

/// Merges a fresh check run with the stored findings of earlier runs.
///
/// For each (record, rule):
/// - found again and previously *dismissed*: stays dismissed (history kept, message refreshed);
/// - found again and previously *resolved*: re-opened, with a history entry by `by`;
/// - found again and previously *open*: stays open (history and first detection time kept);
/// - not found again and previously *open*: resolved by `by` with reason "no longer detected";
/// - not found again and previously resolved or dismissed: kept unchanged.
///
/// The result is ordered by record, then rule.
pub fn reconcile(
    previous: Vec<Finding>,
    fresh: Vec<Finding>,
    by: &str,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut old: HashMap<FindingKey, Finding> =
        previous.into_iter().map(|f| (f.key(), f)).collect();
    let mut out = Vec::with_capacity(fresh.len() + old.len());
    for mut f in fresh {
        if let Some(prev) = old.remove(&f.key()) {
            f.history = prev.history;
            f.status = prev.status;
            f.detected_at = prev.detected_at;
            if f.status == FindingStatus::Resolved {
                f.history.push(StatusChange {
                    from: FindingStatus::Resolved,
                    to: FindingStatus::Open,
                    by: by.to_string(),
                    at: now,
                    reason: "phát hiện lại / detected again".to_string(),
                });
                f.status = FindingStatus::Open;
            }
        }
        out.push(f);
    }
    for (_, mut f) in old {
        if f.status == FindingStatus::Open {
            f.history.push(StatusChange {
                from: FindingStatus::Open,
                to: FindingStatus::Resolved,
                by: by.to_string(),
                at: now,
                reason: "không còn phát hiện / no longer detected".to_string(),
            });
            f.status = FindingStatus::Resolved;
        }
        out.push(f);
    }
    out.sort_by(|a, b| a.record.cmp(&b.record).then(a.rule.cmp(&b.rule)));
    out
}

/// The open findings of one unit (or of the whole city when `unit` is `None`), errors first,
/// then by rule and record: the order an officer works through them.
pub fn work_list<'a>(findings: &'a [Finding], unit: Option<&str>) -> Vec<&'a Finding> {
    let mut list: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.is_open() && unit.is_none_or(|u| f.unit == u))
        .collect();
    list.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.rule.cmp(&b.rule))
            .then(a.record.cmp(&b.record))
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::types::RecordKind;
    use chrono::TimeZone;

    fn finding(id: &str, rule: RuleId) -> Finding {
        Finding {
            record: RecordRef::new(RecordKind::Person, id),
            unit: "00070".into(),
            rule,
            dimension: Dimension::Correct,
            severity: Severity::Error,
            message_vi: "x".into(),
            message_en: "x".into(),
            legal_basis: "x".into(),
            related: vec![],
            detected_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            status: FindingStatus::Open,
            history: vec![],
        }
    }

    #[test]
    fn workflow_records_who_when_why() {
        let at = Utc.with_ymd_and_hms(2026, 2, 1, 3, 0, 0).unwrap();
        let mut f = finding("P1", RuleId::PinSex);
        assert!(matches!(
            f.dismiss("can.bo.a", at, "  "),
            Err(RecordsError::MissingReason)
        ));
        f.dismiss("can.bo.a", at, "đã điều chỉnh giới tính hợp pháp")
            .unwrap();
        assert_eq!(f.status, FindingStatus::Dismissed);
        assert!(matches!(
            f.resolve("can.bo.a", at, "x"),
            Err(RecordsError::InvalidTransition { .. })
        ));
        f.reopen("truong.cong.an", at, "kiểm tra lại").unwrap();
        assert_eq!(f.history.len(), 2);
        assert_eq!(f.history[0].by, "can.bo.a");
        assert_eq!(f.history[1].to, FindingStatus::Open);
    }

    #[test]
    fn reconcile_keeps_dismissals_reopens_and_closes() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let mut dismissed = finding("P1", RuleId::PinSex);
        dismissed.dismiss("a", now, "ngoại lệ").unwrap();
        let mut resolved = finding("P2", RuleId::PinFormat);
        resolved.resolve("a", now, "đã sửa").unwrap();
        let open_gone = finding("P3", RuleId::PinFormat);
        let previous = vec![dismissed, resolved, open_gone];
        let fresh = vec![
            finding("P1", RuleId::PinSex),
            finding("P2", RuleId::PinFormat),
            finding("P4", RuleId::PinFormat),
        ];
        let out = reconcile(previous, fresh, "system", now);
        let status = |id: &str| out.iter().find(|f| f.record.id == id).unwrap().status;
        assert_eq!(status("P1"), FindingStatus::Dismissed);
        assert_eq!(status("P2"), FindingStatus::Open);
        assert_eq!(status("P3"), FindingStatus::Resolved);
        assert_eq!(status("P4"), FindingStatus::Open);
        let p3 = out.iter().find(|f| f.record.id == "P3").unwrap();
        assert_eq!(p3.history.last().unwrap().by, "system");
        assert_eq!(work_list(&out, Some("00070")).len(), 2);
        assert_eq!(work_list(&out, Some("00004")).len(), 0);
    }
}
