//! Merging two person records found to be one person, keeping an audit trail.
//!
//! [`merge_persons`] is pure: it returns the updated survivor, an unchanged snapshot of the
//! retired record, every field it filled in, and every field where the two records disagreed
//! (the survivor's value is kept and the other is listed, so an officer can correct it by hand).
//! [`MergeResult::repoint`] then moves registrations and household headships from the retired id
//! to the survivor. The store persists all of it as one audited change and keeps the retired
//! record, marked as merged, for history.

use super::types::{Household, Person, RecordKind, RecordRef, Registration};
use super::RecordsError;
use crate::text::{fold, has_diacritics, normalize};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A survivor field filled from the retired record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Field name.
    pub field: String,
    /// Survivor's value before, rendered as text.
    pub before: Option<String>,
    /// Value after.
    pub after: Option<String>,
}

/// A field on which both records had different values; the survivor's was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// Field name.
    pub field: String,
    /// Value kept (survivor's).
    pub kept: String,
    /// Value discarded (retired record's).
    pub discarded: String,
}

/// A reference moved from the retired person to the survivor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repoint {
    /// The record changed.
    pub record: RecordRef,
    /// The field changed (`person_id`, `head_person_id`).
    pub field: String,
    /// Old person id.
    pub from: String,
    /// New person id.
    pub to: String,
}

/// The outcome of merging two person records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeResult {
    /// The survivor after the merge.
    pub survivor: Person,
    /// The retired record as it was (kept for history, marked merged by the store).
    pub retired: Person,
    /// Fields of the survivor filled or improved from the retired record.
    pub changes: Vec<FieldChange>,
    /// Fields where the records disagreed; the survivor's value was kept.
    pub conflicts: Vec<FieldConflict>,
    /// Who merged.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why (e.g. the finding that prompted it).
    pub reason: String,
}

fn merge_field<T: Clone + PartialEq>(
    name: &str,
    survivor: &mut Option<T>,
    other: &Option<T>,
    show: impl Fn(&T) -> String,
    same: impl Fn(&T, &T) -> bool,
    changes: &mut Vec<FieldChange>,
    conflicts: &mut Vec<FieldConflict>,
) {
    match (survivor.as_ref(), other.as_ref()) {
        (None, Some(v)) => {
            changes.push(FieldChange {
                field: name.to_string(),
                before: None,
                after: Some(show(v)),
            });
            *survivor = Some(v.clone());
        }
        (Some(a), Some(b)) if !same(a, b) => conflicts.push(FieldConflict {
            field: name.to_string(),
            kept: show(a),
            discarded: show(b),
        }),
        _ => {}
    }
}

fn non_blank(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_string())
}

