//! Opening the database: SQLite pools (one writer, several readers) or a PostgreSQL pool, the
//! migrations for each, and the macros that run one body of portable SQL on either back end.
//!
//! The SQLite files (database, WAL, shared memory, backups) hold personal records, sessions
//! and sealed keys: they are created readable and writable by the owner only (0600), and a
//! directory created for them is 0700.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// An SQLite file, created on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL URL, `postgres://…`.
    Postgres(String),
}

impl DbTarget {
    /// The SQLite file inside a data directory (the embedded default).
    pub fn in_data_dir(dir: &Path) -> DbTarget {
        DbTarget::Sqlite(dir.join("binhyen.db"))
    }

    /// Parses a `--database-url`: `postgres://…`, `postgresql://…` or `sqlite://PATH`.
    pub fn from_url(url: &str) -> Result<DbTarget> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbTarget::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(DbTarget::Sqlite(PathBuf::from(path)))
        } else {
            Err(StoreError::InvalidTarget(format!(
                "unsupported database url (expected postgres://… or sqlite://PATH): {}",
                mask_url(url)
            )))
        }
    }
}

/// The URL with any password replaced by `***`, for logs.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Which back end a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// Shared PostgreSQL.
    Postgres,
}

pub(crate) enum Db {
    Sqlite {
        /// One connection: SQLite has one writer at a time, and queueing here is cheaper than
        /// retrying on `SQLITE_BUSY`.
        write: SqlitePool,
        /// Readers never block the writer in WAL mode.
        read: SqlitePool,
        /// Copies the WAL into the database beside the writer (see [`checkpoint_loop`]).
        checkpointer: Arc<SqlitePool>,
        path: PathBuf,
    },
    Postgres {
        pool: PgPool,
        /// The receiver's group commit has connections of its own, so that imports and a busy
        /// API, however many connections they hold, never make an alarm wait for one.
        alarm: PgPool,
        /// The NOTIFY channel, named after the schema so that two deployments (or two test
        /// runs) sharing one database never see each other's changes.
        channel: String,
    },
}

impl Db {
    pub(crate) async fn connect(target: &DbTarget) -> Result<Db> {
        match target {
            DbTarget::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    create_private_dir(parent).map_err(|e| {
                        StoreError::InvalidTarget(format!("{}: {e}", parent.display()))
                    })?;
                }
                // SQLite gives the WAL and shared-memory files the mode of the database file.
                private_sqlite_files(path)
                    .map_err(|e| StoreError::InvalidTarget(format!("{}: {e}", path.display())))?;
                let base = SqliteConnectOptions::new()
                    .filename(path)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    // Statement journals of big multi-row statements stay in memory instead
                    // of spilling to a temporary file on every receiver commit.
                    .pragma("temp_store", "memory")
                    .foreign_keys(true);
                // Copying the WAL into the database (and its fsync) would sit on the commit
                // path of whatever write came next, an alarm's included: a checkpointer
                // connection does it in the background instead. The writer checkpoints only
                // past a larger WAL, by which time nearly everything is already copied, and
                // that lets the WAL start over (a passive checkpoint never takes the write
                // lock, so it cannot make a write transaction fail with SQLITE_BUSY).
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    // A local file needs no liveness ping before each transaction: that was
                    // one more round trip to the connection's thread on every commit.
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(
                        base.clone()
                            .create_if_missing(true)
                            .pragma("wal_autocheckpoint", "4096")
                            // A WAL that grew under a burst shrinks back when it restarts.
                            .pragma("journal_size_limit", "67108864"),
                    )
                    .await?;
                let read = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(base.clone().read_only(true))
                    .await?;
                let checkpointer = Arc::new(
                    SqlitePoolOptions::new()
                        .max_connections(1)
                        .connect_with(base)
                        .await?,
                );
                tokio::spawn(checkpoint_loop(Arc::downgrade(&checkpointer)));
                Ok(Db::Sqlite {
                    write,
                    read,
                    checkpointer,
                    path: path.clone(),
                })
            }
            DbTarget::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::InvalidTarget(format!("{}: {e}", mask_url(url))))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options.clone())
                    .await?;
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(&pool)
                    .await?;
                let channel = format!("binhyen_changes_{schema}");
                // One commit runs at a time; the second connection stands by for a retry.
                let alarm = PgPoolOptions::new()
                    .max_connections(2)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?;
                Ok(Db::Postgres {
                    pool,
                    alarm,
                    channel,
                })
            }
        }
    }

    pub(crate) async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            // sqlx takes an advisory lock on PostgreSQL: nodes starting together migrate once.
            Db::Postgres { pool, .. } => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// The NOTIFY channel of a PostgreSQL store.
    pub(crate) fn channel(&self) -> Option<&str> {
        match self {
            Db::Sqlite { .. } => None,
            Db::Postgres { channel, .. } => Some(channel),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Db::Sqlite {
                write,
                read,
                checkpointer,
                ..
            } => {
                read.close().await;
                checkpointer.close().await;
                write.close().await;
            }
            Db::Postgres { pool, alarm, .. } => {
                alarm.close().await;
                pool.close().await;
            }
        }
    }

    pub(crate) async fn backup_to(&self, to: &Path) -> Result<()> {
        match self {
            Db::Sqlite { read, path, .. } => {
                if to.exists() {
                    return Err(StoreError::InvalidTarget(format!(
                        "{} already exists; choose a new file",
                        to.display()
                    )));
                }
                if to == path {
                    return Err(StoreError::InvalidTarget(
                        "the backup must not overwrite the live database".into(),
                    ));
                }
                let name = to.to_str().ok_or_else(|| {
                    StoreError::InvalidTarget(format!("{} is not valid UTF-8", to.display()))
                })?;
                // VACUUM INTO writes into an empty file: created here, owner-only, so the copy
                // is never readable by others, not even while it is written.
                create_private_file(to)
                    .map_err(|e| StoreError::InvalidTarget(format!("{}: {e}", to.display())))?;
                // VACUUM INTO reads one snapshot: a consistent copy while writers go on.
                if let Err(e) = sqlx::query("VACUUM INTO $1").bind(name).execute(read).await {
                    let _ = std::fs::remove_file(to);
                    return Err(e.into());
                }
                Ok(())
            }
            Db::Postgres { .. } => Err(StoreError::Unsupported(
                "back up PostgreSQL with pg_dump or pg_basebackup (see docs/operations.md)",
            )),
        }
    }
}

