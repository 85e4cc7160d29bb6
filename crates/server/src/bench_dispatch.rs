//! `binhyen bench dispatch`: does the first recommendation send what the incident needs?
//!
//! A reproducible scenario over the loaded province: incidents of mixed types at points inside
//! random units (fires partly at facilities of every kind, some high-rise), the demonstration
//! fleet with a share of it busy, and for each incident both the response-plan recommendation
//! and the previous recommender (closest resources of the useful kinds, no plan) as the
//! baseline. A list "fills the plan" when its first N lines, N being the plan's size, hold every
//! kind in the plan's count. Reported: that share for all incidents and for P1 fires, the
//! estimated arrival of the first fire engine, and the latency of one recommendation with the
//! fleet scaled to `--resources` (2,000 by default).

use crate::api::response_plans::{plan_context, Premises};
use chrono::{DateTime, Utc};
use clap::Args;
use domain::incident::{
    recommend_plan, recommend_with, Actor, GeoPoint, Incident, IncidentId, IncidentKind,
    IncidentNumber, NewIncidentForm, PlanBook, Priority, RecommendOptions, Recommendation,
    Resource, ResourceKind, ResourceStatus, Vocabulary,
};
use domain::units::UnitDirectory;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Flags of `binhyen bench dispatch`.
#[derive(Debug, Clone, Args)]
pub struct DispatchBenchArgs {
    /// Reference geography (units, streets): the province to run over.
    #[arg(long, env = "BINHYEN_UNITS")]
    pub units: PathBuf,
    /// Incidents in the scenario.
    #[arg(long, default_value_t = 500)]
    pub incidents: usize,
    /// Fleet size for the latency measure (the demonstration fleet, repeated nearby).
    #[arg(long, default_value_t = 2000)]
    pub resources: usize,
    /// Share of the fleet busy on other incidents (0 to 1).
    #[arg(long, default_value_t = 0.2)]
    pub busy: f64,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One recommender's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecommenderFigures {
    /// Incidents whose first lines fill the plan.
    pub plan_filled_first: usize,
    /// P1 fires whose first lines fill the plan.
    pub p1_fires_filled_first: usize,
    /// P1 fires where a fire engine is among the first three lines.
    pub p1_fires_engine_in_top3: usize,
    /// Position (1-based) of the first fire engine in the list, fires only: median and p90.
    /// A fire whose list has no engine counts as past the end.
    pub first_engine_rank_p50: Option<usize>,
    pub first_engine_rank_p90: Option<usize>,
    /// Estimated arrival of the first fire engine listed, over the fires where both lists have
    /// one: median and p90, seconds.
    pub first_engine_eta_p50_s: Option<u32>,
    pub first_engine_eta_p90_s: Option<u32>,
    /// Latency of one recommendation with the scaled fleet, microseconds.
    pub latency_p50_us: u64,
    pub latency_p99_us: u64,
    pub latency_max_us: u64,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct DispatchBenchReport {
    pub incidents: usize,
    pub p1_fires: usize,
    pub high_rise_fires: usize,
    /// Incidents whose plan the available fleet cannot fill at all (shortfalls).
    pub with_shortfall: usize,
    pub fleet: usize,
    pub fleet_scaled: usize,
    pub busy_share: f64,
    pub plan: RecommenderFigures,
    pub baseline: RecommenderFigures,
}

const FACILITY_KINDS: [&str; 9] = [
    "apartment_building",
    "market",
    "karaoke_bar",
    "hospital",
    "school",
    "factory",
    "warehouse",
    "boarding_house",
    "office",
];

/// Runs the scenario and prints the report.
pub fn run(args: &DispatchBenchArgs) -> anyhow::Result<()> {
    let units = UnitDirectory::load(&args.units)?;
    let report = measure(&units, args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
    }
    Ok(())
}

/// The scenario's figures.
pub fn measure(
    units: &UnitDirectory,
    args: &DispatchBenchArgs,
) -> anyhow::Result<DispatchBenchReport> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let now: DateTime<Utc> = "2026-03-02T03:00:00Z".parse()?; // 10:00 in Hà Nội, no rush hour
    let fleet = fleet(units, &mut rng, args.busy, None);
    let scaled = fleet_scaled(units, &mut rng, args.busy, args.resources);
    let book = PlanBook::defaults();
    let scenario = scenario(units, &mut rng, args.incidents, now)?;
    let opts = RecommendOptions {
        limit: Some(20),
        ..RecommendOptions::default()
    };

