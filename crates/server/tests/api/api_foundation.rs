//! The foundation over real HTTP: sign-in, roles, the error shape, bad input, units and
//! jurisdiction, audit, OpenAPI and metrics. Every case runs on SQLite and on PostgreSQL.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn sign_in_and_sessions(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // Wrong password and unknown user look the same.
    for (u, p) in [("admin", "wrong-password"), ("nobody", "whatever-pass")] {
        let r = s
            .client
            .post(s.url("/api/auth/login"))
            .json(&json!({"username": u, "password": p}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(r, StatusCode::UNAUTHORIZED).await,
            "invalid_credentials"
        );
    }
    // The cookie works for the console, the token for integrations.
    let r = s
        .client
        .post(s.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["role"], "admin");
    let token = body["token"].as_str().unwrap().to_owned();
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = s
        .client
        .get(s.url("/api/auth/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(s.get(&token, "/api/auth/me").await.status(), StatusCode::OK);
    // Logout revokes the session at once.
    let r = s.post(&token, "/api/auth/logout", &json!(null)).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = s.get(&token, "/api/auth/me").await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "unauthorized"
    );
    s.stop().await;
}

async fn login_is_rate_limited(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let mut limited = false;
    for _ in 0..15 {
        let r = s
            .client
            .post(s.url("/api/auth/login"))
            .json(&json!({"username": "admin", "password": "guessing-wrong"}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                error_code(r, StatusCode::TOO_MANY_REQUESTS).await,
                "rate_limited"
            );
            limited = true;
            break;
        }
    }
    assert!(limited, "the 11th attempt in a minute must be refused");
    s.stop().await;
}

async fn roles_are_enforced(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban1", "operator", None).await;
    let officer = s
        .user(&admin, "canbo.badinh", "unit_officer", Some("00004"))
        .await;
    let leader = s.user(&admin, "lanhdao", "leader", None).await;
    let inspector = s.user(&admin, "kiemtra", "inspector", None).await;

    // No credentials: 401 everywhere that needs them.
    for path in [
        "/api/units",
        "/api/audit",
        "/api/users",
        "/api/jurisdiction?lat=21&lon=105.8",
    ] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(
            error_code(r, StatusCode::UNAUTHORIZED).await,
            "unauthorized",
            "{path}"
        );
    }
    // A forged token is refused the same way.
    let r = s.get(&"0".repeat(64), "/api/units").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Everyone signed in reads the reference geography.
    for t in [&admin, &operator, &officer, &leader, &inspector] {
        assert_eq!(s.get(t, "/api/units").await.status(), StatusCode::OK);
    }
    // Only the admin reads the audit trail and manages accounts.
    for t in [&operator, &officer, &leader, &inspector] {
        let r = s.get(t, "/api/audit").await;
        assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
        let r = s.get(t, "/api/users").await;
        assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
        let r = s
            .post(
                t,
                "/api/users",
                &json!({"username": "x1234", "role": "admin", "password": "0123456789ab"}),
            )
            .await;
        assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    }
    assert_eq!(s.get(&admin, "/api/audit").await.status(), StatusCode::OK);
    s.stop().await;
}

