//! `binhyen gen-history`: a synthetic past for benchmarks and demonstrations — closed incidents
//! spread over the last years in every unit, each taken through the domain's lifecycle
//! (verified, dispatched, en route, on scene, resolved, closed; some false alarms and
//! cancellations), a few hundred still open, and criminal cases with their discovery and
//! clearance dates. Cases follow where and when crime happens: each unit's share follows its
//! population, wards (phường) more than communes; more cases in the evening and night than in
//! the morning, and in the months around Tết; drug cases are discovered by an arrest, so they
//! are solved when discovered; cleared cases are later sent for prosecution and old unsolved
//! ones suspended. Written through the store's bulk import (`Store::import_incidents`,
//! `Store::import_cases`).

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use domain::incident::{
    takes_fire_report, Actor, Caller, Casualties, Channel, CrimeSubtype, Disposition,
    FalseAlarmCause, FireCause, FireReport, GeoPoint, Incident, IncidentId, IncidentKind,
    IncidentLocation, IncidentNumber, IncidentStatus, NewIncident, PremisesKind, TransitionDetails,
};
use domain::stats::MaxPenalty;
use domain::units::UnitDirectory;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use store::{HistoryCursor, NewCase, Store, Timeline};

/// Incidents (or cases) per import transaction. Generating history beside a live server shares
/// SQLite's single writer with the alarm receiver, so each transaction stays short: 500
/// incidents with their timelines commit in a few tens of milliseconds.
const BATCH: usize = 500;

/// What to generate.
#[derive(Debug, Clone)]
pub struct HistorySpec {
    /// Incidents in all.
    pub incidents: usize,
    /// Of those, the most recent ones left open (at various stages).
    pub open: usize,
    /// Criminal cases.
    pub cases: usize,
    /// Years of history, ending at `until`.
    pub years: u32,
    /// End of the history.
    pub until: DateTime<Utc>,
    /// Write each incident's timeline too.
    pub timeline: Timeline,
    /// Seed: the same seed gives the same history.
    pub seed: u64,
}

/// Incident types with their share of the history, in per mille.
const KIND_MIX: &[(IncidentKind, u32)] = &[
    (IncidentKind::Crime, 330),
    (IncidentKind::PublicOrder, 220),
    (IncidentKind::TrafficAccident, 200),
    (IncidentKind::Fire, 50),
    (IncidentKind::Rescue, 30),
    (IncidentKind::Medical, 60),
    (IncidentKind::MissingPerson, 20),
    (IncidentKind::Flood, 10),
    (IncidentKind::Explosion, 5),
    (IncidentKind::Other, 75),
];

const SUBTYPES: &[CrimeSubtype] = &[
    CrimeSubtype::Theft,
    CrimeSubtype::Theft,
    CrimeSubtype::Theft,
    CrimeSubtype::Robbery,
    CrimeSubtype::Fraud,
    CrimeSubtype::Fight,
    CrimeSubtype::Assault,
    CrimeSubtype::Drugs,
    CrimeSubtype::DomesticViolence,
    CrimeSubtype::Other,
];

/// Common Penal Code articles with their usual bracket maximum (months), by frequency.
const ARTICLES: &[(u16, u32)] = &[
    (173, 36),  // theft
    (173, 84),  // theft, aggravated
    (171, 84),  // snatching
    (174, 36),  // fraud
    (174, 144), // fraud, large
    (134, 36),  // intentional injury
    (168, 180), // robbery
    (249, 60),  // illegal possession of drugs
    (251, 180), // drug trafficking
    (321, 36),  // gambling
    (318, 24),  // disturbing public order
    (290, 84),  // appropriating property by computer network
    (188, 60),  // smuggling
    (192, 84),  // counterfeit goods
    (235, 60),  // environmental pollution
    (244, 84),  // endangered animals
];

