//! The alarm queue in the store: entries raised once per source (repeats counted, the same
//! signal never twice), troubles and offline devices queued with their trouble and closed when
//! the device reports them over, acknowledging and handling decided once when raced,
//! escalation written once per entry, listing with a real total. Every case runs on SQLite
//! and, with `BINHYEN_TEST_PG` set, on PostgreSQL.

mod common;

use chrono::{DateTime, Duration, Utc};
use domain::alarm_queue::{AlarmClass, AlarmError, AlarmState};
use store::{
    Actor, AlarmFilter, AlarmRecord, AlarmStep, AuditFilter, DeviceInput, FacilityInput, NewAlarm,
    Store, TroubleInput,
};

fn user(id: i64, name: &str) -> Actor {
    Actor {
        user_id: Some(id),
        name: name.into(),
        request_id: None,
    }
}

async fn facility_and_device(store: &Store, account: &str, unit: &str) -> (i64, i64) {
    let actor = Actor::system("test");
    let now = Utc::now() - Duration::seconds(600);
    let f = store
        .create_facilities(
            &[FacilityInput {
                name: format!("Tòa nhà {account}"),
                address: "Số 2 phố Thử".into(),
                lat: Some(21.04),
                lon: Some(105.84),
                unit_code: unit.into(),
                unit_override_reason: None,
                kind: "office".into(),
                floors: Some(9),
                contacts: vec![],
                hazards: None,
                water_sources: None,
                access_notes: None,
            }],
            &actor,
            now,
        )
        .await
        .unwrap()
        .remove(0);
    let d = store
        .create_devices(
            &[DeviceInput {
                account: account.into(),
                receiver: None,
                line: None,
                facility_id: f.id,
                key: None,
                allow_plain: true,
                plain_sources: Vec::new(),
                supervision_secs: 60,
                enabled: true,
            }],
            &actor,
            now,
        )
        .await
        .unwrap()
        .remove(0);
    (f.id, d.id)
}

fn fire(incident_id: i64, facility: i64, device: i64, signal: i64) -> NewAlarm {
    NewAlarm {
        source_key: NewAlarm::incident_key(incident_id),
        class: AlarmClass::Fire,
        unit_code: "00004".into(),
        facility_id: Some(facility),
        device_id: Some(device),
        incident_id: Some(incident_id),
        trouble_id: None,
        title: "Báo cháy tự động".into(),
        detail: "Vùng 001".into(),
        signal_id: Some(signal),
    }
}

async fn next_alarm_change(feed: &mut tokio::sync::broadcast::Receiver<store::Change>) -> String {
    loop {
        let change = tokio::time::timeout(std::time::Duration::from_secs(10), feed.recv())
            .await
            .expect("alarm change delivered")
            .unwrap();
        if change.kind.starts_with("alarm.") {
            return change.kind;
        }
    }
}