async fn account_rules_and_audit(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let cases = [
        (
            json!({"username": "a", "role": "operator", "password": "0123456789ab"}),
            "invalid_field",
        ),
        (
            json!({"username": "ok.name", "role": "chief", "password": "0123456789ab"}),
            "invalid_field",
        ),
        (
            json!({"username": "ok.name", "role": "unit_officer", "password": "0123456789ab"}),
            "invalid_field",
        ),
        (
            json!({"username": "ok.name", "role": "unit_officer", "unit_code": "99999", "password": "0123456789ab"}),
            "unknown_unit",
        ),
        (
            json!({"username": "ok.name", "role": "operator", "unit_code": "00004", "password": "0123456789ab"}),
            "invalid_field",
        ),
        (
            json!({"username": "ok.name", "role": "operator", "password": "short"}),
            "weak_password",
        ),
    ];
    for (body, code) in cases {
        let r = s.post(&admin, "/api/users", &body).await;
        let status = if code == "invalid_body" {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(error_code(r, status).await, code, "{body}");
    }
    let users: Value = s.get(&admin, "/api/users").await.json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1, "nothing was written");

    s.user(&admin, "trucban2", "operator", None).await;
    let r = s
        .post(
            &admin,
            "/api/users",
            &json!({"username": "trucban2", "role": "operator", "password": "0123456789ab"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");

    let audit: Value = s
        .get(&admin, "/api/audit?object_type=user")
        .await
        .json()
        .await
        .unwrap();
    let rows = audit.as_array().unwrap();
    // The first admin (system) and trucban2 (by admin).
    assert_eq!(rows.len(), 2, "{audit}");
    assert_eq!(rows[0]["action"], "user.create");
    assert_eq!(rows[0]["actor_name"], "admin");
    assert_eq!(rows[0]["summary"]["after"]["username"], "trucban2");
    assert!(rows[0]["request_id"].is_string());
    s.stop().await;
}

async fn bad_input_gets_clear_errors(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let send = |body: &'static str, content_type: &'static str| {
        s.client
            .post(s.url("/api/users"))
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let r = send("{\"username\": ", "application/json").await.unwrap();
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "malformed_json"
    );
    let r = send(
        "{\"username\": 5, \"role\": \"operator\", \"password\": \"x\"}",
        "application/json",
    )
    .await
    .unwrap();
    // A body of the wrong shape is the client program's defect: 400, the field path said.
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, "invalid_body");
    let r = send(
        "{\"username\": \"abc\", \"role\": \"operator\", \"password\": \"0123456789ab\", \"is_root\": true}",
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, "invalid_body");
    let r = send("username=abc", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        "unsupported_media_type"
    );
    let big = format!("{{\"username\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = s
        .client
        .post(s.url("/api/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::PAYLOAD_TOO_LARGE).await,
        "body_too_large"
    );
    // Unknown routes and ids, wrong methods, bad query strings.
    let r = s.get(&admin, "/api/units/99999").await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let r = s.get(&admin, "/api/units/99999/boundary").await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let r = s.get(&admin, "/api/nothing-here").await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "no_route");
    let r = s
        .client
        .delete(s.url("/api/units"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::METHOD_NOT_ALLOWED).await,
        "method_not_allowed"
    );
    let r = s.get(&admin, "/api/jurisdiction?lat=abc&lon=1").await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );
    let r = s.get(&admin, "/api/jurisdiction?lat=21").await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );
    let r = s.get(&admin, "/api/jurisdiction?lat=91&lon=105").await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_coordinates"
    );
    // SQL metacharacters are only text.
    let r = s
        .get(
            &admin,
            "/api/jurisdiction?address=%27%3B%20DROP%20TABLE%20users%3B%20--",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let users: Value = s.get(&admin, "/api/users").await.json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
    s.stop().await;
}

async fn units_and_jurisdiction(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let t = s.admin().await;
    let units: Value = s.get(&t, "/api/units").await.json().await.unwrap();
    assert_eq!(units.as_array().unwrap().len(), 126);
    let one: Value = s.get(&t, "/api/units/00070").await.json().await.unwrap();
    assert_eq!(one["full_name"], "Phường Hoàn Kiếm");
    assert_eq!(one["police_name"], "Công an phường Hoàn Kiếm");
    assert!(!one["old_units"].as_array().unwrap().is_empty());
    let r = s.get(&t, "/api/units/00070/boundary").await;
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let feature: Value = r.json().await.unwrap();
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["properties"]["code"], "00070");
    let all: Value = s.get(&t, "/api/units.geojson").await.json().await.unwrap();
    assert_eq!(all["features"].as_array().unwrap().len(), 126);

    let org: Value = s.get(&t, "/api/organisation").await.json().await.unwrap();
    assert_eq!(org["communes"].as_array().unwrap().len(), 126);
    assert_eq!(org["headquarters"]["name"], "Công an Thành phố Hà Nội");
    assert!(org["headquarters"]["departments"].as_array().unwrap().len() >= 5);
    assert!(org["communes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["unit_code"] == "00004" && c["name"] == "Công an phường Ba Đình"));

    // Hoàn Kiếm lake.
    let r: Value = s
        .get(&t, "/api/jurisdiction?lat=21.0287&lon=105.8524")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["status"], "inside");
    assert_eq!(r["result"]["code"], "00070");
    // Hồ Chí Minh City is outside the jurisdiction: no guess.
    let r: Value = s
        .get(&t, "/api/jurisdiction?lat=10.7769&lon=106.7009")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["status"], "outside");
    assert!(r["result"].get("code").is_none());
    // An old ward name, typed without diacritics, with its old district.
    let r: Value = s
        .get(
            &t,
            "/api/jurisdiction?address=phuong%20truc%20bach%20quan%20ba%20dinh",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["matches"][0]["code"], "00004", "{r}");
    s.stop().await;
}