    let mut report = DispatchBenchReport {
        incidents: scenario.len(),
        p1_fires: 0,
        high_rise_fires: 0,
        with_shortfall: 0,
        fleet: fleet.len(),
        fleet_scaled: scaled.len(),
        busy_share: args.busy,
        plan: RecommenderFigures::default(),
        baseline: RecommenderFigures::default(),
    };
    let (mut etas_new, mut etas_old) = (Vec::new(), Vec::new());
    let (mut ranks_new, mut ranks_old) = (Vec::new(), Vec::new());
    for (incident, premises) in &scenario {
        let premises = premises.as_ref().map(|(kind, floors)| Premises {
            kind,
            floors: *floors,
        });
        let ctx = plan_context(&book, incident, premises, units)
            .ok_or_else(|| anyhow::anyhow!("no plan for {:?}", incident.kind))?;
        let new = recommend_plan(incident, &fleet, &ctx, now, &opts);
        let old = recommend_with(incident, &fleet, now, &opts);
        let needed: Vec<(ResourceKind, usize)> = ctx
            .plan
            .lines
            .iter()
            .map(|l| (l.kind, usize::from(l.count)))
            .collect();
        let is_fire = incident.kind == IncidentKind::Fire;
        let p1_fire = is_fire && incident.priority == Priority::P1;
        if p1_fire {
            report.p1_fires += 1;
        }
        if is_fire && premises.and_then(|p| p.floors).is_some_and(|f| f >= 10) {
            report.high_rise_fires += 1;
        }
        if !new.shortfalls.is_empty() {
            report.with_shortfall += 1;
        }
        if is_fire {
            let first_engine = |list: &[Recommendation]| {
                list.iter()
                    .position(|r| r.kind == ResourceKind::FireEngine)
                    .map(|i| (i + 1, list[i].eta_s))
            };
            let (a, b) = (first_engine(&new.recommendations), first_engine(&old));
            ranks_new.push(a.map_or(usize::MAX, |x| x.0));
            ranks_old.push(b.map_or(usize::MAX, |x| x.0));
            if let (Some((_, Some(x))), Some((_, Some(y)))) = (a, b) {
                etas_new.push(x);
                etas_old.push(y);
            }
        }
        for (list, figures) in [
            (&new.recommendations, &mut report.plan),
            (&old, &mut report.baseline),
        ] {
            let filled = fills_plan(list, &needed);
            figures.plan_filled_first += usize::from(filled);
            if p1_fire {
                figures.p1_fires_filled_first += usize::from(filled);
                figures.p1_fires_engine_in_top3 += usize::from(
                    list.iter()
                        .take(3)
                        .any(|r| r.kind == ResourceKind::FireEngine),
                );
            }
        }
    }
    for (ranks, figures) in [
        (&mut ranks_new, &mut report.plan),
        (&mut ranks_old, &mut report.baseline),
    ] {
        ranks.sort_unstable();
        figures.first_engine_rank_p50 = percentile(ranks, 0.5);
        figures.first_engine_rank_p90 = percentile(ranks, 0.9);
    }
    for (etas, figures) in [
        (&mut etas_new, &mut report.plan),
        (&mut etas_old, &mut report.baseline),
    ] {
        etas.sort_unstable();
        figures.first_engine_eta_p50_s = percentile(etas, 0.5);
        figures.first_engine_eta_p90_s = percentile(etas, 0.9);
    }

