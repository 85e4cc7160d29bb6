//! Issue #19, "Plain messages": with `--dc09-plain-sources`, an unencrypted message from a
//! source outside the given blocks is NAKed, counted and kept as rejected, while an encrypted
//! message from the same source and a plain one from an allowed source are ACKed. The devices
//! API says which devices accept plain messages (the board marks them with the risk).

use crate::common;

use common::{Backend, TestServer};
use dc09::{Key, MessageBuilder, StreamDecoder, Timestamp, Token};
use rand::{rngs::StdRng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::receiver::pipeline::PlainSources;
use server::receiver::ReceiverOptions;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEX128: &str = "000102030405060708090a0b0c0d0e0f";

async fn exchange(addr: std::net::SocketAddr, frame: &[u8]) -> String {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(frame).await.unwrap();
    let mut dec = StreamDecoder::default();
    let mut buf = [0u8; 2048];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf))
            .await
            .expect("answer within 10 s")
            .unwrap();
        assert!(n > 0, "closed without an answer");
        dec.feed(&buf[..n]);
        if let Some(f) = dec.next_frame() {
            return String::from_utf8_lossy(&f.unwrap()).into_owned();
        }
    }
}

async fn counted(s: &TestServer, reason: &str) -> u64 {
    let prefix = format!("binhyen_dc09_frames_total{{result=\"nak\",reason=\"{reason}\"}}");
    for _ in 0..50 {
        let body = s
            .client
            .get(s.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let n = body
            .lines()
            .find(|l| l.starts_with(&prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if n > 0 {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    0
}

async fn start(sources: &[&str]) -> (TestServer, String) {
    let options = ReceiverOptions {
        plain_sources: PlainSources::parse(sources).unwrap(),
        ..ReceiverOptions::default()
    };
    let s = TestServer::start_with_dc09(Backend::Sqlite, options)
        .await
        .expect("sqlite server");
    let admin = s.admin().await;
    let r = s
        .post(
            &admin,
            "/api/facilities",
            &json!({"name": "Chợ thử", "address": "Số 3 phố Thử", "lat": 21.0359,
                    "lon": 105.8342, "kind": "market"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let f: Value = r.json().await.unwrap();
    for body in [
        json!({"account": "E100", "allow_plain": true, "facility_id": f["id"]}),
        json!({"account": "E200", "key": HEX128, "allow_plain": true, "facility_id": f["id"]}),
    ] {
        let r = s.post(&admin, "/api/devices", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{body}");
    }
    (s, admin)
}

fn plain(account: &str, seq: u16) -> Vec<u8> {
    MessageBuilder::new(Token::AdmCid)
        .seq(seq)
        .account(account)
        .contact_id(1, 110, 1, 2)
        .build()
        .unwrap()
}

/// See: issue #19, "Plain messages".
#[tokio::test]
async fn plain_messages_only_from_the_allowed_sources() {
    // The tests connect from 127.0.0.1: outside this block.
    let (s, admin) = start(&["192.0.2.0/24"]).await;
    let addr = s.dc09.expect("dc09");
    let reply = exchange(addr, &plain("E100", 1)).await;
    assert!(reply.contains("\"NAK\""), "{reply}");
    assert_eq!(counted(&s, "plain_source").await, 1);
    // Encrypted messages are not affected.
    let key = Key::from_hex(HEX128).unwrap();
    let now = Timestamp::from_unix(chrono::Utc::now().timestamp());
    let enc = MessageBuilder::new(Token::AdmCid)
        .seq(2)
        .account("E200")
        .contact_id(1, 110, 1, 2)
        .timestamp(now)
        .build_encrypted(&key, &mut StdRng::seed_from_u64(7))
        .unwrap();
    let reply = exchange(addr, &enc).await;
    assert!(!reply.contains("NAK"), "{reply}");
    // The devices API says which devices accept plain messages.
    let devices: Value = s.get(&admin, "/api/devices").await.json().await.unwrap();
    let list = devices
        .as_array()
        .or_else(|| devices["items"].as_array())
        .or_else(|| devices["devices"].as_array())
        .expect("device list")
        .clone();
    assert!(list
        .iter()
        .any(|d| d["account"] == "E100" && d["allow_plain"] == true));
    s.stop().await;

    // From an allowed source, the same message is ACKed.
    let (s, _) = start(&["127.0.0.0/8", "::1"]).await;
    let reply = exchange(s.dc09.expect("dc09"), &plain("E100", 3)).await;
    assert!(reply.contains("\"ACK\""), "{reply}");
    s.stop().await;
}
