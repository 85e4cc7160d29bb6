//! The SIA DC-09 alarm receiver: listeners (TCP and UDP on each `--dc09` address), the
//! per-frame pipeline, the group-commit writer, the device registry cache, supervision of
//! silent devices, the post-commit actions (incidents and troubles), and the master key that
//! seals device keys at rest.
//!
//! A frame's path: socket → [`dc09::StreamDecoder`] → [`pipeline::decide`] (registry lookup in
//! memory, decode, build the ACK) → [`writer::Writer`] (one transaction for every frame queued
//! meanwhile, `synchronous=FULL` on SQLite) → ACK written to the socket → [`actions`] turns
//! alarm and trouble signals into incidents and troubles, in the order of [`backlog`] (fire and
//! life safety first, a storm from one building coalesced into batches of one incident).

pub mod actions;
pub mod backlog;
pub mod incidents;
pub mod keys;
pub mod listen;
pub mod pipeline;
pub mod registry;
pub mod stats;
pub mod takeover;
pub mod writer;

use crate::metrics::Metrics;
use anyhow::Context as _;
use keys::MasterKey;
use registry::Registry;
use stats::Stats;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Receiver settings (flags of `binhyen serve`, see `config`).
#[derive(Debug, Clone)]
pub struct ReceiverOptions {
    /// File holding the master key (64 hex digits) instead of `BINHYEN_MASTER_KEY`.
    pub master_key_file: Option<PathBuf>,
    /// How long raw frames are kept for forensics.
    pub retention: Duration,
    /// Silence allowed past a device's supervision interval before it is offline.
    pub grace: Duration,
    /// How often supervision looks for silent devices and last-seen times are written.
    pub supervision_tick: Duration,
    /// Open TCP connections at most, in total.
    pub max_connections: usize,
    /// Open TCP connections at most from one source address.
    pub max_per_source: usize,
    /// A connection silent this long, or taking no answers this long, is closed.
    pub idle_timeout: Duration,
    /// The timestamp window for encrypted messages.
    pub window: dc09::Window,
    /// Valid frames waiting for the writer at most.
    pub queue: usize,
    /// How long a valid frame may wait for room in a full queue before it is NAKed
    /// (`nak`/`overload`; the device retransmits). Nothing is acknowledged before it is stored.
    pub admission_wait: Duration,
    /// How long a fire, life-safety or intrusion alarm may stay unacknowledged before it is
    /// escalated to the shift leaders (see `api::alarm_queue`).
    pub alarm_escalate: Duration,
    /// The order in which stored signals become incidents and troubles. Only benchmarks
    /// change it, to compare with the one-at-a-time arrival order.
    pub incident_order: backlog::Order,
    /// Source addresses allowed to send unencrypted messages; empty: any.
    pub plain_sources: pipeline::PlainSources,
}

impl Default for ReceiverOptions {
    fn default() -> Self {
        ReceiverOptions {
            master_key_file: None,
            retention: Duration::from_secs(30 * 24 * 3600),
            grace: Duration::from_secs(30),
            supervision_tick: Duration::from_secs(1),
            max_connections: 20_000,
            max_per_source: 1_000,
            idle_timeout: Duration::from_secs(300),
            window: dc09::Window::default(),
            queue: 65_536,
            admission_wait: Duration::from_secs(1),
            alarm_escalate: Duration::from_secs(60),
            incident_order: backlog::Order::Priority,
            plain_sources: pipeline::PlainSources::default(),
        }
    }
}

/// What the API and the receiver share: the master key and the registry.
pub struct Alarms {
    master: Result<Arc<MasterKey>, String>,
    /// The device registry cache.
    pub registry: Arc<Registry>,
    /// Hot-path counters.
    pub stats: Arc<Stats>,
}

