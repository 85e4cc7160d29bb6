//! Response plans, versioned: each change stores the whole plan book (TOML) as a new version
//! with its author, source and reason, and an audit row in the same transaction. The highest
//! version is in force. A write names the version it was based on; when another change landed
//! meanwhile it is refused as a conflict, so two admins never overwrite each other silently.

use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One stored version of the plan book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVersion {
    pub version: i64,
    /// The plan book as TOML.
    pub body: String,
    /// `default`, `file` or `api`.
    pub source: String,
    pub reason: Option<String>,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
}

fn version_from_row<R: Row>(row: &R) -> Result<PlanVersion>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(PlanVersion {
        version: row.try_get("version")?,
        body: row.try_get("body")?,
        source: row.try_get("source")?,
        reason: row.try_get("reason")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const COLUMNS: &str =
    "version, body, source, reason, author_id, author_name, created_at FROM response_plan_versions";

impl Store {
    /// The plan book in force (the highest version), if any was ever stored.
    pub async fn current_response_plans(&self) -> Result<Option<PlanVersion>> {
        let sql = format!("SELECT {COLUMNS} ORDER BY version DESC LIMIT 1");
        on_read!(self, |pool| {
            let row = sqlx::query(&sql).fetch_optional(pool).await?;
            row.as_ref().map(version_from_row).transpose()
        })
    }

    /// The number of the version in force (0 when none): a cheap check before re-reading.
    pub async fn current_response_plans_version(&self) -> Result<i64> {
        on_read!(self, |pool| {
            let v: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM response_plan_versions")
                    .fetch_one(pool)
                    .await?;
            Ok(v.unwrap_or(0))
        })
    }

    /// One version, if it exists.
    pub async fn response_plans_version(&self, version: i64) -> Result<Option<PlanVersion>> {
        let sql = format!("SELECT {COLUMNS} WHERE version = $1");
        on_read!(self, |pool| {
            let row = sqlx::query(&sql).bind(version).fetch_optional(pool).await?;
            row.as_ref().map(version_from_row).transpose()
        })
    }

    /// Every version, newest first (at most `limit`), with the number of all versions.
    pub async fn list_response_plan_versions(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PlanVersion>, i64)> {
        let sql = format!("SELECT {COLUMNS} ORDER BY version DESC LIMIT $1 OFFSET $2");
        on_read!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(limit.clamp(1, 500))
                .bind(offset.max(0))
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM response_plan_versions")
                .fetch_one(pool)
                .await?;
            let list = rows
                .iter()
                .map(version_from_row)
                .collect::<Result<Vec<_>>>()?;
            Ok((list, total))
        })
    }

    /// Stores `body` (already validated by the caller) as the next version. `based_on` is the
    /// version the author read (0 for "none yet"); when another version landed meanwhile the
    /// write is refused with [`StoreError::Conflict`]. `None` skips the check (start-up).
    pub async fn save_response_plans(
        &self,
        body: &str,
        source: &str,
        reason: Option<&str>,
        based_on: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<PlanVersion> {
        let version = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let current: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM response_plan_versions")
                    .fetch_one(&mut *tx)
                    .await?;
            let current = current.unwrap_or(0);
            if let Some(read) = based_on {
                if read != current {
                    return Err(StoreError::Conflict(format!(
                        "response plans changed meanwhile: version {current} is in force, \
                         the change was based on version {read}"
                    )));
                }
            }
            let version = current + 1;
            // Two nodes racing on the same next version: the primary key refuses the second
            // (a conflict, like the check above).
            sqlx::query(
                "INSERT INTO response_plan_versions \
                 (version, body, source, reason, author_id, author_name, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(version)
            .bind(body)
            .bind(source)
            .bind(reason)
            .bind(actor.user_id)
            .bind(&actor.name)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "response_plans.update".into(),
                object_type: "response_plans".into(),
                object_id: version.to_string(),
                unit_code: None,
                summary: serde_json::json!({
                    "version": version,
                    "source": source,
                    "reason": reason,
                    "bytes": body.len(),
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            version
        });
        self.response_plans_version(version)
            .await?
            .ok_or(StoreError::NotFound {
                what: "response plans version",
                id: version.to_string(),
            })
    }
}
