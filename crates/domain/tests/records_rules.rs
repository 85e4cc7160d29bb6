//! Each rule on crafted records: one record that breaks it (true positive) and a near miss that
//! must pass.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::records::types::from_local;
use domain::records::{
    assess, reconcile, Dimension, Establishment, EstablishmentKind, Finding, ForeignerDeclaration,
    Household, PermitKind, Person, RecordKind, RecordStatus, Registration, RegistrationKind,
    RuleId, RuleSet, Severity, Sex, UnitSuffixResolver,
};

/// 2026-11-10 09:00 in Hanoi.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A local (UTC+7) time.
fn local(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    from_local(d(y, m, day).and_hms_opt(h, min, 0).unwrap())
}

fn person(id: &str, pin: &str, name: &str, dob: NaiveDate, sex: Sex) -> Person {
    Person {
        id: id.into(),
        pin: pin.into(),
        full_name: name.into(),
        date_of_birth: Some(dob),
        sex: Some(sex),
        birth_registration_province: Some("001".into()),
        hometown: Some("Hà Nội".into()),
        ethnicity: Some("Kinh".into()),
        nationality: Some("VNM".into()),
        phone: Some("0912345678".into()),
        unit: "U1".into(),
        verified_at: Some(now() - Duration::days(10)),
    }
}

fn hung() -> Person {
    person(
        "P1",
        "001086012345",
        "Nguyễn Văn Hùng",
        d(1986, 5, 4),
        Sex::Male,
    )
}

fn registration(id: &str, kind: RegistrationKind) -> Registration {
    Registration {
        id: id.into(),
        person_id: "P1".into(),
        kind,
        household_id: Some("H1".into()),
        address: "Số 1, phố Kim Mã, U1".into(),
        unit: "U1".into(),
        start: Some(d(2026, 1, 1)),
        end: Some(d(2027, 1, 1)),
        arrival_at: Some(local(2026, 1, 1, 20, 0)),
        made_at: Some(local(2026, 1, 1, 21, 0)),
        reason: Some("Làm việc".into()),
        status: RecordStatus::Active,
    }
}

fn establishment(id: &str, unit: &str, remote: bool) -> Establishment {
    Establishment {
        id: id.into(),
        name: "Khách sạn Hoa Sen".into(),
        kind: Some(EstablishmentKind::Hotel),
        address: format!("Số 5, phố Hàng Bạc, {unit}"),
        remote_area: remote,
        unit: unit.into(),
    }
}

fn declaration(id: &str) -> ForeignerDeclaration {
    ForeignerDeclaration {
        id: id.into(),
        full_name: "KIM MIN JUN".into(),
        sex: Some(Sex::Male),
        date_of_birth: Some(d(1990, 3, 3)),
        nationality: "KOR".into(),
        passport_number: "M12345678".into(),
        passport_country: "KOR".into(),
        permit_kind: Some(PermitKind::Visa),
        permit_symbol: Some("DL".into()),
        permit_number: Some("V00000001".into()),
        permit_expiry: Some(d(2026, 12, 31)),
        arrival_at: Some(local(2026, 11, 5, 20, 0)),
        departure_at: Some(local(2026, 11, 15, 10, 0)),
        establishment_id: "E1".into(),
        unit: "U1".into(),
        declared_at: Some(local(2026, 11, 6, 7, 0)),
        status: RecordStatus::Active,
    }
}

#[derive(Default)]
struct Fixture {
    persons: Vec<Person>,
    households: Vec<Household>,
    registrations: Vec<Registration>,
    establishments: Vec<Establishment>,
    declarations: Vec<ForeignerDeclaration>,
}

impl Fixture {
    /// One clean record of every kind.
    fn clean() -> Fixture {
        Fixture {
            persons: vec![hung()],
            households: vec![Household {
                id: "H1".into(),
                head_person_id: "P1".into(),
                address: "Số 1, phố Kim Mã, U1".into(),
                unit: "U1".into(),
            }],
            registrations: vec![registration("R1", RegistrationKind::Permanent)],
            establishments: vec![
                establishment("E1", "U1", false),
                establishment("E2", "U2", true),
            ],
            declarations: vec![declaration("D1")],
        }
    }