fn pick_kind(rng: &mut StdRng) -> IncidentKind {
    let mut roll = rng.gen_range(0..1000);
    for (kind, share) in KIND_MIX {
        if roll < *share {
            return *kind;
        }
        roll -= share;
    }
    IncidentKind::Other
}

fn secs(rng: &mut StdRng, lo: i64, hi: i64) -> Duration {
    Duration::seconds(rng.gen_range(lo..=hi))
}

/// One incident received at `at`, taken through its lifecycle; `keep_open` stops it part way.
fn incident(
    rng: &mut StdRng,
    units: &UnitDirectory,
    id: i64,
    number: IncidentNumber,
    at: DateTime<Utc>,
    keep_open: bool,
) -> anyhow::Result<Incident> {
    let all = units.units();
    let unit = &all[rng.gen_range(0..all.len())];
    let kind = pick_kind(rng);
    let point = GeoPoint::new(
        unit.label.lat + rng.gen_range(-0.004..0.004),
        unit.label.lon + rng.gen_range(-0.004..0.004),
    );
    let channel = match rng.gen_range(0..10) {
        0..=5 => Channel::Hotline113,
        6 => Channel::Hotline114,
        7 => Channel::WebReport,
        8 => Channel::Assistant,
        _ => Channel::FieldOfficer,
    };
    let new = NewIncident {
        kind,
        crime_subtype: (kind == IncidentKind::Crime)
            .then(|| SUBTYPES[rng.gen_range(0..SUBTYPES.len())]),
        priority: None,
        channel,
        location: IncidentLocation {
            point: Some(point),
            address: Some(format!("Số {} {}", rng.gen_range(1..300), unit.full_name)),
            unit_code: Some(unit.code.clone()),
            ..Default::default()
        },
        caller: Caller {
            name: None,
            phone: Some(format!("09{:08}", rng.gen_range(0..100_000_000u32))),
        },
        description: format!("Tin báo {} (dữ liệu mô phỏng)", kind_label(kind)),
        facility_id: None,
        device_id: None,
        signals: Vec::new(),
        reported_at: None,
    };
    let valid = new.validate(at).context("generated incident refused")?;
    let actor = Actor::system("gen-history");
    let (mut inc, _) = Incident::open(IncidentId(id), number, valid, actor.clone(), at);
    let mut t = at;
    let mut step = |inc: &mut Incident,
                    rng: &mut StdRng,
                    to: IncidentStatus,
                    lo: i64,
                    hi: i64,
                    details: TransitionDetails|
     -> anyhow::Result<()> {
        t += secs(rng, lo, hi);
        inc.transition(to, details, actor.clone(), t)?;
        Ok(())
    };
    let roll = rng.gen_range(0..100);
    // An open incident stops at a stage chosen by its luck; a closed one goes to the end.
    let stop_at = if keep_open { rng.gen_range(0..5) } else { 99 };
    if roll < 4 {
        if stop_at > 0 {
            step(
                &mut inc,
                rng,
                IncidentStatus::FalseAlarm,
                60,
                600,
                TransitionDetails::reason("Xác minh: không có vụ việc"),
            )?;
        }
        if !keep_open {
            step(
                &mut inc,
                rng,
                IncidentStatus::Closed,
                60,
                900,
                TransitionDetails::default(),
            )?;
        }
        return Ok(inc);
    }
    if roll < 7 && !keep_open {
        step(
            &mut inc,
            rng,
            IncidentStatus::Cancelled,
            30,
            600,
            TransitionDetails::reason("Người báo huỷ tin"),
        )?;
        return Ok(inc);
    }
    let stages = [
        (IncidentStatus::Verified, 20, 180),
        (IncidentStatus::Dispatched, 30, 420),
        (IncidentStatus::EnRoute, 10, 90),
        (IncidentStatus::OnScene, 180, 1_500),
        (IncidentStatus::Resolved, 600, 5_400),
    ];
    for (n, (to, lo, hi)) in stages.into_iter().enumerate() {
        if n >= stop_at {
            return Ok(inc);
        }
        step(&mut inc, rng, to, lo, hi, TransitionDetails::default())?;
    }
    if let Some(toll) = casualties(rng, inc.kind) {
        let at = inc.updated_at;
        inc.record_casualties(toll, None, actor.clone(), at)?;
    }
    if takes_fire_report(inc.kind) {
        let at = inc.updated_at;
        inc.file_fire_report(fire_report(rng, &inc), actor.clone(), at)?;
    }
    let disposition = match rng.gen_range(0..10) {
        0..=5 => Disposition::ReportTaken,
        6 => Disposition::ArrestMade,
        7 => Disposition::Referred,
        8 => Disposition::UnableToLocate,
        _ => Disposition::NoActionRequired,
    };
    step(
        &mut inc,
        rng,
        IncidentStatus::Closed,
        300,
        3_600,
        TransitionDetails::disposition(disposition),
    )?;
    Ok(inc)
}

