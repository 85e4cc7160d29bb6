//! Response plans over HTTP on both back ends: reading and changing the versioned plans, a
//! high-rise fire's recommendation filling its plan before any patrol, an incident without
//! coordinates still ordered by estimate, and the plan dispatched in one all-or-none action.

use crate::common;

use common::{Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn put(s: &TestServer, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = s
        .client
        .put(s.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(s: &TestServer, token: &str, path: &str) -> (StatusCode, Value) {
    let r = s.get(token, path).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &TestServer, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = s.post(token, path, &body).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn unit_centre(s: &TestServer, token: &str, code: &str) -> (f64, f64) {
    let (status, u) = get(s, token, &format!("/api/units/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    (
        u["label_lat"].as_f64().unwrap(),
        u["label_lon"].as_f64().unwrap(),
    )
}

async fn plans_are_read_by_all_and_changed_by_admins_with_versions(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "truc-ban", "operator", None).await;
    let (status, book) = get(&s, &operator, "/api/response-plans").await;
    assert_eq!(status, StatusCode::OK, "{book}");
    assert_eq!(book["version"], 1);
    assert_eq!(book["source"], "default");
    let plans = book["plans"].as_array().unwrap().clone();
    assert!(plans.iter().any(|p| p["id"] == "fire_high_rise"), "{book}");

    // Operators read but do not change.
    let change = json!({"version": 1, "reason": "thử", "plans": plans});
    let (status, _) = put(&s, &operator, "/api/response-plans", &change).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An invalid book lists its problems and changes nothing.
    let mut broken = plans.clone();
    broken[0]["lines"][0]["count"] = json!(0);
    broken.retain(|p| p["id"] != "other");
    let (status, v) = put(
        &s,
        &admin,
        "/api/response-plans",
        &json!({"version": 1, "reason": "thử", "plans": broken}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("lines[0].count"), "{message}");
    assert!(
        message.contains("Khác"),
        "the missing base plan is named: {message}"
    );
    let (status, v) = put(
        &s,
        &admin,
        "/api/response-plans",
        &json!({"version": 1, "reason": " ", "plans": plans}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Two ladders for high-rise fires, from version 1.
    let mut more = plans.clone();
    for p in more.iter_mut().filter(|p| p["id"] == "fire_high_rise") {
        for l in p["lines"].as_array_mut().unwrap() {
            if l["kind"] == "aerial_ladder" {
                l["count"] = json!(2);
            }
        }
    }
    let (status, v) = put(
        &s,
        &admin,
        "/api/response-plans",
        &json!({"version": 1, "reason": "Nhà trên 40 tầng cần hai xe thang", "plans": more}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    // A second admin still on version 1 is refused, not silently overwriting.
    let (status, v) = put(
        &s,
        &admin,
        "/api/response-plans",
        &json!({"version": 1, "reason": "sửa khác", "plans": plans}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    // As TOML too.
    let (status, v) = put(
        &s,
        &admin,
        "/api/response-plans",
        &json!({"version": 2, "reason": "tệp", "toml": "[[plan]]\nid = 1"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (_, history) = get(&s, &operator, "/api/response-plans/versions").await;
    assert_eq!(history["total"], 2, "{history}");
    assert_eq!(
        history["versions"][0]["reason"],
        "Nhà trên 40 tầng cần hai xe thang"
    );
    let (_, first) = get(&s, &operator, "/api/response-plans/versions/1").await;
    assert_eq!(first["in_force"], false);
    let (status, _) = get(&s, &operator, "/api/response-plans/versions/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = get(&s, &admin, "/api/audit?object_type=response_plans").await;
    assert!(
        audit.to_string().contains("response_plans.update"),
        "{audit}"
    );
    s.stop().await;
}

/// A 41-storey building with six patrols close by and the fire forces further out.
async fn high_rise_scene(s: &TestServer, admin: &str) -> (i64, Vec<i64>) {
    let (lat, lon) = unit_centre(s, admin, "00004").await;
    let (status, facility) = post(
        s,
        admin,
        "/api/facilities",
        json!({"name": "Tòa nhà 41 tầng", "address": "Số 1 phố Thử", "lat": lat, "lon": lon,
               "kind": "apartment_building", "floors": 41}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{facility}");
    let mut ids = Vec::new();
    let fleet = [
        ("TT-1", "patrol", 0.002),
        ("TT-2", "patrol", 0.003),
        ("TT-3", "patrol", 0.004),
        ("TT-4", "patrol", 0.005),
        ("TT-5", "patrol", 0.006),
        ("TT-6", "patrol", 0.007),
        ("CC-1", "fire_engine", 0.02),
        ("CC-2", "fire_engine", 0.03),
        ("CC-3", "fire_engine", 0.04),
        ("THANG-1", "aerial_ladder", 0.05),
        ("CNCH-1", "rescue_team", 0.03),
        ("CT-1", "ambulance", 0.025),
    ];
    for (sign, kind, north) in fleet {
        let mut body = json!({"call_sign": sign, "kind": kind, "name": sign,
                              "station": "Trạm thử", "home_lat": lat + north, "home_lon": lon});
        if kind == "patrol" {
            body["unit_code"] = json!("00004");
        }
        let (status, r) = post(s, admin, "/api/resources", body).await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        ids.push(r["id"].as_i64().unwrap());
    }
    (facility["id"].as_i64().unwrap(), ids)
}

async fn a_high_rise_fire_is_filled_by_plan_and_dispatched_in_one_action(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "truc-ban", "operator", None).await;
    let (facility, _) = high_rise_scene(&s, &admin).await;
    let (lat, lon) = unit_centre(&s, &admin, "00004").await;
    let open = |phone: &str| {
        json!({"kind": "fire", "channel": "hotline_114", "description": "Cháy tầng 30",
               "lat": lat, "lon": lon, "caller_phone": phone, "facility_id": facility})
    };
    let (status, inc) = post(&s, &operator, "/api/incidents", open("0912000001")).await;
    assert_eq!(status, StatusCode::CREATED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let (status, rec) = get(
        &s,
        &operator,
        &format!("/api/incidents/{id}/recommendations"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rec}");
    assert_eq!(rec["plan"]["id"], "fire_high_rise", "{rec}");
    let kinds: Vec<&str> = rec["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .take(7)
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "fire_engine",
            "fire_engine",
            "fire_engine",
            "aerial_ladder",
            "rescue_team",
            "ambulance",
            "patrol"
        ],
        "engines, ladder, rescue and ambulance before the patrols"
    );
    assert!(rec["shortfalls"].as_array().unwrap().is_empty(), "{rec}");
    assert_eq!(rec["origin"]["source"], "incident");
    assert!(rec["estimate"]["note_vi"]
        .as_str()
        .unwrap()
        .contains("ước tính"));
    assert!(rec["recommendations"][0]["eta_s"].as_u64().is_some());
    let plan_ids = rec["plan_resource_ids"].clone();
    assert_eq!(plan_ids.as_array().unwrap().len(), 7);

    // A second fire in the same building races for the same resources: one plan wins whole,
    // the other gets 409 and sends nobody.
    let (_, other) = post(&s, &operator, "/api/incidents", open("0912000002")).await;
    let other_id = other["id"].as_i64().unwrap();
    let second = s.user(&admin, "truc-ban-2", "operator", None).await;
    let body = json!({"resource_ids": plan_ids});
    let path_a = format!("/api/incidents/{id}/dispatch");
    let path_b = format!("/api/incidents/{other_id}/dispatch");
    let (a, b) = tokio::join!(
        post(&s, &operator, &path_a, body.clone()),
        post(&s, &second, &path_b, body.clone()),
    );
    let mut statuses = vec![a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        vec![StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let (winner, loser) = if a.0 == StatusCode::OK {
        (id, other_id)
    } else {
        (other_id, id)
    };
    let (_, won) = get(&s, &operator, &format!("/api/incidents/{winner}")).await;
    assert_eq!(won["resources"].as_array().unwrap().len(), 7, "{won}");
    let (_, lost) = get(&s, &operator, &format!("/api/incidents/{loser}")).await;
    assert!(
        lost["resources"].as_array().is_none_or(|r| r.is_empty()),
        "all or none: {lost}"
    );
    // The loser's plan now says what is missing instead of offering taken resources.
    let (_, rec) = get(
        &s,
        &operator,
        &format!("/api/incidents/{loser}/recommendations"),
    )
    .await;
    let short: Vec<&str> = rec["shortfalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["text_vi"].as_str().unwrap())
        .collect();
    assert!(short.contains(&"thiếu 3 xe chữa cháy"), "{short:?}");
    assert!(short.contains(&"thiếu 1 xe thang chữa cháy"), "{short:?}");
    s.stop().await;
}

async fn without_coordinates_the_unit_centre_orders_by_estimate(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "truc-ban", "operator", None).await;
    high_rise_scene(&s, &admin).await;
    let (status, inc) = post(
        &s,
        &operator,
        "/api/incidents",
        json!({"kind": "crime", "crime_subtype": "robbery", "channel": "hotline_113",
               "description": "Cướp giật", "address": "một con ngõ không rõ tên",
               "unit_code": "00004", "caller_phone": "0912000003"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let (_, rec) = get(
        &s,
        &operator,
        &format!("/api/incidents/{id}/recommendations"),
    )
    .await;
    assert_eq!(rec["origin"]["source"], "unit_centre", "{rec}");
    assert!(rec["origin"]["note_vi"]
        .as_str()
        .unwrap()
        .contains("trung tâm xã/phường"));
    let lines = rec["recommendations"].as_array().unwrap();
    assert!(!lines.is_empty());
    let etas: Vec<u64> = lines.iter().map(|l| l["eta_s"].as_u64().unwrap()).collect();
    let plan: Vec<u64> = lines
        .iter()
        .filter(|l| l["role"] == "extra")
        .map(|l| l["eta_s"].as_u64().unwrap())
        .collect();
    assert!(plan.windows(2).all(|w| w[0] <= w[1]), "{etas:?}");
    // Robbery: two patrols and a city team; the fleet has no city team, and says so.
    assert_eq!(rec["plan"]["id"], "crime_violent");
    assert!(rec["shortfalls"]
        .to_string()
        .contains("thiếu 1 tổ công tác thành phố"));
    s.stop().await;
}

api_on_both_backends!(
    plans_are_read_by_all_and_changed_by_admins_with_versions,
    a_high_rise_fire_is_filled_by_plan_and_dispatched_in_one_action,
    without_coordinates_the_unit_centre_orders_by_estimate,
);
