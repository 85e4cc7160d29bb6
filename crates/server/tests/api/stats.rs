//! Statistics over real HTTP, on SQLite and on PostgreSQL: incidents opened through the store
//! into the real incidents table are counted by unit and type with the same period of the
//! previous year (reporting-month edges in UTC+7 included), as a series and in CSV/XLSX;
//! cases recorded and solved through the API give the clearance rate; unit officers see only
//! their unit.

use crate::common;

use chrono::{DateTime, Utc};
use common::{error_code, Backend, TestServer};
use domain::incident::NewIncidentForm;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.expect("JSON body");
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Opens incidents in the server's database as the command center would, each at its own
/// instant: `(unit, kind, when)`.
async fn open_incidents(s: &TestServer, rows: &[(&str, &str, &str)]) {
    let store = s.store().await;
    for (i, (unit, kind, at)) in rows.iter().enumerate() {
        let now = t(at);
        let valid = NewIncidentForm {
            kind: (*kind).to_owned(),
            channel: "hotline_114".into(),
            // Far apart, so that none is a probable duplicate of another.
            lat: Some(20.6 + 0.02 * i as f64),
            lon: Some(105.5),
            address: Some(format!("Số {i} phố Thử nghiệm")),
            unit_code: Some((*unit).to_owned()),
            description: "Người dân báo qua tổng đài".into(),
            ..Default::default()
        }
        .validate(now)
        .expect("valid incident");
        let opened = store
            .create_incident(valid, &store::Actor::system("fixture"), now)
            .await
            .expect("incident opened");
        // Verified: the fire figures count confirmed incidents only.
        store
            .apply_incident(
                opened.incident.id,
                store::IncidentCommand::Transition {
                    to: domain::incident::IncidentStatus::Verified,
                    details: Default::default(),
                },
                None,
                &domain::access::Scope::City,
                &store::Actor::system("fixture"),
                now + chrono::Duration::seconds(30),
            )
            .await
            .expect("incident verified");
    }
    // Dropped, not closed: on PostgreSQL `close` would wait for the connection its feed
    // listener holds.
    drop(store);
}

/// Reporting month 3/2026 is [2026-02-14T17:00Z, 2026-03-14T17:00Z); the same period of 2025
/// is [2025-02-14T17:00Z, 2025-03-14T17:00Z).
const FIXTURE: &[(&str, &str, &str)] = &[
    // This period: 00004 has 3 fires and 1 traffic accident, 00008 has 2 fires.
    ("00004", "fire", "2026-02-14T17:00:00Z"), // 00:00 on 15/02 in Hà Nội: first instant
    ("00004", "fire", "2026-03-01T03:00:00Z"),
    ("00004", "fire", "2026-03-14T16:59:59Z"), // 23:59:59 on 14/03: last second
    ("00004", "traffic_accident", "2026-03-02T08:00:00Z"),
    ("00008", "fire", "2026-03-01T09:00:00Z"),
    ("00008", "fire", "2026-03-03T10:00:00Z"),
    // Outside: 23:30 UTC on 14/03 is 06:30 on 15/03 (reporting month 4); 14/02 local is month 2.
    ("00004", "fire", "2026-03-14T23:30:00Z"),
    ("00008", "fire", "2026-02-14T16:59:59Z"),
    // The same period last year: 00004 has 2 fires.
    ("00004", "fire", "2025-02-20T05:00:00Z"),
    ("00004", "fire", "2025-03-10T05:00:00Z"),
];

fn row<'a>(report: &'a Value, field: &str, value: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"][field] == value)
        .unwrap_or_else(|| panic!("no row {field}={value} in {report}"))
}

