//! The checks: every rule in force on the check date evaluated over a [`RecordSet`], producing
//! [`Finding`]s. Per-record rules (correct, complete, alive) live here; rules that compare
//! records with each other (clean) live in [`super::clean`].
//!
//! Precedence, so that one mistake yields one finding:
//! - a malformed identification number yields only `pin.format`; an unknown province code
//!   suppresses the birth-province comparison;
//! - a field that is missing is a completeness finding only: rules needing it are skipped;
//! - a registration or declaration whose dates are incoherent (`registration.dates`,
//!   `declaration.dates`) is not judged by the period rules (term, expiry, overlap, overstay).

use super::clean;
use super::findings::{Finding, FindingStatus};
use super::fxhash::{map_with_capacity, FxHashMap};
use super::pin::{validate_pin, PinContext, PinIssue};
use super::resolve::AddressResolver;
use super::rules::{ActiveRules, Rule, RuleId, RuleSet};
use super::types::{
    local_date, vn_offset, Establishment, ForeignerDeclaration, Household, Person, RecordKind,
    RecordRef, RecordSet, RecordStatus, Registration, RegistrationKind,
};
use super::RecordsError;
use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

/// Field names usable in `person.required`.
pub const PERSON_FIELDS: [&str; 11] = [
    "pin",
    "full_name",
    "date_of_birth",
    "sex",
    "birth_registration_province",
    "hometown",
    "ethnicity",
    "nationality",
    "phone",
    "unit",
    "verified_at",
];
/// Field names usable in `household.required`.
pub const HOUSEHOLD_FIELDS: [&str; 3] = ["head_person_id", "address", "unit"];
/// Field names usable in `registration.required`.
pub const REGISTRATION_FIELDS: [&str; 9] = [
    "person_id",
    "household_id",
    "address",
    "unit",
    "start",
    "end",
    "arrival_at",
    "made_at",
    "reason",
];
/// Field names usable in `establishment.required`.
pub const ESTABLISHMENT_FIELDS: [&str; 4] = ["name", "kind", "address", "unit"];
/// Field names usable in `declaration.required`.
pub const DECLARATION_FIELDS: [&str; 15] = [
    "full_name",
    "sex",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_country",
    "permit_kind",
    "permit_symbol",
    "permit_number",
    "permit_expiry",
    "arrival_at",
    "departure_at",
    "establishment_id",
    "unit",
    "declared_at",
];

/// Vietnamese and English label of a field name, for messages.
pub fn field_label(name: &str) -> (&'static str, &'static str) {
    match name {
        "pin" => ("số định danh cá nhân", "identification number"),
        "full_name" => ("họ và tên", "full name"),
        "date_of_birth" => ("ngày sinh", "date of birth"),
        "sex" => ("giới tính", "sex"),
        "birth_registration_province" => ("nơi đăng ký khai sinh", "birth-registration province"),
        "hometown" => ("quê quán", "hometown"),
        "ethnicity" => ("dân tộc", "ethnicity"),
        "nationality" => ("quốc tịch", "nationality"),
        "phone" => ("số điện thoại", "phone"),
        "unit" => ("đơn vị quản lý", "unit"),
        "verified_at" => ("thời điểm xác minh", "verification time"),
        "head_person_id" => ("chủ hộ", "head of household"),
        "address" => ("địa chỉ", "address"),
        "person_id" => ("nhân khẩu", "person"),
        "household_id" => ("hộ", "household"),
        "start" => ("ngày bắt đầu", "start date"),
        "end" => ("ngày kết thúc/hết hạn", "end/expiry date"),
        "arrival_at" => ("thời điểm đến", "arrival time"),
        "made_at" => ("thời điểm đăng ký/thông báo", "time made"),
        "reason" => ("lý do", "reason"),
        "name" => ("tên", "name"),
        "kind" => ("loại hình", "kind"),
        "passport_number" => ("số hộ chiếu", "passport number"),
        "passport_country" => ("quốc gia cấp hộ chiếu", "passport issuing state"),
        "permit_kind" => ("loại giấy tờ cư trú", "permit type"),
        "permit_symbol" => ("ký hiệu thị thực", "visa symbol"),
        "permit_number" => ("số thị thực/thẻ", "permit number"),
        "permit_expiry" => ("thời hạn thị thực/thẻ", "permit expiry"),
        "departure_at" => ("thời điểm đi", "departure time"),
        "establishment_id" => ("cơ sở lưu trú", "establishment"),
        "declared_at" => ("thời điểm khai báo", "declaration time"),
        _ => ("trường khác", "other field"),
    }
}

fn present(s: &str) -> bool {
    // Same as `!s.trim().is_empty()`, but stops at the first character of a filled field.
    s.chars().any(|c| !c.is_whitespace())
}

fn present_opt(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(present)
}

