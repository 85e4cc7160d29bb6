//! Fire alarm to incident during an alarm storm (issue #19, "Fire first").
//!
//! Starts a real server (SQLite, `synchronous=FULL`) with a DC-09 listener, registers the
//! storm panels and the quiet buildings through the API, and opens the console's live feed.
//! The storm panels then send fire alarms as fast as they are ACKed (each keeps a window of
//! frames in flight on its own TCP connection) while, every `--fire-every-ms`, a fire alarm
//! comes from a quiet building (its own connection). Measured per quiet fire: from writing the
//! frame to its incident arriving on the live feed. The same run repeats with the incidents
//! made one signal at a time in arrival order (the behaviour before the priority queue).
//!
//! ```text
//! cargo bench -p server --bench alarm_storm -- --panels 20 --storm 1000 --fires 40
//! ```

use dc09::{MessageBuilder, StreamDecoder, Token};
use futures_util::StreamExt;
use serde_json::{json, Value};
use server::config::{Config, LogFormat};
use server::receiver::backlog::Order;
use server::receiver::ReceiverOptions;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "mat-khau-quan-tri-2026";

struct Args {
    panels: usize,
    storm: usize,
    window: usize,
    fires: usize,
    fire_every_ms: u64,
}

fn args() -> Args {
    let mut a = Args {
        panels: 20,
        storm: 1000,
        window: 50,
        fires: 40,
        fire_every_ms: 100,
    };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        let value = argv.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (argv[i].as_str(), value) {
            ("--panels", Some(v)) => a.panels = v as usize,
            ("--storm", Some(v)) => a.storm = v as usize,
            ("--window", Some(v)) => a.window = v.max(1) as usize,
            ("--fires", Some(v)) => a.fires = v as usize,
            ("--fire-every-ms", Some(v)) => a.fire_every_ms = v,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn units_dir() -> PathBuf {
    std::env::var_os("BINHYEN_UNITS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/hanoi"
            ))
        })
}

fn fire(account: &str, seq: u16, zone: u16) -> Vec<u8> {
    MessageBuilder::new(Token::AdmCid)
        .seq(seq)
        .account(account)
        .contact_id(1, 111, 1, zone)
        .build()
        .expect("valid frame")
}

/// Reads ACKs until `n` came.
async fn acks(c: &mut TcpStream, dec: &mut StreamDecoder, n: usize) {
    let mut buf = [0u8; 16384];
    let mut got = 0;
    while got < n {
        let read = c.read(&mut buf).await.expect("read");
        assert!(read > 0, "connection closed");
        dec.feed(&buf[..read]);
        while let Some(f) = dec.next_frame() {
            let f = f.expect("answer");
            assert!(
                String::from_utf8_lossy(&f).contains("\"ACK\""),
                "{}",
                String::from_utf8_lossy(&f)
            );
            got += 1;
        }
    }
}

/// One storm panel: `total` fire alarms, `window` in flight.
async fn storm_panel(addr: std::net::SocketAddr, account: String, total: usize, window: usize) {
    let mut c = TcpStream::connect(addr).await.expect("connect");
    let mut dec = StreamDecoder::default();
    let mut sent = 0;
    while sent < total {
        let n = window.min(total - sent);
        let mut frames = Vec::new();
        for k in 0..n {
            let i = sent + k;
            frames.extend_from_slice(&fire(&account, (i % 9999 + 1) as u16, (i % 999 + 1) as u16));
        }
        c.write_all(&frames).await.expect("write");
        acks(&mut c, &mut dec, n).await;
        sent += n;
    }
}

struct Http {
    base: String,
    client: reqwest::Client,
    token: String,
}

impl Http {
    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.expect("json")
    }

    async fn building(&self, name: &str, account: &str) {
        let f = self
            .post(
                "/api/facilities",
                json!({"name": name, "address": "Số 1 phố Thử", "lat": 21.0359,
                       "lon": 105.8342, "kind": "apartment_building", "floors": 12}),
            )
            .await;
        self.post(
            "/api/devices",
            json!({"account": account, "allow_plain": true, "facility_id": f["id"]}),
        )
        .await;
    }
}

struct Outcome {
    latencies_ms: Vec<f64>,
    ack_ms: Vec<f64>,
    missing: usize,
    storm_secs: f64,
}