    fn run_with(&self, rules: &RuleSet) -> Vec<Finding> {
        let resolver = UnitSuffixResolver::new(["U1", "U2"]);
        let records = domain::records::RecordSet {
            persons: &self.persons,
            households: &self.households,
            registrations: &self.registrations,
            establishments: &self.establishments,
            declarations: &self.declarations,
        };
        assess(records, rules, Some(&resolver), now())
            .unwrap()
            .findings
    }

    fn run(&self) -> Vec<Finding> {
        self.run_with(&RuleSet::builtin())
    }

    /// The (record id, rule) pairs found.
    fn found(&self) -> Vec<(String, RuleId)> {
        self.run()
            .into_iter()
            .map(|f| (f.record.id, f.rule))
            .collect()
    }
}

fn pairs(items: &[(&str, RuleId)]) -> Vec<(String, RuleId)> {
    items.iter().map(|(id, r)| (id.to_string(), *r)).collect()
}

#[test]
fn clean_fixture_has_no_finding() {
    assert_eq!(Fixture::clean().found(), vec![]);
}

fn person_case(mutate: impl FnOnce(&mut Person)) -> Vec<(String, RuleId)> {
    let mut f = Fixture::clean();
    mutate(&mut f.persons[0]);
    f.found()
}

#[test]
fn pin_format() {
    assert_eq!(
        person_case(|p| p.pin = "00108601234".into()),
        pairs(&[("P1", RuleId::PinFormat)])
    );
    assert_eq!(
        person_case(|p| p.pin = "0010860123a5".into()),
        pairs(&[("P1", RuleId::PinFormat)])
    );
}

#[test]
fn pin_province_code_uses_the_table_not_a_range() {
    assert_eq!(
        person_case(|p| p.pin = "003086012345".into()),
        pairs(&[("P1", RuleId::PinProvinceCode)])
    );
    // 002 (Hà Giang) is a real code: with a matching birth province nothing is wrong.
    assert_eq!(
        person_case(|p| {
            p.pin = "002086012345".into();
            p.birth_registration_province = Some("02".into());
        }),
        vec![]
    );
}

#[test]
fn pin_century_year_and_sex() {
    assert_eq!(
        person_case(|p| p.pin = "001286012345".into()),
        pairs(&[("P1", RuleId::PinCentury)])
    );
    assert_eq!(
        person_case(|p| p.pin = "001087012345".into()),
        pairs(&[("P1", RuleId::PinBirthYear)])
    );
    let f = {
        let mut f = Fixture::clean();
        f.persons[0].pin = "001186012345".into();
        f.run()
    };
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, RuleId::PinSex);
    assert_eq!(f[0].severity, Severity::Warning);
    // Odd digit and a woman: consistent.
    assert_eq!(
        person_case(|p| {
            p.pin = "001186012345".into();
            p.sex = Some(Sex::Female);
        }),
        vec![]
    );
}

#[test]
fn pin_birth_province() {
    assert_eq!(
        person_case(|p| p.birth_registration_province = Some("036".into())),
        pairs(&[("P1", RuleId::PinBirthProvince)])
    );
    assert_eq!(
        person_case(|p| p.birth_registration_province = Some("1".into())),
        vec![]
    );
}

#[test]
fn birth_date() {
    assert_eq!(
        person_case(|p| {
            p.date_of_birth = Some(d(2026, 11, 11));
            p.pin = "001226012345".into();
        }),
        pairs(&[("P1", RuleId::PersonBirthDate)])
    );
    assert_eq!(
        person_case(|p| {
            p.date_of_birth = Some(d(2026, 11, 10));
            p.pin = "001226012345".into();
        }),
        vec![]
    );
}

#[test]
fn name_and_phone() {
    assert_eq!(
        person_case(|p| p.full_name = "Nguyễn Văn Hùng2".into()),
        pairs(&[("P1", RuleId::PersonName)])
    );
    assert_eq!(
        person_case(|p| p.full_name = "Hùng".into()),
        pairs(&[("P1", RuleId::PersonName)])
    );
    assert_eq!(person_case(|p| p.full_name = "H'Hen Niê".into()), vec![]);
    assert_eq!(
        person_case(|p| p.phone = Some("09123".into())),
        pairs(&[("P1", RuleId::PersonPhone)])
    );
    assert_eq!(
        person_case(|p| p.phone = Some("+84 912 345 678".into())),
        vec![]
    );
    assert_eq!(
        person_case(|p| p.phone = Some("024 3825 1234".into())),
        vec![]
    );
}

