//! The water-source registry in the database, on SQLite and PostgreSQL: written, found by
//! filter and by distance (broken, dry and distant sources left out), edited with a version
//! check, and the generated part replaced without touching sources entered by hand.

mod common;

use chrono::Utc;
use domain::incident::GeoPoint;
use domain::water::{WaterKind, WaterSource, WaterStatus};
use store::{Actor, Store, StoreError, WaterFilter, WaterSourceInput};

fn input(name: &str, lat: f64, status: WaterStatus, generated: bool) -> WaterSourceInput {
    WaterSourceInput {
        source: WaterSource {
            kind: WaterKind::Hydrant,
            name: name.into(),
            point: GeoPoint::new(lat, 105.85),
            address: None,
            capacity_m3: None,
            flow_lps: Some(20.0),
            engine_access: true,
            status,
            reference: None,
            notes: None,
        },
        unit_code: "00004".into(),
        generated,
    }
}

async fn water_sources_are_found_by_distance_and_regenerated(store: Store) {
    let actor = Actor::system("test");
    let now = Utc::now();
    let made = store
        .create_water_sources(
            &[
                input("A 111 m", 21.031, WaterStatus::Usable, false),
                input("B 11 m broken", 21.0301, WaterStatus::UnderRepair, false),
                input("C 56 m dry", 21.0305, WaterStatus::DrySeason, true),
                input("D 222 m", 21.032, WaterStatus::Usable, true),
                input("E 3.3 km", 21.06, WaterStatus::Usable, true),
            ],
            &actor,
            now,
        )
        .await
        .unwrap();
    assert_eq!(made.len(), 5);
    // Sources entered by hand are audited one by one, the generated ones once together.
    let audit = store
        .list_audit(&store::AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "water_source.create")
            .count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "water_source.generate")
            .count(),
        1,
        "{actions:?}"
    );
    assert_eq!(made[0].source.name, "A 111 m");
    assert_eq!(
        store.water_source(made[0].id).await.unwrap().unwrap(),
        made[0]
    );

    let near = store
        .nearest_water_sources(GeoPoint::new(21.03, 105.85), 2_000.0, 5)
        .await
        .unwrap();
    let names: Vec<&str> = near.iter().map(|n| n.item.source.name.as_str()).collect();
    assert_eq!(names, vec!["A 111 m", "D 222 m"]);

    let all = WaterFilter {
        limit: 100,
        ..WaterFilter::default()
    };
    let counts = store.count_water_sources(&all).await.unwrap();
    assert_eq!(
        counts,
        vec![
            ("dry_season".to_owned(), 1),
            ("under_repair".to_owned(), 1),
            ("usable".to_owned(), 3)
        ]
    );
    let south = WaterFilter {
        bbox: Some([105.8, 21.0, 105.9, 21.0302]),
        ..all.clone()
    };
    assert_eq!(store.list_water_sources(&south).await.unwrap().len(), 1);
    let page = WaterFilter {
        limit: 2,
        after_id: Some(made[0].id),
        ..all.clone()
    };
    let ids: Vec<i64> = store
        .list_water_sources(&page)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![made[1].id, made[2].id]);

    // An edit needs the version read; a generated source edited by hand is kept by a new run.
    let mut fixed = input("D 222 m", 21.032, WaterStatus::UnderRepair, true);
    fixed.source.notes = Some("Hỏng van".into());
    let d = &made[3];
    let edited = store
        .update_water_source(d.id, d.version, &fixed, &actor, now)
        .await
        .unwrap();
    assert_eq!(edited.version, d.version + 1);
    assert!(!edited.generated);
    let stale = store
        .update_water_source(d.id, d.version, &fixed, &actor, now)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let missing = store
        .update_water_source(999_999, 1, &fixed, &actor, now)
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );

    assert_eq!(store.delete_generated_water_sources().await.unwrap(), 2);
    let left: Vec<String> = store
        .list_water_sources(&all)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.source.name)
        .collect();
    assert_eq!(left, vec!["A 111 m", "B 11 m broken", "D 222 m"]);
    assert_eq!(store.delete_generated_water_sources().await.unwrap(), 0);
}

/// The widening search answers exactly what a scan of every source answers, in dense and
/// sparse places alike (a cluster of sources in a few hundred metres, others kilometres apart).
async fn the_widening_search_agrees_with_a_full_scan(store: Store) {
    // A small linear congruential generator: the test needs spread, not quality.
    let mut state: u64 = 42;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut inputs = Vec::new();
    for i in 0..600 {
        // Two thirds in a dense 600 m cluster, the rest over 20 km.
        let (span, base) = if i % 3 == 0 {
            (0.18, 20.95)
        } else {
            (0.006, 21.03)
        };
        let lat = base + next() * span;
        let lon = 105.8 + next() * span;
        let status = match i % 7 {
            0 => WaterStatus::UnderRepair,
            1 => WaterStatus::DrySeason,
            _ => WaterStatus::Usable,
        };
        inputs.push(input(&format!("s{i}"), lat, status, true));
        inputs.last_mut().unwrap().source.point = GeoPoint::new(lat, lon);
    }
    let stored = store
        .create_water_sources(&inputs, &Actor::system("test"), Utc::now())
        .await
        .unwrap();
    for q in 0..200 {
        let span = if q % 2 == 0 { 0.006 } else { 0.18 };
        let base = if q % 2 == 0 { 21.03 } else { 20.95 };
        let at = GeoPoint::new(base + next() * span, 105.8 + next() * span);
        for (radius, limit) in [(2_000.0, 5), (500.0, 3), (10_000.0, 20)] {
            let found: Vec<i64> = store
                .nearest_water_sources(at, radius, limit)
                .await
                .unwrap()
                .iter()
                .map(|n| n.item.id)
                .collect();
            let scanned: Vec<i64> = domain::water::nearest_usable(
                at,
                stored.iter().map(|s| (s.id, &s.source)),
                radius,
                limit,
            )
            .iter()
            .map(|n| n.item)
            .collect();
            assert_eq!(found, scanned, "at {at:?}, {radius} m, {limit}");
        }
    }
}

on_both_backends!(
    water_sources_are_found_by_distance_and_regenerated,
    the_widening_search_agrees_with_a_full_scan,
);