/// The toll of a resolved incident, for the kinds that have one: most have nobody hurt, some a
/// few injured, a few a death; fires and rescues also rescue people.
fn casualties(rng: &mut StdRng, kind: IncidentKind) -> Option<Casualties> {
    let hurt_share = match kind {
        IncidentKind::TrafficAccident => 60,
        IncidentKind::Fire | IncidentKind::Explosion => 25,
        IncidentKind::Rescue => 50,
        _ => return None,
    };
    let roll = rng.gen_range(0..100);
    let toll = Casualties {
        dead: u32::from(roll < hurt_share / 10),
        injured: if roll < hurt_share {
            rng.gen_range(1..=3)
        } else {
            0
        },
        trapped: 0,
        rescued: match kind {
            IncidentKind::Fire | IncidentKind::Rescue if roll < hurt_share * 2 => {
                rng.gen_range(1..=5)
            }
            _ => 0,
        },
    };
    (!toll.is_none()).then_some(toll)
}

/// The report of a fire that was responded to: most are real, with a cause and an estimate.
fn fire_report(rng: &mut StdRng, inc: &Incident) -> FireReport {
    const CAUSES: [FireCause; 6] = [
        FireCause::Electrical,
        FireCause::Electrical,
        FireCause::Cooking,
        FireCause::OpenFlame,
        FireCause::Smoking,
        FireCause::Unknown,
    ];
    // Homes burn most, then homes with a shop; the rest spread over the other kinds.
    const PREMISES: [PremisesKind; 14] = [
        PremisesKind::House,
        PremisesKind::House,
        PremisesKind::House,
        PremisesKind::House,
        PremisesKind::HouseShop,
        PremisesKind::HouseShop,
        PremisesKind::HouseShop,
        PremisesKind::ApartmentBuilding,
        PremisesKind::BoardingHouse,
        PremisesKind::Market,
        PremisesKind::Factory,
        PremisesKind::Warehouse,
        PremisesKind::Vehicle,
        PremisesKind::OpenLand,
    ];
    let real_fire = rng.gen_range(0..100) < 85;
    let under_control = inc
        .times
        .on_scene
        .map(|t| t + Duration::minutes(rng.gen_range(5..40)));
    FireReport {
        real_fire,
        false_alarm_cause: (!real_fire).then_some(FalseAlarmCause::Fault),
        cause: real_fire.then(|| CAUSES[rng.gen_range(0..CAUSES.len())]),
        premises_kind: real_fire.then(|| PREMISES[rng.gen_range(0..PREMISES.len())]),
        premises: None,
        floors_affected: real_fire.then(|| rng.gen_range(1..4)),
        area_burned_m2: real_fire.then(|| rng.gen_range(5..300)),
        evacuated: if real_fire { rng.gen_range(0..40) } else { 0 },
        damage_vnd: real_fire.then(|| rng.gen_range(1..200) * 10_000_000),
        under_control_at: under_control.filter(|t| *t <= inc.updated_at),
        extinguished_at: None,
        vehicles: rng.gen_range(1..5),
        personnel: rng.gen_range(6..30),
        notes: None,
    }
}