/// The map finds an address without a tile server: street lines of a view simplified for its
/// zoom, places, and a search over streets, places and units.
async fn the_map_serves_streets_places_and_search(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let t = s.admin().await;
    let view = "bbox=105.845,21.024,105.860,21.034";
    let r = s.get(&t, &format!("/api/map/streets?{view}&zoom=17")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let near: Value = r.json().await.unwrap();
    let features = near["features"].as_array().unwrap();
    assert!(features.len() > 20, "{}", features.len());
    assert!(features
        .iter()
        .any(|f| f["properties"]["name"] == "Hàng Bạc"));
    // The view's real count goes with the lines, and says whether any were left out.
    assert_eq!(near["properties"]["total"], features.len());
    assert_eq!(near["properties"]["truncated"], false);
    let points = |v: &Value| -> usize {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["geometry"]["coordinates"].as_array().unwrap())
            .map(|l| l.as_array().unwrap().len())
            .sum()
    };
    let mid: Value = s
        .get(&t, &format!("/api/map/streets?{view}&zoom=14"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        points(&mid) < points(&near),
        "lines are simpler further out"
    );
    let far: Value = s
        .get(&t, &format!("/api/map/streets?{view}&zoom=10"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(far["properties"]["too_far_out"], true);
    assert!(far["features"].as_array().unwrap().is_empty());
    for bad in ["bbox=1,2,3", "bbox=a,b,c,d", "bbox=106,21,105,22", "zoom=3"] {
        let r = s.get(&t, &format!("/api/map/streets?{bad}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let places: Value = s
        .get(&t, "/api/map/places?bbox=105.80,21.00,105.86,21.05")
        .await
        .json()
        .await
        .unwrap();
    assert!(places["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["properties"]["name"] == "Bệnh viện Bạch Mai"
            && f["properties"]["unit"] == "00229"));
    let found: Value = s
        .get(&t, "/api/map/search?q=kim%20ma")
        .await
        .json()
        .await
        .unwrap();
    let results = found["results"].as_array().unwrap();
    assert!(results.iter().any(|h| h["kind"] == "street"
        && h["name"] == "Phố Kim Mã"
        && h["point"]["lat"].is_number()));
    let r = s.get(&t, "/api/map/search?q=").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Signed-in only.
    let r = s
        .client
        .get(s.url("/api/map/search?q=kim"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}

async fn operations_endpoints(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let r = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.client.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));
    let t = s.admin().await;
    s.get(&t, "/api/units").await;
    let metrics = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "binhyen_http_requests_total{method=\"GET\",route=\"/api/units\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("binhyen_logins_total{result=\"ok\"} 1"));
    let spec: Value = s
        .client
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/auth/login",
        "/api/units",
        "/api/units/{code}/boundary",
        "/api/jurisdiction",
        "/api/audit",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    s.stop().await;
}

api_on_both_backends!(
    sign_in_and_sessions,
    login_is_rate_limited,
    roles_are_enforced,
    account_rules_and_audit,
    bad_input_gets_clear_errors,
    units_and_jurisdiction,
    the_map_serves_streets_places_and_search,
    operations_endpoints,
);
