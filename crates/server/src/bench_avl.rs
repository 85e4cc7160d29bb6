//! `binhyen bench avl`: how many position reports a second are stored (history kept), and how
//! long a report takes to reach the consoles' feed.
//!
//! A fresh database (a temporary SQLite file, or the PostgreSQL named by `--database-url`)
//! with `--resources` vehicles. In the same run:
//! - the baseline: one transaction per report, as a status report with a position is written;
//! - the position writer: `--clients` trackers sending at once, one report per request, each
//!   answered after its batch commits (what `/api/avl/osmand` does after the token check);
//! - the feed: while the trackers send, a probe vehicle reports every 20 ms and the time from
//!   its report to the `resource.positions` event naming it is measured; then at rest, one
//!   report every 400 ms.

use crate::avl::{AvlOptions, PositionSink};
use crate::metrics::Metrics;
use chrono::{Duration as ChronoDuration, Utc};
use clap::Args;
use domain::avl::{Fix, Source};
use domain::incident::{GeoPoint, ResourceKind};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Actor, DbTarget, NewPosition, NewResource, Store};

/// Flags of `binhyen bench avl`.
#[derive(Debug, Clone, Args)]
pub struct AvlBenchArgs {
    /// Vehicles reporting.
    #[arg(long, default_value_t = 500)]
    pub resources: usize,
    /// Reports sent through the position writer.
    #[arg(long, default_value_t = 60_000)]
    pub positions: usize,
    /// Trackers sending at the same time.
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// Reports written one transaction each (the baseline).
    #[arg(long, default_value_t = 3_000)]
    pub baseline: usize,
    /// A PostgreSQL database to run on instead of a temporary SQLite file (resources are
    /// added to it).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct AvlBenchReport {
    pub backend: String,
    pub resources: usize,
    /// One transaction per report: reports per second.
    pub baseline_per_sec: f64,
    /// The position writer: reports per second with `clients` trackers.
    pub writer_per_sec: f64,
    pub clients: usize,
    /// Report to feed event while the trackers send.
    pub feed_under_load: crate::bench_water::Latency,
    /// Report to feed event at rest.
    pub feed_at_rest: crate::bench_water::Latency,
}

/// The probe's report time as the feed carried it, and when the event arrived.
type Sighting = (chrono::DateTime<Utc>, Instant);

fn fix(n: usize, at: chrono::DateTime<Utc>) -> Fix {
    let k = n as f64;
    Fix {
        at,
        point: GeoPoint::new(
            21.0 + (k * 0.37).sin() * 0.05,
            105.8 + (k * 0.53).cos() * 0.05,
        ),
        accuracy_m: Some(8.0),
        speed_kmh: Some(30.0),
        heading: Some((n % 360) as f64),
    }
}