fn kind_label(kind: IncidentKind) -> &'static str {
    match kind {
        IncidentKind::Fire => "cháy",
        IncidentKind::Explosion => "nổ",
        IncidentKind::Rescue => "cứu nạn",
        IncidentKind::TrafficAccident => "tai nạn giao thông",
        IncidentKind::Crime => "tội phạm",
        IncidentKind::PublicOrder => "trật tự công cộng",
        IncidentKind::Flood => "ngập lụt",
        IncidentKind::MissingPerson => "người mất tích",
        IncidentKind::Medical => "cấp cứu",
        IncidentKind::Other => "khác",
    }
}

/// Writes the incidents in time order, numbered on from `cursor`. Returns how many.
async fn write_incidents(
    store: &Store,
    units: &UnitDirectory,
    spec: &HistorySpec,
    mut cursor: HistoryCursor,
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    let span_ms = i64::from(spec.years) * 365 * 86_400_000;
    let start = spec.until - Duration::milliseconds(span_ms);
    let step_ms = span_ms as f64 / spec.incidents.max(1) as f64;
    let actor = store::Actor::system("gen-history");
    let now = Utc::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..spec.incidents {
        // Evenly spread with jitter, so that numbers follow reception time.
        let offset = (i as f64 + rng.gen_range(0.0..1.0)) * step_ms;
        let at = start + Duration::milliseconds(offset as i64);
        let year = IncidentNumber::local_year(at);
        let seq = cursor.last_seq.entry(year).or_insert(0);
        *seq += 1;
        let number = IncidentNumber::new(&cursor.prefix, year, *seq)?;
        let keep_open = i + spec.open >= spec.incidents;
        batch.push(incident(rng, units, cursor.next_id, number, at, keep_open)?);
        cursor.next_id += 1;
        if batch.len() == BATCH {
            store
                .import_incidents(&batch, spec.timeline, &actor, now)
                .await?;
            batch.clear();
            if (i + 1) % (BATCH * 40) == 0 {
                eprintln!("  {} incidents", i + 1);
            }
        }
    }
    store
        .import_incidents(&batch, spec.timeline, &actor, now)
        .await?;
    Ok(spec.incidents)
}

/// Relative case rate by hour of the day (Vietnam time, 0–23): most in the evening and at
/// night, least in the early morning.
const HOUR_WEIGHT: [u32; 24] = [
    7, 6, 5, 4, 3, 3, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 7, 8, 9, 10, 11, 11, 10, 8,
];

/// Relative case rate by month (January first): more in the months around Tết.
const MONTH_WEIGHT: [u32; 12] = [13, 12, 10, 9, 9, 9, 9, 9, 9, 10, 11, 13];

/// Each unit's share of the cases: its population (the median when unknown), half as much
/// again for an urban ward.
struct UnitWeights<'a> {
    codes: Vec<&'a str>,
    cumulative: Vec<u64>,
}

impl<'a> UnitWeights<'a> {
    fn new(units: &'a UnitDirectory) -> Self {
        let all = units.units();
        let mut known: Vec<u64> = all.iter().filter_map(|u| u.population).collect();
        known.sort_unstable();
        let median = known.get(known.len() / 2).copied().unwrap_or(50_000).max(1);
        let mut total = 0;
        let mut cumulative = Vec::with_capacity(all.len());
        for u in all {
            let people = u.population.unwrap_or(median).max(1);
            let weight = if u.kind == domain::units::UnitKind::Phuong {
                people * 3 / 2
            } else {
                people
            };
            total += weight;
            cumulative.push(total);
        }
        UnitWeights {
            codes: all.iter().map(|u| u.code.as_str()).collect(),
            cumulative,
        }
    }