#[test]
fn person_required_fields_follow_the_rule_data() {
    assert_eq!(
        person_case(|p| p.hometown = None),
        pairs(&[("P1", RuleId::PersonRequired)])
    );
    // Ethnicity and phone are optional in the built-in rule.
    assert_eq!(
        person_case(|p| {
            p.ethnicity = None;
            p.phone = None;
        }),
        vec![]
    );
    // A missing date of birth is a completeness finding only: the number checks needing it are
    // skipped.
    assert_eq!(
        person_case(|p| {
            p.date_of_birth = None;
            p.pin = "001099012345".into();
        }),
        pairs(&[("P1", RuleId::PersonRequired)])
    );
}

#[test]
fn unverified() {
    assert_eq!(
        person_case(|p| p.verified_at = Some(now() - Duration::days(400))),
        pairs(&[("P1", RuleId::PersonUnverified)])
    );
    assert_eq!(
        person_case(|p| p.verified_at = None),
        pairs(&[("P1", RuleId::PersonUnverified)])
    );
    assert_eq!(
        person_case(|p| p.verified_at = Some(now() - Duration::days(364))),
        vec![]
    );
}

#[test]
fn household_head_and_addresses() {
    let mut f = Fixture::clean();
    f.households[0].head_person_id = "P9".into();
    assert_eq!(f.found(), pairs(&[("H1", RuleId::HouseholdHead)]));

    let mut f = Fixture::clean();
    f.households[0].address = "Số 1, phố Kim Mã".into();
    assert_eq!(f.found(), pairs(&[("H1", RuleId::AddressUnresolved)]));

    let mut f = Fixture::clean();
    f.households[0].address = "Số 1, phố Kim Mã, U2".into();
    let found = f.run();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, RuleId::AddressUnitMismatch);
    assert!(found[0].message_vi.contains("U2"));

    // Without a resolver the address rules are skipped.
    let records = domain::records::RecordSet {
        households: &f.households,
        persons: &f.persons,
        ..Default::default()
    };
    let result = assess(records, &RuleSet::builtin(), None, now()).unwrap();
    assert!(result.findings.is_empty());
}

fn registration_case(
    kind: RegistrationKind,
    mutate: impl FnOnce(&mut Registration),
) -> Vec<(String, RuleId)> {
    let mut f = Fixture::clean();
    let mut r = registration("R2", kind);
    mutate(&mut r);
    f.registrations.push(r);
    f.found()
}

#[test]
fn registration_person_and_dates() {
    assert_eq!(
        registration_case(RegistrationKind::Temporary, |r| r.person_id = "P404".into()),
        pairs(&[("R2", RuleId::RegistrationPerson)])
    );
    // An expiry before the start: reported once, and the period rules are not applied to
    // nonsense dates (the expiry is long past, yet no expiry finding).
    assert_eq!(
        registration_case(RegistrationKind::Temporary, |r| r.end =
            Some(d(2025, 12, 31))),
        pairs(&[("R2", RuleId::RegistrationDates)])
    );
    assert_eq!(
        registration_case(RegistrationKind::TemporaryAbsence, |r| {
            r.start = Some(d(2026, 11, 10));
            r.end = Some(d(2026, 11, 10));
        }),
        vec![]
    );
}

#[test]
fn temporary_term_is_two_years() {
    assert_eq!(
        registration_case(RegistrationKind::Temporary, |r| {
            r.start = Some(d(2025, 1, 1));
            r.end = Some(d(2027, 1, 2));
        }),
        pairs(&[("R2", RuleId::RegistrationTemporaryTerm)])
    );
    assert_eq!(
        registration_case(RegistrationKind::Temporary, |r| {
            r.start = Some(d(2025, 1, 1));
            r.end = Some(d(2027, 1, 1));
        }),
        vec![]
    );
}

#[test]
fn registration_required_depends_on_kind() {
    assert_eq!(
        registration_case(RegistrationKind::Temporary, |r| r.end = None),
        pairs(&[("R2", RuleId::RegistrationRequired)])
    );
    let mut f = Fixture::clean();
    f.registrations[0].end = None;
    assert_eq!(f.found(), vec![]);
    assert_eq!(
        registration_case(RegistrationKind::TemporaryAbsence, |r| r.reason = None),
        pairs(&[("R2", RuleId::RegistrationRequired)])
    );
}

