//! Response plans (run cards): which resource kinds, and how many of each, go first to an
//! incident, by its type, crime sub-type, priority and the facility it is at.
//!
//! A [`PlanBook`] is a list of [`ResponsePlan`]s read from TOML (the defaults ship in
//! `response_plans.toml` beside this file; admins edit a copy). A plan applies when every
//! condition it names holds. [`PlanBook::select`] takes the most specific applicable plan as the
//! lead and lets every other applicable plan add what it needs, keeping the larger count of each
//! kind, so that a fire in a 12-storey market gets both the market's water tanker and the
//! high-rise's ladder. [`PlanBook::validate`] insists on one base plan (type only) per incident
//! type, so every incident gets a plan.

use serde::{Deserialize, Serialize};

use super::catalogue::{CrimeSubtype, IncidentKind, Priority, ResourceKind, Vocabulary};
use super::error::{FieldError, IncidentError};

/// The defaults, as shipped.
pub const DEFAULT_PLANS_TOML: &str = include_str!("response_plans.toml");

/// Most resources of one kind a plan line may ask for.
pub const MAX_LINE_COUNT: u8 = 20;

/// One line of a plan: a resource kind and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanLine {
    /// The kind.
    pub kind: ResourceKind,
    /// How many (1..=20).
    pub count: u8,
}

/// A response plan and the conditions under which it applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsePlan {
    /// Stable id, e.g. `fire_high_rise`.
    pub id: String,
    /// Name, in Vietnamese.
    pub name_vi: String,
    /// Name, in English.
    pub name_en: String,
    /// Why these resources, in Vietnamese.
    #[serde(default)]
    pub reason_vi: String,
    /// Why these resources, in English.
    #[serde(default)]
    pub reason_en: String,
    /// Incident types (at least one).
    pub kinds: Vec<IncidentKind>,
    /// Crime sub-types; empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subtypes: Vec<CrimeSubtype>,
    /// Priorities; empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<Priority>,
    /// Facility kinds (`market`, `karaoke_bar`, …); empty = any place.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facility_kinds: Vec<String>,
    /// The facility has at least this many floors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_floors: Option<u16>,
    /// The resources, most important first.
    pub lines: Vec<PlanLine>,
}

/// What a plan is chosen by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanSubject<'a> {
    /// Incident type.
    pub kind: IncidentKind,
    /// Crime sub-type.
    pub subtype: Option<CrimeSubtype>,
    /// Priority.
    pub priority: Priority,
    /// Kind of the facility the incident is at, if any.
    pub facility_kind: Option<&'a str>,
    /// Floors of that facility, if known.
    pub floors: Option<u16>,
}

impl ResponsePlan {
    /// Whether every condition of the plan holds for `s`.
    pub fn applies_to(&self, s: &PlanSubject<'_>) -> bool {
        self.kinds.contains(&s.kind)
            && (self.subtypes.is_empty() || s.subtype.is_some_and(|t| self.subtypes.contains(&t)))
            && (self.priorities.is_empty() || self.priorities.contains(&s.priority))
            && (self.facility_kinds.is_empty()
                || s.facility_kind
                    .is_some_and(|k| self.facility_kinds.iter().any(|f| f == k)))
            && self
                .min_floors
                .is_none_or(|min| s.floors.is_some_and(|f| f >= min))
    }

    /// How narrow the plan is: the premises count most, then the sub-type, then priority.
    fn specificity(&self) -> u32 {
        let mut score = 0;
        if !self.facility_kinds.is_empty() {
            score += 8;
        }
        if self.min_floors.is_some() {
            score += 8;
        }
        if !self.subtypes.is_empty() {
            score += 4;
        }
        if !self.priorities.is_empty() {
            score += 2;
        }
        score
    }

    /// A base plan names incident types and nothing else.
    fn is_base(&self) -> bool {
        self.specificity() == 0
    }
}