fn person_has(p: &Person, field: usize) -> bool {
    match field {
        0 => present(&p.pin),
        1 => present(&p.full_name),
        2 => p.date_of_birth.is_some(),
        3 => p.sex.is_some(),
        4 => present_opt(&p.birth_registration_province),
        5 => present_opt(&p.hometown),
        6 => present_opt(&p.ethnicity),
        7 => present_opt(&p.nationality),
        8 => present_opt(&p.phone),
        9 => present(&p.unit),
        _ => p.verified_at.is_some(),
    }
}

fn household_has(h: &Household, field: usize) -> bool {
    match field {
        0 => present(&h.head_person_id),
        1 => present(&h.address),
        _ => present(&h.unit),
    }
}

fn registration_has(r: &Registration, field: usize) -> bool {
    match field {
        0 => present(&r.person_id),
        1 => present_opt(&r.household_id),
        2 => present(&r.address),
        3 => present(&r.unit),
        4 => r.start.is_some(),
        5 => r.end.is_some(),
        6 => r.arrival_at.is_some(),
        7 => r.made_at.is_some(),
        _ => present_opt(&r.reason),
    }
}

fn establishment_has(e: &Establishment, field: usize) -> bool {
    match field {
        0 => present(&e.name),
        1 => e.kind.is_some(),
        2 => present(&e.address),
        _ => present(&e.unit),
    }
}

fn declaration_has(d: &ForeignerDeclaration, field: usize) -> bool {
    match field {
        0 => present(&d.full_name),
        1 => d.sex.is_some(),
        2 => d.date_of_birth.is_some(),
        3 => present(&d.nationality),
        4 => present(&d.passport_number),
        5 => present(&d.passport_country),
        6 => d.permit_kind.is_some(),
        7 => present_opt(&d.permit_symbol),
        8 => present_opt(&d.permit_number),
        9 => d.permit_expiry.is_some(),
        10 => d.arrival_at.is_some(),
        11 => d.departure_at.is_some(),
        12 => present(&d.establishment_id),
        13 => present(&d.unit),
        _ => d.declared_at.is_some(),
    }
}

/// Parameters of the rules in force, typed. Built from rule data; validated when a
/// [`RuleSet`] is loaded, so a bad file is rejected before any check runs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pub(crate) additional_codes: Vec<String>,
    pub(crate) max_age_years: u32,
    pub(crate) person_fields: Vec<usize>,
    pub(crate) household_fields: Vec<usize>,
    pub(crate) registration_fields: [Vec<usize>; 4],
    pub(crate) establishment_fields: Vec<usize>,
    pub(crate) declaration_fields: Vec<usize>,
    pub(crate) temporary_max_months: u32,
    pub(crate) temporary_grace_days: u32,
    pub(crate) period_grace_days: u32,
    pub(crate) stay_cutoff_hour: u32,
    pub(crate) stay_late_arrival_hour: u32,
    pub(crate) declaration_hours: u32,
    pub(crate) declaration_remote_hours: u32,
    pub(crate) overstay_grace_days: u32,
    pub(crate) unverified_days: u32,
}

fn field_indices(rule: &Rule, param: &str, known: &[&str]) -> Result<Vec<usize>, RecordsError> {
    rule.param_strings(param)?
        .iter()
        .map(|name| {
            known
                .iter()
                .position(|k| k == name)
                .ok_or_else(|| RecordsError::UnknownField {
                    rule: rule.id.as_str().to_string(),
                    field: name.clone(),
                })
        })
        .collect()
}

fn hour_param(rule: &Rule, name: &str, max: u32) -> Result<u32, RecordsError> {
    let v = rule.param_u32(name)?;
    if v > max {
        return Err(RecordsError::BadParam {
            rule: rule.id.as_str().to_string(),
            param: name.to_string(),
            expected: format!("an hour from 0 to {max}"),
        });
    }
    Ok(v)
}

impl Params {
    /// Checks that a rule version carries the parameters its check needs.
    pub(crate) fn validate_rule(rule: &Rule) -> Result<(), RecordsError> {
        Params::default().absorb(rule)
    }

