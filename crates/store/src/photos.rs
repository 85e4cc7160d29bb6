//! Photos taken at an incident by the people on scene: stored with the incident (the bytes in
//! the database, so that a backup holds them and every node serves them), listed on its page,
//! audited, and announced on the change feed as `photo.added` (not `incident.…`: those
//! changes carry the incident itself).

use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store};
use chrono::{DateTime, Utc};
use domain::incident::GeoPoint;
use serde::Serialize;
use sqlx::Row;

/// A photo to store, already checked and stripped of metadata by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub incident_id: i64,
    /// The incident's unit and the units it is shared with (who sees the feed event).
    pub unit_code: Option<String>,
    pub shared_with: Vec<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Where it was taken, when the officer chose to keep it.
    pub point: Option<GeoPoint>,
}

/// A stored photo, without its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PhotoInfo {
    pub id: i64,
    pub incident_id: i64,
    pub at: DateTime<Utc>,
    /// Who took it.
    pub by: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

const PHOTO_COLUMNS: &str = "id, incident_id, at, by_user, content_type, size, lat, lon";

fn photo_row<R: Row>(row: &R) -> Result<PhotoInfo>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(PhotoInfo {
        id: row.try_get("id")?,
        incident_id: row.try_get("incident_id")?,
        at: from_millis(row.try_get("at")?),
        by: row.try_get("by_user")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
    })
}

impl Store {
    /// Stores a photo with its incident.
    pub async fn add_photo(
        &self,
        photo: NewPhoto,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<PhotoInfo> {
        self.inner.gate.bulk().await;
        let (info, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO incident_photos (incident_id, at, by_user, content_type, size, lat, \
                 lon, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(photo.incident_id)
            .bind(to_millis(now))
            .bind(&actor.name)
            .bind(&photo.content_type)
            .bind(photo.bytes.len() as i64)
            .bind(photo.point.map(|p| p.lat))
            .bind(photo.point.map(|p| p.lon))
            .bind(&photo.bytes)
            .fetch_one(&mut *tx)
            .await?;
            let info = PhotoInfo {
                id,
                incident_id: photo.incident_id,
                at: from_millis(to_millis(now)),
                by: actor.name.clone(),
                content_type: photo.content_type.clone(),
                size: photo.bytes.len() as i64,
                lat: photo.point.map(|p| p.lat),
                lon: photo.point.map(|p| p.lon),
            };
            let entry = AuditEntry {
                action: "incident.photo_added".into(),
                object_type: "incident".into(),
                object_id: photo.incident_id.to_string(),
                unit_code: photo.unit_code.clone(),
                summary: serde_json::json!({
                    "photo_id": id, "size": info.size, "location_kept": photo.point.is_some(),
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "photo.added",
                photo.unit_code.clone(),
                photo.shared_with.clone(),
                serde_json::to_value(&info).unwrap_or(serde_json::Value::Null),
                now
            );
            tx.commit().await?;
            (info, change)
        });
        self.publish(change);
        Ok(info)
    }

    /// An incident's photos, oldest first.
    pub async fn incident_photos(&self, incident_id: i64) -> Result<Vec<PhotoInfo>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {PHOTO_COLUMNS} FROM incident_photos WHERE incident_id = $1 ORDER BY id"
            ))
            .bind(incident_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(photo_row).collect()
        })
    }

    /// One photo of an incident with its bytes.
    pub async fn incident_photo(
        &self,
        incident_id: i64,
        photo_id: i64,
    ) -> Result<Option<(PhotoInfo, Vec<u8>)>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {PHOTO_COLUMNS}, bytes FROM incident_photos \
                 WHERE incident_id = $1 AND id = $2"
            ))
            .bind(incident_id)
            .bind(photo_id)
            .fetch_optional(pool)
            .await?;
            row.map(|row| Ok((photo_row(&row)?, row.try_get("bytes")?)))
                .transpose()
        })
    }
}
