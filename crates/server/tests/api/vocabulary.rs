//! The vocabulary (`GET /api/vocabulary`) through HTTP: for signed-in accounts only, every
//! domain value labelled, and the same targets as the response-time statistics count against.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

async fn vocabulary_is_served_with_the_statistics_targets(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let r = s.client.get(s.url("/api/vocabulary")).send().await.unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "unauthorized"
    );
    let admin = s.admin().await;
    let leader = s.user(&admin, "lanh.dao", "leader", None).await;
    let r = s.get(&leader, "/api/vocabulary").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let kinds = v["kinds"].as_array().unwrap();
    assert_eq!(
        kinds.len(),
        <domain::incident::IncidentKind as domain::incident::Vocabulary>::ALL.len()
    );
    assert!(kinds
        .iter()
        .all(|k| k["label_vi"].is_string() && k["label_en"].is_string()));
    // The statistics' P1 dispatch target is the one served to the console's timers.
    let p1 = &v["priorities"][0];
    assert_eq!(p1["priority"], 1);
    let stats = domain::stats::ResponseTargets::default();
    assert_eq!(
        p1["dispatch_secs"].as_u64(),
        stats
            .target(domain::stats::Stage::Dispatch, 1)
            .map(u64::from)
    );
    assert_eq!(
        p1["on_scene_secs"].as_u64(),
        stats.target(domain::stats::Stage::Travel, 1).map(u64::from)
    );
    s.stop().await;
}

api_on_both_backends!(vocabulary_is_served_with_the_statistics_targets);
