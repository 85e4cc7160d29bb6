//! A property-based fuzzer over the HTTP API, driven by the server's own OpenAPI description:
//! every documented operation gets random path parameters, query strings and bodies (broken
//! JSON, wrong types, unknown fields, long and odd strings), signed in and anonymous. The
//! properties: no answer is a server error, every error has the uniform shape, and the server
//! still answers afterwards. Both back ends.
//!
//! `BINHYEN_FUZZ_CASES=500 cargo test -p server --test api api_fuzz::` runs a longer campaign.

use crate::common;

use common::{Backend, TestServer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// Operations the fuzzer leaves alone: the end of its own session, and the live feed (a
/// stream that never ends; `feed.rs` covers it).
const SKIP: &[&str] = &["/api/auth/logout", "/api/feed"];

fn odd_string(rng: &mut StdRng) -> String {
    let pool = [
        "",
        "0",
        "-1",
        "9223372036854775807",
        "99999999999999999999999",
        "1.5e308",
        "NaN",
        "null",
        "true",
        "../../etc/passwd",
        "%00",
        "Phường Ba Đình",
        "phuong ba dinh",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "𝕏🔥",
        "\u{202e}evil",
        "HN-2026-000001",
        "00004",
    ];
    match rng.gen_range(0..4) {
        0 => "x".repeat(rng.gen_range(1..5000)),
        1 => (0..rng.gen_range(1..40))
            .map(|_| char::from_u32(rng.gen_range(0x20..0x2FFF)).unwrap_or('?'))
            .collect(),
        _ => pool[rng.gen_range(0..pool.len())].to_owned(),
    }
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.gen_range(0..if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.gen::<bool>()),
        2 => json!(rng.gen_range(-1_000_000_000_i64..1_000_000_000)),
        3 => json!(rng.gen::<f64>() * 1e6),
        4 => json!(odd_string(rng)),
        5 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.gen_range(0..6) {
                m.insert(odd_string(rng), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// A body for an operation: usually the documented field names with random values (to get
/// past the outer checks), sometimes garbage.
fn random_body(rng: &mut StdRng, fields: &[String]) -> (String, &'static str) {
    match rng.gen_range(0..6) {
        0 => ("{".to_owned(), "application/json"),
        1 => (odd_string(rng), "application/json"),
        2 => (odd_string(rng), "text/csv"),
        3 => (random_value(rng, 0).to_string(), "application/json"),
        _ => {
            let mut m = Map::new();
            for f in fields {
                if rng.gen_bool(0.7) {
                    m.insert(f.clone(), random_value(rng, 1));
                }
            }
            if rng.gen_bool(0.2) {
                m.insert(odd_string(rng), random_value(rng, 1));
            }
            (Value::Object(m).to_string(), "application/json")
        }
    }
}

/// The property names of an operation's JSON request body, following `$ref`s.
fn body_fields(spec: &Value, op: &Value) -> Vec<String> {
    let mut schema = &op["requestBody"]["content"]["application/json"]["schema"];
    for _ in 0..4 {
        match schema["$ref"].as_str() {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or_default();
                schema = &spec["components"]["schemas"][name];
            }
            None => break,
        }
    }
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn assert_uniform_error(status: StatusCode, body: &str, what: &str) {
    if status.is_client_error() {
        let v: Value = serde_json::from_str(body)
            .unwrap_or_else(|_| panic!("{what}: {status} without a JSON error body: {body:.200}"));
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{what}: {status} error shape: {body:.200}"
        );
    }
}

async fn fuzz_the_documented_api(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let cases: usize = std::env::var("BINHYEN_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    let admin = s.admin().await;
    let spec: Value = s
        .get(&admin, "/api/openapi.json")
        .await
        .json()
        .await
        .expect("openapi");
    let mut rng = StdRng::seed_from_u64(0x00b1_4e4e);
    let mut sent = 0;
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    let paths = spec["paths"].as_object().expect("paths").clone();
    for (path, item) in &paths {
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        for (method, op) in item.as_object().into_iter().flatten() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let fields = body_fields(&spec, op);
            let query_names: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            for case in 0..cases {
                let mut url = String::new();
                for part in path.split('/').filter(|p| !p.is_empty()) {
                    url.push('/');
                    if part.starts_with('{') {
                        url.push_str(&urlencoding(&odd_string(&mut rng)));
                    } else {
                        url.push_str(part);
                    }
                }
                let mut query = Vec::new();
                for q in &query_names {
                    if rng.gen_bool(0.5) {
                        query.push(format!("{q}={}", urlencoding(&odd_string(&mut rng))));
                    }
                }
                if rng.gen_bool(0.1) {
                    query.push(format!("{}=1", urlencoding(&odd_string(&mut rng))));
                }
                if !query.is_empty() {
                    url = format!("{url}?{}", query.join("&"));
                }
                let mut req = s.client.request(method.clone(), s.url(&url));
                if case % 4 != 3 {
                    req = req.bearer_auth(&admin);
                }
                if method != Method::GET {
                    let (body, content_type) = random_body(&mut rng, &fields);
                    req = req.header("content-type", content_type).body(body);
                }
                let what = format!("{method} {url:.120}");
                let r = req.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                assert!(
                    !status.is_server_error(),
                    "{what}: server error {status}: {text:.300}"
                );
                assert_uniform_error(status, &text, &what);
                *by_status.entry(status.as_u16()).or_default() += 1;
                sent += 1;
            }
        }
    }
    eprintln!(
        "{sent} requests over {} documented paths: {by_status:?}",
        paths.len()
    );
    assert!(sent > 100);
    // Still serving, and the admin session survived.
    assert_eq!(s.get(&admin, "/api/auth/me").await.status(), StatusCode::OK);
    s.stop().await;
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

api_on_both_backends!(fuzz_the_documented_api);
