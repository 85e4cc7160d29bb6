//! Synthetic residents for demos, load tests and for measuring the detectors.
//!
//! [`generate_residents`] builds households of people with realistic Vietnamese names
//! (family names by frequency, middle and given names by sex), identification numbers
//! consistent with date of birth, sex and birth province, permanent and temporary residences,
//! absences, stay notifications, accommodation establishments and foreign guests with their
//! declarations. It then plants errors of every rule at the given rate and writes the answer
//! key: one (record, rule) per planted error.
//!
//! Two guarantees make the key exact, and both are tested:
//! - the clean data trips no rule: numbers are unique, no two people with the same birth date
//!   have names equal or one edit apart after folding (names are re-drawn until true), every
//!   period, deadline and address is valid on `now`;
//! - each planted error trips its rule and no other: e.g. a wrong year of birth in a number is
//!   planted by changing the year digits only, a duplicate copies the person under a newer id,
//!   a misspelt copy is checked against everyone born the same day.
//!
//! Output is a pure function of the arguments: the random numbers come from [`SplitMix64`] and no
//! hash-map iteration order reaches the output.
//!
//! Addresses end with the unit code (`"Số 12, ngõ 45, phố Kim Mã, 00070"`), which
//! [`Generated::resolver`] resolves.

mod names;
pub mod rng;

use super::clean::{fold_name, one_edit_apart, pins_one_typo_apart};
use super::fxhash::{FxHashMap, FxHashSet};
use super::measure::PlantedError;
use super::pin::{make_pin, parse_pin, province_name, PROVINCE_CODES};
use super::resolve::UnitSuffixResolver;
use super::rules::RuleId;
use super::types::{
    from_local, local_date, vn_offset, Establishment, EstablishmentKind, ForeignerDeclaration,
    Household, PermitKind, Person, RecordKind, RecordRef, RecordSet, RecordStatus, Registration,
    RegistrationKind, Sex,
};
use super::RecordsError;
use crate::text::fold;
use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, Timelike, Utc};
use names::*;
pub use rng::SplitMix64;
use unicode_normalization::UnicodeNormalization;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    /// Number of residents (before planted duplicate copies are added).
    pub people: usize,
    /// Share of records of each kind that get one planted error, in `0..=1`.
    pub error_rate: f64,
    /// Seed: the same seed gives the same data.
    pub seed: u64,
    /// Unit codes to spread records over (at least one; two or more to plant wrong-unit errors).
    pub units: Vec<String>,
    /// The present moment; every date is chosen relative to it.
    pub now: DateTime<Utc>,
}

/// A generated data set and its answer key.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Residents, planted duplicate copies last.
    pub persons: Vec<Person>,
    /// Households.
    pub households: Vec<Household>,
    /// Residence registrations and notifications.
    pub registrations: Vec<Registration>,
    /// Accommodation establishments.
    pub establishments: Vec<Establishment>,
    /// Foreigners' declarations.
    pub declarations: Vec<ForeignerDeclaration>,
    /// Every planted error, ordered by record then rule.
    pub answer_key: Vec<PlantedError>,
    /// The unit codes used.
    pub units: Vec<String>,
}

impl Generated {
    /// A borrowed view for the checks.
    pub fn records(&self) -> RecordSet<'_> {
        RecordSet {
            persons: &self.persons,
            households: &self.households,
            registrations: &self.registrations,
            establishments: &self.establishments,
            declarations: &self.declarations,
        }
    }

    /// A resolver for the generated addresses (last comma-separated part = unit code).
    pub fn resolver(&self) -> UnitSuffixResolver {
        UnitSuffixResolver::new(self.units.iter().cloned())
    }
}

/// Generates `people` residents over `units` with errors planted at `error_rate`, as seen at
/// `now`. See [`GeneratorConfig`].
pub fn generate_residents(
    people: usize,
    error_rate: f64,
    seed: u64,
    units: &[String],
    now: DateTime<Utc>,
) -> Result<Generated, RecordsError> {
    GeneratorConfig {
        people,
        error_rate,
        seed,
        units: units.to_vec(),
        now,
    }
    .generate()
}

impl GeneratorConfig {
    /// Generates the data set.
    pub fn generate(&self) -> Result<Generated, RecordsError> {
        if self.units.is_empty() {
            return Err(RecordsError::NoUnits);
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(RecordsError::BadErrorRate {
                rate: self.error_rate,
            });
        }
        let mut g = Gen::new(self);
        g.residents();
        g.registrations();
        g.establishments();
        g.foreigners();
        g.plant();
        let mut answer_key = g.key;
        answer_key.sort_by(|a, b| a.record.cmp(&b.record).then(a.rule.cmp(&b.rule)));
        Ok(Generated {
            persons: g.persons,
            households: g.households,
            registrations: g.registrations,
            establishments: g.establishments,
            declarations: g.declarations,
            answer_key,
            units: self.units.clone(),
        })
    }
}

/// Deadline of a stay notification with the default hours (23:00, or 08:00 next day for
/// arrivals from 23:00), computed independently of the checker.
fn stay_deadline(arrival: DateTime<Utc>) -> DateTime<Utc> {
    let local = arrival.with_timezone(&vn_offset()).naive_local();
    let (day, hour) = if local.hour() >= 23 {
        (local.date() + Days::new(1), 8)
    } else {
        (local.date(), 23)
    };
    from_local(day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN)))
}

fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

fn fold_char(c: char) -> char {
    fold(&c.to_string()).chars().next().unwrap_or(c)
}

fn strip_unit(address: &str) -> String {
    match address.rfind(',') {
        Some(i) => address[..i].to_string(),
        None => address.to_string(),
    }
}

fn swap_unit(address: &str, unit: &str) -> String {
    format!("{}, {unit}", strip_unit(address))
}

struct Gen<'c> {
    cfg: &'c GeneratorConfig,
    rng: SplitMix64,
    today: NaiveDate,
    persons: Vec<Person>,
    person_household: Vec<u32>,
    households: Vec<Household>,
    registrations: Vec<Registration>,
    establishments: Vec<Establishment>,
    declarations: Vec<ForeignerDeclaration>,
    pins: FxHashSet<u64>,
    passports: FxHashSet<String>,
    by_dob: FxHashMap<NaiveDate, Vec<(String, u32)>>,
    key: Vec<PlantedError>,
    unknown_ids: u64,
}