async fn raised_once_per_source_with_repeats_counted(store: Store) {
    let (f, d) = facility_and_device(&store, "A1", "00004").await;
    let now = Utc::now();
    let mut feed = store.subscribe();
    let a = store
        .raise_alarm(&fire(41, f, d, 1), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.class, a.state, a.signal_count),
        (AlarmClass::Fire, AlarmState::New, 1)
    );
    assert!(a.rings);
    assert_eq!(a.facility_name.as_deref(), Some("Tòa nhà A1"));
    assert_eq!(a.address.as_deref(), Some("Số 2 phố Thử"));
    assert_eq!(a.device_account.as_deref(), Some("A1"));
    assert_eq!(next_alarm_change(&mut feed).await, "alarm.raised");
    // The storm's next signal repeats on the entry; the same signal handed over again
    // (a restart's sweep) is not counted twice.
    let b = store
        .raise_alarm(&fire(41, f, d, 2), now + Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((b.id, b.signal_count), (a.id, 2));
    assert_eq!(next_alarm_change(&mut feed).await, "alarm.repeated");
    assert!(store
        .raise_alarm(&fire(41, f, d, 2), now)
        .await
        .unwrap()
        .is_none());
    // Once handled, the same source raises a new entry.
    let handled = store
        .handle_alarm(a.id, &user(1, "an"), Some("Đã xử lý"), now)
        .await
        .unwrap();
    assert!(matches!(handled, AlarmStep::Changed(_)));
    let c = store
        .raise_alarm(&fire(41, f, d, 3), now)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(c.id, a.id);
    let audit = store
        .list_audit(&AuditFilter {
            object_type: Some("alarm".into()),
            object_id: Some(a.id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["alarm.handled", "alarm.raised"]);
}

async fn troubles_and_offline_devices_are_queued_with_their_trouble(store: Store) {
    let (f, d) = facility_and_device(&store, "T1", "00004").await;
    let now = Utc::now();
    let trouble = store
        .open_trouble(
            &TroubleInput {
                facility_id: f,
                device_id: d,
                unit_code: "00004".into(),
                kind: "low_battery".into(),
                zone: String::new(),
                code: Some("1302".into()),
                detail: "Ắc quy yếu".into(),
                signal_id: None,
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
    // The device has been silent for ten minutes with a 60 s interval.
    let offline = store
        .mark_silent_devices_offline(now, Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(offline.len(), 1);
    let (items, total) = store
        .list_alarms(&AlarmFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 2);
    let classes: Vec<AlarmClass> = items.iter().map(|a| a.class).collect();
    assert_eq!(classes, [AlarmClass::Trouble, AlarmClass::Offline]);
    assert_eq!(items[0].trouble_id, Some(trouble.id));
    assert!(items.iter().all(|a| !a.rings && a.state == AlarmState::New));
    // Quiet classes never escalate.
    let later = now + Duration::seconds(3600);
    assert!(store
        .escalate_due_alarms(later, Duration::seconds(60))
        .await
        .unwrap()
        .is_empty());
    // Someone acknowledged the battery; the device then reports it over, and comes back
    // online: both entries are closed by the receiver, with the acknowledgement kept.
    let battery = items[0].id;
    store
        .acknowledge_alarm(battery, &user(1, "an"), now)
        .await
        .unwrap();
    store
        .clear_trouble(d, "low_battery", "", later)
        .await
        .unwrap()
        .unwrap();
    store.record_last_seen(&[(d, later)], later).await.unwrap();
    let (open, total) = store
        .list_alarms(&AlarmFilter {
            open_only: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((open.len(), total), (0, 0));
    let closed = store.alarm(battery).await.unwrap().unwrap();
    assert_eq!(closed.state, AlarmState::Handled);
    assert_eq!(closed.acknowledged_by.as_deref(), Some("an"));
    assert_eq!(closed.handled_by.as_deref(), Some("system:receiver"));
    assert!(closed.note.is_some());
    let offline = store.alarm(items[1].id).await.unwrap().unwrap();
    assert_eq!(offline.state, AlarmState::Handled);
    assert_eq!(offline.acknowledged_by.as_deref(), Some("system:receiver"));
}

async fn acknowledging_is_decided_once_when_raced(store: Store) {
    let (f, d) = facility_and_device(&store, "R1", "00004").await;
    let now = Utc::now();
    let a = store
        .raise_alarm(&fire(7, f, d, 1), now)
        .await
        .unwrap()
        .unwrap();
    let (an, binh) = (user(1, "an"), user(2, "binh"));
    let (x, y) = tokio::join!(
        store.acknowledge_alarm(a.id, &an, now),
        store.acknowledge_alarm(a.id, &binh, now)
    );
    let outcomes = [x.unwrap(), y.unwrap()];
    let won: Vec<&AlarmRecord> = outcomes
        .iter()
        .filter_map(|o| match o {
            AlarmStep::Changed(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    let winner = won[0].acknowledged_by.clone().unwrap();
    let refused = outcomes
        .iter()
        .find_map(|o| match o {
            AlarmStep::Refused(AlarmError::AlreadyAcknowledged { by, .. }, _) => Some(by),
            _ => None,
        })
        .expect("the other one is refused");
    assert_eq!(refused.name, winner);
    // The winner again: unchanged.
    let again = if winner == "an" { &an } else { &binh };
    assert!(matches!(
        store.acknowledge_alarm(a.id, again, now).await.unwrap(),
        AlarmStep::Unchanged(_)
    ));
    let stored = store.alarm(a.id).await.unwrap().unwrap();
    assert_eq!(stored.state, AlarmState::Acknowledged);
    assert!(!stored.rings);
    assert_eq!(stored.version, 2);
    assert!(matches!(
        store.acknowledge_alarm(999_999, &an, now).await,
        Err(store::StoreError::NotFound { .. })
    ));
}

async fn escalation_happens_once_per_entry(store: Store) {
    let (f, d) = facility_and_device(&store, "E1", "00004").await;
    let raised: DateTime<Utc> = Utc::now();
    let old = store
        .raise_alarm(&fire(1, f, d, 1), raised)
        .await
        .unwrap()
        .unwrap();
    let acked = store
        .raise_alarm(&fire(2, f, d, 2), raised)
        .await
        .unwrap()
        .unwrap();
    store
        .acknowledge_alarm(acked.id, &user(1, "an"), raised)
        .await
        .unwrap();
    let young = store
        .raise_alarm(&fire(3, f, d, 3), raised + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    let after = Duration::seconds(60);
    assert!(store
        .escalate_due_alarms(raised + Duration::seconds(59), after)
        .await
        .unwrap()
        .is_empty());
    let at = raised + Duration::seconds(61);
    // Two nodes run the check at once: each entry is escalated by one of them.
    let (x, y) = tokio::join!(
        store.escalate_due_alarms(at, after),
        store.escalate_due_alarms(at, after)
    );
    let escalated: Vec<i64> = x.unwrap().iter().chain(&y.unwrap()).map(|a| a.id).collect();
    assert_eq!(escalated, [old.id]);
    let stored = store.alarm(old.id).await.unwrap().unwrap();
    assert_eq!(
        stored.escalated_at.map(|t| t.timestamp_millis()),
        Some(at.timestamp_millis())
    );
    assert!(stored.rings, "an escalated alarm rings until acknowledged");
    let (list, total) = store
        .list_alarms(&AlarmFilter {
            escalated_only: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((list.len(), total), (1, 1));
    let later = raised + Duration::seconds(95);
    let next: Vec<i64> = store
        .escalate_due_alarms(later, after)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(next, [young.id]);
    let audit = store
        .list_audit(&AuditFilter {
            object_type: Some("alarm".into()),
            object_id: Some(old.id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit[0].action, "alarm.escalated");
    assert_eq!(audit[0].actor_name, "system:alarm-escalation");
}

async fn listing_filters_and_pages_with_a_real_total(store: Store) {
    let (f, d) = facility_and_device(&store, "L1", "00004").await;
    let (g, e) = facility_and_device(&store, "L2", "00008").await;
    let now = Utc::now();
    for i in 0..5 {
        store
            .raise_alarm(&fire(100 + i, f, d, i), now + Duration::seconds(i))
            .await
            .unwrap();
    }
    let mut other = fire(200, g, e, 1);
    other.unit_code = "00008".into();
    other.class = AlarmClass::LifeSafety;
    let other = store.raise_alarm(&other, now).await.unwrap().unwrap();
    store
        .handle_alarm(other.id, &user(1, "an"), None, now)
        .await
        .unwrap();
    let page = |filter: AlarmFilter| {
        let store = store.clone();
        async move { store.list_alarms(&filter).await.unwrap() }
    };
    let (items, total) = page(AlarmFilter {
        limit: 2,
        offset: 2,
        ..Default::default()
    })
    .await;
    assert_eq!((items.len(), total), (2, 6));
    let (all, _) = page(AlarmFilter {
        limit: 10,
        ..Default::default()
    })
    .await;
    // New before handled; newest first within a class.
    assert_eq!(all.last().map(|a| a.id), Some(other.id));
    assert!(all[0].raised_at >= all[1].raised_at);
    let (_, total) = page(AlarmFilter {
        unit_code: Some("00008".into()),
        limit: 10,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 1);
    let (_, total) = page(AlarmFilter {
        open_only: true,
        limit: 10,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 5);
    let (_, total) = page(AlarmFilter {
        state: Some(AlarmState::Handled),
        class: Some(AlarmClass::LifeSafety),
        limit: 10,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 1);
    let (items, total) = page(AlarmFilter {
        incident_id: Some(103),
        limit: 10,
        ..Default::default()
    })
    .await;
    assert_eq!((items.len(), total), (1, 1));
}

on_both_backends!(
    raised_once_per_source_with_repeats_counted,
    troubles_and_offline_devices_are_queued_with_their_trouble,
    acknowledging_is_decided_once_when_raced,
    escalation_happens_once_per_entry,
    listing_filters_and_pages_with_a_real_total,
);
