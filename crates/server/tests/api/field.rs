//! Issue #24 (the field app, live positions), against a started server on both back ends: a
//! tracker mapped to a resource reports over the OsmAnd protocol (query, form and JSON
//! shapes) and moves the resource, live on the feed; wrong tokens and unusable positions are
//! refused; a late report joins the trail without moving the vehicle back; old positions are
//! marked stale; an action sent twice with one `Idempotency-Key` is applied once; a received
//! dispatch is accepted; photos lose their location metadata; a call for backup reaches the
//! incident's timeline.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

struct Field {
    s: TestServer,
    admin: String,
    operator: String,
    resource: i64,
    token: String,
}

/// A server with a patrol of unit 00004 and a tracker `xe-01` mapped to it.
async fn field(backend: Backend) -> Field {
    let s = TestServer::start(backend).await.expect("server");
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let r = s
        .post(
            &admin,
            "/api/resources",
            &json!({"call_sign": "TT-00004-9", "kind": "patrol", "name": "Tổ tuần tra 9",
                    "unit_code": "00004"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let resource = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = s
        .client
        .put(s.url(&format!("/api/resources/{resource}/tracker")))
        .bearer_auth(&admin)
        .json(&json!({"device_id": "xe-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    let token = t["token"].as_str().unwrap().to_owned();
    assert_eq!(t["device_id"], "xe-01");
    assert!(t["url"].as_str().unwrap().contains(&token));
    // The token is shown once: reading the tracker back never shows it.
    let r = s
        .get(&admin, &format!("/api/resources/{resource}/tracker"))
        .await;
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["device_id"], "xe-01");
    assert!(again.get("token").is_none() && !again.to_string().contains(&token));
    Field {
        s,
        admin,
        operator,
        resource,
        token,
    }
}

impl Field {
    async fn resource(&self) -> Value {
        self.s
            .get(&self.operator, &format!("/api/resources/{}", self.resource))
            .await
            .json()
            .await
            .unwrap()
    }

    async fn osmand(&self, query: &str) -> reqwest::Response {
        self.s
            .client
            .get(self.s.url(&format!("/api/avl/osmand?{query}")))
            .send()
            .await
            .unwrap()
    }
}

async fn trackers_move_resources(backend: Backend) {
    let f = field(backend).await;
    let mut feed =
        f.s.client
            .get(f.s.url("/api/feed"))
            .bearer_auth(&f.operator)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    let now = chrono::Utc::now().timestamp();
    let r = f
        .osmand(&format!(
            "id=xe-01&lat=21.0301&lon=105.8402&timestamp={now}&speed=10&bearing=90&token={}",
            f.token
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v = f.resource().await;
    assert_eq!(
        (v["lat"].as_f64(), v["lon"].as_f64()),
        (Some(21.0301), Some(105.8402))
    );
    let at = chrono::DateTime::parse_from_rfc3339(v["position_at"].as_str().unwrap()).unwrap();
    let stale =
        chrono::DateTime::parse_from_rfc3339(v["position_stale_at"].as_str().unwrap()).unwrap();
    assert_eq!((stale - at).num_minutes(), 5);
    assert_eq!(at.timestamp(), now);

    // The consoles hear of it without an id (a passing event, not a stored change).
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let event = loop {
        let chunk = tokio::time::timeout_at(deadline, feed.chunk())
            .await
            .unwrap_or_else(|_| panic!("no positions event; got {text}"))
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        let hit = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|c| c["kind"] == "resource.positions");
        if let Some(c) = hit {
            break c;
        }
    };
    let p = &event["payload"]["positions"][0];
    assert_eq!(p["id"].as_i64(), Some(f.resource));
    assert_eq!(p["lat"].as_f64(), Some(21.0301));
    assert!((p["speed_kmh"].as_f64().unwrap() - 18.52).abs() < 1e-6);
    let before_event = text.split("resource.positions").next().unwrap_or("");
    assert!(
        !before_event.lines().last().unwrap_or("").starts_with("id:"),
        "{text}"
    );

    // A form body and a JSON body (newer clients), with the token as a bearer or a password.
    let r =
        f.s.client
            .post(f.s.url("/api/avl/osmand"))
            .form(&[
                ("id", "xe-01"),
                ("lat", "21.0310"),
                ("lon", "105.8410"),
                ("timestamp", &(now + 5).to_string()),
            ])
            .bearer_auth(&f.token)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(f.resource().await["lat"].as_f64(), Some(21.0310));
    let at = chrono::DateTime::from_timestamp(now + 10, 0)
        .unwrap()
        .to_rfc3339();
    let r =
        f.s.client
            .post(f.s.url("/api/avl/osmand"))
            .basic_auth("xe-01", Some(&f.token))
            .json(&json!({"device_id": "xe-01", "location": {"timestamp": at,
              "coords": {"latitude": 21.0320, "longitude": 105.8420, "speed": 5, "heading": 180}}}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(f.resource().await["lat"].as_f64(), Some(21.0320));

    // A report queued offline arrives late: it joins the trail, the vehicle does not go back.
    let r = f
        .osmand(&format!(
            "id=xe-01&lat=21.0200&lon=105.8300&timestamp={}&token={}",
            now - 60,
            f.token
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(f.resource().await["lat"].as_f64(), Some(21.0320));
    let since = chrono::DateTime::from_timestamp(now - 3600, 0)
        .unwrap()
        .to_rfc3339();
    let r =
        f.s.client
            .get(f.s.url(&format!("/api/resources/{}/trail", f.resource)))
            .query(&[("since", since.as_str())])
            .bearer_auth(&f.operator)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let trail: Vec<Value> = r.json().await.unwrap();
    let lats: Vec<f64> = trail.iter().map(|p| p["lat"].as_f64().unwrap()).collect();
    assert_eq!(
        lats,
        vec![21.0200, 21.0301, 21.0310, 21.0320],
        "oldest first"
    );
    assert!(trail.iter().all(|p| p["source"] == "tracker"));
    f.s.stop().await;
}

async fn bad_trackers_and_positions_are_refused(backend: Backend) {
    let f = field(backend).await;
    let now = chrono::Utc::now().timestamp();
    for query in [
        format!("id=xe-01&lat=21.03&lon=105.84&timestamp={now}&token=wrong"),
        format!(
            "id=xe-99&lat=21.03&lon=105.84&timestamp={now}&token={}",
            f.token
        ),
        format!("id=xe-01&lat=21.03&lon=105.84&timestamp={now}"),
    ] {
        let r = f.osmand(&query).await;
        assert_eq!(
            error_code(r, StatusCode::UNAUTHORIZED).await,
            "unauthorized",
            "{query}"
        );
    }
    for query in [
        format!("id=xe-01&lat=91&lon=105.84&token={}", f.token),
        format!("id=xe-01&lon=105.84&token={}", f.token),
        format!("id=xe-01&lat=21&lon=105&valid=false&token={}", f.token),
        format!(
            "id=xe-01&lat=21&lon=105&timestamp={}&token={}",
            now + 3600,
            f.token
        ),
        format!(
            "id=xe-01&lat=21&lon=105&timestamp=2001-01-01T00:00:00Z&token={}",
            f.token
        ),
    ] {
        let r = f.osmand(&query).await;
        assert_eq!(
            error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_position",
            "{query}"
        );
    }
    assert!(f.resource().await["lat"].is_null(), "nothing moved it");

    // The field app's own report; a fix six minutes old is stale at once.
    let path = format!("/api/resources/{}/position", f.resource);
    let at = (chrono::Utc::now() - chrono::Duration::minutes(6)).to_rfc3339();
    let r =
        f.s.post(
            &f.operator,
            &path,
            &json!({"lat": 21.04, "lon": 105.85, "at": at, "accuracy_m": 12, "source": "app"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v = f.resource().await;
    assert_eq!(v["lat"].as_f64(), Some(21.04));
    let stale =
        chrono::DateTime::parse_from_rfc3339(v["position_stale_at"].as_str().unwrap()).unwrap();
    assert!(stale < chrono::Utc::now(), "shown as stale");
    let r =
        f.s.post(&f.operator, &path, &json!({"lat": 21.04, "lon": 200.0}))
            .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_position"
    );
    // Another unit's officer (Ngọc Hà) may not move this unit's patrol.
    let other =
        f.s.user(&f.admin, "congan5", "unit_officer", Some("00008"))
            .await;
    let r =
        f.s.post(&other, &path, &json!({"lat": 21.04, "lon": 105.85}))
            .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Only an admin maps trackers.
    let r =
        f.s.client
            .put(f.s.url(&format!("/api/resources/{}/tracker", f.resource)))
            .bearer_auth(&f.operator)
            .json(&json!({"device_id": "xe-02"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A removed tracker can no longer report.
    let r =
        f.s.client
            .delete(f.s.url(&format!("/api/resources/{}/tracker", f.resource)))
            .bearer_auth(&f.admin)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = f
        .osmand(&format!("id=xe-01&lat=21.03&lon=105.84&token={}", f.token))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    f.s.stop().await;
}

async fn incident(f: &Field) -> i64 {
    let u: Value =
        f.s.get(&f.admin, "/api/units/00004")
            .await
            .json()
            .await
            .unwrap();
    let (lat, lon) = (
        u["label_lat"].as_f64().unwrap(),
        u["label_lon"].as_f64().unwrap(),
    );
    let r =
        f.s.post(
            &f.operator,
            "/api/incidents",
            &json!({"kind": "fire", "channel": "hotline_114", "description": "Cháy nhà dân",
                    "lat": lat, "lon": lon, "caller_phone": "0912345678"}),
        )
        .await;
    let v: Value = r.json().await.unwrap();
    v["id"].as_i64().unwrap_or_else(|| panic!("{v}"))
}

async fn an_action_sent_twice_is_applied_once(backend: Backend) {
    let f = field(backend).await;
    let id = incident(&f).await;
    let path = format!("/api/incidents/{id}/notes");
    let send = |key: &'static str, path: String| {
        f.s.client
            .post(f.s.url(&path))
            .bearer_auth(&f.operator)
            .header("idempotency-key", key)
            .json(&json!({"text": "Đã có mặt, đang sơ tán"}))
            .send()
    };
    let first = send("k-0001", path.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = send("k-0001", path.clone()).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again, "the same answer");
    let now: Value =
        f.s.get(&f.operator, &format!("/api/incidents/{id}"))
            .await
            .json()
            .await
            .unwrap();
    let notes = now["notes"].as_array().unwrap();
    assert_eq!(
        notes
            .iter()
            .filter(|n| n["text"] == "Đã có mặt, đang sơ tán")
            .count(),
        1,
        "{now}"
    );
    // The same key for another request is a mistake; a bad key is refused.
    let other = send("k-0001", format!("/api/incidents/{id}/backup"))
        .await
        .unwrap();
    assert_eq!(
        error_code(other, StatusCode::UNPROCESSABLE_ENTITY).await,
        "idempotency_key_reused"
    );
    let r =
        f.s.client
            .post(f.s.url(&path))
            .bearer_auth(&f.operator)
            .header("idempotency-key", "có dấu")
            .json(&json!({"text": "x"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Keys are per user: the admin's k-0001 is a request of its own.
    let r =
        f.s.client
            .post(f.s.url(&path))
            .bearer_auth(&f.admin)
            .header("idempotency-key", "k-0001")
            .json(&json!({"text": "Ghi chú của quản trị"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("idempotency-replayed").is_none());

    // Accepting a dispatch: only one that was received; the status stays, the history says
    // when it was accepted.
    let status = format!("/api/resources/{}/status", f.resource);
    let accept = json!({"status": "dispatched", "incident_id": id, "reason": "Đã nhận lệnh"});
    let r = f.s.post(&f.operator, &status, &accept).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "not on the incident yet");
    let r =
        f.s.post(
            &f.operator,
            &format!("/api/incidents/{id}/dispatch"),
            &json!({"resource_id": f.resource}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = f.s.post(&f.operator, &status, &accept).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["resource"]["status"], "dispatched");
    let history: Vec<Value> =
        f.s.get(
            &f.operator,
            &format!("/api/resources/{}/history", f.resource),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history[0]["from_status"], "dispatched");
    assert_eq!(history[0]["to_status"], "dispatched");
    assert_eq!(history[0]["reason"], "Đã nhận lệnh");
    assert_eq!(history[0]["incident_id"].as_i64(), Some(id));

    // A call for backup goes on the timeline with the resource's call sign.
    let r =
        f.s.post(
            &f.operator,
            &format!("/api/incidents/{id}/backup"),
            &json!({"resource_id": f.resource, "reason": "cần thêm xe thang"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["text"] == "CẦN CHI VIỆN — TT-00004-9: cần thêm xe thang"),
        "{v}"
    );
    let audit: Value =
        f.s.get(
            &f.admin,
            &format!("/api/audit?object_type=incident&object_id={id}"),
        )
        .await
        .json()
        .await
        .unwrap();
    let call = audit
        .as_array()
        .or_else(|| audit["items"].as_array())
        .and_then(|rows| rows.iter().find(|r| r["action"] == "backup.requested"))
        .unwrap_or_else(|| panic!("{audit}"))
        .clone();
    assert_eq!(call["summary"]["call_sign"], "TT-00004-9");
    f.s.stop().await;
}

/// A JPEG whose Exif holds a GPS position.
fn jpeg_with_gps() -> Vec<u8> {
    let seg = |marker: u8, payload: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(seg(
        0xE1,
        b"Exif\0\0MM\0*GPSLatitude 21.0285 GPSLongitude 105.8542",
    ));
    j.extend(seg(0xDB, &[0u8; 65]));
    j.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
    j
}

async fn photos_lose_their_location(backend: Backend) {
    let f = field(backend).await;
    let id = incident(&f).await;
    let post = |query: &str, body: Vec<u8>| {
        f.s.client
            .post(f.s.url(&format!("/api/incidents/{id}/photos{query}")))
            .bearer_auth(&f.operator)
            .header("content-type", "image/jpeg")
            .body(body)
            .send()
    };
    let r = post("", jpeg_with_gps()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let photo: Value = r.json().await.unwrap();
    assert!(photo["lat"].is_null());
    let r =
        f.s.get(
            &f.operator,
            &format!("/api/incidents/{id}/photos/{}", photo["id"]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    assert!(!bytes.windows(11).any(|w| w == b"GPSLatitude"));
    assert!(bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]));
    // Kept on request, as a point beside the photo.
    let r = post("?keep_location=true&lat=21.03&lon=105.85", jpeg_with_gps())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["lat"].as_f64(),
        Some(21.03)
    );
    // Any content type: the bytes say what the photo is.
    let r =
        f.s.client
            .post(f.s.url(&format!("/api/incidents/{id}/photos")))
            .bearer_auth(&f.operator)
            .header("content-type", "application/octet-stream")
            .body(jpeg_with_gps())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["content_type"],
        "image/jpeg"
    );
    let r = post("?keep_location=true", jpeg_with_gps()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post("", b"GIF89a not a photo we take".to_vec())
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_photo"
    );
    let r = post("", vec![0xFF; 6 * 1024 * 1024]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let list: Vec<Value> =
        f.s.get(&f.operator, &format!("/api/incidents/{id}/photos"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["by"], "trucban");
    // Another unit's officer does not see the incident's photos.
    let other =
        f.s.user(&f.admin, "congan5", "unit_officer", Some("00008"))
            .await;
    let r =
        f.s.get(&other, &format!("/api/incidents/{id}/photos"))
            .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    f.s.stop().await;
}

api_on_both_backends!(
    trackers_move_resources,
    bad_trackers_and_positions_are_refused,
    an_action_sent_twice_is_applied_once,
    photos_lose_their_location,
);