const ADULT_YEARS: u32 = 16;

impl<'c> Gen<'c> {
    fn new(cfg: &'c GeneratorConfig) -> Self {
        Gen {
            cfg,
            rng: SplitMix64::new(cfg.seed),
            today: local_date(cfg.now),
            persons: Vec::with_capacity(cfg.people + cfg.people / 10),
            person_household: Vec::with_capacity(cfg.people),
            households: Vec::new(),
            registrations: Vec::new(),
            establishments: Vec::new(),
            declarations: Vec::new(),
            pins: FxHashSet::with_capacity_and_hasher(
                cfg.people + cfg.people / 10,
                Default::default(),
            ),
            passports: FxHashSet::default(),
            by_dob: FxHashMap::default(),
            key: Vec::new(),
            unknown_ids: 0,
        }
    }

    fn unit(&mut self) -> String {
        self.rng.pick(&self.cfg.units).clone()
    }

    fn other_unit(&mut self, unit: &str) -> Option<String> {
        if self.cfg.units.len() < 2 {
            return None;
        }
        loop {
            let u = self.unit();
            if u != unit {
                return Some(u);
            }
        }
    }

    fn address(&mut self, unit: &str) -> String {
        let number = self.rng.range(1, 250);
        let street = self.rng.pick(STREETS);
        if self.rng.chance(0.6) {
            let lane = self.rng.range(1, 300);
            format!("Số {number}, ngõ {lane}, phố {street}, {unit}")
        } else {
            format!("Số {number}, phố {street}, {unit}")
        }
    }

    fn at_local(&mut self, day: NaiveDate, from_hour: i64, to_hour: i64) -> DateTime<Utc> {
        let minutes = self.rng.range(from_hour * 60, to_hour * 60 - 1);
        from_local(day.and_time(NaiveTime::MIN) + Duration::minutes(minutes))
    }

    fn days_ago(&self, days: i64) -> NaiveDate {
        self.today - Duration::days(days)
    }

    fn random_days_ago(&mut self, lo: i64, hi: i64) -> NaiveDate {
        let days = self.rng.range(lo, hi);
        self.days_ago(days)
    }

    fn unknown_id(&mut self, prefix: char) -> String {
        self.unknown_ids += 1;
        format!("{prefix}X{:07}", self.unknown_ids)
    }

    fn name_conflicts(&self, dob: NaiveDate, folded: &str, except: &[u32]) -> bool {
        self.by_dob.get(&dob).is_some_and(|names| {
            names.iter().any(|(other, idx)| {
                !except.contains(idx) && (other == folded || one_edit_apart(other, folded))
            })
        })
    }

    fn fresh_pin(&mut self, province: &str, dob: NaiveDate, sex: Sex) -> String {
        loop {
            let serial = self.rng.below(1_000_000) as u32;
            if let Some(pin) = make_pin(province, dob, sex, serial) {
                if self.claim_pin(&pin) {
                    return pin;
                }
            }
        }
    }

    fn claim_pin(&mut self, pin: &str) -> bool {
        match pin.parse::<u64>() {
            Ok(n) if pin.len() == 12 => self.pins.insert(n),
            _ => false,
        }
    }

    fn given_name(&mut self, sex: Sex, family: &str) -> String {
        let (middle, given) = match sex {
            Sex::Male => (*self.rng.weighted(MIDDLE_MALE), *self.rng.pick(GIVEN_MALE)),
            Sex::Female => (
                *self.rng.weighted(MIDDLE_FEMALE),
                *self.rng.pick(GIVEN_FEMALE),
            ),
        };
        format!("{family} {middle} {given}")
    }

