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
    /// The confirmed 2-step (TOTP) secret as stored: sealed or plain, see migration 0011.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// A TOTP secret handed out at enrolment and not yet confirmed by a first code.
    #[serde(skip)]
    pub totp_pending: Option<String>,
}

impl User {
    /// Whether sign-in asks this account for a 2-step code.
    pub fn totp_enabled(&self) -> bool {
        self.totp_secret.is_some()
    }
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

/// A change to an existing account, written with its audit row in one transaction.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// A new password hash (`by_admin`: a reset rather than the owner's change). Every session
    /// and known device of the account is revoked, except the session `keep_session` (the one
    /// that changed its own password).
    Password {
        hash: String,
        keep_session: Option<String>,
        by_admin: bool,
    },
    /// The account can no longer sign in, and its sessions end at once.
    Disable,
    /// The account can sign in again (its old sessions stay revoked).
    Enable,
    /// Every session and known device of the account is revoked.
    RevokeSessions,
    /// The pending TOTP secret becomes the account's; `step` is the 30-second step of the
    /// first code that confirmed it, which cannot sign in again.
    ConfirmTotp { step: i64 },
    /// The account's TOTP secret is removed (a lost phone); sign-in asks for the password only.
    ClearTotp,
    /// The account's name, role and unit. A change of role or unit ends its sessions (what it
    /// may see changes), and a unit officer moved to another unit stops being its old unit's
    /// chief.
    Assignment {
        display_name: String,
        role: Role,
        unit_code: Option<String>,
    },
}

impl AccountChange {
    fn action(&self) -> &'static str {
        match self {
            AccountChange::Password { by_admin: true, .. } => "user.password_reset",
            AccountChange::Password { .. } => "user.password_change",
            AccountChange::Disable => "user.disable",
            AccountChange::Enable => "user.enable",
            AccountChange::RevokeSessions => "user.sessions_revoke",
            AccountChange::ConfirmTotp { .. } => "user.totp_enable",
            AccountChange::ClearTotp => "user.totp_clear",
            AccountChange::Assignment { .. } => "user.assignment",
        }
    }

    /// Whether the change ends the sessions of the account as it was (`before`).
    fn revokes_sessions(&self, before: &User) -> bool {
        match self {
            AccountChange::Password { .. }
            | AccountChange::Disable
            | AccountChange::RevokeSessions => true,
            AccountChange::Assignment {
                role, unit_code, ..
            } => *role != before.role || *unit_code != before.unit_code,
            AccountChange::Enable
            | AccountChange::ConfirmTotp { .. }
            | AccountChange::ClearTotp => false,
        }
    }
}

/// Known devices kept per account: the newest ones.
pub const KNOWN_DEVICES_PER_USER: i64 = 20;

/// What [`Store::change_account`] did.
#[derive(Debug, Clone)]
pub struct AccountChanged {
    /// The account after the change.
    pub user: User,
    /// How many live sessions were revoked.
    pub sessions_revoked: u64,
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

const USER_COLUMNS: &str = "id, username, display_name, role, unit_code, password_hash, disabled, \
     created_at, totp_secret, totp_pending";

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
        totp_secret: row.try_get("totp_secret")?,
        totp_pending: row.try_get("totp_pending")?,
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
                 u.disabled, u.created_at, u.totp_secret, u.totp_pending \
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

