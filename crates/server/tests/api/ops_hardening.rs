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

crate::api_on_both_backends!(
    a_client_that_never_reads_is_dropped_while_a_reader_keeps_up,
    feed_connections_per_account_are_capped,
);
