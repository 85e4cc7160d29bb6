//! Live positions of resources: the history of every report (kept for a configured period),
//! the newest one on the resource itself, and the trackers that send them.
//!
//! Positions arrive by the thousand per second from trackers and phones, so they are written
//! in batches ([`Store::record_positions`]): short transactions that append the
//! history rows and moves each resource's last position only forward in time (a report
//! replayed late never moves a vehicle back). A position is not a versioned edit: it does not
//! bump the resource's version, so it never makes a dispatcher's status change conflict.
//!
//! Positions are not part of the durable change feed (there would be millions of rows a day).
//! [`Store::publish_positions`] sends them to the consoles as passing `resource.positions`
//! events without an id: on SQLite in-process, on PostgreSQL as a NOTIFY payload that every
//! node's listener publishes. A console that reconnects reloads the resources anyway.

use crate::feed::Change;
use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::avl::{Fix, Source};
use serde::Serialize;
use sqlx::Row;

/// One position report to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPosition {
    pub resource_id: i64,
    pub fix: Fix,
    pub source: Source,
}

/// A resource whose last position a batch moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovedResource {
    /// The resource's id.
    pub id: i64,
    #[serde(skip)]
    pub unit_code: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub at: DateTime<Utc>,
    /// When this position stops being live.
    pub stale_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<f64>,
}

/// One point of a resource's trail.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrailPoint {
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub heading: Option<f64>,
    /// tracker, app or api.
    pub source: String,
}

/// A tracker mapped to a resource.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tracker {
    /// The id the tracker sends (`id` or `deviceid` of the OsmAnd protocol).
    pub device_id: String,
    pub resource_id: i64,
    #[serde(skip)]
    pub token_sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// History rows per INSERT statement (10 parameters each, well inside both back ends' limits).
const ROWS_PER_INSERT: usize = 200;

/// Largest NOTIFY payload sent (PostgreSQL refuses 8,000 bytes and more).
const NOTIFY_MAX: usize = 7_000;

impl Store {
    /// Records a batch of position reports, in transactions of at most
    /// [`crate::gate::BULK_ROWS`] reports: every report goes to the history, and each
    /// resource's last position moves to its newest report when that is newer than the one
    /// known. Answers the resources that moved (publish them with
    /// [`Store::publish_positions`]). Reports for unknown resources are kept out by the
    /// caller; the database refuses none of a batch for another's sake.
    pub async fn record_positions(
        &self,
        reports: &[NewPosition],
        received: DateTime<Utc>,
    ) -> Result<Vec<MovedResource>> {
        let mut moved = Vec::new();
        // Transactions of a few milliseconds each, the alarm writer going first between them.
        for part in reports.chunks(crate::gate::BULK_ROWS) {
            moved.extend(self.record_part(part, received).await?);
        }
        Ok(moved)
    }