    fn residents(&mut self) {
        const SIZES: &[(usize, u32)] = &[(1, 15), (2, 20), (3, 25), (4, 25), (5, 10), (6, 5)];
        while self.persons.len() < self.cfg.people {
            let remaining = self.cfg.people - self.persons.len();
            let size = (*self.rng.weighted(SIZES)).min(remaining);
            let unit = self.unit();
            let household_index = self.households.len() as u32;
            let address = self.address(&unit);
            let head_sex = if self.rng.chance(0.7) {
                Sex::Male
            } else {
                Sex::Female
            };
            let head_age = self.rng.range(25, 85);
            let head_family = *self.rng.weighted(FAMILY);
            let mut members = vec![(head_sex, head_age, head_family)];
            let mut father_family = head_family;
            if size >= 2 {
                let sex = if head_sex == Sex::Male {
                    Sex::Female
                } else {
                    Sex::Male
                };
                let age = (head_age + self.rng.range(-6, 6)).clamp(18, 90);
                let family = *self.rng.weighted(FAMILY);
                if sex == Sex::Male {
                    father_family = family;
                }
                members.push((sex, age, family));
            }
            for _ in 2..size {
                let sex = if self.rng.chance(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                // Born when the head was 18 to 45.
                let age = self.rng.range((head_age - 45).max(0), head_age - 18);
                members.push((sex, age, father_family));
            }
            let first = self.persons.len();
            for (sex, age, family) in members {
                self.person(sex, age, family, &unit, household_index);
            }
            self.households.push(Household {
                id: format!("H{:07}", household_index + 1),
                head_person_id: self.persons[first].id.clone(),
                address,
                unit,
            });
        }
    }

    fn person(&mut self, sex: Sex, age: i64, family: &str, unit: &str, household: u32) {
        let index = self.persons.len() as u32;
        let days = age * 365 + self.rng.range(1, 364);
        let mut dob = self.days_ago(days);
        let mut attempt = 0;
        let (name, folded) = loop {
            let name = self.given_name(sex, family);
            let folded = fold_name(&name);
            if !self.name_conflicts(dob, &folded, &[]) {
                break (name, folded);
            }
            attempt += 1;
            if attempt % 4 == 0 {
                dob = dob.pred_opt().unwrap_or(dob);
            }
        };
        let province = *self.rng.weighted(BIRTH_PROVINCES);
        let pin = self.fresh_pin(province, dob, sex);
        let hometown_code = if self.rng.chance(0.7) {
            province
        } else {
            *self.rng.weighted(BIRTH_PROVINCES)
        };
        let phone = (age >= 15 && self.rng.chance(0.85)).then(|| {
            let prefix = *self.rng.pick(&["09", "03", "08", "07"]);
            format!("{prefix}{:08}", self.rng.below(100_000_000))
        });
        let verified_at = self.cfg.now
            - Duration::days(self.rng.range(0, 330))
            - Duration::seconds(self.rng.range(0, 86_399));
        self.by_dob.entry(dob).or_default().push((folded, index));
        self.persons.push(Person {
            id: format!("P{:08}", index + 1),
            pin,
            full_name: name,
            date_of_birth: Some(dob),
            sex: Some(sex),
            birth_registration_province: Some(province.to_string()),
            hometown: province_name(hometown_code).map(str::to_string),
            ethnicity: Some(self.rng.weighted(ETHNICITIES).to_string()),
            nationality: Some("VNM".to_string()),
            phone,
            unit: unit.to_string(),
            verified_at: Some(verified_at),
        });
        self.person_household.push(household);
    }

    fn push_registration(&mut self, mut r: Registration) -> usize {
        r.id = format!("R{:08}", self.registrations.len() + 1);
        self.registrations.push(r);
        self.registrations.len() - 1
    }

    fn registration(
        &mut self,
        person: usize,
        kind: RegistrationKind,
        unit: String,
        address: String,
    ) -> Registration {
        Registration {
            id: String::new(),
            person_id: self.persons[person].id.clone(),
            kind,
            household_id: None,
            address,
            unit,
            start: None,
            end: None,
            arrival_at: None,
            made_at: None,
            reason: None,
            status: RecordStatus::Active,
        }
    }

    fn registrations(&mut self) {
        for i in 0..self.persons.len() {
            let dob = self.persons[i].date_of_birth.unwrap_or(self.today);
            let household = &self.households[self.person_household[i] as usize];
            let (hh_id, hh_address, hh_unit) = (
                household.id.clone(),
                household.address.clone(),
                household.unit.clone(),
            );
            let adult = dob
                .checked_add_months(Months::new(ADULT_YEARS * 12))
                .is_some_and(|d| d <= self.today);

            // Permanent residence in the household.
            let since = self.random_days_ago(30, 25 * 365).max(dob);
            let mut r = self.registration(i, RegistrationKind::Permanent, hh_unit, hh_address);
            r.household_id = Some(hh_id);
            r.start = Some(since);
            r.made_at = Some(self.at_local(since, 8, 17));
            self.push_registration(r);

            if adult && self.rng.chance(0.12) {
                // Temporary residence in force elsewhere, at most 700 days long.
                let term = self.rng.range(180, 700);
                let end = self.today + Duration::days(self.rng.range(1, (term - 1).min(400)));
                let start = end - Duration::days(term);
                let unit = self.unit();
                let address = self.address(&unit);
                let mut r = self.registration(i, RegistrationKind::Temporary, unit, address);
                r.start = Some(start);
                r.end = Some(end);
                r.reason = Some(self.rng.pick(TEMPORARY_REASONS).to_string());
                r.made_at = Some(self.at_local(start, 8, 17));
                self.push_registration(r);
            }
            if adult && self.rng.chance(0.06) {
                // An old, ended temporary residence.
                let start = self.random_days_ago(800, 2000);
                let end = start + Duration::days(self.rng.range(90, 700));
                let unit = self.unit();
                let address = self.address(&unit);
                let mut r = self.registration(i, RegistrationKind::Temporary, unit, address);
                r.start = Some(start);
                r.end = Some(end);
                r.reason = Some(self.rng.pick(TEMPORARY_REASONS).to_string());
                r.made_at = Some(self.at_local(start, 8, 17));
                r.status = RecordStatus::Ended;
                self.push_registration(r);
            }
            if adult && self.rng.chance(0.02) {
                let start = self.random_days_ago(0, 200);
                let end = start + Duration::days(self.rng.range(90, 400));
                let province = {
                    let code = *self.rng.weighted::<&str>(BIRTH_PROVINCES);
                    province_name(code).unwrap_or("Hà Nội")
                };
                let destination = format!("Thôn {}, tỉnh {province}", self.rng.range(1, 12));
                let unit = self.persons[i].unit.clone();
                let mut r =
                    self.registration(i, RegistrationKind::TemporaryAbsence, unit, destination);
                r.start = Some(start);
                r.end = Some(end);
                r.reason = Some(self.rng.pick(ABSENCE_REASONS).to_string());
                r.made_at = Some(self.at_local(start, 8, 17).min(self.cfg.now));
                if end < self.today {
                    r.status = RecordStatus::Ended;
                }
                self.push_registration(r);
            }
            if self.rng.chance(0.07) {
                self.stay(i);
            }
        }
    }

    fn stay(&mut self, person: usize) {
        let host = &self.households[self.rng.index(self.households.len())];
        let (host_id, address, unit) = (host.id.clone(), host.address.clone(), host.unit.clone());
        let active = self.rng.chance(0.2);
        let (start, end) = if active {
            let start = self.random_days_ago(1, 3);
            (start, self.today + Duration::days(self.rng.range(0, 5)))
        } else {
            let start = self.random_days_ago(5, 300);
            let end = (start + Duration::days(self.rng.range(0, 7))).min(self.days_ago(1));
            (start, end)
        };
        let arrival = self.at_local(start, 6, 24);
        let deadline = stay_deadline(arrival);
        let window = (deadline - arrival).num_minutes().max(1);
        let made = (arrival + Duration::minutes(self.rng.range(0, window - 1))).min(self.cfg.now);
        let mut r = self.registration(person, RegistrationKind::StayNotification, unit, address);
        r.household_id = Some(host_id);
        r.start = Some(start);
        r.end = Some(end);
        r.arrival_at = Some(arrival);
        r.made_at = Some(made);
        r.reason = Some(self.rng.pick(STAY_REASONS).to_string());
        r.status = if active {
            RecordStatus::Active
        } else {
            RecordStatus::Ended
        };
        self.push_registration(r);
    }

    fn establishments(&mut self) {
        const KINDS: &[(EstablishmentKind, u32)] = &[
            (EstablishmentKind::Hotel, 25),
            (EstablishmentKind::Guesthouse, 30),
            (EstablishmentKind::RentedRoom, 30),
            (EstablishmentKind::PrivateHome, 15),
        ];
        let count = (self.cfg.units.len() * 2).max(self.cfg.people / 200);
        for i in 0..count {
            let unit = self.unit();
            let kind = *self.rng.weighted(KINDS);
            let word = *self.rng.pick(ESTABLISHMENT_WORDS);
            let name = match kind {
                EstablishmentKind::Hotel => format!("Khách sạn {word}"),
                EstablishmentKind::Guesthouse => format!("Nhà nghỉ {word}"),
                EstablishmentKind::RentedRoom => {
                    format!("Nhà trọ {word} {}", self.rng.range(1, 30))
                }
                EstablishmentKind::PrivateHome => {
                    let family = *self.rng.weighted(FAMILY);
                    let sex = if self.rng.chance(0.5) {
                        Sex::Male
                    } else {
                        Sex::Female
                    };
                    let title = if sex == Sex::Male { "ông" } else { "bà" };
                    format!("Nhà {title} {}", self.given_name(sex, family))
                }
            };
            let address = self.address(&unit);
            self.establishments.push(Establishment {
                id: format!("E{:06}", i + 1),
                name,
                kind: Some(kind),
                address,
                remote_area: self.rng.chance(0.1),
                unit,
            });
        }
    }

    fn passport(&mut self, nation: &Nation) -> String {
        loop {
            let max = 10u64.pow(nation.digits);
            let number = format!(
                "{}{:0width$}",
                nation.prefix,
                self.rng.below(max),
                width = nation.digits as usize
            );
            if self.passports.insert(format!("{}|{number}", nation.issuer)) {
                return number;
            }
        }
    }

    fn foreigners(&mut self) {
        let target = (self.cfg.people * 3 / 100).max(20);
        let weights: Vec<(usize, u32)> = NATIONS
            .iter()
            .enumerate()
            .map(|(i, n)| (i, n.weight))
            .collect();
        while self.declarations.len() < target {
            let nation = NATIONS[*self.rng.weighted(&weights)];
            let sex = if self.rng.chance(0.55) {
                Sex::Male
            } else {
                Sex::Female
            };
            let name = format!(
                "{} {}",
                self.rng.pick(nation.family),
                self.rng.pick(nation.given)
            );
            let dob = self.random_days_ago(18 * 365, 75 * 365);
            let passport = self.passport(&nation);
            let roll = self.rng.unit();
            let (kind, symbol) = if roll < 0.7 {
                (
                    PermitKind::Visa,
                    Some(self.rng.weighted(VISA_SYMBOLS).to_string()),
                )
            } else if roll < 0.9 {
                (
                    PermitKind::TemporaryResidenceCard,
                    Some(self.rng.pick(CARD_SYMBOLS).to_string()),
                )
            } else {
                (PermitKind::VisaExemption, None)
            };
            let permit_number = (kind != PermitKind::VisaExemption)
                .then(|| format!("V{:08}", self.rng.below(100_000_000)));
            let stays = self.rng.range(1, 3);
            let first = self.declarations.len();
            let mut arrival = self.cfg.now
                - Duration::days(self.rng.range(2, 90))
                - Duration::minutes(self.rng.range(0, 1439));
            for _ in 0..stays {
                let departure = arrival
                    + Duration::days(self.rng.range(1, 20))
                    + Duration::minutes(self.rng.range(0, 600));
                let establishment = &self.establishments[self.rng.index(self.establishments.len())];
                let (est_id, unit, remote) = (
                    establishment.id.clone(),
                    establishment.unit.clone(),
                    establishment.remote_area,
                );
                let limit_minutes = if remote { 24 * 60 } else { 12 * 60 };
                let declared = arrival + Duration::minutes(self.rng.range(10, limit_minutes - 10));
                self.declarations.push(ForeignerDeclaration {
                    id: format!("D{:07}", self.declarations.len() + 1),
                    full_name: name.clone(),
                    sex: Some(sex),
                    date_of_birth: Some(dob),
                    nationality: nation.nationality.to_string(),
                    passport_number: passport.clone(),
                    passport_country: nation.issuer.to_string(),
                    permit_kind: Some(kind),
                    permit_symbol: symbol.clone(),
                    permit_number: permit_number.clone(),
                    permit_expiry: None,
                    arrival_at: Some(arrival),
                    departure_at: Some(departure),
                    establishment_id: est_id,
                    unit,
                    declared_at: Some(declared),
                    status: if departure > self.cfg.now {
                        RecordStatus::Active
                    } else {
                        RecordStatus::Ended
                    },
                });
                arrival = departure + Duration::days(self.rng.range(1, 15));
                if arrival > self.cfg.now - Duration::days(1) {
                    break;
                }
            }
            let last_departure = self.declarations[self.declarations.len() - 1]
                .departure_at
                .map_or(self.today, local_date);
            let expiry = last_departure.max(self.today) + Duration::days(self.rng.range(5, 200));
            for d in &mut self.declarations[first..] {
                d.permit_expiry = Some(expiry);
            }
        }
    }
}

// ------------------------------------------------------------------ planting errors

const PERSON_RULES: &[RuleId] = &[
    RuleId::PinFormat,
    RuleId::PinProvinceCode,
    RuleId::PinCentury,
    RuleId::PinBirthYear,
    RuleId::PinSex,
    RuleId::PinBirthProvince,
    RuleId::PersonBirthDate,
    RuleId::PersonName,
    RuleId::PersonPhone,
    RuleId::PersonRequired,
    RuleId::PersonDuplicatePin,
    RuleId::PersonDuplicateNameDob,
    RuleId::PersonDuplicatePinTypo,
    RuleId::PersonDuplicateNameTypo,
    RuleId::PersonUnverified,
];
const HOUSEHOLD_RULES: &[RuleId] = &[
    RuleId::HouseholdHead,
    RuleId::HouseholdRequired,
    RuleId::AddressUnresolved,
    RuleId::AddressUnitMismatch,
];
const REGISTRATION_RULES: &[RuleId] = &[
    RuleId::RegistrationPerson,
    RuleId::RegistrationDates,
    RuleId::RegistrationTemporaryTerm,
    RuleId::RegistrationRequired,
    RuleId::RegistrationMultiplePermanent,
    RuleId::RegistrationOverlappingTemporary,
    RuleId::RegistrationTemporaryExpired,
    RuleId::RegistrationPeriodEnded,
    RuleId::StayLateNotification,
    RuleId::AddressUnresolved,
    RuleId::AddressUnitMismatch,
];
const ESTABLISHMENT_RULES: &[RuleId] = &[
    RuleId::EstablishmentRequired,
    RuleId::AddressUnresolved,
    RuleId::AddressUnitMismatch,
];
const DECLARATION_RULES: &[RuleId] = &[
    RuleId::DeclarationDates,
    RuleId::DeclarationPassport,
    RuleId::DeclarationEstablishment,
    RuleId::DeclarationRequired,
    RuleId::DeclarationDuplicate,
    RuleId::DeclarationLate,
    RuleId::DeclarationOverstay,
];

/// How many random records to try before giving up on planting one error.
const ATTEMPTS: usize = 64;

struct Used {
    persons: Vec<bool>,
    households: Vec<bool>,
    registrations: Vec<bool>,
    establishments: Vec<bool>,
    declarations: Vec<bool>,
}

impl Gen<'_> {
    fn note(&mut self, kind: RecordKind, id: &str, rule: RuleId) {
        self.key.push(PlantedError {
            record: RecordRef::new(kind, id),
            rule,
        });
    }