/// Runs the benchmark and prints its report.
pub async fn run(args: &AvlBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.resources > 0 && args.clients > 0,
        "--resources and --clients must be above 0"
    );
    let dir = tempfile::tempdir()?;
    let (target, backend) = match &args.database_url {
        Some(url) => (DbTarget::from_url(url)?, "postgresql"),
        None => (DbTarget::in_data_dir(dir.path()), "sqlite"),
    };
    let store = Store::open(&target).await?;
    let actor = Actor::system("bench");
    let tag = Utc::now().timestamp_millis();
    let mut ids = Vec::with_capacity(args.resources + 1);
    for n in 0..=args.resources {
        let r = store
            .create_resource(
                &NewResource {
                    call_sign: format!("AVL-{tag}-{n}"),
                    kind: ResourceKind::FireEngine,
                    name: format!("Xe thử {n}"),
                    unit_code: None,
                    station: None,
                    home: None,
                    off_duty: false,
                },
                &actor,
                Utc::now(),
            )
            .await?;
        ids.push(r.resource.id);
    }
    let probe = ids.pop().unwrap_or_default();
    let ids = Arc::new(ids);

    // The baseline: a transaction per report.
    let start = Instant::now();
    let base = Utc::now() - ChronoDuration::hours(1);
    for n in 0..args.baseline {
        let report = NewPosition {
            resource_id: ids[n % ids.len()],
            fix: fix(n, base + ChronoDuration::milliseconds(n as i64)),
            source: Source::Tracker,
        };
        store.record_positions(&[report], Utc::now()).await?;
    }
    let baseline_per_sec = args.baseline as f64 / start.elapsed().as_secs_f64();

    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let sink = PositionSink::start(
        store.clone(),
        AvlOptions::default(),
        Arc::new(Metrics::default()),
        stop,
    );
    let mut feed = store.subscribe();
    let probing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let loaded = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let probe_task = {
        let sink = sink.clone();
        let probing = probing.clone();
        let loaded = loaded.clone();
        tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut n = 0;
            while probing.load(std::sync::atomic::Ordering::Relaxed) {
                let at = Utc::now();
                let report = NewPosition {
                    resource_id: probe,
                    fix: fix(n, at),
                    source: Source::Tracker,
                };
                sent.push((at, Instant::now()));
                let _ = sink.submit(vec![report]).await;
                n += 1;
                // Every 20 ms while the trackers send; at rest, a report now and then.
                let pause = if loaded.load(std::sync::atomic::Ordering::Relaxed) {
                    20
                } else {
                    400
                };
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            sent
        })
    };
    let seen: Arc<std::sync::Mutex<Vec<Sighting>>> = Arc::default();
    let listener = {
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Ok(change) = feed.recv().await {
                if change.kind != "resource.positions" {
                    continue;
                }
                let now = Instant::now();
                let list = change.payload["positions"].as_array().cloned();
                for p in list.unwrap_or_default() {
                    if p["id"].as_i64() != Some(probe) {
                        continue;
                    }
                    let at = p["at"]
                        .as_str()
                        .and_then(|a| chrono::DateTime::parse_from_rfc3339(a).ok());
                    if let (Some(at), Ok(mut seen)) = (at, seen.lock()) {
                        seen.push((at.with_timezone(&Utc), now));
                    }
                }
            }
        })
    };

    // The position writer under many trackers.
    let start = Instant::now();
    let per_client = args.positions.div_ceil(args.clients);
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let sink = sink.clone();
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut stored = 0usize;
            for k in 0..per_client {
                let n = c * per_client + k;
                let report = NewPosition {
                    resource_id: ids[n % ids.len()],
                    fix: fix(n, Utc::now()),
                    source: Source::Tracker,
                };
                if sink.submit(vec![report]).await.is_ok() {
                    stored += 1;
                }
            }
            stored
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await?;
    }
    let writer_secs = start.elapsed().as_secs_f64();
    let loaded_until = Instant::now();
    loaded.store(false, std::sync::atomic::Ordering::Relaxed);
    // At rest for a while.
    tokio::time::sleep(Duration::from_secs(8)).await;
    probing.store(false, std::sync::atomic::Ordering::Relaxed);
    let sent = probe_task.await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The feed outlives the run (the writer's pruner holds the store): stop listening.
    listener.abort();
    drop(sink);
    store.close().await;
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();

    let (mut loaded, mut rest) = (Vec::new(), Vec::new());
    for (at, sent_at) in sent {
        // An event may carry a later report of the probe (coalesced): the first event at or
        // after the report's own time counts.
        let got = seen.iter().find(|(a, when)| *a >= at && *when >= sent_at);
        if let Some((_, when)) = got {
            let micros = when.duration_since(sent_at).as_micros() as u64;
            if sent_at < loaded_until {
                loaded.push(micros);
            } else {
                rest.push(micros);
            }
        }
    }
    anyhow::ensure!(
        stored == per_client * args.clients,
        "{stored} reports stored"
    );
    let report = AvlBenchReport {
        backend: backend.to_owned(),
        resources: ids.len(),
        baseline_per_sec,
        writer_per_sec: stored as f64 / writer_secs,
        clients: args.clients,
        feed_under_load: crate::bench_water::latency(loaded),
        feed_at_rest: crate::bench_water::latency(rest),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} vehicles on {}\n\
             baseline, a transaction per report: {:.0} reports/s\n\
             position writer, {} trackers at once: {:.0} reports/s ({} stored)\n\
             report to feed under load: p50 {} ms, p99 {} ms, max {} ms\n\
             report to feed at rest: p50 {} ms, p99 {} ms, max {} ms",
            report.resources,
            report.backend,
            report.baseline_per_sec,
            report.clients,
            report.writer_per_sec,
            stored,
            report.feed_under_load.p50_us / 1000,
            report.feed_under_load.p99_us / 1000,
            report.feed_under_load.max_us / 1000,
            report.feed_at_rest.p50_us / 1000,
            report.feed_at_rest.p99_us / 1000,
            report.feed_at_rest.max_us / 1000,
        );
    }
    Ok(())
}
