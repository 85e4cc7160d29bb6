//! Casualty figures on an incident (`POST /api/incidents/{id}/casualties`) through HTTP, on
//! SQLite and on PostgreSQL: recorded on the incident and its timeline with the previous
//! figures, refused when nothing changes or a count is absurd, correctable after closing only
//! with a reason, and counted by the fire statistics (a false alarm's are not, and it is no
//! fire).

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn casualties_are_recorded_and_counted(backend: Backend) {
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
            &json!({"kind": "fire", "channel": "hotline_114", "description": "Cháy nhà dân",
                    "lat": 21.0385, "lon": 105.838}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let made: Value = r.json().await.unwrap();
    let id = made["id"].as_i64().unwrap();
    assert_eq!(
        made["casualties"],
        json!({"dead": 0, "injured": 0, "trapped": 0, "rescued": 0})
    );
    let path = format!("/api/incidents/{id}/casualties");

    // Two people trapped, one injured.
    let r = s
        .post(
            &operator,
            &path,
            &json!({"dead": 0, "injured": 1, "trapped": 2, "rescued": 0, "version": made["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let now: Value = r.json().await.unwrap();
    assert_eq!(now["casualties"]["trapped"], 2);
    // The same figures again change nothing; an absurd count is refused; a stale version too.
    let same = json!({"dead": 0, "injured": 1, "trapped": 2, "rescued": 0});
    let r = s.post(&operator, &path, &same).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &operator,
            &path,
            &json!({"dead": 0, "injured": 912345678, "trapped": 2, "rescued": 0}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &operator,
            &path,
            &json!({"dead": 0, "injured": 1, "trapped": 0, "rescued": 2, "version": made["version"]}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    let r = s.post(&other, &path, &same).await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");

    // Both trapped people are brought out.
    let r = s
        .post(
            &operator,
            &path,
            &json!({"dead": 0, "injured": 1, "trapped": 0, "rescued": 2, "reason": "Tổ CNCH báo"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let now: Value = r.json().await.unwrap();
    let records: Vec<&Value> = now["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["change"])
        .filter(|c| c["type"] == "casualties_recorded")
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[1]["from"]["trapped"], 2);
    assert_eq!(records[1]["to"]["rescued"], 2);
    assert_eq!(records[1]["reason"], "Tổ CNCH báo");

    // Closed (with its fire report): a correction needs a reason. A type of premises outside
    // the list is refused.
    let r = s
        .client
        .put(s.url(&format!("/api/incidents/{id}/fire-report")))
        .bearer_auth(&operator)
        .json(&json!({"real_fire": true, "cause": "cooking", "premises_kind": "castle"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .client
        .put(s.url(&format!("/api/incidents/{id}/fire-report")))
        .bearer_auth(&operator)
        .json(&json!({"real_fire": true, "cause": "cooking", "damage_vnd": 80000000,
                      "premises_kind": "house_shop", "premises": "Nhà ống 4 tầng, tầng 1 bán tạp hóa"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for body in [
        json!({"to": "verified"}),
        json!({"to": "resolved"}),
        json!({"to": "closed", "disposition": "report_taken"}),
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
    let late = json!({"dead": 1, "injured": 0, "trapped": 0, "rescued": 2});
    let r = s.post(&operator, &path, &late).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "reason_required"
    );
    let mut with_reason = late.clone();
    with_reason["reason"] = json!("Nạn nhân tử vong tại bệnh viện");
    let r = s.post(&operator, &path, &with_reason).await;
    assert_eq!(r.status(), StatusCode::OK);

    // A second report of fire turns out false: it is no fire, and its figures count nowhere.
    let r = s
        .post(
            &operator,
            "/api/incidents",
            &json!({"kind": "fire", "channel": "hotline_114", "description": "Báo cháy",
                    "lat": 21.0285, "lon": 105.8542}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let false_alarm = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = s
        .post(
            &operator,
            &format!("/api/incidents/{false_alarm}/casualties"),
            &json!({"dead": 0, "injured": 5, "trapped": 0, "rescued": 0}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .post(
            &operator,
            &format!("/api/incidents/{false_alarm}/transitions"),
            &json!({"to": "false_alarm", "reason": "Hơi nước từ bếp, không có cháy"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The fire statistics of this reporting month count the confirmed fire's people only.
    let r = s.get(&admin, "/api/stats/fires").await;
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    let fire = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["family"] == "fire")
        .expect("a fire row");
    assert_eq!(fire["deaths"]["current"], 1, "{fire}");
    assert_eq!(fire["injured"]["current"], 0, "{fire}");
    assert_eq!(fire["current"]["rescued"], 2, "{fire}");
    assert_eq!(fire["current"]["count"], 1, "{fire}");
    assert_eq!(fire["current"]["false_alarms"], 1, "{fire}");
    // The damage is the fire report's.
    assert_eq!(fire["current"]["damage_vnd"], 80000000, "{fire}");
    assert_eq!(fire["current"]["damage_assessed"], 1, "{fire}");
    // Fires by the cause their report gives: the real fire only, not the false alarm, with
    // its people and damage.
    let figures = json!({"count": 1, "deaths": 1, "injured": 0, "rescued": 2,
                         "damage_vnd": 80000000, "damage_assessed": 1, "false_alarms": 0});
    assert_eq!(
        report["causes"],
        json!([{"code": "cooking", "label": "Đun nấu, bếp gas", "label_en": "Cooking or gas stove",
                "count": 1, "figures": figures}]),
        "{report}"
    );
    // And by the type of premises it gives.
    assert_eq!(
        report["premises"],
        json!([{"code": "house_shop", "label": "Nhà ở kết hợp kinh doanh",
                "label_en": "House with a shop", "count": 1, "figures": figures}]),
        "{report}"
    );
    // And by unit: the fire's unit with its figures; the false alarm's unit with the false
    // alarm counted apart and no fire.
    assert_eq!(
        report["units"],
        json!([
            {"unit_code": "00004", "unit_name": "Phường Ba Đình", "family": "fire",
             "label": "Cháy", "figures": figures},
            {"unit_code": "00070", "unit_name": "Phường Hoàn Kiếm", "family": "fire",
             "label": "Cháy", "figures": {"count": 0, "deaths": 0, "injured": 0, "rescued": 0,
             "damage_vnd": 0, "damage_assessed": 0, "false_alarms": 1}},
        ]),
        "{report}"
    );
    // The export carries both breakdowns under the table, in the count column.
    let csv = s
        .get(&admin, "/api/stats/fires?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let at = |first: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(first))
            .unwrap_or_else(|| panic!("no line {first:?} in {csv}"))
    };
    // (type, count, previous, %, dead, dead previous, injured, rescued, damage, false alarms)
    let causes = at("Vụ cháy theo nguyên nhân,");
    assert_eq!(
        lines[causes + 1],
        "\"  Đun nấu, bếp gas\",1,,,1,,0,2,80000000,0"
    );
    let premises = at("Vụ cháy theo loại cơ sở,");
    assert_eq!(premises, causes + 2);
    assert_eq!(
        lines[premises + 1],
        "  Nhà ở kết hợp kinh doanh,1,,,1,,0,2,80000000,0"
    );
    let by_unit = at("Theo đơn vị,");
    assert_eq!(by_unit, premises + 2);
    assert_eq!(
        lines[by_unit + 1],
        "  Phường Ba Đình — Cháy,1,,,1,,0,2,80000000,0"
    );
    assert_eq!(
        lines[by_unit + 2],
        "  Phường Hoàn Kiếm — Cháy,0,,,0,,0,0,0,1"
    );
    s.stop().await;
}

api_on_both_backends!(casualties_are_recorded_and_counted);
