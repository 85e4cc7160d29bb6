//! The running server: shared state, the router with its middleware, start-up (database,
//! reference data, first admin account) and graceful shutdown.

use crate::auth::{self, LoginGuard};
use crate::config::Config;
use crate::error::uniform_errors;
use crate::metrics::Metrics;
use crate::{api, openapi};
use anyhow::Context as _;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use domain::units::UnitDirectory;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Actor, DbTarget, NewUser, Store};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

/// Largest request body accepted by the JSON API.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every handler shares.
pub struct AppState {
    pub store: Store,
    pub units: Arc<UnitDirectory>,
    /// Every unit's display boundary as one GeoJSON document, built once at start.
    pub boundaries: Arc<str>,
    pub metrics: Arc<Metrics>,
    /// Sign-in throttles: attempts per address, locks per account and address.
    pub login_guard: LoginGuard,
    /// Cookies carry `Secure` when the server speaks HTTPS.
    pub secure_cookies: bool,
    pub started: Instant,
    /// The citizen assistant: knowledge base, conversations and the public chat limit.
    pub assistant: Arc<crate::api::assistant::AssistantService>,
    /// The alarm receiver's shared parts: the master key that seals device keys and the
    /// device registry cache.
    pub alarms: Arc<crate::receiver::Alarms>,
    /// The incident area: public report limits, response targets, the shutdown signal that
    /// ends live-feed connections.
    pub cad: crate::api::incidents::CadState,
    /// The position writer (trackers, the field app).
    pub positions: crate::avl::PositionSink,
}

/// Request ids: a per-process random prefix and a counter, cheap and unique enough to join
/// logs with audit rows.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        RequestIds {
            prefix: auth::new_token()[..8].into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Builds the router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let api = Router::new()
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route("/api/users", get(api::users::list).post(api::users::create))
        .route("/api/units", get(api::units::list))
        .route("/api/units/{code}", get(api::units::get))
        .route("/api/units/{code}/boundary", get(api::units::boundary))
        .route("/api/units.geojson", get(api::units::all_boundaries))
        .route("/api/jurisdiction", get(api::units::jurisdiction))
        .route("/api/map/streets", get(api::units::map_streets))
        .route("/api/map/places", get(api::units::map_places))
        .route("/api/map/search", get(api::units::map_search))
        .route("/api/organisation", get(api::units::organisation))
        .route("/api/audit", get(api::audit::list))
        .route("/api/openapi.json", get(openapi::spec));
    // Areas, one line each: let api = api.merge(crate::api::<area>::routes());
    let api = api.merge(crate::api::assistant::routes());
    let api = api.merge(crate::api::facilities::routes());
    let api = api.merge(crate::api::devices::routes());
    let api = api.merge(crate::api::records::routes());
    let api = api.merge(crate::api::incidents::routes());
    let api = api.merge(crate::api::duplicates_check::routes());
    let api = api.merge(crate::api::incident_classification::routes());
    let api = api.merge(crate::api::incident_casualties::routes());
    let api = api.merge(crate::api::vocabulary::routes());
    let api = api.merge(crate::api::fire_report::routes());
    let api = api.merge(crate::api::calls::routes());
    let api = api.merge(crate::api::response_plans::routes());
    let api = api.merge(crate::api::resources::routes());
    let api = api.merge(crate::api::avl::routes());
    let api = api.merge(crate::api::incident_photos::routes());
    let api = api.merge(crate::api::feed::routes());
    let api = api.merge(crate::api::public_reports::routes());
    let api = api.merge(crate::api::accountability::routes());
    let api = api.merge(crate::api::alarm_queue::routes());
    let api = api.merge(crate::api::users::routes());
    let api = api.merge(crate::api::water_sources::routes());
    let api = api.merge(crate::api::notifications::routes());
    let api = api.merge(crate::web::routes());
    Router::new()
        .merge(api)
        .route("/healthz", get(api::health::healthz))
        .route("/readyz", get(api::health::readyz))
        .route("/metrics", get(api::health::metrics))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        .layer(middleware::from_fn(crate::hygiene::reject_nul))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(uniform_errors))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("http", method = %req.method(), uri = %req.uri(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, RequestIds::new()))
        .layer(middleware::map_request(crate::hygiene::drop_unsafe_request_id))
        .with_state(state)
}

