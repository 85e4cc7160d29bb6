//! `binhyen bench water`: how fast is the nearest usable water found, against a full scan?
//!
//! A simulated registry the size of Hà Nội's (`--per-unit` sources in every unit of the loaded
//! province, written through the store as `gen-water-sources` writes it) in a fresh database,
//! SQLite in a temporary folder or the PostgreSQL named by `--database-url`; then `--queries`
//! fires at random points inside random units. Each fire is answered twice in the same run: by
//! the store's indexed search (the square around the point from the position index, exact
//! distances in the domain), and by the baseline, a scan of every source in memory. The two must
//! agree on every answer; the report gives both latencies and the write time.

use clap::Args;
use domain::incident::GeoPoint;
use domain::units::UnitDirectory;
use domain::water::{generate, nearest_usable, NEAR_LIMIT, NEAR_RADIUS_M};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use store::{Actor, DbTarget, Store, WaterSourceInput};

/// Flags of `binhyen bench water`.
#[derive(Debug, Clone, Args)]
pub struct WaterBenchArgs {
    /// Reference geography (units): the province to run over.
    #[arg(long, env = "BINHYEN_UNITS")]
    pub units: PathBuf,
    /// Sources per unit (Hà Nội surveyed about 11,500 for 126 units).
    #[arg(long, default_value_t = 90)]
    pub per_unit: usize,
    /// Fires to answer.
    #[arg(long, default_value_t = 2_000)]
    pub queries: usize,
    /// Seed of the registry and of the fires.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// A PostgreSQL database to run on instead of a temporary SQLite file: its generated water
    /// sources are replaced, and it must hold none entered by hand.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Latencies of one way of answering, microseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct WaterBenchReport {
    pub backend: String,
    pub sources: usize,
    pub write_secs: f64,
    pub queries: usize,
    /// Fires with at least one usable source within the radius.
    pub answered: usize,
    /// Mean sources listed per fire.
    pub mean_listed: f64,
    pub indexed: Latency,
    pub full_scan: Latency,
}

/// Runs the benchmark and prints its report.
pub async fn run(args: &WaterBenchArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let units = UnitDirectory::load(&args.units)
        .with_context(|| format!("cannot load units from {}", args.units.display()))?;
    let dir = tempfile::tempdir()?;
    let (target, backend) = match &args.database_url {
        Some(url) => (DbTarget::from_url(url)?, "postgresql"),
        None => (DbTarget::in_data_dir(dir.path()), "sqlite"),
    };
    let store = Store::open(&target).await?;
    store.delete_generated_water_sources().await?;
    let left: i64 = store
        .count_water_sources(&store::WaterFilter::default())
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    anyhow::ensure!(
        left == 0,
        "the database holds {left} water sources entered by hand: run on an empty database"
    );
    let registry = generate(&units, args.per_unit, args.seed);
    let inputs: Vec<WaterSourceInput> = registry
        .iter()
        .map(|(unit_code, source)| WaterSourceInput {
            source: source.clone(),
            unit_code: unit_code.clone(),
            generated: true,
        })
        .collect();
    let started = Instant::now();
    let stored = store
        .create_water_sources(&inputs, &Actor::system("bench"), chrono::Utc::now())
        .await?;
    let write_secs = started.elapsed().as_secs_f64();

    // Fires: random points inside the units, from the same generator with another seed.
    let per_unit = args.queries.div_ceil(units.len()).max(1);
    let mut fires: Vec<GeoPoint> = generate(&units, per_unit, args.seed ^ 0x5EED)
        .into_iter()
        .map(|(_, s)| s.point)
        .collect();
    fires.truncate(args.queries);

    let mut indexed = Vec::with_capacity(fires.len());
    let mut scanned = Vec::with_capacity(fires.len());
    let (mut answered, mut listed) = (0, 0);
    for at in &fires {
        let t = Instant::now();
        let near = store
            .nearest_water_sources(*at, NEAR_RADIUS_M, NEAR_LIMIT)
            .await?;
        indexed.push(t.elapsed().as_micros() as u64);
        let t = Instant::now();
        let scan = nearest_usable(
            *at,
            stored.iter().map(|s| (s.id, &s.source)),
            NEAR_RADIUS_M,
            NEAR_LIMIT,
        );
        scanned.push(t.elapsed().as_micros() as u64);
        let a: Vec<i64> = near.iter().map(|n| n.item.id).collect();
        let b: Vec<i64> = scan.iter().map(|n| n.item).collect();
        anyhow::ensure!(
            a == b,
            "the indexed search and the scan disagree at {at:?}: {a:?} vs {b:?}"
        );
        answered += usize::from(!a.is_empty());
        listed += a.len();
    }
    store.close().await;
    let report = WaterBenchReport {
        backend: backend.to_owned(),
        sources: stored.len(),
        write_secs,
        queries: fires.len(),
        answered,
        mean_listed: listed as f64 / fires.len().max(1) as f64,
        indexed: latency(indexed),
        full_scan: latency(scanned),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} sources on {} written in {:.2} s; {} fires, {} with usable water within {} m \
             ({:.1} listed on average)\n\
             indexed search: p50 {} µs, p99 {} µs, max {} µs\n\
             full scan (baseline): p50 {} µs, p99 {} µs, max {} µs",
            report.sources,
            report.backend,
            report.write_secs,
            report.queries,
            report.answered,
            NEAR_RADIUS_M,
            report.mean_listed,
            report.indexed.p50_us,
            report.indexed.p99_us,
            report.indexed.max_us,
            report.full_scan.p50_us,
            report.full_scan.p99_us,
            report.full_scan.max_us,
        );
    }
    Ok(())
}

/// Percentiles of microsecond samples.
pub(crate) fn latency(mut micros: Vec<u64>) -> Latency {
    micros.sort_unstable();
    let at = |p| crate::bench_dispatch::percentile(&micros, p).unwrap_or(0);
    Latency {
        p50_us: at(0.5),
        p99_us: at(0.99),
        max_us: micros.last().copied().unwrap_or(0),
    }
}