/// Merges `merged` into `survivor`.
///
/// - Empty survivor fields are filled from the merged record.
/// - A survivor name written without diacritics is replaced by the merged record's name when
///   both fold to the same text and the latter has diacritics (old systems dropped them).
/// - `verified_at` becomes the later of the two.
/// - Any other disagreement is reported as a conflict and the survivor's value kept.
pub fn merge_persons(
    survivor: &Person,
    merged: &Person,
    by: &str,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<MergeResult, RecordsError> {
    if survivor.id == merged.id {
        return Err(RecordsError::SamePerson {
            id: survivor.id.clone(),
        });
    }
    if by.trim().is_empty() {
        return Err(RecordsError::MissingActor);
    }
    if reason.trim().is_empty() {
        return Err(RecordsError::MissingReason);
    }
    let mut out = survivor.clone();
    let mut changes = Vec::new();
    let mut conflicts = Vec::new();
    let text_same = |a: &String, b: &String| normalize(a) == normalize(b);
    let show = |s: &String| s.clone();

    // Identification number and name are plain strings: treat blank as missing.
    let mut pin = non_blank(&out.pin);
    merge_field(
        "pin",
        &mut pin,
        &non_blank(&merged.pin),
        show,
        |a, b| a.trim() == b.trim(),
        &mut changes,
        &mut conflicts,
    );
    out.pin = pin.unwrap_or_default();

    let better_name = !has_diacritics(&out.full_name)
        && has_diacritics(&merged.full_name)
        && fold(&out.full_name) == fold(&merged.full_name);
    if better_name {
        changes.push(FieldChange {
            field: "full_name".to_string(),
            before: non_blank(&out.full_name),
            after: Some(merged.full_name.clone()),
        });
        out.full_name = merged.full_name.clone();
    } else {
        let mut name = non_blank(&out.full_name);
        merge_field(
            "full_name",
            &mut name,
            &non_blank(&merged.full_name),
            show,
            text_same,
            &mut changes,
            &mut conflicts,
        );
        out.full_name = name.unwrap_or_default();
    }

    merge_field(
        "date_of_birth",
        &mut out.date_of_birth,
        &merged.date_of_birth,
        |d| d.to_string(),
        |a, b| a == b,
        &mut changes,
        &mut conflicts,
    );
    merge_field(
        "sex",
        &mut out.sex,
        &merged.sex,
        |s| s.label_vi().to_string(),
        |a, b| a == b,
        &mut changes,
        &mut conflicts,
    );
    merge_field(
        "birth_registration_province",
        &mut out.birth_registration_province,
        &merged.birth_registration_province,
        show,
        |a, b| super::pin::normalize_province_code(a) == super::pin::normalize_province_code(b),
        &mut changes,
        &mut conflicts,
    );
    merge_field(
        "hometown",
        &mut out.hometown,
        &merged.hometown,
        show,
        text_same,
        &mut changes,
        &mut conflicts,
    );
    merge_field(
        "ethnicity",
        &mut out.ethnicity,
        &merged.ethnicity,
        show,
        text_same,
        &mut changes,
        &mut conflicts,
    );
    merge_field(
        "nationality",
        &mut out.nationality,
        &merged.nationality,
        show,
        text_same,
        &mut changes,
        &mut conflicts,
    );
    merge_field(
        "phone",
        &mut out.phone,
        &merged.phone,
        show,
        |a, b| a.trim() == b.trim(),
        &mut changes,
        &mut conflicts,
    );

    if merged.verified_at > out.verified_at {
        changes.push(FieldChange {
            field: "verified_at".to_string(),
            before: out.verified_at.map(|t| t.to_rfc3339()),
            after: merged.verified_at.map(|t| t.to_rfc3339()),
        });
        out.verified_at = merged.verified_at;
    }
    if out.unit != merged.unit {
        conflicts.push(FieldConflict {
            field: "unit".to_string(),
            kept: out.unit.clone(),
            discarded: merged.unit.clone(),
        });
    }

    Ok(MergeResult {
        survivor: out,
        retired: merged.clone(),
        changes,
        conflicts,
        by: by.to_string(),
        at,
        reason: reason.to_string(),
    })
}

impl MergeResult {
    /// Moves registrations and household headships of the retired person to the survivor, and
    /// returns what was moved.
    pub fn repoint(
        &self,
        registrations: &mut [Registration],
        households: &mut [Household],
    ) -> Vec<Repoint> {
        let (from, to) = (&self.retired.id, &self.survivor.id);
        let mut moved = Vec::new();
        for r in registrations.iter_mut().filter(|r| &r.person_id == from) {
            r.person_id = to.clone();
            moved.push(Repoint {
                record: RecordRef::new(RecordKind::Registration, r.id.clone()),
                field: "person_id".to_string(),
                from: from.clone(),
                to: to.clone(),
            });
        }
        for h in households.iter_mut().filter(|h| &h.head_person_id == from) {
            h.head_person_id = to.clone();
            moved.push(Repoint {
                record: RecordRef::new(RecordKind::Household, h.id.clone()),
                field: "head_person_id".to_string(),
                from: from.clone(),
                to: to.clone(),
            });
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::types::{RecordStatus, RegistrationKind, Sex};
    use chrono::{NaiveDate, TimeZone};

    fn person(id: &str, name: &str) -> Person {
        Person {
            id: id.into(),
            pin: "001086012345".into(),
            full_name: name.into(),
            date_of_birth: NaiveDate::from_ymd_opt(1986, 5, 4),
            sex: Some(Sex::Male),
            birth_registration_province: Some("001".into()),
            hometown: None,
            ethnicity: Some("Kinh".into()),
            nationality: None,
            phone: Some("0912345678".into()),
            unit: "00070".into(),
            verified_at: None,
        }
    }

    #[test]
    fn merge_fills_gaps_prefers_diacritics_and_reports_conflicts() {
        let at = Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap();
        let survivor = person("P1", "Nguyen Van Hung");
        let mut other = person("P2", "Nguyễn Văn Hùng");
        other.hometown = Some("Nam Định".into());
        other.phone = Some("0987654321".into());
        other.verified_at = Some(at);
        let m = merge_persons(&survivor, &other, "can.bo.b", at, "trùng số định danh").unwrap();
        assert_eq!(m.survivor.id, "P1");
        assert_eq!(m.survivor.full_name, "Nguyễn Văn Hùng");
        assert_eq!(m.survivor.hometown.as_deref(), Some("Nam Định"));
        assert_eq!(m.survivor.phone.as_deref(), Some("0912345678"));
        assert_eq!(m.survivor.verified_at, Some(at));
        let changed: Vec<&str> = m.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(changed, ["full_name", "hometown", "verified_at"]);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "phone");
        assert_eq!(m.retired, other);
    }

    #[test]
    fn merge_rejects_self_and_missing_reason() {
        let at = Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap();
        let p = person("P1", "A B");
        assert!(matches!(
            merge_persons(&p, &p, "x", at, "y"),
            Err(RecordsError::SamePerson { .. })
        ));
        let q = person("P2", "A B");
        assert!(matches!(
            merge_persons(&p, &q, "x", at, ""),
            Err(RecordsError::MissingReason)
        ));
    }

    #[test]
    fn repoint_moves_registrations_and_headships() {
        let at = Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap();
        let m = merge_persons(&person("P1", "A B"), &person("P2", "A B"), "x", at, "y").unwrap();
        let mut regs = vec![Registration {
            id: "R1".into(),
            person_id: "P2".into(),
            kind: RegistrationKind::Temporary,
            household_id: None,
            address: "a".into(),
            unit: "00070".into(),
            start: None,
            end: None,
            arrival_at: None,
            made_at: None,
            reason: None,
            status: RecordStatus::Active,
        }];
        let mut households = vec![Household {
            id: "H1".into(),
            head_person_id: "P2".into(),
            address: "a".into(),
            unit: "00070".into(),
        }];
        let moved = m.repoint(&mut regs, &mut households);
        assert_eq!(moved.len(), 2);
        assert_eq!(regs[0].person_id, "P1");
        assert_eq!(households[0].head_person_id, "P1");
    }
}