async fn run(order: Order, a: &Args) -> Outcome {
    let data_dir = std::env::temp_dir().join(format!(
        "binhyen-bench-storm-{}-{:?}",
        std::process::id(),
        order
    ));
    std::env::set_var("BINHYEN_ADMIN_PASSWORD", PASSWORD);
    let config = Config {
        data_dir: data_dir.clone(),
        http: "127.0.0.1:0".parse().expect("addr"),
        dc09: vec!["127.0.0.1:0".parse().expect("addr")],
        units: units_dir(),
        database_url: None,
        tls: None,
        log_format: LogFormat::Text,
        kb: server::config::default_kb_dir(),
        receiver: ReceiverOptions {
            incident_order: order,
            ..ReceiverOptions::default()
        },
        http_limits: Default::default(),
        notify: Default::default(),
        avl: Default::default(),
    };
    let running = server::app::start(config).await.expect("server starts");
    let base = format!("http://{}", running.http);
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");
    let token = login["token"].as_str().expect("token").to_owned();
    let http = Http {
        base: base.clone(),
        client,
        token: token.clone(),
    };
    for p in 0..a.panels {
        http.building(&format!("Tòa nhà bão báo động {p}"), &format!("B{p:04}"))
            .await;
    }
    for q in 0..a.fires {
        http.building(&format!("Tòa nhà yên tĩnh số {q}"), &format!("C{q:04}"))
            .await;
    }
    let addr = running.dc09[0];

    // The console: incidents of the quiet buildings as they arrive on the live feed.
    let mut request = format!("{}/api/feed", base.replace("http://", "ws://"))
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("feed");
    let sent: Arc<Mutex<HashMap<usize, Instant>>> = Arc::default();
    let seen: Arc<Mutex<HashMap<usize, Instant>>> = Arc::default();
    let fires = a.fires;
    let feed = {
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Some(Ok(m)) = socket.next().await {
                let Message::Text(text) = m else { continue };
                let at = Instant::now();
                let Ok(change) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if !change["kind"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("incident."))
                {
                    continue;
                }
                let text = change["payload"].to_string();
                if let Some(q) = text
                    .split("Tòa nhà yên tĩnh số ")
                    .nth(1)
                    .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    let mut seen = seen.lock().await;
                    seen.entry(q).or_insert(at);
                    if seen.len() == fires {
                        return;
                    }
                }
            }
        })
    };

    let started = Instant::now();
    let mut ack_ms = Vec::new();
    let storm: Vec<_> = (0..a.panels)
        .map(|p| tokio::spawn(storm_panel(addr, format!("B{p:04}"), a.storm, a.window)))
        .collect();
    // Let the storm build a backlog, then the quiet buildings' fires, one by one.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for q in 0..a.fires {
        let frame = fire(&format!("C{q:04}"), 1, 7);
        let mut c = TcpStream::connect(addr).await.expect("connect");
        sent.lock().await.insert(q, Instant::now());
        c.write_all(&frame).await.expect("write");
        acks(&mut c, &mut StreamDecoder::default(), 1).await;
        if let Some(t0) = sent.lock().await.get(&q) {
            ack_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(a.fire_every_ms)).await;
    }
    for t in storm {
        t.await.expect("storm panel");
    }
    let storm_secs = started.elapsed().as_secs_f64();
    let _ = tokio::time::timeout(Duration::from_secs(300), feed).await;
    let sent = sent.lock().await;
    let seen = seen.lock().await;
    let mut latencies_ms: Vec<f64> = sent
        .iter()
        .filter_map(|(q, t0)| {
            seen.get(q)
                .map(|t| t.saturating_duration_since(*t0).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    let missing = sent.len() - latencies_ms.len();
    running.stop().await.expect("clean stop");
    let _ = std::fs::remove_dir_all(&data_dir);
    ack_ms.sort_by(f64::total_cmp);
    Outcome {
        latencies_ms,
        ack_ms,
        missing,
        storm_secs,
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let a = args();
    println!(
        "alarm storm: {} panels x {} fire alarms ({} in flight each), {} fires from quiet buildings every {} ms",
        a.panels, a.storm, a.window, a.fires, a.fire_every_ms
    );
    println!("load average before: {}", loadavg().trim());
    println!(
        "| order | fire→incident p50 | p99 | max | over 100 ms | fire ACK p99 | fires missing | storm sent in |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for order in [Order::Arrival, Order::Priority] {
        let o = run(order, &a).await;
        println!(
            "| {:?} | {:.0} ms | {:.0} ms | {:.0} ms | {} of {} | {:.0} ms | {} | {:.1} s |",
            order,
            pct(&o.latencies_ms, 0.5),
            pct(&o.latencies_ms, 0.99),
            o.latencies_ms.last().copied().unwrap_or(f64::NAN),
            o.latencies_ms.iter().filter(|l| **l > 100.0).count(),
            o.latencies_ms.len(),
            pct(&o.ack_ms, 0.99),
            o.missing,
            o.storm_secs
        );
    }
    println!("load average after: {}", loadavg().trim());
}
