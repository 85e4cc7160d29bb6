//! Criminal cases that follow the investigation, over real HTTP on SQLite and PostgreSQL:
//! status changes with their dates, history and version checks, and the unit scope; the
//! bulk import from CSV and XLSX with its report of bad rows by line; the periodic crime
//! report against a fixture worked out by hand.

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

/// A file with one error of each kind, the lines numbered as a spreadsheet shows them.
const BAD_FILE: &str = "\u{feff}Số vụ án,Đơn vị,Điều,Khoản,Khung hình phạt,Tóm tắt,Ngày phát hiện,Ngày khám phá,Trạng thái,Ngày trạng thái,Số đối tượng
IM-1,00004,173,1,prison:36,Trộm cắp xe máy,2026-03-01,2026-03-05,,,1
IM-2,Phường Ngọc Hà,174,2,prison:84,\"Lừa đảo, chiếm đoạt\",01/03/2026 08:30,,investigating,2026-03-02,
IM-3,Phường Không Có,173,1,prison:36,,2026-03-01,,,,
IM-4,00004,abc,1,prison:36,,2026-03-01,,,,
IM-5,00004,173,1,prison:36,,2026-13-01,,,,
IM-1,00004,173,1,prison:36,,2026-03-01,,,,
IM-OLD,00004,173,1,prison:36,,2026-03-01,,,,
IM-8,00004,173,1,prison:36,,2026-03-01,,closed,,
IM-9,Ba Đình,249,1,life,Mua bán ma túy,2026-03-03,,sent_for_prosecution,2026-03-20,3
";

