//! Operational limits: slow live-feed clients, backups that restore to a working receiver,
//! file permissions, and the OpenAPI document a schema-driven fuzzer relies on.

use crate::common;

use common::{Backend, TestServer};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::Message;

/// How long a change, a drop or a release may take.
const WAIT: Duration = Duration::from_secs(20);

fn feed_request(s: &TestServer, token: &str) -> Request {
    let url = format!("{}/api/feed", s.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    request
}

/// The value of an unlabelled counter on `/metrics` (0 before it is first counted).
async fn counter(s: &TestServer, name: &str) -> u64 {
    let text = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

/// 50 facilities (a small import announces each one on the feed) of about 20 KB each.
fn bulky_facilities(batch: usize) -> String {
    let long = "ệ".repeat(2000);
    let mut csv = String::from("name,address,kind,unit_code,hazards,water_sources,access_notes\n");
    for n in 0..50 {
        let _ = writeln!(
            csv,
            "Kho {batch}-{n},Số {n} phố Thử,warehouse,00004,{long},{long},{long}"
        );
    }
    csv
}

// Issue #20, item 9: a client that never reads is dropped with a bounded queue while a
// reading client on the same account keeps receiving.
async fn a_client_that_never_reads_is_dropped_while_a_reader_keeps_up(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;

    // The laggard: a tiny receive window, and it never reads after the handshake.
    let addr = s.base.trim_start_matches("http://").to_owned();
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(4096)
        .expect("small receive buffer");
    let stream = tcp
        .connect(addr.parse().expect("address"))
        .await
        .expect("connect");
    let (mut laggard, response) = tokio_tungstenite::client_async(feed_request(&s, &admin), stream)
        .await
        .expect("laggard's upgrade");
    assert_eq!(response.status(), 101);

    // The reader counts what it receives until it sees the marker incident.
    let (reader, _) = tokio_tungstenite::connect_async(feed_request(&s, &admin))
        .await
        .expect("reader's upgrade");
    let reading = tokio::spawn(async move {
        let mut reader = reader;
        let mut facilities = 0u64;
        let mut lagged = false;
        while let Ok(Some(Ok(message))) = tokio::time::timeout(WAIT * 3, reader.next()).await {
            let Message::Text(text) = message else {
                continue;
            };
            let change: Value = serde_json::from_str(text.as_str()).expect("JSON message");
            if change["type"] == "lagged" {
                lagged = true;
            }
            if change["kind"] == "facility.created" {
                facilities += 1;
            }
            if change["kind"] == "incident.created" {
                return (facilities, lagged, true);
            }
        }
        (facilities, lagged, false)
    });

    let mut sent = 0u64;
    for batch in 0..20 {
        let r = s
            .post_csv(&admin, "/api/facilities/import", &bulky_facilities(batch))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        sent += 50;
        if counter(&s, "binhyen_feed_laggards_total").await >= 1 {
            break;
        }
    }
    // A full queue counts as lagging once it has stayed full for a while: on a fast machine
    // every batch may be sent before that.
    let deadline = std::time::Instant::now() + WAIT;
    while counter(&s, "binhyen_feed_laggards_total").await == 0
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        counter(&s, "binhyen_feed_laggards_total").await,
        1,
        "exactly the client that does not read is a laggard ({sent} changes sent)"
    );

    // The reader still receives live changes.
    let r = s
        .post(
            &admin,
            "/api/incidents",
            &json!({"kind": "public_order", "description": "Tụ tập gây rối",
                    "unit_code": "00004", "address": "Số 1 phố Thử",
                    "caller_phone": "0912345678"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (facilities, reader_lagged, got_marker) = reading.await.expect("reader task");
    assert!(
        got_marker,
        "the reader receives the change made after the drop"
    );
    assert!(!reader_lagged, "the reader never lags");
    assert_eq!(facilities, sent, "the reader received every change");

    // The laggard, when it reads at last, finds its connection ended, short of the changes.
    let mut received = 0u64;
    let ended = tokio::time::timeout(WAIT, async {
        loop {
            match laggard.next().await {
                Some(Ok(Message::Text(text))) => {
                    let change: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    if change["kind"] == "facility.created" {
                        received += 1;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the laggard's connection was ended by the server"
    );
    assert!(
        received < sent,
        "the laggard was cut off ({received} of {sent} changes)"
    );
    s.stop().await;
}

// Issue #20, item 9: an account holds a bounded number of feed connections; one more is
// refused with 429 and a code, over WebSocket and SSE, and a closed one frees its place.
async fn feed_connections_per_account_are_capped(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "dieu_phoi_cap", "operator", None).await;
    let cap = server::api::feed::CONNECTIONS_PER_ACCOUNT;
    let mut sockets = Vec::new();
    for _ in 0..cap - 1 {
        let (socket, _) = tokio_tungstenite::connect_async(feed_request(&s, &admin))
            .await
            .expect("upgrade within the cap");
        sockets.push(socket);
    }
    let sse = s.get(&admin, "/api/feed").await;
    assert_eq!(sse.status(), StatusCode::OK, "SSE within the cap");

    match tokio_tungstenite::connect_async(feed_request(&s, &admin)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
        }
        other => panic!(
            "a WebSocket over the cap must be refused, got {:?}",
            other.is_ok()
        ),
    }
    let over = s.get(&admin, "/api/feed").await;
    assert_eq!(
        common::error_code(over, StatusCode::TOO_MANY_REQUESTS).await,
        "feed_connections_exceeded"
    );
    // Another account is not affected.
    let other = s.get(&operator, "/api/feed").await;
    assert_eq!(other.status(), StatusCode::OK);
    drop(other);

    // Closing one frees its place.
    let mut closed = sockets.pop().expect("a socket");
    closed.send(Message::Close(None)).await.expect("close");
    drop(closed);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let r = s.get(&admin, "/api/feed").await;
        if r.status() == StatusCode::OK {
            break;
        }
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(tokio::time::Instant::now() < deadline, "the place is freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(sse);
    s.stop().await;
}

/// Whether a DC-09 answer is an encrypted ACK under `key`.
async fn alarm_acknowledged(addr: std::net::SocketAddr, key: &dc09::Key, seq: u16) -> bool {
    use rand::SeedableRng;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let now = dc09::Timestamp::from_unix(chrono::Utc::now().timestamp());
    let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(seq));
    let frame = dc09::MessageBuilder::new(dc09::Token::SiaDcs)
        .seq(seq)
        .account("BE128")
        .sia("Nri1/FA001")
        .timestamp(now)
        .build_encrypted(key, &mut rng)
        .expect("frame");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(&frame).await.expect("send");
    let mut decoder = dc09::StreamDecoder::default();
    let mut buf = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(read > 0, "the receiver closed without answering");
        decoder.feed(&buf[..read]);
        if let Some(answer) = decoder.next_frame() {
            let answer = answer.expect("a well-formed answer");
            return dc09::Message::decode(&answer, Some(key), now, &dc09::Window::default())
                .map(|m| m.token() == dc09::Token::Ack)
                .unwrap_or(false);
        }
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

// Issue #20, item 13: a backup restores, with its master key, into a fresh data directory
// whose server accepts encrypted alarms from a device registered before the backup. Backups
// are SQLite's (PostgreSQL is backed up with its own tools).
#[tokio::test]
async fn a_backup_restores_into_a_fresh_data_directory_that_receives_encrypted_alarms() {
    let options = server::receiver::ReceiverOptions::default();
    let Some(s) = TestServer::start_with_dc09(Backend::Sqlite, options).await else {
        return;
    };
    let admin = s.admin().await;
    let r = s
        .post(
            &admin,
            "/api/facilities",
            &json!({"name": "Chung cư sao lưu", "address": "Số 2 phố Thử", "lat": 21.0359,
                    "lon": 105.8342, "kind": "apartment_building", "floors": 12,
                    "contacts": [{"name": "Bảo vệ", "phone": "0912345678"}]}),
        )
        .await;
    let status = r.status();
    let body: Value = r.json().await.expect("facility");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let facility = body["id"].as_i64().expect("id");
    let hex = "00112233445566778899aabbccddeeff";
    let r = s
        .post(
            &admin,
            "/api/devices",
            &json!({"account": "BE128", "key": hex, "facility_id": facility}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let key = dc09::Key::from_hex(hex).expect("key");
    assert!(alarm_acknowledged(s.dc09.expect("dc09"), &key, 1).await);

    let out_dir = std::env::temp_dir().join(common::unique("binhyen-backups"));
    std::fs::create_dir_all(&out_dir).expect("backup folder");
    let backup = out_dir.join("binhyen-2026-12-06.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args(["backup", "--units"])
        .arg(common::units_dir())
        .arg("--data-dir")
        .arg(&s.data_dir)
        .arg("--to")
        .arg(&backup)
        .env_remove("BINHYEN_MASTER_KEY")
        .output()
        .expect("run backup");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let key_copy = server::cli::backup_key_path(&backup);
    assert!(
        stderr.contains("WARNING") && stderr.contains(&key_copy.display().to_string()),
        "the operator is told where the master key went: {stderr}"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&backup), 0o600, "the backup is owner-only");
        assert_eq!(mode(&key_copy), 0o600, "the key copy is owner-only");
    }
    let config = s.config().clone();
    s.stop().await;

    // Restore as docs/operations.md says: a new data directory with the backup as binhyen.db
    // and the key as master.key.
    let fresh = std::env::temp_dir().join(common::unique("binhyen-restored"));
    std::fs::create_dir_all(&fresh).expect("fresh data directory");
    std::fs::copy(&backup, fresh.join("binhyen.db")).expect("restore the database");
    std::fs::copy(&key_copy, fresh.join("master.key")).expect("restore the key");
    let mut config = config;
    config.data_dir = fresh.clone();
    config.http = "127.0.0.1:0".parse().expect("addr");
    config.dc09 = vec!["127.0.0.1:0".parse().expect("addr")];
    let running = server::app::start(config)
        .await
        .expect("the restored server starts");
    let dc09 = *running.dc09.first().expect("dc09 listener");
    assert!(
        alarm_acknowledged(dc09, &key, 2).await,
        "the restored server unseals the device key of before the backup"
    );
    let base = format!("http://{}", running.http);
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");
    let token = login["token"].as_str().expect("token").to_owned();
    let signals: Value = client
        .get(format!("{base}/api/facilities/{facility}/signals"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("signals")
        .json()
        .await
        .expect("signals body");
    let count = signals.as_array().map_or(0, Vec::len);
    assert_eq!(count, 2, "the alarm of before and the one after: {signals}");
    running.stop().await.expect("clean stop");
    let _ = std::fs::remove_dir_all(fresh);
    let _ = std::fs::remove_dir_all(out_dir);
}

// Issue #20, item 13: a data directory without a database is refused, and none is created.
#[test]
fn a_backup_of_a_data_directory_without_a_database_is_refused() {
    let empty = std::env::temp_dir().join(common::unique("binhyen-empty"));
    std::fs::create_dir_all(&empty).expect("empty folder");
    for dir in [empty.clone(), empty.join("missing")] {
        let to = empty.join(common::unique("copy"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_binhyen"))
            .args(["backup", "--units"])
            .arg(common::units_dir())
            .arg("--data-dir")
            .arg(&dir)
            .arg("--to")
            .arg(&to)
            .output()
            .expect("run backup");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "refused for {}", dir.display());
        assert!(stderr.contains("no database"), "{stderr}");
        assert!(!dir.join("binhyen.db").exists(), "no empty database made");
        assert!(!to.exists(), "no backup file written");
    }
    let _ = std::fs::remove_dir_all(empty);
}

// Issue #20, item 14: the data directory, the database and its WAL are owner-only.
#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_files_are_owner_only() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let admin = s.admin().await;
    // A write, so that the WAL has content.
    let _ = s.user(&admin, "truc_ban_quyen", "operator", None).await;
    assert_eq!(mode(&s.data_dir), 0o700);
    for name in ["binhyen.db", "binhyen.db-wal", "binhyen.db-shm"] {
        assert_eq!(mode(&s.data_dir.join(name)), 0o600, "{name}");
    }
    s.stop().await;
}

/// Every `$ref` string anywhere under `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

// Issue #20, item 14: a schema-driven fuzzer could not build requests for operations whose
// parameters had no schema, whose bodies were not described, or whose schemas referred to
// components that were never published.
#[tokio::test]
async fn the_openapi_document_describes_every_parameter_and_body() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let r = s
        .client
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .expect("spec");
    assert_eq!(r.status(), StatusCode::OK);
    let spec: Value = r.json().await.expect("JSON");
    let mut problems = Vec::new();
    let paths = spec["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let item = item.as_object().expect("path item");
        for (method, op) in item {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p.get("schema").is_none() && p.get("content").is_none() {
                    problems.push(format!(
                        "{method} {path}: parameter {} has no schema",
                        p["name"]
                    ));
                }
            }
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for segment in path.split('/') {
                if let Some(name) = segment.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    if !declared.contains(&name) {
                        problems.push(format!("{method} {path}: path parameter {name} undeclared"));
                    }
                }
            }
            let writes_records = path.starts_with("/api/persons")
                || path.starts_with("/api/households")
                || path.starts_with("/api/registrations")
                || path.starts_with("/api/establishments")
                || path.starts_with("/api/foreigner-declarations")
                || path.starts_with("/api/quality/findings");
            if writes_records && method != "get" && op.get("requestBody").is_none() {
                problems.push(format!("{method} {path}: no request body"));
            }
        }
    }
    let mut all = Vec::new();
    refs(&spec, &mut all);
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        if spec["components"]["schemas"].get(name).is_none() {
            problems.push(format!("unresolvable reference {r}"));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    s.stop().await;
}

crate::api_on_both_backends!(
    a_client_that_never_reads_is_dropped_while_a_reader_keeps_up,
    feed_connections_per_account_are_capped,
);