    fn absorb(&mut self, rule: &Rule) -> Result<(), RecordsError> {
        match rule.id {
            RuleId::PinProvinceCode => {
                let codes = rule.param_strings_or_empty("additional_codes")?;
                if let Some(bad) = codes
                    .iter()
                    .find(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(RecordsError::BadParam {
                        rule: rule.id.as_str().to_string(),
                        param: "additional_codes".to_string(),
                        expected: format!("three-digit codes, not {bad:?}"),
                    });
                }
                self.additional_codes = codes;
            }
            RuleId::PersonBirthDate => self.max_age_years = rule.param_u32("max_age_years")?,
            RuleId::PersonRequired => {
                self.person_fields = field_indices(rule, "fields", &PERSON_FIELDS)?
            }
            RuleId::HouseholdRequired => {
                self.household_fields = field_indices(rule, "fields", &HOUSEHOLD_FIELDS)?
            }
            RuleId::EstablishmentRequired => {
                self.establishment_fields = field_indices(rule, "fields", &ESTABLISHMENT_FIELDS)?
            }
            RuleId::DeclarationRequired => {
                self.declaration_fields = field_indices(rule, "fields", &DECLARATION_FIELDS)?
            }
            RuleId::RegistrationRequired => {
                for (i, kind) in RegistrationKind::ALL.iter().enumerate() {
                    self.registration_fields[i] =
                        field_indices(rule, kind.as_str(), &REGISTRATION_FIELDS)?;
                }
            }
            RuleId::RegistrationTemporaryTerm => {
                self.temporary_max_months = rule.param_u32("max_months")?
            }
            RuleId::RegistrationTemporaryExpired => {
                self.temporary_grace_days = rule.param_u32("grace_days")?
            }
            RuleId::RegistrationPeriodEnded => {
                self.period_grace_days = rule.param_u32("grace_days")?
            }
            RuleId::DeclarationOverstay => {
                self.overstay_grace_days = rule.param_u32("grace_days")?
            }
            RuleId::StayLateNotification => {
                self.stay_cutoff_hour = hour_param(rule, "cutoff_hour", 24)?;
                self.stay_late_arrival_hour = hour_param(rule, "late_arrival_deadline_hour", 23)?;
            }
            RuleId::DeclarationLate => {
                self.declaration_hours = rule.param_u32("hours")?;
                self.declaration_remote_hours = rule.param_u32("remote_hours")?;
            }
            RuleId::PersonUnverified => self.unverified_days = rule.param_u32("max_age_days")?,
            _ => {}
        }
        Ok(())
    }

    fn from_active(active: &ActiveRules<'_>) -> Result<Params, RecordsError> {
        let mut p = Params::default();
        for rule in active.iter() {
            p.absorb(rule)?;
        }
        Ok(p)
    }
}

fn kind_index(kind: RegistrationKind) -> usize {
    match kind {
        RegistrationKind::Permanent => 0,
        RegistrationKind::Temporary => 1,
        RegistrationKind::TemporaryAbsence => 2,
        RegistrationKind::StayNotification => 3,
    }
}

/// Whether a full name holds only letters (apostrophes and hyphens allowed, as in Ê Đê names
/// like "H'Hen Niê") and at least two words.
pub fn is_plausible_name(name: &str) -> bool {
    let chars_ok = name.chars().all(|c| {
        c.is_alphabetic()
            || c.is_whitespace()
            || c == '\''
            || c == '-'
            || ('\u{0300}'..='\u{036f}').contains(&c)
    });
    chars_ok && name.split_whitespace().count() >= 2
}

/// Whether a phone number looks Vietnamese: 10 or 11 digits starting with 0, or the same with
/// +84/84 instead of the 0. Spaces, dots and hyphens are ignored.
pub fn is_plausible_phone(phone: &str) -> bool {
    let digits: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        rest
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() >= 9) {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else {
        return false;
    };
    (9..=10).contains(&national.len())
        && !national.starts_with('0')
        && national.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a passport number is as the notes require: 5–20 upper-case letters or digits.
pub fn is_plausible_passport(number: &str) -> bool {
    (5..=20).contains(&number.len())
        && number
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether a country code is ISO 3166-1 alpha-3 shaped, or the one-letter MRZ code `D`
/// (Germany).
pub fn is_plausible_country(code: &str) -> bool {
    code == "D" || (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Evaluates the rules in force on the check date over a set of records.
///
/// Build one per check run: it fixes `now` (the check date is its Vietnamese calendar date),
/// the rule versions in force on that date, and the address resolver. `None` as resolver skips
/// the address rules.
pub struct Checker<'a> {
    pub(crate) active: ActiveRules<'a>,
    pub(crate) params: Params,
    resolver: Option<&'a dyn AddressResolver>,
    pub(crate) now: DateTime<Utc>,
    pub(crate) today: NaiveDate,
}

/// Accumulates findings, formatting messages only for rules in force.
pub(crate) struct Sink<'c, 'a> {
    pub(crate) checker: &'c Checker<'a>,
    pub(crate) out: Vec<Finding>,
}

impl Sink<'_, '_> {
    pub(crate) fn on(&self, rule: RuleId) -> bool {
        self.checker.active.is_active(rule)
    }

    /// Records a finding; `messages` is only called when the rule is in force.
    pub(crate) fn emit(
        &mut self,
        rule: RuleId,
        record: RecordRef,
        unit: &str,
        related: Vec<RecordRef>,
        messages: impl FnOnce() -> (String, String),
    ) {
        let Some(r) = self.checker.active.get(rule) else {
            return;
        };
        let (vi, en) = messages();
        self.out.push(Finding {
            record,
            unit: unit.to_string(),
            rule,
            dimension: r.dimension,
            severity: r.severity,
            message_vi: format!("{vi} (quy tắc {rule}; căn cứ: {})", r.legal_basis),
            message_en: format!("{en} (rule {rule}; basis: {})", r.legal_basis),
            legal_basis: r.legal_basis.clone(),
            related,
            detected_at: self.checker.now,
            status: FindingStatus::Open,
            history: Vec::new(),
        });
    }
}

fn missing_list(names: &[&str]) -> (String, String) {
    let vi: Vec<&str> = names.iter().map(|n| field_label(n).0).collect();
    let en: Vec<&str> = names.iter().map(|n| field_label(n).1).collect();
    (
        format!("Thiếu thông tin bắt buộc: {}", vi.join(", ")),
        format!("Missing required fields: {}", en.join(", ")),
    )
}

/// A required-fields rule applied to one record type.
struct Required<'p, T> {
    rule: RuleId,
    fields: &'p [usize],
    names: &'p [&'static str],
    has: fn(&T, usize) -> bool,
}

struct Index<'r> {
    person_index: FxHashMap<&'r str, u32>,
    establishments: FxHashMap<&'r str, &'r Establishment>,
}

