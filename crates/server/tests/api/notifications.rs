//! Telling a building's people that its alarm went off, against a started server with a DC-09
//! listener, a local SMTP server and a local SMS gateway started by the test: a fire alarm
//! sends an e-mail and an SMS to every person on the facility's list, in order; a gateway that
//! fails is tried again with back-off and every attempt is shown on the incident; a mailbox
//! that does not exist is not retried; nothing is sent for a device on test; a person with no
//! channel is called by the operator, whose call is recorded once. Two nodes on one PostgreSQL
//! send each notice once.

use crate::common;

use common::{error_code, Backend, TestServer};
use dc09::{MessageBuilder, Token};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::notify::{NotifyOptions, SmsOptions, SmtpOptions};
use server::receiver::ReceiverOptions;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message the local SMTP server accepted.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A small SMTP server: accepts every recipient except those whose mailbox starts with
/// `khongco` (answered `550`, as a relay does for a mailbox that does not exist).
struct SmtpServer {
    addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(smtp_session(socket, store.clone()));
            }
        });
        SmtpServer { addr, mails }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn smtp_session(socket: TcpStream, mails: Arc<Mutex<Vec<Mail>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let mut to = Vec::new();
    let _ = write.write_all(b"220 kiemthu ESMTP\r\n").await;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250-kiemthu\r\n250 8BITMIME\r\n"
        } else if command.starts_with("MAIL FROM") {
            to.clear();
            b"250 2.1.0 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_matches(['<', '>'])
                .to_owned();
            if address.starts_with("khongco") {
                b"550 5.1.1 mailbox does not exist\r\n"
            } else {
                to.push(address);
                b"250 2.1.5 OK\r\n"
            }
        } else if command == "DATA" {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            mails.lock().unwrap().push(Mail {
                to: std::mem::take(&mut to),
                data,
            });
            b"250 2.0.0 queued as 1\r\n"
        } else if command == "QUIT" {
            let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// A local SMS gateway that answers 503 to its first `fail_first` requests, then 200.
struct SmsGateway {
    url: String,
    bodies: Arc<Mutex<Vec<(String, String)>>>,
}

impl SmsGateway {
    async fn start(fail_first: usize) -> SmsGateway {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(AtomicUsize::new(0));
        let store = bodies.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let store = store.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // One request per connection: headers, then Content-Length bytes.
                    loop {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some((head, body)) = text.split_once("\r\n\r\n") {
                            let length = head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().ok())?
                                })
                                .unwrap_or(0);
                            if body.len() >= length {
                                let auth = head
                                    .lines()
                                    .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                                    .unwrap_or_default()
                                    .to_owned();
                                store.lock().unwrap().push((auth, body.to_owned()));
                                let n = seen.fetch_add(1, Ordering::SeqCst);
                                let answer = if n < fail_first {
                                    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy"
                                } else {
                                    "HTTP/1.1 200 OK\r\ncontent-length: 16\r\nconnection: close\r\n\r\n{\"status\":\"ok\"}\n"
                                };
                                let _ = socket.write_all(answer.as_bytes()).await;
                                return;
                            }
                        }
                    }
                });
            }
        });
        SmsGateway {
            url: format!("http://{addr}/send"),
            bodies,
        }
    }

    fn bodies(&self) -> Vec<(String, String)> {
        self.bodies.lock().unwrap().clone()
    }
}

fn fast(smtp: Option<&SmtpServer>, sms: Option<&SmsGateway>) -> NotifyOptions {
    NotifyOptions {
        smtp: smtp.map(|s| SmtpOptions {
            url: format!("smtp://{}", s.addr),
            from: "Trung tâm chỉ huy <cnch@binhyen.test>".into(),
        }),
        sms: sms.map(|g| SmsOptions {
            url: g.url.clone(),
            body: Some(server::notify::DEFAULT_SMS_BODY.into()),
            content_type: "application/json".into(),
            authorization: Some("Bearer bi-mat".into()),
        }),
        retry_base: Duration::from_millis(200),
        tick: Duration::from_millis(100),
        ..NotifyOptions::default()
    }
}