#[test]
fn expired_temporary_residence_and_ended_periods() {
    let expired = |status| {
        registration_case(RegistrationKind::Temporary, |r| {
            r.end = Some(d(2026, 11, 9));
            r.status = status;
        })
    };
    assert_eq!(
        expired(RecordStatus::Active),
        pairs(&[("R2", RuleId::RegistrationTemporaryExpired)])
    );
    assert_eq!(expired(RecordStatus::Ended), vec![]);
    assert_eq!(
        registration_case(RegistrationKind::Temporary, |r| r.end =
            Some(d(2026, 11, 10))),
        vec![]
    );
    assert_eq!(
        registration_case(RegistrationKind::TemporaryAbsence, |r| r.end =
            Some(d(2026, 11, 9))),
        pairs(&[("R2", RuleId::RegistrationPeriodEnded)])
    );
    assert_eq!(
        registration_case(RegistrationKind::TemporaryAbsence, |r| {
            r.end = Some(d(2026, 11, 9));
            r.status = RecordStatus::Ended;
        }),
        vec![]
    );
}

#[test]
fn stay_notification_deadlines() {
    let stay = |arrival: DateTime<Utc>, made: DateTime<Utc>| {
        registration_case(RegistrationKind::StayNotification, |r| {
            r.start = Some(d(2026, 11, 1));
            r.end = Some(d(2026, 11, 3));
            r.arrival_at = Some(arrival);
            r.made_at = Some(made);
            r.status = RecordStatus::Ended;
        })
    };
    // Arrival at 20:00: the deadline is 23:00 the same day.
    assert_eq!(
        stay(local(2026, 11, 1, 20, 0), local(2026, 11, 1, 22, 59)),
        vec![]
    );
    assert_eq!(
        stay(local(2026, 11, 1, 20, 0), local(2026, 11, 1, 23, 30)),
        pairs(&[("R2", RuleId::StayLateNotification)])
    );
    // Arrival at 23:30: the deadline is 08:00 the next day.
    assert_eq!(
        stay(local(2026, 11, 1, 23, 30), local(2026, 11, 2, 7, 59)),
        vec![]
    );
    assert_eq!(
        stay(local(2026, 11, 1, 23, 30), local(2026, 11, 2, 8, 1)),
        pairs(&[("R2", RuleId::StayLateNotification)])
    );
}

#[test]
fn registration_conflicts() {
    // A second permanent residence in force.
    let mut f = Fixture::clean();
    let mut second = registration("R2", RegistrationKind::Permanent);
    second.household_id = Some("H1".into());
    f.registrations.push(second.clone());
    assert_eq!(
        f.found(),
        pairs(&[("R2", RuleId::RegistrationMultiplePermanent)])
    );
    f.registrations[0].status = RecordStatus::Ended;
    assert_eq!(f.found(), vec![]);

    // Overlapping temporary residences; adjacent ones are fine.
    let mut f = Fixture::clean();
    let mut a = registration("R2", RegistrationKind::Temporary);
    a.start = Some(d(2026, 1, 1));
    a.end = Some(d(2026, 12, 31));
    let mut b = registration("R3", RegistrationKind::Temporary);
    b.address = "Số 9, phố Láng, U2".into();
    b.unit = "U2".into();
    b.start = Some(d(2026, 6, 1));
    b.end = Some(d(2027, 5, 31));
    f.registrations.extend([a.clone(), b.clone()]);
    let found = f.run();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].record.id.as_str(), found[0].rule),
        ("R3", RuleId::RegistrationOverlappingTemporary)
    );
    assert_eq!(found[0].related[0].id, "R2");
    f.registrations[2].start = Some(d(2027, 1, 1));
    assert_eq!(f.found(), vec![]);
}