impl Alarms {
    /// Loads the master key (or remembers why it cannot) and the device registry.
    pub async fn open(
        store: &Store,
        data_dir: &std::path::Path,
        options: &ReceiverOptions,
    ) -> anyhow::Result<Alarms> {
        let env = std::env::var(keys::MASTER_KEY_ENV).ok();
        let master = MasterKey::load(
            env.as_deref(),
            options.master_key_file.as_deref(),
            data_dir,
            store.backend() == store::Backend::Postgres,
        )
        .map(Arc::new);
        let master = match master {
            Ok(m) => Ok(m),
            Err(e @ keys::KeyStoreError::MissingForPostgres) => Err(e.to_string()),
            Err(e) => return Err(e).context("cannot load the master key for device keys"),
        };
        let registry = Arc::new(Registry::new(master.clone().ok()));
        let n = registry
            .reload_all(store)
            .await
            .context("cannot load the device registry")?;
        tracing::info!(devices = n, "device registry loaded");
        Ok(Alarms {
            master,
            registry,
            stats: Arc::new(Stats::default()),
        })
    }

    /// The master key, or why there is none (PostgreSQL without a shared key).
    pub fn master(&self) -> Result<&MasterKey, &str> {
        self.master.as_deref().map_err(String::as_str)
    }
}

/// What every listener and connection shares.
pub struct Shared {
    pub registry: Arc<Registry>,
    pub stats: Arc<Stats>,
    pub metrics: Arc<Metrics>,
    pub writer: writer::Writer,
    pub throttle: listen::Throttle,
    pub limits: listen::Limits,
    pub options: ReceiverOptions,
}

/// The running receiver.
pub struct Receiver {
    /// The bound DC-09 addresses (TCP and UDP share each).
    pub addrs: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
    writer_task: JoinHandle<()>,
    shared: Option<Arc<Shared>>,
    store: Store,
    registry: Arc<Registry>,
}

/// Starts the writer, the background tasks (registry refresh, supervision, retention,
/// metrics, actions) and a listener pair for each address.
pub async fn start(
    alarms: &Alarms,
    store: Store,
    metrics: Arc<Metrics>,
    addrs: &[SocketAddr],
    options: ReceiverOptions,
) -> anyhow::Result<Receiver> {
    if !addrs.is_empty() {
        if let Err(why) = alarms.master() {
            anyhow::bail!("cannot start the dc09 listeners: {why}");
        }
    }
    stats::describe(&metrics);
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let takeover_tx = actions_tx.clone();
    let (writer, writer_task) = writer::Writer::start(
        store.clone(),
        alarms.registry.clone(),
        alarms.stats.clone(),
        actions_tx,
        options.queue,
    )
    .context("cannot start the dc09 writer")?;
    let shared = Arc::new(Shared {
        registry: alarms.registry.clone(),
        stats: alarms.stats.clone(),
        metrics: metrics.clone(),
        writer,
        throttle: listen::Throttle::default(),
        limits: listen::Limits::default(),
        options: options.clone(),
    });
    let (stop, stop_rx) = watch::channel(false);
    let mut bound = Vec::new();
    let mut listeners = Vec::new();
    for addr in addrs {
        let (tcp, udp) = listen::bind(*addr)
            .await
            .with_context(|| format!("cannot listen for dc09 on {addr} (tcp and udp)"))?;
        let local = tcp.local_addr()?;
        tracing::info!(%local, "listening for DC-09 alarms (tcp and udp)");
        bound.push(local);
        listeners.push(tokio::spawn(listen::serve_tcp(
            tcp,
            shared.clone(),
            stop_rx.clone(),
        )));
        listeners.push(tokio::spawn(listen::serve_udp(
            udp,
            shared.clone(),
            stop_rx.clone(),
        )));
    }
    let udp_ports: Vec<u16> = bound.iter().map(SocketAddr::port).collect();
    let mut background = vec![
        tokio::spawn(actions::run(
            store.clone(),
            actions_rx,
            metrics.clone(),
            options.incident_order,
        )),
        tokio::spawn(refresh_registry(store.clone(), alarms.registry.clone())),
        tokio::spawn(supervise(
            store.clone(),
            alarms.registry.clone(),
            metrics.clone(),
            options.clone(),
        )),
        tokio::spawn(retention(store.clone(), options.retention)),
        tokio::spawn(flush_stats(alarms.stats.clone(), metrics, udp_ports)),
    ];
    if store.backend() == store::Backend::Postgres {
        background.push(tokio::spawn(takeover::run(
            store.clone(),
            takeover::node_id(),
            takeover_tx,
        )));
    }
    Ok(Receiver {
        addrs: bound,
        stop,
        listeners,
        background,
        writer_task,
        shared: Some(shared),
        store,
        registry: alarms.registry.clone(),
    })
}

