//! Changing an incident's type and priority (`POST /api/incidents/{id}/classification`)
//! through HTTP, on SQLite and on PostgreSQL: a reason is required, each change is on the
//! timeline with it, nothing-to-change and a stale version are refused, and another unit's
//! officer cannot reach the incident.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn type_and_priority_change_with_a_reason(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let other = s
        .user(&admin, "cb.ngocha", "unit_officer", Some("00008"))
        .await;
    let r = s
        .post(
            &operator,
            "/api/incidents",
            &json!({"kind": "public_order", "description": "Tụ tập gây ồn ào", "lat": 21.0385, "lon": 105.838}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let made: Value = r.json().await.unwrap();
    let id = made["id"].as_i64().unwrap();
    let path = format!("/api/incidents/{id}/classification");
    assert_eq!(made["priority"], 3);

    // No reason, nothing changed.
    let r = s
        .post(&operator, &path, &json!({"priority": 1, "reason": "  "}))
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "reason_required"
    );
    let r = s
        .post(
            &operator,
            &path,
            &json!({"priority": 3, "reason": "Không đổi"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "nothing_to_change"
    );
    let r = s
        .post(&operator, &path, &json!({"priority": 9, "reason": "Sai"}))
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );

    // It is a fight with a knife: type and priority in one request, two timeline events.
    let r = s
        .post(
            &operator,
            &path,
            &json!({"kind": "crime", "crime_subtype": "fight", "priority": 1,
                    "reason": "Người báo tin thêm: có dao", "version": made["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let now: Value = r.json().await.unwrap();
    assert_eq!(now["kind"], "crime");
    assert_eq!(now["crime_subtype"], "fight");
    assert_eq!(now["priority"], 1);
    let changes: Vec<&Value> = now["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["change"])
        .filter(|c| c["type"] == "reclassified" || c["type"] == "priority_changed")
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes
        .iter()
        .all(|c| c["reason"] == "Người báo tin thêm: có dao"));

    // The version read before is stale now.
    let r = s
        .post(
            &operator,
            &path,
            &json!({"priority": 2, "reason": "Đã khống chế", "version": made["version"]}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    // Another unit's officer does not see it.
    let r = s
        .post(&other, &path, &json!({"priority": 2, "reason": "Thử"}))
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    s.stop().await;
}

api_on_both_backends!(type_and_priority_change_with_a_reason);
