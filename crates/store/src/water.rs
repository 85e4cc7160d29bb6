//! The water-source registry in the database: hydrants, lakes, ponds, tanks, wells and rivers
//! for fire fighting, and the search for the usable ones nearest a point.
//!
//! The nearest search asks the position index for squares around the point (see
//! [`domain::water::bounds_around`]), widening them until they hold enough, and leaves the
//! exact distances and the order to the domain, so both back ends answer alike without a
//! geometry extension.

use crate::alarms::ChunkPlace;
use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::incident::{GeoPoint, Vocabulary};
use domain::water::{nearest_usable, Near, WaterKind, WaterSource, WaterStatus};
use sqlx::Row;

/// Sources per transaction of an import (each is a row and its audit row).
const IMPORT_CHUNK: usize = 250;

/// The first square the nearest search reads, in metres: in a dense ward it already holds the
/// few sources a fire needs.
const FIRST_REACH_M: f64 = 250.0;

/// Imports up to this size announce each source on the feed; larger ones announce once.
const ANNOUNCE_EACH: usize = 50;

/// A water source as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredWaterSource {
    /// Row id.
    pub id: i64,
    /// The source.
    pub source: WaterSource,
    /// The commune/ward unit it lies in.
    pub unit_code: String,
    /// Written by `gen-water-sources`, not surveyed.
    pub generated: bool,
    /// Row version: a concurrent edit gets [`StoreError::Conflict`].
    pub version: i64,
    /// When it was entered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A source to write: the checked source and the unit it lies in.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterSourceInput {
    /// The checked source.
    pub source: WaterSource,
    /// The unit whose area holds it.
    pub unit_code: String,
    /// Generated, not surveyed.
    pub generated: bool,
}

/// Which sources to list or count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaterFilter {
    /// Only this unit's.
    pub unit_code: Option<String>,
    /// Only this kind.
    pub kind: Option<WaterKind>,
    /// Only this status.
    pub status: Option<WaterStatus>,
    /// Only inside `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Only ids above this one (paging).
    pub after_id: Option<i64>,
    /// Page size, 1 to 1,000.
    pub limit: i64,
}

/// The columns a source's own fields are written to, in the order [`bind_source!`] binds them.
const SOURCE_COLUMNS: &str = "kind, name, lat, lon, unit_code, address, capacity_m3, flow_lps, \
     engine_access, status, reference, notes";

/// Binds a [`WaterSourceInput`]'s columns to `$q` in the order of [`SOURCE_COLUMNS`].
macro_rules! bind_source {
    ($q:expr, $input:expr) => {{
        let input: &WaterSourceInput = $input;
        let s = &input.source;
        $q.bind(s.kind.code())
            .bind(&s.name)
            .bind(s.point.lat)
            .bind(s.point.lon)
            .bind(&input.unit_code)
            .bind(&s.address)
            .bind(s.capacity_m3)
            .bind(s.flow_lps)
            .bind(i64::from(s.engine_access))
            .bind(s.status.code())
            .bind(&s.reference)
            .bind(&s.notes)
    }};
}

const COLUMNS: &str = "id, kind, name, lat, lon, unit_code, address, capacity_m3, flow_lps, \
     engine_access, status, reference, notes, generated, version, created_at, updated_at";

/// The shared WHERE clause of a list and its count: parameters $1 to $8.
const WHERE: &str = "($1 IS NULL OR unit_code = $1) AND ($2 IS NULL OR kind = $2) \
     AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR lon >= $4) AND ($5 IS NULL OR lat >= $5) \
     AND ($6 IS NULL OR lon <= $6) AND ($7 IS NULL OR lat <= $7) AND ($8 IS NULL OR id > $8)";

/// Binds a [`WaterFilter`] to `$q` as [`WHERE`]'s $1 to $8, with `$after_id` as $8 (a count
/// passes `None`: it ignores paging).
macro_rules! bind_where {
    ($q:expr, $f:expr, $after_id:expr) => {{
        let f: &WaterFilter = $f;
        let bbox = f.bbox.map_or([None; 4], |b| b.map(Some));
        $q.bind(&f.unit_code)
            .bind(f.kind.map(Vocabulary::code))
            .bind(f.status.map(Vocabulary::code))
            .bind(bbox[0])
            .bind(bbox[1])
            .bind(bbox[2])
            .bind(bbox[3])
            .bind($after_id)
    }};
}

