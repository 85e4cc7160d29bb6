//! Heartbeats of the DC-09 receiver nodes that share one database, so that the signals a dead
//! node stored (and ACKed) but had not yet turned into incidents are taken over by another
//! node within seconds. A node that stops cleanly stays in the table too: the signals still
//! in its backlog are then taken over the same way. Times come from the caller.

use crate::{from_millis, to_millis, Result, Store};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A node that has stopped beating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentReceiver {
    pub node_id: String,
    pub beat_at: DateTime<Utc>,
}

impl Store {
    /// Records that receiver `node_id` is alive at `now` (registering it on its first beat).
    pub async fn receiver_beat(&self, node_id: &str, now: DateTime<Utc>) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO receiver_nodes (node_id, started_at, beat_at) VALUES ($1, $2, $2) \
                 ON CONFLICT (node_id) DO UPDATE SET beat_at = excluded.beat_at",
            )
            .bind(node_id)
            .bind(to_millis(now))
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Receivers whose last beat is older than `before`, oldest first.
    pub async fn silent_receivers(&self, before: DateTime<Utc>) -> Result<Vec<SilentReceiver>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT node_id, beat_at FROM receiver_nodes WHERE beat_at < $1 \
                 ORDER BY beat_at, node_id",
            )
            .bind(to_millis(before))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(SilentReceiver {
                        node_id: r.try_get("node_id")?,
                        beat_at: from_millis(r.try_get("beat_at")?),
                    })
                })
                .collect()
        })
    }

    /// Claims a silent receiver for takeover: true for exactly one caller, and only while the
    /// node has not beaten again since it was seen silent.
    pub async fn claim_silent_receiver(&self, silent: &SilentReceiver) -> Result<bool> {
        on_write!(self, |pool| {
            let done =
                sqlx::query("DELETE FROM receiver_nodes WHERE node_id = $1 AND beat_at = $2")
                    .bind(&silent.node_id)
                    .bind(to_millis(silent.beat_at))
                    .execute(pool)
                    .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