async fn incident_counts_and_year_on_year_over_the_real_table(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    open_incidents(&s, FIXTURE).await;

    let r = json_ok(
        s.get(&admin, "/api/stats/incidents?period=R2026-03&by=unit")
            .await,
    )
    .await;
    assert_eq!(r["period"]["code"], "R2026-03");
    assert_eq!(r["period"]["from"], "2026-02-15");
    assert_eq!(r["period"]["to"], "2026-03-14");
    assert_eq!(r["previous_period"]["code"], "R2025-03");
    assert_eq!(r["rows"].as_array().unwrap().len(), 2);
    let a = row(&r, "unit", "00004");
    assert_eq!(a["unit_name"], "Phường Ba Đình");
    assert_eq!(
        (
            a["count"]["current"].as_u64(),
            a["count"]["previous"].as_u64(),
            a["count"]["diff"].as_i64()
        ),
        (Some(4), Some(2), Some(2))
    );
    assert_eq!(a["count"]["pct"], 100.0);
    let b = row(&r, "unit", "00008");
    assert_eq!(
        (
            b["count"]["current"].as_u64(),
            b["count"]["previous"].as_u64()
        ),
        (Some(2), Some(0))
    );
    assert!(
        b["count"]["pct"].is_null(),
        "not comparable when last year is 0"
    );
    assert_eq!(
        (
            r["total"]["current"].as_u64(),
            r["total"]["previous"].as_u64()
        ),
        (Some(6), Some(2))
    );
    assert_eq!(r["total"]["pct"], 200.0);
    assert!(r["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["key"] == "year_on_year"));

    // By type, as the console asks for it.
    let r = json_ok(
        s.get(&admin, "/api/stats/incidents?period=R2026-03&by=kind")
            .await,
    )
    .await;
    let fire = row(&r, "category", "fire");
    assert_eq!(
        (
            fire["count"]["current"].as_u64(),
            fire["count"]["previous"].as_u64()
        ),
        (Some(5), Some(2))
    );
    assert_eq!(fire["count"]["pct"], 150.0);
    let traffic = row(&r, "category", "traffic_accident");
    assert_eq!(traffic["count"]["current"], 1);
    assert!(traffic["count"]["pct"].is_null());
    // One unit only; the reporting month 4 holds the incident of 06:30 on 15/03.
    let r = json_ok(
        s.get(&admin, "/api/stats/incidents?period=R2026-04&unit=00004")
            .await,
    )
    .await;
    assert_eq!(r["total"]["current"], 1);
    // A calendar range in Vietnam days.
    let r = json_ok(
        s.get(
            &admin,
            "/api/stats/incidents?from=2026-03-01&to=2026-03-02&by=total",
        )
        .await,
    )
    .await;
    assert_eq!(r["total"]["current"], 3);

    // The daily series of a custom period: counts[b][k].
    let r = json_ok(
        s.get(
            &admin,
            "/api/stats/incidents/series?period=2026-03-01..2026-03-03&granularity=day",
        )
        .await,
    )
    .await;
    let days: Vec<&str> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["from"].as_str().unwrap())
        .collect();
    assert_eq!(days, vec!["2026-03-01", "2026-03-02", "2026-03-03"]);
    assert_eq!(r["totals"], json!([2, 1, 1]));
    assert_eq!(r["counts"], json!([[2], [1], [1]]));
    let r = json_ok(
        s.get(
            &admin,
            "/api/stats/incidents/series?period=R2026-Q1&granularity=reporting_month&by=unit",
        )
        .await,
    )
    .await;
    assert_eq!(r["buckets"].as_array().unwrap().len(), 3);
    assert_eq!(r["keys"], json!([{"unit": "00004"}, {"unit": "00008"}]));
    // 00008's fire at 23:59:59 on 14/02 is in reporting month 2; the 06:30 one on 15/03 is
    // after the quarter.
    assert_eq!(r["counts"], json!([[0, 0], [0, 1], [4, 2]]));

    // Fires year on year.
    let r = json_ok(s.get(&admin, "/api/stats/fires?period=R2026-03").await).await;
    let fire = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["family"] == "fire")
        .unwrap();
    assert_eq!(
        (
            fire["count"]["current"].as_u64(),
            fire["count"]["previous"].as_u64()
        ),
        (Some(5), Some(2))
    );
    assert_eq!(fire["label"], "Cháy");

    // Response times: nothing dispatched yet, so no measured durations.
    let r = json_ok(
        s.get(
            &admin,
            "/api/stats/response-times?period=R2026-03&stage=dispatch",
        )
        .await,
    )
    .await;
    assert_eq!(r["stage"], "dispatch");
    assert!(r["rows"].as_array().unwrap().is_empty());

    // Bad queries.
    for (q, code) in [
        ("period=2026-13", "invalid_query"),
        ("period=R2026&from=2026-01-01", "invalid_query"),
        ("by=colour", "invalid_query"),
        ("unit=99999", "invalid_query"),
        ("format=pdf", "invalid_query"),
        ("colour=red", "invalid_query"),
    ] {
        let r = s.get(&admin, &format!("/api/stats/incidents?{q}")).await;
        assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, code, "{q}");
    }
    s.stop().await;
}

