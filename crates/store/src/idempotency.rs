//! Idempotency keys: the answer given to a request that carried an `Idempotency-Key`, kept per
//! user so that the same request sent again (a phone replaying what it queued offline, a
//! retry after a lost answer) is answered again instead of being applied twice.
//!
//! A key is claimed before the request runs (an insert that only one request can win), so two
//! copies arriving at once on two nodes are applied once: the second is told the first is
//! still running. A claim whose request died before answering is taken over after
//! [`ABANDONED_AFTER`].

use crate::{to_millis, Result, Store};
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

/// A claim older than this without an answer belonged to a request that died.
pub const ABANDONED_AFTER: Duration = Duration::minutes(2);

/// A stored answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyClaim {
    /// First time: run the request, then [`Store::keep_answer`].
    Run,
    /// Already answered: answer this again.
    Replay(StoredAnswer),
    /// The first request with this key is still running.
    Running,
    /// The key was used for another request (method and path given).
    OtherRequest { method: String, path: String },
}

impl Store {
    /// Claims `key` of `user_id` for a request, or says why not.
    pub async fn claim_key(
        &self,
        user_id: i64,
        key: &str,
        method: &str,
        path: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let claimed = sqlx::query(
                "INSERT INTO idempotency_keys (user_id, key, method, path, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, key) DO NOTHING",
            )
            .bind(user_id)
            .bind(key)
            .bind(method)
            .bind(path)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if claimed {
                tx.commit().await?;
                return Ok(KeyClaim::Run);
            }
            let row = sqlx::query(
                "SELECT method, path, status, content_type, body, created_at \
                 FROM idempotency_keys WHERE user_id = $1 AND key = $2",
            )
            .bind(user_id)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
            let (was_method, was_path): (String, String) =
                (row.try_get("method")?, row.try_get("path")?);
            if was_method != method || was_path != path {
                return Ok(KeyClaim::OtherRequest {
                    method: was_method,
                    path: was_path,
                });
            }
            let status: Option<i64> = row.try_get("status")?;
            match status {
                Some(status) => Ok(KeyClaim::Replay(StoredAnswer {
                    status: u16::try_from(status).unwrap_or(500),
                    content_type: row.try_get("content_type")?,
                    body: row
                        .try_get::<Option<Vec<u8>>, _>("body")?
                        .unwrap_or_default(),
                })),
                None => {
                    let created: i64 = row.try_get("created_at")?;
                    if created > to_millis(now - ABANDONED_AFTER) {
                        return Ok(KeyClaim::Running);
                    }
                    // Take the abandoned claim over, once.
                    let taken = sqlx::query(
                        "UPDATE idempotency_keys SET created_at = $3 \
                         WHERE user_id = $1 AND key = $2 AND status IS NULL AND created_at = $4",
                    )
                    .bind(user_id)
                    .bind(key)
                    .bind(to_millis(now))
                    .bind(created)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    tx.commit().await?;
                    Ok(if taken {
                        KeyClaim::Run
                    } else {
                        KeyClaim::Running
                    })
                }
            }
        })
    }

    /// Keeps the answer of a claimed key.
    pub async fn keep_answer(&self, user_id: i64, key: &str, answer: &StoredAnswer) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 \
                 WHERE user_id = $1 AND key = $2",
            )
            .bind(user_id)
            .bind(key)
            .bind(i64::from(answer.status))
            .bind(&answer.content_type)
            .bind(&answer.body)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Releases a claimed key without an answer (the request failed on the server's side and
    /// may be tried again).
    pub async fn release_key(&self, user_id: i64, key: &str) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL",
            )
            .bind(user_id)
            .bind(key)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Forgets up to `max` (at most [`crate::gate::BULK_ROWS`]) keys claimed before `before`;
    /// answers how many went.
    pub async fn prune_keys(&self, before: DateTime<Utc>, max: i64) -> Result<u64> {
        let max = max.min(crate::gate::BULK_ROWS as i64);
        self.inner.gate.bulk().await;
        on_write!(self, |pool| {
            let done = sqlx::query(
                "DELETE FROM idempotency_keys WHERE (user_id, key) IN (SELECT user_id, key \
                 FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
            )
            .bind(to_millis(before))
            .bind(max)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        })
    }
}
