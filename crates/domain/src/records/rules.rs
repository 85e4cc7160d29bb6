//! Quality rules as data: each rule's id, dimension, severity, Vietnamese and English
//! description, legal basis, validity dates and parameters (deadlines, required fields, …).
//!
//! The laws behind these rules change often (Decree 154/2024 replaced Decree 62/2021; the 2025
//! amendment of the Residence Law changes Art. 30 from 1/7/2026), so nothing that a law fixes is
//! a constant in code: it lives in `rules.toml` (compiled in as the defaults) and may be
//! overridden by a TOML or JSON file with the same shape. A rule id may have several versions with
//! non-overlapping validity ranges; a check uses the version valid on the check date, and a rule
//! with no version valid on that date is not evaluated at all.

use super::types::RecordKind;
use super::RecordsError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The four dimensions of "đúng, đủ, sạch, sống".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Đúng: values are valid and consistent with each other and with the law.
    Correct,
    /// Đủ: every required field is filled.
    Complete,
    /// Sạch: no duplicates and no conflicting records.
    Clean,
    /// Sống: records reflect the present (nothing expired still active, deadlines met, verified
    /// recently).
    Alive,
}

impl Dimension {
    /// Every dimension, in the order of the slogan.
    pub const ALL: [Dimension; 4] = [
        Dimension::Correct,
        Dimension::Complete,
        Dimension::Clean,
        Dimension::Alive,
    ];

    /// Vietnamese name ("đúng", "đủ", "sạch", "sống").
    pub fn label_vi(self) -> &'static str {
        match self {
            Dimension::Correct => "đúng",
            Dimension::Complete => "đủ",
            Dimension::Clean => "sạch",
            Dimension::Alive => "sống",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Dimension::Correct => "correct",
            Dimension::Complete => "complete",
            Dimension::Clean => "clean",
            Dimension::Alive => "alive",
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RuleSeverity))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be fixed: the record is wrong or breaks a legal obligation.
    Error,
    /// Should be looked at: likely wrong, but may be legitimate.
    Warning,
}

macro_rules! rule_ids {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal => [$($kind:ident),+], $vi:literal, $en:literal, )+) => {
        /// Identifier of an implemented rule. The string form (`pin.province_code`) is what rule
        /// files, findings and answer keys use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $( $(#[$doc])* $variant, )+
        }

        impl RuleId {
            /// Every implemented rule.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)+];

            /// The dotted string id.
            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $id,)+ }
            }

            /// The rule's name as the work list shows it, in Vietnamese.
            pub fn label_vi(self) -> &'static str {
                match self { $(RuleId::$variant => $vi,)+ }
            }

            /// The rule's name in English.
            pub fn label_en(self) -> &'static str {
                match self { $(RuleId::$variant => $en,)+ }
            }

            /// Kinds of record the rule is evaluated on.
            pub fn applies_to(self) -> &'static [RecordKind] {
                match self { $(RuleId::$variant => &[$(RecordKind::$kind),+],)+ }
            }
        }

        impl FromStr for RuleId {
            type Err = RecordsError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($id => Ok(RuleId::$variant),)+
                    _ => Err(RecordsError::UnknownRule { id: s.to_string() }),
                }
            }
        }
    };
}