    fn budget(&self, count: usize) -> usize {
        (count as f64 * self.cfg.error_rate).round() as usize
    }

    fn plant(&mut self) {
        let mut used = Used {
            persons: vec![false; self.persons.len()],
            households: vec![false; self.households.len()],
            registrations: vec![false; self.registrations.len()],
            establishments: vec![false; self.establishments.len()],
            declarations: vec![false; self.declarations.len()],
        };
        let person_index: FxHashMap<String, usize> = self
            .persons
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        let reg_person: Vec<usize> = self
            .registrations
            .iter()
            .map(|r| {
                person_index
                    .get(&r.person_id)
                    .copied()
                    .unwrap_or(usize::MAX)
            })
            .collect();

        let n = self.budget(self.persons.len());
        for k in 0..n {
            let rule = PERSON_RULES[k % PERSON_RULES.len()];
            for _ in 0..ATTEMPTS {
                let p = self.rng.index(used.persons.len());
                if !used.persons[p] && self.plant_person(rule, p) {
                    used.persons[p] = true;
                    break;
                }
            }
        }
        // Registrations before households: planted registrations copy household addresses,
        // which must still be clean.
        let n = self.budget(self.registrations.len());
        for k in 0..n {
            let rule = REGISTRATION_RULES[k % REGISTRATION_RULES.len()];
            for _ in 0..ATTEMPTS {
                let r = self.rng.index(used.registrations.len());
                let p = reg_person[r];
                if used.registrations[r] || p == usize::MAX || used.persons[p] {
                    continue;
                }
                if self.plant_registration(rule, r) {
                    used.registrations[r] = true;
                    used.persons[p] = true;
                    break;
                }
            }
        }
        let n = self.budget(self.households.len());
        for k in 0..n {
            let rule = HOUSEHOLD_RULES[k % HOUSEHOLD_RULES.len()];
            for _ in 0..ATTEMPTS {
                let h = self.rng.index(used.households.len());
                if !used.households[h] && self.plant_household(rule, h) {
                    used.households[h] = true;
                    break;
                }
            }
        }
        let n = self.budget(self.establishments.len());
        for k in 0..n {
            let rule = ESTABLISHMENT_RULES[k % ESTABLISHMENT_RULES.len()];
            for _ in 0..ATTEMPTS {
                let e = self.rng.index(used.establishments.len());
                if !used.establishments[e] && self.plant_establishment(rule, e) {
                    used.establishments[e] = true;
                    break;
                }
            }
        }
        let n = self.budget(self.declarations.len());
        for k in 0..n {
            let rule = DECLARATION_RULES[k % DECLARATION_RULES.len()];
            for _ in 0..ATTEMPTS {
                let d = self.rng.index(used.declarations.len());
                if !used.declarations[d] && self.plant_declaration(rule, d) {
                    used.declarations[d] = true;
                    break;
                }
            }
        }
    }

