//! Issue #19, "Fire first": during an alarm storm from several panels, a fire alarm from
//! another building becomes an incident before the storm's backlog is drained, and the storm
//! still ends as one incident per building. Counts and order, not wall-clock. Runs on SQLite
//! and on PostgreSQL.

use crate::common;

use common::{Backend, TestServer};
use dc09::{MessageBuilder, StreamDecoder, Token};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::receiver::backlog::Order;
use server::receiver::ReceiverOptions;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const STORM_PANELS: usize = 4;
const STORM_SIGNALS: u16 = 250;

async fn facility(s: &TestServer, admin: &str, name: &str) -> i64 {
    let r = s
        .post(
            admin,
            "/api/facilities",
            &json!({
                "name": name, "address": "Số 1 phố Thử", "lat": 21.0359, "lon": 105.8342,
                "kind": "apartment_building", "floors": 12,
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let f: Value = r.json().await.unwrap();
    f["id"].as_i64().unwrap()
}

async fn device(s: &TestServer, admin: &str, facility_id: i64, account: &str) {
    let r = s
        .post(
            admin,
            "/api/devices",
            &json!({"account": account, "allow_plain": true, "facility_id": facility_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

fn fire(account: &str, seq: u16, zone: u16) -> Vec<u8> {
    MessageBuilder::new(Token::AdmCid)
        .seq(seq)
        .account(account)
        .contact_id(1, 111, 1, zone)
        .build()
        .unwrap()
}

/// Sends `frames` on one connection and waits for an ACK of each.
async fn send_all(addr: std::net::SocketAddr, frames: Vec<u8>, n: usize) {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(&frames).await.unwrap();
    let mut dec = StreamDecoder::default();
    let mut buf = [0u8; 8192];
    let mut acks = 0;
    while acks < n {
        let read = tokio::time::timeout(Duration::from_secs(30), c.read(&mut buf))
            .await
            .expect("answers within 30 s")
            .unwrap();
        assert!(read > 0, "closed after {acks} answers");
        dec.feed(&buf[..read]);
        while let Some(f) = dec.next_frame() {
            let f = f.unwrap();
            assert!(String::from_utf8_lossy(&f).contains("\"ACK\""));
            acks += 1;
        }
    }
}

/// See: issue #19, "Fire first".
async fn a_fire_elsewhere_is_not_queued_behind_a_storm(backend: Backend) {
    let options = ReceiverOptions {
        incident_order: Order::Priority,
        ..ReceiverOptions::default()
    };
    let Some(s) = TestServer::start_with_dc09(backend, options).await else {
        return;
    };
    let admin = s.admin().await;
    let addr = s.dc09.expect("dc09 listener");
    let mut storm = Vec::new();
    for p in 0..STORM_PANELS {
        let f = facility(&s, &admin, &format!("Tòa nhà báo cháy liên tục {p}")).await;
        let account = format!("B{p:03}");
        device(&s, &admin, f, &account).await;
        storm.push((f, account));
    }
    let quiet = facility(&s, &admin, "Tòa nhà yên tĩnh").await;
    device(&s, &admin, quiet, "C001").await;

    // Every storm panel sends its alarms at once; all are stored and ACKed.
    let sends = storm.iter().map(|(_, account)| {
        let mut frames = Vec::new();
        for z in 1..=STORM_SIGNALS {
            frames.extend_from_slice(&fire(account, z, z));
        }
        tokio::spawn(send_all(addr, frames, usize::from(STORM_SIGNALS)))
    });
    for t in sends.collect::<Vec<_>>() {
        t.await.unwrap();
    }
    // Then the quiet building's fire.
    send_all(addr, fire("C001", 1, 7), 1).await;

    let db = s.store().await;
    let storm_total = STORM_PANELS * usize::from(STORM_SIGNALS);
    let mut waiting_when_fire_done = None;
    for _ in 0..3000 {
        let fire_signals = db.facility_signals(quiet, 10).await.unwrap();
        if fire_signals
            .iter()
            .any(|x| x.state == "done" && x.incident_id.is_some())
        {
            waiting_when_fire_done = Some(db.pending_signals(0, 10_000).await.unwrap().len());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waiting = waiting_when_fire_done.expect("the fire became an incident within 30 s");
    assert!(
        waiting > 0,
        "the fire's incident came only after the whole storm of {storm_total} signals"
    );
    eprintln!("storm signals still waiting when the fire's incident existed: {waiting}");

    // The storm drains, and each building's storm is one incident.
    for _ in 0..1200 {
        if db.pending_signals(0, 1).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(db.pending_signals(0, 1).await.unwrap().is_empty());
    for (f, _) in &storm {
        let signals = db.facility_signals(*f, 1000).await.unwrap();
        assert_eq!(signals.len(), usize::from(STORM_SIGNALS));
        let incidents: std::collections::BTreeSet<Option<i64>> =
            signals.iter().map(|x| x.incident_id).collect();
        assert_eq!(incidents.len(), 1, "{incidents:?}");
        assert!(incidents.iter().all(Option::is_some));
    }
    s.stop().await;
}

api_on_both_backends!(a_fire_elsewhere_is_not_queued_behind_a_storm);