/// Counts and times every request by route template and status. Every label comes from a
/// bounded set (standard methods or `other`, route templates or `unmatched`, status codes), so
/// clients cannot add series.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = crate::hygiene::method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    state.metrics.count(
        "binhyen_http_requests_total",
        &[("method", method), ("route", &route), ("status", &status)],
        1,
    );
    state.metrics.observe(
        "binhyen_http_request_duration_seconds",
        &[("route", &route)],
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Opens the database named by the configuration: PostgreSQL when a URL is given, otherwise
/// the embedded SQLite file in the data directory.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let target = match &config.database_url {
        Some(url) => DbTarget::from_url(url)?,
        None => {
            create_private_dir(&config.data_dir).with_context(|| {
                format!("cannot create data directory {}", config.data_dir.display())
            })?;
            DbTarget::in_data_dir(&config.data_dir)
        }
    };
    Store::open(&target)
        .await
        .context("cannot open the database")
}

/// Creates the data directory readable by the server's own user only (it holds personal
/// records, sessions and keys). An existing directory keeps the permissions its owner chose.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the `admin` account on first start: password from `BINHYEN_ADMIN_PASSWORD`, or a
/// random one, which is returned so that it can be shown once.
pub async fn ensure_admin(store: &Store) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let (password, generated) = match std::env::var("BINHYEN_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (auth::random_password(), true),
    };
    let hash = auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    store
        .create_user(
            &NewUser {
                username: "admin".into(),
                display_name: "Quản trị hệ thống".into(),
                role: domain::access::Role::Admin,
                unit_code: None,
                password_hash: hash,
            },
            &Actor::system("first-start"),
            chrono::Utc::now(),
        )
        .await?;
    if generated {
        tracing::info!("created account 'admin' with a generated password");
        Ok(Some(password))
    } else {
        tracing::info!("created account 'admin' with the password from BINHYEN_ADMIN_PASSWORD");
        Ok(None)
    }
}

/// The block printed when the server is ready: where the console is, where alarms are received
/// and, on the first start only, the generated `admin` password (printed once, on purpose, so
/// that the first person can sign in).
pub fn welcome(running: &Running, https: bool) -> String {
    let scheme = if https { "https" } else { "http" };
    let host = match running.http.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let mut lines = vec![
        format!("Bình Yên {} is running", env!("CARGO_PKG_VERSION")),
        format!("Console:  {scheme}://{host}:{}/", running.http.port()),
    ];
    for addr in &running.dc09 {
        lines.push(format!("DC-09:    {addr} (TCP and UDP)"));
    }
    if let Some(password) = &running.first_admin_password {
        lines.push(format!("Sign in:  admin / {password}"));
        lines.push("This password is shown only now: sign in and change it.".into());
        lines.push("(Set BINHYEN_ADMIN_PASSWORD before the first start to choose it.)".into());
    }
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let rule = "─".repeat(width + 2);
    let mut out = format!("┌{rule}┐\n");
    for line in &lines {
        let pad = width - line.chars().count();
        out.push_str(&format!("│ {line}{} │\n", " ".repeat(pad)));
    }
    out.push_str(&format!("└{rule}┘"));
    out
}