async fn cases_import_from_csv_and_xlsx_with_errors_by_line(backend: Backend) {
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
    json_ok(
        s.post(
            &admin,
            "/api/cases",
            &json!({
                "case_ref": "IM-OLD", "unit": "00004", "article": 173,
                "bracket_max": {"type": "non_custodial"}, "discovered_at": "2026-01-01T00:00:00Z",
            }),
        )
        .await,
    )
    .await;
    // Unit officers do not import.
    let r = s.post_csv(&officer, "/api/cases/import", BAD_FILE).await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");

    // By default one bad row refuses the whole file, and every bad row is named.
    let r = s.post_csv(&admin, "/api/cases/import", BAD_FILE).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_rows", "{body}");
    let rows: Vec<(i64, String, String)> = body["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap_or("").to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let lines: Vec<(i64, &str)> = rows.iter().map(|(l, f, _)| (*l, f.as_str())).collect();
    assert_eq!(
        lines,
        [
            (4, "unit"),
            (5, "article"),
            (6, "discovered_at"),
            (7, "case_ref"),
            (8, "case_ref"),
            (9, "status"),
        ],
        "{body}"
    );
    assert!(rows[3].2.contains("line 2"), "{:?}", rows[3]);
    assert!(
        rows[4].2.contains("already in the register"),
        "{:?}",
        rows[4]
    );
    let all = json_ok(s.get(&admin, "/api/cases").await).await;
    assert_eq!(all.as_array().unwrap().len(), 1, "nothing was written");

    // valid-only writes the good rows and reports the same bad ones.
    let r = s
        .post_csv(&admin, "/api/cases/import?mode=valid-only", BAD_FILE)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["created"], 3, "{report}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 6, "{report}");
    let ids: Vec<i64> = report["ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let c1 = json_ok(s.get(&admin, &format!("/api/cases/{}", ids[0])).await).await;
    assert_eq!(c1["case_ref"], "IM-1");
    assert_eq!(c1["discovered_at"], "2026-02-28T17:00:00Z", "Vietnam time");
    assert_eq!(c1["solved_at"], "2026-03-04T17:00:00Z");
    assert_eq!(c1["status"], "prosecuted");
    assert_eq!(c1["suspects"], 1);
    let c2 = json_ok(s.get(&admin, &format!("/api/cases/{}", ids[1])).await).await;
    assert_eq!(c2["unit"], "00008", "found by its name");
    assert_eq!(c2["unit_name"], "Phường Ngọc Hà");
    assert_eq!(c2["summary"], "Lừa đảo, chiếm đoạt");
    assert_eq!(c2["discovered_at"], "2026-03-01T01:30:00Z");
    assert_eq!(c2["status"], "investigating");
    assert_eq!(c2["status_at"], "2026-03-01T17:00:00Z");
    assert_eq!(c2["history"].as_array().unwrap().len(), 1);
    let c3 = json_ok(s.get(&admin, &format!("/api/cases/{}", ids[2])).await).await;
    assert_eq!(c3["unit"], "00004");
    assert_eq!(c3["severity"], "especially_serious");
    assert_eq!(c3["group"], "drugs");
    assert_eq!(c3["status"], "sent_for_prosecution");
    assert_eq!(
        c3["solved_at"], "2026-03-19T17:00:00Z",
        "sent for prosecution: solved"
    );
    assert_eq!(c3["suspects"], 3);

    // The same file again: every row is now a duplicate of a stored case.
    let r = s
        .post_csv(&admin, "/api/cases/import?mode=valid-only", BAD_FILE)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A missing column refuses the file at its header.
    let r = s
        .post_csv(&admin, "/api/cases/import", "case_ref,unit\nX,00004\n")
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["rows"][0]["line"], 1, "{body}");
    assert!(body["error"]["rows"][0]["message"]
        .as_str()
        .unwrap()
        .contains("article"));

    // An XLSX workbook: its first sheet, lines as the sheet's rows.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "case_ref",
        "unit",
        "article",
        "bracket_max",
        "discovered_at",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "XL-1").unwrap();
    ws.write_string(1, 1, "00004").unwrap();
    ws.write_number(1, 2, 173.0).unwrap();
    ws.write_string(1, 3, "prison:36").unwrap();
    // 46082 is 2026-03-01 as a spreadsheet date.
    ws.write_number(1, 4, 46082.0).unwrap();
    ws.write_string(2, 0, "XL-2").unwrap();
    ws.write_string(2, 1, "00004").unwrap();
    ws.write_number(2, 2, 173.0).unwrap();
    ws.write_string(2, 3, "prison:0").unwrap();
    ws.write_string(2, 4, "2026-03-02").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let post_xlsx = |path: &str| {
        s.client
            .post(s.url(path))
            .bearer_auth(&admin)
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(bytes.clone())
            .send()
    };
    let r = post_xlsx("/api/cases/import").await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["rows"][0]["line"], 3, "{body}");
    assert_eq!(body["error"]["rows"][0]["field"], "bracket_max", "{body}");
    let r = post_xlsx("/api/cases/import?mode=valid-only")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    let id = report["ids"][0].as_i64().unwrap();
    let c = json_ok(s.get(&admin, &format!("/api/cases/{id}")).await).await;
    assert_eq!(c["case_ref"], "XL-1");
    assert_eq!(c["discovered_at"], "2026-02-28T17:00:00Z");
    s.stop().await;
}

/// One case of a fixture: reference, unit, article, bracket, discovered, solved, and the
/// status changes that follow.
type Seed = (
    &'static str,
    &'static str,
    u16,
    Value,
    &'static str,
    Option<&'static str>,
    Vec<(&'static str, &'static str)>,
);

/// Records a case through the API and moves it through `statuses` (`(status, at)`).
#[allow(clippy::too_many_arguments)]
async fn seed(
    s: &TestServer,
    token: &str,
    case_ref: &str,
    unit: &str,
    article: u16,
    bracket: Value,
    discovered: &str,
    solved: Option<&str>,
    statuses: &[(&str, &str)],
) {
    let mut c = json_ok(
        s.post(
            token,
            "/api/cases",
            &json!({
                "case_ref": case_ref, "unit": unit, "article": article, "bracket_max": bracket,
                "discovered_at": discovered, "solved_at": solved,
            }),
        )
        .await,
    )
    .await;
    for (status, at) in statuses {
        c = json_ok(
            s.post(
                token,
                &format!("/api/cases/{}/status", c["id"]),
                &json!({"status": status, "at": at, "version": c["version"]}),
            )
            .await,
        )
        .await;
    }
}

