//! Accounts and sessions: users with a role (and a unit for unit officers), server-side
//! sessions for the console and bearer tokens for integrations. Only hashes of session tokens
//! and of passwords are stored.

use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::access::Role;
use serde::Serialize;
use sqlx::Row;

/// A stored account (the password hash is never serialised).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A new account; the caller hashes the password.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub password_hash: String,
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A console session, carried in a cookie.
    Cookie,
    /// A bearer token for integrations.
    Bearer,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Bearer => "bearer",
        }
    }
}

/// A live session, as found by its token hash.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub kind: SessionKind,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const USER_COLUMNS: &str =
    "id, username, display_name, role, unit_code, password_hash, disabled, created_at";

fn user_from_row<R: Row>(row: &R) -> Result<User>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or(StoreError::Corrupt {
            what: "users.role",
            detail: role,
        })?,
        unit_code: row.try_get("unit_code")?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

impl Store {
    /// Creates an account. A taken username is a [`StoreError::Conflict`].
    pub async fn create_user(
        &self,
        new: &NewUser,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<User> {
        let user = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(&format!(
                "INSERT INTO users (username, display_name, role, unit_code, password_hash, \
                 disabled, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING {USER_COLUMNS}"
            ))
            .bind(&new.username)
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(&new.unit_code)
            .bind(&new.password_hash)
            .bind(to_millis(now))
            .fetch_one(&mut *tx)
            .await?;
            let user = user_from_row(&row)?;
            let entry = AuditEntry {
                action: "user.create".into(),
                object_type: "user".into(),
                object_id: user.id.to_string(),
                unit_code: user.unit_code.clone(),
                summary: serde_json::json!({
                    "after": {"username": user.username, "role": user.role, "unit_code": user.unit_code}
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "user.created",
                user.unit_code.clone(),
                Vec::new(),
                serde_json::json!({"id": user.id, "username": user.username, "role": user.role}),
                now
            );
            tx.commit().await?;
            (user, change)
        });
        let (user, change) = user;
        self.publish(change);
        Ok(user)
    }

    /// Finds an account by username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
            ))
            .bind(username)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    /// Lists every account, by username.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {USER_COLUMNS} FROM users ORDER BY username"
            ))
            .fetch_all(pool)
            .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// How many accounts exist (the first start creates `admin` when there are none).
    pub async fn count_users(&self) -> Result<i64> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Stores a new session under the hash of its token.
    pub async fn create_session(
        &self,
        user: &User,
        kind: SessionKind,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user.id)
            .bind(kind.as_str())
            .bind(to_millis(now))
            .bind(to_millis(expires_at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live (unexpired, unrevoked) session with this token hash and its enabled user.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>> {
        on_read!(self, |pool| {
            let row = sqlx::query(
                "SELECT s.kind AS s_kind, s.created_at AS s_created, s.expires_at AS s_expires, \
                 u.id, u.username, u.display_name, u.role, u.unit_code, u.password_hash, \
                 u.disabled, u.created_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
                 AND u.disabled = 0",
            )
            .bind(token_hash)
            .bind(to_millis(now))
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let kind: String = row.try_get("s_kind")?;
            let session = Session {
                kind: if kind == "bearer" {
                    SessionKind::Bearer
                } else {
                    SessionKind::Cookie
                },
                created_at: from_millis(row.try_get("s_created")?),
                expires_at: from_millis(row.try_get("s_expires")?),
            };
            Ok(Some((session, user_from_row(&row)?)))
        })
    }

    /// Revokes one session (logout). Revoking an unknown token is not an error.
    pub async fn revoke_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(token_hash)
            .bind(to_millis(now))
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