    /// Moves person `p` to a new date of birth in the by-date index.
    fn reindex_dob(&mut self, p: usize, old: NaiveDate, new: NaiveDate, folded: String) {
        if let Some(list) = self.by_dob.get_mut(&old) {
            list.retain(|(_, i)| *i as usize != p);
        }
        self.by_dob.entry(new).or_default().push((folded, p as u32));
    }

    fn rename(&mut self, p: usize, folded: String) {
        if let Some(dob) = self.persons[p].date_of_birth {
            if let Some(entry) = self
                .by_dob
                .get_mut(&dob)
                .and_then(|l| l.iter_mut().find(|(_, i)| *i as usize == p))
            {
                entry.0 = folded;
            }
        }
    }

    fn copy_person(&mut self, p: usize) -> Person {
        let mut q = self.persons[p].clone();
        q.id = format!("P{:08}", self.persons.len() + 1);
        q
    }

    fn add_copy(&mut self, q: Person, rule: RuleId) {
        if let Some(dob) = q.date_of_birth {
            let folded = fold(&q.full_name);
            self.by_dob
                .entry(dob)
                .or_default()
                .push((folded, self.persons.len() as u32));
        }
        self.note(RecordKind::Person, &q.id.clone(), rule);
        self.persons.push(q);
    }

    /// A misspelling of `name` one edit away after folding.
    fn typo(&mut self, name: &str) -> Option<String> {
        let chars: Vec<char> = name.chars().collect();
        let letters: Vec<usize> = (0..chars.len())
            .filter(|&i| chars[i].is_alphabetic())
            .collect();
        if letters.is_empty() {
            return None;
        }
        for _ in 0..16 {
            let i = *self.rng.pick(&letters);
            let mut out = chars.clone();
            match self.rng.index(3) {
                0 => {
                    let mut c = (b'a' + self.rng.below(26) as u8) as char;
                    if c == fold_char(chars[i]) {
                        continue;
                    }
                    if chars[i].is_uppercase() {
                        c = c.to_ascii_uppercase();
                    }
                    out[i] = c;
                }
                1 => {
                    let left = i > 0 && chars[i - 1].is_alphabetic();
                    let right = i + 1 < chars.len() && chars[i + 1].is_alphabetic();
                    if !(left || right) {
                        continue;
                    }
                    out.remove(i);
                }
                _ => {
                    let inside = i > 0 && chars[i - 1].is_alphabetic();
                    if !inside || i + 1 >= chars.len() || !chars[i + 1].is_alphabetic() {
                        continue;
                    }
                    if fold_char(chars[i]) == fold_char(chars[i + 1]) {
                        continue;
                    }
                    out.swap(i, i + 1);
                }
            }
            let s: String = out.into_iter().collect();
            if one_edit_apart(&fold(&s), &fold(name)) {
                return Some(s);
            }
        }
        None
    }

