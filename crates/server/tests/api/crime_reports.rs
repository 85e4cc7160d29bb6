//! The crime-report register over real HTTP, on SQLite and PostgreSQL: registering from a
//! citizen and from an incident (by hand and by closing it as `crime_report_taken`), unit
//! scope and masked phones, the due and overdue lists per unit with unit names, extensions
//! within and beyond the law, a decision to prosecute that opens the case, and the days off.

use crate::common;

use chrono::{Duration, Utc};
use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn json_of(r: reqwest::Response, expected: StatusCode) -> Value {
    let status = r.status();
    let body: Value = r.json().await.expect("JSON body");
    assert_eq!(status, expected, "{body}");
    body
}

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn today_plus(days: i64) -> String {
    // The Vietnam calendar day, as the register counts days.
    (Utc::now() + Duration::hours(7) + Duration::days(days))
        .date_naive()
        .to_string()
}

async fn register_scope_and_due_lists(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let officer = s
        .user(&admin, "cb.hoankiem", "unit_officer", Some("00004"))
        .await;
    let other = s
        .user(&admin, "cb.ngocha", "unit_officer", Some("00008"))
        .await;
    let leader = s.user(&admin, "lanhdao", "leader", None).await;

    // A citizen's denunciation received today: 20 days and more to go.
    let r = s
        .post(
            &officer,
            "/api/crime-reports",
            &json!({"summary": "Bị lừa chuyển 50 triệu đồng qua mạng", "article": 174,
                    "reporter": {"name": "Lê Văn C", "phone": "0912345678"}}),
        )
        .await;
    let fresh = json_of(r, StatusCode::CREATED).await;
    assert_eq!(fresh["unit"], "00004");
    assert!(fresh["unit_name"].as_str().unwrap().len() > 3, "{fresh}");
    assert_eq!(fresh["kind"], "denunciation");
    assert_eq!(fresh["status"], "verifying");
    assert_eq!(fresh["limit"]["due"], "on_time");
    assert!(fresh["limit"]["days_left"].as_i64().unwrap() >= 20);
    assert!(fresh["legal_basis"].as_str().unwrap().contains("Điều 147"));
    assert_eq!(fresh["anonymous"], false);
    // An anonymous tip is taken.
    let r = s
        .post(
            &officer,
            "/api/crime-reports",
            &json!({"summary": "Có người buôn bán ma túy ở ngõ 5", "kind": "information"}),
        )
        .await;
    assert_eq!(json_of(r, StatusCode::CREATED).await["anonymous"], true);
    // Received 30 days ago: overdue. Received 19 days ago: due soon.
    let r = s
        .post(
            &officer,
            "/api/crime-reports",
            &json!({"summary": "Trộm cắp xe máy", "received_at": days_ago(30)}),
        )
        .await;
    let overdue = json_of(r, StatusCode::CREATED).await;
    assert_eq!(overdue["limit"]["due"], "overdue");
    let r = s
        .post(
            &officer,
            "/api/crime-reports",
            &json!({"summary": "Cố ý gây thương tích", "received_at": days_ago(19)}),
        )
        .await;
    let soon = json_of(r, StatusCode::CREATED).await;
    assert_eq!(soon["limit"]["due"], "due_soon");

    // Another unit's officer does not see them; a leader sees them with the phone masked
    // and may not record.
    let r = s
        .get(&other, &format!("/api/crime-reports/{}", fresh["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let theirs = json_of(s.get(&other, "/api/crime-reports").await, StatusCode::OK).await;
    assert_eq!(theirs["total"], 0);
    let seen = json_of(
        s.get(&leader, &format!("/api/crime-reports/{}", fresh["id"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["reporter"]["phone"], "0912***678");
    let r = s
        .post(
            &leader,
            "/api/crime-reports",
            &json!({"summary": "x", "unit": "00004"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The due lists: per unit with its name, the earliest last day first.
    let due = json_of(
        s.get(&admin, "/api/crime-reports/due").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(due["units"].as_array().unwrap().len(), 1, "{due}");
    assert_eq!(due["units"][0]["unit"], "00004");
    assert_eq!(due["units"][0]["overdue"], 1);
    assert_eq!(due["units"][0]["due_soon"], 1);
    assert!(due["units"][0]["unit_name"].is_string());
    assert_eq!(due["reports"][0]["id"], overdue["id"]);
    assert_eq!(due["reports"][1]["id"], soon["id"]);
    let due = json_of(
        s.get(&other, "/api/crime-reports/due").await,
        StatusCode::OK,
    )
    .await;
    assert!(due["reports"].as_array().unwrap().is_empty());
    let all = json_of(
        s.get(&admin, "/api/crime-reports?limit=2").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["total"], 4);
    assert_eq!(all["reports"].as_array().unwrap().len(), 2);

    // The investigating body extends the due-soon report within two months of receipt.
    let path = format!("/api/crime-reports/{}/extensions", soon["id"]);
    let too_far = json!({"by": "agency", "decision_no": "12/QĐ-CAP", "decided_on": today_plus(0),
                         "until": today_plus(60), "version": soon["version"]});
    let r = s.post(&officer, &path, &too_far).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let ok = json!({"by": "agency", "decision_no": "12/QĐ-CAP", "decided_on": today_plus(0),
                    "until": today_plus(30), "version": soon["version"]});
    let extended = json_of(s.post(&officer, &path, &ok).await, StatusCode::OK).await;
    assert_eq!(extended["limit"]["due"], "on_time");
    assert_eq!(extended["extensions"][0]["decision_no"], "12/QĐ-CAP");
    // The same request with the old version: 409, nothing changes.
    let r = s.post(&officer, &path, &ok).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // The overdue one cannot be extended any more; it is settled late.
    let r = s
        .post(
            &officer,
            &format!("/api/crime-reports/{}/extensions", overdue["id"]),
            &json!({"by": "agency", "decision_no": "13/QĐ", "decided_on": today_plus(0),
                    "until": today_plus(10), "version": overdue["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let settled = json_of(
        s.post(
            &officer,
            &format!("/api/crime-reports/{}/decision", overdue["id"]),
            &json!({"outcome": "not_prosecute", "decision_no": "20/QĐ", "decided_on": today_plus(0),
                    "reason": "Không có sự việc phạm tội", "version": overdue["version"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(settled["status"], "not_prosecuted");
    assert_eq!(settled["settled_on_time"], false);
    assert!(settled["limit"].is_null());
    // A second decision is an illegal transition.
    let r = s
        .post(
            &officer,
            &format!("/api/crime-reports/{}/decision", overdue["id"]),
            &json!({"outcome": "prosecute", "decision_no": "21/QĐ", "decided_on": today_plus(0),
                    "version": settled["version"]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "illegal_transition"
    );

    // Bad input: unknown fields and values, unknown ids, bad days.
    let r = s
        .post(
            &officer,
            "/api/crime-reports",
            &json!({"summary": "x", "kind": "rumour"}),
        )
        .await;
    assert!(r.status().is_client_error());
    let r = s.get(&admin, "/api/crime-reports/987654").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = s
        .post(&officer, "/api/crime-reports", &json!({"summary": "  "}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &officer,
            "/api/crime-reports",
            &json!({"summary": "x", "received_at": (Utc::now() + Duration::days(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    s.stop().await;
}

async fn the_chain_from_incident_to_case(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let incident = |description: &'static str| {
        let s = &s;
        let operator = operator.clone();
        async move {
            let r = s
                .post(
                    &operator,
                    "/api/incidents",
                    &json!({"kind": "crime", "channel": "hotline_113", "description": description,
                            "caller_name": "Phạm Thị D", "caller_phone": "0987654321",
                            "address": "5 Hàng Đào", "lat": 21.0335, "lon": 105.8505}),
                )
                .await;
            json_of(r, StatusCode::CREATED).await
        }
    };
    // Closed as "crime report taken": the report is registered with the close.
    let first = incident("Bị giật túi xách").await;
    let id = first["id"].as_i64().unwrap();
    for body in [
        json!({"to": "verified"}),
        json!({"to": "resolved"}),
        json!({"to": "closed", "disposition": "crime_report_taken"}),
    ] {
        let r = s
            .post(
                &operator,
                &format!("/api/incidents/{id}/transitions"),
                &body,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{body}");
    }
    let list = json_of(
        s.get(&operator, &format!("/api/crime-reports?incident_id={id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 1, "{list}");
    let report = &list["reports"][0];
    assert_eq!(report["source"], "incident");
    assert_eq!(report["unit"], first["unit_code"]);
    assert_eq!(report["reporter"]["phone"], "0987654321");
    assert!(report["summary"]
        .as_str()
        .unwrap()
        .contains("Bị giật túi xách"));
    let report_id = report["id"].as_i64().unwrap();
    let full = json_of(
        s.get(&operator, &format!("/api/crime-reports/{report_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(full["incident_number"], first["number"]);

    // From the other end: a report registered by hand from an incident carries its facts.
    let second = incident("Đánh nhau gây thương tích trước quán").await;
    let r = s
        .post(
            &operator,
            "/api/crime-reports",
            &json!({"incident_id": second["id"]}),
        )
        .await;
    let by_hand = json_of(r, StatusCode::CREATED).await;
    assert_eq!(by_hand["source"], "incident");
    assert_eq!(by_hand["place"], "5 Hàng Đào");
    assert_eq!(by_hand["incident_number"], second["number"]);
    assert!(by_hand["summary"].as_str().unwrap().contains("Đánh nhau"));

    // A decision to prosecute opens the case with the report's facts, linked both ways.
    let decided = json_of(
        s.post(
            &operator,
            &format!("/api/crime-reports/{report_id}/decision"),
            &json!({"outcome": "prosecute", "decision_no": "08/QĐ-KTVA", "decided_on": today_plus(0),
                    "case": {"case_ref": "VA-2026-0101", "article": 171, "clause": 1,
                             "bracket_max": {"type": "prison_months", "months": 60}},
                    "version": full["version"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(decided["status"], "prosecuted");
    assert_eq!(decided["case_ref"], "VA-2026-0101");
    assert_eq!(decided["settled_on_time"], true);
    let case_id = decided["case_id"].as_i64().unwrap();
    let case = json_of(
        s.get(&operator, &format!("/api/cases/{case_id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(case["unit"], report["unit"]);
    assert!(case["summary"]
        .as_str()
        .unwrap()
        .contains("Bị giật túi xách"));
    assert_eq!(case["crime_report_id"], report_id);
    assert_eq!(case["incident_id"], id);
    assert_eq!(case["status"], "prosecuted");
    assert_eq!(case["history"].as_array().unwrap().len(), 1, "{case}");
    assert_eq!(case["history"][0]["decision_no"], "08/QĐ-KTVA");
    // The same case number again: 409, the second report stays as it was.
    let r = s
        .post(
            &operator,
            &format!("/api/crime-reports/{}/decision", by_hand["id"]),
            &json!({"outcome": "prosecute", "decision_no": "09/QĐ", "decided_on": today_plus(0),
                    "case": {"case_ref": "VA-2026-0101", "article": 134, "clause": 1,
                             "bracket_max": {"type": "prison_months", "months": 36}},
                    "version": by_hand["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let again = json_of(
        s.get(&operator, &format!("/api/crime-reports/{}", by_hand["id"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["status"], "verifying");
    s.stop().await;
}

async fn rules_and_days_off(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let officer = s
        .user(&admin, "cb.hoankiem", "unit_officer", Some("00004"))
        .await;
    let data = json_of(
        s.get(&officer, "/api/crime-reports/rules").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(data["rules"][0]["base_days"], 20);
    assert_eq!(data["rules"][0]["valid_from"], "2018-01-01");
    // Only an administrator records days off.
    let body = json!({"name": "Tết Nguyên đán"});
    let r = s.put(&officer, "/api/days-off/2027-02-08", &body).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s.put(&admin, "/api/days-off/2027-02-08", &body).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = s.put(&admin, "/api/days-off/8-2-2027", &body).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let data = json_of(
        s.get(&officer, "/api/crime-reports/rules").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        data["days_off"],
        json!([{"day": "2027-02-08", "name": "Tết Nguyên đán"}])
    );
    // A rule overlapping the one in force from the same day is refused; a later one closes it.
    let rule = |id: &str, from: &str| {
        json!({"id": id, "legal_basis": "Luật sửa đổi", "valid_from": from, "valid_to": null,
               "base_days": 30, "agency_extension_months": 2, "procuracy_extensions": 1,
               "procuracy_extension_months": 2, "request_days_before": 5})
    };
    let r = s
        .post(
            &officer,
            "/api/crime-reports/rules",
            &rule("x", "2030-01-01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .post(
            &admin,
            "/api/crime-reports/rules",
            &rule("same-day", "2018-01-01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let data = json_of(
        s.post(
            &admin,
            "/api/crime-reports/rules",
            &rule("amended-2030", "2030-01-01"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(data["rules"][0]["valid_to"], "2029-12-31");
    assert_eq!(data["rules"][1]["id"], "amended-2030");
    s.stop().await;
}

async fn figures_of_a_period_by_unit(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let officer = s
        .user(&admin, "cb.hoankiem", "unit_officer", Some("00004"))
        .await;
    let other = s
        .user(&admin, "cb.ngocha", "unit_officer", Some("00008"))
        .await;
    // 09:00 Vietnam time on a day of 2026.
    let at = |m: u32, d: u32| format!("2026-{m:02}-{d:02}T02:00:00Z");
    let receive = |token: String, m: u32, d: u32| {
        let s = &s;
        async move {
            let r = s
                .post(
                    &token,
                    "/api/crime-reports",
                    &json!({"summary": "Trộm cắp tài sản", "received_at": at(m, d)}),
                )
                .await;
            json_of(r, StatusCode::CREATED).await
        }
    };
    let decide = |token: String, r: Value, outcome: &'static str, day: &'static str| {
        let s = &s;
        async move {
            let r = s
                .post(
                    &token,
                    &format!("/api/crime-reports/{}/decision", r["id"]),
                    &json!({"outcome": outcome, "decision_no": "1/QĐ", "decided_on": day,
                            "reason": "Chờ kết luận giám định", "version": r["version"]}),
                )
                .await;
            json_of(r, StatusCode::OK).await
        }
    };
    // 00004: one carried in from February and settled in March, one received in March and
    // still pending; 00008: one received and suspended in March.
    let feb = receive(officer.clone(), 2, 20).await;
    decide(officer.clone(), feb, "not_prosecute", "2026-03-05").await;
    receive(officer.clone(), 3, 10).await;
    let mar = receive(other.clone(), 3, 11).await;
    decide(other.clone(), mar, "suspend", "2026-03-12").await;

    let f = json_of(
        s.get(
            &admin,
            "/api/crime-reports/figures?from=2026-03-01&to=2026-03-31",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(f["units"].as_array().unwrap().len(), 2, "{f}");
    let a = &f["units"][0];
    assert_eq!(a["unit"], "00004");
    assert!(a["unit_name"].is_string());
    assert_eq!(
        (
            &a["carried_in"],
            &a["received"],
            &a["settled"],
            &a["pending_end"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(1))
    );
    assert_eq!(a["settled_rate"], 50.0);
    assert_eq!(f["total"]["to_settle"], 3);
    assert_eq!(f["total"]["suspended"], 1);
    // A unit officer gets their own unit only.
    let mine = json_of(
        s.get(
            &other,
            "/api/crime-reports/figures?from=2026-03-01&to=2026-03-31",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["units"].as_array().unwrap().len(), 1);
    assert_eq!(mine["total"]["settled"], 1);
    // The CSV export names the units and ends with the total.
    let r = s
        .get(
            &admin,
            "/api/crime-reports/figures?from=2026-03-01&to=2026-03-31&format=csv",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let name = a["unit_name"].as_str().unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with(&format!("{name},1,1,2,1,0,1,0,0,1,50.00,100.00,1"))),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("Tổng cộng,1,2,3,2,0,1,1,0,2,66.67,100.00,1")),
        "{csv}"
    );
    let r = s
        .get(&admin, "/api/crime-reports/figures?period=nonsense")
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    s.stop().await;
}

api_on_both_backends!(
    figures_of_a_period_by_unit,
    register_scope_and_due_lists,
    the_chain_from_incident_to_case,
    rules_and_days_off,
);