rule_ids! {
    /// The identification number is not twelve digits.
    PinFormat = "pin.format" => [Person], "Số định danh không đủ 12 chữ số", "Identification number is not 12 digits",
    /// The number's province code is not in the code table.
    PinProvinceCode = "pin.province_code" => [Person], "Mã tỉnh trong số định danh không hợp lệ", "Province code of the number is not valid",
    /// The number's century digit does not match the date of birth.
    PinCentury = "pin.century" => [Person], "Mã thế kỷ trong số định danh không khớp ngày sinh", "Century digit does not match the date of birth",
    /// The number's year digits do not match the date of birth.
    PinBirthYear = "pin.birth_year" => [Person], "Năm sinh trong số định danh không khớp ngày sinh", "Birth year digits do not match the date of birth",
    /// The number's sex does not match the recorded sex.
    PinSex = "pin.sex" => [Person], "Giới tính trong số định danh không khớp", "Sex in the number does not match",
    /// The number's province differs from the recorded birth-registration province.
    PinBirthProvince = "pin.birth_province" => [Person], "Tỉnh trong số định danh khác nơi đăng ký khai sinh", "Province of the number differs from the birth registration",
    /// Date of birth in the future or implausibly old.
    PersonBirthDate = "person.birth_date" => [Person], "Ngày sinh không hợp lý", "Implausible date of birth",
    /// Full name with digits or symbols, or a single word.
    PersonName = "person.name" => [Person], "Họ tên không hợp lệ", "Invalid full name",
    /// Malformed phone number.
    PersonPhone = "person.phone" => [Person], "Số điện thoại sai định dạng", "Malformed phone number",
    /// Household head is not a known person.
    HouseholdHead = "household.head" => [Household], "Chủ hộ không có trong dữ liệu nhân khẩu", "Household head is not a known person",
    /// Address resolves to no unit.
    AddressUnresolved = "address.unresolved" => [Household, Registration, Establishment], "Địa chỉ không xác định được đơn vị", "Address resolves to no unit",
    /// Address resolves to another unit than the record's.
    AddressUnitMismatch = "address.unit_mismatch" => [Household, Registration, Establishment], "Địa chỉ thuộc đơn vị khác", "Address belongs to another unit",
    /// Registration of an unknown person.
    RegistrationPerson = "registration.person" => [Registration], "Đăng ký cư trú của người không có trong dữ liệu", "Registration of an unknown person",
    /// Registration ends before it starts.
    RegistrationDates = "registration.dates" => [Registration], "Ngày kết thúc trước ngày bắt đầu", "Registration ends before it starts",
    /// Temporary residence registered for longer than the law allows.
    RegistrationTemporaryTerm = "registration.temporary_term" => [Registration], "Thời hạn tạm trú vượt quá luật định", "Temporary residence longer than the law allows",
    /// Declaration dates incoherent (departure before arrival, birth in the future).
    DeclarationDates = "declaration.dates" => [Declaration], "Ngày khai báo lưu trú không hợp lý", "Incoherent declaration dates",
    /// Malformed passport number or country code.
    DeclarationPassport = "declaration.passport" => [Declaration], "Số hộ chiếu hoặc mã quốc tịch sai định dạng", "Malformed passport number or country code",
    /// Unknown establishment, or one of another unit.
    DeclarationEstablishment = "declaration.establishment" => [Declaration], "Cơ sở lưu trú không có hoặc thuộc đơn vị khác", "Unknown establishment, or one of another unit",
    /// Person lacks required fields.
    PersonRequired = "person.required" => [Person], "Nhân khẩu thiếu thông tin bắt buộc", "Person lacks required fields",
    /// Household lacks required fields.
    HouseholdRequired = "household.required" => [Household], "Hộ thiếu thông tin bắt buộc", "Household lacks required fields",
    /// Registration lacks required fields for its kind.
    RegistrationRequired = "registration.required" => [Registration], "Đăng ký cư trú thiếu thông tin bắt buộc", "Registration lacks required fields",
    /// Establishment lacks required fields.
    EstablishmentRequired = "establishment.required" => [Establishment], "Cơ sở lưu trú thiếu thông tin bắt buộc", "Establishment lacks required fields",
    /// Declaration lacks required fields.
    DeclarationRequired = "declaration.required" => [Declaration], "Khai báo tạm trú người nước ngoài thiếu thông tin", "Declaration lacks required fields",
    /// Two person records with the same identification number.
    PersonDuplicatePin = "person.duplicate_pin" => [Person], "Trùng số định danh", "Duplicate identification number",
    /// Same name (without diacritics) and date of birth under different numbers.
    PersonDuplicateNameDob = "person.duplicate_name_dob" => [Person], "Trùng họ tên và ngày sinh, khác số định danh", "Same name and date of birth, different numbers",
    /// Same name and date of birth, numbers one typo apart.
    PersonDuplicatePinTypo = "person.duplicate_pin_typo" => [Person], "Có thể trùng người: số định danh lệch một ký tự", "Probable duplicate: numbers one typo apart",
    /// Same date of birth, names one typo apart.
    PersonDuplicateNameTypo = "person.duplicate_name_typo" => [Person], "Có thể trùng người: họ tên lệch một ký tự", "Probable duplicate: names one typo apart",
    /// Two active permanent residences for one person.
    RegistrationMultiplePermanent = "registration.multiple_permanent" => [Registration], "Hai nơi thường trú cùng lúc", "Two active permanent residences",
    /// Two active temporary residences overlapping in time.
    RegistrationOverlappingTemporary = "registration.overlapping_temporary" => [Registration], "Hai nơi tạm trú trùng thời gian", "Overlapping temporary residences",
    /// Two declarations of one passport overlapping in time.
    DeclarationDuplicate = "declaration.duplicate" => [Declaration], "Khai báo trùng hộ chiếu, trùng thời gian", "Duplicate declarations of one passport",
    /// Temporary residence past its expiry still active.
    RegistrationTemporaryExpired = "registration.temporary_expired" => [Registration], "Tạm trú đã hết hạn nhưng còn hiệu lực", "Expired temporary residence still active",
    /// Absence or stay past its end still active.
    RegistrationPeriodEnded = "registration.period_ended" => [Registration], "Vắng mặt hoặc lưu trú đã hết nhưng còn hiệu lực", "Ended absence or stay still active",
    /// Stay notified after the deadline.
    StayLateNotification = "stay.late_notification" => [Registration], "Thông báo lưu trú muộn", "Stay notified late",
    /// Foreigner declared after the deadline.
    DeclarationLate = "declaration.late" => [Declaration], "Khai báo tạm trú người nước ngoài muộn", "Foreigner declared late",
    /// Foreigner staying past the visa or permit.
    DeclarationOverstay = "declaration.overstay" => [Declaration], "Người nước ngoài ở quá hạn thị thực", "Foreigner staying past the visa or permit",
    /// Person not verified within the configured period.
    PersonUnverified = "person.unverified" => [Person], "Nhân khẩu chưa được xác minh", "Person not verified in time",
}