    fn plant_person(&mut self, rule: RuleId, p: usize) -> bool {
        let person = self.persons[p].clone();
        let (Some(dob), Some(sex)) = (person.date_of_birth, person.sex) else {
            return false;
        };
        let Some(parts) = parse_pin(&person.pin) else {
            return false;
        };
        let (province, g, serial) = (
            parts.province.to_string(),
            parts.century_digit,
            parts.serial.to_string(),
        );
        let id = person.id.clone();
        match rule {
            RuleId::PinFormat => {
                let pin = if self.rng.chance(0.5) {
                    person.pin[..11].to_string()
                } else {
                    format!("{}O{}", &person.pin[..7], &person.pin[8..])
                };
                self.persons[p].pin = pin;
            }
            RuleId::PinProvinceCode => {
                let code = *self.rng.pick(INVALID_PROVINCE_CODES);
                let pin = format!("{code}{}", &person.pin[3..]);
                if !self.claim_pin(&pin) {
                    return false;
                }
                self.persons[p].pin = pin;
            }
            RuleId::PinCentury => {
                let g2 = if g >= 2 { g - 2 } else { g + 2 };
                let pin = format!("{province}{g2}{}", &person.pin[4..]);
                if !self.claim_pin(&pin) {
                    return false;
                }
                self.persons[p].pin = pin;
            }
            RuleId::PinBirthYear => {
                let yy = (u32::from(parts.year2) + self.rng.range(1, 99) as u32) % 100;
                let pin = format!("{province}{g}{yy:02}{serial}");
                if !self.claim_pin(&pin) {
                    return false;
                }
                self.persons[p].pin = pin;
            }
            RuleId::PinSex => {
                self.persons[p].sex = Some(if sex == Sex::Male {
                    Sex::Female
                } else {
                    Sex::Male
                });
            }
            RuleId::PinBirthProvince => {
                let other = loop {
                    let (code, _) = *self.rng.pick(&PROVINCE_CODES);
                    if code != province {
                        break code;
                    }
                };
                self.persons[p].birth_registration_province = Some(other.to_string());
            }
            RuleId::PersonBirthDate => {
                let Some(year_end) = NaiveDate::from_ymd_opt(self.today.year(), 12, 31) else {
                    return false;
                };
                let room = (year_end - self.today).num_days();
                if room < 1 {
                    return false;
                }
                let new_dob = self.today + Duration::days(self.rng.range(1, room));
                let folded = fold(&person.full_name);
                if self.name_conflicts(new_dob, &folded, &[p as u32]) {
                    return false;
                }
                let Ok(serial) = serial.parse::<u32>() else {
                    return false;
                };
                let Some(pin) = make_pin(&province, new_dob, sex, serial) else {
                    return false;
                };
                if !self.claim_pin(&pin) {
                    return false;
                }
                self.persons[p].pin = pin;
                self.persons[p].date_of_birth = Some(new_dob);
                self.reindex_dob(p, dob, new_dob, folded);
            }
            RuleId::PersonName => {
                let digit = self.rng.range(1, 9);
                let name = format!("{}{digit}", person.full_name);
                let folded = fold(&name);
                if self.name_conflicts(dob, &folded, &[p as u32]) {
                    return false;
                }
                self.persons[p].full_name = name;
                self.rename(p, folded);
            }
            RuleId::PersonPhone => {
                self.persons[p].phone = Some(format!("09{:05}", self.rng.below(100_000)));
            }
            RuleId::PersonRequired => match self.rng.index(6) {
                0 => self.persons[p].hometown = None,
                1 => self.persons[p].sex = None,
                2 => self.persons[p].birth_registration_province = None,
                3 => {
                    self.persons[p].pin = String::new();
                }
                4 => {
                    self.persons[p].full_name = String::new();
                    if let Some(list) = self.by_dob.get_mut(&dob) {
                        list.retain(|(_, i)| *i as usize != p);
                    }
                }
                _ => {
                    self.persons[p].date_of_birth = None;
                    if let Some(list) = self.by_dob.get_mut(&dob) {
                        list.retain(|(_, i)| *i as usize != p);
                    }
                }
            },
            RuleId::PersonUnverified => {
                self.persons[p].verified_at = if self.rng.chance(0.3) {
                    None
                } else {
                    Some(self.cfg.now - Duration::days(self.rng.range(400, 1500)))
                };
            }
            RuleId::PersonDuplicatePin => {
                let mut q = self.copy_person(p);
                if self.rng.chance(0.5) {
                    q.full_name = strip_diacritics(&q.full_name);
                }
                if self.rng.chance(0.3) {
                    q.unit = self.unit();
                }
                if self.rng.chance(0.5) {
                    q.phone = None;
                }
                self.add_copy(q, rule);
                return true;
            }
            RuleId::PersonDuplicateNameDob => {
                let mut q = self.copy_person(p);
                let pin = loop {
                    let candidate = self.fresh_pin(&province, dob, sex);
                    if !pins_one_typo_apart(&candidate, &person.pin) {
                        break candidate;
                    }
                };
                q.pin = pin;
                if self.rng.chance(0.5) {
                    q.full_name = strip_diacritics(&q.full_name).to_uppercase();
                }
                self.add_copy(q, rule);
                return true;
            }
            RuleId::PersonDuplicatePinTypo => {
                let mut digits: Vec<u8> = person.pin.bytes().collect();
                if self.rng.chance(0.5) {
                    let i = self.rng.range(6, 11) as usize;
                    let delta = self.rng.range(1, 9) as u8;
                    digits[i] = b'0' + (digits[i] - b'0' + delta) % 10;
                } else {
                    let swappable: Vec<usize> =
                        (6..11).filter(|&i| digits[i] != digits[i + 1]).collect();
                    if swappable.is_empty() {
                        return false;
                    }
                    let i = *self.rng.pick(&swappable);
                    digits.swap(i, i + 1);
                }
                let pin = String::from_utf8(digits).unwrap_or_default();
                if !self.claim_pin(&pin) {
                    return false;
                }
                let mut q = self.copy_person(p);
                q.pin = pin;
                self.add_copy(q, rule);
                return true;
            }
            RuleId::PersonDuplicateNameTypo => {
                let Some(name) = self.typo(&person.full_name) else {
                    return false;
                };
                let folded = fold(&name);
                if self.name_conflicts(dob, &folded, &[p as u32]) {
                    return false;
                }
                let mut q = self.copy_person(p);
                q.pin = self.fresh_pin(&province, dob, sex);
                q.full_name = name;
                self.add_copy(q, rule);
                return true;
            }
            _ => return false,
        }
        self.note(RecordKind::Person, &id, rule);
        true
    }

