//! Incidents and resources in the store, on SQLite and (with `BINHYEN_TEST_PG`) PostgreSQL:
//! numbering, the alarm path under concurrency, transitions through the domain model, scope,
//! dispatch races, merge, duplicates, overdue flags and the demo fleet.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::access::Scope;
use domain::incident::{
    AlarmCategory, AlarmSignal, Caller, Channel, FacilitySnapshot, GeoPoint, IncidentError,
    IncidentId, IncidentKind, IncidentLocation, IncidentStatus, NewIncident, ResourceKind,
    ResourceStatus, ResponseTargets, TransitionDetails, ValidNewIncident,
};
use store::{
    Actor, AlarmAction, AlarmIncidentInput, IncidentCommand, IncidentFilter, NewResource,
    ResourceFilter, ResourceUpdate, Store, StoreError, Timeline,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
}

fn operator() -> Actor {
    Actor {
        user_id: Some(7),
        name: "trucban".into(),
        request_id: None,
    }
}

fn new_incident(kind: IncidentKind, unit: &str, phone: Option<&str>, lat: f64) -> NewIncident {
    NewIncident {
        kind,
        crime_subtype: None,
        priority: None,
        channel: Channel::Hotline114,
        location: IncidentLocation {
            point: Some(GeoPoint::new(lat, 105.8522)),
            address: Some("12 Hàng Bạc".into()),
            unit_code: Some(unit.into()),
            ..Default::default()
        },
        caller: Caller {
            name: Some("Trần Thị Bình".into()),
            phone: phone.map(str::to_owned),
        },
        description: "Khói bốc ra từ tầng 2".into(),
        facility_id: None,
        device_id: None,
        signals: Vec::new(),
        reported_at: None,
    }
}

fn valid(n: NewIncident, now: DateTime<Utc>) -> ValidNewIncident {
    n.validate(now).unwrap()
}

fn facility(id: i64) -> FacilitySnapshot {
    FacilitySnapshot {
        id,
        name: "Chung cư HH2 Linh Đàm".into(),
        address: "Khu đô thị Linh Đàm".into(),
        point: Some(GeoPoint::new(20.9636, 105.8269)),
        unit_code: Some("00322".into()),
        kind: Some("Chung cư".into()),
        floors: Some(41),
        contacts: vec![],
        notes: None,
        device_id: Some(format!("GT-{id}")),
    }
}

fn signal(category: AlarmCategory, zone: &str, at: DateTime<Utc>) -> AlarmSignal {
    AlarmSignal {
        category,
        zone: Some(zone.into()),
        code: "E111".into(),
        text: None,
        received_at: at,
        restored: false,
        restored_at: None,
    }
}

async fn open_fire(store: &Store, unit: &str, lat: f64, now: DateTime<Utc>) -> IncidentId {
    store
        .create_incident(
            valid(new_incident(IncidentKind::Fire, unit, None, lat), now),
            &operator(),
            now,
        )
        .await
        .unwrap()
        .incident
        .id
}

async fn numbers_are_sequential_per_prefix_and_year(store: Store) {
    assert_eq!(store.incident_prefix().await.unwrap(), "HN");
    let mut numbers = Vec::new();
    for i in 0..3 {
        let c = store
            .create_incident(
                valid(
                    new_incident(IncidentKind::Fire, "00070", None, 21.0 + f64::from(i)),
                    t0(),
                ),
                &operator(),
                t0(),
            )
            .await
            .unwrap();
        numbers.push(c.incident.number.to_string());
    }
    assert_eq!(
        numbers,
        ["HN-2026-000001", "HN-2026-000002", "HN-2026-000003"]
    );
    // 00:30 on 1 January in Hà Nội is still 31 December in UTC: the new year's numbers.
    let new_year = Utc.with_ymd_and_hms(2026, 12, 31, 17, 30, 0).unwrap();
    let c = store
        .create_incident(
            valid(
                new_incident(IncidentKind::Fire, "00070", None, 20.0),
                new_year,
            ),
            &operator(),
            new_year,
        )
        .await
        .unwrap();
    assert_eq!(c.incident.number.to_string(), "HN-2027-000001");
    store.set_incident_prefix("hp").await.unwrap();
    let c = store
        .create_incident(
            valid(new_incident(IncidentKind::Fire, "00070", None, 19.0), t0()),
            &operator(),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(c.incident.number.to_string(), "HP-2026-000001");
    assert!(store.set_incident_prefix("H1").await.is_err());
    // Found again by number.
    let found = store
        .incident_by_number(&"hn-2026-2".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.incident.number.to_string(), "HN-2026-000002");
}

async fn concurrent_creation_never_repeats_a_number(store: Store) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_incident(
                    valid(
                        new_incident(IncidentKind::Crime, "00004", None, 10.0 + f64::from(i)),
                        t0(),
                    ),
                    &operator(),
                    t0(),
                )
                .await
                .unwrap()
                .incident
                .number
                .seq()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=16).collect::<Vec<u32>>());
}