impl Receiver {
    /// Stops listening, lets connections finish the frames they hold, commits what is queued,
    /// writes the last-seen times, and stops the background tasks.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for l in self.listeners.drain(..) {
            let _ = l.await;
        }
        // The writer ends when its last handle is gone and its queue is drained.
        self.shared.take();
        let _ = (&mut self.writer_task).await;
        flush_last_seen(&self.store, &self.registry).await;
        for b in self.background.drain(..) {
            b.abort();
            let _ = b.await;
        }
    }
}

/// Keeps the registry in step with the change feed (on PostgreSQL, with every node's edits).
async fn refresh_registry(store: Store, registry: Arc<Registry>) {
    let mut feed = store.subscribe();
    loop {
        match feed.recv().await {
            Ok(change) if store::is_registry_change(&change) => {
                let id = change.payload.get("id").and_then(|v| v.as_i64());
                let result = match (change.kind.as_str(), id) {
                    ("device.created" | "device.updated", Some(id)) => {
                        registry.reload_device(&store, id).await
                    }
                    ("facility.updated", Some(id)) => registry.reload_facility(&store, id).await,
                    _ => registry.reload_all(&store).await.map(|_| ()),
                };
                if let Err(e) = result {
                    tracing::error!(error = %e, kind = %change.kind, "device registry refresh failed");
                }
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "change feed lagged; reloading the device registry");
                if let Err(e) = registry.reload_all(&store).await {
                    tracing::error!(error = %e, "device registry reload failed");
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn flush_last_seen(store: &Store, registry: &Registry) {
    let seen = registry.take_seen();
    if seen.is_empty() {
        return;
    }
    let seen: Vec<(i64, chrono::DateTime<chrono::Utc>)> = seen
        .into_iter()
        .map(|(id, ms)| (id, store::from_millis(ms)))
        .collect();
    match store.record_last_seen(&seen, chrono::Utc::now()).await {
        Ok(back) => {
            for c in back {
                tracing::info!(device = c.device.id, account = %c.device.account, unit = %c.device.unit_code, "device back online");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "writing last-seen times failed; retrying next tick");
            registry.saw_many(seen.iter().map(|(id, at)| (*id, at.timestamp_millis())));
        }
    }
}

/// Writes last-seen times in batches and raises "device offline" for silent devices.
async fn supervise(
    store: Store,
    registry: Arc<Registry>,
    metrics: Arc<Metrics>,
    options: ReceiverOptions,
) {
    let mut tick = tokio::time::interval(options.supervision_tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let grace = chrono::Duration::from_std(options.grace).unwrap_or(chrono::Duration::seconds(30));
    let mut counted: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    loop {
        tick.tick().await;
        // Reports first: a device heard during this tick must not be marked offline.
        flush_last_seen(&store, &registry).await;
        match store
            .mark_silent_devices_offline(chrono::Utc::now(), grace)
            .await
        {
            Ok(changes) => {
                for c in changes {
                    tracing::warn!(device = c.device.id, account = %c.device.account, unit = %c.device.unit_code, "device offline");
                }
            }
            Err(e) => tracing::error!(error = %e, "supervision failed"),
        }
        if let Ok(counts) = store.offline_counts_by_unit().await {
            let now: std::collections::BTreeMap<String, i64> = counts.into_iter().collect();
            for unit in counted.keys() {
                if !now.contains_key(unit) {
                    metrics.gauge(stats::DEVICES_OFFLINE, &[("unit", unit)], 0);
                }
            }
            for (unit, n) in &now {
                metrics.gauge(stats::DEVICES_OFFLINE, &[("unit", unit)], *n);
            }
            counted = now;
        }
    }
}

/// Deletes raw frames past the retention time, every ten minutes.
async fn retention(store: Store, keep: Duration) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::days(30));
    loop {
        tick.tick().await;
        match store.sweep_raw_frames(chrono::Utc::now() - keep).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "raw frames past retention deleted"),
            Err(e) => tracing::error!(error = %e, "raw frame retention sweep failed"),
        }
    }
}

async fn flush_stats(stats: Arc<Stats>, metrics: Arc<Metrics>, udp_ports: Vec<u16>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        stats.flush(&metrics, &udp_ports);
    }
}
