//! Residence and foreigner records over real HTTP: unit-level access, masking and the audit
//! of full views, optimistic concurrency, CSV imports with per-row reports, establishment
//! accounts, and the quality run with its work list and finding workflow. Both back ends.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BA_DINH: &str = "00004";
const NGOC_HA: &str = "00008";

/// A well-formed person born in Hanoi (province code 001) in 1990, male.
fn person(id: &str, pin_tail: &str, name: &str) -> Value {
    json!({
        "id": id,
        "pin": format!("001090{pin_tail}"),
        "full_name": name,
        "date_of_birth": "1990-05-01",
        "sex": "male",
        "birth_registration_province": "01",
        "hometown": "Hà Nội",
        "ethnicity": "Kinh",
        "nationality": "VNM",
        "phone": "0912345678",
        "verified_at": chrono::Utc::now(),
    })
}

async fn put(s: &TestServer, token: &str, path: &str, body: &Value) -> reqwest::Response {
    s.client
        .put(s.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn json_of(r: reqwest::Response, status: StatusCode) -> Value {
    let got = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

async fn access_masking_audit_and_versions(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let a = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let b = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    let leader = s.user(&admin, "lanh-dao", "leader", None).await;
    #[cfg(unix)]
    if backend == Backend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s.data_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the data directory is private");
    }

    // The officer's unit is the default; another unit is refused.
    let created = json_of(
        s.post(&a, "/api/persons", &person("P1", "123456", "Nguyễn Văn An"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["unit"], BA_DINH);
    assert_eq!(created["version"], 1);
    let mut other = person("P2", "123457", "Trần Thị Bình");
    other["unit"] = json!(NGOC_HA);
    assert_eq!(
        error_code(
            s.post(&a, "/api/persons", &other).await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );
    // The same id twice is a conflict; nothing else is written.
    assert_eq!(
        error_code(
            s.post(&a, "/api/persons", &person("P1", "123458", "Lê Văn Cường"))
                .await,
            StatusCode::CONFLICT
        )
        .await,
        "conflict"
    );
    // Malformed records: a wrong type, not an object, an unknown unit.
    let mut bad = person("P3", "123459", "Phạm Văn Dũng");
    bad["date_of_birth"] = json!(12);
    assert_eq!(
        error_code(
            s.post(&a, "/api/persons", &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY
        )
        .await,
        "invalid_record"
    );
    assert_eq!(
        error_code(
            s.post(&a, "/api/persons", &json!("x")).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        "invalid_body"
    );
    let mut nowhere = person("P4", "123450", "Đỗ Văn Em");
    nowhere["unit"] = json!("99999");
    assert_eq!(
        error_code(
            s.post(&admin, "/api/persons", &nowhere).await,
            StatusCode::UNPROCESSABLE_ENTITY
        )
        .await,
        "unknown_unit"
    );

    // Lists mask the number; another unit sees nothing of it, not even that it exists.
    let list = json_of(s.get(&a, "/api/persons").await, StatusCode::OK).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let masked = items[0]["pin"].as_str().unwrap();
    assert!(masked.contains('*') && masked != "001090123456", "{masked}");
    assert_eq!(
        json_of(s.get(&b, "/api/persons").await, StatusCode::OK).await["items"],
        json!([])
    );
    assert_eq!(
        error_code(s.get(&b, "/api/persons/P1").await, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    assert_eq!(
        error_code(
            s.get(&b, "/api/persons?unit=00004").await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );
    // Leaders read rates, not personal records.
    assert_eq!(
        error_code(s.get(&leader, "/api/persons").await, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    // Search by name ignores diacritics.
    let found = json_of(
        s.get(&a, "/api/persons?key2=nguyen%20van%20an").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // The full record shows the number, and the view is audited.
    let full = json_of(s.get(&a, "/api/persons/P1").await, StatusCode::OK).await;
    assert_eq!(full["pin"], "001090123456");
    let audit = json_of(s.get(&admin, "/api/audit?limit=50").await, StatusCode::OK).await;
    let audit = audit
        .as_array()
        .cloned()
        .unwrap_or_else(|| audit["items"].as_array().cloned().unwrap_or_default());
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "person.view" && e["object_id"] == "P1"),
        "{audit:?}"
    );

    // Concurrent edits: the second writer with the old version is refused.
    let mut edit = full.clone();
    edit["phone"] = json!("0987654321");
    let saved = json_of(put(&s, &a, "/api/persons/P1", &edit).await, StatusCode::OK).await;
    assert_eq!(saved["version"], 2);
    assert_eq!(
        error_code(
            put(&s, &a, "/api/persons/P1", &edit).await,
            StatusCode::CONFLICT
        )
        .await,
        "conflict"
    );
    let mut no_version = edit.clone();
    no_version.as_object_mut().unwrap().remove("version");
    assert_eq!(
        error_code(
            put(&s, &a, "/api/persons/P1", &no_version).await,
            StatusCode::UNPROCESSABLE_ENTITY
        )
        .await,
        "invalid_field"
    );
    assert_eq!(
        error_code(s.get(&a, "/api/persons/NOPE").await, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    s.stop().await;
}

async fn csv_import_reports_every_bad_row(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let a = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let csv = "pin,full_name,date_of_birth,sex,unit\n\
               001090000001,Nguyễn Văn An,1990-05-01,nam,00004\n\
               ,Trần Thị Bình,1991-02-03,nữ,00004\n\
               001090000003,Lê Văn Cường,not-a-date,nam,00004\n\
               001090000004,Phạm Thị Dung,1990-07-08,nữ,00004\n\
               001090000005,Vũ Văn Giang,1990-07-08,nam,00008\n";
    let r = s.post_csv(&a, "/api/persons/import", csv).await;
    let body = json_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let lines: Vec<i64> = body["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_i64().unwrap())
        .collect();
    // A missing number, a bad date, and a row of another unit: each reported by line.
    assert!(
        lines.contains(&3) && lines.contains(&4) && lines.contains(&6),
        "{body}"
    );
    assert_eq!(
        json_of(s.get(&a, "/api/persons").await, StatusCode::OK).await["items"],
        json!([]),
        "a file with errors writes nothing"
    );
    let r = s
        .post_csv(&a, "/api/persons/import?mode=valid-only", csv)
        .await;
    let body = json_of(r, StatusCode::CREATED).await;
    assert_eq!(body["created"], 2, "{body}");
    assert_eq!(
        json_of(s.get(&a, "/api/persons").await, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = s.post_csv(&a, "/api/persons/import", "no,header\n").await;
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, "invalid_csv");
    s.stop().await;
}

async fn establishments_declare_their_own_guests_only(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let a = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    for (id, name) in [("E1", "Khách sạn Hồ Tây"), ("E2", "Nhà nghỉ Hoa Sữa")] {
        json_of(
            s.post(
                &a,
                "/api/establishments",
                &json!({"id": id, "name": name, "kind": "hotel", "address": "Số 1, phố Quán Thánh, 00004", "remote_area": false}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    json_of(
        s.post(
            &a,
            "/api/establishments/E1/account",
            &json!({"username": "ks-ho-tay", "password": "ks-ho-tay-mat-khau"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // The generic account endpoint does not make establishment accounts.
    let r = s
        .post(
            &admin,
            "/api/users",
            &json!({"username": "ks2", "role": "establishment", "unit_code": BA_DINH, "password": "ks2-mat-khau-dai"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let hotel = s.login("ks-ho-tay", "ks-ho-tay-mat-khau").await;
    let now = chrono::Utc::now();
    let declaration = json!({
        "full_name": "John Smith", "sex": "male", "date_of_birth": "1980-01-02",
        "nationality": "GBR", "passport_number": "123456789", "passport_country": "GBR",
        "permit_kind": "visa", "permit_expiry": "2030-01-01",
        "arrival_at": now - chrono::Duration::hours(2), "departure_at": null,
        "establishment_id": "E2", "declared_at": now, "status": "active",
    });
    let created = json_of(
        s.post(&hotel, "/api/foreigner-declarations", &declaration)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["establishment_id"], "E1", "forced to its own");
    assert_eq!(created["unit"], BA_DINH);
    let id = created["id"].as_str().unwrap().to_owned();
    // The unit sees it; the officer's own declaration at E2 is invisible to the hotel.
    let mut at_e2 = declaration.clone();
    at_e2["passport_number"] = json!("987654321");
    let other = json_of(
        s.post(&a, "/api/foreigner-declarations", &at_e2).await,
        StatusCode::CREATED,
    )
    .await;
    let mine = json_of(
        s.get(&hotel, "/api/foreigner-declarations").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert!(mine["items"][0]["passport_number"]
        .as_str()
        .unwrap()
        .contains('*'));
    json_of(
        s.get(&hotel, &format!("/api/foreigner-declarations/{id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(
        error_code(
            s.get(&hotel, &format!("/api/foreigner-declarations/{other_id}"))
                .await,
            StatusCode::NOT_FOUND
        )
        .await,
        "not_found"
    );
    // Nothing else is open to an establishment account.
    for path in [
        "/api/persons",
        "/api/units",
        "/api/facilities",
        "/api/quality",
    ] {
        assert_eq!(
            error_code(s.get(&hotel, path).await, StatusCode::FORBIDDEN).await,
            "forbidden",
            "{path}"
        );
    }
    assert_eq!(
        json_of(
            s.get(&a, "/api/foreigner-declarations").await,
            StatusCode::OK
        )
        .await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    s.stop().await;
}

async fn quality_run_work_list_and_findings(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let a = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let b = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    let leader = s.user(&admin, "lanh-dao", "leader", None).await;
    // Good, a wrong province code (003 is not a code), and a duplicate number.
    let mut wrong = person("P2", "000002", "Trần Thị Bình");
    wrong["pin"] = json!("003190000002");
    wrong["sex"] = json!("female");
    let batch = json!([
        person("P1", "000001", "Nguyễn Văn An"),
        wrong,
        person("P3", "000001", "Nguyễn Văn Ân"),
    ]);
    let created = json_of(
        s.post(&a, "/api/persons", &batch).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["created"], 3);
    // A temporary residence that expired last year and is still active.
    json_of(
        s.post(
            &a,
            "/api/registrations",
            &json!({
                "id": "R1", "person_id": "P1", "kind": "temporary", "household_id": null,
                "address": "Số 5, phố Quán Thánh, 00004", "start": "2024-01-01", "end": "2025-01-01",
                "made_at": "2024-01-01T02:00:00Z", "reason": "học tập", "status": "active",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let run = json_of(
        s.post(&a, "/api/quality/run", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(run["findings"].as_u64().unwrap() >= 3, "{run}");

    let q = json_of(s.get(&a, "/api/quality").await, StatusCode::OK).await;
    assert_eq!(q["unit"], BA_DINH);
    let correct = q["rates"]["correct"]["rate"].as_f64().unwrap();
    assert!(correct < 1.0, "{q}");
    assert!(q["definitions"]["alive"]["vi"].is_string());
    let rules: Vec<&str> = q["work_list"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "pin.province_code",
        "person.duplicate_pin",
        "registration.temporary_expired",
    ] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    let first = &q["work_list"]["items"][0];
    assert!(first["message_vi"].as_str().unwrap().len() > 10);
    // Each row names its rule for a person, in both languages.
    let rule: domain::records::RuleId = first["rule"].as_str().unwrap().parse().unwrap();
    assert_eq!(first["rule_label_vi"], rule.label_vi());
    assert_eq!(first["rule_label_en"], rule.label_en());
    // And its record by the name a person reads: a person by their name, a registration by
    // its person's.
    let items = q["work_list"]["items"].as_array().unwrap();
    let name_of = |rule: &str| {
        items
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["record_name"].clone())
            .unwrap()
    };
    assert_eq!(name_of("pin.province_code"), "Trần Thị Bình");
    assert_eq!(name_of("registration.temporary_expired"), "Nguyễn Văn An");
    assert_eq!(
        (&q["work_list"]["offset"], &q["work_list"]["limit"]),
        (&json!(0), &json!(200))
    );
    // The list pages: the second row alone, then past the end.
    let total = q["work_list"]["total"].as_u64().unwrap();
    let second = json_of(
        s.get(&a, "/api/quality?offset=1&limit=1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["work_list"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["work_list"]["total"].as_u64(), Some(total));
    assert_eq!(second["work_list"]["items"][0], q["work_list"]["items"][1]);
    let past = json_of(
        s.get(&a, &format!("/api/quality?offset={total}&limit=10"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(past["work_list"]["items"], json!([]));
    assert_eq!(first["severity"], "error", "errors come first");

    // Another unit's work list is empty; leaders get rates without personal details.
    let qb = json_of(s.get(&b, "/api/quality").await, StatusCode::OK).await;
    assert_eq!(qb["work_list"]["total"], 0);
    assert_eq!(
        error_code(
            s.get(&b, "/api/quality?unit=00004").await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );
    let ql = json_of(
        s.get(&leader, "/api/quality?unit=00004").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ql["rates"]["correct"]["rate"].as_f64(), Some(correct));
    assert_eq!(ql["work_list"]["items"], json!([]));

    // Dismissing a finding needs a reason, survives the next run and leaves the work list.
    let path = "/api/quality/findings/registration/R1/registration.temporary_expired";
    let r = s
        .post(&a, path, &json!({"to": "dismissed", "reason": ""}))
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "reason_required"
    );
    assert_eq!(
        error_code(
            s.post(&b, path, &json!({"to": "dismissed", "reason": "x"}))
                .await,
            StatusCode::NOT_FOUND
        )
        .await,
        "not_found"
    );
    let f = json_of(
        s.post(
            &a,
            path,
            &json!({"to": "dismissed", "reason": "đã gia hạn, chờ cập nhật"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(f["status"], "dismissed");
    json_of(
        s.post(&a, "/api/quality/run", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let dismissed = json_of(
        s.get(&a, "/api/quality?status=dismissed").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(dismissed["work_list"]["total"], 1, "{dismissed}");
    let q2 = json_of(s.get(&a, "/api/quality").await, StatusCode::OK).await;
    assert!(q2["trend"].as_array().unwrap().len() >= 2);
    assert!(!q2["work_list"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "registration.temporary_expired"));

    // The work list exports.
    let csv = s.get(&a, "/api/quality?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".csv"));
    let text = csv.text().await.unwrap();
    assert!(text.contains("pin.province_code"), "{text}");
    assert!(
        text.contains(domain::records::RuleId::PinProvinceCode.label_vi()),
        "{text}"
    );
    let xlsx = s.get(&a, "/api/quality?format=xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(&xlsx.bytes().await.unwrap()[..2], b"PK");
    s.stop().await;
}

async fn generated_errors_are_found_through_the_database(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // The commands `binhyen gen-residents` and `binhyen quality-check` run beside the server.
    let key = s.data_dir.join("key.json");
    server::quality::gen_residents(s.config(), 3000, 0.08, 11, Some(key.clone()))
        .await
        .expect("generate");
    // quality-check fails unless precision and recall are both at least 0.99.
    server::quality::quality_check(s.config(), Some(key), true)
        .await
        .expect("detectors meet the 0.99 targets");
    let admin = s.admin().await;
    let q = json_of(s.get(&admin, "/api/quality").await, StatusCode::OK).await;
    for d in ["correct", "complete", "clean", "alive"] {
        let rate = q["rates"][d]["rate"].as_f64().unwrap();
        assert!(rate > 0.8 && rate < 1.0, "{d}: {rate}");
    }
    assert!(q["work_list"]["total"].as_i64().unwrap() > 100);
    s.stop().await;
}

api_on_both_backends!(
    generated_errors_are_found_through_the_database,
    access_masking_audit_and_versions,
    csv_import_reports_every_bad_row,
    establishments_declare_their_own_guests_only,
    quality_run_work_list_and_findings,
);
