//! Starts a real server on a free port for a test: a fresh SQLite data directory, or a fresh
//! PostgreSQL schema when `BINHYEN_TEST_PG` is set for the PostgreSQL suite.

#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use server::app::Running;
use server::config::{Config, LogFormat};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub const ADMIN_PASSWORD: &str = "mat-khau-quan-tri-2026";

pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A port for a child `binhyen` process to listen on. It is chosen below the kernel's
/// ephemeral range (32768 and up on Linux), where in-process servers bound to port 0 and
/// outgoing connections take theirs, so it is not handed to someone else between this check
/// and the child's bind; then checked free.
pub fn free_port() -> u16 {
    use std::sync::atomic::AtomicU16;
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let seed = (std::process::id() as u16).wrapping_mul(7919);
    for _ in 0..2_000 {
        let step = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + seed.wrapping_add(step.wrapping_mul(101)) % 12_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between 20000 and 32000")
}

/// The reference geography the tests use: `BINHYEN_UNITS`, or `../shared/data/hanoi` beside
/// the repository.
pub fn units_dir() -> PathBuf {
    std::env::var_os("BINHYEN_UNITS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/hanoi"
            ))
        })
}

/// Which back end the API suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub data_dir: PathBuf,
    /// The DC-09 address (TCP and UDP) when started with [`TestServer::start_with_dc09`].
    pub dc09: Option<std::net::SocketAddr>,
    config: Config,
    running: Option<Running>,
}

impl TestServer {
    /// Starts a server on SQLite, or on PostgreSQL (`BINHYEN_TEST_PG`, else it panics). Always
    /// `Some`: the callers' `let Some(..) else` dates from when PostgreSQL tests skipped
    /// themselves, which reported them as passed.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_pg_schema(&pg_base()).await),
        };
        let data_dir = std::env::temp_dir().join(unique("binhyen-api"));
        std::env::set_var("BINHYEN_ADMIN_PASSWORD", ADMIN_PASSWORD);
        let config = Config {
            data_dir: data_dir.clone(),
            http: "127.0.0.1:0".parse().expect("addr"),
            dc09: vec![],
            units: units_dir(),
            database_url,
            tls: None,
            log_format: LogFormat::Text,
            kb: server::config::default_kb_dir(),
            receiver: Default::default(),
            http_limits: Default::default(),
            notify: Default::default(),
            avl: Default::default(),
        };
        Some(TestServer::launch(config).await)
    }

    async fn launch(config: Config) -> TestServer {
        let running = server::app::start(config.clone())
            .await
            .expect("server starts");
        TestServer {
            base: format!("http://{}", running.http),
            client: Client::builder().build().expect("client"),
            data_dir: config.data_dir.clone(),
            dc09: running.dc09.first().copied(),
            config,
            running: Some(running),
        }
    }

    /// Starts a server with a DC-09 listener (TCP and UDP) on a free port, with `receiver`
    /// settings (short supervision ticks for tests). On PostgreSQL the master key comes from a
    /// file, as it must for several nodes.
    pub async fn start_with_dc09(
        backend: Backend,
        receiver: server::receiver::ReceiverOptions,
    ) -> Option<TestServer> {
        TestServer::start_with_budgets(backend, receiver, Default::default()).await
    }

    /// As [`TestServer::start_with_dc09`], with the HTTP side's budget too.
    pub async fn start_with_budgets(
        backend: Backend,
        receiver: server::receiver::ReceiverOptions,
        http: server::http::HttpLimits,
    ) -> Option<TestServer> {
        TestServer::start_configured(backend, receiver, |c| c.http_limits = http).await
    }

    /// As [`TestServer::start_with_dc09`], with more of the configuration changed by `edit`.
    pub async fn start_configured(
        backend: Backend,
        mut receiver: server::receiver::ReceiverOptions,
        edit: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let mut plain = TestServer::start(backend).await?;
        let mut config = plain.config.clone();
        if let Some(r) = plain.running.take() {
            r.stop().await.expect("clean stop");
        }
        if backend == Backend::Postgres {
            std::fs::create_dir_all(&config.data_dir).expect("data dir");
            let file = config.data_dir.join("shared-master.key");
            std::fs::write(&file, "5a".repeat(32)).expect("master key file");
            receiver.master_key_file = Some(file);
        }
        config.dc09 = vec!["127.0.0.1:0".parse().expect("addr")];
        config.receiver = receiver;
        edit(&mut config);
        Some(TestServer::launch(config).await)
    }

    /// Stops the server and starts a new one on the same data directory and database, as
    /// after a crash and restart (the DC-09 port may change).
    pub async fn restart(mut self) -> TestServer {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
        let mut config = self.config.clone();
        if !config.dc09.is_empty() {
            config.dc09 = vec!["127.0.0.1:0".parse().expect("addr")];
        }
        TestServer::launch(config).await
    }

    /// Another node on the same database (PostgreSQL), with its own data directory, HTTP and
    /// DC-09 ports, and the same receiver settings and master key.
    pub async fn second_node(&self) -> TestServer {
        let mut config = self.config.clone();
        config.data_dir = std::env::temp_dir().join(unique("binhyen-node"));
        config.http = "127.0.0.1:0".parse().expect("addr");
        if !config.dc09.is_empty() {
            config.dc09 = vec!["127.0.0.1:0".parse().expect("addr")];
        }
        TestServer::launch(config).await
    }

    /// The configuration the server runs with (commands run against the same database).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A second handle on the server's database, for fixtures the API does not make (e.g.
    /// records dated in the past).
    pub async fn store(&self) -> store::Store {
        let target = match &self.config.database_url {
            Some(url) => store::DbTarget::from_url(url).expect("database url"),
            None => store::DbTarget::in_data_dir(&self.data_dir),
        };
        store::Store::open(&target)
            .await
            .expect("open the database")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Signs in and returns the bearer token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), StatusCode::OK, "login as {username}");
        let body: Value = r.json().await.expect("login body");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates an account as admin and returns its token.
    pub async fn user(
        &self,
        admin: &str,
        username: &str,
        role: &str,
        unit: Option<&str>,
    ) -> String {
        let password = format!("{username}-mat-khau-dai");
        let r = self
            .post(
                admin,
                "/api/users",
                &json!({
                    "username": username, "role": role, "unit_code": unit, "password": password,
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "create {username}");
        self.login(username, &password).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_csv(&self, token: &str, path: &str, csv: &str) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

pub async fn fresh_pg_schema(base: &str) -> String {
    use sqlx::Connection;
    let schema = unique("api");
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

/// Asserts the uniform error shape and returns its code.
pub async fn error_code(r: Response, status: StatusCode) -> String {
    let answered = r.status();
    let body: Value = r.json().await.expect("error body is JSON");
    assert_eq!(answered, status, "{body}");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    // Every code is in the one table, answered with the table's status.
    let table = server::error::ErrorCode::lookup(&code);
    assert_eq!(
        table.map(|c| c.status()),
        Some(answered),
        "{code} is not in the table of error codes with status {answered}"
    );
    assert!(body["error"]["message"].is_string(), "error.message");
    code
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

/// Declares one test per back end for each `async fn name(backend: Backend)` listed; the
/// PostgreSQL ones are ignored unless asked for (`--ignored`, with `BINHYEN_TEST_PG`).
#[macro_export]
macro_rules! api_on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test]
                #[ignore = "PostgreSQL: set BINHYEN_TEST_PG and run with --ignored"]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}
