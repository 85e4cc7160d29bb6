//! Opens a fresh store for a test: a new SQLite file, or a new schema in the PostgreSQL
//! database named by `BINHYEN_TEST_PG` (so runs never see each other's data).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use store::{DbTarget, Store};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique name for this process and call.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A new SQLite store in a temporary directory (kept alive by the returned guard).
pub async fn sqlite() -> (Store, TempDir) {
    let dir = TempDir::new();
    let store = Store::open(&DbTarget::Sqlite(dir.path.join("test.db")))
        .await
        .expect("open sqlite");
    (store, dir)
}

/// The PostgreSQL server of the tests. The PostgreSQL tests are `#[ignore]`d, so that a plain
/// `cargo test` reports them as ignored rather than as passed; asked for with `--ignored`
/// without `BINHYEN_TEST_PG` they fail and say why.
pub fn pg_base() -> String {
    std::env::var("BINHYEN_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("BINHYEN_TEST_PG is not set: the PostgreSQL tests need a database URL")
}

/// A URL for a brand-new schema in the test database.
pub async fn fresh_pg_schema(base: &str) -> String {
    use sqlx::Connection;
    let schema = unique("t");
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connect postgres");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// A new PostgreSQL store in a fresh schema.
pub async fn postgres(base: &str) -> Store {
    let url = fresh_pg_schema(base).await;
    Store::open(&DbTarget::Postgres(url))
        .await
        .expect("open postgres")
}

/// A temporary directory removed on drop.
pub struct TempDir {
    pub path: std::path::PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(unique("binhyen"));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Declares one test per back end for each `async fn name(store: Store)` listed; the
/// PostgreSQL ones are ignored unless asked for (`--ignored`, with `BINHYEN_TEST_PG`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _dir) = $crate::common::sqlite().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test]
                #[ignore = "PostgreSQL: set BINHYEN_TEST_PG and run with --ignored"]
                async fn $name() {
                    let store = $crate::common::postgres(&$crate::common::pg_base()).await;
                    super::$name(store).await;
                }
            )*
        }
    };
}