    // Latency with the scaled fleet: the plan (selection included) and the baseline.
    let (mut lat_new, mut lat_old) = (Vec::new(), Vec::new());
    for (incident, premises) in &scenario {
        let premises = premises.as_ref().map(|(kind, floors)| Premises {
            kind,
            floors: *floors,
        });
        let started = Instant::now();
        if let Some(ctx) = plan_context(&book, incident, premises, units) {
            std::hint::black_box(recommend_plan(incident, &scaled, &ctx, now, &opts));
        }
        lat_new.push(started.elapsed().as_micros() as u64);
        let started = Instant::now();
        std::hint::black_box(recommend_with(incident, &scaled, now, &opts));
        lat_old.push(started.elapsed().as_micros() as u64);
    }
    for (lat, figures) in [
        (&mut lat_new, &mut report.plan),
        (&mut lat_old, &mut report.baseline),
    ] {
        lat.sort_unstable();
        figures.latency_p50_us = percentile(lat, 0.5).unwrap_or(0);
        figures.latency_p99_us = percentile(lat, 0.99).unwrap_or(0);
        figures.latency_max_us = lat.last().copied().unwrap_or(0);
    }
    Ok(report)
}

/// Whether the first lines of `list` (as many as the plan asks for) hold every kind of the
/// plan in its count.
fn fills_plan(list: &[Recommendation], needed: &[(ResourceKind, usize)]) -> bool {
    let size: usize = needed.iter().map(|(_, n)| n).sum();
    let head: Vec<&Recommendation> = list
        .iter()
        .filter(|r| r.exclusion.is_none())
        .take(size)
        .collect();
    needed
        .iter()
        .all(|(kind, n)| head.iter().filter(|r| r.kind == *kind).count() >= *n)
}

pub(crate) fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(idx.min(sorted.len() - 1)).copied()
}

/// The demonstration fleet as domain resources, a share busy elsewhere. With `jitter`, home
/// positions move by up to that many degrees (for the scaled copies).
fn fleet(
    units: &UnitDirectory,
    rng: &mut StdRng,
    busy: f64,
    jitter: Option<(f64, i64)>,
) -> Vec<Resource> {
    let since: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;
    let (offset, id_base) = jitter.unwrap_or((0.0, 0));
    store::demo_fleet(units)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let home = r.home.map(|h| {
                if offset > 0.0 {
                    GeoPoint::new(
                        h.lat + rng.gen_range(-offset..offset),
                        h.lon + rng.gen_range(-offset..offset),
                    )
                } else {
                    h
                }
            });
            let is_busy = rng.gen_bool(busy.clamp(0.0, 1.0));
            Resource {
                id: id_base + i as i64 + 1,
                call_sign: if id_base == 0 {
                    r.call_sign
                } else {
                    format!("{}-{id_base}", r.call_sign)
                },
                kind: r.kind,
                unit_code: r.unit_code,
                status: if is_busy {
                    ResourceStatus::OnScene
                } else {
                    ResourceStatus::Available
                },
                status_since: since,
                position: None,
                position_at: None,
                home,
                incident_id: is_busy.then_some(IncidentId(0)),
            }
        })
        .collect()
}

/// The demonstration fleet repeated with nearby homes until it has `size` resources.
fn fleet_scaled(units: &UnitDirectory, rng: &mut StdRng, busy: f64, size: usize) -> Vec<Resource> {
    let mut all = fleet(units, rng, busy, None);
    let mut copy = 1;
    while all.len() < size {
        let more = fleet(units, rng, busy, Some((0.01, copy * 100_000)));
        all.extend(more);
        copy += 1;
    }
    all.truncate(size.max(1));
    all
}

/// Incidents of mixed types at points inside random units; fires partly at facilities.
type Scenario = Vec<(Incident, Option<(String, Option<u16>)>)>;