async fn exports_carry_headers_and_file_names(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    open_incidents(&s, FIXTURE).await;
    let r = s
        .get(
            &admin,
            "/api/stats/incidents?period=R2026-03&by=unit&format=csv",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(
        r.headers()["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"incidents-R2026-03.csv\""
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Đơn vị,Loại,Kỳ này,Cùng kỳ,Tăng/giảm (vụ),Tăng/giảm (%)"
    );
    assert_eq!(lines[1], "00004,Tất cả,4,2,2,100.00");
    assert_eq!(lines[2], "00008,Tất cả,2,0,2,không so sánh được");
    assert_eq!(lines[3], "Toàn thành phố,Tất cả,6,2,4,200.00");
    let r = s
        .get(
            &admin,
            "/api/stats/incidents?period=R2026-03&format=csv&lang=en",
        )
        .await;
    let text = r.text().await.unwrap();
    assert!(text.contains("not comparable"), "{text}");

    for path in [
        "/api/stats/incidents?period=R2026-03&format=xlsx",
        "/api/stats/incidents/series?period=R2026-Q1&granularity=month&format=xlsx",
        "/api/stats/crimes?period=R2026-03&format=xlsx",
        "/api/stats/response-times?period=R2026-03&format=xlsx",
        "/api/stats/fires?period=R2026-03&format=xlsx",
    ] {
        let r = s.get(&admin, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".xlsx\""),
            "{disposition}"
        );
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "{path}: a zip");
        let has = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
        assert!(
            has(b"xl/worksheets/sheet1.xml") && has(b"xl/workbook.xml"),
            "{path}"
        );
    }
    for path in [
        "/api/stats/crimes?period=R2026-03&format=csv",
        "/api/stats/response-times?period=R2026-03&format=csv",
        "/api/stats/fires?period=R2026-03&format=csv",
        "/api/stats/incidents/series?period=R2026-Q1&granularity=month&format=csv",
    ] {
        let r = s.get(&admin, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let text = r.text().await.unwrap();
        assert!(
            text.starts_with('\u{feff}') && text.lines().count() >= 1,
            "{path}"
        );
    }
    let defs = json_ok(s.get(&admin, "/api/stats/definitions").await).await;
    let keys: Vec<&str> = defs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    for k in [
        "reporting_period",
        "incident_count",
        "year_on_year",
        "clearance_rate",
        "response_time",
        "fire_figures",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
    s.stop().await;
}

async fn new_case(s: &TestServer, token: &str, body: Value) -> Value {
    let r = s.post(token, "/api/cases", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{body}");
    r.json().await.unwrap()
}

fn case(
    reference: &str,
    unit: &str,
    article: u16,
    bracket: Value,
    discovered: &str,
    solved: Option<&str>,
) -> Value {
    json!({
        "case_ref": reference, "unit": unit, "article": article, "clause": 1,
        "bracket_max": bracket, "summary": "Vụ án thử nghiệm",
        "discovered_at": discovered, "solved_at": solved,
    })
}

async fn cases_solved_give_the_clearance_rate(backend: Backend) {
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
    let leader = s.user(&admin, &common::unique("ld"), "leader", None).await;
    let prison = |months: u32| json!({"type": "prison_months", "months": months});
    // Reporting month 3/2026: four cases of 00004, one especially serious.
    let c1 = new_case(
        &s,
        &officer,
        case(
            "VA-1",
            "00004",
            173,
            prison(36),
            "2026-02-20T03:00:00Z",
            Some("2026-02-25T03:00:00Z"),
        ),
    )
    .await;
    assert_eq!(
        (c1["group"].as_str(), c1["severity"].as_str()),
        (Some("ttxh"), Some("less_serious"))
    );
    let c2 = new_case(
        &s,
        &officer,
        case(
            "VA-2",
            "00004",
            173,
            prison(84),
            "2026-03-01T03:00:00Z",
            None,
        ),
    )
    .await;
    new_case(
        &s,
        &officer,
        case(
            "VA-3",
            "00004",
            173,
            prison(36),
            "2026-03-05T03:00:00Z",
            None,
        ),
    )
    .await;
    let c4 = new_case(
        &s,
        &admin,
        case(
            "VA-4",
            "00004",
            123,
            json!({"type": "life"}),
            "2026-03-06T03:00:00Z",
            Some("2026-03-09T03:00:00Z"),
        ),
    )
    .await;
    assert_eq!(c4["severity"], "especially_serious");
    // The same period of 2025: two cases, one solved.
    new_case(
        &s,
        &admin,
        case(
            "VA-2025-1",
            "00004",
            173,
            prison(36),
            "2025-02-20T03:00:00Z",
            Some("2025-03-01T03:00:00Z"),
        ),
    )
    .await;
    new_case(
        &s,
        &admin,
        case(
            "VA-2025-2",
            "00004",
            173,
            prison(36),
            "2025-03-01T03:00:00Z",
            None,
        ),
    )
    .await;

    // Refusals: another unit, a taken number, solved before discovered, a stale version.
    let r = s
        .post(
            &officer,
            "/api/cases",
            &case(
                "VA-9",
                "00008",
                173,
                prison(36),
                "2026-03-01T03:00:00Z",
                None,
            ),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &leader,
            "/api/cases",
            &case(
                "VA-9",
                "00004",
                173,
                prison(36),
                "2026-03-01T03:00:00Z",
                None,
            ),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &officer,
            "/api/cases",
            &case(
                "VA-1",
                "00004",
                173,
                prison(36),
                "2026-03-01T03:00:00Z",
                None,
            ),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    let r = s
        .post(
            &officer,
            "/api/cases",
            &case(
                "VA-9",
                "00004",
                173,
                prison(36),
                "2026-03-01T03:00:00Z",
                Some("2026-02-01T03:00:00Z"),
            ),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &officer,
            "/api/cases",
            &case(
                "VA-9",
                "00004",
                1000,
                prison(36),
                "2026-03-01T03:00:00Z",
                None,
            ),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let c2_path = format!("/api/cases/{}/solved", c2["id"]);
    let r = s
        .post(
            &officer,
            &c2_path,
            &json!({"version": 1, "solved_at": "2026-02-28T03:00:00Z"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &other,
            &c2_path,
            &json!({"version": 1, "solved_at": "2026-03-10T03:00:00Z"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let solved = json_ok(
        s.post(
            &officer,
            &c2_path,
            &json!({"version": 1, "solved_at": "2026-03-10T03:00:00Z"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (solved["version"].as_i64(), solved["solved_at"].as_str()),
        (Some(2), Some("2026-03-10T03:00:00Z"))
    );
    let r = s
        .post(
            &officer,
            &c2_path,
            &json!({"version": 1, "solved_at": "2026-03-11T03:00:00Z"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");

    // Clearance: 3 of 4 this period (75 %), 1 of 2 last year (50 %): +25 points; the
    // especially serious case is cleared (100 %).
    let r = json_ok(
        s.get(&leader, "/api/stats/crimes?period=R2026-03&by=unit")
            .await,
    )
    .await;
    let a = row(&r, "unit", "00004");
    let cur = &a["current"];
    assert_eq!(
        (cur["recorded"].as_u64(), cur["cleared"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(cur["rate_pct"], 75.0);
    assert_eq!(
        (
            cur["serious_recorded"].as_u64(),
            cur["serious_cleared"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(cur["serious_rate_pct"], 100.0);
    assert_eq!(a["previous"]["rate_pct"], 50.0);
    assert_eq!(a["rate_change_points"], 25.0);
    assert_eq!(a["recorded"]["pct"], 100.0);
    assert_eq!(r["targets"]["ttxh_pct"], 75.0);
    let r = json_ok(
        s.get(&leader, "/api/stats/crimes?period=R2026-03&by=group")
            .await,
    )
    .await;
    let ttxh = row(&r, "category", "ttxh");
    assert_eq!(ttxh["group_label"], "Trật tự xã hội");
    assert_eq!(ttxh["current"]["recorded"], 4);

    // Lists and scope.
    let mine = json_ok(s.get(&officer, "/api/cases").await).await;
    assert_eq!(mine.as_array().unwrap().len(), 6);
    let theirs = json_ok(s.get(&other, "/api/cases").await).await;
    assert!(theirs.as_array().unwrap().is_empty());
    let r = s.get(&other, &format!("/api/cases/{}", c1["id"])).await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let open = json_ok(s.get(&leader, "/api/cases?solved=false").await).await;
    assert_eq!(open.as_array().unwrap().len(), 2);

    // The totals and the rate count every case, past the rows a list returns.
    let page = json_ok(s.get(&officer, "/api/cases?limit=2").await).await;
    assert_eq!(page.as_array().unwrap().len(), 2);
    let totals = json_ok(s.get(&officer, "/api/cases/summary?limit=2").await).await;
    let solved = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["solved_at"].is_null())
        .count() as i64;
    assert_eq!(totals["total"], 6, "{totals}");
    assert_eq!(totals["solved"], solved, "{totals}");
    let rate = totals["clearance_percent"].as_f64().unwrap();
    assert!(
        (rate - solved as f64 * 100.0 / 6.0).abs() < 1e-9,
        "{totals}"
    );
    let none = json_ok(s.get(&other, "/api/cases/summary").await).await;
    assert_eq!(
        none,
        json!({"total": 0, "solved": 0, "clearance_percent": null})
    );
    let r = s.get(&other, "/api/cases/summary?unit=00004").await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    s.stop().await;
}

async fn unit_officers_see_only_their_unit(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    open_incidents(&s, FIXTURE).await;
    let officer = s
        .user(
            &admin,
            &common::unique("cand"),
            "unit_officer",
            Some("00008"),
        )
        .await;
    let r = json_ok(
        s.get(&officer, "/api/stats/incidents?period=R2026-03&by=unit")
            .await,
    )
    .await;
    assert_eq!(r["unit"], "00008");
    assert_eq!(r["rows"].as_array().unwrap().len(), 1);
    assert_eq!(r["total"]["current"], 2);
    for path in [
        "/api/stats/incidents?unit=00004",
        "/api/stats/incidents/series?unit=00004",
        "/api/stats/crimes?unit=00004",
        "/api/stats/response-times?unit=00004",
        "/api/stats/fires?unit=00004",
    ] {
        let r = s.get(&officer, path).await;
        assert_eq!(
            error_code(r, StatusCode::FORBIDDEN).await,
            "forbidden",
            "{path}"
        );
    }
    let r = json_ok(s.get(&officer, "/api/stats/fires?period=R2026-03").await).await;
    assert_eq!(r["rows"][0]["count"]["current"], 2);
    let r = s
        .client
        .get(s.url("/api/stats/incidents"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "unauthorized"
    );
    s.stop().await;
}

api_on_both_backends!(
    incident_counts_and_year_on_year_over_the_real_table,
    exports_carry_headers_and_file_names,
    cases_solved_give_the_clearance_rate,
    unit_officers_see_only_their_unit,
);