    fn pick(&self, rng: &mut StdRng) -> &'a str {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return self.codes.first().copied().unwrap_or("");
        }
        let x = rng.gen_range(0..total);
        let i = self.cumulative.partition_point(|c| *c <= x);
        self.codes[i.min(self.codes.len() - 1)]
    }
}

/// A discovery instant in `[start, start + span_secs)`, drawn by the hour and month weights.
fn discovery(rng: &mut StdRng, start: DateTime<Utc>, span_secs: i64) -> DateTime<Utc> {
    use chrono::{Datelike, Timelike};
    let max = u64::from(HOUR_WEIGHT.iter().max().copied().unwrap_or(1))
        * u64::from(MONTH_WEIGHT.iter().max().copied().unwrap_or(1));
    loop {
        let at = start + Duration::seconds(rng.gen_range(0..span_secs.max(1)));
        let local = at + Duration::hours(7);
        let w = u64::from(HOUR_WEIGHT[local.hour() as usize])
            * u64::from(MONTH_WEIGHT[local.month0() as usize]);
        if rng.gen_range(0..max) < w {
            return at;
        }
    }
}

/// One generated case.
fn case(
    rng: &mut StdRng,
    weights: &UnitWeights,
    spec: &HistorySpec,
    start: DateTime<Utc>,
    span_secs: i64,
    i: usize,
) -> NewCase {
    use domain::stats::CaseStatus;
    let discovered_at = discovery(rng, start, span_secs);
    let (article, months) = ARTICLES[rng.gen_range(0..ARTICLES.len())];
    let drugs = (247..=259).contains(&article);
    // Drug cases are discovered by an arrest: solved at once. Of the others about 80 % are
    // cleared, most within weeks.
    let solved_at = if drugs {
        Some(discovered_at)
    } else {
        (rng.gen_range(0..100) < 80)
            .then(|| discovered_at + Duration::hours(rng.gen_range(2..24 * 120)))
            .filter(|t| *t <= spec.until)
    };
    // A cleared case goes to the procuracy one to three months later; a case still unsolved
    // after four months is suspended.
    let (status, status_at) = match solved_at {
        Some(s) => {
            let sent = s + Duration::days(rng.gen_range(30..90));
            if sent <= spec.until {
                (Some(CaseStatus::SentForProsecution), Some(sent))
            } else {
                (Some(CaseStatus::Investigating), Some(discovered_at))
            }
        }
        None => {
            let suspended = discovered_at + Duration::days(rng.gen_range(90..120));
            if suspended <= spec.until {
                (Some(CaseStatus::Suspended), Some(suspended))
            } else {
                (Some(CaseStatus::Investigating), Some(discovered_at))
            }
        }
    };
    NewCase {
        case_ref: format!("LS{}-{:07}", spec.seed, i + 1),
        unit: weights.pick(rng).to_owned(),
        article,
        clause: Some(rng.gen_range(1..=3)),
        bracket_max: MaxPenalty::PrisonMonths(months),
        summary: "Vụ án mô phỏng".into(),
        discovered_at,
        solved_at,
        status,
        status_at,
        suspects: Some(rng.gen_range(1..=3)),
    }
}

async fn write_cases(
    store: &Store,
    units: &UnitDirectory,
    spec: &HistorySpec,
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    let span_secs = i64::from(spec.years) * 365 * 86_400;
    let start = spec.until - Duration::seconds(span_secs);
    let weights = UnitWeights::new(units);
    let actor = store::Actor::system("gen-history");
    let now = Utc::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..spec.cases {
        batch.push(case(rng, &weights, spec, start, span_secs, i));
        if batch.len() == BATCH {
            store.import_cases(&batch, &actor, now).await?;
            batch.clear();
        }
    }
    store.import_cases(&batch, &actor, now).await?;
    Ok(spec.cases)
}

