//! The DC-09 receiver over real sockets against a started server: ACKs (TCP and UDP, plain and
//! AES-128/256), every NAK case and DUH, retransmissions stored once, frames split across
//! writes and coalesced in one write, a restart between a send and its retransmission,
//! supervision raising and clearing "device offline", alarm and trouble signals, connection
//! limits, and the key never showing in any API output. Every case runs on SQLite and on
//! PostgreSQL.

use crate::common;

use common::{Backend, TestServer};
use dc09::{Header, Key, Message, MessageBuilder, StreamDecoder, Timestamp, Token, Window};
use rand::{rngs::StdRng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::receiver::ReceiverOptions;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const HEX128: &str = "000102030405060708090a0b0c0d0e0f";
const ASCII256: &str = "Mat-khau-AES-256-cho-thiet-bi-01";

fn options() -> ReceiverOptions {
    ReceiverOptions {
        grace: Duration::from_millis(500),
        supervision_tick: Duration::from_millis(200),
        ..ReceiverOptions::default()
    }
}

fn now() -> Timestamp {
    Timestamp::from_unix(chrono::Utc::now().timestamp())
}

struct Site {
    s: TestServer,
    admin: String,
    facility: i64,
    unit: String,
}

async fn site(backend: Backend, opts: ReceiverOptions) -> Option<Site> {
    let s = TestServer::start_with_dc09(backend, opts).await?;
    let admin = s.admin().await;
    let r = s
        .post(
            &admin,
            "/api/facilities",
            &json!({
                "name": "Chung cư thử nghiệm", "address": "Số 1 phố Thử", "lat": 21.0359,
                "lon": 105.8342, "kind": "apartment_building", "floors": 12,
                "contacts": [{"name": "Bảo vệ", "phone": "0912345678"}]
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let f: Value = r.json().await.unwrap();
    // Names and addresses are kept as written (case and punctuation), only tidied.
    assert_eq!(f["name"], "Chung cư thử nghiệm");
    assert_eq!(f["address"], "Số 1 phố Thử");
    Some(Site {
        facility: f["id"].as_i64().unwrap(),
        unit: f["unit_code"].as_str().unwrap().to_owned(),
        s,
        admin,
    })
}

impl Site {
    async fn device(&self, body: Value) -> Value {
        let mut body = body;
        body["facility_id"] = json!(self.facility);
        let r = self.s.post(&self.admin, "/api/devices", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{body}");
        r.json().await.unwrap()
    }

    async fn signals(&self) -> Vec<Value> {
        let r = self
            .s
            .get(
                &self.admin,
                &format!("/api/facilities/{}/signals", self.facility),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.s.dc09.expect("dc09 listener")
    }
}

/// Reads answers from a TCP stream until `n` frames came (bounded wait).
async fn read_frames(stream: &mut TcpStream, n: usize) -> Vec<Vec<u8>> {
    let mut dec = StreamDecoder::default();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < n {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("answer within 10 s")
            .expect("read");
        assert!(read > 0, "connection closed after {} answers", out.len());
        dec.feed(&buf[..read]);
        while let Some(f) = dec.next_frame() {
            out.push(f.expect("well-formed answer"));
        }
    }
    out
}

async fn tcp_exchange(addr: std::net::SocketAddr, frame: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(frame).await.unwrap();
    read_frames(&mut c, 1).await.remove(0)
}

async fn udp_exchange(addr: std::net::SocketAddr, frame: &[u8]) -> Vec<u8> {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(frame, addr).await.unwrap();
    let mut buf = [0u8; 2048];
    let (n, from) = tokio::time::timeout(Duration::from_secs(10), sock.recv_from(&mut buf))
        .await
        .expect("udp answer within 10 s")
        .unwrap();
    assert_eq!(from, addr, "answered from the listening address");
    buf[..n].to_vec()
}

fn text(frame: &[u8]) -> String {
    String::from_utf8_lossy(frame).into_owned()
}

/// Asserts a NAK stamped with the receiver's current time.
fn assert_nak(reply: &[u8]) {
    let h = Header::peek(reply).expect("valid NAK frame");
    assert_eq!(h.token, Token::Nak, "{}", text(reply));
    let t = text(reply);
    assert!(t.contains("\"NAK\"0000R0L0A0[]_"), "{t}");
    let stamp = t.rsplit('_').next().unwrap().trim_end_matches('\r');
    let ts = Timestamp::parse_dc09(stamp.as_bytes()).expect("receiver time in NAK");
    assert!(
        (ts.unix() - now().unix()).abs() <= 5,
        "NAK time {ts} vs now"
    );
}

async fn metric(s: &TestServer, line_prefix: &str) -> u64 {
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
        if let Some(v) = body
            .lines()
            .find(|l| l.starts_with(line_prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
        {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    0
}

async fn acks_plain_and_encrypted_over_tcp_and_udp(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    site.device(json!({"account": "A100", "allow_plain": true}))
        .await;
    site.device(json!({"account": "A128", "key": HEX128})).await;
    site.device(json!({"account": "A256", "key": ASCII256, "key_format": "ascii"}))
        .await;
    let k128 = Key::from_hex(HEX128).unwrap();
    let k256 = Key::from_ascii(ASCII256).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let addr = site.addr();
    for udp in [false, true] {
        let exchange = move |frame: Vec<u8>| async move {
            if udp {
                udp_exchange(addr, &frame).await
            } else {
                tcp_exchange(addr, &frame).await
            }
        };
        let seq = if udp { 20 } else { 10 };
        // Plain: the ACK echoes sequence, receiver, line and account, without timestamp.
        let plain = MessageBuilder::new(Token::SiaDcs)
            .seq(seq)
            .receiver("12")
            .line("3")
            .account("A100")
            .sia("Nri1/OP001")
            .build()
            .unwrap();
        let reply = exchange(plain).await;
        assert_eq!(
            text(&reply)[9..],
            format!("\"ACK\"00{seq}R12L3#A100[]\r"),
            "{}",
            text(&reply)
        );
        Header::peek(&reply).expect("CRC and length of the ACK are right");
        // Encrypted: the ACK is encrypted with the device key and carries the receiver time.
        for (acct, key) in [("A128", &k128), ("A256", &k256)] {
            let frame = MessageBuilder::new(Token::Null)
                .seq(seq + 1)
                .account(acct)
                .timestamp(now())
                .build_encrypted(key, &mut rng)
                .unwrap();
            let reply = exchange(frame).await;
            let ack = Message::decode(&reply, Some(key), now(), &Window::default())
                .unwrap_or_else(|e| panic!("{acct}: {e}: {}", text(&reply)));
            assert_eq!(ack.token(), Token::Ack);
            assert!(ack.is_encrypted());
            assert_eq!(ack.seq(), seq + 1);
            assert_eq!(ack.account().unwrap().as_str(), acct);
            assert!(ack.timestamp.is_some());
        }
    }
    assert!(
        metric(
            &site.s,
            "binhyen_dc09_frames_total{result=\"ack\",reason=\"new\"}"
        )
        .await
            >= 6
    );
    site.s.stop().await;
}

async fn every_nak_case_and_duh(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    site.device(json!({"account": "B128", "key": HEX128})).await;
    site.device(json!({"account": "B100", "allow_plain": true}))
        .await;
    let key = Key::from_hex(HEX128).unwrap();
    let wrong = Key::from_hex("ffeeddccbbaa99887766554433221100").unwrap();
    let mut rng = StdRng::seed_from_u64(2);
    let null = |acct: &str, seq: u16| MessageBuilder::new(Token::Null).seq(seq).account(acct);
    let good_plain = null("B100", 1).build().unwrap();
    let mut bad_crc = good_plain.clone();
    bad_crc[1] = if bad_crc[1] == b'0' { b'1' } else { b'0' };
    let mut bad_len = good_plain.clone();
    bad_len[8] = if bad_len[8] == b'0' { b'1' } else { b'0' };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unknown account", null("FFF1", 1).build().unwrap()),
        ("bad crc", bad_crc),
        ("bad length", bad_len),
        (
            "wrong key",
            null("B128", 2)
                .timestamp(now())
                .build_encrypted(&wrong, &mut rng)
                .unwrap(),
        ),
        (
            "stale timestamp",
            null("B128", 3)
                .timestamp(Timestamp::from_unix(now().unix() - 120))
                .build_encrypted(&key, &mut rng)
                .unwrap(),
        ),
        (
            "future timestamp",
            null("B128", 4)
                .timestamp(Timestamp::from_unix(now().unix() + 120))
                .build_encrypted(&key, &mut rng)
                .unwrap(),
        ),
        (
            "plain from an encrypting device",
            null("B128", 5).build().unwrap(),
        ),
    ];
    for (what, frame) in &cases {
        let reply = tcp_exchange(site.addr(), frame).await;
        assert_nak(&reply);
        let reply = udp_exchange(site.addr(), frame).await;
        assert_nak(&reply);
        eprintln!("{what}: NAK");
    }
    // An unsupported token is well formed: DUH echoing the header.
    let legacy = MessageBuilder::new(Token::from_name("SIA-S2K").unwrap())
        .seq(9)
        .account("B100")
        .build()
        .unwrap();
    let reply = tcp_exchange(site.addr(), &legacy).await;
    assert!(
        text(&reply).contains("\"DUH\"0009L0#B100[]"),
        "{}",
        text(&reply)
    );
    // Nothing of this was stored as a signal, and the reasons are counted.
    assert!(site.signals().await.is_empty());
    for reason in [
        "unknown_account",
        "crc",
        "length",
        "wrong_key",
        "timestamp",
        "plain_refused",
    ] {
        let line = format!("binhyen_dc09_frames_total{{result=\"nak\",reason=\"{reason}\"}}");
        assert!(metric(&site.s, &line).await >= 2, "{reason}");
    }
    assert!(
        metric(
            &site.s,
            "binhyen_dc09_frames_total{result=\"duh\",reason=\"unsupported_token\"}"
        )
        .await
            >= 1
    );
    site.s.stop().await;
}

async fn retransmission_is_acked_and_stored_once(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    site.device(json!({"account": "C100", "allow_plain": true}))
        .await;
    let fire = MessageBuilder::new(Token::AdmCid)
        .seq(42)
        .account("C100")
        .contact_id(1, 110, 1, 7)
        .build()
        .unwrap();
    for _ in 0..3 {
        let reply = tcp_exchange(site.addr(), &fire).await;
        assert!(text(&reply).contains("\"ACK\"0042L0#C100[]"));
    }
    let reply = udp_exchange(site.addr(), &fire).await;
    assert!(text(&reply).contains("\"ACK\"0042"));
    let signals = site.signals().await;
    assert_eq!(signals.len(), 1, "{signals:?}");
    assert_eq!(signals[0]["category"], "fire_alarm");
    assert_eq!(signals[0]["zone"], "7");
    assert!(
        metric(
            &site.s,
            "binhyen_dc09_frames_total{result=\"ack\",reason=\"duplicate\"}"
        )
        .await
            >= 3
    );
    site.s.stop().await;
}

async fn split_and_coalesced_frames(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    site.device(json!({"account": "D100", "allow_plain": true}))
        .await;
    let frame = |seq| {
        MessageBuilder::new(Token::SiaDcs)
            .seq(seq)
            .account("D100")
            .sia(&format!("Nri1/FT{seq:03}"))
            .build()
            .unwrap()
    };
    let mut c = TcpStream::connect(site.addr()).await.unwrap();
    // One frame in three writes, with pauses between them.
    let f1 = frame(1);
    for part in [&f1[..5], &f1[5..20], &f1[20..]] {
        c.write_all(part).await.unwrap();
        c.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let replies = read_frames(&mut c, 1).await;
    assert!(text(&replies[0]).contains("\"ACK\"0001"));
    // Two frames in one write: two ACKs, in order.
    let mut both = frame(2);
    both.extend_from_slice(&frame(3));
    c.write_all(&both).await.unwrap();
    let replies = read_frames(&mut c, 2).await;
    assert!(text(&replies[0]).contains("\"ACK\"0002"));
    assert!(text(&replies[1]).contains("\"ACK\"0003"));
    assert_eq!(site.signals().await.len(), 3);
    site.s.stop().await;
}

async fn restart_between_send_and_retransmission(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    site.device(json!({"account": "E128", "key": HEX128})).await;
    let key = Key::from_hex(HEX128).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let first = MessageBuilder::new(Token::AdmCid)
        .seq(7)
        .account("E128")
        .contact_id(1, 110, 1, 3)
        .timestamp(now())
        .build_encrypted(&key, &mut rng)
        .unwrap();
    let second = MessageBuilder::new(Token::AdmCid)
        .seq(8)
        .account("E128")
        .contact_id(1, 111, 1, 4)
        .timestamp(now())
        .build_encrypted(&key, &mut rng)
        .unwrap();
    // The first is ACKed; the second is sent and the server stops before its ACK is read.
    let reply = tcp_exchange(site.addr(), &first).await;
    assert_eq!(Header::peek(&reply).unwrap().token, Token::Ack);
    let mut c = TcpStream::connect(site.addr()).await.unwrap();
    c.write_all(&second).await.unwrap();
    let Site {
        s,
        admin: _,
        facility,
        unit,
    } = site;
    let s = s.restart().await;
    let admin = s.admin().await;
    let site = Site {
        s,
        admin,
        facility,
        unit,
    };
    // The panel retransmits both with the same content: both ACKed, each stored once.
    for frame in [&first, &second] {
        let reply = tcp_exchange(site.addr(), frame).await;
        let ack = Message::decode(&reply, Some(&key), now(), &Window::default()).unwrap();
        assert_eq!(ack.token(), Token::Ack);
    }
    let signals = site.signals().await;
    let codes: Vec<&str> = signals
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(signals.len(), 2, "{codes:?}");
    assert!(codes.contains(&"1110") && codes.contains(&"1111"));
    site.s.stop().await;
}

async fn poll<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not reached within 10 s");
}

async fn supervision_raises_one_offline_trouble_and_clears_it(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    let dev = site
        .device(json!({"account": "F100", "allow_plain": true, "supervision_secs": 1}))
        .await;
    let id = dev["id"].as_i64().unwrap();
    let null = |seq| {
        MessageBuilder::new(Token::Null)
            .seq(seq)
            .account("F100")
            .build()
            .unwrap()
    };
    tcp_exchange(site.addr(), &null(1)).await;
    let s = &site.s;
    let admin = &site.admin;
    poll("device offline", || async {
        let r: Vec<Value> = s
            .get(admin, "/api/devices?status=offline")
            .await
            .json()
            .await
            .unwrap();
        r.iter().any(|d| d["id"] == id)
    })
    .await;
    // Silent for longer still: still one trouble, not one per tick.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let troubles: Vec<Value> = s
        .get(
            admin,
            &format!("/api/facilities/troubles?facility_id={}", site.facility),
        )
        .await
        .json()
        .await
        .unwrap();
    let offline: Vec<&Value> = troubles
        .iter()
        .filter(|t| t["kind"] == "device_offline")
        .collect();
    assert_eq!(offline.len(), 1, "{troubles:?}");
    assert_eq!(offline[0]["unit_code"], site.unit.as_str());
    let counts: Vec<Value> = s
        .get(admin, "/api/devices/offline-by-unit")
        .await
        .json()
        .await
        .unwrap();
    assert!(counts
        .iter()
        .any(|c| c["unit_code"] == site.unit.as_str() && c["offline"].as_i64() >= Some(1)));
    // It reports again: the trouble is cleared (with a 1 s interval it may soon go silent
    // again, so the cleared trouble is the lasting evidence, with the audit trail).
    tcp_exchange(site.addr(), &null(2)).await;
    let first = offline[0]["id"].clone();
    let facility = site.facility;
    poll("offline trouble cleared", || async {
        let all: Vec<Value> = s
            .get(
                admin,
                &format!("/api/facilities/troubles?facility_id={facility}&open=false"),
            )
            .await
            .json()
            .await
            .unwrap();
        all.iter()
            .any(|t| t["id"] == first && !t["cleared_at"].is_null())
    })
    .await;
    let audit: Vec<Value> = s
        .get(
            admin,
            &format!("/api/audit?object_type=device&object_id={id}"),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().filter_map(|a| a["action"].as_str()).collect();
    assert!(
        actions.contains(&"device.offline") && actions.contains(&"device.online"),
        "{actions:?}"
    );
    site.s.stop().await;
}

async fn alarms_and_troubles_from_signals(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    site.device(json!({"account": "A700", "allow_plain": true}))
        .await;
    let cid = |seq, q, code, zone| {
        MessageBuilder::new(Token::AdmCid)
            .seq(seq)
            .account("A700")
            .contact_id(q, code, 1, zone)
            .build()
            .unwrap()
    };
    // An alarm storm: 20 smoke detectors within a minute, on one connection.
    let mut c = TcpStream::connect(site.addr()).await.unwrap();
    let mut storm = Vec::new();
    for z in 1..=20u16 {
        storm.extend_from_slice(&cid(z, 1, 111, z));
    }
    c.write_all(&storm).await.unwrap();
    let acks = read_frames(&mut c, 20).await;
    assert!(acks.iter().all(|a| text(a).contains("\"ACK\"")));
    // AC power loss becomes a facility trouble, not an emergency; its restore clears it.
    tcp_exchange(site.addr(), &cid(30, 1, 301, 0)).await;
    let s = &site.s;
    let admin = &site.admin;
    let facility = site.facility;
    poll("ac loss trouble", || async {
        let t: Vec<Value> = s
            .get(
                admin,
                &format!("/api/facilities/troubles?facility_id={facility}"),
            )
            .await
            .json()
            .await
            .unwrap();
        t.iter().any(|t| t["kind"] == "ac_loss")
    })
    .await;
    tcp_exchange(site.addr(), &cid(31, 3, 301, 0)).await;
    poll("ac loss cleared", || async {
        let t: Vec<Value> = s
            .get(
                admin,
                &format!("/api/facilities/troubles?facility_id={facility}"),
            )
            .await
            .json()
            .await
            .unwrap();
        !t.iter().any(|t| t["kind"] == "ac_loss")
    })
    .await;
    // The storm became exactly one incident: every fire signal is done and points at it.
    poll("fire signals handed to one incident", || async {
        let signals = site.signals().await;
        let fire: Vec<&Value> = signals
            .iter()
            .filter(|s| s["category"] == "fire_alarm")
            .collect();
        fire.len() == 20 && fire.iter().all(|s| s["state"] == "done")
    })
    .await;
    let signals = site.signals().await;
    let incidents: std::collections::BTreeSet<i64> = signals
        .iter()
        .filter(|s| s["category"] == "fire_alarm")
        .map(|s| {
            s["incident_id"]
                .as_i64()
                .expect("fire signal has an incident")
        })
        .collect();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let trouble: Vec<&Value> = signals
        .iter()
        .filter(|s| s["family"] == "other_trouble")
        .collect();
    assert_eq!(trouble.len(), 2);
    site.s.stop().await;
}

async fn keys_never_leave_the_server(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    let created = site
        .device(json!({"account": "ABC128", "key": HEX128}))
        .await;
    let id = created["id"].as_i64().unwrap();
    assert!(created["key_fingerprint"].is_string());
    assert_eq!(created["has_key"], true);
    let patched = site
        .s
        .patch(
            &site.admin,
            &format!("/api/devices/{id}"),
            &json!({"version": created["version"], "key": ASCII256, "key_format": "ascii"}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_ne!(patched["key_fingerprint"], created["key_fingerprint"]);
    // Use the new key once so that frames, metrics and signals exist.
    let key = Key::from_ascii(ASCII256).unwrap();
    let mut rng = StdRng::seed_from_u64(9);
    let frame = MessageBuilder::new(Token::SiaDcs)
        .seq(1)
        .account("ABC128")
        .sia("Nri1/FA001")
        .xdata('M', "0026B9E4268B")
        .timestamp(now())
        .build_encrypted(&key, &mut rng)
        .unwrap();
    let reply = tcp_exchange(site.addr(), &frame).await;
    assert!(!text(&reply).contains(ASCII256));
    let mut outputs = String::new();
    for path in [
        format!("/api/devices/{id}"),
        "/api/devices".into(),
        "/api/audit?limit=1000".into(),
        format!("/api/facilities/{}/signals", site.facility),
        "/api/openapi.json".into(),
    ] {
        outputs.push_str(&site.s.get(&site.admin, &path).await.text().await.unwrap());
    }
    outputs.push_str(
        &site
            .s
            .client
            .get(site.s.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    for secret in [HEX128, &HEX128.to_uppercase(), ASCII256] {
        assert!(!outputs.contains(secret), "key {secret} leaked");
    }
    assert!(!outputs.contains("key_sealed"));
    site.s.stop().await;
}

async fn limits_and_oversized_frames(backend: Backend) {
    let Some(site) = site(
        backend,
        ReceiverOptions {
            max_per_source: 2,
            ..options()
        },
    )
    .await
    else {
        return;
    };
    site.device(json!({"account": "ABC100", "allow_plain": true}))
        .await;
    let null = MessageBuilder::new(Token::Null)
        .seq(1)
        .account("ABC100")
        .build()
        .unwrap();
    let mut a = TcpStream::connect(site.addr()).await.unwrap();
    let mut b = TcpStream::connect(site.addr()).await.unwrap();
    a.write_all(&null).await.unwrap();
    read_frames(&mut a, 1).await;
    b.write_all(&null).await.unwrap();
    read_frames(&mut b, 1).await;
    // A third connection from the same address is closed at once.
    let mut c = TcpStream::connect(site.addr()).await.unwrap();
    let _ = c.write_all(&null).await;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
        .await
        .expect("closed promptly")
        .unwrap_or(0);
    assert_eq!(n, 0, "third connection must be refused");
    // An oversized frame is answered NAK and its connection closed, even before its end.
    let mut huge = vec![b'\n'];
    huge.extend(std::iter::repeat_n(b'A', dc09::MAX_FRAME_LEN + 2000));
    a.write_all(&huge).await.unwrap();
    let replies = read_frames(&mut a, 1).await;
    assert_nak(&replies[0]);
    let n = tokio::time::timeout(Duration::from_secs(5), a.read(&mut buf))
        .await
        .expect("closed promptly")
        .unwrap_or(0);
    assert_eq!(n, 0, "oversized frame closes the connection");
    // The other connection is unaffected.
    b.write_all(&null).await.unwrap();
    read_frames(&mut b, 1).await;
    site.s.stop().await;
}

/// The devices board's totals come from the server: with more devices than a list page, the
/// summary still counts them all, by status and per unit.
async fn device_totals_count_past_a_list_page(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    let (s, admin) = (&site.s, &site.admin);
    let mut csv = String::from("account,facility_id,allow_plain\n");
    for n in 0..130 {
        csv.push_str(&format!("{:X},{},true\n", 0xA000 + n, site.facility));
    }
    let r = s.post_csv(admin, "/api/devices/import", &csv).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let page: Vec<Value> = s.get(admin, "/api/devices").await.json().await.unwrap();
    assert_eq!(page.len(), 100, "one list page");
    let summary: Value = s
        .get(admin, "/api/devices/summary")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        summary,
        json!({"total": 130, "new": 130, "online": 0, "offline": 0})
    );
    let mine: Value = s
        .get(admin, &format!("/api/devices/summary?unit={}", site.unit))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 130);
    let other = if site.unit == "00004" {
        "00008"
    } else {
        "00004"
    };
    let elsewhere: Value = s
        .get(admin, &format!("/api/devices/summary?unit={other}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(elsewhere["total"], 0);
    let r = s.get(admin, "/api/devices/summary?status=online").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "unknown filter");
}

/// A plain panel pinned to its line: its plain messages are accepted only from the sources it
/// lists (anyone who knows the account could otherwise send one), the list is checked when
/// written, shown, changed by an admin only, and read from the CSV import.
async fn a_plain_device_is_pinned_to_its_sources(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    let elsewhere = site
        .device(json!({"account": "C100", "plain_sources": [" 198.51.100.7 ", "198.51.100.7"]}))
        .await;
    assert_eq!(elsewhere["plain_sources"], json!(["198.51.100.7"]));
    site.device(json!({"account": "C101", "plain_sources": ["127.0.0.0/8"]}))
        .await;
    let alarm = |acct: &str, seq: u16| {
        MessageBuilder::new(Token::AdmCid)
            .seq(seq)
            .account(acct)
            .contact_id(1, 110, 1, 3)
            .build()
            .unwrap()
    };
    // The test's frames come from 127.0.0.1.
    assert_nak(&tcp_exchange(site.addr(), &alarm("C100", 1)).await);
    let line = "binhyen_dc09_frames_total{result=\"nak\",reason=\"plain_source\"}";
    assert!(metric(&site.s, line).await >= 1);
    let reply = tcp_exchange(site.addr(), &alarm("C101", 1)).await;
    assert_eq!(
        Header::peek(&reply).unwrap().token,
        Token::Ack,
        "{}",
        text(&reply)
    );

    // Moved to the right line, the first device is heard.
    let path = format!("/api/devices/{}", elsewhere["id"]);
    let r = site
        .s
        .patch(
            &site.admin,
            &path,
            &json!({"version": elsewhere["version"], "plain_sources": ["127.0.0.1", "::1"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let moved: Value = r.json().await.unwrap();
    assert_eq!(moved["plain_sources"], json!(["127.0.0.1", "::1"]));
    let mut heard = false;
    for seq in 2..40 {
        let reply = tcp_exchange(site.addr(), &alarm("C100", seq)).await;
        if Header::peek(&reply).unwrap().token == Token::Ack {
            heard = true;
            break;
        }
        // The receiver's registry follows the change feed.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(heard, "the device's new sources apply");

    // Checked when written; a unit officer may not change them.
    for bad in [json!(["ten"]), json!(["10.0.0.0/33"])] {
        let r = site
            .s
            .patch(
                &site.admin,
                &path,
                &json!({"version": moved["version"], "plain_sources": bad}),
            )
            .await;
        assert_eq!(
            common::error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_field"
        );
    }
    let officer = site
        .s
        .user(
            &site.admin,
            "can_bo_nguon",
            "unit_officer",
            Some(&site.unit),
        )
        .await;
    let r = site
        .s
        .patch(
            &officer,
            &path,
            &json!({"version": moved["version"], "plain_sources": []}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The CSV import reads them, separated by spaces, and reports a bad one by line.
    let csv = format!(
        "account,facility_id,plain_sources\nC102,{f},10.1.0.0/16 10.2.0.9\nC103,{f},nowhere\n",
        f = site.facility
    );
    let r = site
        .s
        .post_csv(&site.admin, "/api/devices/import?mode=valid-only", &csv)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["errors"][0]["line"], 3, "{report}");
    assert_eq!(report["errors"][0]["field"], "plain_sources", "{report}");
    let r = site
        .s
        .get(
            &site.admin,
            &format!("/api/devices?facility_id={}", site.facility),
        )
        .await;
    let listed: Vec<Value> = r.json().await.unwrap();
    let c102 = listed
        .iter()
        .find(|d| d["account"] == "C102")
        .expect("C102 listed");
    assert_eq!(c102["plain_sources"], json!(["10.1.0.0/16", "10.2.0.9"]));
    site.s.stop().await;
}

/// A fire alarm declared false counts for its facility and its device, and in the rate per
/// 100 devices per month; a real alarm does not, nor does another unit's facility in that
/// unit's scope.
async fn false_alarms_are_counted_per_facility_and_device(backend: Backend) {
    let Some(site) = site(backend, options()).await else {
        return;
    };
    for account in ["D100", "D101", "D102", "D103"] {
        site.device(json!({"account": account, "allow_plain": true}))
            .await;
    }
    // A fire alarm from D100 and one from D101 (zones apart: one incident per facility and
    // kind while open, so the first is declared false before the second comes).
    let fire = |acct: &str, zone: u16| {
        MessageBuilder::new(Token::AdmCid)
            .seq(zone)
            .account(acct)
            .contact_id(1, 110, 1, zone)
            .build()
            .unwrap()
    };
    let mut false_id = 0;
    for (acct, zone, is_false) in [("D100", 1, true), ("D101", 2, false)] {
        let reply = tcp_exchange(site.addr(), &fire(acct, zone)).await;
        assert_eq!(Header::peek(&reply).unwrap().token, Token::Ack);
        let path = format!("/api/incidents?facility={}&status=open", site.facility);
        let mut incident = Value::Null;
        for _ in 0..100 {
            let list: Vec<Value> = site.s.get(&site.admin, &path).await.json().await.unwrap();
            if let Some(i) = list.first() {
                incident = i.clone();
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let id = incident["id"]
            .as_i64()
            .expect("the alarm opened an incident");
        if is_false {
            false_id = id;
        }
        // Ended either way, so that the next alarm opens an incident of its own.
        let steps = if is_false {
            vec![
                json!({"to": "false_alarm", "reason": "Hơi nước nhà bếp, không có cháy"}),
                json!({"to": "closed", "disposition": "false_alarm"}),
            ]
        } else {
            vec![json!({"to": "cancelled", "reason": "Đã xử lý tại chỗ"})]
        };
        for body in steps {
            let path = format!("/api/incidents/{id}/transitions");
            let r = site.s.post(&site.admin, &path, &body).await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        }
    }
    // Its fire report gives the cause (filed after closing, as fire teams often do).
    let r = site
        .s
        .client
        .put(
            site.s
                .url(&format!("/api/incidents/{false_id}/fire-report")),
        )
        .bearer_auth(&site.admin)
        .json(&json!({"real_fire": false, "false_alarm_cause": "steam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = site.s.get(&site.admin, "/api/stats/false-alarms").await;
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["false_alarms"], 1, "{report}");
    assert_eq!(report["causes"][0]["code"], "steam", "{report}");
    assert_eq!(report["causes"][0]["count"], 1, "{report}");
    assert_eq!(report["devices"], 4, "{report}");
    assert_eq!(
        report["facilities"][0]["facility_id"], site.facility,
        "{report}"
    );
    assert_eq!(report["facilities"][0]["false_alarms"], 1);
    assert_eq!(report["facilities"][0]["devices"], 4);
    assert_eq!(
        report["worst_devices"],
        json!([{
            "account": "D100", "facility_id": site.facility,
            "facility_name": "Chung cư thử nghiệm", "false_alarms": 1
        }])
    );
    assert_eq!(report["devices_with_false_alarms"], 1, "{report}");
    // 1 × 100 / 4 devices / (days passed / 30.4375).
    let days = report["elapsed_days"].as_f64().unwrap();
    let rate = report["rate_per_100_devices_month"].as_f64().unwrap();
    assert!((rate - 25.0 * 30.4375 / days).abs() < 1e-6, "{report}");
    // Another unit's scope has none of it; the export lists the facility.
    let other = if site.unit == "00004" {
        "00008"
    } else {
        "00004"
    };
    let r = site
        .s
        .get(
            &site.admin,
            &format!("/api/stats/false-alarms?unit={other}"),
        )
        .await;
    let elsewhere: Value = r.json().await.unwrap();
    assert_eq!(elsewhere["false_alarms"], 0, "{elsewhere}");
    assert_eq!(elsewhere["devices"], 0, "{elsewhere}");
    assert!(elsewhere["rate_per_100_devices_month"].is_null());
    let csv = site
        .s
        .get(&site.admin, "/api/stats/false-alarms?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Chung cư thử nghiệm"), "{csv}");
    site.s.stop().await;
}

api_on_both_backends!(
    device_totals_count_past_a_list_page,
    false_alarms_are_counted_per_facility_and_device,
    a_plain_device_is_pinned_to_its_sources,
    acks_plain_and_encrypted_over_tcp_and_udp,
    every_nak_case_and_duh,
    retransmission_is_acked_and_stored_once,
    split_and_coalesced_frames,
    restart_between_send_and_retransmission,
    supervision_raises_one_offline_trouble_and_clears_it,
    alarms_and_troubles_from_signals,
    keys_never_leave_the_server,
    limits_and_oversized_frames,
);