/// The plan chosen for one incident: the lead plan's texts, the ids of every plan that added to
/// it, and the merged lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectedPlan {
    /// The lead plan's id.
    pub id: String,
    /// Every plan that applied, lead first.
    pub applied: Vec<String>,
    /// The lead plan's name, in Vietnamese.
    pub name_vi: String,
    /// The lead plan's name, in English.
    pub name_en: String,
    /// The lead plan's reason, in Vietnamese.
    pub reason_vi: String,
    /// The lead plan's reason, in English.
    pub reason_en: String,
    /// The resources: the lead plan's lines, then what the others added.
    pub lines: Vec<PlanLine>,
}

/// A set of response plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBook {
    /// The plans, in the order they are written.
    #[serde(rename = "plan")]
    pub plans: Vec<ResponsePlan>,
}

impl PlanBook {
    /// The shipped defaults.
    pub fn defaults() -> PlanBook {
        // The defaults are checked by a test; a broken file is a build defect, not input.
        #[allow(clippy::expect_used)]
        PlanBook::from_toml(DEFAULT_PLANS_TOML).expect("the default response plans are valid")
    }

    /// Reads and validates a plan book written in TOML.
    pub fn from_toml(text: &str) -> Result<PlanBook, IncidentError> {
        let book: PlanBook = toml::from_str(text).map_err(|e| {
            IncidentError::field(
                "plans",
                "invalid_toml",
                format!("Tệp phương án không đọc được: {}", e.message()),
                format!("the response plans cannot be read: {}", e.message()),
            )
        })?;
        book.validate()?;
        Ok(book)
    }

