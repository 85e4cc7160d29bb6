//! The change feed: every committed change to an incident, resource, device, trouble or task,
//! as a small JSON event that the live console and the other nodes receive.
//!
//! Each write inserts its change row in the same transaction as the data. SQLite publishes it
//! in-process after the commit; PostgreSQL sends the row id with `pg_notify` inside the
//! transaction (delivered only on commit), and every node's listener reads the row and
//! publishes it locally.

use crate::{from_millis, Result};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use sqlx::Row;
use tokio::sync::broadcast;

/// How many changes a slow subscriber may fall behind before it is told it lagged.
pub(crate) const CAPACITY: usize = 4096;

/// One committed change, or (with id 0) a passing event that is not stored, such as the
/// positions of moving resources.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// Increasing id (per database).
    pub id: i64,
    /// When it was committed.
    pub at: chrono::DateTime<chrono::Utc>,
    /// What changed, e.g. `incident.created`, `device.offline`.
    pub kind: String,
    /// The unit that owns the changed object; `None` for city-level objects.
    pub unit_code: Option<String>,
    /// Other units the object is shared with (they see the change too).
    pub shared_with: Vec<String>,
    /// The changed object, as the API shows it.
    pub payload: serde_json::Value,
}

/// Inserts a change row in the open transaction `$tx` and, on PostgreSQL, queues its NOTIFY.
/// Evaluates to the [`Change`] to publish after the commit.
macro_rules! insert_change {
    ($store:expr, $tx:expr, $kind:expr, $unit:expr, $shared:expr, $payload:expr, $at:expr) => {{
        let kind: String = $kind.into();
        let unit: Option<String> = $unit;
        let shared: Vec<String> = $shared;
        let payload: serde_json::Value = $payload;
        let at: chrono::DateTime<chrono::Utc> = $at;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO changes (at, kind, unit_code, shared, payload) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind($crate::to_millis(at))
        .bind(&kind)
        .bind(&unit)
        .bind(shared.join(","))
        .bind(payload.to_string())
        .fetch_one(&mut *$tx)
        .await?;
        if let Some(channel) = $store.inner.db.channel() {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(id.to_string())
                .execute(&mut *$tx)
                .await?;
        }
        $crate::feed::Change {
            id,
            at,
            kind,
            unit_code: unit,
            shared_with: shared,
            payload,
        }
    }};
}

/// Owns the PostgreSQL listener task; dropping it stops the task.
pub(crate) struct ListenerGuard {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ListenerGuard {
    pub(crate) async fn start(
        pool: PgPool,
        channel: String,
        feed: broadcast::Sender<Change>,
    ) -> Result<ListenerGuard> {
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(&channel).await?;
        let task = tokio::spawn(async move {
            loop {
                // `recv` reconnects by itself after a lost connection.
                let note = match listener.recv().await {
                    Ok(note) => note,
                    // The store was closed: nothing more to listen for.
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "change feed listener failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        continue;
                    }
                };
                let Ok(id) = note.payload().parse::<i64>() else {
                    // A passing event carries itself.
                    match serde_json::from_str::<Change>(note.payload()) {
                        Ok(change) if change.id == 0 => {
                            let _ = feed.send(change);
                        }
                        _ => tracing::warn!(
                            payload = note.payload(),
                            "ignoring malformed notification"
                        ),
                    }
                    continue;
                };
                match fetch_change(&pool, id).await {
                    Ok(Some(change)) => {
                        let _ = feed.send(change);
                    }
                    Ok(None) => tracing::warn!(id, "notified change not found"),
                    Err(e) => tracing::warn!(id, error = %e, "reading notified change failed"),
                }
            }
        });
        Ok(ListenerGuard { task })
    }
}

async fn fetch_change(pool: &PgPool, id: i64) -> Result<Option<Change>> {
    let row =
        sqlx::query("SELECT id, at, kind, unit_code, shared, payload FROM changes WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let shared: String = row.try_get("shared")?;
    let payload: String = row.try_get("payload")?;
    Ok(Some(Change {
        id: row.try_get("id")?,
        at: from_millis(row.try_get("at")?),
        kind: row.try_get("kind")?,
        unit_code: row.try_get("unit_code")?,
        shared_with: split_units(&shared),
        payload: serde_json::from_str(&payload).map_err(|e| crate::StoreError::Corrupt {
            what: "changes.payload",
            detail: e.to_string(),
        })?,
    }))
}

pub(crate) fn split_units(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect()
}