impl<'a> Checker<'a> {
    /// Prepares a check run at `now` with the rules of `rules` in force on that date.
    pub fn new(
        rules: &'a RuleSet,
        resolver: Option<&'a dyn AddressResolver>,
        now: DateTime<Utc>,
    ) -> Result<Checker<'a>, RecordsError> {
        let today = local_date(now);
        let active = rules.active_on(today);
        let params = Params::from_active(&active)?;
        Ok(Checker {
            active,
            params,
            resolver,
            now,
            today,
        })
    }

    /// The rule versions in force for this run.
    pub fn active_rules(&self) -> &ActiveRules<'a> {
        &self.active
    }

    /// The instant the run is made at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Runs every rule in force over `records` (the whole city, so that duplicates across units
    /// are found). Findings are ordered by record, then rule.
    pub fn check(&self, records: RecordSet<'_>) -> Vec<Finding> {
        let mut sink = Sink {
            checker: self,
            out: Vec::new(),
        };
        let index = Index {
            person_index: {
                let mut m = map_with_capacity(records.persons.len());
                for (i, p) in records.persons.iter().enumerate() {
                    m.entry(p.id.as_str()).or_insert(i as u32);
                }
                m
            },
            establishments: records
                .establishments
                .iter()
                .map(|e| (e.id.as_str(), e))
                .collect(),
        };
        for p in records.persons {
            self.check_person(p, &mut sink);
        }
        for h in records.households {
            self.check_household(h, &index, &mut sink);
        }
        // The person of each registration, looked up once for the unknown-person rule and the
        // conflict rules.
        let mut reg_person = Vec::with_capacity(records.registrations.len());
        for r in records.registrations {
            let person = index
                .person_index
                .get(r.person_id.as_str())
                .copied()
                .unwrap_or(u32::MAX);
            reg_person.push(person);
            self.check_registration(r, person != u32::MAX, &mut sink);
        }
        for e in records.establishments {
            self.check_establishment(e, &mut sink);
        }
        for d in records.declarations {
            self.check_declaration(d, &index, &mut sink);
        }
        clean::check_persons(records.persons, &mut sink);
        clean::check_registrations(
            records.registrations,
            &reg_person,
            records.persons.len(),
            &mut sink,
        );
        clean::check_declarations(records.declarations, &mut sink);
        let mut out = sink.out;
        out.sort_by(|a, b| a.record.cmp(&b.record).then(a.rule.cmp(&b.rule)));
        out
    }

    fn check_address(
        &self,
        address: &str,
        kind: RecordKind,
        id: &str,
        unit: &str,
        sink: &mut Sink<'_, '_>,
    ) {
        let record = || RecordRef::new(kind, id);
        let Some(resolver) = self.resolver else {
            return;
        };
        if !present(address)
            || !(sink.on(RuleId::AddressUnresolved) || sink.on(RuleId::AddressUnitMismatch))
        {
            return;
        }
        match resolver.resolve(address) {
            None => sink.emit(RuleId::AddressUnresolved, record(), unit, vec![], || {
                (
                    "Không xác định được địa chỉ thuộc xã/phường nào".to_string(),
                    "The address does not resolve to any unit".to_string(),
                )
            }),
            Some(found) if found != unit => {
                sink.emit(RuleId::AddressUnitMismatch, record(), unit, vec![], || {
                    (
                        format!(
                            "Địa chỉ thuộc đơn vị {found}, không phải đơn vị quản lý hồ sơ {unit}"
                        ),
                        format!("The address lies in unit {found}, not in the keeping unit {unit}"),
                    )
                })
            }
            Some(_) => {}
        }
    }

    fn check_required<T>(
        &self,
        req: Required<'_, T>,
        record: &T,
        rec: impl FnOnce() -> RecordRef,
        unit: &str,
        sink: &mut Sink<'_, '_>,
    ) {
        if !sink.on(req.rule) {
            return;
        }
        let missing: Vec<&str> = req
            .fields
            .iter()
            .filter(|&&f| !(req.has)(record, f))
            .map(|&f| req.names[f])
            .collect();
        if !missing.is_empty() {
            sink.emit(req.rule, rec(), unit, vec![], || missing_list(&missing));
        }
    }

    fn check_person(&self, p: &Person, sink: &mut Sink<'_, '_>) {
        let rec = || RecordRef::new(RecordKind::Person, p.id.clone());
        self.check_required(
            Required {
                rule: RuleId::PersonRequired,
                fields: &self.params.person_fields,
                names: &PERSON_FIELDS,
                has: person_has,
            },
            p,
            rec,
            &p.unit,
            sink,
        );
        if present(&p.pin) {
            let birth_province = p
                .birth_registration_province
                .as_deref()
                .filter(|s| present(s));
            let ctx = PinContext {
                date_of_birth: p.date_of_birth,
                sex: p.sex,
                birth_province,
                additional_codes: &self.params.additional_codes,
            };
            for issue in validate_pin(&p.pin, &ctx) {
                self.emit_pin_issue(issue, p, sink);
            }
        }
        if let Some(dob) = p.date_of_birth {
            let oldest = self
                .today
                .checked_sub_months(Months::new(self.params.max_age_years.saturating_mul(12)))
                .unwrap_or(NaiveDate::MIN);
            if dob > self.today {
                sink.emit(RuleId::PersonBirthDate, rec(), &p.unit, vec![], || {
                    (
                        format!("Ngày sinh {} ở tương lai", dob.format("%d/%m/%Y")),
                        format!("Date of birth {dob} is in the future"),
                    )
                });
            } else if dob < oldest {
                let years = self.params.max_age_years;
                sink.emit(RuleId::PersonBirthDate, rec(), &p.unit, vec![], || {
                    (
                        format!(
                            "Ngày sinh {} cách đây hơn {years} năm",
                            dob.format("%d/%m/%Y")
                        ),
                        format!("Date of birth {dob} is more than {years} years ago"),
                    )
                });
            }
        }
        if present(&p.full_name) && sink.on(RuleId::PersonName) && !is_plausible_name(&p.full_name)
        {
            sink.emit(RuleId::PersonName, rec(), &p.unit, vec![], || {
                (
                    "Họ tên chứa chữ số/ký hiệu hoặc chỉ có một từ".to_string(),
                    "The name contains digits or symbols, or is a single word".to_string(),
                )
            });
        }
        if let Some(phone) = p.phone.as_deref().filter(|s| present(s)) {
            if sink.on(RuleId::PersonPhone) && !is_plausible_phone(phone) {
                sink.emit(RuleId::PersonPhone, rec(), &p.unit, vec![], || {
                    (
                        "Số điện thoại không đúng định dạng".to_string(),
                        "The phone number is malformed".to_string(),
                    )
                });
            }
        }
        if sink.on(RuleId::PersonUnverified) {
            let limit = Duration::days(i64::from(self.params.unverified_days));
            match p.verified_at {
                None => sink.emit(RuleId::PersonUnverified, rec(), &p.unit, vec![], || {
                    (
                        "Nhân khẩu chưa từng được xác minh".to_string(),
                        "The person has never been verified".to_string(),
                    )
                }),
                Some(at) if self.now - at > limit => {
                    let days = (self.now - at).num_days();
                    sink.emit(RuleId::PersonUnverified, rec(), &p.unit, vec![], || {
                        (
                            format!("Lần xác minh gần nhất cách đây {days} ngày"),
                            format!("Last verified {days} days ago"),
                        )
                    })
                }
                Some(_) => {}
            }
        }
    }

    fn emit_pin_issue(&self, issue: PinIssue, p: &Person, sink: &mut Sink<'_, '_>) {
        let rec = RecordRef::new(RecordKind::Person, p.id.clone());
        let unit = &p.unit;
        match issue {
            PinIssue::Format => sink.emit(RuleId::PinFormat, rec, unit, vec![], || {
                (
                    format!(
                        "Số định danh có {} ký tự, không phải 12 chữ số",
                        p.pin.chars().count()
                    ),
                    format!(
                        "The identification number has {} characters, not 12 digits",
                        p.pin.chars().count()
                    ),
                )
            }),
            PinIssue::ProvinceCode { code } => {
                sink.emit(RuleId::PinProvinceCode, rec, unit, vec![], || {
                    (
                        format!("Mã tỉnh {code} trong số định danh không có trong bảng mã"),
                        format!("Province code {code} in the number is not in the code table"),
                    )
                })
            }
            PinIssue::Century { digit, birth_year } => {
                sink.emit(RuleId::PinCentury, rec, unit, vec![], || {
                    (
                        format!("Chữ số thế kỷ {digit} không khớp năm sinh {birth_year}"),
                        format!("Century digit {digit} does not match year of birth {birth_year}"),
                    )
                })
            }
            PinIssue::BirthYear { year2, birth_year } => {
                sink.emit(RuleId::PinBirthYear, rec, unit, vec![], || {
                    (
                        format!("Hai số năm sinh {year2:02} không khớp năm sinh {birth_year}"),
                        format!("Year digits {year2:02} do not match year of birth {birth_year}"),
                    )
                })
            }
            PinIssue::Sex { in_pin, recorded } => {
                sink.emit(RuleId::PinSex, rec, unit, vec![], || {
                    (
                        format!(
                            "Số định danh mã hóa giới tính {}, hồ sơ ghi {}",
                            in_pin.label_vi(),
                            recorded.label_vi()
                        ),
                        format!(
                            "The number encodes {}, the record says {}",
                            in_pin.label_en(),
                            recorded.label_en()
                        ),
                    )
                })
            }
            PinIssue::BirthProvince { in_pin, recorded } => {
                sink.emit(RuleId::PinBirthProvince, rec, unit, vec![], || {
                    (
                        format!(
                            "Mã tỉnh {in_pin} trong số định danh khác nơi đăng ký khai sinh {recorded}"
                        ),
                        format!(
                            "Province {in_pin} in the number differs from the recorded birth province {recorded}"
                        ),
                    )
                })
            }
        }
    }

    fn check_household(&self, h: &Household, index: &Index<'_>, sink: &mut Sink<'_, '_>) {
        let rec = || RecordRef::new(RecordKind::Household, h.id.clone());
        self.check_required(
            Required {
                rule: RuleId::HouseholdRequired,
                fields: &self.params.household_fields,
                names: &HOUSEHOLD_FIELDS,
                has: household_has,
            },
            h,
            rec,
            &h.unit,
            sink,
        );
        if present(&h.head_person_id) && !index.person_index.contains_key(h.head_person_id.as_str())
        {
            let head = h.head_person_id.clone();
            sink.emit(RuleId::HouseholdHead, rec(), &h.unit, vec![], || {
                (
                    format!("Chủ hộ {head} không có trong cơ sở dữ liệu nhân khẩu"),
                    format!("Head of household {head} is not a known person"),
                )
            });
        }
        self.check_address(&h.address, RecordKind::Household, &h.id, &h.unit, sink);
    }

    fn check_registration(&self, r: &Registration, person_known: bool, sink: &mut Sink<'_, '_>) {
        let rec = || RecordRef::new(RecordKind::Registration, r.id.clone());
        let unit = r.unit.as_str();
        self.check_required(
            Required {
                rule: RuleId::RegistrationRequired,
                fields: &self.params.registration_fields[kind_index(r.kind)],
                names: &REGISTRATION_FIELDS,
                has: registration_has,
            },
            r,
            rec,
            unit,
            sink,
        );
        if present(&r.person_id) && !person_known {
            let pid = r.person_id.clone();
            sink.emit(RuleId::RegistrationPerson, rec(), unit, vec![], || {
                (
                    format!(
                        "Đăng ký {} của nhân khẩu {pid} không có trong cơ sở dữ liệu",
                        r.kind.label_vi()
                    ),
                    format!("Registration for person {pid}, who is not in the database"),
                )
            });
        }
        if r.kind.address_is_local() {
            self.check_address(&r.address, RecordKind::Registration, &r.id, unit, sink);
        }
        let dates_ok = registration_dates_ok(r);
        if !dates_ok {
            sink.emit(RuleId::RegistrationDates, rec(), unit, vec![], || {
                (
                    "Ngày kết thúc (hết hạn) trước ngày bắt đầu".to_string(),
                    "The end (expiry) date precedes the start date".to_string(),
                )
            });
            return;
        }
        let (Some(start), Some(end)) = (r.start, r.end) else {
            if r.kind == RegistrationKind::StayNotification {
                self.check_stay_deadline(r, sink);
            }
            return;
        };
        match r.kind {
            RegistrationKind::Temporary => {
                let max = self.params.temporary_max_months;
                if sink.on(RuleId::RegistrationTemporaryTerm)
                    && start
                        .checked_add_months(Months::new(max))
                        .is_some_and(|limit| end > limit)
                {
                    sink.emit(RuleId::RegistrationTemporaryTerm, rec(), unit, vec![], || {
                        (
                            format!(
                                "Tạm trú từ {} đến {} dài hơn {max} tháng",
                                start.format("%d/%m/%Y"),
                                end.format("%d/%m/%Y")
                            ),
                            format!("Temporary residence from {start} to {end} exceeds {max} months"),
                        )
                    });
                }
                let grace = i64::from(self.params.temporary_grace_days);
                if r.status == RecordStatus::Active && end + Duration::days(grace) < self.today {
                    let days = (self.today - end).num_days();
                    sink.emit(RuleId::RegistrationTemporaryExpired, rec(), unit, vec![], || {
                        (
                            format!(
                                "Tạm trú hết hạn ngày {} ({days} ngày trước) nhưng vẫn còn hiệu lực",
                                end.format("%d/%m/%Y")
                            ),
                            format!("Temporary residence expired on {end} ({days} days ago) but is still active"),
                        )
                    });
                }
            }
            RegistrationKind::TemporaryAbsence | RegistrationKind::StayNotification => {
                let grace = i64::from(self.params.period_grace_days);
                if r.status == RecordStatus::Active && end + Duration::days(grace) < self.today {
                    let what = r.kind.label_vi();
                    sink.emit(RuleId::RegistrationPeriodEnded, rec(), unit, vec![], || {
                        (
                            format!(
                                "Thời gian {what} đã hết ngày {} nhưng vẫn ở trạng thái hiệu lực",
                                end.format("%d/%m/%Y")
                            ),
                            format!("The period ended on {end} but the record is still active"),
                        )
                    });
                }
                if r.kind == RegistrationKind::StayNotification {
                    self.check_stay_deadline(r, sink);
                }
            }
            RegistrationKind::Permanent => {}
        }
    }

    /// Deadline of a stay notification: 23:00 (local) on the day the stay starts, or 08:00 the
    /// next day when the guest arrives at or after 23:00 (hours are rule parameters).
    pub fn stay_deadline(&self, r: &Registration) -> Option<DateTime<Utc>> {
        let offset = vn_offset();
        let (day, arrival_hour) = match r.arrival_at {
            Some(at) => {
                let local = at.with_timezone(&offset);
                (local.date_naive(), Some(local.hour()))
            }
            None => (r.start?, None),
        };
        let cutoff = self.params.stay_cutoff_hour;
        let local = if arrival_hour.is_some_and(|h| h >= cutoff) {
            let next = day.succ_opt()?;
            next.and_time(NaiveTime::from_hms_opt(
                self.params.stay_late_arrival_hour,
                0,
                0,
            )?)
        } else if cutoff >= 24 {
            day.succ_opt()?.and_time(NaiveTime::MIN)
        } else {
            day.and_time(NaiveTime::from_hms_opt(cutoff, 0, 0)?)
        };
        offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }

    fn check_stay_deadline(&self, r: &Registration, sink: &mut Sink<'_, '_>) {
        if !sink.on(RuleId::StayLateNotification) {
            return;
        }
        let (Some(made), Some(deadline)) = (r.made_at, self.stay_deadline(r)) else {
            return;
        };
        if made > deadline {
            let late = made - deadline;
            let (h, m) = (late.num_hours(), late.num_minutes() % 60);
            let rec = RecordRef::new(RecordKind::Registration, r.id.clone());
            let local_deadline = deadline.with_timezone(&vn_offset());
            sink.emit(RuleId::StayLateNotification, rec, &r.unit, vec![], || {
                (
                    format!(
                        "Thông báo lưu trú trễ {h} giờ {m} phút so với hạn {}",
                        local_deadline.format("%H:%M %d/%m/%Y")
                    ),
                    format!(
                        "Stay notified {h} h {m} min after the deadline {}",
                        local_deadline.format("%Y-%m-%d %H:%M")
                    ),
                )
            });
        }
    }

    fn check_establishment(&self, e: &Establishment, sink: &mut Sink<'_, '_>) {
        let rec = || RecordRef::new(RecordKind::Establishment, e.id.clone());
        self.check_required(
            Required {
                rule: RuleId::EstablishmentRequired,
                fields: &self.params.establishment_fields,
                names: &ESTABLISHMENT_FIELDS,
                has: establishment_has,
            },
            e,
            rec,
            &e.unit,
            sink,
        );
        self.check_address(&e.address, RecordKind::Establishment, &e.id, &e.unit, sink);
    }

    fn check_declaration(
        &self,
        d: &ForeignerDeclaration,
        index: &Index<'_>,
        sink: &mut Sink<'_, '_>,
    ) {
        let rec = || RecordRef::new(RecordKind::Declaration, d.id.clone());
        let unit = d.unit.as_str();
        self.check_required(
            Required {
                rule: RuleId::DeclarationRequired,
                fields: &self.params.declaration_fields,
                names: &DECLARATION_FIELDS,
                has: declaration_has,
            },
            d,
            rec,
            unit,
            sink,
        );
        let dates_ok = declaration_dates_ok(d, self.today);
        if !dates_ok {
            let future_birth = d.date_of_birth.is_some_and(|b| b > self.today);
            sink.emit(RuleId::DeclarationDates, rec(), unit, vec![], || {
                if future_birth {
                    (
                        "Ngày sinh ở tương lai".to_string(),
                        "The date of birth is in the future".to_string(),
                    )
                } else {
                    (
                        "Thời điểm đi trước thời điểm đến".to_string(),
                        "Departure precedes arrival".to_string(),
                    )
                }
            });
        }
        if sink.on(RuleId::DeclarationPassport) {
            let number_bad =
                present(&d.passport_number) && !is_plausible_passport(&d.passport_number);
            let country_bad =
                present(&d.passport_country) && !is_plausible_country(&d.passport_country);
            let nationality_bad = present(&d.nationality) && !is_plausible_country(&d.nationality);
            if number_bad || country_bad || nationality_bad {
                let mut vi = Vec::new();
                let mut en = Vec::new();
                if number_bad {
                    vi.push("số hộ chiếu không gồm 5–20 chữ in hoa/chữ số");
                    en.push("passport number is not 5–20 upper-case letters/digits");
                }
                if country_bad {
                    vi.push("mã quốc gia cấp không phải mã alpha-3");
                    en.push("issuing state is not an alpha-3 code");
                }
                if nationality_bad {
                    vi.push("mã quốc tịch không phải mã alpha-3");
                    en.push("nationality is not an alpha-3 code");
                }
                sink.emit(RuleId::DeclarationPassport, rec(), unit, vec![], || {
                    (capitalize(&vi.join("; ")), capitalize(&en.join("; ")))
                });
            }
        }
        let establishment = index
            .establishments
            .get(d.establishment_id.as_str())
            .copied();
        if present(&d.establishment_id) {
            match establishment {
                None => {
                    let id = d.establishment_id.clone();
                    sink.emit(
                        RuleId::DeclarationEstablishment,
                        rec(),
                        unit,
                        vec![],
                        || {
                            (
                                format!("Cơ sở lưu trú {id} chưa được đăng ký"),
                                format!("Establishment {id} is not registered"),
                            )
                        },
                    )
                }
                Some(e) if e.unit != d.unit => {
                    let related = vec![RecordRef::new(RecordKind::Establishment, e.id.clone())];
                    let other = e.unit.clone();
                    sink.emit(RuleId::DeclarationEstablishment, rec(), unit, related, || {
                        (
                            format!("Cơ sở lưu trú thuộc đơn vị {other}, không phải đơn vị tiếp nhận {unit}"),
                            format!("The establishment belongs to unit {other}, not to the receiving unit {unit}"),
                        )
                    })
                }
                Some(_) => {}
            }
        }
        if let (Some(arrival), Some(declared)) = (d.arrival_at, d.declared_at) {
            // Unknown establishments get the stricter, non-remote deadline.
            let remote = establishment.is_some_and(|e| e.remote_area);
            let hours = if remote {
                self.params.declaration_remote_hours
            } else {
                self.params.declaration_hours
            };
            let delay = declared - arrival;
            if sink.on(RuleId::DeclarationLate) && delay > Duration::hours(i64::from(hours)) {
                let (h, m) = (delay.num_hours(), delay.num_minutes() % 60);
                sink.emit(RuleId::DeclarationLate, rec(), unit, vec![], || {
                    (
                        format!("Khai báo sau {h} giờ {m} phút kể từ khi đến, quá hạn {hours} giờ"),
                        format!("Declared {h} h {m} min after arrival, beyond the {hours} h limit"),
                    )
                });
            }
        }
        if dates_ok {
            if let Some(expiry) = d.permit_expiry {
                let grace = Duration::days(i64::from(self.params.overstay_grace_days));
                let departure = d.departure_at.map(local_date);
                let last_day = match (d.status, departure) {
                    (RecordStatus::Active, Some(dep)) => Some(dep.max(self.today)),
                    (RecordStatus::Active, None) => Some(self.today),
                    (RecordStatus::Ended, dep) => dep,
                };
                if let Some(last) = last_day.filter(|l| *l > expiry + grace) {
                    sink.emit(RuleId::DeclarationOverstay, rec(), unit, vec![], || {
                        (
                            format!(
                                "Lưu trú đến {} vượt thời hạn giấy tờ cư trú {}",
                                last.format("%d/%m/%Y"),
                                expiry.format("%d/%m/%Y")
                            ),
                            format!("The stay runs to {last}, beyond the permit's expiry {expiry}"),
                        )
                    });
                }
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether a registration's dates are coherent (end not before start).
pub(crate) fn registration_dates_ok(r: &Registration) -> bool {
    !matches!((r.start, r.end), (Some(s), Some(e)) if e < s)
}

/// Whether a declaration's dates are coherent (departure not before arrival, birth not in the
/// future).
pub(crate) fn declaration_dates_ok(d: &ForeignerDeclaration, today: NaiveDate) -> bool {
    let order_ok = !matches!((d.arrival_at, d.departure_at), (Some(a), Some(b)) if b < a);
    order_ok && d.date_of_birth.is_none_or(|b| b <= today)
}
