//! Positions and idempotency keys in the database, on SQLite and PostgreSQL: a batch moves
//! each resource to its newest report and never back, the trail keeps every report, old
//! history is pruned in chunks; a key is run once, replayed after, refused while running, and
//! taken over when its request died.

mod common;

use chrono::{Duration, TimeZone, Utc};
use domain::avl::{Fix, Source};
use domain::incident::{GeoPoint, ResourceKind};
use store::{Actor, KeyClaim, NewPosition, NewResource, Store, StoredAnswer};

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "test".into(),
        request_id: None,
    }
}

fn report(resource_id: i64, minute: i64, lat: f64) -> NewPosition {
    NewPosition {
        resource_id,
        fix: Fix {
            at: Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap() + Duration::minutes(minute),
            point: GeoPoint::new(lat, 105.85),
            accuracy_m: Some(5.0),
            speed_kmh: None,
            heading: None,
        },
        source: Source::Tracker,
    }
}

async fn positions_move_forward_only_and_are_pruned(store: Store) {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let mut ids = Vec::new();
    for n in 0..2 {
        let r = store
            .create_resource(
                &NewResource {
                    call_sign: format!("TT-00004-{n}"),
                    kind: ResourceKind::Patrol,
                    name: format!("Tổ {n}"),
                    unit_code: Some("00004".into()),
                    station: None,
                    home: None,
                    off_duty: false,
                },
                &actor(),
                now,
            )
            .await
            .unwrap();
        ids.push(r.resource.id);
    }
    let (a, b) = (ids[0], ids[1]);
    let moved = store
        .record_positions(
            &[
                report(a, 2, 21.02),
                report(a, 5, 21.05),
                report(b, 1, 21.10),
                report(a, 3, 21.03),
            ],
            now,
        )
        .await
        .unwrap();
    let mut got: Vec<(i64, f64)> = moved.iter().map(|m| (m.id, m.lat)).collect();
    got.sort_by_key(|(id, _)| *id);
    assert_eq!(got, vec![(a, 21.05), (b, 21.10)], "the newest of each");
    // A late report is kept in the trail but moves nothing.
    let moved = store
        .record_positions(&[report(a, 4, 21.04)], now)
        .await
        .unwrap();
    assert!(moved.is_empty());
    let ra = store.resource(a).await.unwrap().unwrap();
    assert_eq!(ra.resource.position, Some(GeoPoint::new(21.05, 105.85)));
    let trail = store
        .resource_trail(a, now - Duration::hours(2), now, 100)
        .await
        .unwrap();
    let lats: Vec<f64> = trail.iter().map(|p| p.lat).collect();
    assert_eq!(lats, vec![21.02, 21.03, 21.04, 21.05]);
    assert_eq!(trail[0].accuracy_m, Some(5.0));
    // The newest points when a limit cuts.
    let last_two = store
        .resource_trail(a, now - Duration::hours(2), now, 2)
        .await
        .unwrap();
    assert_eq!(
        last_two.iter().map(|p| p.lat).collect::<Vec<_>>(),
        vec![21.04, 21.05]
    );

    // Pruning goes by arrival, a chunk at a time.
    let later = now + Duration::days(31);
    store
        .record_positions(&[report(b, 90, 21.2)], later)
        .await
        .unwrap();
    assert_eq!(
        store
            .prune_positions(later - Duration::days(30), 3)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .prune_positions(later - Duration::days(30), 3)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .prune_positions(later - Duration::days(30), 3)
            .await
            .unwrap(),
        0
    );
    let left = store
        .resource_trail(b, now - Duration::days(1), later, 100)
        .await
        .unwrap();
    assert_eq!(left.len(), 1, "the recent one stays");
}

async fn idempotency_keys_run_once(store: Store) {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let claim = |key: &'static str, path: &'static str, at| {
        let store = store.clone();
        async move { store.claim_key(7, key, "POST", path, at).await.unwrap() }
    };
    assert_eq!(claim("a", "/api/x", now).await, KeyClaim::Run);
    assert_eq!(claim("a", "/api/x", now).await, KeyClaim::Running);
    assert_eq!(
        claim("a", "/api/y", now).await,
        KeyClaim::OtherRequest {
            method: "POST".into(),
            path: "/api/x".into()
        }
    );
    let answer = StoredAnswer {
        status: 201,
        content_type: Some("application/json".into()),
        body: b"{\"id\":1}".to_vec(),
    };
    store.keep_answer(7, "a", &answer).await.unwrap();
    assert_eq!(claim("a", "/api/x", now).await, KeyClaim::Replay(answer));
    // Another user's key of the same name is theirs.
    assert_eq!(
        store
            .claim_key(8, "a", "POST", "/api/x", now)
            .await
            .unwrap(),
        KeyClaim::Run
    );
    // A request that died: its claim is taken over once it is old enough.
    assert_eq!(claim("b", "/api/x", now).await, KeyClaim::Run);
    assert_eq!(
        claim("b", "/api/x", now + Duration::seconds(30)).await,
        KeyClaim::Running
    );
    assert_eq!(
        claim("b", "/api/x", now + Duration::minutes(3)).await,
        KeyClaim::Run
    );
    // A released key (a server failure) may be run again.
    store.release_key(7, "b").await.unwrap();
    assert_eq!(claim("b", "/api/x", now).await, KeyClaim::Run);
    // Old keys go.
    assert_eq!(
        store
            .prune_keys(now + Duration::days(8), 100)
            .await
            .unwrap(),
        3
    );
}

on_both_backends!(
    positions_move_forward_only_and_are_pruned,
    idempotency_keys_run_once,
);