impl RuleId {
    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn default_true() -> bool {
    true
}

/// One version of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Which implemented check this configures.
    pub id: RuleId,
    /// Dimension the rule's findings count against.
    pub dimension: Dimension,
    /// Severity of the rule's findings.
    pub severity: Severity,
    /// What the rule demands, in Vietnamese.
    pub description_vi: String,
    /// What the rule demands, in English.
    pub description_en: String,
    /// Legal source (law, decree, circular, article), or the operational directive.
    pub legal_basis: String,
    /// First day this version applies (inclusive); `None` = since always.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last day this version applies (inclusive); `None` = until further notice.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// A disabled rule is never evaluated.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Rule-specific parameters (deadlines in hours, required fields, …).
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Rule {
    /// Whether this version applies on `date`.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.enabled
            && self.valid_from.is_none_or(|f| f <= date)
            && self.valid_to.is_none_or(|t| date <= t)
    }

    fn param(&self, name: &str) -> Result<&serde_json::Value, RecordsError> {
        self.params
            .get(name)
            .ok_or_else(|| RecordsError::MissingParam {
                rule: self.id.as_str().to_string(),
                param: name.to_string(),
            })
    }

    fn bad(&self, name: &str, expected: &str) -> RecordsError {
        RecordsError::BadParam {
            rule: self.id.as_str().to_string(),
            param: name.to_string(),
            expected: expected.to_string(),
        }
    }

    /// A non-negative integer parameter.
    pub fn param_u32(&self, name: &str) -> Result<u32, RecordsError> {
        self.param(name)?
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| self.bad(name, "a non-negative integer"))
    }

    /// A list-of-strings parameter.
    pub fn param_strings(&self, name: &str) -> Result<Vec<String>, RecordsError> {
        let value = self.param(name)?;
        let list = value
            .as_array()
            .ok_or_else(|| self.bad(name, "a list of strings"))?;
        list.iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.bad(name, "a list of strings"))
            })
            .collect()
    }

    /// A list-of-strings parameter that may be absent (absent = empty).
    pub fn param_strings_or_empty(&self, name: &str) -> Result<Vec<String>, RecordsError> {
        if self.params.contains_key(name) {
            self.param_strings(name)
        } else {
            Ok(Vec::new())
        }
    }
}

#[derive(Deserialize, Serialize)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<Rule>,
}

/// Every version of every configured rule, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

const BUILTIN_RULES: &str = include_str!("rules.toml");

impl RuleSet {
    /// The rules compiled into the program (`rules.toml` beside this module).
    pub fn builtin() -> RuleSet {
        // The compiled-in file is checked by a unit test; failing here is a build defect.
        RuleSet::from_toml_str(BUILTIN_RULES).expect("built-in rules.toml is valid")
    }