fn scenario(
    units: &UnitDirectory,
    rng: &mut StdRng,
    n: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Scenario> {
    let all = units.units();
    anyhow::ensure!(!all.is_empty(), "no units loaded");
    // Shares per thousand, roughly a city hotline's mix.
    let mix: [(IncidentKind, u32); 10] = [
        (IncidentKind::Fire, 250),
        (IncidentKind::Crime, 300),
        (IncidentKind::TrafficAccident, 150),
        (IncidentKind::Medical, 100),
        (IncidentKind::Rescue, 50),
        (IncidentKind::PublicOrder, 50),
        (IncidentKind::Flood, 30),
        (IncidentKind::MissingPerson, 30),
        (IncidentKind::Explosion, 20),
        (IncidentKind::Other, 20),
    ];
    let subtypes = <domain::incident::CrimeSubtype as Vocabulary>::ALL;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut roll = rng.gen_range(0..1000);
        let kind = mix
            .iter()
            .find(|(_, share)| {
                if roll < *share {
                    true
                } else {
                    roll -= share;
                    false
                }
            })
            .map_or(IncidentKind::Other, |(k, _)| *k);
        let unit = &all[rng.gen_range(0..all.len())];
        let lat = unit.label.lat + rng.gen_range(-0.003..0.003);
        let lon = unit.label.lon + rng.gen_range(-0.003..0.003);
        let subtype = (kind == IncidentKind::Crime)
            .then(|| subtypes[rng.gen_range(0..subtypes.len())].code().to_owned());
        let premises = (kind == IncidentKind::Fire && rng.gen_bool(0.5)).then(|| {
            let facility = FACILITY_KINDS[rng.gen_range(0..FACILITY_KINDS.len())];
            let tall = matches!(facility, "apartment_building" | "office") && rng.gen_bool(0.6);
            let floors = if tall {
                rng.gen_range(10..=45)
            } else {
                rng.gen_range(1..=6)
            };
            (facility.to_owned(), Some(floors))
        });
        let form = NewIncidentForm {
            kind: kind.code().to_owned(),
            crime_subtype: subtype,
            channel: "hotline_114".into(),
            lat: Some(lat),
            lon: Some(lon),
            unit_code: Some(unit.code.clone()),
            description: "bench".into(),
            ..Default::default()
        };
        let valid = form.validate(now)?;
        let seq = u32::try_from(i + 1)?;
        let (incident, _) = Incident::open(
            IncidentId(i as i64 + 1),
            IncidentNumber::new("HN", 2026, seq)?,
            valid,
            Actor::system("bench"),
            now,
        );
        out.push((incident, premises));
    }
    Ok(out)
}