    /// Finds an account by id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    /// Applies `change` to account `user_id` and audits it in the same transaction. An
    /// unknown account is [`StoreError::NotFound`]; confirming TOTP with nothing pending is a
    /// [`StoreError::Conflict`].
    pub async fn change_account(
        &self,
        user_id: i64,
        change: &AccountChange,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<AccountChanged> {
        let at = to_millis(now);
        let (changed, feed) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let before = row
                .as_ref()
                .map(user_from_row)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound {
                    what: "user",
                    id: user_id.to_string(),
                })?;
            match change {
                AccountChange::Password { hash, .. } => {
                    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                        .bind(user_id)
                        .bind(hash)
                        .execute(&mut *tx)
                        .await?;
                }
                AccountChange::Disable | AccountChange::Enable => {
                    let disabled = i64::from(matches!(change, AccountChange::Disable));
                    sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                        .bind(user_id)
                        .bind(disabled)
                        .execute(&mut *tx)
                        .await?;
                }
                AccountChange::RevokeSessions => {}
                AccountChange::ConfirmTotp { step } => {
                    if before.totp_pending.is_none() {
                        return Err(StoreError::Conflict(
                            "no 2-step enrolment is pending".into(),
                        ));
                    }
                    sqlx::query(
                        "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, \
                         totp_last_step = $2 WHERE id = $1",
                    )
                    .bind(user_id)
                    .bind(step)
                    .execute(&mut *tx)
                    .await?;
                }
                AccountChange::ClearTotp => {
                    sqlx::query(
                        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, \
                         totp_last_step = NULL WHERE id = $1",
                    )
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                }
                AccountChange::Assignment {
                    display_name,
                    role,
                    unit_code,
                } => {
                    sqlx::query(
                        "UPDATE users SET display_name = $2, role = $3, unit_code = $4 \
                         WHERE id = $1",
                    )
                    .bind(user_id)
                    .bind(display_name)
                    .bind(role.as_str())
                    .bind(unit_code)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(unit) = unit_code {
                        sqlx::query(
                            "DELETE FROM unit_chiefs WHERE user_id = $1 AND unit_code <> $2",
                        )
                        .bind(user_id)
                        .bind(unit)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            let mut sessions_revoked = 0;
            if change.revokes_sessions(&before) {
                let keep = match change {
                    AccountChange::Password { keep_session, .. } => keep_session.clone(),
                    _ => None,
                };
                sessions_revoked = sqlx::query(
                    "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 \
                     AND revoked_at IS NULL AND expires_at > $2 \
                     AND ($3 IS NULL OR token_hash <> $3)",
                )
                .bind(user_id)
                .bind(at)
                .bind(keep)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM known_devices WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            let user = user_from_row(&row)?;
            let entry = AuditEntry {
                action: change.action().into(),
                object_type: "user".into(),
                object_id: user.id.to_string(),
                unit_code: user.unit_code.clone(),
                // Never the hash or the secret: only what an auditor needs.
                summary: serde_json::json!({
                    "username": user.username,
                    "before": {"disabled": before.disabled, "totp": before.totp_enabled(),
                               "display_name": before.display_name, "role": before.role,
                               "unit_code": before.unit_code},
                    "after": {"disabled": user.disabled, "totp": user.totp_enabled(),
                              "display_name": user.display_name, "role": user.role,
                              "unit_code": user.unit_code},
                    "sessions_revoked": sessions_revoked,
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let feed = insert_change!(
                self,
                tx,
                "user.changed",
                user.unit_code.clone(),
                Vec::new(),
                serde_json::json!({"id": user.id, "username": user.username,
                                   "disabled": user.disabled, "action": change.action()}),
                now
            );
            tx.commit().await?;
            (
                AccountChanged {
                    user,
                    sessions_revoked,
                },
                feed,
            )
        });
        self.publish(feed);
        Ok(changed)
    }

    /// Keeps a TOTP secret handed out at enrolment (already sealed by the caller) until a
    /// first code confirms it. A new enrolment replaces an unconfirmed one.
    pub async fn set_totp_pending(&self, user_id: i64, stored_secret: &str) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE users SET totp_pending = $2 WHERE id = $1")
                .bind(user_id)
                .bind(stored_secret)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records that the code of 30-second `step` signed in to the account: `false` when that
    /// step (or a later one) was already used, so that each code works once, on every node.
    pub async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let done = on_write!(self, |pool| {
            sqlx::query(
                "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
                 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(user_id)
            .bind(step)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Remembers a browser that signed in to the account, under the hash of its cookie, and
    /// forgets the account's expired ones and all but the newest [`KNOWN_DEVICES_PER_USER`].
    pub async fn add_known_device(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM known_devices WHERE user_id = $1 AND expires_at <= $2")
                .bind(user_id)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO known_devices (token_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(to_millis(now))
            .bind(to_millis(expires_at))
            .execute(&mut *tx)
            .await?;
            // An integration that signs in without keeping cookies would add one per sign-in.
            sqlx::query(
                "DELETE FROM known_devices WHERE user_id = $1 AND token_hash NOT IN \
                 (SELECT token_hash FROM known_devices WHERE user_id = $1 \
                  ORDER BY created_at DESC, token_hash LIMIT $2)",
            )
            .bind(user_id)
            .bind(KNOWN_DEVICES_PER_USER)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The account a known device's cookie (by its hash) belongs to, while it is valid.
    pub async fn known_device_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT user_id FROM known_devices WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(to_millis(now))
            .fetch_optional(pool)
            .await?)
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