/// A facility with `contacts` and a device with `account`; returns (facility, device) ids.
async fn facility(s: &TestServer, admin: &str, account: &str, contacts: Value) -> (i64, i64) {
    let r = s
        .post(
            admin,
            "/api/facilities",
            &json!({
                "name": format!("Tòa nhà {account}"), "address": "Số 2 phố Trúc Bạch",
                "lat": 21.0442, "lon": 105.8431, "unit_code": "00004", "kind": "office",
                "floors": 9, "contacts": contacts
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let f: Value = r.json().await.unwrap();
    let r = s
        .post(
            admin,
            "/api/devices",
            &json!({"account": account, "facility_id": f["id"], "allow_plain": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let d: Value = r.json().await.unwrap();
    (f["id"].as_i64().unwrap(), d["id"].as_i64().unwrap())
}

/// Sends a fire alarm (Contact ID 110) from `account` and returns the incident it opened.
async fn fire(s: &TestServer, admin: &str, account: &str) -> i64 {
    let frame = MessageBuilder::new(Token::AdmCid)
        .seq(1)
        .account(account)
        .contact_id(1, 110, 1, 3)
        .build()
        .unwrap();
    let mut c = TcpStream::connect(s.dc09.expect("dc09 listener"))
        .await
        .unwrap();
    c.write_all(&frame).await.unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf))
        .await
        .expect("answer within 10 s")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("\"ACK\""));
    let until = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page: Value = s
            .get(admin, "/api/alarms?class=fire&limit=50")
            .await
            .json()
            .await
            .unwrap();
        let found = page["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|a| a["device_account"] == account)
                .and_then(|a| a["incident_id"].as_i64())
        });
        if let Some(id) = found {
            return id;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "no alarm from {account}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Puts device `id` on test for `minutes` (0 ends the test).
async fn set_test(s: &TestServer, token: &str, id: i64, minutes: u32) -> reqwest::Response {
    s.post(
        token,
        &format!("/api/devices/{id}/test"),
        &json!({ "minutes": minutes }),
    )
    .await
}

/// Waits until the incident's plan satisfies `done`; returns it.
async fn plan_until(
    s: &TestServer,
    token: &str,
    incident: i64,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = s
            .get(token, &format!("/api/incidents/{incident}/notifications"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        if !v["plan"].is_null() && done(&v["plan"]) {
            return v["plan"].clone();
        }
        assert!(
            tokio::time::Instant::now() < until,
            "{what} not reached: {v:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every e-mail and SMS sent or given up.
fn settled(plan: &Value) -> bool {
    plan["notices"].as_array().is_some_and(|n| {
        n.iter()
            .all(|n| n["state"] != "pending" || n["channel"] == "console")
    })
}

async fn a_fire_alarm_tells_the_buildings_people_in_order(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let sms = SmsGateway::start(2).await;
    let options = fast(Some(&smtp), Some(&sms));
    let Some(s) =
        TestServer::start_configured(backend, ReceiverOptions::default(), |c| c.notify = options)
            .await
    else {
        return;
    };
    let admin = s.admin().await;
    let contacts = json!([
        {"name": "Nguyễn Văn An", "phone": "0912345678", "role": "Trưởng ban quản lý",
         "email": "an@toanha.vn"},
        {"name": "Trần Thị Bình", "phone": "0987 654 321"},
        {"name": "Lê Văn Cường", "phone": "0903111222", "email": "khongco@toanha.vn"},
        {"name": "Đỗ Văn Hùng", "phone": "024 3825 1234", "email": "khongco.hung@toanha.vn"},
    ]);
    facility(&s, &admin, "C100", contacts).await;
    let incident = fire(&s, &admin, "C100").await;
    let plan = plan_until(&s, &admin, incident, "every notice settled", settled).await;
    assert_eq!(plan["outcome"], "queued");
    let got: Vec<(i64, &str, &str, &str)> = plan["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["seq"].as_i64().unwrap(),
                n["channel"].as_str().unwrap(),
                n["recipient"].as_str().unwrap(),
                n["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "email", "an@toanha.vn", "sent"),
            (1, "sms", "0912345678", "sent"),
            (2, "sms", "0987654321", "sent"),
            (3, "email", "khongco@toanha.vn", "failed"),
            (3, "sms", "0903111222", "sent"),
            // A landline takes no SMS, and the e-mail bounced: the operator calls.
            (4, "email", "khongco.hung@toanha.vn", "failed"),
            (4, "console", "02438251234", "pending"),
        ]
    );
    assert_eq!(plan["notices"][6]["contact_name"], "Đỗ Văn Hùng");
    // The relay got one message, to the right person, saying what, where and which incident.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["an@toanha.vn"]);
    let number = s
        .get(&admin, &format!("/api/incidents/{incident}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(mails[0].data.contains("Subject:"));
    let email = &plan["notices"][0];
    assert!(email["body"].as_str().unwrap().contains(&number));
    assert!(email["subject"].as_str().unwrap().contains("Tòa nhà C100"));
    assert_eq!(email["history"][0]["ok"], true);
    assert!(email["history"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("250"));
    // The mailbox that does not exist was refused once and not tried again.
    let bounced = &plan["notices"][3];
    assert_eq!(bounced["attempts"], 1);
    assert!(bounced["last_error"].as_str().unwrap().contains("550"));
    // The gateway was busy for its first two requests: each of the first two SMS failed
    // once, was tried again after the back-off and went through.
    let texts: Vec<&Value> = plan["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["channel"] == "sms")
        .collect();
    let histories: Vec<Vec<bool>> = texts
        .iter()
        .map(|n| {
            n["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["ok"].as_bool().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        histories,
        [vec![false, true], vec![false, true], vec![true]]
    );
    assert!(texts[0]["history"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("503"));
    let first =
        chrono::DateTime::parse_from_rfc3339(texts[0]["history"][0]["at"].as_str().unwrap())
            .unwrap();
    let second =
        chrono::DateTime::parse_from_rfc3339(texts[0]["history"][1]["at"].as_str().unwrap())
            .unwrap();
    assert!(
        second - first >= chrono::Duration::milliseconds(200),
        "no back-off"
    );
    let bodies = sms.bodies();
    assert_eq!(bodies.len(), 5);
    let last: Value = serde_json::from_str(&bodies[4].1).unwrap();
    assert!(last["message"].as_str().unwrap().is_ascii());
    assert!(last["message"].as_str().unwrap().contains(&number));
    assert_eq!(
        bodies[0].0.to_ascii_lowercase(),
        "authorization: bearer bi-mat"
    );
    // A leader reads the attempts with the recipients masked.
    let leader = s.user(&admin, "chihuy", "leader", None).await;
    let seen = plan_until(&s, &leader, incident, "the leader's view", |_| true).await;
    assert_eq!(seen["notices"][0]["recipient"], "a***@toanha.vn");
    assert_ne!(seen["notices"][1]["recipient"], "0912345678");
    s.stop().await;
}

async fn nothing_is_sent_for_a_device_on_test_and_the_operator_calls_the_rest(backend: Backend) {
    let options = fast(None, None);
    let Some(s) =
        TestServer::start_configured(backend, ReceiverOptions::default(), |c| c.notify = options)
            .await
    else {
        return;
    };
    let admin = s.admin().await;
    let one = json!([{"name": "Phạm Văn Dũng", "phone": "0912000111", "email": "d@toanha.vn"}]);
    let (_, on_test) = facility(&s, &admin, "D100", one.clone()).await;
    let r = set_test(&s, &admin, on_test, 2000).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = set_test(&s, &admin, on_test, 30).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.json::<Value>().await.unwrap()["test_until"].is_string());
    let tested = fire(&s, &admin, "D100").await;
    let plan = plan_until(&s, &admin, tested, "a plan", |_| true).await;
    assert_eq!(plan["outcome"], "device_on_test");
    assert_eq!(plan["notices"], json!([]));

    // No e-mail or SMS configured: the operator phones each person, in order.
    let two = json!([
        {"name": "Hoàng Thị Em", "phone": "0912000222"},
        {"name": "Vũ Văn Giang", "phone": "0912000333"},
    ]);
    facility(&s, &admin, "D200", two).await;
    let incident = fire(&s, &admin, "D200").await;
    let plan = plan_until(&s, &admin, incident, "a plan", |_| true).await;
    assert_eq!(plan["outcome"], "queued");
    let notices = plan["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 2);
    assert!(notices
        .iter()
        .all(|n| n["channel"] == "console" && n["state"] == "pending"));
    let first = notices[0]["id"].as_i64().unwrap();
    let call = format!("/api/incidents/{incident}/notifications/{first}/call");
    let r = s
        .post(
            &admin,
            &call,
            &json!({"reached": true, "note": "Đã báo, đang xuống kiểm tra"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let n: Value = r.json().await.unwrap();
    assert_eq!(n["state"], "sent");
    let r = s.post(&admin, &call, &json!({"reached": false})).await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    // A notice of another incident, and a leader, are refused.
    let r = s
        .post(
            &admin,
            &format!("/api/incidents/{tested}/notifications/{first}/call"),
            &json!({"reached": true}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let leader = s.user(&admin, "lanhdao", "leader", None).await;
    let second = notices[1]["id"].as_i64().unwrap();
    let r = s
        .post(
            &leader,
            &format!("/api/incidents/{incident}/notifications/{second}/call"),
            &json!({"reached": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let plan = plan_until(&s, &admin, incident, "the call recorded", |p| {
        p["notices"][0]["state"] == "sent"
    })
    .await;
    assert_eq!(plan["notices"][0]["history"][0]["by"], "admin");
    assert_eq!(
        plan["notices"][0]["history"][0]["detail"],
        "Đã báo, đang xuống kiểm tra"
    );
    // Ending the test clears its window.
    let r = set_test(&s, &admin, on_test, 0).await;
    assert!(r.json::<Value>().await.unwrap()["test_until"].is_null());
    s.stop().await;
}

api_on_both_backends!(
    a_fire_alarm_tells_the_buildings_people_in_order,
    nothing_is_sent_for_a_device_on_test_and_the_operator_calls_the_rest,
);

/// Two nodes on one PostgreSQL plan and send each notice once.
#[tokio::test]
#[ignore = "PostgreSQL: set BINHYEN_TEST_PG and run with --ignored"]
async fn two_nodes_send_each_notice_once() {
    let smtp = SmtpServer::start().await;
    let options = fast(Some(&smtp), None);
    let s = TestServer::start_configured(Backend::Postgres, ReceiverOptions::default(), |c| {
        c.notify = options
    })
    .await
    .expect("server");
    let other = s.second_node().await;
    let admin = s.admin().await;
    let contacts = json!([
        {"name": "An", "phone": "0912345678", "email": "an@toanha.vn"},
        {"name": "Bình", "phone": "0987654321", "email": "binh@toanha.vn"},
    ]);
    facility(&s, &admin, "E100", contacts).await;
    let incident = fire(&s, &admin, "E100").await;
    let plan = plan_until(&s, &admin, incident, "both sent", settled).await;
    assert_eq!(plan["notices"].as_array().unwrap().len(), 2);
    // Let both nodes run a few more ticks: nothing more is sent.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut to: Vec<String> = smtp.mails().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    assert_eq!(to, ["an@toanha.vn", "binh@toanha.vn"]);
    other.stop().await;
    s.stop().await;
}
