//! The water-source registry through HTTP, on SQLite and on PostgreSQL: CSV and GeoJSON
//! imports with every bad row reported by line or feature (nothing written unless asked),
//! filters and totals, who may edit what, the usable sources nearest a point (broken, dry and
//! distant ones left out), and the pre-plan card of a fire incident and of a facility.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The fire's point, in the city.
const FIRE: (f64, f64) = (21.0385, 105.838);

fn csv_at(rows: &[(&str, &str, f64, f64, &str)]) -> String {
    let mut csv = String::from("kind,name,lat,lon,status,flow_lps\n");
    for (kind, name, lat, lon, status) in rows {
        csv.push_str(&format!("{kind},{name},{lat},{lon},{status},20\n"));
    }
    csv
}

async fn summary(s: &TestServer, token: &str, query: &str) -> Value {
    let r = s
        .get(token, &format!("/api/water-sources/summary{query}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn the_registry_is_imported_edited_and_searched(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let (lat, lon) = FIRE;
    let csv = csv_at(&[
        ("hydrant", "Trụ 111 m", lat + 0.001, lon, "usable"),
        ("ocean", "Biển", lat, lon, "usable"),
        ("Ao", "Ao 333 m", lat + 0.003, lon, ""),
        ("hydrant", "Ngoài thành phố", 10.0, 106.0, "usable"),
        (
            "hydrant",
            "Trụ hỏng 55 m",
            lat + 0.0005,
            lon,
            "under_repair",
        ),
        ("lake", "Hồ cạn 20 m", lat + 0.0002, lon, "Cạn mùa khô"),
        ("lake", "Hồ 3.3 km", lat + 0.03, lon, "usable"),
    ]);

    // A file with bad rows writes nothing, and says which lines and why.
    let r = s
        .post_csv(&operator, "/api/water-sources/import", &csv)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_rows");
    let rows = body["error"]["rows"].as_array().unwrap();
    let lines: Vec<(i64, &str)> = rows
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, vec![(3, "kind"), (5, "lat")]);
    assert!(rows[1]["message"].as_str().unwrap().contains("outside"));
    assert_eq!(summary(&s, &operator, "").await["total"], 0);

    // Asked for, the valid rows are written and the others reported.
    let r = s
        .post_csv(&operator, "/api/water-sources/import?mode=valid-only", &csv)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["created"], 5);
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
    let ids: Vec<i64> = report["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();

    // GeoJSON: a feature without a point is reported by its position.
    let geojson = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + 0.002, lat]},
         "properties": {"kind": "Bể nước", "name": "Bể ngầm chợ", "capacity_m3": 120,
                        "engine_access": false, "reference": "BN-07"}},
        {"type": "Feature", "geometry": null, "properties": {"kind": "pond", "name": "?"}},
    ]});
    let r = s
        .client
        .post(s.url("/api/water-sources/import?mode=valid-only"))
        .bearer_auth(&operator)
        .header("content-type", "application/geo+json")
        .body(geojson.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["created"], 1);
    assert_eq!(report["errors"][0]["feature"], 2);
    assert_eq!(report["errors"][0]["field"], "geometry");
    let tank = report["ids"][0].as_i64().unwrap();
    let r = s
        .get(&operator, &format!("/api/water-sources/{tank}"))
        .await;
    let tank_view: Value = r.json().await.unwrap();
    assert_eq!(tank_view["kind"], "tank");
    assert_eq!(tank_view["engine_access"], false);
    assert_eq!(tank_view["capacity_m3"], 120.0);
    assert_eq!(tank_view["generated"], false);
    let unit = tank_view["unit_code"].as_str().unwrap().to_owned();

    // Totals by status, and filters.
    let all = summary(&s, &operator, "").await;
    assert_eq!(all["total"], 6);
    assert_eq!(all["usable"], 4);
    let by: Vec<(String, i64)> = all["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["status"].as_str().unwrap().to_owned(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        vec![
            ("usable".to_owned(), 4),
            ("under_repair".to_owned(), 1),
            ("dry_season".to_owned(), 1)
        ]
    );
    let lakes = s.get(&operator, "/api/water-sources?kind=lake").await;
    assert_eq!(
        lakes
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let near_box = format!(
        "?bbox={},{},{},{}",
        lon - 0.01,
        lat - 0.01,
        lon + 0.01,
        lat + 0.01
    );
    assert_eq!(summary(&s, &operator, &near_box).await["total"], 5);
    let page = s
        .get(&operator, &format!("/api/water-sources{near_box}&limit=2"))
        .await;
    assert_eq!(
        page.json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for bad in ["?bbox=1,2,3", "?kind=ocean", "?status=maybe", "?unit=99999"] {
        let r = s.get(&operator, &format!("/api/water-sources{bad}")).await;
        assert_eq!(
            error_code(r, StatusCode::BAD_REQUEST).await,
            "invalid_query",
            "{bad}"
        );
    }

    // The nearest usable sources: the broken hydrant and the dry lake, though nearer, are
    // left out, and so is the lake 3.3 km away.
    let r = s
        .get(
            &operator,
            &format!("/api/water-sources/nearest?lat={lat}&lon={lon}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let near: Value = r.json().await.unwrap();
    let names: Vec<&str> = near["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["source"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Trụ 111 m", "Bể ngầm chợ", "Ao 333 m"]);
    let first = &near["sources"][0];
    assert!((first["distance_m"].as_f64().unwrap() - 111.2).abs() < 1.0);
    assert_eq!(first["distance_text"], "110 m");
    let wide = s
        .get(
            &operator,
            &format!("/api/water-sources/nearest?lat={lat}&lon={lon}&radius_m=5000&limit=1"),
        )
        .await;
    let wide: Value = wide.json().await.unwrap();
    assert_eq!(wide["sources"].as_array().unwrap().len(), 1);
    for bad in [
        "lat=91&lon=105",
        "lat=21&lon=105&radius_m=0",
        "lat=21&lon=105&limit=50",
    ] {
        let r = s
            .get(&operator, &format!("/api/water-sources/nearest?{bad}"))
            .await;
        assert_eq!(
            error_code(r, StatusCode::BAD_REQUEST).await,
            "invalid_query",
            "{bad}"
        );
    }

    // Edits: the operator fixes the hydrant; a stale version is refused; a unit officer
    // marks its own unit's source broken, cannot create, cannot touch another unit's.
    let hydrant = ids[0];
    let r = s
        .get(&operator, &format!("/api/water-sources/{hydrant}"))
        .await;
    let v: Value = r.json().await.unwrap();
    let r = s
        .patch(
            &operator,
            &format!("/api/water-sources/{hydrant}"),
            &json!({"version": v["version"], "notes": "Cần cờ lê trụ loại D65"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .patch(
            &operator,
            &format!("/api/water-sources/{hydrant}"),
            &json!({"version": v["version"], "status": "usable"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let officer = s.user(&admin, "cb.nuoc", "unit_officer", Some(&unit)).await;
    let r = s
        .get(&officer, &format!("/api/water-sources/{hydrant}"))
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["unit_code"],
        unit.as_str(),
        "the sources are all in the fire's unit"
    );
    let r = s
        .patch(
            &officer,
            &format!("/api/water-sources/{hydrant}"),
            &json!({"version": v["version"], "status": "Đang hỏng, sửa chữa"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .patch(
            &officer,
            &format!("/api/water-sources/{hydrant}"),
            &json!({"version": v["version"].as_i64().unwrap() + 1, "lat": lat + 0.2}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "moved into another unit");
    let r = s
        .post(
            &officer,
            "/api/water-sources",
            &json!({"kind": "well", "name": "Giếng", "lat": lat, "lon": lon}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .post(
            &operator,
            "/api/water-sources",
            &json!({"kind": "well", "name": "Giếng", "lat": 21.2, "lon": 105.9, "flow_lps": -3}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let r = s
        .post(
            &operator,
            "/api/water-sources",
            &json!({"kind": "well", "name": "Giếng xa", "lat": 21.2, "lon": 105.9}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let far: Value = r.json().await.unwrap();
    if far["unit_code"] != unit.as_str() {
        let r = s
            .patch(
                &officer,
                &format!("/api/water-sources/{}", far["id"]),
                &json!({"version": far["version"], "status": "dry_season"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "another unit's source");
    }
    assert_eq!(
        error_code(
            s.get(&operator, "/api/water-sources/999999").await,
            StatusCode::NOT_FOUND
        )
        .await,
        "not_found"
    );

    // The hydrant is now broken: it leaves the nearest list.
    let near: Value = s
        .get(
            &operator,
            &format!("/api/water-sources/nearest?lat={lat}&lon={lon}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(near["sources"][0]["source"]["name"], "Bể ngầm chợ");
    s.stop().await;
}

async fn a_fire_and_a_facility_get_their_pre_plan(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let operator = s.user(&admin, "trucban", "operator", None).await;
    let (lat, lon) = FIRE;
    let csv = csv_at(&[
        ("hydrant", "Trụ gần", lat + 0.001, lon, "usable"),
        ("lake", "Hồ xa hơn", lat + 0.004, lon, "usable"),
        ("hydrant", "Trụ hỏng", lat + 0.0002, lon, "under_repair"),
    ]);
    let r = s
        .post_csv(&operator, "/api/water-sources/import", &csv)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // A fire with a point: the water nearest it, and the plan's lines.
    let r = s
        .post(
            &operator,
            "/api/incidents",
            &json!({"kind": "fire", "channel": "hotline_114", "description": "Cháy nhà dân",
                    "lat": lat, "lon": lon}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let fire: Value = r.json().await.unwrap();
    let r = s
        .get(
            &operator,
            &format!("/api/incidents/{}/pre-plan", fire["id"]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let card: Value = r.json().await.unwrap();
    assert_eq!(card["water_needed"], true);
    assert_eq!(card["lat"], lat);
    let names: Vec<&str> = card["water"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["source"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Trụ gần", "Hồ xa hơn"]);
    let kinds: Vec<&str> = card["plan"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"fire_engine"), "{kinds:?}");
    assert!(card["facility"].is_null());

    // A road accident needs no water (the list is still there for whoever wants it); an
    // incident told by address alone gets no list measured from a guess.
    let r = s
        .post(
            &operator,
            "/api/incidents",
            &json!({"kind": "traffic_accident", "channel": "hotline_113",
                    "description": "Va chạm xe máy", "lat": lat, "lon": lon}),
        )
        .await;
    let crash: Value = r.json().await.unwrap();
    let card: Value = s
        .get(
            &operator,
            &format!("/api/incidents/{}/pre-plan", crash["id"]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(card["water_needed"], false);
    let r = s
        .post(
            &operator,
            "/api/incidents",
            &json!({"kind": "fire", "channel": "hotline_114", "description": "Cháy",
                    "address": "nhà ông Ba cuối xóm", "unit_code": fire["unit_code"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let blind: Value = r.json().await.unwrap();
    let card: Value = s
        .get(
            &operator,
            &format!("/api/incidents/{}/pre-plan", blind["id"]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(card["lat"].is_null() && card["water"].is_null(), "{card}");
    let r = s.get(&operator, "/api/incidents/999999/pre-plan").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A facility's card: its premises and the water nearest it.
    let r = s
        .post(
            &operator,
            "/api/facilities",
            &json!({"name": "Chung cư Mini", "address": "Ngõ 5", "lat": lat + 0.0045, "lon": lon,
                    "kind": "apartment_building", "floors": 9,
                    "contacts": [{"name": "Bảo vệ", "phone": "0912345678"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let f: Value = r.json().await.unwrap();
    let card: Value = s
        .get(&operator, &format!("/api/facilities/{}/pre-plan", f["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(card["facility"]["floors"], 9);
    assert_eq!(card["water"]["sources"][0]["source"]["name"], "Hồ xa hơn");
    assert!(card["plan"].is_null());
    s.stop().await;
}

api_on_both_backends!(
    the_registry_is_imported_edited_and_searched,
    a_fire_and_a_facility_get_their_pre_plan,
);
