//! The position writer: every position report (trackers, the field app, integrations) goes
//! through one queue to one task that writes them in batches, so thousands of reports a second
//! cost a few short transactions instead of thousands, and the alarm writer always comes
//! first (each batch waits its turn at the store's write gate).
//!
//! A report's request is answered once its batch has committed (group commit): an accepted
//! position is stored. The resources a batch moved are sent to the live consoles at most every
//! [`PUBLISH_EVERY`], newest position per resource, so the feed stays small however fast
//! positions come. Old history is pruned in the background.

use crate::metrics::Metrics;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::{MovedResource, NewPosition, Store};
use tokio::sync::{mpsc, oneshot, watch};

/// Reports taken from the queue per round (the store commits them in short chunks).
pub const MAX_BATCH: usize = 2_000;

/// Requests waiting for the writer at most; more are refused with "busy, send again".
pub const QUEUE: usize = 20_000;

/// How often moved resources are sent to the consoles.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// How often old positions and idempotency keys are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Rows deleted per pruning transaction (the store keeps it within its bulk chunk).
const PRUNE_ROWS: i64 = 500;

/// How long the answers to idempotency keys are kept: longer than a phone stays offline.
pub const KEYS_KEPT: chrono::Duration = chrono::Duration::days(7);

/// Position settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvlOptions {
    /// How long position history is kept.
    pub history: chrono::Duration,
}

impl Default for AvlOptions {
    fn default() -> Self {
        AvlOptions {
            history: chrono::Duration::days(30),
        }
    }
}

/// Why reports were not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SinkError {
    #[error("the position writer is full; send again shortly")]
    Busy,
    #[error("the position writer has stopped")]
    Stopped,
    #[error("storing positions failed: {0}")]
    Store(String),
}

struct Pending {
    reports: Vec<NewPosition>,
    done: oneshot::Sender<Result<(), SinkError>>,
}

/// The entrance to the position writer (cheap to clone).
#[derive(Clone)]
pub struct PositionSink {
    tx: mpsc::Sender<Pending>,
    options: AvlOptions,
}

impl PositionSink {
    /// Starts the writer and the pruner; both end when `stop` turns true or every sink is
    /// dropped.
    pub fn start(
        store: Store,
        options: AvlOptions,
        metrics: Arc<Metrics>,
        stop: watch::Receiver<bool>,
    ) -> PositionSink {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(store.clone(), rx, metrics));
        tokio::spawn(prune_loop(store, options.clone(), stop));
        PositionSink { tx, options }
    }

    /// The oldest report time still taken (the start of the history kept).
    pub fn oldest(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.options.history
    }

    /// Stores reports; answers once they are committed.
    pub async fn submit(&self, reports: Vec<NewPosition>) -> Result<(), SinkError> {
        if reports.is_empty() {
            return Ok(());
        }
        let (done, answer) = oneshot::channel();
        self.tx
            .try_send(Pending { reports, done })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SinkError::Busy,
                mpsc::error::TrySendError::Closed(_) => SinkError::Stopped,
            })?;
        answer.await.map_err(|_| SinkError::Stopped)?
    }
}

async fn write_loop(store: Store, mut rx: mpsc::Receiver<Pending>, metrics: Arc<Metrics>) {
    let mut unpublished: HashMap<i64, MovedResource> = HashMap::new();
    let mut next_publish = tokio::time::Instant::now();
    loop {
        let first = tokio::select! {
            got = rx.recv() => match got {
                Some(p) => p,
                None => break,
            },
            _ = tokio::time::sleep_until(next_publish), if !unpublished.is_empty() => {
                publish(&store, &mut unpublished).await;
                next_publish = tokio::time::Instant::now() + PUBLISH_EVERY;
                continue;
            }
        };
        let mut batch = vec![first];
        let mut count = batch[0].reports.len();
        while count < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => {
                    count += p.reports.len();
                    batch.push(p);
                }
                Err(_) => break,
            }
        }
        let reports: Vec<NewPosition> = batch
            .iter()
            .flat_map(|p| p.reports.iter().cloned())
            .collect();
        let result = store.record_positions(&reports, Utc::now()).await;
        let answer = match result {
            Ok(moved) => {
                metrics.count("binhyen_avl_positions_total", &[], reports.len() as u64);
                for m in moved {
                    match unpublished.get(&m.id) {
                        Some(kept) if kept.at > m.at => {}
                        _ => {
                            unpublished.insert(m.id, m);
                        }
                    }
                }
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, reports = reports.len(), "storing positions failed");
                Err(SinkError::Store(e.to_string()))
            }
        };
        for p in batch {
            let _ = p.done.send(answer.clone());
        }
        if !unpublished.is_empty() && tokio::time::Instant::now() >= next_publish {
            publish(&store, &mut unpublished).await;
            next_publish = tokio::time::Instant::now() + PUBLISH_EVERY;
        }
    }
    if !unpublished.is_empty() {
        publish(&store, &mut unpublished).await;
    }
}

async fn publish(store: &Store, unpublished: &mut HashMap<i64, MovedResource>) {
    let mut moved: Vec<MovedResource> = unpublished.drain().map(|(_, m)| m).collect();
    moved.sort_by_key(|m| m.id);
    store.publish_positions(&moved, Utc::now()).await;
}

async fn prune_loop(store: Store, options: AvlOptions, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = crate::api::feed::stopped(&mut stop) => return,
        }
        let now = Utc::now();
        prune(&store, now, options.history).await;
    }
}

/// Deletes position history older than `history` and idempotency keys older than
/// [`KEYS_KEPT`], in short transactions.
pub async fn prune(store: &Store, now: DateTime<Utc>, history: chrono::Duration) {
    loop {
        match store.prune_positions(now - history, PRUNE_ROWS).await {
            Ok(n) if n as i64 == PRUNE_ROWS => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "pruning position history failed");
                break;
            }
        }
    }
    loop {
        match store.prune_keys(now - KEYS_KEPT, PRUNE_ROWS).await {
            Ok(n) if n as i64 == PRUNE_ROWS => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "pruning idempotency keys failed");
                break;
            }
        }
    }
}
