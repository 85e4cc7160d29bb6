//! Criminal cases that follow the investigation, over real HTTP on SQLite and PostgreSQL:
//! status changes with their dates, history and version checks, and the unit scope.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.expect("JSON body");
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn case_statuses_follow_the_procedure(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let officer = s
        .user(
            &admin,
            &common::unique("cand"),
            "unit_officer",
            Some("00004"),
        )
        .await;
    let other = s
        .user(
            &admin,
            &common::unique("cand"),
            "unit_officer",
            Some("00008"),
        )
        .await;
    let r = s
        .post(
            &officer,
            "/api/cases",
            &json!({
                "case_ref": "VA-S1", "article": 173, "clause": 1,
                "bracket_max": {"type": "prison_months", "months": 36},
                "discovered_at": "2026-03-01T03:00:00Z", "suspects": 2,
            }),
        )
        .await;
    let c = json_ok(r).await;
    assert_eq!(c["status"], "prosecuted");
    assert_eq!(c["status_label"], "Khởi tố vụ án");
    assert_eq!(c["status_at"], "2026-03-01T03:00:00Z");
    assert_eq!(c["suspects"], 2);
    let id = c["id"].as_i64().unwrap();
    let path = format!("/api/cases/{id}/status");
    let change = |status: &str, at: &str, version: &Value| json!({"status": status, "at": at, "decision_no": "05/QĐ-ĐTTH", "note": "Thử", "version": version});

    // Another unit's officer does not see the case.
    let r = s
        .post(
            &other,
            &path,
            &change("investigating", "2026-03-02T00:00:00Z", &c["version"]),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    // Bad status, a date before discovery, a date in the future.
    let r = s
        .post(
            &officer,
            &path,
            &change("closed", "2026-03-02T00:00:00Z", &c["version"]),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &officer,
            &path,
            &change("suspended", "2026-02-01T00:00:00Z", &c["version"]),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &officer,
            &path,
            &change("suspended", "2099-01-01T00:00:00Z", &c["version"]),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );

    let c = json_ok(
        s.post(
            &officer,
            &path,
            &change("suspended", "2026-03-10T00:00:00Z", &c["version"]),
        )
        .await,
    )
    .await;
    assert_eq!(c["status"], "suspended");
    assert_eq!(c["status_label"], "Tạm đình chỉ điều tra");
    assert_eq!(c["history"].as_array().unwrap().len(), 2);
    // A stale version is a conflict; a suspended case cannot be concluded directly.
    let r = s
        .post(
            &officer,
            &path,
            &change("investigating", "2026-03-12T00:00:00Z", &json!(1)),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    let r = s
        .post(
            &officer,
            &path,
            &change("concluded", "2026-03-12T00:00:00Z", &c["version"]),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "illegal_transition"
    );
    let c = json_ok(
        s.post(
            &officer,
            &path,
            &change("investigating", "2026-03-12T00:00:00Z", &c["version"]),
        )
        .await,
    )
    .await;
    assert!(c["solved_at"].is_null());
    let c = json_ok(
        s.post(
            &officer,
            &path,
            &change("concluded", "2026-04-01T02:00:00Z", &c["version"]),
        )
        .await,
    )
    .await;
    assert_eq!(
        c["solved_at"], "2026-04-01T02:00:00Z",
        "concluding solves it"
    );
    let c = json_ok(
        s.post(
            &officer,
            &path,
            &change(
                "sent_for_prosecution",
                "2026-04-15T02:00:00Z",
                &c["version"],
            ),
        )
        .await,
    )
    .await;
    assert_eq!(c["solved_at"], "2026-04-01T02:00:00Z", "never moved");
    let r = s
        .post(
            &officer,
            &path,
            &change("investigating", "2026-04-16T00:00:00Z", &c["version"]),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "illegal_transition",
        "sent for prosecution ends the case"
    );

    let one = json_ok(s.get(&officer, &format!("/api/cases/{id}")).await).await;
    let history = one["history"].as_array().unwrap();
    let statuses: Vec<&str> = history
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "prosecuted",
            "suspended",
            "investigating",
            "concluded",
            "sent_for_prosecution"
        ]
    );
    assert_eq!(history[1]["decision_no"], "05/QĐ-ĐTTH");
    assert_eq!(history[1]["note"], "Thử");
    assert_eq!(history[1]["at"], "2026-03-10T00:00:00Z");
    assert!(!history[1]["recorded_by"].as_str().unwrap().is_empty());
    // The list shows the status but not the history.
    let list = json_ok(s.get(&officer, "/api/cases").await).await;
    assert_eq!(list[0]["status"], "sent_for_prosecution");
    assert!(list[0].get("history").is_none());
    let r = s.get(&other, &format!("/api/cases/{id}")).await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    s.stop().await;
}

api_on_both_backends!(case_statuses_follow_the_procedure,);