async fn an_alarm_storm_makes_one_incident(store: Store) {
    let system = Actor::system("receiver");
    let mut tasks = Vec::new();
    for zone in 0..20 {
        let store = store.clone();
        let system = system.clone();
        tasks.push(tokio::spawn(async move {
            let at = t0() + Duration::seconds(zone);
            store
                .open_or_attach_alarm(
                    AlarmIncidentInput {
                        facility: facility(42),
                        signal: signal(AlarmCategory::Fire, &format!("Z{zone:03}"), at),
                    },
                    &system,
                    at,
                )
                .await
                .unwrap()
        }));
    }
    let mut opened = 0;
    let mut attached = 0;
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let out = t.await.unwrap();
        ids.insert(out.incident.id);
        match out.action {
            AlarmAction::Opened => opened += 1,
            AlarmAction::Attached => attached += 1,
            AlarmAction::Retransmission => panic!("distinct zones are not retransmissions"),
        }
    }
    assert_eq!((opened, attached, ids.len()), (1, 19, 1));
    let id = *ids.iter().next().unwrap();
    let stored = store.incident(id).await.unwrap().unwrap();
    assert_eq!(stored.incident.signals.len(), 20);
    assert_eq!(stored.incident.channel, Channel::AlarmDevice);
    assert_eq!(stored.incident.facility_id, Some(42));
    assert_eq!(
        store
            .incident_timeline(&stored.incident)
            .await
            .unwrap()
            .len(),
        20,
        "opened + 19 signals attached"
    );

    // A retransmission changes nothing; another facility opens its own incident.
    let again = store
        .open_or_attach_alarm(
            AlarmIncidentInput {
                facility: facility(42),
                signal: signal(AlarmCategory::Fire, "Z000", t0()),
            },
            &system,
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(again.action, AlarmAction::Retransmission);
    assert_eq!(again.version, stored.version);
    let other = store
        .open_or_attach_alarm(
            AlarmIncidentInput {
                facility: facility(43),
                signal: signal(AlarmCategory::Fire, "Z001", t0()),
            },
            &system,
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(other.action, AlarmAction::Opened);
    assert_ne!(other.incident.id, id);

    // Trouble signals concern the device, not an emergency.
    let trouble = store
        .open_or_attach_alarm(
            AlarmIncidentInput {
                facility: facility(42),
                signal: signal(AlarmCategory::Trouble, "Z001", t0()),
            },
            &system,
            t0(),
        )
        .await;
    assert!(
        matches!(
            trouble,
            Err(StoreError::Incident(
                IncidentError::NotAnIncidentSignal { .. }
            ))
        ),
        "{trouble:?}"
    );

    // Restore marks signals, never closes; once closed, the next alarm opens a new incident.
    let restored = store
        .mark_alarm_restored(42, Some("Z003"), &system, t0() + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].signals.iter().filter(|s| s.restored).count(), 1);
    assert_eq!(restored[0].status, IncidentStatus::Received);
    store
        .apply_incident(
            id,
            IncidentCommand::Transition {
                to: IncidentStatus::Cancelled,
                details: TransitionDetails::reason("Báo cháy giả do bụi"),
            },
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::minutes(3),
        )
        .await
        .unwrap();
    let next = store
        .open_or_attach_alarm(
            AlarmIncidentInput {
                facility: facility(42),
                signal: signal(AlarmCategory::Fire, "Z009", t0() + Duration::minutes(4)),
            },
            &system,
            t0() + Duration::minutes(4),
        )
        .await
        .unwrap();
    assert_eq!(next.action, AlarmAction::Opened);
    assert_ne!(next.incident.id, id);
}