async fn the_periodic_crime_report_matches_a_hand_made_fixture(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let prison = |m: u32| json!({"type": "prison_months", "months": m});
    // Reporting month 3/2026 is [2026-02-14T17:00Z, 2026-03-14T17:00Z); 3/2025 the same a year
    // earlier. Each line says what it adds to the report.
    let fixture: Vec<Seed> = vec![
        // 00004: discovered and solved in the period (ttxh).
        (
            "A1",
            "00004",
            173,
            prison(36),
            "2026-02-20T03:00:00Z",
            Some("2026-02-25T03:00:00Z"),
            vec![],
        ),
        // 00004: especially serious drug case, solved after the period: open at its end.
        (
            "A2",
            "00004",
            249,
            json!({"type": "life"}),
            "2026-03-01T03:00:00Z",
            Some("2026-04-01T00:00:00Z"),
            vec![],
        ),
        // 00004: the last minute of the period (Vietnam time), open.
        (
            "A3",
            "00004",
            174,
            prison(84),
            "2026-03-14T16:59:00Z",
            None,
            vec![],
        ),
        // 00004: the first minute after the period: not counted.
        (
            "A4",
            "00004",
            174,
            prison(84),
            "2026-03-14T17:00:00Z",
            None,
            vec![],
        ),
        // 00004: concluded after the period (so solved then): open at the end.
        (
            "A5",
            "00004",
            173,
            prison(36),
            "2026-03-03T00:00:00Z",
            None,
            vec![("concluded", "2026-03-20T00:00:00Z")],
        ),
        // 00008: discovered before the period, never solved: open at the end only.
        (
            "B1",
            "00008",
            173,
            prison(36),
            "2026-01-05T00:00:00Z",
            None,
            vec![],
        ),
        // 00008: discovered before, discontinued in the period: nothing.
        (
            "B2",
            "00008",
            173,
            prison(36),
            "2026-01-06T00:00:00Z",
            None,
            vec![("discontinued", "2026-03-01T00:00:00Z")],
        ),
        // 00008: especially serious, discontinued in the period: counted, not open.
        (
            "B3",
            "00008",
            123,
            json!({"type": "death"}),
            "2026-03-02T00:00:00Z",
            None,
            vec![("discontinued", "2026-03-10T00:00:00Z")],
        ),
        // 00008: high-tech, suspended: counted and open.
        (
            "B4",
            "00008",
            290,
            prison(36),
            "2026-03-05T00:00:00Z",
            None,
            vec![("suspended", "2026-03-08T00:00:00Z")],
        ),
        // The same period last year, one per unit.
        (
            "P1",
            "00004",
            173,
            prison(36),
            "2025-02-20T03:00:00Z",
            Some("2025-02-21T00:00:00Z"),
            vec![],
        ),
        (
            "P2",
            "00008",
            173,
            prison(36),
            "2025-03-01T03:00:00Z",
            Some("2025-03-02T00:00:00Z"),
            vec![],
        ),
    ];
    for (r, unit, article, bracket, discovered, solved, statuses) in &fixture {
        seed(
            &s,
            &admin,
            r,
            unit,
            *article,
            bracket.clone(),
            discovered,
            *solved,
            statuses,
        )
        .await;
    }

    let report = json_ok(
        s.get(&admin, "/api/stats/crime-report?period=R2026-03")
            .await,
    )
    .await;
    assert_eq!(report["period"]["code"], "R2026-03");
    assert_eq!(report["issued_by"], "Công an Thành phố Hà Nội");
    assert_eq!(report["previous_period"]["code"], "R2025-03");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{report}");
    let groups = |v: &Value| -> Vec<u64> {
        v["by_group"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["count"].as_u64().unwrap())
            .collect()
    };
    let a = &rows[0];
    assert_eq!(a["unit"], "00004");
    assert_eq!(a["unit_name"], "Phường Ba Đình");
    assert_eq!(a["recorded"], 4);
    assert_eq!(a["compared"]["previous"], 1);
    assert_eq!(a["compared"]["diff"], 3);
    assert_eq!(a["compared"]["pct"], 300.0);
    assert_eq!(a["solved"], 1);
    assert_eq!(a["solved_pct"], 25.0);
    assert_eq!(a["serious"], 1);
    assert_eq!(a["open_at_end"], 3);
    assert_eq!(groups(a), [3, 0, 1, 0, 0, 0]);
    let b = &rows[1];
    assert_eq!(b["unit_name"], "Phường Ngọc Hà");
    assert_eq!(b["recorded"], 2);
    assert_eq!(b["compared"]["pct"], 100.0);
    assert_eq!(b["solved"], 0);
    assert_eq!(b["solved_pct"], 0.0);
    assert_eq!(b["serious"], 1);
    assert_eq!(b["open_at_end"], 2);
    assert_eq!(groups(b), [1, 0, 0, 0, 1, 0]);
    let t = &report["total"];
    assert_eq!(t["recorded"], 6);
    assert_eq!(t["compared"]["previous"], 2);
    assert_eq!(t["compared"]["pct"], 200.0);
    assert_eq!(t["solved"], 1);
    assert!((t["solved_pct"].as_f64().unwrap() - 100.0 / 6.0).abs() < 1e-9);
    assert_eq!(t["serious"], 2);
    assert_eq!(t["open_at_end"], 5);
    assert_eq!(groups(t), [4, 0, 1, 0, 1, 0]);
    assert_eq!(report["groups"][0]["label"], "Trật tự xã hội");

    // The CSV, line by line.
    let r = s
        .get(&admin, "/api/stats/crime-report?period=R2026-03&format=csv")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("crime-report-R2026-03.csv"),
        "{disposition}"
    );
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "Mã đơn vị,Đơn vị,Số vụ,Cùng kỳ,Tăng/giảm (vụ),Tăng/giảm (%),Số vụ khám phá,\
             Tỷ lệ khám phá (%),\"Án rất nghiêm trọng, đặc biệt nghiêm trọng\",Số vụ tồn,\
             Trật tự xã hội,\"Kinh tế, tham nhũng, buôn lậu\",Ma túy,Môi trường,Công nghệ cao,Khác",
            "00004,Phường Ba Đình,4,1,3,300.00,1,25.00,1,3,3,0,1,0,0,0",
            "00008,Phường Ngọc Hà,2,1,1,100.00,0,0.00,1,2,1,0,0,0,1,0",
            ",Tổng cộng,6,2,4,200.00,1,16.67,2,5,4,0,1,0,1,0",
        ]
    );
    // The XLSX carries the names too.
    let r = s
        .get(
            &admin,
            "/api/stats/crime-report?period=R2026-03&format=xlsx",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));

    // A unit officer sees their own unit only.
    let officer = s
        .user(
            &admin,
            &common::unique("cand"),
            "unit_officer",
            Some("00008"),
        )
        .await;
    let mine = json_ok(
        s.get(&officer, "/api/stats/crime-report?period=R2026-03")
            .await,
    )
    .await;
    assert_eq!(mine["rows"].as_array().unwrap().len(), 1);
    assert_eq!(mine["total"]["recorded"], 2);
    let r = s
        .get(
            &officer,
            "/api/stats/crime-report?period=R2026-03&unit=00004",
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .get(&admin, "/api/stats/crime-report?period=R2026-99")
        .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );
    s.stop().await;
}

api_on_both_backends!(
    case_statuses_follow_the_procedure,
    cases_import_from_csv_and_xlsx_with_errors_by_line,
    the_periodic_crime_report_matches_a_hand_made_fixture,
);