/// Creates `dir` (and its missing parents) with mode 0700. An existing directory keeps the
/// permissions its owner chose.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates a new, empty file readable and writable by the owner only; fails when it exists.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Makes the database file (created empty here when missing) and any WAL or shared-memory file
/// beside it owner-only: files an older version left group- or world-readable are tightened.
fn private_sqlite_files(path: &Path) -> std::io::Result<()> {
    match create_private_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut names = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            names.push(PathBuf::from(name));
        }
        for name in names {
            match std::fs::metadata(&name) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600))?;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// How often the checkpointer looks at the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

/// Checkpoints the SQLite WAL in the background until the store is dropped or closed.
///
/// A passive checkpoint copies committed pages into the database file without blocking the
/// writer or the readers.
async fn checkpoint_loop(pool: Weak<SqlitePool>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(pool) = pool.upgrade() else { return };
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&*pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "SQLite checkpoint failed");
        }
    }
}

/// Runs `$body` with `$pool` bound to the pool that writes: the single SQLite writer or the
/// PostgreSQL pool. The body is compiled once per back end, so it must be portable SQL.
macro_rules! on_write {
    ($store:expr, |$pool:ident| $body:block) => {
        match &$store.inner.db {
            $crate::db::Db::Sqlite { write: $pool, .. } => $body,
            $crate::db::Db::Postgres { pool: $pool, .. } => $body,
        }
    };
}

/// Like [`on_write!`], with the SQLite read pool (readers run beside the writer in WAL mode).
macro_rules! on_read {
    ($store:expr, |$pool:ident| $body:block) => {
        match &$store.inner.db {
            $crate::db::Db::Sqlite { read: $pool, .. } => $body,
            $crate::db::Db::Postgres { pool: $pool, .. } => $body,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn database_wal_and_backup_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        let root = std::env::temp_dir().join(format!(
            "binhyen-modes-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        let dir = root.join("data");
        let path = dir.join("binhyen.db");
        let db = Db::connect(&DbTarget::Sqlite(path.clone())).await.unwrap();
        db.migrate().await.unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.join("binhyen.db-wal")), 0o600);
        assert_eq!(mode(&dir.join("binhyen.db-shm")), 0o600);
        let backup = dir.join("copy.db");
        db.backup_to(&backup).await.unwrap();
        assert_eq!(mode(&backup), 0o600);
        db.close().await;

        // Files an older version left world-readable are tightened on open.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let db = Db::connect(&DbTarget::Sqlite(path.clone())).await.unwrap();
        assert_eq!(mode(&path), 0o600);
        db.close().await;
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn urls_are_parsed_and_masked() {
        assert_eq!(
            DbTarget::from_url("postgres://u:secret@h/db").unwrap(),
            DbTarget::Postgres("postgres://u:secret@h/db".into())
        );
        assert_eq!(
            DbTarget::from_url("sqlite:///tmp/x.db").unwrap(),
            DbTarget::Sqlite("/tmp/x.db".into())
        );
        let err = DbTarget::from_url("mysql://u:secret@h/db").unwrap_err();
        assert!(!err.to_string().contains("secret"));
        assert_eq!(
            mask_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(mask_url("postgres://h/db"), "postgres://h/db");
    }
}