async fn transitions_go_through_the_domain_and_refusals_write_nothing(store: Store) {
    let id = open_fire(&store, "00070", 21.03, t0()).await;
    let before = store.incident(id).await.unwrap().unwrap();
    let err = store
        .apply_incident(
            id,
            IncidentCommand::Transition {
                to: IncidentStatus::OnScene,
                details: TransitionDetails::default(),
            },
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Incident(IncidentError::IllegalTransition { .. })
        ),
        "{err:?}"
    );
    let after = store.incident(id).await.unwrap().unwrap();
    assert_eq!(after, before, "a refused transition changes nothing");
    assert_eq!(
        store
            .incident_timeline(&after.incident)
            .await
            .unwrap()
            .len(),
        1
    );

    let verified = store
        .apply_incident(
            id,
            IncidentCommand::Transition {
                to: IncidentStatus::Verified,
                details: TransitionDetails::default(),
            },
            Some(before.version),
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(10),
        )
        .await
        .unwrap();
    assert_eq!(verified.incident.status, IncidentStatus::Verified);
    assert_eq!(verified.version, before.version + 1);
    // Acting on the version seen before is a conflict.
    let stale = store
        .apply_incident(
            id,
            IncidentCommand::Note {
                text: "ghi chú".into(),
            },
            Some(before.version),
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(11),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    // An earlier clock is clamped: the timeline never goes backwards.
    let noted = store
        .apply_incident(
            id,
            IncidentCommand::Note {
                text: "Người báo gọi lại".into(),
            },
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(2),
        )
        .await
        .unwrap();
    let timeline = store.incident_timeline(&noted.incident).await.unwrap();
    assert_eq!(timeline.len(), 3);
    assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        timeline.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

async fn scope_is_checked_on_the_locked_row(store: Store) {
    let id = open_fire(&store, "00070", 21.03, t0()).await;
    let other_unit = Scope::Unit("00004".into());
    let err = store
        .apply_incident(
            id,
            IncidentCommand::Note { text: "x".into() },
            None,
            &other_unit,
            &operator(),
            t0(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    // Shared with 00004: now it may act, and the list shows it to that unit.
    store
        .apply_incident(
            id,
            IncidentCommand::Share {
                unit: "00004".into(),
                reason: Some("Sát ranh giới".into()),
            },
            None,
            &Scope::Unit("00070".into()),
            &operator(),
            t0(),
        )
        .await
        .unwrap();
    store
        .apply_incident(
            id,
            IncidentCommand::Note {
                text: "Hỗ trợ từ phường Ba Đình".into(),
            },
            None,
            &other_unit,
            &operator(),
            t0(),
        )
        .await
        .unwrap();
    let visible = store
        .list_incidents(&IncidentFilter {
            visible_to_unit: Some("00004".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(visible.len(), 1);
    // A transfer hands it over; the old unit no longer sees it.
    store
        .apply_incident(
            id,
            IncidentCommand::Transfer {
                unit: "00008".into(),
                reason: "Thuộc địa bàn phường Ngọc Hà".into(),
            },
            None,
            &Scope::City,
            &operator(),
            t0(),
        )
        .await
        .unwrap();
    let old = store
        .list_incidents(&IncidentFilter {
            visible_to_unit: Some("00070".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(old.is_empty());
    let changes = store.changes_after(0, 100).await.unwrap();
    let removed = changes
        .iter()
        .find(|c| c.kind == "incident.removed")
        .expect("the old unit is told");
    assert_eq!(removed.unit_code.as_deref(), Some("00070"));
}

fn engine(call_sign: &str) -> NewResource {
    NewResource {
        call_sign: call_sign.into(),
        kind: ResourceKind::FireEngine,
        name: format!("Xe chữa cháy {call_sign}"),
        unit_code: None,
        station: Some("Đội CC&CNCH khu vực Hoàn Kiếm".into()),
        home: Some(GeoPoint::new(21.0251, 105.8563)),
        off_duty: false,
    }
}

async fn one_resource_dispatched_twice_at_once_goes_to_one_incident(store: Store) {
    let a = open_fire(&store, "00070", 21.03, t0()).await;
    let b = open_fire(&store, "00004", 21.04, t0()).await;
    let r = store
        .create_resource(&engine("CC-02-1"), &operator(), t0())
        .await
        .unwrap();
    let rid = r.resource.id;
    let mut tasks = Vec::new();
    for id in [a, b] {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .dispatch_resources(
                    id,
                    &[rid],
                    None,
                    &Scope::City,
                    &operator(),
                    t0() + Duration::seconds(30),
                )
                .await
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok((stored, records)) => {
                ok += 1;
                assert_eq!(stored.incident.status, IncidentStatus::Dispatched);
                assert_eq!(records[0].resource.status, ResourceStatus::Dispatched);
            }
            Err(StoreError::Incident(IncidentError::ResourceUnavailable { .. })) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, refused), (1, 1));
    let r = store.resource(rid).await.unwrap().unwrap();
    let winner = r.resource.incident_id.unwrap();
    let loser = if winner == a { b } else { a };
    let loser = store.incident(loser).await.unwrap().unwrap();
    assert_eq!(loser.incident.status, IncidentStatus::Received);
    assert!(loser.incident.resources.is_empty());

    // The field reports: en route, on scene; the incident follows. Then released.
    let (_, inc) = store
        .update_resource(
            rid,
            ResourceUpdate {
                status: Some(ResourceStatus::OnScene),
                reason: None,
                position: Some(GeoPoint::new(21.03, 105.85)),
            },
            &Scope::City,
            &operator(),
            t0() + Duration::minutes(4),
        )
        .await
        .unwrap();
    assert_eq!(inc.unwrap().incident.status, IncidentStatus::OnScene);
    let (rec, inc) = store
        .update_resource(
            rid,
            ResourceUpdate {
                status: Some(ResourceStatus::Available),
                ..Default::default()
            },
            &Scope::City,
            &operator(),
            t0() + Duration::minutes(30),
        )
        .await
        .unwrap();
    assert_eq!(rec.resource.status, ResourceStatus::Available);
    assert_eq!(rec.resource.incident_id, None);
    assert!(inc.unwrap().incident.resources[0].released_at.is_some());
    // Free again: the other incident can have it now.
    store
        .dispatch_resources(
            loser.incident.id,
            &[rid],
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::minutes(31),
        )
        .await
        .unwrap();
    let history = store.resource_history(rid, 10).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| h.to_status.as_str())
            .collect::<Vec<_>>(),
        [
            "dispatched",
            "available",
            "on_scene",
            "dispatched",
            "available"
        ]
    );
    // A unit officer cannot send a city resource.
    let c = open_fire(&store, "00070", 21.05, t0()).await;
    let e2 = store
        .create_resource(&engine("CC-02-2"), &operator(), t0())
        .await
        .unwrap();
    let err = store
        .dispatch_resources(
            c,
            &[e2.resource.id],
            None,
            &Scope::Unit("00070".into()),
            &operator(),
            t0(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

async fn merge_keeps_both_histories_and_moves_resources(store: Store) {
    let a = open_fire(&store, "00070", 21.03, t0()).await;
    let b = store
        .create_incident(
            valid(
                new_incident(IncidentKind::Fire, "00070", Some("0912345678"), 21.0301),
                t0() + Duration::seconds(30),
            ),
            &operator(),
            t0() + Duration::seconds(30),
        )
        .await
        .unwrap();
    // Flagged as a probable duplicate of `a` at creation, and stored.
    assert_eq!(b.duplicates.len(), 1);
    assert_eq!(b.duplicates[0].incident_id, a);
    let stored = store.incident_duplicates(b.incident.id).await.unwrap();
    assert_eq!(stored[0].duplicate_of, a.0);
    let r = store
        .create_resource(&engine("CC-01-1"), &operator(), t0())
        .await
        .unwrap();
    store
        .dispatch_resources(
            b.incident.id,
            &[r.resource.id],
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(40),
        )
        .await
        .unwrap();
    store
        .apply_incident(
            b.incident.id,
            IncidentCommand::Note {
                text: "Người gọi thứ hai: khói đen".into(),
            },
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(45),
        )
        .await
        .unwrap();
    let (survivor, merged) = store
        .merge_incidents(
            a,
            b.incident.id,
            Some("Cùng một đám cháy".into()),
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(60),
        )
        .await
        .unwrap();
    assert_eq!(merged.incident.status, IncidentStatus::Merged);
    assert_eq!(merged.incident.merged_into, Some(a));
    assert_eq!(survivor.incident.merged_from, vec![b.incident.id]);
    assert_eq!(survivor.incident.notes.len(), 1);
    let timeline = store.incident_timeline(&survivor.incident).await.unwrap();
    let own = timeline.iter().filter(|e| e.incident_id == a).count();
    let theirs = timeline
        .iter()
        .filter(|e| e.incident_id == b.incident.id)
        .count();
    assert_eq!(
        (own, theirs),
        (2, 5),
        "opened+absorbed / opened, assigned, dispatched, note, merged_into"
    );
    // The resource now works on the survivor.
    let r = store.resource(r.resource.id).await.unwrap().unwrap();
    assert_eq!(r.resource.incident_id, Some(a));
    assert!(survivor
        .incident
        .active_resources()
        .any(|x| x.resource_id == r.resource.id));
    // Merging again is refused.
    let again = store
        .merge_incidents(
            a,
            b.incident.id,
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(70),
        )
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Incident(IncidentError::IncidentFinished { .. }))
        ),
        "{again:?}"
    );
}

async fn overdue_is_flagged_once_per_stage(store: Store) {
    let id = open_fire(&store, "00070", 21.03, t0()).await;
    let targets = ResponseTargets::default();
    assert!(store
        .flag_overdue(&targets, t0() + Duration::seconds(10))
        .await
        .unwrap()
        .is_empty());
    // Priority-1 fire: verify target 30 s, dispatch 60 s.
    let first = store
        .flag_overdue(&targets, t0() + Duration::seconds(45))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].kind, "incident.overdue");
    assert_eq!(first[0].payload["stage"], "verify");
    assert_eq!(first[0].payload["id"], id.0);
    let second = store
        .flag_overdue(&targets, t0() + Duration::seconds(90))
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].payload["stage"], "dispatch");
    assert!(store
        .flag_overdue(&targets, t0() + Duration::seconds(200))
        .await
        .unwrap()
        .is_empty());
}

async fn the_demo_fleet_is_seeded_once(store: Store) {
    let units = domain::units::UnitDirectory::load(&common_units()).unwrap();
    let n = store
        .seed_demo_resources(&units, &Actor::system("test"), t0())
        .await
        .unwrap();
    assert!(n >= 2 * units.len() + 10, "{n}");
    assert_eq!(
        store
            .seed_demo_resources(&units, &Actor::system("test"), t0())
            .await
            .unwrap(),
        0
    );
    let patrols = store
        .list_resources(&ResourceFilter {
            unit: Some("00004".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(patrols.len(), 2);
    assert!(patrols.iter().all(|p| p.demo && p.resource.home.is_some()));
    let engines = store
        .list_resources(&ResourceFilter {
            kind: Some(ResourceKind::FireEngine),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(engines.len() >= 10);
    // High-rise plans need ladders; the fleet has them, and tankers and hazmat teams.
    for (kind, at_least) in [
        (ResourceKind::AerialLadder, 5),
        (ResourceKind::WaterTanker, 5),
        (ResourceKind::Hazmat, 2),
    ] {
        let found = store
            .list_resources(&ResourceFilter {
                kind: Some(kind),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(found.len() >= at_least, "{kind:?}: {}", found.len());
    }
}

fn common_units() -> std::path::PathBuf {
    std::env::var_os("BINHYEN_UNITS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/hanoi"
            ))
        })
}

async fn a_units_pages_merge_its_own_and_shared_incidents(store: Store) {
    let mut own = Vec::new();
    let mut shared = Vec::new();
    for i in 0..8 {
        let at = t0() + Duration::minutes(i * 40);
        let unit = if i % 3 == 2 { "00004" } else { "00070" };
        let id = open_fire(&store, unit, 21.0 + i as f64 * 0.01, at).await;
        if unit == "00070" {
            own.push(id);
        } else {
            store
                .apply_incident(
                    id,
                    IncidentCommand::Share {
                        unit: "00070".into(),
                        reason: None,
                    },
                    None,
                    &Scope::City,
                    &operator(),
                    at,
                )
                .await
                .unwrap();
            shared.push(id);
        }
    }
    // Another unit's incident never shared: never listed.
    open_fire(&store, "00004", 20.9, t0()).await;
    let mut expected: Vec<IncidentId> = own.iter().chain(&shared).copied().collect();
    expected.sort_by(|a, b| b.cmp(a));
    // Pages of three, newest first, across both kinds.
    let mut seen = Vec::new();
    let mut before_id = None;
    loop {
        let page = store
            .list_incidents(&IncidentFilter {
                visible_to_unit: Some("00070".into()),
                before_id,
                limit: 3,
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before_id = page.last().map(|s| s.incident.id.0);
        seen.extend(page.iter().map(|s| s.incident.id));
    }
    assert_eq!(seen, expected);
    // Other filters apply to both kinds before the page is cut.
    store
        .apply_incident(
            shared[shared.len() - 1],
            IncidentCommand::Transition {
                to: IncidentStatus::Cancelled,
                details: TransitionDetails::reason("Báo nhầm"),
            },
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::hours(6),
        )
        .await
        .unwrap();
    let open = store
        .list_incidents(&IncidentFilter {
            visible_to_unit: Some("00070".into()),
            open_only: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), expected.len() - 1);
    assert!(open.iter().all(|s| s.incident.is_open()));
}

/// A past incident of unit 00070 built through the domain: received, verified, resolved,
/// closed.
fn past_incident(id: i64, year: i32, seq: u32, at: DateTime<Utc>) -> domain::incident::Incident {
    let actor = domain::incident::Actor::system("import");
    let (mut inc, _) = domain::incident::Incident::open(
        IncidentId(id),
        domain::incident::IncidentNumber::new("HN", year, seq).unwrap(),
        valid(
            new_incident(IncidentKind::Crime, "00070", Some("0912345678"), 21.0),
            at,
        ),
        actor.clone(),
        at,
    );
    inc.verify(None, actor.clone(), at + Duration::minutes(1))
        .unwrap();
    inc.transition(
        IncidentStatus::Resolved,
        TransitionDetails::default(),
        actor.clone(),
        at + Duration::minutes(30),
    )
    .unwrap();
    inc.close(
        Some(domain::incident::Disposition::ReportTaken),
        None,
        actor,
        at + Duration::minutes(40),
    )
    .unwrap();
    inc
}

async fn imported_history_keeps_numbering_and_timelines(store: Store) {
    let live = open_fire(&store, "00070", 21.03, t0()).await;
    let cursor = store.history_cursor().await.unwrap();
    assert_eq!(cursor.prefix, "HN");
    assert_eq!(cursor.next_id, live.0 + 1);
    assert_eq!(cursor.last_seq.get(&2026), Some(&1));
    let id = cursor.next_id;
    let batch = [
        past_incident(id, 2025, 1, t0() - Duration::days(365)),
        past_incident(id + 1, 2025, 2, t0() - Duration::days(300)),
        past_incident(id + 2, 2026, 2, t0() - Duration::days(1)),
    ];
    store
        .import_incidents(&batch, Timeline::Full, &operator(), t0())
        .await
        .unwrap();
    let stored = store.incident(IncidentId(id + 2)).await.unwrap().unwrap();
    assert_eq!(stored.incident.status, IncidentStatus::Closed);
    assert_eq!(stored.incident.number.to_string(), "HN-2026-000002");
    let timeline = store.incident_timeline(&stored.incident).await.unwrap();
    assert_eq!(timeline.len(), 4, "opened, verified, resolved, closed");
    let cursor = store.history_cursor().await.unwrap();
    assert_eq!(
        (
            cursor.next_id,
            cursor.last_seq[&2025],
            cursor.last_seq[&2026]
        ),
        (id + 3, 2, 2)
    );

    // A clash (a number already given) writes nothing of its batch.
    let clash = [
        past_incident(id + 3, 2024, 1, t0() - Duration::days(700)),
        past_incident(id + 4, 2026, 2, t0() - Duration::days(2)),
    ];
    assert!(store
        .import_incidents(&clash, Timeline::Full, &operator(), t0())
        .await
        .is_err());
    assert!(store.incident(IncidentId(id + 3)).await.unwrap().is_none());

    // Live incidents number on after the imported ones, with fresh ids (PostgreSQL's identity
    // sequence moved past the explicit ids).
    let next = store
        .create_incident(
            valid(
                new_incident(IncidentKind::Fire, "00070", None, 21.05),
                t0() + Duration::minutes(1),
            ),
            &operator(),
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(next.incident.number.to_string(), "HN-2026-000003");
    assert_eq!(next.incident.id.0, id + 3);
    // The imported past incident is neither open nor a duplicate candidate.
    assert!(next.duplicates.is_empty());
}

async fn a_storm_is_attached_in_batches(store: Store) {
    let system = Actor::system("receiver");
    let batch: Vec<AlarmSignal> = (0..10)
        .map(|z| {
            signal(
                AlarmCategory::Fire,
                &format!("B{z:03}"),
                t0() + Duration::seconds(z),
            )
        })
        .collect();
    // No open incident yet: nothing is written, the caller opens one first.
    assert!(store
        .attach_alarm_signals(43, &batch, &system, t0())
        .await
        .unwrap()
        .is_none());
    let opened = store
        .open_or_attach_alarm(
            AlarmIncidentInput {
                facility: facility(43),
                signal: batch[0].clone(),
            },
            &system,
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(opened.action, AlarmAction::Opened);
    let mut feed = store.subscribe();
    let out = store
        .attach_alarm_signals(43, &batch, &system, t0() + Duration::seconds(20))
        .await
        .unwrap()
        .expect("the open incident");
    assert_eq!(out.action, AlarmAction::Attached);
    assert_eq!(out.incident.id, opened.incident.id);
    assert_eq!(
        out.incident.signals.len(),
        10,
        "the first was already on it"
    );
    // One feed change for the batch, and one timeline event per new signal. On PostgreSQL the
    // opening's own change may reach this subscription late (notifications arrive
    // asynchronously): it is not the batch's.
    let change = loop {
        let c = feed.recv().await.unwrap();
        if c.kind != "incident.created" {
            break c;
        }
    };
    assert!(change.kind.starts_with("incident."), "{}", change.kind);
    while let Ok(c) = feed.try_recv() {
        assert_eq!(c.kind, "incident.created", "one change for the whole batch");
    }
    let stored = store.incident(out.incident.id).await.unwrap().unwrap();
    assert_eq!(
        store
            .incident_timeline(&stored.incident)
            .await
            .unwrap()
            .len(),
        10,
        "opened + 9 signals attached"
    );
    // Handed over again (after a restart): nothing changes.
    let again = store
        .attach_alarm_signals(43, &batch, &system, t0() + Duration::seconds(30))
        .await
        .unwrap()
        .expect("the open incident");
    assert_eq!(again.action, AlarmAction::Retransmission);
    assert_eq!(again.version, out.version);
    // Signals of another incident type are refused.
    let mixed = vec![
        batch[0].clone(),
        signal(AlarmCategory::Intrusion, "X1", t0()),
    ];
    assert!(store
        .attach_alarm_signals(43, &mixed, &system, t0())
        .await
        .is_err());
}

on_both_backends!(
    numbers_are_sequential_per_prefix_and_year,
    concurrent_creation_never_repeats_a_number,
    an_alarm_storm_makes_one_incident,
    transitions_go_through_the_domain_and_refusals_write_nothing,
    scope_is_checked_on_the_locked_row,
    one_resource_dispatched_twice_at_once_goes_to_one_incident,
    merge_keeps_both_histories_and_moves_resources,
    overdue_is_flagged_once_per_stage,
    the_demo_fleet_is_seeded_once,
    imported_history_keeps_numbering_and_timelines,
    a_units_pages_merge_its_own_and_shared_incidents,
    a_storm_is_attached_in_batches,
);

/// The timeline is append-only in the database itself, and the statistics view computes the
/// stage durations (SQLite file opened directly).
#[tokio::test]
async fn events_are_append_only_and_stats_view_has_durations() {
    let (store, dir) = common::sqlite().await;
    let id = open_fire(&store, "00070", 21.03, t0()).await;
    let r = store
        .create_resource(&engine("CC-09-1"), &operator(), t0())
        .await
        .unwrap();
    store
        .dispatch_resources(
            id,
            &[r.resource.id],
            None,
            &Scope::City,
            &operator(),
            t0() + Duration::seconds(50),
        )
        .await
        .unwrap();
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path.join("test.db").display()))
            .await
            .unwrap();
    let upd = sqlx::query("UPDATE incident_events SET kind = 'x'")
        .execute(&pool)
        .await;
    assert!(upd.is_err());
    let del = sqlx::query("DELETE FROM incident_events")
        .execute(&pool)
        .await;
    assert!(del.is_err());
    let row: (String, String, i64, Option<i64>) = sqlx::query_as(
        "SELECT unit, category, priority, dispatch_secs FROM incident_stats WHERE id = $1",
    )
    .bind(id.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row, ("00070".into(), "fire".into(), 1, Some(50)));
}