#[test]
fn duplicate_persons() {
    let base = || {
        let mut f = Fixture::clean();
        f.persons.push(person(
            "P2",
            "001086012345",
            "Nguyễn Văn Hùng",
            d(1986, 5, 4),
            Sex::Male,
        ));
        f
    };
    // Same number: the newer record is flagged, naming the older one.
    let found = base().run();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].record.id.as_str(), found[0].rule),
        ("P2", RuleId::PersonDuplicatePin)
    );
    assert_eq!(found[0].related[0].id, "P1");

    // Same name without diacritics and birth date, unrelated numbers.
    let mut f = base();
    f.persons[1].pin = "001086987600".into();
    f.persons[1].full_name = "NGUYEN VAN HUNG".into();
    assert_eq!(f.found(), pairs(&[("P2", RuleId::PersonDuplicateNameDob)]));
    // Another birth date: two people.
    f.persons[1].date_of_birth = Some(d(1986, 5, 5));
    assert_eq!(f.found(), vec![]);

    // Numbers one digit apart, or two digits swapped.
    let mut f = base();
    f.persons[1].pin = "001086012346".into();
    assert_eq!(f.found(), pairs(&[("P2", RuleId::PersonDuplicatePinTypo)]));
    f.persons[1].pin = "001086012354".into();
    assert_eq!(f.found(), pairs(&[("P2", RuleId::PersonDuplicatePinTypo)]));

    // Names one letter apart with the same birth date.
    let mut f = base();
    f.persons[1].pin = "001086987600".into();
    f.persons[1].full_name = "Nguyễn Văn Dũng".into();
    assert_eq!(f.found(), pairs(&[("P2", RuleId::PersonDuplicateNameTypo)]));
    f.persons[1].full_name = "Nguyễn Văn Bình".into();
    assert_eq!(f.found(), vec![]);
}

fn declaration_case(mutate: impl FnOnce(&mut ForeignerDeclaration)) -> Vec<(String, RuleId)> {
    let mut f = Fixture::clean();
    mutate(&mut f.declarations[0]);
    f.found()
}

#[test]
fn declaration_correctness() {
    assert_eq!(
        declaration_case(|x| x.departure_at = Some(local(2026, 11, 4, 10, 0))),
        pairs(&[("D1", RuleId::DeclarationDates)])
    );
    assert_eq!(
        declaration_case(|x| x.passport_number = "m123".into()),
        pairs(&[("D1", RuleId::DeclarationPassport)])
    );
    assert_eq!(
        declaration_case(|x| x.passport_country = "D".into()),
        vec![]
    );
    assert_eq!(
        declaration_case(|x| x.establishment_id = "E404".into()),
        pairs(&[("D1", RuleId::DeclarationEstablishment)])
    );
    assert_eq!(
        declaration_case(|x| x.establishment_id = "E2".into()),
        pairs(&[("D1", RuleId::DeclarationEstablishment)])
    );
    assert_eq!(
        declaration_case(|x| x.permit_expiry = None),
        pairs(&[("D1", RuleId::DeclarationRequired)])
    );
    let mut f = Fixture::clean();
    f.establishments[0].kind = None;
    assert_eq!(f.found(), pairs(&[("E1", RuleId::EstablishmentRequired)]));
}

#[test]
fn declaration_deadline_is_12_hours_or_24_in_remote_areas() {
    let at = |hours: i64, minutes: i64, remote: bool| {
        let mut f = Fixture::clean();
        f.establishments[0].remote_area = remote;
        let arrival = f.declarations[0].arrival_at.unwrap();
        f.declarations[0].declared_at =
            Some(arrival + Duration::hours(hours) + Duration::minutes(minutes));
        f.found()
    };
    assert_eq!(at(12, 0, false), vec![]);
    assert_eq!(at(12, 1, false), pairs(&[("D1", RuleId::DeclarationLate)]));
    assert_eq!(at(20, 0, true), vec![]);
    assert_eq!(at(24, 1, true), pairs(&[("D1", RuleId::DeclarationLate)]));
}

#[test]
fn overstay() {
    assert_eq!(
        declaration_case(|x| x.permit_expiry = Some(d(2026, 11, 9))),
        pairs(&[("D1", RuleId::DeclarationOverstay)])
    );
    // Planned departure after the expiry is a likely overstay already.
    assert_eq!(
        declaration_case(|x| x.permit_expiry = Some(d(2026, 11, 12))),
        pairs(&[("D1", RuleId::DeclarationOverstay)])
    );
    assert_eq!(
        declaration_case(|x| x.permit_expiry = Some(d(2026, 11, 15))),
        vec![]
    );
    assert_eq!(
        declaration_case(|x| {
            x.status = RecordStatus::Ended;
            x.departure_at = Some(local(2026, 11, 8, 10, 0));
            x.permit_expiry = Some(d(2026, 11, 7));
        }),
        pairs(&[("D1", RuleId::DeclarationOverstay)])
    );
}