fn print(r: &DispatchBenchReport) {
    let pct = |n: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    let secs = |s: Option<u32>| s.map_or("-".to_string(), |s| format!("{s} s"));
    println!(
        "dispatch scenario: {} incidents ({} P1 fires, {} high-rise), demo fleet {} ({:.0} % busy), latency fleet {}",
        r.incidents,
        r.p1_fires,
        r.high_rise_fires,
        r.fleet,
        r.busy_share * 100.0,
        r.fleet_scaled
    );
    println!(
        "plan cannot be filled by the available fleet (shortfall said): {} incidents",
        r.with_shortfall
    );
    println!("{:<44} {:>14} {:>14}", "", "response plan", "baseline");
    let rank = |s: Option<usize>| match s {
        Some(usize::MAX) => "none listed".to_string(),
        Some(n) => n.to_string(),
        None => "-".to_string(),
    };
    let rows: [(&str, String, String); 9] = [
        (
            "first lines fill the plan (all incidents)",
            format!("{:.1} %", pct(r.plan.plan_filled_first, r.incidents)),
            format!("{:.1} %", pct(r.baseline.plan_filled_first, r.incidents)),
        ),
        (
            "first lines fill the plan (P1 fires)",
            format!("{:.1} %", pct(r.plan.p1_fires_filled_first, r.p1_fires)),
            format!("{:.1} %", pct(r.baseline.p1_fires_filled_first, r.p1_fires)),
        ),
        (
            "P1 fires with an engine in the first three",
            format!("{:.1} %", pct(r.plan.p1_fires_engine_in_top3, r.p1_fires)),
            format!(
                "{:.1} %",
                pct(r.baseline.p1_fires_engine_in_top3, r.p1_fires)
            ),
        ),
        (
            "first engine's place in the list p50",
            rank(r.plan.first_engine_rank_p50),
            rank(r.baseline.first_engine_rank_p50),
        ),
        (
            "first engine's place in the list p90",
            rank(r.plan.first_engine_rank_p90),
            rank(r.baseline.first_engine_rank_p90),
        ),
        (
            "first engine, estimated arrival p50",
            secs(r.plan.first_engine_eta_p50_s),
            secs(r.baseline.first_engine_eta_p50_s),
        ),
        (
            "first engine, estimated arrival p90",
            secs(r.plan.first_engine_eta_p90_s),
            secs(r.baseline.first_engine_eta_p90_s),
        ),
        (
            "recommendation latency p50",
            format!("{} µs", r.plan.latency_p50_us),
            format!("{} µs", r.baseline.latency_p50_us),
        ),
        (
            "recommendation latency p99 / max",
            format!("{} / {} µs", r.plan.latency_p99_us, r.plan.latency_max_us),
            format!(
                "{} / {} µs",
                r.baseline.latency_p99_us, r.baseline.latency_max_us
            ),
        ),
    ];
    for (name, a, b) in rows {
        println!("{name:<44} {a:>14} {b:>14}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Option<UnitDirectory> {
        let dir = std::env::var_os("BINHYEN_UNITS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("../../../shared/data/hanoi"));
        UnitDirectory::load(&dir).ok()
    }

    #[test]
    fn the_plan_recommender_fills_p1_fires_where_the_baseline_does_not() {
        let Some(units) = units() else {
            return;
        };
        let args = DispatchBenchArgs {
            units: PathBuf::new(),
            incidents: 120,
            resources: 600,
            busy: 0.2,
            seed: 3,
            json: false,
        };
        let r = measure(&units, &args).unwrap();
        assert_eq!(r.incidents, 120);
        assert!(r.p1_fires > 0);
        assert!(r.fleet_scaled == 600);
        // Every P1 fire whose plan the fleet can fill gets it first; the baseline does not.
        assert!(
            r.plan.p1_fires_filled_first > r.baseline.p1_fires_filled_first,
            "{r:?}"
        );
        assert!(
            r.plan.plan_filled_first + r.with_shortfall >= r.incidents,
            "{r:?}"
        );
        assert!(r.plan.p1_fires_engine_in_top3 >= r.baseline.p1_fires_engine_in_top3);
    }

    #[test]
    fn filling_counts_kinds_in_the_head_only() {
        let line = |kind| Recommendation {
            resource_id: 1,
            call_sign: "x".into(),
            kind,
            unit_code: None,
            status: ResourceStatus::Available,
            distance_m: None,
            position_source: domain::incident::PositionSource::Unknown,
            exclusion: None,
            reason_vi: String::new(),
            reason_en: String::new(),
            eta_s: None,
            eta_vi: None,
            eta_en: None,
            role: None,
        };
        let list = vec![
            line(ResourceKind::Patrol),
            line(ResourceKind::FireEngine),
            line(ResourceKind::FireEngine),
        ];
        let plan = [(ResourceKind::FireEngine, 2)];
        assert!(!fills_plan(&list, &plan), "the patrol takes a head slot");
        assert!(fills_plan(&list[1..], &plan));
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(3));
        assert_eq!(percentile::<u32>(&[], 0.5), None);
    }
}