    /// The book as TOML (plans in order; comments are not kept).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks the book: unique ids, names, at least one incident type and one line per plan,
    /// counts 1..=20, no kind twice in a plan, and one base plan for every incident type.
    pub fn validate(&self) -> Result<(), IncidentError> {
        let mut errors = Vec::new();
        let mut err = |field: String, code: &str, vi: String, en: String| {
            errors.push(FieldError::new(&field, code, vi, en));
        };
        for (i, plan) in self.plans.iter().enumerate() {
            let at = format!("plans[{i}]");
            let id_ok = !plan.id.is_empty()
                && plan.id.len() <= 64
                && plan
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !id_ok {
                err(
                    format!("{at}.id"),
                    "invalid_id",
                    "Mã phương án chỉ gồm chữ thường, số và dấu gạch dưới (tối đa 64 ký tự)".into(),
                    "plan ids are lowercase letters, digits and underscores (at most 64)".into(),
                );
            }
            if self.plans[..i].iter().any(|p| p.id == plan.id) {
                err(
                    format!("{at}.id"),
                    "duplicate_id",
                    format!("Mã phương án {} bị trùng", plan.id),
                    format!("plan id {} is used twice", plan.id),
                );
            }
            if plan.name_vi.trim().is_empty() || plan.name_en.trim().is_empty() {
                err(
                    format!("{at}.name_vi"),
                    "required",
                    "Phương án cần tên tiếng Việt và tiếng Anh".into(),
                    "a plan needs a Vietnamese and an English name".into(),
                );
            }
            if plan.kinds.is_empty() {
                err(
                    format!("{at}.kinds"),
                    "required",
                    "Phương án cần ít nhất một loại vụ việc".into(),
                    "a plan needs at least one incident type".into(),
                );
            }
            if !plan.subtypes.is_empty() && !plan.kinds.contains(&IncidentKind::Crime) {
                err(
                    format!("{at}.subtypes"),
                    "subtype_without_crime",
                    "Phân loại tội phạm chỉ dùng cho loại vụ việc tội phạm".into(),
                    "crime sub-types need the incident type crime".into(),
                );
            }
            if plan.lines.is_empty() {
                err(
                    format!("{at}.lines"),
                    "required",
                    "Phương án cần ít nhất một loại lực lượng".into(),
                    "a plan needs at least one resource line".into(),
                );
            }
            for (j, line) in plan.lines.iter().enumerate() {
                if line.count == 0 || line.count > MAX_LINE_COUNT {
                    err(
                        format!("{at}.lines[{j}].count"),
                        "out_of_range",
                        format!("Số lượng phải từ 1 đến {MAX_LINE_COUNT}"),
                        format!("count must be 1 to {MAX_LINE_COUNT}"),
                    );
                }
                if plan.lines[..j].iter().any(|l| l.kind == line.kind) {
                    err(
                        format!("{at}.lines[{j}].kind"),
                        "duplicate_kind",
                        format!("{} có hai dòng trong cùng phương án", line.kind.label_vi()),
                        format!("{} appears twice in one plan", line.kind.label_en()),
                    );
                }
            }
        }
        for kind in IncidentKind::ALL {
            if !self
                .plans
                .iter()
                .any(|p| p.is_base() && p.kinds.contains(kind))
            {
                err(
                    "plans".into(),
                    "missing_base_plan",
                    format!(
                        "Thiếu phương án cơ bản (chỉ theo loại) cho loại vụ việc {}",
                        kind.label_vi()
                    ),
                    format!(
                        "no base plan (type only) for incident type {}",
                        kind.label_en()
                    ),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(IncidentError::Invalid { errors })
        }
    }

    /// The plan for `subject`: the most specific applicable plan leads (the first written wins a
    /// tie); every other applicable plan adds the kinds it needs, and a kind in several keeps
    /// the largest count. `None` only for a book that failed [`PlanBook::validate`].
    pub fn select(&self, subject: &PlanSubject<'_>) -> Option<SelectedPlan> {
        let mut applicable: Vec<&ResponsePlan> = self
            .plans
            .iter()
            .filter(|p| p.applies_to(subject))
            .collect();
        // Stable: equal specificity keeps the written order.
        applicable.sort_by_key(|p| std::cmp::Reverse(p.specificity()));
        let lead = *applicable.first()?;
        let mut lines: Vec<PlanLine> = Vec::new();
        for plan in &applicable {
            for line in &plan.lines {
                match lines.iter_mut().find(|l| l.kind == line.kind) {
                    Some(l) => l.count = l.count.max(line.count),
                    None => lines.push(*line),
                }
            }
        }
        Some(SelectedPlan {
            id: lead.id.clone(),
            applied: applicable.iter().map(|p| p.id.clone()).collect(),
            name_vi: lead.name_vi.clone(),
            name_en: lead.name_en.clone(),
            reason_vi: lead.reason_vi.clone(),
            reason_en: lead.reason_en.clone(),
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: IncidentKind) -> PlanSubject<'static> {
        PlanSubject {
            kind,
            subtype: None,
            priority: kind.default_priority(),
            facility_kind: None,
            floors: None,
        }
    }

    fn count(plan: &SelectedPlan, kind: ResourceKind) -> u8 {
        plan.lines
            .iter()
            .find(|l| l.kind == kind)
            .map_or(0, |l| l.count)
    }

    #[test]
    fn the_defaults_are_valid_and_cover_every_incident_type() {
        let book = PlanBook::defaults();
        book.validate().unwrap();
        for kind in IncidentKind::ALL {
            for priority in Priority::ALL {
                let s = PlanSubject {
                    priority,
                    ..subject(*kind)
                };
                let plan = book.select(&s).unwrap();
                assert!(!plan.lines.is_empty(), "{kind:?} {priority:?}");
            }
        }
    }

    #[test]
    fn a_high_rise_fire_gets_engines_ladder_rescue_and_ambulance_before_the_patrol() {
        let book = PlanBook::defaults();
        let s = PlanSubject {
            facility_kind: Some("apartment_building"),
            floors: Some(41),
            ..subject(IncidentKind::Fire)
        };
        let plan = book.select(&s).unwrap();
        assert_eq!(plan.id, "fire_high_rise");
        assert!(count(&plan, ResourceKind::FireEngine) >= 3);
        assert_eq!(count(&plan, ResourceKind::AerialLadder), 1);
        assert_eq!(count(&plan, ResourceKind::RescueTeam), 1);
        assert_eq!(count(&plan, ResourceKind::Ambulance), 1);
        let patrol = plan
            .lines
            .iter()
            .position(|l| l.kind == ResourceKind::Patrol)
            .unwrap();
        assert_eq!(patrol, plan.lines.len() - 1, "the patrol comes last");
        assert!(plan.applied.contains(&"fire_residential".to_string()));
        assert!(plan.applied.contains(&"fire".to_string()));
    }

    #[test]
    fn refinements_add_to_each_other() {
        let book = PlanBook::defaults();
        let s = PlanSubject {
            facility_kind: Some("market"),
            floors: Some(12),
            ..subject(IncidentKind::Fire)
        };
        let plan = book.select(&s).unwrap();
        // Market: tanker and two patrols; high-rise: ladder and ambulance.
        assert_eq!(count(&plan, ResourceKind::WaterTanker), 1);
        assert_eq!(count(&plan, ResourceKind::AerialLadder), 1);
        assert_eq!(count(&plan, ResourceKind::Ambulance), 1);
        assert_eq!(count(&plan, ResourceKind::Patrol), 2);
        assert_eq!(count(&plan, ResourceKind::FireEngine), 3);
    }

    #[test]
    fn a_low_building_or_no_facility_gets_the_base_plan() {
        let book = PlanBook::defaults();
        let plain = book.select(&subject(IncidentKind::Fire)).unwrap();
        assert_eq!(plain.id, "fire");
        assert_eq!(plain.applied, vec!["fire".to_string()]);
        let office = PlanSubject {
            facility_kind: Some("office"),
            floors: Some(9),
            ..subject(IncidentKind::Fire)
        };
        assert_eq!(book.select(&office).unwrap().id, "fire");
        let unknown_floors = PlanSubject {
            facility_kind: Some("office"),
            floors: None,
            ..subject(IncidentKind::Fire)
        };
        assert_eq!(book.select(&unknown_floors).unwrap().id, "fire");
    }

    #[test]
    fn crime_plans_follow_sub_type_and_priority() {
        let book = PlanBook::defaults();
        let robbery = PlanSubject {
            subtype: Some(CrimeSubtype::Robbery),
            priority: Priority::P1,
            ..subject(IncidentKind::Crime)
        };
        let plan = book.select(&robbery).unwrap();
        assert_eq!(plan.id, "crime_violent");
        assert_eq!(count(&plan, ResourceKind::CityTeam), 1);
        assert_eq!(count(&plan, ResourceKind::Patrol), 2);
        assert_eq!(
            count(&plan, ResourceKind::Ambulance),
            1,
            "P1 adds the ambulance"
        );
        let theft = PlanSubject {
            subtype: Some(CrimeSubtype::Theft),
            priority: Priority::P3,
            ..subject(IncidentKind::Crime)
        };
        let plan = book.select(&theft).unwrap();
        assert_eq!(plan.id, "crime");
        assert_eq!(plan.lines.len(), 1);
    }

    #[test]
    fn invalid_books_say_every_problem() {
        let text = r#"
[[plan]]
id = "Fire!"
name_vi = "Cháy"
name_en = "Fire"
kinds = ["fire"]
lines = [{ kind = "fire_engine", count = 0 }, { kind = "fire_engine", count = 2 }]
"#;
        let Err(IncidentError::Invalid { errors }) = PlanBook::from_toml(text) else {
            panic!("expected invalid");
        };
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert!(codes.contains(&"invalid_id"), "{codes:?}");
        assert!(codes.contains(&"out_of_range"), "{codes:?}");
        assert!(codes.contains(&"duplicate_kind"), "{codes:?}");
        assert!(codes.contains(&"missing_base_plan"), "{codes:?}");
        let bad_kind = r#"
[[plan]]
id = "x"
name_vi = "x"
name_en = "x"
kinds = ["fire"]
lines = [{ kind = "spaceship", count = 1 }]
"#;
        let Err(IncidentError::Invalid { errors }) = PlanBook::from_toml(bad_kind) else {
            panic!("expected invalid");
        };
        assert_eq!(errors[0].code, "invalid_toml");
        assert!(errors[0].message_en.contains("spaceship"), "{errors:?}");
    }

    #[test]
    fn a_book_round_trips_through_toml() {
        let book = PlanBook::defaults();
        let again = PlanBook::from_toml(&book.to_toml()).unwrap();
        assert_eq!(again, book);
    }
}
