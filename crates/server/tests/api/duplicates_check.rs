//! The live duplicate check (`GET /api/incidents/duplicates`) through HTTP, on SQLite and on
//! PostgreSQL: the same caller and the same type nearby are found before a report is opened,
//! an open incident's page gets its own candidates, a unit officer never sees another unit's
//! incident, and nothing is compared without something to compare.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn get(s: &TestServer, token: &str, path: &str) -> Value {
    let r = s.get(token, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn open_fire(s: &TestServer, token: &str, unit: &str, phone: &str) -> Value {
    let r = s.get(token, &format!("/api/units/{unit}")).await;
    let u: Value = r.json().await.unwrap();
    let body = json!({
        "kind": "fire", "channel": "hotline_114", "description": "Khói bốc ra từ tầng 2",
        "lat": u["label_lat"], "lon": u["label_lon"], "caller_phone": phone,
    });
    let r = s.post(token, "/api/incidents", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn duplicates_are_found_before_opening_and_scoped(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let officer = s
        .user(&admin, "cb.ngocha", "unit_officer", Some("00008"))
        .await;
    let fire = open_fire(&s, &operator, "00004", "0987654321").await;
    let id = fire["id"].as_i64().unwrap();
    let (lat, lon) = (fire["lat"].clone(), fire["lon"].clone());

    // The same caller, typed another way, before anything else is known.
    let v = get(
        &s,
        &operator,
        "/api/incidents/duplicates?phone=%2B84%20987%20654%20321",
    )
    .await;
    assert_eq!(v["checked"], json!(["phone"]));
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["candidates"][0]["incident"]["id"], id);
    assert_eq!(v["candidates"][0]["reasons"][0]["reason"], "same_caller");
    assert!(v["candidates"][0]["message_vi"]
        .as_str()
        .unwrap()
        .contains("cùng số điện thoại"));
    assert_eq!(
        v["candidates"][0]["incident"]["caller_phone_masked"], fire["caller_phone_masked"],
        "the caller's phone stays masked in lists"
    );

    // The same type at the same place; a point without a type compares nothing by place.
    let near = format!("/api/incidents/duplicates?kind=explosion&lat={lat}&lon={lon}");
    let v = get(&s, &operator, &near).await;
    assert_eq!(v["checked"], json!(["nearby"]));
    assert_eq!(
        v["candidates"][0]["reasons"][0]["reason"],
        "nearby_related_kind"
    );
    let v = get(
        &s,
        &operator,
        &format!("/api/incidents/duplicates?lat={lat}&lon={lon}"),
    )
    .await;
    assert_eq!(v["checked"], json!([]));
    assert_eq!(v["total"], 0);

    // An open incident's page: the second report finds the first, never itself.
    let second = open_fire(&s, &operator, "00004", "0911222333").await;
    let second_id = second["id"].as_i64().unwrap();
    let v = get(
        &s,
        &operator,
        &format!("/api/incidents/duplicates?incident={second_id}"),
    )
    .await;
    let ids: Vec<i64> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["incident"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id]);

    // Another unit's officer sees neither the candidates nor the incident.
    let v = get(&s, &officer, "/api/incidents/duplicates?phone=0987654321").await;
    assert_eq!(v["total"], 0, "{v}");
    let r = s
        .get(
            &officer,
            &format!("/api/incidents/duplicates?incident={id}"),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");

    // Bad input is named.
    let r = s
        .get(&operator, "/api/incidents/duplicates?kind=volcano")
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s.get(&operator, "/api/incidents/duplicates?lat=21.0").await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    s.stop().await;
}

api_on_both_backends!(duplicates_are_found_before_opening_and_scoped);
