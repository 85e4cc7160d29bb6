//! The audit trail: who did what, when, to which object, with a before/after summary.
//!
//! Rows are appended in the same transaction as the write they describe, and never updated or
//! deleted (triggers in both back ends refuse it).

use crate::{from_millis, Result, Store};
use serde::Serialize;
use sqlx::Row;

/// Who is acting: a signed-in user, or the system itself (the alarm receiver, the supervisor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id; `None` for the system.
    pub user_id: Option<i64>,
    /// The user's name, or a name for the system part (e.g. `system:receiver`).
    pub name: String,
    /// The HTTP request id, to join audit rows with logs.
    pub request_id: Option<String>,
}

impl Actor {
    /// A part of the system acting on its own.
    pub fn system(part: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("system:{part}"),
            request_id: None,
        }
    }
}

/// What an audited write did.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The action, e.g. `user.create`, `incident.transition`.
    pub action: String,
    /// The object's kind, e.g. `user`.
    pub object_type: String,
    /// The object's id.
    pub object_id: String,
    /// The unit the object belongs to, when it belongs to one.
    pub unit_code: Option<String>,
    /// A before/after summary (never secrets).
    pub summary: serde_json::Value,
}

/// One audit row as read back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub unit_code: Option<String>,
    /// A before/after summary of the change (never secrets); its keys depend on `action`.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    pub request_id: Option<String>,
}

/// Which audit rows to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor_id: Option<i64>,
    /// Only rows with an id below this one (for paging backwards).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Appends an audit row inside the open transaction `$tx`.
macro_rules! insert_audit {
    ($tx:expr, $actor:expr, $entry:expr, $at:expr) => {{
        let actor: &$crate::Actor = $actor;
        let entry: &$crate::AuditEntry = $entry;
        sqlx::query(
            "INSERT INTO audit (at, actor_id, actor_name, action, object_type, object_id, \
             unit_code, summary, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($crate::to_millis($at))
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(&entry.action)
        .bind(&entry.object_type)
        .bind(&entry.object_id)
        .bind(&entry.unit_code)
        .bind(entry.summary.to_string())
        .bind(&actor.request_id)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    /// Appends one audit row on its own (for actions that write nothing else, such as reading
    /// a person's full record).
    pub async fn append_audit(
        &self,
        actor: &Actor,
        entry: &AuditEntry,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            insert_audit!(tx, actor, entry, at);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Appends an audit row and a change that record nothing else: an announcement to the
    /// consoles, such as a call for backup from the scene (its note is written before).
    pub async fn announce(
        &self,
        actor: &Actor,
        entry: &AuditEntry,
        shared_with: Vec<String>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::Change> {
        let change = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            insert_audit!(tx, actor, entry, at);
            let change = insert_change!(
                self,
                tx,
                entry.action.clone(),
                entry.unit_code.clone(),
                shared_with,
                entry.summary.clone(),
                at
            );
            tx.commit().await?;
            change
        });
        self.publish(change.clone());
        Ok(change)
    }

    /// Lists audit rows, newest first.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let limit = filter.limit.clamp(1, 1000);
        let rows = on_read!(self, |pool| {
            sqlx::query(
                "SELECT id, at, actor_id, actor_name, action, object_type, object_id, unit_code, \
                 summary, request_id FROM audit \
                 WHERE ($1 IS NULL OR object_type = $1) AND ($2 IS NULL OR object_id = $2) \
                 AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR id < $4) \
                 ORDER BY id DESC LIMIT $5",
            )
            .bind(&filter.object_type)
            .bind(&filter.object_id)
            .bind(filter.actor_id)
            .bind(filter.before_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| {
                let summary: String = row.try_get("summary")?;
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: from_millis(row.try_get("at")?),
                    actor_id: row.try_get("actor_id")?,
                    actor_name: row.try_get("actor_name")?,
                    action: row.try_get("action")?,
                    object_type: row.try_get("object_type")?,
                    object_id: row.try_get("object_id")?,
                    unit_code: row.try_get("unit_code")?,
                    summary: serde_json::from_str(&summary)
                        .unwrap_or(serde_json::Value::String(summary)),
                    request_id: row.try_get("request_id")?,
                })
            })
            .collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }
}