    async fn record_part(
        &self,
        reports: &[NewPosition],
        received: DateTime<Utc>,
    ) -> Result<Vec<MovedResource>> {
        let latest =
            domain::avl::latest_per_resource(reports.iter().map(|r| (r.resource_id, &r.fix, ())));
        self.inner.gate.bulk().await;
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in reports.chunks(ROWS_PER_INSERT) {
                let sql = format!(
                    "INSERT INTO resource_positions (resource_id, at, lat, lon, accuracy_m, \
                     speed_kmh, heading, source, received_at) VALUES {}",
                    crate::value_rows(chunk.len(), 9)
                );
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q
                        .bind(r.resource_id)
                        .bind(to_millis(r.fix.at))
                        .bind(r.fix.point.lat)
                        .bind(r.fix.point.lon)
                        .bind(r.fix.accuracy_m)
                        .bind(r.fix.speed_kmh)
                        .bind(r.fix.heading)
                        .bind(r.source.code())
                        .bind(to_millis(received));
                }
                q.execute(&mut *tx).await?;
            }
            let mut moved = Vec::with_capacity(latest.len());
            for (id, fix, ()) in latest {
                let row = sqlx::query(
                    "UPDATE resources SET pos_lat = $2, pos_lon = $3, pos_at = $4 \
                     WHERE id = $1 AND (pos_at IS NULL OR pos_at <= $4) RETURNING unit_code",
                )
                .bind(id)
                .bind(fix.point.lat)
                .bind(fix.point.lon)
                .bind(to_millis(fix.at))
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = row {
                    moved.push(MovedResource {
                        id,
                        unit_code: row.try_get("unit_code")?,
                        lat: fix.point.lat,
                        lon: fix.point.lon,
                        at: fix.at,
                        stale_at: domain::avl::stale_at(fix.at),
                        speed_kmh: fix.speed_kmh,
                        heading: fix.heading,
                    });
                }
            }
            tx.commit().await?;
            Ok(moved)
        })
    }

    /// Sends moved resources to the live consoles as `resource.positions` events, one per
    /// owning unit (a unit officer sees their own patrols and the city's forces). Passing
    /// events: not stored, without an id.
    pub async fn publish_positions(&self, moved: &[MovedResource], now: DateTime<Utc>) {
        let mut by_unit: std::collections::BTreeMap<Option<&str>, Vec<&MovedResource>> =
            Default::default();
        for m in moved {
            by_unit.entry(m.unit_code.as_deref()).or_default().push(m);
        }
        for (unit, list) in by_unit {
            for change in position_changes(unit, &list, now) {
                match &self.inner.db {
                    crate::db::Db::Sqlite { .. } => {
                        let _ = self.inner.feed.send(change);
                    }
                    crate::db::Db::Postgres { pool, channel, .. } => {
                        let payload = serde_json::to_string(&change).unwrap_or_default();
                        if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                            .bind(channel)
                            .bind(payload)
                            .execute(pool)
                            .await
                        {
                            tracing::warn!(error = %e, "sending positions to the other nodes failed");
                        }
                    }
                }
            }
        }
    }

    /// A resource's trail between `since` and `until`, oldest first, at most `limit` points
    /// (the newest ones when there are more).
    pub async fn resource_trail(
        &self,
        resource_id: i64,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<TrailPoint>> {
        let limit = limit.clamp(1, 10_000);
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT at, lat, lon, accuracy_m, speed_kmh, heading, source \
                 FROM resource_positions WHERE resource_id = $1 AND at >= $2 AND at <= $3 \
                 ORDER BY at DESC, id DESC LIMIT $4",
            )
            .bind(resource_id)
            .bind(to_millis(since))
            .bind(to_millis(until))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut trail = rows
                .iter()
                .map(|row| {
                    Ok(TrailPoint {
                        at: from_millis(row.try_get("at")?),
                        lat: row.try_get("lat")?,
                        lon: row.try_get("lon")?,
                        accuracy_m: row.try_get("accuracy_m")?,
                        speed_kmh: row.try_get("speed_kmh")?,
                        heading: row.try_get("heading")?,
                        source: row.try_get("source")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            trail.reverse();
            Ok(trail)
        })
    }

    /// Deletes up to `max` (at most [`crate::gate::BULK_ROWS`]) history rows received before
    /// `before`; answers how many went. The caller repeats while rows go, so each transaction
    /// stays short.
    pub async fn prune_positions(&self, before: DateTime<Utc>, max: i64) -> Result<u64> {
        let max = max.min(crate::gate::BULK_ROWS as i64);
        self.inner.gate.bulk().await;
        on_write!(self, |pool| {
            let done = sqlx::query(
                "DELETE FROM resource_positions WHERE id IN (SELECT id FROM resource_positions \
                 WHERE received_at < $1 ORDER BY received_at LIMIT $2)",
            )
            .bind(to_millis(before))
            .bind(max)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        })
    }

    /// The tracker that sends as `device_id`.
    pub async fn tracker(&self, device_id: &str) -> Result<Option<Tracker>> {
        self.tracker_where("device_id = $1", device_id.to_owned())
            .await
    }

    /// The tracker mapped to a resource.
    pub async fn resource_tracker(&self, resource_id: i64) -> Result<Option<Tracker>> {
        self.tracker_where("resource_id = $1", resource_id).await
    }

    async fn tracker_where<T>(&self, condition: &str, value: T) -> Result<Option<Tracker>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'q> sqlx::Encode<'q, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>
            + Send
            + Clone,
    {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT device_id, resource_id, token_sha256, created_at, created_by \
                 FROM avl_trackers WHERE {condition}"
            ))
            .bind(value.clone())
            .fetch_optional(pool)
            .await?;
            row.map(|row| {
                Ok(Tracker {
                    device_id: row.try_get("device_id")?,
                    resource_id: row.try_get("resource_id")?,
                    token_sha256: row.try_get("token_sha256")?,
                    created_at: from_millis(row.try_get("created_at")?),
                    created_by: row.try_get("created_by")?,
                })
            })
            .transpose()
        })
    }

    /// Maps a tracker to a resource, replacing the resource's earlier tracker. A device id
    /// already mapped to another resource is a conflict.
    pub async fn set_tracker(
        &self,
        resource_id: i64,
        device_id: &str,
        token_sha256: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Tracker> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT resource_id FROM avl_trackers WHERE device_id = $1")
                    .bind(device_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if owner.is_some_and(|r| r != resource_id) {
                return Err(StoreError::Conflict(format!(
                    "tracker {device_id} is mapped to another resource"
                )));
            }
            let unit: Option<Option<String>> =
                sqlx::query_scalar("SELECT unit_code FROM resources WHERE id = $1")
                    .bind(resource_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(unit) = unit else {
                return Err(StoreError::NotFound {
                    what: "resource",
                    id: resource_id.to_string(),
                });
            };
            sqlx::query("DELETE FROM avl_trackers WHERE resource_id = $1 OR device_id = $2")
                .bind(resource_id)
                .bind(device_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO avl_trackers (device_id, resource_id, token_sha256, created_at, \
                 created_by) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(device_id)
            .bind(resource_id)
            .bind(token_sha256)
            .bind(to_millis(now))
            .bind(&actor.name)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "resource.tracker_set".into(),
                object_type: "resource".into(),
                object_id: resource_id.to_string(),
                unit_code: unit,
                summary: serde_json::json!({ "device_id": device_id }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            Ok(Tracker {
                device_id: device_id.to_owned(),
                resource_id,
                token_sha256: token_sha256.to_owned(),
                created_at: from_millis(to_millis(now)),
                created_by: actor.name.clone(),
            })
        })
    }

    /// Removes a resource's tracker; answers whether there was one.
    pub async fn remove_tracker(
        &self,
        resource_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let device: Option<String> = sqlx::query_scalar(
                "DELETE FROM avl_trackers WHERE resource_id = $1 RETURNING device_id",
            )
            .bind(resource_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(device) = device else {
                return Ok(false);
            };
            let unit: Option<String> =
                sqlx::query_scalar("SELECT unit_code FROM resources WHERE id = $1")
                    .bind(resource_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let entry = AuditEntry {
                action: "resource.tracker_removed".into(),
                object_type: "resource".into(),
                object_id: resource_id.to_string(),
                unit_code: unit,
                summary: serde_json::json!({ "device_id": device }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            Ok(true)
        })
    }
}

/// The `resource.positions` events of one unit's moved resources, each small enough for a
/// PostgreSQL NOTIFY.
fn position_changes(
    unit: Option<&str>,
    moved: &[&MovedResource],
    now: DateTime<Utc>,
) -> Vec<Change> {
    let change = |positions: &[&MovedResource]| Change {
        id: 0,
        at: now,
        kind: "resource.positions".into(),
        unit_code: unit.map(str::to_owned),
        shared_with: Vec::new(),
        payload: serde_json::json!({ "positions": positions }),
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = 0;
    for (i, m) in moved.iter().enumerate() {
        // A generous estimate of one position's JSON.
        let len = serde_json::to_string(m).map(|s| s.len() + 1).unwrap_or(200);
        if size + len > NOTIFY_MAX - 300 && i > start {
            out.push(change(&moved[start..i]));
            start = i;
            size = 0;
        }
        size += len;
    }
    if start < moved.len() {
        out.push(change(&moved[start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rows_number_every_placeholder() {
        assert_eq!(crate::value_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(crate::value_rows(1, 3), "($1, $2, $3)");
        assert_eq!(crate::value_rows(0, 3), "");
    }

    #[test]
    fn position_events_fit_a_notify_and_keep_every_position() {
        let now = Utc::now();
        let moved: Vec<MovedResource> = (0..500)
            .map(|id| MovedResource {
                id,
                unit_code: Some("00004".into()),
                lat: 21.0 + id as f64 / 1e4,
                lon: 105.8,
                at: now,
                stale_at: domain::avl::stale_at(now),
                speed_kmh: Some(42.5),
                heading: Some(180.0),
            })
            .collect();
        let refs: Vec<&MovedResource> = moved.iter().collect();
        let changes = position_changes(Some("00004"), &refs, now);
        assert!(changes.len() > 1);
        let mut ids = Vec::new();
        for c in &changes {
            assert!(serde_json::to_string(c).unwrap().len() < 8_000);
            assert_eq!(c.id, 0);
            assert_eq!(c.unit_code.as_deref(), Some("00004"));
            for p in c.payload["positions"].as_array().unwrap() {
                ids.push(p["id"].as_i64().unwrap());
            }
        }
        assert_eq!(ids, (0..500).collect::<Vec<_>>());
        assert!(position_changes(None, &[], now).is_empty());
    }
}
