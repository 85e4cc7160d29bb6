//! Accountability over real HTTP, on SQLite and on PostgreSQL: the task lifecycle with every
//! refusal, unit scope, boards with overdue tasks first, CSV/XLSX exports, the chain of
//! responsibility, an inspection campaign from working groups to a verified remediation and
//! closure, and the overdue watch.

use crate::common;

use chrono::{Duration, Utc};
use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A signed-in account: its token and its id.
struct Account {
    token: String,
    id: i64,
}

async fn account(
    s: &TestServer,
    admin: &str,
    role: &str,
    unit: Option<&str>,
    display_name: &str,
) -> Account {
    let username = common::unique(role);
    let password = format!("{username}-mat-khau-dai");
    let r = s
        .post(
            admin,
            "/api/users",
            &json!({
                "username": username, "display_name": display_name, "role": role,
                "unit_code": unit, "password": password,
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "create {role}");
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    Account {
        token: s.login(&username, &password).await,
        id,
    }
}

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.expect("JSON body");
    assert!(status.is_success(), "{status}: {body}");
    body
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

fn new_task(owner: i64, days: i64, title: &str) -> Value {
    json!({
        "title": title,
        "description": "Rà soát toàn bộ hộ tạm trú trên địa bàn",
        "owner_id": owner,
        "deadline": in_days(days),
        "expected_result": "Danh sách hộ tạm trú được cập nhật đầy đủ",
    })
}

async fn task_lifecycle_with_every_refusal(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let leader = account(&s, &admin, "leader", None, "Đại tá Nguyễn Văn Lãnh").await;
    let owner = account(
        &s,
        &admin,
        "unit_officer",
        Some("00004"),
        "Đại úy Trần Văn Chủ",
    )
    .await;
    let chief = account(
        &s,
        &admin,
        "unit_officer",
        Some("00004"),
        "Trung tá Lê Trưởng",
    )
    .await;
    let other = account(
        &s,
        &admin,
        "unit_officer",
        Some("00008"),
        "Thiếu tá Phạm Khác",
    )
    .await;

    // Only leaders and admins assign; every required attribute is checked.
    let r = s
        .post(
            &owner.token,
            "/api/tasks",
            &new_task(owner.id, 7, "Rà soát"),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let mut missing = new_task(owner.id, 7, "Rà soát");
    missing["expected_result"] = json!("  ");
    let r = s.post(&leader.token, "/api/tasks", &missing).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &leader.token,
            "/api/tasks",
            &new_task(owner.id, -1, "Rà soát"),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let mut elsewhere = new_task(owner.id, 7, "Rà soát");
    elsewhere["unit"] = json!("00008");
    let r = s.post(&leader.token, "/api/tasks", &elsewhere).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let mut unknown_field = new_task(owner.id, 7, "Rà soát");
    unknown_field["priority"] = json!(1);
    let r = s.post(&leader.token, "/api/tasks", &unknown_field).await;
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, "invalid_body");

    let r = s
        .post(
            &leader.token,
            "/api/tasks",
            &new_task(owner.id, 7, "Rà soát hộ tạm trú"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let task = r.json::<Value>().await.unwrap();
    let id = task["id"].as_i64().unwrap();
    assert_eq!(task["unit"], "00004", "the owner's unit by default");
    assert_eq!(task["owner"]["display_name"], "Đại úy Trần Văn Chủ");
    assert_eq!(task["assigner"]["user_id"], leader.id.to_string());
    assert_eq!(task["status"], "open");
    assert_eq!(task["board_status"], "not_started");
    assert_eq!(task["version"], 1);
    let path = format!("/api/tasks/{id}");

    // The chain of responsibility: owner → unit chief → assigner.
    let r = s
        .client
        .put(s.url("/api/units/00004/chief"))
        .bearer_auth(&admin)
        .json(&json!({"user_id": chief.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let got = json_ok(s.get(&owner.token, &path).await).await;
    let chain: Vec<(String, String)> = got["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["person"]["user_id"].as_str().unwrap().to_owned(),
                l["roles"][0]["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        vec![
            (owner.id.to_string(), "owner".to_owned()),
            (chief.id.to_string(), "unit_chief".to_owned()),
            (leader.id.to_string(), "assigner".to_owned()),
        ]
    );

    // Another unit's officer does not see it at all.
    let r = s.get(&other.token, &path).await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let r = s
        .post(
            &other.token,
            &format!("{path}/progress"),
            &json!({"version": 1, "percent": 10, "note": "x"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let listed = json_ok(s.get(&other.token, "/api/tasks").await).await;
    assert!(listed.as_array().unwrap().is_empty());
    let r = s.get(&other.token, "/api/tasks?unit=00004").await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    // A colleague of the unit sees it but may not report for the owner.
    let r = s
        .post(
            &chief.token,
            &format!("{path}/progress"),
            &json!({"version": 1, "percent": 10, "note": "x"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");

    // Progress: never above 100, with a note, at the version read.
    let r = s
        .post(
            &owner.token,
            &format!("{path}/progress"),
            &json!({"version": 1, "percent": 101, "note": "Đã rà soát"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let t = json_ok(
        s.post(
            &owner.token,
            &format!("{path}/progress"),
            &json!({"version": 1, "percent": 40, "note": "Đã rà soát 4/10 tổ dân phố"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            t["status"].as_str(),
            t["progress"].as_i64(),
            t["version"].as_i64()
        ),
        (Some("in_progress"), Some(40), Some(2))
    );
    assert_eq!(t["notes"][0]["text"], "Đã rà soát 4/10 tổ dân phố");
    let r = s
        .post(
            &owner.token,
            &format!("{path}/progress"),
            &json!({"version": 1, "percent": 50, "note": "cũ"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");

    // Completion needs evidence; 100 % alone does not complete.
    let t = json_ok(
        s.post(
            &owner.token,
            &format!("{path}/progress"),
            &json!({"version": 2, "percent": 100, "note": "Xong"}),
        )
        .await,
    )
    .await;
    assert_eq!(t["status"], "in_progress");
    let r = s
        .post(
            &owner.token,
            &format!("{path}/complete"),
            &json!({"version": 3, "outcome": "Đã cập nhật 1.204 hộ", "evidence": []}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "evidence_required"
    );

    // Only the assigner moves the deadline.
    let later = in_days(14);
    let r = s
        .post(
            &owner.token,
            &format!("{path}/deadline"),
            &json!({"version": 3, "deadline": later, "reason": "Xin gia hạn"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &admin,
            &format!("{path}/deadline"),
            &json!({"version": 3, "deadline": later, "reason": "Gia hạn"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let t = json_ok(
        s.post(
            &leader.token,
            &format!("{path}/deadline"),
            &json!({"version": 3, "deadline": later, "reason": "Địa bàn rộng, cần thêm thời gian"}),
        )
        .await,
    )
    .await;
    assert_eq!(t["original_deadline"], task["deadline"]);
    assert_ne!(t["deadline"], task["deadline"]);
    assert_eq!(
        t["deadline_changes"][0]["reason"],
        "Địa bàn rộng, cần thêm thời gian"
    );

    let t = json_ok(
        s.post(
            &owner.token,
            &format!("{path}/complete"),
            &json!({"version": 4, "outcome": "Đã cập nhật 1.204 hộ tạm trú",
                    "evidence": [{"description": "Báo cáo kết quả", "reference": "BC-15/CAP"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (t["status"].as_str(), t["board_status"].as_str()),
        (Some("done"), Some("done_on_time"))
    );
    assert_eq!(t["outcome"]["evidence"][0]["reference"], "BC-15/CAP");

    // Only the assigner reopens; a reopened task can be cancelled by the assigner.
    let r = s
        .post(
            &owner.token,
            &format!("{path}/reopen"),
            &json!({"version": 5, "reason": "Tự mở lại"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let t = json_ok(
        s.post(
            &leader.token,
            &format!("{path}/reopen"),
            &json!({"version": 5, "reason": "Thiếu danh sách người nước ngoài"}),
        )
        .await,
    )
    .await;
    assert_eq!(t["status"], "in_progress");
    let r = s
        .post(
            &owner.token,
            &format!("{path}/cancel"),
            &json!({"version": 6, "reason": "Không làm"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let t = json_ok(
        s.post(
            &leader.token,
            &format!("{path}/cancel"),
            &json!({"version": 6, "reason": "Gộp vào kế hoạch quý"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (t["status"].as_str(), t["cancel_reason"].as_str()),
        (Some("cancelled"), Some("Gộp vào kế hoạch quý"))
    );
    let r = s
        .post(
            &leader.token,
            &format!("{path}/start"),
            &json!({"version": 7}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "illegal_transition"
    );
    let r = s.get(&leader.token, "/api/tasks/999999").await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");

    // Every change is audited.
    let audit = json_ok(
        s.get(
            &admin,
            &format!("/api/audit?object_type=task&object_id={id}"),
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for a in [
        "task.create",
        "task.progress",
        "task.deadline",
        "task.complete",
        "task.reopen",
        "task.cancel",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    s.stop().await;
}

/// A task created through the store dated `days_ago` with a deadline `deadline_days` after
/// that (so that it can already be overdue).
async fn past_task(
    s: &TestServer,
    unit: &str,
    owner: i64,
    assigner: i64,
    days_ago: i64,
    deadline_days: i64,
) -> i64 {
    use domain::tasks::{NewTask, PersonRef, TaskPolicy, TaskSource};
    let store = s.store().await;
    let created = Utc::now() - Duration::days(days_ago);
    let t = store
        .create_task(
            &NewTask {
                id: String::new(),
                title: "Tổng kiểm tra cơ sở kinh doanh karaoke".into(),
                description: "Kiểm tra phòng cháy chữa cháy".into(),
                owner: PersonRef::new(&owner.to_string(), "Đại úy Trần Văn Chủ"),
                unit: unit.into(),
                assigner: PersonRef::new(&assigner.to_string(), "Đại tá Nguyễn Văn Lãnh"),
                deadline: created + Duration::days(deadline_days),
                expected_result: "100% cơ sở được kiểm tra".into(),
                source: TaskSource::LeaderAssignment { reference: None },
            },
            &TaskPolicy::default(),
            &store::Actor::system("fixture"),
            created,
        )
        .await
        .unwrap();
    // Dropped, not closed: on PostgreSQL `close` would wait for the connection its feed
    // listener holds.
    drop(store);
    t.id
}

async fn boards_put_overdue_first_and_export(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let leader = account(&s, &admin, "leader", None, "Đại tá Nguyễn Văn Lãnh").await;
    let owner = account(
        &s,
        &admin,
        "unit_officer",
        Some("00004"),
        "Đại úy Trần Văn Chủ",
    )
    .await;
    let other = account(
        &s,
        &admin,
        "unit_officer",
        Some("00008"),
        "Thiếu tá Phạm Khác",
    )
    .await;
    let mut ids = Vec::new();
    for (days, title) in [(10, "Tuần tra đêm"), (3, "Rà soát camera")] {
        let t = json_ok(
            s.post(
                &leader.token,
                "/api/tasks",
                &new_task(owner.id, days, title),
            )
            .await,
        )
        .await;
        ids.push(t["id"].as_i64().unwrap());
    }
    let (late, soon) = (ids[0], ids[1]);
    let overdue = past_task(&s, "00004", owner.id, leader.id, 10, 9).await;
    let done = json_ok(
        s.post(
            &leader.token,
            "/api/tasks",
            &new_task(owner.id, 1, "Báo cáo tuần"),
        )
        .await,
    )
    .await;
    let done_id = done["id"].as_i64().unwrap();
    json_ok(
        s.post(
            &owner.token,
            &format!("/api/tasks/{done_id}/complete"),
            &json!({"version": 1, "outcome": "Đã nộp", "evidence": [{"description": "Báo cáo", "reference": "BC-1"}]}),
        )
        .await,
    )
    .await;
    let elsewhere = json_ok(
        s.post(
            &leader.token,
            "/api/tasks",
            &new_task(other.id, 2, "Việc phường khác"),
        )
        .await,
    )
    .await;

    let board = json_ok(s.get(&leader.token, "/api/tasks/board?unit=00004").await).await;
    let order: Vec<i64> = board["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![overdue, soon, late, done_id]);
    assert_eq!(board["tasks"][0]["board_status"], "overdue");
    assert_eq!(
        board["tasks"][0]["board_status_label"],
        "Quá hạn chưa hoàn thành"
    );
    let summary = &board["summary"];
    assert_eq!(
        (
            summary["overdue"].as_u64(),
            summary["not_started"].as_u64(),
            summary["done_on_time"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    // The person's board and the active-only board.
    let board = json_ok(
        s.get(
            &leader.token,
            &format!("/api/tasks/board?person={}&include_closed=false", owner.id),
        )
        .await,
    )
    .await;
    let order: Vec<i64> = board["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![overdue, soon, late]);
    // The city board counts every unit.
    let city = json_ok(s.get(&leader.token, "/api/tasks/board").await).await;
    let units: Vec<&str> = city["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, vec!["00004", "00008"]);
    // A unit officer's board is their unit's; another unit's is refused.
    let mine = json_ok(s.get(&other.token, "/api/tasks/board").await).await;
    assert_eq!(mine["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(mine["tasks"][0]["id"], elsewhere["id"]);
    let r = s.get(&other.token, "/api/tasks/board?unit=00004").await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    // The people a leader can assign to; not for unit officers.
    let people = json_ok(
        s.get(&leader.token, "/api/tasks/assignees?unit=00004")
            .await,
    )
    .await;
    let ids: Vec<i64> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![owner.id]);
    let r = s.get(&owner.token, "/api/tasks/assignees").await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    // The console page is served.
    let r = s.get(&leader.token, "/tasks").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("/tasks"));
    // Filters.
    let list = json_ok(s.get(&leader.token, "/api/tasks?overdue=true").await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], overdue);
    let list = json_ok(s.get(&leader.token, "/api/tasks?status=done").await).await;
    assert_eq!(list[0]["id"], done_id);
    let r = s.get(&leader.token, "/api/tasks?status=finished").await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );

    // CSV: byte-order mark, a header of Vietnamese labels, one line per task.
    let r = s
        .get(&leader.token, "/api/tasks/export.csv?unit=00004")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("attachment") && disposition.contains(".csv"),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Mã,Nhiệm vụ,Đơn vị,Người thực hiện"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 4, "{text}");
    assert!(text.contains("Quá hạn chưa hoàn thành"));
    let r = s
        .get(&leader.token, "/api/tasks/export.csv?unit=00004&lang=en")
        .await;
    let text = r.text().await.unwrap();
    assert!(text
        .trim_start_matches('\u{feff}')
        .starts_with("Id,Task,Unit,Owner"));
    // XLSX: a zip holding a workbook with one sheet.
    for path in [
        "/api/tasks/export.xlsx?unit=00004",
        "/api/tasks?unit=00004&format=xlsx",
    ] {
        let r = s.get(&leader.token, path).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx"));
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "zip magic");
        let has = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
        assert!(has(b"xl/worksheets/sheet1.xml") && has(b"[Content_Types].xml"));
    }
    // A unit officer's export holds their unit's tasks only.
    let text = s
        .get(&other.token, "/api/tasks/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    s.stop().await;
}

async fn overdue_tasks_are_flagged_by_the_watch(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let leader = account(&s, &admin, "leader", None, "Đại tá Nguyễn Văn Lãnh").await;
    let owner = account(
        &s,
        &admin,
        "unit_officer",
        Some("00004"),
        "Đại úy Trần Văn Chủ",
    )
    .await;
    let id = past_task(&s, "00004", owner.id, leader.id, 5, 2).await;
    // The watch runs at start-up and then every minute: restart to see its first round.
    let s = s.restart().await;
    let admin = s.admin().await;
    let mut flagged = false;
    for _ in 0..100 {
        let audit = json_ok(
            s.get(
                &admin,
                &format!("/api/audit?object_type=task&object_id={id}"),
            )
            .await,
        )
        .await;
        if audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "task.overdue")
        {
            flagged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(flagged, "task.overdue audited by the watch");
    s.stop().await;
}

async fn a_campaign_runs_from_groups_to_verified_remediation(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let inspector = account(&s, &admin, "inspector", None, "Thượng tá Vũ Kiểm").await;
    let leader = account(&s, &admin, "leader", None, "Đại tá Nguyễn Văn Lãnh").await;
    let owner = account(
        &s,
        &admin,
        "unit_officer",
        Some("00004"),
        "Đại úy Trần Văn Chủ",
    )
    .await;
    let other = account(
        &s,
        &admin,
        "unit_officer",
        Some("00008"),
        "Thiếu tá Phạm Khác",
    )
    .await;

    let r = s
        .post(
            &owner.token,
            "/api/campaigns",
            &json!({"title": "Kiểm tra quý II"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &inspector.token,
            "/api/campaigns",
            &json!({"title": "Kiểm tra công tác quý II/2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let c = r.json::<Value>().await.unwrap();
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "planning");
    assert_eq!(c["checklist"].as_array().unwrap().len(), 5);
    let base = format!("/api/campaigns/{id}");
    let c = json_ok(
        s.post(&inspector.token, &format!("{base}/groups"), &json!({"version": 1, "name": "Đoàn số 1", "leader_id": inspector.id, "member_ids": [leader.id]}))
            .await,
    )
    .await;
    let group = c["created"][0].as_i64().unwrap();
    assert_eq!(
        c["groups"][0]["leader"]["display_name"],
        "Thượng tá Vũ Kiểm"
    );
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/groups/{group}/units"),
            &json!({"version": 2, "units": ["00004", "99999"]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    json_ok(
        s.post(
            &inspector.token,
            &format!("{base}/groups/{group}/units"),
            &json!({"version": 2, "units": ["00004", "00008"]}),
        )
        .await,
    )
    .await;
    // A stale version is refused.
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/start"),
            &json!({"version": 2}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    json_ok(
        s.post(
            &inspector.token,
            &format!("{base}/start"),
            &json!({"version": 3}),
        )
        .await,
    )
    .await;
    let c = json_ok(
        s.post(
            &inspector.token,
            &format!("{base}/visits"),
            &json!({"version": 4, "group_id": group, "unit": "00004", "date": "2026-05-20"}),
        )
        .await,
    )
    .await;
    let visit = c["created"][0].as_i64().unwrap();
    let items: Vec<i64> = c["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let results: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if i == 0 {
                json!({"item_id": item, "verdict": "not_met", "notes": "Chưa cập nhật 37 hộ tạm trú", "severity": "high"})
            } else {
                json!({"item_id": item, "verdict": "met"})
            }
        })
        .collect();
    // A leader does not write findings; an incomplete record is refused.
    let r = s
        .post(
            &leader.token,
            &format!("{base}/visits/{visit}/record"),
            &json!({"version": 5, "record_ref": "BB-01", "results": results}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/visits/{visit}/record"),
            &json!({"version": 5, "record_ref": "BB-01", "results": results[1..]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let c = json_ok(
        s.post(
            &inspector.token,
            &format!("{base}/visits/{visit}/record"),
            &json!({"version": 5, "record_ref": "BB-01", "results": results}),
        )
        .await,
    )
    .await;
    let finding = c["created"][0].as_i64().unwrap();
    assert_eq!(c["progress"]["units_visited"], 1);
    assert_eq!(c["progress"]["findings_open"], 1);
    assert!(!c["checklist_editable"].as_bool().unwrap());

    // The recommendation becomes a task of a named officer of the inspected unit.
    let rec = |owner_id: i64, version: i64| json!({"version": version, "text": "Cập nhật đủ 37 hộ tạm trú vào cơ sở dữ liệu", "owner_id": owner_id, "deadline": in_days(30)});
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/findings/{finding}/recommend"),
            &rec(other.id, 6),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/findings/999/recommend"),
            &rec(owner.id, 6),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let c = json_ok(
        s.post(
            &inspector.token,
            &format!("{base}/findings/{finding}/recommend"),
            &rec(owner.id, 6),
        )
        .await,
    )
    .await;
    let task = c["task"].clone();
    let task_id = task["id"].as_i64().unwrap();
    assert_eq!(
        (task["unit"].as_str(), task["campaign_id"].as_i64()),
        (Some("00004"), Some(id))
    );
    assert_eq!(task["assigner"]["user_id"], inspector.id.to_string());
    let listed = json_ok(
        s.get(&owner.token, &format!("/api/tasks?campaign_id={id}"))
            .await,
    )
    .await;
    assert_eq!(listed[0]["id"], task_id);

    // Verification waits for the task to be done; the campaign cannot close before.
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/findings/{finding}/verify"),
            &json!({"version": 7, "note": "Đã kiểm tra"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "illegal_transition"
    );
    let r = s
        .post(
            &inspector.token,
            &format!("{base}/close"),
            &json!({"version": 7}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "illegal_transition"
    );
    json_ok(
        s.post(
            &owner.token,
            &format!("/api/tasks/{task_id}/complete"),
            &json!({"version": 1, "outcome": "Đã cập nhật 37 hộ", "evidence": [{"description": "Danh sách", "reference": "DS-37"}]}),
        )
        .await,
    )
    .await;
    let c = json_ok(
        s.post(
            &inspector.token,
            &format!("{base}/findings/{finding}/verify"),
            &json!({"version": 7, "note": "Đã kiểm tra thực tế"}),
        )
        .await,
    )
    .await;
    assert_eq!(c["findings"][0]["state"]["state"], "remediated");
    assert_eq!(c["progress"]["findings_closed"], 1);
    assert_eq!(c["progress"]["remediation_rate_pct"], 100.0);
    let c = json_ok(
        s.post(
            &leader.token,
            &format!("{base}/close"),
            &json!({"version": 8}),
        )
        .await,
    )
    .await;
    assert_eq!(c["status"], "closed");
    assert!(c["closed_at"].is_string());

    // Progress exports and the list.
    let r = s
        .get(
            &leader.token,
            &format!("{base}/progress?table=units&format=csv"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("Đơn vị,Đoàn,Đã kiểm tra"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3);
    let list = json_ok(s.get(&leader.token, "/api/campaigns").await).await;
    assert_eq!(
        (list[0]["id"].as_i64(), list[0]["findings_closed"].as_u64()),
        (Some(id), Some(1))
    );
    let r = s.get(&owner.token, "/api/campaigns").await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");

    // Seven groups over the city's 126 units, balanced by the domain helper.
    let c = json_ok(
        s.post(
            &leader.token,
            "/api/campaigns",
            &json!({"title": "Kiểm tra toàn thành phố"}),
        )
        .await,
    )
    .await;
    let base = format!("/api/campaigns/{}", c["id"]);
    let mut version = 1;
    for n in 1..=7 {
        json_ok(
            s.post(&leader.token, &format!("{base}/groups"), &json!({"version": version, "name": format!("Đoàn số {n}"), "leader_id": inspector.id}))
                .await,
        )
        .await;
        version += 1;
    }
    let c = json_ok(
        s.post(
            &leader.token,
            &format!("{base}/assign-balanced"),
            &json!({"version": version}),
        )
        .await,
    )
    .await;
    let sizes: Vec<usize> = c["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["units"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![18; 7]);
    assert_eq!(c["progress"]["units_assigned"], 126);
    s.stop().await;
}

api_on_both_backends!(
    task_lifecycle_with_every_refusal,
    boards_put_overdue_first_and_export,
    overdue_tasks_are_flagged_by_the_watch,
    a_campaign_runs_from_groups_to_verified_remediation,
);
