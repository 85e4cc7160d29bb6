//! Primary and backup receivers on one PostgreSQL: each node beats every [`BEAT_EVERY`], and a
//! node silent for [`SILENT_AFTER`] is presumed dead. The first live node to claim it loads the
//! signals that node stored (and ACKed) but had not yet turned into incidents, so they become
//! incidents seconds after the kill instead of waiting for the age-based sweep. A node seen
//! silent that was only slow costs some repeated work: every step of the actions is
//! idempotent, and a signal already done is skipped.
//!
//! SQLite is one node by design and runs no heartbeat.

use super::actions::load_pending;
use chrono::Utc;
use rand::Rng;
use std::time::Duration;
use store::{Signal, SilentReceiver, Store};
use tokio::sync::mpsc;

/// How often a node says it is alive.
pub const BEAT_EVERY: Duration = Duration::from_secs(2);

/// How long a node may be silent before another takes over its signals: three beats.
pub const SILENT_AFTER: Duration = Duration::from_secs(6);

/// A name for this node that no other node (or earlier run of this one) has: the host, the
/// process and a random suffix.
pub fn node_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
    let suffix: u32 = rand::thread_rng().gen();
    format!("{host}-{}-{suffix:08x}", std::process::id())
}

/// Beats for `node` and takes over the silent nodes' signals, sending them to this node's
/// actions; runs until aborted.
pub async fn run(store: Store, node: String, actions: mpsc::UnboundedSender<Vec<Signal>>) {
    tracing::info!(node = %node, "receiver heartbeat started");
    let mut tick = tokio::time::interval(BEAT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let silent_after = chrono::Duration::from_std(SILENT_AFTER).unwrap_or_default();
    loop {
        tick.tick().await;
        let now = Utc::now();
        if let Err(e) = store.receiver_beat(&node, now).await {
            tracing::error!(error = %e, "receiver heartbeat failed");
            continue;
        }
        let silent = match store.silent_receivers(now - silent_after).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the receivers' heartbeats");
                continue;
            }
        };
        for gone in silent.iter().filter(|s| s.node_id != node) {
            match store.claim_silent_receiver(gone).await {
                Ok(true) => take_over(&store, gone, &actions).await,
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %e, node = %gone.node_id, "cannot claim a silent receiver")
                }
            }
        }
    }
}

/// Loads the pending signals a silent node may have left: those stored before it could have
/// missed its first beat.
async fn take_over(
    store: &Store,
    gone: &SilentReceiver,
    actions: &mpsc::UnboundedSender<Vec<Signal>>,
) {
    let cutoff = gone.beat_at + chrono::Duration::from_std(SILENT_AFTER).unwrap_or_default();
    let count = load_pending(store, Some(cutoff), |signals| {
        let _ = actions.send(signals);
    })
    .await;
    tracing::warn!(
        node = %gone.node_id,
        last_beat = %gone.beat_at,
        signals = count,
        "a receiver node stopped beating; its pending signals are taken over here"
    );
}