    fn plant_household(&mut self, rule: RuleId, h: usize) -> bool {
        let id = self.households[h].id.clone();
        let unit = self.households[h].unit.clone();
        match rule {
            RuleId::HouseholdHead => self.households[h].head_person_id = self.unknown_id('P'),
            RuleId::HouseholdRequired => {
                if self.rng.chance(0.5) {
                    self.households[h].address = String::new();
                } else {
                    self.households[h].head_person_id = String::new();
                }
            }
            RuleId::AddressUnresolved => {
                self.households[h].address = strip_unit(&self.households[h].address)
            }
            RuleId::AddressUnitMismatch => {
                let Some(other) = self.other_unit(&unit) else {
                    return false;
                };
                self.households[h].address = swap_unit(&self.households[h].address, &other);
            }
            _ => return false,
        }
        self.note(RecordKind::Household, &id, rule);
        true
    }

    fn plant_registration(&mut self, rule: RuleId, r: usize) -> bool {
        let reg = self.registrations[r].clone();
        let kind = reg.kind;
        match rule {
            RuleId::RegistrationPerson => self.registrations[r].person_id = self.unknown_id('P'),
            RuleId::RegistrationDates => {
                if kind == RegistrationKind::Permanent {
                    return false;
                }
                let Some(start) = reg.start else { return false };
                self.registrations[r].end = Some(start - Duration::days(self.rng.range(1, 30)));
            }
            RuleId::RegistrationTemporaryTerm => {
                let (Some(end), true) = (reg.end, kind == RegistrationKind::Temporary) else {
                    return false;
                };
                if reg.status != RecordStatus::Active {
                    return false;
                }
                let start = end - Months::new(24) - Duration::days(self.rng.range(1, 180));
                self.registrations[r].start = Some(start);
            }
            RuleId::RegistrationRequired => {
                let reg = &mut self.registrations[r];
                match kind {
                    RegistrationKind::Permanent => reg.household_id = None,
                    RegistrationKind::Temporary => reg.end = None,
                    RegistrationKind::TemporaryAbsence => reg.reason = None,
                    RegistrationKind::StayNotification => reg.made_at = None,
                }
            }
            RuleId::RegistrationMultiplePermanent => {
                if kind != RegistrationKind::Permanent || reg.status != RecordStatus::Active {
                    return false;
                }
                let other = &self.households[self.rng.index(self.households.len())];
                if Some(&other.id) == reg.household_id.as_ref() {
                    return false;
                }
                let (hid, address, unit) =
                    (other.id.clone(), other.address.clone(), other.unit.clone());
                let start = self.random_days_ago(1, 300);
                let made_at = self.at_local(start, 8, 17).min(self.cfg.now);
                let new = Registration {
                    household_id: Some(hid),
                    address,
                    unit,
                    start: Some(start),
                    made_at: Some(made_at),
                    ..reg
                };
                let i = self.push_registration(new);
                let id = self.registrations[i].id.clone();
                self.note(RecordKind::Registration, &id, rule);
                return true;
            }
            RuleId::RegistrationOverlappingTemporary => {
                let (Some(start), Some(end)) = (reg.start, reg.end) else {
                    return false;
                };
                if kind != RegistrationKind::Temporary
                    || reg.status != RecordStatus::Active
                    || end <= self.today
                {
                    return false;
                }
                let back = (self.today - start).num_days().min(300);
                let new_start = self.random_days_ago(0, back);
                let new_end = self.today + Duration::days(self.rng.range(1, 200));
                let unit = self.unit();
                let address = self.address(&unit);
                let made_at = self.at_local(new_start, 8, 17).min(self.cfg.now);
                let new = Registration {
                    address,
                    unit,
                    start: Some(new_start),
                    end: Some(new_end),
                    made_at: Some(made_at),
                    ..reg
                };
                let i = self.push_registration(new);
                let id = self.registrations[i].id.clone();
                self.note(RecordKind::Registration, &id, rule);
                return true;
            }
            RuleId::RegistrationTemporaryExpired => {
                if kind != RegistrationKind::Temporary
                    || reg.status != RecordStatus::Active
                    || reg.end.is_none()
                {
                    return false;
                }
                let end = self.random_days_ago(1, 60);
                let start = end - Duration::days(self.rng.range(180, 600));
                self.registrations[r].start = Some(start);
                self.registrations[r].end = Some(end);
            }
            RuleId::RegistrationPeriodEnded => {
                let period = matches!(
                    kind,
                    RegistrationKind::TemporaryAbsence | RegistrationKind::StayNotification
                );
                if !period
                    || reg.status != RecordStatus::Ended
                    || reg.end.is_none_or(|e| e >= self.today)
                {
                    return false;
                }
                self.registrations[r].status = RecordStatus::Active;
            }
            RuleId::StayLateNotification => {
                let Some(arrival) = reg.arrival_at else {
                    return false;
                };
                if kind != RegistrationKind::StayNotification || reg.made_at.is_none() {
                    return false;
                }
                let deadline = stay_deadline(arrival);
                let late = deadline + Duration::minutes(self.rng.range(1, 72 * 60));
                if late > self.cfg.now {
                    return false;
                }
                self.registrations[r].made_at = Some(late);
            }
            RuleId::AddressUnresolved => {
                if !kind.address_is_local() {
                    return false;
                }
                self.registrations[r].address = strip_unit(&reg.address);
            }
            RuleId::AddressUnitMismatch => {
                if !kind.address_is_local() {
                    return false;
                }
                let Some(other) = self.other_unit(&reg.unit) else {
                    return false;
                };
                self.registrations[r].address = swap_unit(&reg.address, &other);
            }
            _ => return false,
        }
        self.note(RecordKind::Registration, &reg.id, rule);
        true
    }