/// Generates the history into the configured database and prints what it wrote.
pub async fn gen_history(config: &crate::config::Config, spec: HistorySpec) -> anyhow::Result<()> {
    let units = UnitDirectory::load(&config.units)
        .with_context(|| format!("cannot load units from {}", config.units.display()))?;
    anyhow::ensure!(!units.is_empty(), "the reference geography has no units");
    anyhow::ensure!(spec.years > 0, "--years must be at least 1");
    let store = crate::app::open_store(config).await?;
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let cursor = store.history_cursor().await?;
    let started = Instant::now();
    let incidents = write_incidents(&store, &units, &spec, cursor, &mut rng).await?;
    let incidents_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let cases = write_cases(&store, &units, &spec, &mut rng).await?;
    let cases_s = started.elapsed().as_secs_f64();
    store.analyze().await?;
    store.close().await;
    println!(
        "wrote {incidents} incidents ({} open) in {incidents_s:.1} s and {cases} cases in \
         {cases_s:.1} s over {} years to {}",
        spec.open.min(incidents),
        spec.years,
        spec.until.format("%Y-%m-%d")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_cases_follow_population_hours_and_drug_arrests() {
        use chrono::Timelike;
        let units = crate::test_units();
        let weights = UnitWeights::new(&units);
        let mut rng = StdRng::seed_from_u64(11);
        let until = Utc::now();
        let spec = HistorySpec {
            incidents: 0,
            open: 0,
            cases: 6000,
            years: 2,
            until,
            timeline: Timeline::Omit,
            seed: 11,
        };
        let span = 2 * 365 * 86_400;
        let start = until - Duration::seconds(span);
        let cases: Vec<NewCase> = (0..6000)
            .map(|i| case(&mut rng, &weights, &spec, start, span, i))
            .collect();
        let mut evening = 0;
        let mut early = 0;
        for c in &cases {
            assert!(c.check(until).is_ok(), "{c:?}");
            assert!(c.discovered_at >= start && c.discovered_at < until);
            if (247..=259).contains(&c.article) {
                assert_eq!(
                    c.solved_at,
                    Some(c.discovered_at),
                    "drug cases: solved on arrest"
                );
            }
            let hour = (c.discovered_at + Duration::hours(7)).hour();
            if (19..=22).contains(&hour) {
                evening += 1;
            }
            if (4..=7).contains(&hour) {
                early += 1;
            }
        }
        // 4 evening hours weigh 41, 4 early-morning hours 14.
        assert!(evening > early * 2, "evening {evening}, early {early}");
        // The most populous unit gets more cases than the least populous one.
        let all = units.units();
        let count = |code: &str| cases.iter().filter(|c| c.unit == code).count();
        let most = all
            .iter()
            .max_by_key(|u| u.population.unwrap_or(0))
            .unwrap();
        let least = all
            .iter()
            .min_by_key(|u| u.population.unwrap_or(u64::MAX))
            .unwrap();
        if most.population > least.population.map(|p| p * 2) {
            assert!(count(&most.code) > count(&least.code));
        }
    }

    #[test]
    fn generated_incidents_follow_the_lifecycle() {
        let units = crate::test_units();
        let mut rng = StdRng::seed_from_u64(7);
        let at = Utc::now() - Duration::days(30);
        let mut closed = 0;
        for i in 0..300 {
            let number = IncidentNumber::new("HN", 2026, i + 1).expect("number");
            let keep_open = i % 3 == 0;
            let inc = incident(&mut rng, &units, i64::from(i) + 1, number, at, keep_open)
                .expect("valid incident");
            assert_eq!(inc.is_open(), keep_open, "{:?}", inc.status);
            // Times never go backwards along the timeline.
            assert!(inc.history.windows(2).all(|w| w[0].at <= w[1].at));
            assert!(units
                .get(inc.assignment.primary_unit.as_deref().unwrap_or(""))
                .is_some());
            if inc.status == IncidentStatus::Closed && inc.times.false_alarm.is_none() {
                closed += 1;
                assert!(inc.times.on_scene.is_some() && inc.times.dispatched.is_some());
            }
        }
        assert!(closed > 100, "most incidents run to the end: {closed}");
    }
}
