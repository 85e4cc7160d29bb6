//! What a unit officer may see and touch outside their unit: duplicate hints, incidents and
//! records filed into another unit, city-wide checks, the public report lookup, and 404 for what
//! is not theirs.

use crate::common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BA_DINH: &str = "00004";
const NGOC_HA: &str = "00008";

async fn body(r: reqwest::Response, status: StatusCode) -> Value {
    let got = r.status();
    let v: Value = r.json().await.expect("JSON body");
    assert_eq!(got, status, "{v}");
    v
}

/// A point inside unit `code` (its label point).
async fn point_in(s: &TestServer, token: &str, code: &str) -> (f64, f64) {
    let u = body(
        s.get(token, &format!("/api/units/{code}")).await,
        StatusCode::OK,
    )
    .await;
    (
        u["label_lat"].as_f64().expect("label_lat"),
        u["label_lon"].as_f64().expect("label_lon"),
    )
}

/// A report of `kind` at the label point of `unit` by `token`, with the caller's `phone`.
async fn report_in(s: &TestServer, token: &str, unit: &str, phone: &str) -> Value {
    let (lat, lon) = point_in(s, token, unit).await;
    body(
        s.post(
            token,
            "/api/incidents",
            &json!({
                "kind": "public_order", "description": "Tụ tập gây mất trật tự",
                "lat": lat, "lon": lon, "caller_phone": phone,
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

fn hint_ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("a list of hints")
        .iter()
        .map(|h| {
            h["incident_id"]
                .as_i64()
                .or_else(|| h["duplicate_of"].as_i64())
                .expect("an incident id")
        })
        .collect()
}

// See: issue 20, item 3.
async fn duplicate_hints_name_only_incidents_the_officer_may_see(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let ngoc_ha = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    let phone = "0901111222";
    // The same caller first reported in Ba Đình, then to the Ngọc Hà officer.
    let elsewhere = report_in(&s, &operator, BA_DINH, phone).await;
    let theirs = elsewhere["id"].as_i64().expect("id");
    let mine = report_in(&s, &ngoc_ha, NGOC_HA, phone).await;
    assert_eq!(mine["unit_code"], NGOC_HA);
    assert_eq!(mine["duplicates"], json!([]), "{mine}");
    let id = mine["id"].as_i64().expect("id");
    let page = body(
        s.get(&ngoc_ha, &format!("/api/incidents/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["duplicates"], json!([]), "{page}");
    // The live check by phone finds the officer's own report, not Ba Đình's.
    let check = body(
        s.get(
            &ngoc_ha,
            &format!("/api/incidents/duplicates?phone={phone}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(check["total"], 1, "{check}");
    assert_eq!(check["candidates"][0]["incident"]["id"], id, "{check}");
    let check = body(
        s.get(
            &ngoc_ha,
            &format!("/api/incidents/duplicates?incident={id}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(check["total"], 0, "{check}");
    // The operator sees the whole city, the hint included.
    let page = body(
        s.get(&operator, &format!("/api/incidents/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hint_ids(&page["duplicates"]), vec![theirs], "{page}");
    // Once Ba Đình shares its incident with Ngọc Hà, the hint shows.
    let r = s
        .post(
            &operator,
            &format!("/api/incidents/{theirs}/share"),
            &json!({"unit_code": NGOC_HA}),
        )
        .await;
    body(r, StatusCode::OK).await;
    let page = body(
        s.get(&ngoc_ha, &format!("/api/incidents/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hint_ids(&page["duplicates"]), vec![theirs], "{page}");
    let again = report_in(&s, &ngoc_ha, NGOC_HA, phone).await;
    assert!(hint_ids(&again["duplicates"]).contains(&theirs), "{again}");
    s.stop().await;
}

// See: issue 20, item 4.
async fn an_officer_files_into_a_neighbour_only_as_a_shared_incident(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let ngoc_ha = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    let ba_dinh = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    // By the unit's code.
    let by_code = body(
        s.post(
            &ngoc_ha,
            "/api/incidents",
            &json!({
                "kind": "traffic_accident", "description": "Va chạm xe máy",
                "address": "Ngã tư phố Quán Thánh", "unit_code": BA_DINH,
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(by_code["unit_code"], BA_DINH, "{by_code}");
    assert_eq!(by_code["shared_with"], json!([NGOC_HA]), "{by_code}");
    // By a place that lies in the neighbour's unit.
    let by_place = report_in(&s, &ngoc_ha, BA_DINH, "0902222333").await;
    assert_eq!(by_place["unit_code"], BA_DINH, "{by_place}");
    assert_eq!(by_place["shared_with"], json!([NGOC_HA]), "{by_place}");
    let timeline = by_place["timeline"].to_string();
    assert!(timeline.contains(NGOC_HA), "the share is on the timeline");
    // Both units see both; in its own unit an officer's report is not shared.
    for token in [&ngoc_ha, &ba_dinh] {
        for v in [&by_code, &by_place] {
            let id = v["id"].as_i64().expect("id");
            body(
                s.get(token, &format!("/api/incidents/{id}")).await,
                StatusCode::OK,
            )
            .await;
        }
    }
    let own = report_in(&s, &ngoc_ha, NGOC_HA, "0903333444").await;
    assert_eq!(own["unit_code"], NGOC_HA);
    assert_eq!(own["shared_with"], json!([]));
    // Another unit's facility is as unknown as a facility that does not exist.
    let facility = body(
        s.post(
            &admin,
            "/api/facilities",
            &json!({
                "name": "Tòa nhà thử Ba Đình", "address": "Số 2 phố Trúc Bạch",
                "lat": 21.0442, "lon": 105.8431, "unit_code": BA_DINH, "kind": "office",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let fid = facility["id"].as_i64().expect("facility id");
    let about = |facility_id: i64| json!({"kind": "fire", "description": "Khói", "facility_id": facility_id});
    let theirs = s.post(&ngoc_ha, "/api/incidents", &about(fid)).await;
    let theirs = body(theirs, StatusCode::UNPROCESSABLE_ENTITY).await;
    let none = s.post(&ngoc_ha, "/api/incidents", &about(fid + 1000)).await;
    let none = body(none, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        theirs["error"]["message"]
            .as_str()
            .map(|m| m.replace(&fid.to_string(), "N")),
        none["error"]["message"]
            .as_str()
            .map(|m| m.replace(&(fid + 1000).to_string(), "N")),
    );
    let r = s.post(&ba_dinh, "/api/incidents", &about(fid)).await;
    body(r, StatusCode::CREATED).await;
    s.stop().await;
}

fn declaration(establishment: &str) -> Value {
    let now = chrono::Utc::now();
    json!({
        "full_name": "John Smith", "sex": "male", "date_of_birth": "1980-01-02",
        "nationality": "GBR", "passport_number": "123456789", "passport_country": "GBR",
        "permit_kind": "visa", "permit_expiry": "2030-01-01",
        "arrival_at": now - chrono::Duration::hours(2), "departure_at": null,
        "establishment_id": establishment, "declared_at": now, "status": "active",
    })
}

// See: issue 20, item 4.
async fn declarations_only_for_the_officers_own_establishments(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let ba_dinh = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let ngoc_ha = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    for (token, id, unit) in [(&ba_dinh, "E1", BA_DINH), (&ngoc_ha, "E2", NGOC_HA)] {
        let r = s
            .post(
                token,
                "/api/establishments",
                &json!({"id": id, "name": "Khách sạn", "kind": "hotel",
                        "address": format!("Số 1, phố Thử, {unit}"), "remote_area": false}),
            )
            .await;
        body(r, StatusCode::CREATED).await;
    }
    // Another unit's establishment and an unknown one are refused alike.
    for est in ["E1", "E-khong-co"] {
        let r = s
            .post(&ngoc_ha, "/api/foreigner-declarations", &declaration(est))
            .await;
        assert_eq!(
            error_code(r, StatusCode::FORBIDDEN).await,
            "establishment_of_other_unit",
            "{est}"
        );
        let r = s
            .post(
                &ngoc_ha,
                "/api/foreigner-declarations",
                &json!([declaration("E2"), declaration(est)]),
            )
            .await;
        assert_eq!(
            error_code(r, StatusCode::FORBIDDEN).await,
            "establishment_of_other_unit"
        );
    }
    let created = body(
        s.post(&ngoc_ha, "/api/foreigner-declarations", &declaration("E2"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["unit"], NGOC_HA);
    // Nor can a declaration be moved to another unit's establishment.
    let id = created["id"].as_str().expect("id").to_owned();
    let mut moved = declaration("E1");
    moved["version"] = json!(1);
    let r = s
        .client
        .put(s.url(&format!("/api/foreigner-declarations/{id}")))
        .bearer_auth(&ngoc_ha)
        .json(&moved)
        .send()
        .await
        .expect("put");
    assert_eq!(
        error_code(r, StatusCode::FORBIDDEN).await,
        "establishment_of_other_unit"
    );
    // The city level files for any unit, as before.
    let mut for_ba_dinh = declaration("E1");
    for_ba_dinh["unit"] = json!(BA_DINH);
    let r = s
        .post(&admin, "/api/foreigner-declarations", &for_ba_dinh)
        .await;
    body(r, StatusCode::CREATED).await;
    // Nor through a CSV import: the row is refused and nothing is written; the same file for
    // the unit's own establishment goes in.
    let csv = |est: &str| {
        format!(
            "full_name,nationality,passport_number,passport_country,arrival_at,establishment_id,unit,declared_at\n\
             John Smith,GBR,123456780,GBR,2026-01-02T03:00:00Z,{est},{NGOC_HA},2026-01-02T04:00:00Z\n"
        )
    };
    let r = s
        .post_csv(&ngoc_ha, "/api/foreigner-declarations/import", &csv("E1"))
        .await;
    let refused = body(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused["error"]["code"], "invalid_rows", "{refused}");
    assert!(
        refused["error"]["rows"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("establishment"),
        "{refused}"
    );
    let r = s
        .post_csv(&ngoc_ha, "/api/foreigner-declarations/import", &csv("E2"))
        .await;
    body(r, StatusCode::CREATED).await;
    s.stop().await;
}

fn wrong_province(n: usize) -> Value {
    json!({
        "id": format!("Q{n}"),
        // 003 is no province code: one finding per person.
        "pin": format!("003090{n:06}"),
        "full_name": "Nguyễn Văn An",
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

/// The open findings of `unit` (the whole city when empty) and the quality answer.
async fn open_findings(s: &TestServer, token: &str, unit: &str) -> (i64, Value) {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!("&unit={unit}")
    };
    let q = body(
        s.get(
            token,
            &format!("/api/quality?rule=pin.province_code&limit=1{unit}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    (q["work_list"]["total"].as_i64().expect("total"), q)
}

// See: issue 20, item 4.
async fn an_officers_quality_run_covers_their_unit_only(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let ba_dinh = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let ngoc_ha = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    let people = |from: usize, n: usize| -> Value {
        json!((from..from + n).map(wrong_province).collect::<Vec<_>>())
    };
    body(
        s.post(&ba_dinh, "/api/persons", &people(0, 3)).await,
        StatusCode::CREATED,
    )
    .await;
    body(
        s.post(&ngoc_ha, "/api/persons", &people(100, 2)).await,
        StatusCode::CREATED,
    )
    .await;
    // Ngọc Hà's run counts and checks Ngọc Hà's records only.
    let run = body(
        s.post(&ngoc_ha, "/api/quality/run", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["records"], 2, "{run}");
    assert_eq!(open_findings(&s, &ngoc_ha, NGOC_HA).await.0, 2);
    assert_eq!(open_findings(&s, &admin, BA_DINH).await.0, 0);
    // The city's run finds Ba Đình's too; a later Ngọc Hà run leaves them alone.
    let run = body(
        s.post(&admin, "/api/quality/run", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["records"], 5, "{run}");
    assert_eq!(open_findings(&s, &admin, BA_DINH).await.0, 3);
    let mut fixed = wrong_province(100);
    fixed["pin"] = json!("001090000100");
    fixed["version"] = json!(1);
    let r = s
        .client
        .put(s.url("/api/persons/Q100"))
        .bearer_auth(&ngoc_ha)
        .json(&fixed)
        .send()
        .await
        .expect("put");
    body(r, StatusCode::OK).await;
    body(
        s.post(&ngoc_ha, "/api/quality/run", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(open_findings(&s, &ngoc_ha, NGOC_HA).await.0, 1);
    let (left, _) = open_findings(&s, &admin, BA_DINH).await;
    assert_eq!(
        left, 3,
        "another unit's findings are not the officer's to drop"
    );
    // The city's rates add up from the units' after a unit's run.
    let (_, city) = open_findings(&s, &admin, "").await;
    let (_, one) = open_findings(&s, &admin, BA_DINH).await;
    let (_, other) = open_findings(&s, &admin, NGOC_HA).await;
    let passing = |q: &Value| q["rates"]["correct"]["passing"].as_u64().expect("passing");
    assert_eq!(city["rates"]["correct"]["checked"], 5, "{city}");
    assert_eq!(passing(&city), passing(&one) + passing(&other), "{city}");
    assert_eq!(
        passing(&other),
        passing(&one) + 1,
        "the fixed person passes"
    );
    s.stop().await;
}

/// Files a report through the public form and returns the receipt.
async fn web_report(s: &TestServer, phone: &str) -> Value {
    let r = s
        .client
        .post(s.url("/api/public/reports"))
        .json(&json!({
            "kind": "public_order", "description": "Hát karaoke quá khuya",
            "address": "Số 10 phố Quán Thánh", "phone": phone,
        }))
        .send()
        .await
        .expect("report");
    body(r, StatusCode::CREATED).await
}

async fn lookup(s: &TestServer, reference: &str, phone: &str) -> reqwest::Response {
    s.client
        .get(s.url(&format!("/api/public/reports/{reference}?phone={phone}")))
        .send()
        .await
        .expect("lookup")
}

// See: issue 20, item 10.
async fn the_public_lookup_answers_only_to_a_report_reference(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let phone = "0904444555";
    // A hotline call from that phone: the lookup never tells it happened.
    let call = report_in(&s, &operator, BA_DINH, phone).await;
    let number = call["number"].as_str().expect("number").to_owned();
    let unknown = body(
        lookup(&s, "0000-0000-0000-0000-0000", phone).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let hotline = body(lookup(&s, &number, phone).await, StatusCode::NOT_FOUND).await;
    assert_eq!(hotline, unknown);
    // A web report is found by its reference and phone only.
    let receipt = web_report(&s, phone).await;
    let reference = receipt["reference"].as_str().expect("reference").to_owned();
    let web_number = receipt["number"].as_str().expect("number").to_owned();
    assert_ne!(reference, web_number);
    assert_eq!(reference.len(), 24, "{reference}");
    assert!(
        receipt["message"]
            .as_str()
            .unwrap_or("")
            .contains(&reference),
        "{receipt}"
    );
    let found = body(lookup(&s, &reference, phone).await, StatusCode::OK).await;
    assert_eq!(found["status"], "received");
    for private in [
        "number",
        "phone",
        "caller",
        "name",
        "description",
        "address",
        "id",
    ] {
        assert!(found.get(private).is_none(), "{private} in {found}");
    }
    // Typed loosely it is still found.
    let loose = reference.to_lowercase().replace('-', "");
    body(lookup(&s, &loose, "0904 444 555").await, StatusCode::OK).await;
    // Its number, a wrong phone, a reference off by one character: the same 404.
    let by_number = body(lookup(&s, &web_number, phone).await, StatusCode::NOT_FOUND).await;
    let wrong_phone = body(
        lookup(&s, &reference, "0909999999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let no_phone = body(
        s.client
            .get(s.url(&format!("/api/public/reports/{reference}")))
            .send()
            .await
            .expect("lookup"),
        StatusCode::NOT_FOUND,
    )
    .await;
    let mut near: Vec<char> = reference.chars().collect();
    near[0] = if near[0] == 'A' { 'B' } else { 'A' };
    let near: String = near.into_iter().collect();
    let off_by_one = body(lookup(&s, &near, phone).await, StatusCode::NOT_FOUND).await;
    for other in [&by_number, &wrong_phone, &no_phone, &off_by_one] {
        assert_eq!(other, &unknown);
    }
    // Two reports get unrelated references.
    let second = web_report(&s, phone).await;
    assert_ne!(second["reference"], receipt["reference"]);
    s.stop().await;
}

// See: issue 20, item 10.
async fn a_chat_report_is_followed_by_its_reference(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let chat = |message: &str, conversation: Option<Value>| {
        let mut b = json!({ "message": message });
        if let Some(id) = conversation {
            b["conversation_id"] = id;
        }
        s.client.post(s.url("/api/assistant/chat")).json(&b).send()
    };
    let first = body(
        chat(
            "tôi muốn báo có nhóm thanh niên đua xe nẹt pô ở phố Đội Cấn, phường Ba Đình lúc 23h, sđt 0988111222",
            None,
        )
        .await
        .expect("chat"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["kind"], "report", "{first}");
    let filed = body(
        chat("ok gửi đi", Some(first["conversation_id"].clone()))
            .await
            .expect("chat"),
        StatusCode::OK,
    )
    .await;
    let reference = filed["report_reference"]
        .as_str()
        .expect("a lookup reference")
        .to_owned();
    assert!(
        filed["reply"].as_str().unwrap_or("").contains(&reference),
        "{filed}"
    );
    let found = body(lookup(&s, &reference, "0988111222").await, StatusCode::OK).await;
    assert_eq!(found["status"], "received");
    let number = filed["report_number"].as_str().expect("number");
    body(
        lookup(&s, number, "0988111222").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    s.stop().await;
}

// See: issue 20, item 14.
async fn another_units_devices_and_facilities_do_not_exist(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let ngoc_ha = s
        .user(&admin, "ngoc-ha", "unit_officer", Some(NGOC_HA))
        .await;
    let ba_dinh = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let facility = body(
        s.post(
            &admin,
            "/api/facilities",
            &json!({
                "name": "Tòa nhà thử Ba Đình", "address": "Số 2 phố Trúc Bạch",
                "lat": 21.0442, "lon": 105.8431, "unit_code": BA_DINH, "kind": "office",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let fid = facility["id"].as_i64().expect("facility id");
    let device = body(
        s.post(
            &admin,
            "/api/devices",
            &json!({"account": "B200", "facility_id": fid, "allow_plain": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let did = device["id"].as_i64().expect("device id");
    for (path, missing) in [
        (
            format!("/api/facilities/{fid}"),
            format!("/api/facilities/{}", fid + 1000),
        ),
        (
            format!("/api/facilities/{fid}/signals"),
            format!("/api/facilities/{}/signals", fid + 1000),
        ),
        (
            format!("/api/devices/{did}"),
            format!("/api/devices/{}", did + 1000),
        ),
    ] {
        let r = s.get(&ngoc_ha, &path).await;
        assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
        let r = s.get(&ngoc_ha, &missing).await;
        assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
        let r = s.get(&ba_dinh, &path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let r = s
        .patch(
            &ngoc_ha,
            &format!("/api/devices/{did}"),
            &json!({"enabled": false, "version": 1}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let r = s
        .patch(
            &ngoc_ha,
            &format!("/api/facilities/{fid}"),
            &json!({"floors": 3, "version": 1}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    s.stop().await;
}

// See: issue 20, item 14.
async fn establishment_accounts_cannot_be_made_answerable(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let ba_dinh = s
        .user(&admin, "ba-dinh", "unit_officer", Some(BA_DINH))
        .await;
    let r = s
        .post(
            &ba_dinh,
            "/api/establishments",
            &json!({"id": "E1", "name": "Khách sạn Hồ Tây", "kind": "hotel",
                    "address": "Số 1, phố Quán Thánh, 00004", "remote_area": false}),
        )
        .await;
    body(r, StatusCode::CREATED).await;
    let account = body(
        s.post(
            &ba_dinh,
            "/api/establishments/E1/account",
            &json!({"username": "ks-ho-tay", "password": "ks-ho-tay-mat-khau"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let hotel = account["user_id"].as_i64().expect("user id");
    let task = |owner: i64| {
        json!({
            "title": "Rà soát", "description": "Rà soát hộ tạm trú",
            "owner_id": owner,
            "deadline": chrono::Utc::now() + chrono::Duration::days(7),
            "expected_result": "Danh sách cập nhật",
        })
    };
    let r = s.post(&admin, "/api/tasks", &task(hotel)).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "not_an_officer"
    );
    let r = s
        .client
        .put(s.url(&format!("/api/units/{BA_DINH}/chief")))
        .bearer_auth(&admin)
        .json(&json!({"user_id": hotel}))
        .send()
        .await
        .expect("chief");
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "not_an_officer"
    );
    let people = body(
        s.get(&admin, &format!("/api/tasks/assignees?unit={BA_DINH}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<i64> = people
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert!(!ids.contains(&hotel), "{people}");
    assert!(!ids.is_empty(), "{people}");
    // An officer of the unit still can.
    let me = body(s.get(&ba_dinh, "/api/auth/me").await, StatusCode::OK).await;
    let officer = me["id"]
        .as_i64()
        .or_else(|| me["user"]["id"].as_i64())
        .expect("my id");
    let r = s.post(&admin, "/api/tasks", &task(officer)).await;
    body(r, StatusCode::CREATED).await;
    s.stop().await;
}

api_on_both_backends!(
    duplicate_hints_name_only_incidents_the_officer_may_see,
    an_officer_files_into_a_neighbour_only_as_a_shared_incident,
    declarations_only_for_the_officers_own_establishments,
    an_officers_quality_run_covers_their_unit_only,
    the_public_lookup_answers_only_to_a_report_reference,
    a_chat_report_is_followed_by_its_reference,
    another_units_devices_and_facilities_do_not_exist,
    establishment_accounts_cannot_be_made_answerable,
);
