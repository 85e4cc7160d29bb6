//! The live feed over a real WebSocket and over Server-Sent Events against a started server, on
//! SQLite and on PostgreSQL: a created incident arrives, `since` replays what was missed, and a
//! unit officer receives only their unit's changes (and those shared with it).
//!
//! On PostgreSQL changes arrive through NOTIFY and may come late, so every wait loops until the
//! expected change arrives (bounded), and no test assumes an order across tests.

use crate::common;

use common::{Backend, TestServer};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a change may take to arrive.
const WAIT: Duration = Duration::from_secs(15);

async fn connect(s: &TestServer, token: &str, query: &str) -> Socket {
    let url = format!("{}/api/feed{query}", s.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket upgrade");
    assert_eq!(response.status(), 101);
    socket
}

/// Reads changes until one matches `wanted`; returns it and every change read before it.
async fn until(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
    let mut before = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("change not received in time; got {before:?}"))
            .expect("socket open")
            .expect("message");
        let Message::Text(text) = message else {
            continue;
        };
        let change: Value = serde_json::from_str(text.as_str()).expect("JSON message");
        if wanted(&change) {
            return (change, before);
        }
        before.push(change);
    }
}

fn created(id: i64) -> impl Fn(&Value) -> bool {
    move |c| c["kind"] == "incident.created" && c["payload"]["id"] == id
}

async fn create(s: &TestServer, token: &str, unit: &str) -> i64 {
    let r = s.get(token, &format!("/api/units/{unit}")).await;
    let u: Value = r.json().await.unwrap();
    let r = s
        .post(
            token,
            "/api/incidents",
            &json!({"kind": "public_order", "description": "Tụ tập gây rối",
                    "lat": u["label_lat"], "lon": u["label_lon"], "caller_phone": "0912345678"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["unit_code"], unit);
    v["id"].as_i64().unwrap()
}

async fn websocket_delivers_new_incidents_and_replays_since(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let mut live = connect(&s, &operator, "").await;
    let a = create(&s, &operator, "00004").await;
    let (change_a, _) = until(&mut live, created(a)).await;
    assert_eq!(change_a["unit_code"], "00004");
    assert_eq!(change_a["payload"]["caller_phone_masked"], "0912***678");
    assert!(!change_a.to_string().contains("0912345678"));
    let since = change_a["id"].as_i64().unwrap();
    // A change made while a client is away is replayed when it comes back with `since`.
    let b = create(&s, &operator, "00008").await;
    until(&mut live, created(b)).await;
    let mut back = connect(&s, &operator, &format!("?since={since}")).await;
    let (_, before) = until(&mut back, created(b)).await;
    assert!(
        before.iter().all(|c| c["id"].as_i64().unwrap() > since),
        "{before:?}"
    );
    // Then it is live again.
    let c = create(&s, &operator, "00004").await;
    until(&mut back, created(c)).await;
    // A page of another site cannot open the feed with the operator's credentials.
    let url = format!("{}/api/feed", s.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    let headers = request.headers_mut();
    headers.insert(
        "authorization",
        format!("Bearer {operator}").parse().unwrap(),
    );
    headers.insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("cross-site upgrade accepted: {:?}", other.map(|(_, r)| r)),
    }
    s.stop().await;
}

async fn a_unit_officer_receives_only_their_unit(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let officer = s
        .user(&admin, "congan_ngocha", "unit_officer", Some("00008"))
        .await;
    let mut unit = connect(&s, &officer, "").await;
    let mut city = connect(&s, &operator, "").await;
    let theirs = create(&s, &operator, "00004").await;
    let mine = create(&s, &operator, "00008").await;
    // Changes are delivered in commit order: had the other unit's incident been sent, it
    // would have come first.
    let (_, before) = until(&mut unit, created(mine)).await;
    assert!(
        before.iter().all(|c| c["payload"]["id"] != theirs),
        "{before:?}"
    );
    assert!(before
        .iter()
        .all(|c| c["unit_code"] == "00008" || c["unit_code"].is_null()));
    until(&mut city, created(theirs)).await;
    until(&mut city, created(mine)).await;
    // Shared with the unit, the other incident's changes reach it.
    let r = s
        .post(
            &operator,
            &format!("/api/incidents/{theirs}/share"),
            &json!({"unit_code": "00008", "reason": "Hỗ trợ"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (shared, _) = until(&mut unit, |c| {
        c["kind"] == "incident.updated" && c["payload"]["id"] == theirs
    })
    .await;
    assert_eq!(shared["shared_with"], json!(["00008"]));
    // Replays are filtered too.
    let mut replay = connect(&s, &officer, "?since=0").await;
    let (_, before) = until(&mut replay, created(mine)).await;
    assert!(
        before.iter().all(|c| c["unit_code"] == "00008"
            && !(c["kind"] == "incident.created" && c["payload"]["id"] == theirs)),
        "{before:?}"
    );
    s.stop().await;
}

async fn server_sent_events_at_the_same_path(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let r = s.client.get(s.url("/api/feed")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let mut r = s
        .client
        .get(s.url("/api/feed"))
        .bearer_auth(&operator)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let id = create(&s, &operator, "00004").await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    let found = loop {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("event not received in time; got {text}"))
            .expect("stream")
            .expect("stream open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        let hit = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|c| created(id)(c));
        if let Some(c) = hit {
            break c;
        }
    };
    // Each event carries the change id, for the browser's Last-Event-ID on reconnect.
    assert!(text.contains(&format!("id: {}", found["id"])), "{text}");
    s.stop().await;
}

api_on_both_backends!(
    websocket_delivers_new_incidents_and_replays_since,
    a_unit_officer_receives_only_their_unit,
    server_sent_events_at_the_same_path,
);
