//! The switchboard's call log through HTTP against a started server, on SQLite and on
//! PostgreSQL: opening and closing calls, each outcome's link, a call turned into an incident
//! (and the incident's calls), the nuisance flag after repeated pranks, the daily report per
//! hour and per call-taker with real totals, the list's filters and total, roles and unit
//! scope, and bad input.
//!
//! Times that matter are given to the API (`answered_at`, `ended_at` on a fixed past day), so
//! nothing here depends on the wall clock.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Site {
    s: TestServer,
    admin: String,
    operator: String,
}

async fn site(backend: Backend) -> Option<Site> {
    let s = TestServer::start(backend).await?;
    let admin = s.admin().await;
    let operator = s.user(&admin, "tongdai1", "operator", None).await;
    Some(Site { s, admin, operator })
}

impl Site {
    async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.s.post(token, path, &body).await;
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self.s.get(token, path).await;
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Opens a call as `token` and returns it.
    async fn open(&self, token: &str, body: Value) -> Value {
        let (status, v) = self.post(token, "/api/calls", body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }

    async fn close(&self, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
        self.post(token, &format!("/api/calls/{id}/close"), body)
            .await
    }

    /// Opens and closes one call with `outcome`.
    async fn call(&self, token: &str, open: Value, close: Value) -> Value {
        let c = self.open(token, open).await;
        let (status, v) = self.close(token, id(&c), close).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    /// A fire in unit `code` opened through the incident intake.
    async fn incident_in(&self, code: &str) -> Value {
        let (lat, lon) = point_in(&self.s, &self.admin, code).await;
        let (status, v) = self
            .post(
                &self.operator,
                "/api/incidents",
                json!({"kind": "fire", "description": "Cháy nhà dân", "lat": lat, "lon": lon}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

async fn point_in(s: &TestServer, token: &str, code: &str) -> (f64, f64) {
    let r = s.get(token, &format!("/api/units/{code}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let u: Value = r.json().await.expect("unit");
    (
        u["label_lat"].as_f64().expect("lat"),
        u["label_lon"].as_f64().expect("lon"),
    )
}

/// The first two unit codes of the directory.
async fn two_units(site: &Site) -> (String, String) {
    let (status, units) = site.get(&site.admin, "/api/units").await;
    assert_eq!(status, StatusCode::OK);
    let list = units
        .as_array()
        .or_else(|| units["units"].as_array())
        .expect("units");
    let code = |i: usize| list[i]["code"].as_str().expect("code").to_owned();
    (code(0), code(1))
}

async fn a_call_is_opened_and_closed_once(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let c = site
        .open(
            &site.operator,
            json!({"line": "113", "caller_number": "0912 345 678", "note": "hỏi đường"}),
        )
        .await;
    assert_eq!(c["status"], "open");
    assert_eq!(c["line"], "113");
    assert_eq!(c["caller_number"], "0912345678");
    assert_eq!(c["call_taker_name"], "tongdai1");
    assert_eq!(c["outcome"], Value::Null);
    assert_eq!(c["caller_history"]["calls_7d"], 0);
    assert_eq!(c["caller_history"]["nuisance"], false);

    let (status, closed) = site
        .close(
            &site.operator,
            id(&c),
            json!({"outcome": "information_given", "note": "chỉ đường đến trụ sở"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["outcome"], "information_given");
    assert_eq!(closed["note"], "chỉ đường đến trụ sở");
    assert!(closed["duration_secs"].as_f64().is_some());

    // Closing twice is a conflict; the first outcome stays.
    let (status, again) = site
        .close(&site.operator, id(&c), json!({"outcome": "prank"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "call_closed");
    let (_, one) = site
        .get(&site.operator, &format!("/api/calls/{}", id(&c)))
        .await;
    assert_eq!(one["outcome"], "information_given");

    // A hidden number has no history.
    let hidden = site.open(&site.operator, json!({"line": "114"})).await;
    assert_eq!(hidden["caller_number"], Value::Null);
    assert_eq!(hidden["caller_history"], Value::Null);

    // Both writes are in the audit trail.
    let (status, audit) = site
        .get(
            &site.admin,
            &format!("/api/audit?object_type=call&object_id={}", id(&c)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let actions: Vec<&str> = audit
        .as_array()
        .or_else(|| audit["items"].as_array())
        .expect("audit rows")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(actions.contains(&"call.open"), "{actions:?}");
    assert!(actions.contains(&"call.close"), "{actions:?}");
    site.s.stop().await;
}

async fn each_outcome_needs_its_link(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let (unit, _) = two_units(&site).await;
    let incident = site.incident_in(&unit).await;
    let iid = id(&incident);
    let refused = [
        (
            json!({"outcome": "incident_opened"}),
            "invalid_outcome_link",
        ),
        (json!({"outcome": "duplicate"}), "invalid_outcome_link"),
        (
            json!({"outcome": "duplicate", "incident_id": 999_999}),
            "invalid_outcome_link",
        ),
        (
            json!({"outcome": "prank", "incident_id": iid}),
            "invalid_outcome_link",
        ),
        (json!({"outcome": "transferred"}), "invalid_outcome_link"),
        (
            json!({"outcome": "silent", "transferred_to": "115"}),
            "invalid_outcome_link",
        ),
        (json!({"outcome": "hung_up"}), "invalid_field"),
    ];
    let c = site.open(&site.operator, json!({"line": "113"})).await;
    for (body, code) in refused {
        let (status, v) = site.close(&site.operator, id(&c), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {v}");
        assert_eq!(v["error"]["code"], code, "{body}");
    }
    // Still open after every refusal.
    let (_, still) = site
        .get(&site.operator, &format!("/api/calls/{}", id(&c)))
        .await;
    assert_eq!(still["status"], "open");

    let accepted = [
        json!({"outcome": "incident_opened", "incident_id": iid}),
        json!({"outcome": "duplicate", "incident_id": iid}),
        json!({"outcome": "transferred", "transferred_to": "115"}),
        json!({"outcome": "information_given"}),
        json!({"outcome": "prank"}),
        json!({"outcome": "wrong_number"}),
        json!({"outcome": "silent"}),
    ];
    for body in accepted {
        let closed = site
            .call(&site.operator, json!({"line": "114"}), body.clone())
            .await;
        assert_eq!(closed["outcome"], body["outcome"]);
        if body["incident_id"].is_i64() {
            assert_eq!(closed["incident_id"], iid);
            assert_eq!(closed["incident_number"], incident["number"]);
        }
        if body["outcome"] == "transferred" {
            assert_eq!(closed["transferred_to"], "115");
        }
    }
    // The incident shows its two calls.
    let (status, page) = site
        .get(&site.operator, &format!("/api/calls?incident={iid}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 2);
    site.s.stop().await;
}

async fn a_call_becomes_an_incident_through_the_intake(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let (unit, _) = two_units(&site).await;
    let (lat, lon) = point_in(&site.s, &site.admin, &unit).await;
    let c = site
        .open(
            &site.operator,
            json!({"line": "114", "caller_number": "0987654321"}),
        )
        .await;
    let (status, v) = site
        .post(
            &site.operator,
            &format!("/api/calls/{}/incident", id(&c)),
            json!({"kind": "fire", "description": "Cháy kho", "lat": lat, "lon": lon}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let incident = &v["incident"];
    assert_eq!(incident["channel"], "hotline_114");
    assert_eq!(incident["unit_code"], unit.as_str());
    assert_eq!(incident["caller"]["phone"], "0987654321");
    assert_eq!(v["call"]["status"], "closed");
    assert_eq!(v["call"]["outcome"], "incident_opened");
    assert_eq!(v["call"]["incident_id"], incident["id"]);
    assert_eq!(v["call"]["incident_number"], incident["number"]);

    // The incident exists as the intake made it, and lists its call.
    let iid = incident["id"].as_i64().expect("incident id");
    let (status, _) = site
        .get(&site.operator, &format!("/api/incidents/{iid}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = site
        .get(&site.operator, &format!("/api/calls?incident={iid}"))
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], id(&c));

    // A closed call cannot become an incident; a bad intake form leaves the call open.
    let (status, again) = site
        .post(
            &site.operator,
            &format!("/api/calls/{}/incident", id(&c)),
            json!({"kind": "fire", "description": "x", "lat": lat, "lon": lon}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let other = site.open(&site.operator, json!({"line": "113"})).await;
    let (status, _) = site
        .post(
            &site.operator,
            &format!("/api/calls/{}/incident", id(&other)),
            json!({"kind": "no_such_kind", "description": "x", "lat": lat, "lon": lon}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, still) = site
        .get(&site.operator, &format!("/api/calls/{}", id(&other)))
        .await;
    assert_eq!(still["status"], "open");
    site.s.stop().await;
}

async fn repeated_pranks_flag_the_number(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let number = "0333444555";
    for outcome in ["prank", "silent"] {
        site.call(
            &site.operator,
            json!({"line": "113", "caller_number": number}),
            json!({"outcome": outcome}),
        )
        .await;
    }
    // A wrong number from the same caller is not a nuisance.
    site.call(
        &site.operator,
        json!({"line": "113", "caller_number": number}),
        json!({"outcome": "wrong_number"}),
    )
    .await;
    let third = site
        .open(
            &site.operator,
            json!({"line": "113", "caller_number": number}),
        )
        .await;
    assert_eq!(third["caller_history"]["calls_24h"], 3);
    assert_eq!(third["caller_history"]["nuisance_24h"], 2);
    assert_eq!(third["caller_history"]["nuisance"], false);
    let (status, _) = site
        .close(&site.operator, id(&third), json!({"outcome": "prank"}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // The fourth call, written another way, is flagged as soon as it is answered.
    let fourth = site
        .open(
            &site.operator,
            json!({"line": "114", "caller_number": "+84 333 444 555"}),
        )
        .await;
    assert_eq!(fourth["caller_number"], number);
    assert_eq!(fourth["caller_history"]["nuisance"], true, "{fourth}");
    assert_eq!(fourth["caller_history"]["nuisance_24h"], 3);
    assert_eq!(fourth["caller_history"]["calls_7d"], 4);

    // The list shows the flag on the open call and for the number asked.
    let (status, page) = site
        .get(&site.operator, &format!("/api/calls?caller={number}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 5);
    assert_eq!(page["caller_history"]["nuisance"], true);
    let open: Vec<&Value> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|c| c["status"] == "open")
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["caller_history"]["nuisance"], true);

    // Another number is not flagged.
    let clean = site
        .open(
            &site.operator,
            json!({"line": "113", "caller_number": "0911222333"}),
        )
        .await;
    assert_eq!(clean["caller_history"]["nuisance"], false);
    site.s.stop().await;
}

async fn the_daily_report_counts_hours_and_call_takers(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let second = site.s.user(&site.admin, "tongdai2", "operator", None).await;
    // 2025-06-10 in Vietnam time; 01:00Z is 08:00 there, 15:30Z is 22:30.
    let at = |hm: &str| format!("2025-06-10T{hm}:00Z");
    let calls = [
        (&site.operator, "01:00", "01:01", "prank"),
        (&site.operator, "01:10", "01:10", "silent"),
        (&site.operator, "01:20", "01:23", "information_given"),
        (&second, "01:30", "01:32", "wrong_number"),
        (&second, "15:30", "15:40", "transferred"),
        // 2025-06-09 at 23:59 in Vietnam: the day before.
        (&second, "..", "..", "prank"),
    ];
    for (token, answered, ended, outcome) in calls {
        let (answered, ended) = if answered == ".." {
            (
                "2025-06-09T16:59:00Z".to_owned(),
                "2025-06-09T16:59:30Z".to_owned(),
            )
        } else {
            (at(answered), at(ended))
        };
        let mut close = json!({"outcome": outcome, "ended_at": ended});
        if outcome == "transferred" {
            close["transferred_to"] = json!("115");
        }
        site.call(
            token,
            json!({"line": "113", "answered_at": answered}),
            close,
        )
        .await;
    }
    // One call still open at 08:40.
    site.open(&second, json!({"line": "114", "answered_at": at("01:40")}))
        .await;

    let (status, r) = site
        .get(&site.operator, "/api/stats/calls?date=2025-06-10")
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let t = &r["totals"];
    assert_eq!(t["calls"], 6);
    assert_eq!(t["open"], 1);
    assert_eq!(t["prank"], 1);
    assert_eq!(t["silent"], 1);
    assert_eq!(t["information_given"], 1);
    assert_eq!(t["wrong_number"], 1);
    assert_eq!(t["transferred"], 1);
    assert_eq!(t["incidents_opened"], 0);
    // Closed durations 0, 60, 120, 180, 600 s.
    assert_eq!(t["mean_duration_secs"], 192.0);
    assert_eq!(t["median_duration_secs"], 120.0);

    let hours = r["by_hour"].as_array().expect("hours");
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[8]["calls"], 5);
    assert_eq!(hours[8]["open"], 1);
    assert_eq!(hours[22]["calls"], 1);
    assert_eq!(hours[22]["transferred"], 1);
    let sum: u64 = hours.iter().map(|h| h["calls"].as_u64().expect("n")).sum();
    assert_eq!(sum, 6);

    let takers = r["by_call_taker"].as_array().expect("takers");
    assert_eq!(takers.len(), 2);
    assert_eq!(takers[0]["call_taker_name"], "tongdai1");
    assert_eq!(takers[0]["calls"], 3);
    assert_eq!(takers[0]["median_duration_secs"], 60.0);
    assert_eq!(takers[1]["call_taker_name"], "tongdai2");
    assert_eq!(takers[1]["calls"], 3);
    assert_eq!(takers[1]["open"], 1);

    // The day before holds only its one call; a bad date is refused.
    let (_, before) = site
        .get(&site.operator, "/api/stats/calls?date=2025-06-09")
        .await;
    assert_eq!(before["totals"]["calls"], 1);
    assert_eq!(before["by_hour"][23]["prank"], 1);
    let (status, _) = site
        .get(&site.operator, "/api/stats/calls?date=10/06/2025")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The list of the day agrees with the report, page by page.
    let (status, page) = site
        .get(
            &site.operator,
            "/api/calls?from=2025-06-10&to=2025-06-10&limit=2",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 6);
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
    let (_, rest) = site
        .get(
            &site.operator,
            "/api/calls?from=2025-06-10&to=2025-06-10&limit=2&offset=4",
        )
        .await;
    assert_eq!(rest["items"].as_array().expect("items").len(), 2);
    let (_, pranks) = site
        .get(&site.operator, "/api/calls?from=2025-06-09&outcome=prank")
        .await;
    assert_eq!(pranks["total"], 2);
    let (_, line114) = site.get(&site.operator, "/api/calls?line=114").await;
    assert_eq!(line114["total"], 1);
    let (_, open) = site.get(&site.operator, "/api/calls?status=open").await;
    assert_eq!(open["total"], 1);
    let (_, me) = site.get(&second, "/api/auth/me").await;
    let (_, mine) = site
        .get(
            &site.operator,
            &format!("/api/calls?call_taker={}", me["id"]),
        )
        .await;
    assert_eq!(mine["total"], 4);

    // A leader reads the report.
    let leader = site.s.user(&site.admin, "lanhdao", "leader", None).await;
    let (status, _) = site.get(&leader, "/api/stats/calls?date=2025-06-10").await;
    assert_eq!(status, StatusCode::OK);
    site.s.stop().await;
}

async fn roles_and_units_are_enforced(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let (mine, other) = two_units(&site).await;
    let officer = site
        .s
        .user(&site.admin, "canbo", "unit_officer", Some(&mine))
        .await;
    let leader = site.s.user(&site.admin, "lanhdao", "leader", None).await;
    let inspector = site.s.user(&site.admin, "kiemtra", "inspector", None).await;

    let ours = site.incident_in(&mine).await;
    let theirs = site.incident_in(&other).await;
    let linked = site
        .call(
            &site.operator,
            json!({"line": "114"}),
            json!({"outcome": "duplicate", "incident_id": id(&ours)}),
        )
        .await;
    let elsewhere = site
        .call(
            &site.operator,
            json!({"line": "114"}),
            json!({"outcome": "duplicate", "incident_id": id(&theirs)}),
        )
        .await;
    let prank = site
        .call(
            &site.operator,
            json!({"line": "113"}),
            json!({"outcome": "prank"}),
        )
        .await;

    // Without sign-in: 401 everywhere.
    for path in ["/api/calls", "/api/calls/1", "/api/stats/calls"] {
        let r = site
            .s
            .client
            .get(site.s.url(path))
            .send()
            .await
            .expect("request");
        error_code(r, StatusCode::UNAUTHORIZED).await;
    }
    let r = site
        .s
        .client
        .post(site.s.url("/api/calls"))
        .json(&json!({"line": "113"}))
        .send()
        .await
        .expect("request");
    error_code(r, StatusCode::UNAUTHORIZED).await;

    // Only the switchboard records calls.
    for token in [&officer, &leader, &inspector] {
        let (status, _) = site.post(token, "/api/calls", json!({"line": "113"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = site
            .close(token, id(&prank), json!({"outcome": "prank"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = site
        .post(&site.admin, "/api/calls", json!({"line": "113"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // A unit officer sees the calls of its own incidents, and nothing else.
    let (status, page) = site
        .get(&officer, &format!("/api/calls?incident={}", id(&ours)))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], id(&linked));
    let (status, _) = site
        .get(&officer, &format!("/api/calls/{}", id(&linked)))
        .await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        format!("/api/calls/{}", id(&elsewhere)),
        format!("/api/calls/{}", id(&prank)),
        format!("/api/calls?incident={}", id(&theirs)),
    ] {
        let (status, _) = site.get(&officer, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["/api/calls", "/api/stats/calls"] {
        let (status, _) = site.get(&officer, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // A leader reads the log; an inspector does not.
    let (status, page) = site.get(&leader, "/api/calls").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 4);
    for path in ["/api/calls", "/api/stats/calls"] {
        let (status, _) = site.get(&inspector, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    site.s.stop().await;
}

async fn bad_input_gets_clear_errors(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let op = &site.operator;
    let refused = [
        (json!({"line": "115"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({}), StatusCode::BAD_REQUEST),
        (
            json!({"line": "113", "caller_number": "abc"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"line": "113", "answered_at": "2999-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"line": "113", "colour": "red"}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (body, status) in refused {
        let (got, v) = site.post(op, "/api/calls", body.clone()).await;
        assert_eq!(got, status, "{body} → {v}");
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    let r = site
        .s
        .client
        .post(site.s.url("/api/calls"))
        .bearer_auth(op)
        .header("content-type", "application/json")
        .body("{\"line\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "malformed_json"
    );

    // Unknown calls.
    let (status, _) = site.get(op, "/api/calls/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = site.close(op, 999_999, json!({"outcome": "prank"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = site
        .post(
            op,
            "/api/calls/999999/incident",
            json!({"kind": "fire", "description": "x", "address": "Hoàn Kiếm"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An end before the answer; the same telephony call logged twice.
    let c = site
        .open(
            op,
            json!({"line": "113", "answered_at": "2025-06-10T01:00:00Z", "external_call_id": "pbx-1"}),
        )
        .await;
    let (status, _) = site
        .close(
            op,
            id(&c),
            json!({"outcome": "prank", "ended_at": "2025-06-10T00:59:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, dup) = site
        .post(
            op,
            "/api/calls",
            json!({"line": "113", "external_call_id": "pbx-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{dup}");

    // Bad filters.
    for q in [
        "line=115",
        "outcome=hung_up",
        "status=maybe",
        "from=yesterday",
        "caller=abc",
        "limit=0",
        "offset=-1",
        "colour=red",
    ] {
        let (status, _) = site.get(op, &format!("/api/calls?{q}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
    }
    site.s.stop().await;
}

api_on_both_backends!(
    a_call_is_opened_and_closed_once,
    each_outcome_needs_its_link,
    a_call_becomes_an_incident_through_the_intake,
    repeated_pranks_flag_the_number,
    the_daily_report_counts_hours_and_call_takers,
    roles_and_units_are_enforced,
    bad_input_gets_clear_errors,
);
