//! Hostile input and output: NUL characters, bounded metric labels, request ids, and
//! spreadsheet formulas in exports.

use crate::common;

use chrono::{Duration, Utc};
use common::{error_code, Backend, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A JSON body sent as raw text, so that it can hold escapes serde_json would not produce.
async fn post_raw(
    s: &TestServer,
    token: Option<&str>,
    path: &str,
    body: &str,
) -> reqwest::Response {
    let mut request = s
        .client
        .post(s.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

// See: issue #20, item 6 — a NUL in any text gave 500 on PostgreSQL.
async fn nul_characters_are_refused_everywhere(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // Without signing in: the sign-in form itself.
    let r = post_raw(
        &s,
        None,
        "/api/auth/login",
        r#"{"username":"ad\u0000min","password":"whatever-pass"}"#,
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "nul_character"
    );
    // The text `\u0000` (an escaped backslash) is no NUL: an ordinary failed sign-in.
    let r = post_raw(
        &s,
        None,
        "/api/auth/login",
        r#"{"username":"ad\\u0000min","password":"whatever-pass"}"#,
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "invalid_credentials"
    );
    let admin = s.admin().await;
    // JSON bodies on routes that write, NUL in a value and in a key.
    for (path, body) in [
        (
            "/api/users",
            r#"{"username":"nul_user","display_name":"A\u0000B","role":"leader","password":"mat-khau-rat-dai"}"#,
        ),
        (
            "/api/facilities",
            r#"{"name":"Kho\u0000 hàng","address":"1 Tràng Tiền, Hoàn Kiếm","unit_code":"00004"}"#,
        ),
        ("/api/incidents", r#"{"kind\u0000":"fire"}"#),
        ("/api/tasks", r#"{"title":"\u0000"}"#),
    ] {
        let r = post_raw(&s, Some(&admin), path, body).await;
        assert_eq!(
            error_code(r, StatusCode::BAD_REQUEST).await,
            "nul_character",
            "{path}"
        );
    }
    // Query strings and path segments.
    for path in [
        "/api/audit?object_type=user%00",
        "/api/units/%00",
        "/api/facilities/1%00",
        "/api/map/search?q=Ho%00an",
    ] {
        let r = s.get(&admin, path).await;
        assert_eq!(
            error_code(r, StatusCode::BAD_REQUEST).await,
            "nul_character",
            "{path}"
        );
    }
    // A raw NUL byte in a CSV import.
    let r = s
        .post_csv(
            &admin,
            "/api/facilities/import",
            "name,address\nKho\0,1 Hàng Bài\n",
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "nul_character"
    );
    // Nothing was written, and the server still answers normally.
    let r = s.get(&admin, "/api/audit?object_type=user").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows: Value = r.json().await.unwrap();
    assert!(
        !rows.to_string().contains("nul_user"),
        "the refused account was not created: {rows}"
    );
    s.stop().await;
}

fn series(metrics: &str) -> usize {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count()
}

async fn metrics_text(s: &TestServer) -> String {
    let r = s.client.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

// See: issue #20, item 7 — every made-up method added a series to `/metrics`.
async fn metrics_stay_bounded_under_made_up_methods_and_paths(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // One round of each kind first, so that the series they legitimately add exist.
    let _ = s.client.get(s.url("/api/no-such-route")).send().await;
    let _ = s
        .client
        .request(Method::from_bytes(b"WARMUP").unwrap(), s.url("/healthz"))
        .send()
        .await;
    let before = series(&metrics_text(&s).await);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut methods = Vec::new();
    for i in 0..200 {
        let method: String = (0..8)
            .map(|_| char::from(b'A' + (next() % 26) as u8))
            .collect();
        let path = match i % 3 {
            0 => format!("/api/made-up-{}", next()),
            1 => format!("/api/units/{}", next()),
            _ => "/healthz".to_owned(),
        };
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let r = s.client.request(m, s.url(&path)).send().await.unwrap();
        assert!(
            r.status().is_client_error(),
            "{method} {path}: {}",
            r.status()
        );
        methods.push(method);
    }
    let text = metrics_text(&s).await;
    let after = series(&text);
    // 200 distinct methods and ~130 distinct paths: without bounded labels this grows by
    // hundreds of lines; with them only the `other` method's few status codes can appear.
    assert!(
        after <= before + 40,
        "series grew from {before} to {after}:\n{text}"
    );
    for m in &methods {
        assert!(!text.contains(m.as_str()), "method {m} became a label");
    }
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(!text.contains("made-up"), "{text}");
    s.stop().await;
}

async fn audit_request_ids(s: &TestServer, admin: &str, sent: &str) -> (String, Option<String>) {
    let username = common::unique("rid");
    let r = s
        .client
        .post(s.url("/api/users"))
        .bearer_auth(admin)
        .header("x-request-id", sent)
        .json(&json!({
            "username": username, "role": "leader", "password": "mat-khau-rat-dai",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let echoed = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let rows: Value = s
        .get(
            admin,
            &format!("/api/audit?object_type=user&object_id={id}"),
        )
        .await
        .json()
        .await
        .unwrap();
    let stored = rows[0]["request_id"].as_str().map(str::to_owned);
    (echoed, stored)
}

// See: issue #20, item 8 — a client's request id of any size went into audit rows.
async fn only_short_plain_request_ids_are_kept(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    // A short plain id is kept, echoed and audited: clients can join their logs with ours.
    let (echoed, stored) = audit_request_ids(&s, &admin, "client-42.retry_1").await;
    assert_eq!(echoed, "client-42.retry_1");
    assert_eq!(stored.as_deref(), Some("client-42.retry_1"));
    let longest = "a".repeat(64);
    let (echoed, _) = audit_request_ids(&s, &admin, &longest).await;
    assert_eq!(echoed, longest);
    // Too long, or with other characters: replaced by one the server makes.
    for hostile in [
        "x".repeat(65),
        "y".repeat(6000),
        "<script>alert(1)</script>".to_owned(),
        "id with spaces".to_owned(),
        "../../etc/passwd".to_owned(),
    ] {
        let (echoed, stored) = audit_request_ids(&s, &admin, &hostile).await;
        assert_ne!(echoed, hostile);
        assert!(echoed.len() <= 64 && !echoed.is_empty(), "{echoed}");
        let stored = stored.expect("a generated id is audited");
        assert_eq!(stored, echoed);
        assert!(
            stored
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "{stored}"
        );
    }
    s.stop().await;
}

// See: issue #20, item 11 — exports let `=HYPERLINK(…)` through to spreadsheets.
async fn exports_neutralise_spreadsheet_formulas(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let username = common::unique("owner");
    let password = format!("{username}-mat-khau-dai");
    let r = s
        .post(
            &admin,
            "/api/users",
            &json!({
                "username": username, "display_name": "-Đại úy Trừ", "role": "unit_officer",
                "unit_code": "00004", "password": password,
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let owner = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let title = r#"=HYPERLINK("http://x","y")"#;
    let r = s
        .post(
            &admin,
            "/api/tasks",
            &json!({
                "title": title,
                "description": "@SUM(A1:A9)",
                "owner_id": owner,
                "deadline": (Utc::now() + Duration::days(3)).to_rfc3339(),
                "expected_result": "+1 báo cáo",
            }),
        )
        .await;
    let status = r.status();
    let task: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let r = s.get(&admin, "/api/tasks/export.csv?unit=00004").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut reader =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let row = rows
        .iter()
        .find(|r| r.iter().any(|c| c.contains("HYPERLINK")))
        .unwrap_or_else(|| panic!("the task is exported: {text}"));
    let cells: Vec<&str> = row.iter().collect();
    assert!(
        cells.contains(&r#"'=HYPERLINK("http://x","y")"#),
        "{cells:?}"
    );
    assert!(cells.contains(&"'-Đại úy Trừ"), "{cells:?}");
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "cell {cell:?} would be read as a formula"
        );
    }
    // The workbook export of the same rows is made, as strings (checked cell by cell in the
    // report module's tests).
    let r = s.get(&admin, "/api/tasks/export.xlsx?unit=00004").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    s.stop().await;
}

/// Every route the OpenAPI document lists: GET routes with a NUL in the query, routes with a
/// JSON body with a NUL in it. None may answer 5xx; every JSON-body route answers
/// `nul_character` (whatever else is wrong with the body, the NUL is found while reading it).
async fn no_route_answers_5xx_to_a_nul(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let spec: Value = s
        .get(&admin, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let paths = spec["paths"].as_object().expect("paths");
    let (mut queries, mut bodies) = (0, 0);
    for (template, operations) in paths {
        // Path parameters get a plain value; the NUL goes where the check is.
        let path: String = template
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in operations.as_object().into_iter().flatten() {
            let json_body = op["requestBody"]["content"]
                .as_object()
                .is_some_and(|c| c.contains_key("application/json"));
            let r = match method.as_str() {
                "get" => {
                    queries += 1;
                    s.get(&admin, &format!("{path}?q=%00")).await
                }
                "post" | "patch" | "put" if json_body => {
                    bodies += 1;
                    let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                    s.client
                        .request(m, s.url(&path))
                        .bearer_auth(&admin)
                        .header("content-type", "application/json")
                        .body(r#"{"text":"a\u0000b","name":"\u0000"}"#)
                        .send()
                        .await
                        .unwrap()
                }
                _ => continue,
            };
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert!(
                !status.is_server_error(),
                "{method} {path}: {status} {body}"
            );
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("nul_character")),
                "{method} {path}: {body}"
            );
        }
    }
    eprintln!("{backend:?}: {queries} GET routes and {bodies} JSON-body routes refuse a NUL");
    assert!(
        queries >= 30 && bodies >= 30,
        "{queries} GET, {bodies} JSON routes"
    );
    s.stop().await;
}

api_on_both_backends!(
    nul_characters_are_refused_everywhere,
    metrics_stay_bounded_under_made_up_methods_and_paths,
    only_short_plain_request_ids_are_kept,
    exports_neutralise_spreadsheet_formulas,
    no_route_answers_5xx_to_a_nul,
);