    fn plant_establishment(&mut self, rule: RuleId, e: usize) -> bool {
        let est = self.establishments[e].clone();
        match rule {
            RuleId::EstablishmentRequired => {
                if self.rng.chance(0.5) {
                    self.establishments[e].name = String::new();
                } else {
                    self.establishments[e].kind = None;
                }
            }
            RuleId::AddressUnresolved => self.establishments[e].address = strip_unit(&est.address),
            RuleId::AddressUnitMismatch => {
                let Some(other) = self.other_unit(&est.unit) else {
                    return false;
                };
                self.establishments[e].address = swap_unit(&est.address, &other);
            }
            _ => return false,
        }
        self.note(RecordKind::Establishment, &est.id, rule);
        true
    }

    fn plant_declaration(&mut self, rule: RuleId, d: usize) -> bool {
        let decl = self.declarations[d].clone();
        let (Some(arrival), Some(departure), Some(declared)) =
            (decl.arrival_at, decl.departure_at, decl.declared_at)
        else {
            return false;
        };
        match rule {
            RuleId::DeclarationDates => {
                self.declarations[d].departure_at =
                    Some(arrival - Duration::hours(self.rng.range(1, 48)));
            }
            RuleId::DeclarationPassport => {
                let n = &decl.passport_number;
                let mid = n.len() / 2;
                self.declarations[d].passport_number = format!("{}-{}", &n[..mid], &n[mid..]);
            }
            RuleId::DeclarationEstablishment => {
                if declared - arrival > Duration::hours(12) {
                    return false;
                }
                let other = self.other_unit(&decl.unit).and_then(|u| {
                    self.establishments
                        .iter()
                        .find(|e| e.unit == u)
                        .map(|e| e.id.clone())
                });
                let id = match other {
                    Some(id) if self.rng.chance(0.5) => id,
                    _ => self.unknown_id('E'),
                };
                self.declarations[d].establishment_id = id;
            }
            RuleId::DeclarationRequired => match self.rng.index(4) {
                0 => self.declarations[d].sex = None,
                1 => self.declarations[d].date_of_birth = None,
                2 => self.declarations[d].permit_expiry = None,
                _ => self.declarations[d].declared_at = None,
            },
            RuleId::DeclarationDuplicate => {
                let shift = Duration::minutes(self.rng.range(30, 120));
                if departure - arrival <= shift {
                    return false;
                }
                let copy_arrival = arrival + shift;
                let same_unit: Vec<String> = self
                    .establishments
                    .iter()
                    .filter(|e| e.unit == decl.unit && !e.remote_area)
                    .map(|e| e.id.clone())
                    .collect();
                let establishment_id = if same_unit.is_empty() {
                    decl.establishment_id.clone()
                } else {
                    self.rng.pick(&same_unit).clone()
                };
                let copy = ForeignerDeclaration {
                    id: format!("D{:07}", self.declarations.len() + 1),
                    arrival_at: Some(copy_arrival),
                    declared_at: Some(copy_arrival + Duration::minutes(self.rng.range(10, 600))),
                    establishment_id,
                    ..decl
                };
                self.note(RecordKind::Declaration, &copy.id.clone(), rule);
                self.declarations.push(copy);
                return true;
            }
            RuleId::DeclarationLate => {
                let remote = self
                    .establishments
                    .iter()
                    .find(|e| e.id == decl.establishment_id)
                    .is_some_and(|e| e.remote_area);
                let limit = if remote { 24 } else { 12 };
                let late = arrival
                    + Duration::hours(limit)
                    + Duration::minutes(self.rng.range(1, 24 * 60));
                self.declarations[d].declared_at = Some(late);
            }
            RuleId::DeclarationOverstay => {
                let expiry = if decl.status == RecordStatus::Active {
                    self.random_days_ago(1, 10)
                } else {
                    local_date(departure) - Duration::days(self.rng.range(1, 3))
                };
                self.declarations[d].permit_expiry = Some(expiry);
            }
            _ => return false,
        }
        self.note(RecordKind::Declaration, &decl.id, rule);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap()
    }

    fn units() -> Vec<String> {
        vec!["00004".into(), "00070".into(), "00025".into()]
    }

    #[test]
    fn same_seed_same_data() {
        let a = generate_residents(800, 0.1, 11, &units(), now()).unwrap();
        let b = generate_residents(800, 0.1, 11, &units(), now()).unwrap();
        assert_eq!(a.persons, b.persons);
        assert_eq!(a.registrations, b.registrations);
        assert_eq!(a.declarations, b.declarations);
        assert_eq!(a.answer_key, b.answer_key);
        let c = generate_residents(800, 0.1, 12, &units(), now()).unwrap();
        assert_ne!(a.persons, c.persons);
    }

    #[test]
    fn bad_arguments_are_rejected() {
        assert!(matches!(
            generate_residents(10, 0.1, 1, &[], now()),
            Err(RecordsError::NoUnits)
        ));
        assert!(matches!(
            generate_residents(10, 1.5, 1, &units(), now()),
            Err(RecordsError::BadErrorRate { .. })
        ));
    }

    #[test]
    fn people_count_and_household_heads() {
        let g = generate_residents(1000, 0.0, 3, &units(), now()).unwrap();
        assert_eq!(g.persons.len(), 1000);
        assert!(g.answer_key.is_empty());
        let ids: std::collections::HashSet<&str> =
            g.persons.iter().map(|p| p.id.as_str()).collect();
        assert!(g
            .households
            .iter()
            .all(|h| ids.contains(h.head_person_id.as_str())));
        let nguyen = g
            .persons
            .iter()
            .filter(|p| p.full_name.starts_with("Nguyễn "))
            .count();
        assert!((250..=500).contains(&nguyen), "Nguyễn share off: {nguyen}");
    }

    #[test]
    fn typo_is_one_edit_after_folding() {
        let cfg = GeneratorConfig {
            people: 1,
            error_rate: 0.0,
            seed: 5,
            units: units(),
            now: now(),
        };
        let mut g = Gen::new(&cfg);
        for _ in 0..200 {
            let t = g.typo("Nguyễn Thị Hương").unwrap();
            assert!(one_edit_apart(&fold(&t), "nguyen thi huong"), "{t}");
        }
    }
}