    /// Parses and validates a TOML rule file (`[[rule]]` tables).
    pub fn from_toml_str(text: &str) -> Result<RuleSet, RecordsError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RecordsError::RuleFile {
            format: "toml",
            message: e.to_string(),
        })?;
        RuleSet::from_rules(file.rule)
    }

    /// Parses and validates a JSON rule file (`{"rule": [...]}`).
    pub fn from_json_str(text: &str) -> Result<RuleSet, RecordsError> {
        let file: RuleFile = serde_json::from_str(text).map_err(|e| RecordsError::RuleFile {
            format: "json",
            message: e.to_string(),
        })?;
        RuleSet::from_rules(file.rule)
    }

    /// Validates a list of rule versions: validity ranges well ordered and not overlapping for
    /// one id, and the parameters each version needs present and well typed.
    pub fn from_rules(mut rules: Vec<Rule>) -> Result<RuleSet, RecordsError> {
        rules.sort_by(|a, b| a.id.cmp(&b.id).then(a.valid_from.cmp(&b.valid_from)));
        for rule in &rules {
            if let (Some(from), Some(to)) = (rule.valid_from, rule.valid_to) {
                if to < from {
                    return Err(RecordsError::InvalidValidity {
                        rule: rule.id.as_str().to_string(),
                        valid_from: from,
                        valid_to: to,
                    });
                }
            }
            super::check::Params::validate_rule(rule)?;
        }
        for pair in rules.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.id != b.id {
                continue;
            }
            let separated = match (a.valid_to, b.valid_from) {
                (Some(end), Some(start)) => end < start,
                _ => false,
            };
            if !separated {
                return Err(RecordsError::OverlappingVersions {
                    rule: a.id.as_str().to_string(),
                });
            }
        }
        Ok(RuleSet { rules })
    }

    /// Replaces every version of each rule id present in `overrides`; other ids keep their
    /// versions. This is how a local rule file amends the built-in defaults.
    pub fn with_overrides(self, overrides: RuleSet) -> Result<RuleSet, RecordsError> {
        let ids: Vec<RuleId> = overrides.rules.iter().map(|r| r.id).collect();
        let mut rules: Vec<Rule> = self
            .rules
            .into_iter()
            .filter(|r| !ids.contains(&r.id))
            .collect();
        rules.extend(overrides.rules);
        RuleSet::from_rules(rules)
    }

    /// Every rule version, ordered by id then start of validity.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The version of `id` valid on `date`, if any.
    pub fn get(&self, id: RuleId, date: NaiveDate) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id && r.valid_on(date))
    }

    /// The rules in force on `date`.
    pub fn active_on(&self, date: NaiveDate) -> ActiveRules<'_> {
        let mut by_id = vec![None; RuleId::ALL.len()];
        for rule in &self.rules {
            if rule.valid_on(date) {
                by_id[rule.id.index()] = Some(rule);
            }
        }
        ActiveRules { date, by_id }
    }

    /// Serialises the rule set as TOML, e.g. to give operators a template to edit.
    pub fn to_toml_string(&self) -> Result<String, RecordsError> {
        let file = RuleFile {
            rule: self.rules.clone(),
        };
        toml::to_string(&file).map_err(|e| RecordsError::RuleFile {
            format: "toml",
            message: e.to_string(),
        })
    }
}

/// The rule versions in force on one date, indexed for fast lookup during checks.
#[derive(Debug, Clone)]
pub struct ActiveRules<'a> {
    date: NaiveDate,
    by_id: Vec<Option<&'a Rule>>,
}