#[test]
fn duplicate_declarations_overlap_in_time() {
    let mut f = Fixture::clean();
    let mut copy = declaration("D2");
    copy.arrival_at = Some(local(2026, 11, 6, 10, 0));
    copy.declared_at = Some(local(2026, 11, 6, 11, 0));
    f.declarations.push(copy);
    assert_eq!(f.found(), pairs(&[("D2", RuleId::DeclarationDuplicate)]));
    // Back to back (checked out, then in elsewhere) is a new stay, not a duplicate.
    f.declarations[1].arrival_at = f.declarations[0].departure_at;
    f.declarations[1].declared_at = f.declarations[1].arrival_at.map(|t| t + Duration::hours(1));
    f.declarations[1].departure_at = Some(local(2026, 11, 20, 10, 0));
    assert_eq!(f.found(), vec![]);
}

#[test]
fn only_rule_versions_valid_on_the_check_date_are_evaluated() {
    let mut f = Fixture::clean();
    f.persons[0].pin = "001186012345".into();
    let expired = r#"
[[rule]]
id = "pin.sex"
dimension = "correct"
severity = "warning"
description_vi = "x"
description_en = "x"
legal_basis = "x"
valid_to = "2020-12-31"
"#;
    let rules = RuleSet::builtin()
        .with_overrides(RuleSet::from_toml_str(expired).unwrap())
        .unwrap();
    assert!(f.run_with(&rules).is_empty());
    assert_eq!(f.run().len(), 1);
}

#[test]
fn messages_explain_the_rule_in_both_languages() {
    let mut f = Fixture::clean();
    f.persons[0].pin = "003086012345".into();
    let found = f.run();
    let finding = &found[0];
    assert!(finding.message_vi.contains("003") && finding.message_vi.contains("pin.province_code"));
    assert!(finding.message_vi.contains("Thông tư 07/2016/TT-BCA"));
    assert!(finding.message_en.contains("rule pin.province_code"));
    assert_eq!(finding.dimension, Dimension::Correct);
    assert_eq!(finding.record.kind, RecordKind::Person);
    assert_eq!(finding.unit, "U1");
}

#[test]
fn dismissed_findings_do_not_count_against_the_rates() {
    let mut f = Fixture::clean();
    f.persons[0].pin = "001186012345".into();
    let resolver = UnitSuffixResolver::new(["U1", "U2"]);
    let rules = RuleSet::builtin();
    let checker = domain::records::Checker::new(&rules, Some(&resolver), now()).unwrap();
    let records = domain::records::RecordSet {
        persons: &f.persons,
        households: &f.households,
        registrations: &f.registrations,
        establishments: &f.establishments,
        declarations: &f.declarations,
    };
    let mut findings = checker.check(records);
    let before = checker.score(records, &findings);
    assert_eq!(before.city.correct.checked, 6);
    assert_eq!(before.city.correct.passing, 5);
    let unit = before.unit("U1").unwrap();
    assert_eq!(unit.correct.rate, Some(4.0 / 5.0));
    assert_eq!(unit.open_warnings, 1);
    // Households have no alive rule: they are not counted for "sống".
    assert_eq!(before.city.alive.checked, 3);

    findings[0]
        .dismiss(
            "truong.ca.phuong",
            now(),
            "đã điều chỉnh giới tính hợp pháp",
        )
        .unwrap();
    let again = reconcile(findings, checker.check(records), "system", now());
    let after = checker.score(records, &again);
    assert_eq!(after.city.correct.rate, Some(1.0));
}

#[test]
fn conflicts_are_found_for_unknown_persons_too() {
    let mut f = Fixture::clean();
    for id in ["R2", "R3"] {
        let mut r = registration(id, RegistrationKind::Permanent);
        r.person_id = "P404".into();
        f.registrations.push(r);
    }
    let mut found = f.found();
    found.sort();
    assert_eq!(
        found,
        pairs(&[
            ("R2", RuleId::RegistrationPerson),
            ("R3", RuleId::RegistrationPerson),
            ("R3", RuleId::RegistrationMultiplePermanent),
        ])
    );
}

#[test]
fn findings_serialise_with_string_rule_ids() {
    let mut f = Fixture::clean();
    f.persons[0].pin = "003086012345".into();
    let json = serde_json::to_value(&f.run()[0]).unwrap();
    assert_eq!(json["rule"], "pin.province_code");
    assert_eq!(json["record"]["kind"], "person");
    assert_eq!(json["dimension"], "correct");
    assert_eq!(json["status"], "open");
}