fn from_row<R: Row>(row: &R) -> Result<StoredWaterSource>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let corrupt = |code: &str| StoreError::Corrupt {
        what: "water_sources",
        detail: format!("unknown code {code:?}"),
    };
    Ok(StoredWaterSource {
        id: row.try_get("id")?,
        source: WaterSource {
            kind: WaterKind::from_code(&kind).map_err(|_| corrupt(&kind))?,
            name: row.try_get("name")?,
            point: GeoPoint::new(row.try_get("lat")?, row.try_get("lon")?),
            address: row.try_get("address")?,
            capacity_m3: row.try_get("capacity_m3")?,
            flow_lps: row.try_get("flow_lps")?,
            engine_access: row.try_get::<i64, _>("engine_access")? != 0,
            status: WaterStatus::from_code(&status).map_err(|_| corrupt(&status))?,
            reference: row.try_get("reference")?,
            notes: row.try_get("notes")?,
        },
        unit_code: row.try_get("unit_code")?,
        generated: row.try_get::<i64, _>("generated")? != 0,
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// What the audit keeps of a source.
fn summary(s: &StoredWaterSource) -> serde_json::Value {
    serde_json::json!({
        "kind": s.source.kind.code(),
        "name": s.source.name,
        "lat": s.source.point.lat,
        "lon": s.source.point.lon,
        "unit_code": s.unit_code,
        "status": s.source.status.code(),
        "engine_access": s.source.engine_access,
    })
}

/// What the live feed carries of a source.
fn payload(s: &StoredWaterSource) -> serde_json::Value {
    serde_json::json!({
        "id": s.id,
        "kind": s.source.kind.code(),
        "status": s.source.status.code(),
        "unit_code": s.unit_code,
        "version": s.version,
    })
}

impl Store {
    /// Writes water sources (one, or a whole import): all or nothing. A large import is
    /// written in short transactions that give way to the alarm writer between them; should
    /// one fail, those already written are deleted again before the error is returned.
    pub async fn create_water_sources(
        &self,
        inputs: &[WaterSourceInput],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredWaterSource>> {
        self.write_in_chunks(
            inputs,
            IMPORT_CHUNK,
            ("water_sources", "water_source"),
            |s: &StoredWaterSource| s.id,
            actor,
            now,
            async |chunk, at: ChunkPlace| self.create_water_chunk(chunk, at, actor, now).await,
        )
        .await
    }

    /// One transaction of [`Store::create_water_sources`].
    async fn create_water_chunk(
        &self,
        inputs: &[WaterSourceInput],
        at: ChunkPlace,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredWaterSource>> {
        let ChunkPlace {
            total,
            last,
            before,
        } = at;
        let (created, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut created = Vec::with_capacity(inputs.len());
            let mut changes = Vec::new();
            for input in inputs {
                let row = bind_source!(
                    sqlx::query(&format!(
                        "INSERT INTO water_sources ({SOURCE_COLUMNS}, generated, version, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                         $10, $11, $12, $13, 1, $14, $14) RETURNING {COLUMNS}"
                    )),
                    input
                )
                .bind(i64::from(input.generated))
                .bind(to_millis(now))
                .fetch_one(&mut *tx)
                .await?;
                let stored = from_row(&row)?;
                // A generated registry of thousands is audited once, as the import it is.
                if !input.generated {
                    let entry = AuditEntry {
                        action: "water_source.create".into(),
                        object_type: "water_source".into(),
                        object_id: stored.id.to_string(),
                        unit_code: Some(stored.unit_code.clone()),
                        summary: serde_json::json!({"after": summary(&stored)}),
                    };
                    insert_audit!(tx, actor, &entry, now);
                }
                if total <= ANNOUNCE_EACH {
                    changes.push(insert_change!(
                        self,
                        tx,
                        "water_source.created",
                        Some(stored.unit_code.clone()),
                        vec![],
                        payload(&stored),
                        now
                    ));
                }
                created.push(stored);
            }
            let count = before + created.len();
            // A generated registry is audited once, whatever its size.
            if last && inputs.iter().any(|i| i.generated) {
                let entry = AuditEntry {
                    action: "water_source.generate".into(),
                    object_type: "water_source".into(),
                    object_id: format!("{count}"),
                    unit_code: None,
                    summary: serde_json::json!({"count": count}),
                };
                insert_audit!(tx, actor, &entry, now);
            }
            if total > ANNOUNCE_EACH && last {
                changes.push(insert_change!(
                    self,
                    tx,
                    "water_source.imported",
                    None,
                    vec![],
                    serde_json::json!({"count": count}),
                    now
                ));
            }
            tx.commit().await?;
            (created, changes)
        });
        for c in changes {
            self.publish(c);
        }
        Ok(created)
    }

    /// One water source.
    pub async fn water_source(&self, id: i64) -> Result<Option<StoredWaterSource>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM water_sources WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(from_row).transpose()
        })
    }

    /// Water sources by id, filtered.
    pub async fn list_water_sources(&self, f: &WaterFilter) -> Result<Vec<StoredWaterSource>> {
        let limit = f.limit.clamp(1, 1000);
        on_read!(self, |pool| {
            let rows = bind_where!(
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM water_sources WHERE {WHERE} ORDER BY id LIMIT $9"
                )),
                f,
                f.after_id
            )
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(from_row).collect()
        })
    }

    /// How many sources the filter finds (its page and `after_id` aside), by status code.
    pub async fn count_water_sources(&self, f: &WaterFilter) -> Result<Vec<(String, i64)>> {
        on_read!(self, |pool| {
            let rows = bind_where!(
                sqlx::query(&format!(
                    "SELECT status, COUNT(*) AS n FROM water_sources WHERE {WHERE} \
                     GROUP BY status ORDER BY status"
                )),
                f,
                None::<i64>
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
                .collect()
        })
    }

    /// The usable sources within `radius_m` of `at`, nearest first, at most `limit`.
    ///
    /// The search starts with a small square and widens it (four times each step, up to
    /// `radius_m`) until it holds `limit` usable sources within its own radius: in a dense
    /// ward the first square answers, reading a few rows instead of every source in two
    /// kilometres. The answer is exact: every source within a radius lies in its square, so
    /// `limit` sources found within it are the nearest.
    pub async fn nearest_water_sources(
        &self,
        at: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Near<StoredWaterSource>>> {
        let mut reach = FIRST_REACH_M.min(radius_m);
        loop {
            let rows = self.usable_water_around(at, reach).await?;
            let near = nearest_usable(
                at,
                rows.iter().enumerate().map(|(i, s)| (i, &s.source)),
                reach,
                limit,
            );
            if near.len() >= limit || reach >= radius_m {
                return Ok(near
                    .into_iter()
                    .map(|n| Near {
                        item: rows[n.item].clone(),
                        distance_m: n.distance_m,
                    })
                    .collect());
            }
            reach = (reach * 4.0).min(radius_m);
        }
    }

    /// The usable sources in the square that holds every point within `reach_m` of `at`.
    async fn usable_water_around(
        &self,
        at: GeoPoint,
        reach_m: f64,
    ) -> Result<Vec<StoredWaterSource>> {
        let [min_lat, min_lon, max_lat, max_lon] = domain::water::bounds_around(at, reach_m);
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM water_sources WHERE lat BETWEEN $1 AND $2 \
                 AND lon BETWEEN $3 AND $4 AND status = $5"
            ))
            .bind(min_lat)
            .bind(max_lat)
            .bind(min_lon)
            .bind(max_lon)
            .bind(WaterStatus::Usable.code())
            .fetch_all(pool)
            .await?;
            rows.iter().map(from_row).collect()
        })
    }

    /// Replaces a source's fields if it is still at `version` (otherwise
    /// [`StoreError::Conflict`]); an unknown id is [`StoreError::NotFound`]. A generated
    /// source that is edited by hand is no longer generated: a new run keeps it.
    pub async fn update_water_source(
        &self,
        id: i64,
        version: i64,
        input: &WaterSourceInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<StoredWaterSource> {
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM water_sources WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or(StoreError::NotFound {
                what: "water source",
                id: id.to_string(),
            })?;
            // The source's columns are $1 to $12, as an insert binds them.
            let row = bind_source!(
                sqlx::query(&format!(
                    "UPDATE water_sources SET ({SOURCE_COLUMNS}, generated, version, \
                     updated_at) = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, \
                     version + 1, $15) WHERE id = $13 AND version = $14 RETURNING {COLUMNS}"
                )),
                input
            )
            .bind(id)
            .bind(version)
            .bind(to_millis(now))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "water source {id} is at version {}, not {version}",
                    before.version
                ))
            })?;
            let stored = from_row(&row)?;
            let entry = AuditEntry {
                action: "water_source.update".into(),
                object_type: "water_source".into(),
                object_id: id.to_string(),
                unit_code: Some(stored.unit_code.clone()),
                summary: serde_json::json!({"before": summary(&before), "after": summary(&stored)}),
            };
            insert_audit!(tx, actor, &entry, now);
            let shared = if before.unit_code == stored.unit_code {
                vec![]
            } else {
                vec![before.unit_code.clone()]
            };
            let change = insert_change!(
                self,
                tx,
                "water_source.updated",
                Some(stored.unit_code.clone()),
                shared,
                payload(&stored),
                now
            );
            tx.commit().await?;
            (stored, change)
        });
        self.publish(change);
        Ok(stored)
    }

    /// Deletes every generated source (before a new run of `gen-water-sources`), in short
    /// transactions that give way to the alarm writer. Returns how many were deleted.
    pub async fn delete_generated_water_sources(&self) -> Result<u64> {
        let mut deleted = 0;
        loop {
            self.inner.gate.bulk().await;
            let n = on_write!(self, |pool| {
                sqlx::query(
                    "DELETE FROM water_sources WHERE id IN (SELECT id FROM water_sources \
                     WHERE generated = 1 ORDER BY id LIMIT $1)",
                )
                .bind(crate::gate::BULK_ROWS as i64)
                .execute(pool)
                .await?
                .rows_affected()
            });
            deleted += n;
            if n == 0 {
                return Ok(deleted);
            }
            tokio::task::yield_now().await;
        }
    }
}