impl<'a> ActiveRules<'a> {
    /// The check date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The version of `id` in force, or `None` when the rule is not evaluated on this date.
    pub fn get(&self, id: RuleId) -> Option<&'a Rule> {
        self.by_id[id.index()]
    }

    /// Whether `id` is evaluated.
    pub fn is_active(&self, id: RuleId) -> bool {
        self.get(id).is_some()
    }

    /// Every rule in force.
    pub fn iter(&self) -> impl Iterator<Item = &'a Rule> + '_ {
        self.by_id.iter().flatten().copied()
    }

    /// Whether any rule of `dimension` in force applies to `kind`: only then is a record of that
    /// kind counted as checked for that dimension.
    pub fn covers(&self, dimension: Dimension, kind: RecordKind) -> bool {
        self.iter()
            .any(|r| r.dimension == dimension && r.id.applies_to().contains(&kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn builtin_rules_cover_every_implemented_rule() {
        let set = RuleSet::builtin();
        let active = set.active_on(d(2026, 11, 1));
        for id in RuleId::ALL {
            let rule = active.get(*id);
            assert!(rule.is_some(), "{id} has no version in force");
            let rule = rule.unwrap();
            assert!(!rule.description_vi.is_empty() && !rule.description_en.is_empty());
            assert!(!rule.legal_basis.is_empty(), "{id} lacks a legal basis");
        }
    }

    #[test]
    fn every_rule_has_a_short_name_of_its_own_in_both_languages() {
        let mut vi = std::collections::HashSet::new();
        let mut en = std::collections::HashSet::new();
        for id in RuleId::ALL {
            assert!(vi.insert(id.label_vi()), "{id}: name shared");
            assert!(en.insert(id.label_en()), "{id}: name shared");
            assert!(
                id.label_vi().chars().count() <= 60,
                "{id}: too long for a column"
            );
        }
    }

    #[test]
    fn rule_ids_round_trip() {
        for id in RuleId::ALL {
            assert_eq!(id.as_str().parse::<RuleId>().unwrap(), *id);
        }
        assert!(matches!(
            "pin.nope".parse::<RuleId>(),
            Err(RecordsError::UnknownRule { .. })
        ));
    }

    #[test]
    fn versions_select_by_date_and_must_not_overlap() {
        let toml = r#"
[[rule]]
id = "declaration.late"
dimension = "alive"
severity = "error"
description_vi = "a"
description_en = "a"
legal_basis = "old"
valid_to = "2026-06-30"
params = { hours = 12, remote_hours = 24 }

[[rule]]
id = "declaration.late"
dimension = "alive"
severity = "error"
description_vi = "b"
description_en = "b"
legal_basis = "new"
valid_from = "2026-07-01"
params = { hours = 6, remote_hours = 12 }
"#;
        let set = RuleSet::from_toml_str(toml).unwrap();
        assert_eq!(
            set.get(RuleId::DeclarationLate, d(2026, 6, 30))
                .unwrap()
                .legal_basis,
            "old"
        );
        assert_eq!(
            set.get(RuleId::DeclarationLate, d(2026, 7, 1))
                .unwrap()
                .legal_basis,
            "new"
        );
        let overlapping = toml.replace("2026-07-01", "2026-06-30");
        assert!(matches!(
            RuleSet::from_toml_str(&overlapping),
            Err(RecordsError::OverlappingVersions { .. })
        ));
    }

    #[test]
    fn rules_outside_validity_are_not_active() {
        let set = RuleSet::builtin();
        // Residence Law 68/2020 took effect on 1/7/2021.
        let before = set.active_on(d(2020, 1, 1));
        assert!(!before.is_active(RuleId::StayLateNotification));
        assert!(before.is_active(RuleId::PinFormat));
    }

    #[test]
    fn overrides_replace_rule_and_validate_params() {
        let json = r#"{"rule":[{"id":"person.unverified","dimension":"alive","severity":"warning",
            "description_vi":"x","description_en":"x","legal_basis":"x","params":{"max_age_days":30}}]}"#;
        let set = RuleSet::builtin()
            .with_overrides(RuleSet::from_json_str(json).unwrap())
            .unwrap();
        let rule = set.get(RuleId::PersonUnverified, d(2026, 1, 1)).unwrap();
        assert_eq!(rule.param_u32("max_age_days").unwrap(), 30);

        let missing = json.replace(r#""params":{"max_age_days":30}"#, r#""params":{}"#);
        assert!(matches!(
            RuleSet::from_json_str(&missing),
            Err(RecordsError::MissingParam { .. })
        ));
        let bad_field = r#"{"rule":[{"id":"person.required","dimension":"complete","severity":"error",
            "description_vi":"x","description_en":"x","legal_basis":"x","params":{"fields":["shoe_size"]}}]}"#;
        assert!(matches!(
            RuleSet::from_json_str(bad_field),
            Err(RecordsError::UnknownField { .. })
        ));
    }

    #[test]
    fn toml_round_trip() {
        let set = RuleSet::builtin();
        let text = set.to_toml_string().unwrap();
        assert_eq!(RuleSet::from_toml_str(&text).unwrap(), set);
    }
}
