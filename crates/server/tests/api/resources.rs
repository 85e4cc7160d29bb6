//! Issue #19, "Resources": the HTTP side has a budget of its own. With every HTTP connection
//! taken by clients that send half a request and stall, a DC-09 frame is still ACKed, and a
//! new web client is served as soon as the stalled ones time out. A request body that stalls
//! is answered 408. Runs on SQLite (the budget is the same on PostgreSQL).

use crate::common;

use common::{Backend, TestServer};
use dc09::{MessageBuilder, StreamDecoder, Token};
use reqwest::StatusCode;
use serde_json::json;
use server::http::HttpLimits;
use server::receiver::ReceiverOptions;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOTS: usize = 8;

/// See: issue #19, "Resources".
#[tokio::test]
async fn slow_http_clients_neither_stop_dc09_nor_new_clients() {
    let limits = HttpLimits {
        max_connections: SLOTS,
        header_timeout: Duration::from_millis(1500),
        body_timeout: Duration::from_millis(1000),
    };
    let s = TestServer::start_with_budgets(Backend::Sqlite, ReceiverOptions::default(), limits)
        .await
        .expect("sqlite server");
    let admin = s.admin().await;
    let r = s
        .post(
            &admin,
            "/api/facilities",
            &json!({"name": "Kho hàng thử", "address": "Số 2 phố Thử", "lat": 21.0359,
                    "lon": 105.8342, "kind": "warehouse"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let facility: serde_json::Value = r.json().await.unwrap();
    let r = s
        .post(
            &admin,
            "/api/devices",
            &json!({"account": "D900", "allow_plain": true, "facility_id": facility["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Let the pooled client's connections go, so only the stalled ones hold slots.
    drop(s.client.clone());
    tokio::time::sleep(Duration::from_millis(1700)).await;

    // Every slot (and some more in the backlog) taken by clients that never finish a request.
    let http: std::net::SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();
    let mut slow = Vec::new();
    for _ in 0..SLOTS + 4 {
        let mut c = TcpStream::connect(http).await.unwrap();
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(c);
    }
    let stalled_at = Instant::now();

    // The receiver keeps accepting and ACKing.
    let frame = MessageBuilder::new(Token::AdmCid)
        .seq(1)
        .account("D900")
        .contact_id(1, 110, 1, 3)
        .build()
        .unwrap();
    let mut c = TcpStream::connect(s.dc09.expect("dc09")).await.unwrap();
    c.write_all(&frame).await.unwrap();
    let mut dec = StreamDecoder::default();
    let mut buf = [0u8; 1024];
    let ack = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
            .await
            .expect("ACK while HTTP is saturated")
            .unwrap();
        assert!(n > 0);
        dec.feed(&buf[..n]);
        if let Some(f) = dec.next_frame() {
            break f.unwrap();
        }
    };
    assert!(String::from_utf8_lossy(&ack).contains("\"ACK\""));
    assert!(
        stalled_at.elapsed() < Duration::from_millis(1500),
        "ACKed before any stalled client timed out"
    );

    // A new web client waits for a slot and is served once the stalled ones are closed.
    let fresh = reqwest::Client::new();
    let r = fresh
        .get(s.url("/healthz"))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .expect("served after the stalled clients timed out");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        stalled_at.elapsed() >= Duration::from_millis(1000),
        "served only once slots were freed"
    );
    // The stalled clients were closed by the server.
    for mut c in slow.drain(..SLOTS) {
        let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf))
            .await
            .expect("closed by the header timeout")
            .unwrap_or(0);
        // hyper may answer 408 before closing.
        if n > 0 {
            assert!(String::from_utf8_lossy(&buf[..n]).contains("408"));
        }
    }

    // A body that stalls is answered 408 once the body timeout passes.
    let mut c = TcpStream::connect(http).await.unwrap();
    c.write_all(
        b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf))
        .await
        .expect("answered after the body timeout")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    s.stop().await;
}
