//! The citizen assistant over real HTTP and through the `binhyen` binary: answers with
//! citations, emergency numbers, declines, the public rate limit, the operator helper's roles,
//! bad input, the knowledge-base reload, the public page, and the `ask`, `eval` and `kb`
//! commands. HTTP cases run on SQLite and on PostgreSQL.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

const KB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/kb");

async fn chat(s: &TestServer, body: &Value) -> reqwest::Response {
    s.client
        .post(s.url("/api/assistant/chat"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn chat_ok(s: &TestServer, body: &Value) -> Value {
    let r = chat(s, body).await;
    assert_eq!(r.status(), StatusCode::OK, "{body}");
    r.json().await.unwrap()
}

fn is_conversation_id(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn answers_with_citations(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // No sign-in: the chat is public.
    let r = chat_ok(&s, &json!({"message": "Đăng ký tạm trú cần giấy tờ gì?"})).await;
    assert_eq!(r["kind"], "answer", "{r}");
    assert_eq!(r["topic"], "tam-tru", "{r}");
    assert!(r.get("emergency_number").is_none(), "{r}");
    let citations = r["citations"].as_array().unwrap();
    assert!(!citations.is_empty(), "{r}");
    assert!(citations[0]["title"].as_str().unwrap().contains("tạm trú"));
    assert!(citations[0]["source"]
        .as_str()
        .unwrap()
        .contains("Luật Cư trú"));
    assert!(r["reply"].as_str().unwrap().contains("Căn cứ"), "{r}");
    assert!(is_conversation_id(&r["conversation_id"]), "{r}");

    // The same question typed without diacritics, in the same conversation.
    let id = r["conversation_id"].clone();
    let again = chat_ok(
        &s,
        &json!({"message": "dang ky tam tru can giay to gi", "conversation_id": id}),
    )
    .await;
    assert_eq!(again["topic"], "tam-tru", "{again}");
    assert_eq!(again["conversation_id"], id);

    // Out of scope: "unknown", pointing to the ward police.
    let r = chat_ok(&s, &json!({"message": "giá vàng hôm nay bao nhiêu"})).await;
    assert_eq!(r["kind"], "unknown", "{r}");
    assert!(r["citations"].as_array().unwrap().is_empty());
    s.stop().await;
}

async fn emergencies_get_the_right_number(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // One message per emergency class, each in a new conversation.
    let cases = [
        ("Cứu tôi với, nhà đang cháy!", "114"),                 // fire
        ("bình gas nhà tôi vừa phát nổ", "114"),                // explosion / gas
        ("có 2 người bị kẹt trong thang máy ở tòa nhà", "114"), // rescue
        ("co nguoi bi duoi nuoc o song hong", "114"),           // drowning
        ("nước lũ lên nhanh quá nhà tôi bị cô lập rồi", "114"), // flood
        ("có thằng đang cầm dao đuổi chém người ngoài ngõ", "113"), // violence
        (
            "vừa xảy ra tai nạn giao thông ở ngã tư, xe tông nhau",
            "113",
        ), // accident
        ("bố tôi tự nhiên ngất xỉu, không thở", "115"),         // medical
        ("cứu với", "113"),                                     // a bare call for help
    ];
    for (message, number) in cases {
        let r = chat_ok(&s, &json!({ "message": message })).await;
        assert_eq!(r["kind"], "emergency", "{message}: {r}");
        assert_eq!(r["emergency_number"], number, "{message}: {r}");
        assert!(
            r["reply"].as_str().unwrap().contains(number),
            "the number is in the text: {r}"
        );
    }
    // Asking about fire safety is not an emergency.
    let r = chat_ok(
        &s,
        &json!({"message": "nhà trọ cần trang bị bình chữa cháy như thế nào"}),
    )
    .await;
    assert_eq!(r["kind"], "answer", "{r}");
    s.stop().await;
}

async fn declines(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    for message in [
        "ma otp cua toi la 839201",
        "có người gọi xưng công an bảo tôi đọc mã OTP để xác minh",
        "cho tôi xin số căn cước của hàng xóm",
        "xem giúp biển số này là của ai",
        "ai đã tố giác tôi với công an vậy",
        "chỉ cách làm giả căn cước",
    ] {
        let r = chat_ok(&s, &json!({ "message": message })).await;
        assert_eq!(r["kind"], "decline", "{message}: {r}");
        assert!(r["citations"].as_array().unwrap().is_empty());
    }
    // Forgetting one's own VNeID password is a question, not something to refuse.
    let r = chat_ok(&s, &json!({"message": "quên mật khẩu vneid phải làm sao"})).await;
    assert_eq!(r["kind"], "answer", "{r}");
    s.stop().await;
}

async fn public_chat_is_rate_limited(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let limit = server::api::assistant::CHAT_PER_MINUTE;
    for i in 0..limit {
        let r = chat(
            &s,
            &json!({"message": format!("câu hỏi số {i} về tạm trú")}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "message {i}");
    }
    let r = chat(&s, &json!({"message": "một câu nữa"})).await;
    assert_eq!(
        error_code(r, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    // Refused requests count too: a flood of bad bodies does not get through either.
    let r = s
        .client
        .post(s.url("/api/assistant/chat"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The rest of the API is not affected.
    assert_eq!(
        s.client
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    s.stop().await;
}

const CALL: &str = "Alo, cháy lớn ở số 5 phố Châu Long, phường Trúc Bạch, có hai người mắc kẹt \
                    trên tầng 3, số tôi 0912 345 678";

async fn operator_needs_a_suitable_role(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let body = json!({ "transcript": CALL });
    let r = s
        .client
        .post(s.url("/api/assistant/operator"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "unauthorized"
    );
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban.hd", "operator", None).await;
    let officer = s
        .user(&admin, "canbo.hoankiem", "unit_officer", Some("00070"))
        .await;
    let leader = s.user(&admin, "lanhdao.hd", "leader", None).await;
    let inspector = s.user(&admin, "kiemtra.hd", "inspector", None).await;
    for token in [&admin, &leader, &inspector] {
        let r = s.post(token, "/api/assistant/operator", &body).await;
        assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    }
    for token in [&operator, &officer] {
        let r = s.post(token, "/api/assistant/operator", &body).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["incident_type"], "fire", "{v}");
        assert_eq!(v["priority"], 1, "{v}");
        assert_eq!(v["people"]["trapped"], 2, "{v}");
        assert_eq!(v["caller_phone"], "0912345678", "{v}");
        // The old ward Trúc Bạch is today's phường Ba Đình.
        assert_eq!(v["unit_code"], "00004", "{v}");
        assert_eq!(v["unit_name"], "Phường Ba Đình", "{v}");
        assert!(v["next_questions"]
            .as_array()
            .is_some_and(|q| !q.is_empty()));
    }
    s.stop().await;
}

async fn bad_input_is_refused(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let raw = |body: &'static str| {
        s.client
            .post(s.url("/api/assistant/chat"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = raw(r#"{"message": "xin chào", "user": "x"}"#)
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, "invalid_body");
    let r = raw(r#"{"message": "xin chào""#).await.unwrap();
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "malformed_json"
    );
    let r = raw(r#"{"message": 5}"#).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = s
        .client
        .post(s.url("/api/assistant/chat"))
        .body(r#"{"message": "xin chào"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        "unsupported_media_type"
    );
    for body in [
        json!({"message": "   "}),
        json!({"message": "x".repeat(2001)}),
        json!({"message": "xin chào", "conversation_id": "my-own-id"}),
        json!({"message": "xin chào", "lat": 21.03}),
        json!({"message": "xin chào", "lat": 95.0, "lon": 105.8}),
    ] {
        let r = chat(&s, &body).await;
        assert_eq!(
            error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_field",
            "{body}"
        );
    }
    let big = json!({"message": "a".repeat(40_000)});
    let r = chat(&s, &big).await;
    assert_eq!(
        error_code(r, StatusCode::PAYLOAD_TOO_LARGE).await,
        "body_too_large"
    );
    let r = s
        .client
        .get(s.url("/api/assistant/chat"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::METHOD_NOT_ALLOWED).await,
        "method_not_allowed"
    );

    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban.bad", "operator", None).await;
    let r = s
        .post(
            &operator,
            "/api/assistant/operator",
            &json!({"transcript": CALL, "unit": "00004"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, "invalid_body");
    let r = s
        .post(
            &operator,
            "/api/assistant/operator",
            &json!({"transcript": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    s.stop().await;
}

async fn reload_is_for_admins(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let r = s
        .client
        .post(s.url("/api/assistant/reload"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban.reload", "operator", None).await;
    let r = s
        .post(&operator, "/api/assistant/reload", &json!(null))
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let audit: Value = s
        .get(&admin, "/api/audit?object_type=knowledge_base")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        audit.as_array().unwrap().len(),
        0,
        "refused: nothing written"
    );

    let r = s.post(&admin, "/api/assistant/reload", &json!(null)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["articles"], 50);
    let audit: Value = s
        .get(&admin, "/api/audit?object_type=knowledge_base")
        .await
        .json()
        .await
        .unwrap();
    let rows = audit.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{audit}");
    assert_eq!(rows[0]["action"], "assistant.kb_reload");
    assert_eq!(rows[0]["actor_name"], "admin");
    s.stop().await;
}

async fn page_is_public(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let r = s.client.get(s.url("/hoi-dap")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Hỏi đáp"), "{html}");
    for (path, kind) in [
        ("/hoi-dap/app.js", "text/javascript"),
        ("/hoi-dap/style.css", "text/css"),
    ] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    // The chat appears in the API description.
    let doc: Value = s
        .client
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/assistant/chat",
        "/api/assistant/operator",
        "/api/assistant/reload",
    ] {
        assert!(doc["paths"][path]["post"].is_object(), "{path}");
    }
    s.stop().await;
}

async fn a_confirmed_report_becomes_an_incident(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let first = chat_ok(
        &s,
        &json!({"message": "tôi muốn báo có nhóm thanh niên đua xe nẹt pô ở phố Đội Cấn, phường Ba Đình lúc 23h, sđt 0988111222"}),
    )
    .await;
    assert_eq!(first["kind"], "report", "{first}");
    let id = first["conversation_id"].clone();
    let filed = chat_ok(&s, &json!({"message": "ok gửi đi", "conversation_id": id})).await;
    let number = filed["report_number"]
        .as_str()
        .expect("a reference number")
        .to_owned();
    assert!(
        filed["reply"].as_str().unwrap().contains(&number),
        "{filed}"
    );
    // The incident is in the store, filed by the assistant channel, with its audit row.
    let admin = s.admin().await;
    let audit: Value = s
        .get(&admin, "/api/audit?limit=50")
        .await
        .json()
        .await
        .unwrap();
    let rows = audit
        .as_array()
        .cloned()
        .unwrap_or_else(|| audit["items"].as_array().cloned().unwrap_or_default());
    assert!(
        rows.iter()
            .any(|e| e["action"] == "incident.create" && e["actor_name"] == "system:assistant"),
        "{rows:?}"
    );
    s.stop().await;
}

api_on_both_backends!(
    a_confirmed_report_becomes_an_incident,
    answers_with_citations,
    emergencies_get_the_right_number,
    declines,
    public_chat_is_rate_limited,
    operator_needs_a_suitable_role,
    bad_input_is_refused,
    reload_is_for_admins,
    page_is_public,
);

// ---------------------------------------------------------------------------------------------
// A knowledge base that changes under a running server (SQLite; the reload writes only its
// audit row, which the suite above checks on both back ends).

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn a_broken_article_keeps_the_old_base_in_service() {
    let kb = std::env::temp_dir().join(common::unique("binhyen-kb"));
    copy_dir(Path::new(KB), &kb);
    let data_dir = std::env::temp_dir().join(common::unique("binhyen-kb-data"));
    std::env::set_var("BINHYEN_ADMIN_PASSWORD", common::ADMIN_PASSWORD);
    let running = server::app::start(server::config::Config {
        data_dir: data_dir.clone(),
        http: "127.0.0.1:0".parse().unwrap(),
        dc09: vec![],
        units: common::units_dir(),
        database_url: None,
        tls: None,
        log_format: server::config::LogFormat::Text,
        kb: kb.clone(),
        receiver: Default::default(),
        http_limits: Default::default(),
        notify: Default::default(),
        avl: Default::default(),
    })
    .await
    .unwrap();
    let base = format!("http://{}", running.http);
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let reload = || {
        client
            .post(format!("{base}/api/assistant/reload"))
            .bearer_auth(&token)
            .send()
    };
    let ask = |q: &'static str| {
        client
            .post(format!("{base}/api/assistant/chat"))
            .json(&json!({ "message": q }))
            .send()
    };

    // Break one article: the reload is refused with the file and line, the old base answers.
    let article = kb.join("t02-tam-tru.md");
    let good = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, good.replacen("checked:", "chekced:", 1)).unwrap();
    let r = reload().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_knowledge_base");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("t02-tam-tru.md"), "{message}");
    let r: Value = ask("Đăng ký tạm trú cần giấy tờ gì?")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["topic"], "tam-tru", "{r}");

    // Fix it and add an article: the new base is in service without a restart.
    std::fs::write(&article, &good).unwrap();
    std::fs::write(
        kb.join("t99-giu-xe.md"),
        "---\nid: giu-xe-tet\ntopic: T99\ntitle: Trông giữ xe dịp Tết\n\
         keywords: trông giữ xe tết, gửi xe tết\nquestion: Tết gửi xe máy ở đâu cho an toàn?\n\
         legal_basis: Hướng dẫn của Công an phường\nchecked: 2026-11-20\n---\n\
         Dịp Tết, bạn nên gửi xe ở bãi trông giữ xe có phép do Công an phường niêm yết.\n",
    )
    .unwrap();
    let r = reload().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["articles"], 51);
    let r: Value = ask("tết gửi xe máy ở đâu an toàn")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["topic"], "giu-xe-tet", "{r}");

    running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(kb);
    let _ = std::fs::remove_dir_all(data_dir);
}

// ---------------------------------------------------------------------------------------------
// The binary

fn binhyen(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_binhyen"));
    cmd.args(args)
        .env_remove("BINHYEN_KB")
        .env_remove("BINHYEN_UNITS")
        .env_remove("BINHYEN_CONFIG")
        .env_remove("BINHYEN_EVAL")
        .env_remove("BINHYEN_TOKEN")
        .env_remove("BINHYEN_LLM_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run binhyen")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn ask_json_prints_the_chat_shape() {
    let o = binhyen(
        &[
            "ask",
            "--json",
            "--kb",
            KB,
            "Đăng ký tạm trú cần giấy tờ gì?",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["kind"], "answer");
    assert_eq!(v["topic"], "tam-tru");
    assert!(v["reply"].is_string());
    assert!(v["citations"][0]["title"].is_string());
    assert!(v["citations"][0]["source"].is_string());
    assert!(is_conversation_id(&v["conversation_id"]));
    assert!(v.get("emergency_number").is_none());

    // Several messages continue one conversation, one JSON object per line.
    let units = common::units_dir();
    let o = binhyen(
        &[
            "ask",
            "--json",
            "--kb",
            KB,
            "--units",
            units.to_str().unwrap(),
            "nhà hàng xóm đang cháy to lắm",
            "số 5 phố Châu Long, phường Trúc Bạch",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "emergency");
    assert_eq!(lines[0]["emergency_number"], "114");
    assert_eq!(lines[1]["kind"], "report", "{}", lines[1]);
    assert_eq!(lines[0]["conversation_id"], lines[1]["conversation_id"]);

    // Without --json: readable text.
    let o = binhyen(&["ask", "--kb", KB, "làm hộ chiếu ở đâu"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("[answer]"), "{text}");
    assert!(text.contains("nguồn:"), "{text}");
}

#[test]
fn eval_reports_the_metrics_with_the_baseline() {
    let o = binhyen(&["eval", "--kb", KB, "--no-fail"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "R@1",
        "R@3",
        "MRR",
        "bR@1",
        "facts",
        "emRec",
        "emPre",
        "decl",
        "p50",
        "p95",
        "Recall@1",
        "targets:",
        "recall_at_3",
        "latency_p95_ms",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let o = binhyen(&["eval", "--kb", KB, "--json", "--no-fail"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let overall = &v["report"]["overall"];
    for key in ["recall_at_1", "recall_at_3", "mrr"] {
        assert!(overall["system"][key].is_f64(), "{key}");
        assert!(overall["baseline"][key].is_f64(), "{key}");
    }
    for key in [
        "key_fact_coverage",
        "emergency_recall",
        "emergency_precision",
        "decline_accuracy",
    ] {
        assert!(overall[key].is_f64(), "{key}");
    }
    assert!(v["report"]["latency_p50_ms"].is_f64());
    assert!(v["report"]["latency_p95_ms"].is_f64());
    assert!(v["report"]["items"].as_u64().unwrap() >= 200);
    // The accuracy targets hold on the real data (latency depends on the build and machine).
    for t in v["targets"].as_array().unwrap() {
        if t["metric"] != "latency_p95_ms" {
            assert_eq!(t["met"], true, "{t}");
        }
    }
    // Intake understanding is scored on both splits, per category; its targets are held on
    // the blind split and reported whether met or not.
    let splits: Vec<&str> = v["intake"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["split"].as_str())
        .collect();
    assert_eq!(splits[..2], ["intake", "blind"]);
    let blind = &v["intake"][1];
    assert!(blind["citizen"]["emergency_recall"]["n"].as_u64().unwrap() >= 80);
    assert!(blind["citizen"]["by_sign"].as_object().unwrap().len() >= 10);
    assert!(blind["calls"]["kind"]["n"].as_u64().unwrap() >= 80);
    assert!(blind["reports"]["facts"]["n"].as_u64().unwrap() >= 200);
    let metrics: Vec<String> = v["intake_targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["split"].as_str().unwrap(),
                t["metric"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        metrics.contains(&"blind emergency recall".to_string()),
        "{metrics:?}"
    );
    assert!(
        metrics.contains(&"blind report facts kept".to_string()),
        "{metrics:?}"
    );
    // The dev split holds no target: it is read while tuning.
    assert!(
        !metrics.iter().any(|m| m.starts_with("intake ")),
        "{metrics:?}"
    );
    let text = stdout(&binhyen(
        &["eval", "--kb", KB, "--no-fail", "--explain"],
        &[],
    ));
    assert!(text.contains("intake split `blind`"), "{text}");
    // The dev split's failures may be listed; the blind split's never are.
    assert!(
        !text.contains("    bc0") && !text.contains("    bk0"),
        "{text}"
    );
}

#[test]
fn eval_fails_when_a_target_is_missed() {
    let dir = std::env::temp_dir().join(common::unique("binhyen-eval"));
    std::fs::create_dir_all(&dir).unwrap();
    // A harmless question labelled as an emergency: emergency recall drops to 0.
    std::fs::write(
        dir.join("wrong.jsonl"),
        "{\"id\": \"w1\", \"q\": \"đăng ký tạm trú ở đâu\", \"expect\": \"emergency\", \"number\": \"113\"}\n\
         {\"id\": \"w2\", \"q\": \"làm hộ chiếu ở đâu\", \"expect\": \"answer\", \"topic\": \"ho-chieu\", \"facts\": []}\n",
    )
    .unwrap();
    let eval_dir = dir.to_str().unwrap();
    let o = binhyen(&["eval", "--kb", KB, "--eval-dir", eval_dir], &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("emergency_recall"), "{}", stderr(&o));
    assert!(stdout(&o).contains("MISSED"));
    let o = binhyen(
        &["eval", "--kb", KB, "--eval-dir", eval_dir, "--no-fail"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // An item naming an article the base does not have is an error, not a miss.
    std::fs::write(
        dir.join("wrong.jsonl"),
        "{\"id\": \"w3\", \"q\": \"x y z\", \"expect\": \"answer\", \"topic\": \"khong-co\", \"facts\": []}\n",
    )
    .unwrap();
    let o = binhyen(
        &["eval", "--kb", KB, "--eval-dir", eval_dir, "--no-fail"],
        &[],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("khong-co"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn kb_check_names_the_broken_file() {
    let o = binhyen(&["kb", "check"], &[("BINHYEN_KB", KB)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("50 articles"), "{}", stdout(&o));
    let dir: PathBuf = std::env::temp_dir().join(common::unique("binhyen-kb-check"));
    copy_dir(Path::new(KB), &dir);
    let article = dir.join("t10-can-cuoc-lan-dau.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replacen("title:", "titel:", 1)).unwrap();
    let o = binhyen(&["kb", "check", "--kb", dir.to_str().unwrap()], &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("t10-can-cuoc-lan-dau.md"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn kb_reload_asks_the_running_server() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban.cli", "operator", None).await;
    let base = s.base.clone();
    let run = |token: String| {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            binhyen(
                &["kb", "reload", "--server", &base],
                &[("BINHYEN_TOKEN", &token)],
            )
        })
    };
    let o = run(admin).await.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("50 articles"), "{}", stdout(&o));
    let o = run(operator).await.unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("403"), "{}", stderr(&o));
    let o = run(String::new()).await.unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("BINHYEN_TOKEN"), "{}", stderr(&o));
    s.stop().await;
}