/// A server that is listening.
pub struct Running {
    /// The HTTP address actually bound (useful with port 0).
    pub http: SocketAddr,
    /// The DC-09 addresses actually bound (TCP and UDP on each).
    pub dc09: Vec<SocketAddr>,
    /// The `admin` password generated on this first start, to be shown once.
    pub first_admin_password: Option<String>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Asks the server to stop and waits until in-flight requests are done and the database
    /// is closed.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.task.await.context("server task panicked")?
    }

    /// Waits for the server to end (after a signal).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")?
    }

    /// A handle that stops the server when `true` is sent.
    pub fn shutdown_handle(&self) -> tokio::sync::watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Loads everything and starts listening; returns once the sockets are bound.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    open_files_budget(&config);
    let units = UnitDirectory::load(&config.units).with_context(|| {
        format!(
            "cannot load reference geography from {} (pass --units DIR with units.csv and \
             units.geojson)",
            config.units.display()
        )
    })?;
    tracing::info!(units = units.len(), province = %units.province().name, "reference geography loaded");
    let streets = units.gazetteer().stats();
    if streets.streets == 0 {
        tracing::warn!(
            folder = %config.units.display(),
            "street lookup is off: no streets.csv in the units folder; addresses resolve by unit names only"
        );
    } else {
        tracing::info!(
            streets = streets.streets,
            with_lines = streets.streets_with_lines,
            places = streets.places,
            "street and place gazetteer loaded"
        );
    }
    let units = Arc::new(units);
    let assistant = crate::api::assistant::AssistantService::load(&config.kb, units.clone())?;
    let store = open_store(&config).await?;
    let first_admin_password = ensure_admin(&store).await?;
    crate::api::response_plans::install(&store, &config.data_dir).await?;
    let alarms =
        Arc::new(crate::receiver::Alarms::open(&store, &config.data_dir, &config.receiver).await?);
    let metrics = Arc::new(Metrics::default());
    let receiver = crate::receiver::start(
        &alarms,
        store.clone(),
        metrics.clone(),
        &config.dc09,
        config.receiver.clone(),
    )
    .await?;
    let dc09 = receiver.addrs.clone();
    let (shutdown, stop) = tokio::sync::watch::channel(false);
    let positions = crate::avl::PositionSink::start(
        store.clone(),
        config.avl.clone(),
        metrics.clone(),
        shutdown.subscribe(),
    );
    let state = Arc::new(AppState {
        store: store.clone(),
        boundaries: units
            .feature_collection(&domain::units::DisplayOptions::default())
            .to_string()
            .into(),
        units,
        metrics,
        login_guard: LoginGuard::default(),
        secure_cookies: config.tls.is_some(),
        started: Instant::now(),
        assistant: Arc::new(assistant),
        alarms,
        cad: crate::api::incidents::CadState::new(shutdown.subscribe()),
        positions,
    });
    describe_metrics(&state.metrics);
    let listener = tokio::net::TcpListener::bind(config.http)
        .await
        .with_context(|| format!("cannot listen on {}", config.http))?;
    let http = listener.local_addr()?;
    crate::api::assistant::spawn_upkeep(state.clone(), shutdown.subscribe());
    crate::api::incidents::spawn_overdue_timer(state.clone(), shutdown.subscribe());
    crate::api::accountability::spawn_overdue_watch(
        state.clone(),
        Duration::from_secs(60),
        shutdown.subscribe(),
    );
    crate::api::alarm_queue::spawn_escalation_watch(
        state.clone(),
        config.receiver.alarm_escalate,
        shutdown.subscribe(),
    );
    crate::notify::Notifier::new(store.clone(), config.notify.clone(), state.metrics.clone())?
        .spawn(shutdown.subscribe());
    let app = router(state);
    let tls = match &config.tls {
        Some((cert, key)) => Some(crate::tls::load(cert, key)?),
        None => None,
    };
    let http_limits = config.http_limits.clone();
    let task = tokio::spawn(async move {
        crate::http::serve(listener, tls, app, http_limits, stop)
            .await
            .context("http server failed")?;
        receiver.stop().await;
        store.close().await;
        tracing::info!("stopped; database closed");
        Ok(())
    });
    tracing::info!(%http, https = config.tls.is_some(), "listening for HTTP");
    Ok(Running {
        http,
        dc09,
        first_admin_password,
        shutdown,
        task,
    })
}

/// Raises the open-file limit and says whether it covers both connection budgets (each
/// connection is a file descriptor; the database, logs and the rest need some more).
fn open_files_budget(config: &Config) {
    let needed = (config.http_limits.max_connections
        + if config.dc09.is_empty() {
            0
        } else {
            config.receiver.max_connections
        }
        + 256) as u64;
    match crate::http::raise_open_files_limit() {
        Ok((before, soft, hard)) => {
            tracing::info!(
                soft_before = before,
                soft,
                hard,
                "open-file limit raised to the hard limit"
            );
            if soft < needed {
                tracing::warn!(
                    soft,
                    needed,
                    "the open-file limit is below the HTTP and DC-09 connection limits; raise \
                     LimitNOFILE (systemd) or lower --http-max-connections/--dc09-max-connections"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read or raise the open-file limit"),
    }
}

fn describe_metrics(m: &Metrics) {
    m.describe(
        "binhyen_http_requests_total",
        "HTTP requests by method, route and status.",
    );
    m.describe(
        "binhyen_http_request_duration_seconds",
        "HTTP request latency by route.",
    );
    m.describe("binhyen_logins_total", "Sign-in attempts by result.");
    m.describe(
        "binhyen_login_guard_entries",
        "Entries in the sign-in throttles (addresses, account-and-address locks); bounded.",
    );
}
