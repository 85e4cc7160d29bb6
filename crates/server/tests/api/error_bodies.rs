//! The error bodies of every area, as a snapshot: one refused request per kind of refusal and
//! area, answered with its code, the table's status and the same message on both back ends.
//! A change to any of them shows in review as a change to `snapshots/error_bodies.json`;
//! `BINHYEN_BLESS=1` rewrites the file.

use crate::common;

use common::{Backend, TestServer};
use reqwest::Method;
use serde_json::{json, Map, Value};

/// `(area, method, path, body)`: a JSON body, a raw text body, or none; `None` for the token
/// means not signed in.
struct Refusal {
    area: &'static str,
    method: Method,
    path: &'static str,
    body: Body,
    signed_in: bool,
}

enum Body {
    None,
    Json(Value),
    Raw(&'static str, &'static str),
}

fn refusals() -> Vec<Refusal> {
    use Body::{Json, None as Empty, Raw};
    let r = |area, method, path, body| Refusal {
        area,
        method,
        path,
        body,
        signed_in: true,
    };
    vec![
        Refusal {
            signed_in: false,
            ..r("session", Method::GET, "/api/incidents", Empty)
        },
        Refusal {
            signed_in: false,
            ..r(
                "session",
                Method::POST,
                "/api/auth/login",
                Json(json!({"username": "admin", "password": "not-the-password"})),
            )
        },
        r("request", Method::GET, "/api/nothing-here", Empty),
        r("request", Method::DELETE, "/api/vocabulary", Empty),
        r(
            "request",
            Method::POST,
            "/api/incidents",
            Raw("application/json", "{\"kind\": "),
        ),
        r(
            "request",
            Method::POST,
            "/api/incidents",
            Raw("text/plain", "kind=fire"),
        ),
        r("request", Method::GET, "/api/incidents?q=a%00b", Empty),
        r(
            "incidents",
            Method::POST,
            "/api/incidents",
            Json(json!({"kind": "dragon", "description": "", "address": "a"})),
        ),
        r(
            "incidents",
            Method::POST,
            "/api/incidents",
            Json(json!({"kind": "fire", "description": "x", "address": "a", "colour": "red"})),
        ),
        r("incidents", Method::GET, "/api/incidents/999999", Empty),
        r(
            "incidents",
            Method::GET,
            "/api/incidents/by-number/HN-2026-9",
            Empty,
        ),
        r("incidents", Method::GET, "/api/incidents?limit=x", Empty),
        r(
            "calls",
            Method::POST,
            "/api/calls",
            Json(json!({"line": "115"})),
        ),
        r("resources", Method::GET, "/api/resources/999999", Empty),
        r("alarms", Method::GET, "/api/alarms/999999", Empty),
        r("facilities", Method::GET, "/api/facilities/999999", Empty),
        r("devices", Method::GET, "/api/devices/999999", Empty),
        r("units", Method::GET, "/api/units/99999", Empty),
        r("units", Method::GET, "/api/jurisdiction", Empty),
        r("units", Method::GET, "/api/map/streets?bbox=x", Empty),
        r("records", Method::GET, "/api/persons/NO-SUCH-PERSON", Empty),
        r("tasks", Method::GET, "/api/tasks/999999", Empty),
        r("campaigns", Method::GET, "/api/campaigns/999999", Empty),
        r(
            "statistics",
            Method::GET,
            "/api/stats/incidents?group_by=planet",
            Empty,
        ),
        r(
            "assistant",
            Method::POST,
            "/api/assistant/chat",
            Json(json!({"message": "   "})),
        ),
        r(
            "accounts",
            Method::POST,
            "/api/users",
            Json(json!({"username": "ok.name", "role": "operator", "password": "short"})),
        ),
        r(
            "response plans",
            Method::PUT,
            "/api/response-plans",
            Json(json!({"version": 1, "reason": " ", "toml": ""})),
        ),
    ]
}

async fn every_area_answers_its_refusals_as_the_snapshot_says(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let mut answers = Map::new();
    for refusal in refusals() {
        let mut request = s
            .client
            .request(refusal.method.clone(), s.url(refusal.path));
        if refusal.signed_in {
            request = request.bearer_auth(&admin);
        }
        let mut key = format!("{}: {} {}", refusal.area, refusal.method, refusal.path);
        request = match refusal.body {
            Body::None => request,
            Body::Json(v) => {
                key = format!("{key} {v}");
                request.json(&v)
            }
            Body::Raw(kind, text) => {
                key = format!("{key} ({kind}) {text}");
                request.header("content-type", kind).body(text)
            }
        };
        let r = request.send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.expect("an error body is JSON");
        let code = body["error"]["code"].as_str().unwrap_or_default();
        let table = server::error::ErrorCode::lookup(code);
        assert_eq!(
            table.map(|c| c.status()),
            Some(status),
            "{} {}: {body}",
            refusal.method,
            refusal.path
        );
        let known = answers.insert(key, json!({"status": status.as_u16(), "body": body}));
        assert!(known.is_none(), "two refusals under one name");
    }
    let answers = Value::Object(answers);
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/snapshots/error_bodies.json");
    let text = serde_json::to_string_pretty(&answers).unwrap() + "\n";
    if std::env::var_os("BINHYEN_BLESS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &text).unwrap();
    }
    let kept: Value = serde_json::from_str(
        &std::fs::read_to_string(&file).expect("the snapshot (BINHYEN_BLESS=1 writes it)"),
    )
    .unwrap();
    assert_eq!(
        answers, kept,
        "error bodies differ from snapshots/error_bodies.json"
    );
    s.stop().await;
}

api_on_both_backends!(every_area_answers_its_refusals_as_the_snapshot_says);
