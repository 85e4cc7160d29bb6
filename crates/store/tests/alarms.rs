//! The alarm receiver's store: facilities and devices with optimistic versions, group commit
//! of frames with deduplication, signals pending until processed, troubles opened once,
//! supervision transitions made once even when raced, large device imports undone whole. Every case runs on SQLite and, with
//! `BINHYEN_TEST_PG` set, on PostgreSQL.

mod common;

use chrono::{Duration, Utc};
use store::{
    Actor, Device, DeviceFilter, DeviceInput, Facility, FacilityContact, FacilityFilter,
    FacilityInput, FrameOutcome, FrameRecord, SealedKey, SignalInput, Store, StoreError,
    TroubleFilter, TroubleInput,
};

fn facility(name: &str, unit: &str) -> FacilityInput {
    FacilityInput {
        name: name.into(),
        address: "Số 1 phố Thử".into(),
        lat: Some(21.03),
        lon: Some(105.84),
        unit_code: unit.into(),
        unit_override_reason: None,
        kind: "market".into(),
        floors: Some(3),
        contacts: vec![FacilityContact {
            name: "Bảo vệ".into(),
            phone: "0912345678".into(),
            role: None,
            email: Some("baove@cho.vn".into()),
        }],
        hazards: Some("Kho ga tầng 1".into()),
        water_sources: None,
        access_notes: None,
    }
}

fn device(account: &str, facility_id: i64, supervision_secs: i64) -> DeviceInput {
    DeviceInput {
        account: account.into(),
        receiver: None,
        line: None,
        facility_id,
        key: Some(SealedKey {
            sealed: "v1:sealed-by-the-server".into(),
            format: "hex".into(),
            fingerprint: "aaaa:bbbb:cccc:dddd".into(),
        }),
        allow_plain: false,
        plain_sources: Vec::new(),
        supervision_secs,
        enabled: true,
    }
}

fn frame(key: Option<&str>, device_id: Option<i64>, signals: Vec<SignalInput>) -> FrameRecord {
    FrameRecord {
        received_at: Utc::now(),
        transport: "tcp",
        peer: "127.0.0.1:9".into(),
        account: Some("1234".into()),
        device_id,
        result: if key.is_some() { "ack" } else { "nak" },
        reason: if key.is_some() { "event" } else { "crc" },
        frame: "\"SIA-DCS\"0001L0#1234[#1234|Nri1/FA015]".into(),
        dedup_key: key.map(str::to_owned),
        dedup_probe: None,
        signals,
    }
}

fn fire(device_id: i64, facility_id: i64, zone: &str) -> SignalInput {
    SignalInput {
        device_id,
        facility_id,
        unit_code: "00004".into(),
        code: "FA".into(),
        category: "fire_alarm".into(),
        family: "fire_alarm".into(),
        restore: false,
        zone: Some(zone.into()),
        partition: None,
        text: None,
        meaning_vi: "Báo cháy".into(),
        raw_event: format!("FA{zone}"),
        actionable: true,
    }
}

/// A facility in unit 00004 with one device of the given account.
async fn facility_with_device(store: &Store, name: &str, account: &str) -> (Facility, Device) {
    let actor = Actor::system("test");
    let now = Utc::now();
    let f = store
        .create_facilities(&[facility(name, "00004")], &actor, now)
        .await
        .unwrap()
        .remove(0);
    let d = store
        .create_devices(&[device(account, f.id, 60)], &actor, now)
        .await
        .unwrap()
        .remove(0);
    (f, d)
}

async fn facilities_and_devices_have_versions(store: Store) {
    let actor = Actor::system("test");
    let now = Utc::now();
    let f = store
        .create_facilities(&[facility("Chợ Thử", "00004")], &actor, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(f.version, 1);
    assert_eq!(f.contacts.len(), 1);
    assert_eq!(f.contacts[0].email.as_deref(), Some("baove@cho.vn"));
    let mut edit = facility("Chợ Thử mới", "00004");
    edit.floors = Some(4);
    let g = store
        .update_facility(f.id, 1, &edit, &actor, now)
        .await
        .unwrap();
    assert_eq!((g.version, g.floors), (2, Some(4)));
    let stale = store.update_facility(f.id, 1, &edit, &actor, now).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let missing = store.update_facility(9999, 1, &edit, &actor, now).await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })));
    let listed = store
        .list_facilities(&FacilityFilter {
            unit_code: Some("00004".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    let d = store
        .create_devices(&[device("1234", f.id, 60)], &actor, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(d.status, "new");
    assert_eq!(d.unit_code, "00004");
    let taken = store
        .create_devices(&[device("1234", f.id, 60)], &actor, now)
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))));
    let orphan = store
        .create_devices(&[device("5678", 4242, 60)], &actor, now)
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound { .. })));
    // A bad row in a batch writes none of it.
    let batch = store
        .create_devices(
            &[device("AAAA", f.id, 60), device("BBBB", 4242, 60)],
            &actor,
            now,
        )
        .await;
    assert!(batch.is_err());
    assert_eq!(store.all_devices().await.unwrap().len(), 1);
    let mut changed = d.to_input();
    changed.supervision_secs = 120;
    let e = store
        .update_device(d.id, d.version, &changed, &actor, now)
        .await
        .unwrap();
    assert_eq!(e.supervision_secs, 120);
    assert!(store
        .update_device(d.id, d.version, &changed, &actor, now)
        .await
        .is_err());
}

async fn frames_are_deduplicated_within_and_across_batches(store: Store) {
    let now = Utc::now();
    let (f, d) = facility_with_device(&store, "Kho", "1234").await;
    let batch = vec![
        frame(Some("k1"), Some(d.id), vec![fire(d.id, f.id, "1")]),
        frame(Some("k1"), Some(d.id), vec![fire(d.id, f.id, "1")]),
        frame(None, None, vec![]),
        frame(Some("k2"), Some(d.id), vec![]),
    ];
    let out = store.commit_frames(&batch).await.unwrap();
    let FrameOutcome::Stored { signals, .. } = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].state, "pending");
    assert_eq!(out[1], FrameOutcome::Duplicate);
    assert_eq!(out[2], FrameOutcome::Logged);
    assert!(matches!(out[3], FrameOutcome::Stored { .. }));
    // The same key in a later batch (a retransmission after the ACK was lost).
    let again = store
        .commit_frames(&[frame(Some("k1"), Some(d.id), vec![fire(d.id, f.id, "1")])])
        .await
        .unwrap();
    assert_eq!(again[0], FrameOutcome::Duplicate);
    // A message without timestamp is also a duplicate of the previous time bucket's key.
    let mut probed = frame(Some("k3:b2"), Some(d.id), vec![]);
    probed.dedup_probe = Some("k2".into());
    assert_eq!(
        store.commit_frames(&[probed]).await.unwrap()[0],
        FrameOutcome::Duplicate
    );
    // The same within one batch: the bucket turned between a message and its retransmission.
    let mut late = frame(Some("k4:b3"), Some(d.id), vec![]);
    late.dedup_probe = Some("k4:b2".into());
    let out = store
        .commit_frames(&[frame(Some("k4:b2"), Some(d.id), vec![]), late])
        .await
        .unwrap();
    assert!(matches!(out[0], FrameOutcome::Stored { .. }), "{out:?}");
    assert_eq!(out[1], FrameOutcome::Duplicate);
    assert_eq!(store.count_raw_frames().await.unwrap(), (4, 3));
    assert_eq!(store.facility_signals(f.id, 10).await.unwrap().len(), 1);
    // Pending signals are handed over once.
    let pending = store.pending_signals(0, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert!(store
        .mark_signal_processed(pending[0].id, Some(77), now)
        .await
        .unwrap());
    assert!(!store
        .mark_signal_processed(pending[0].id, Some(78), now)
        .await
        .unwrap());
    assert!(store.pending_signals(0, 10).await.unwrap().is_empty());
    assert_eq!(
        store.facility_signals(f.id, 10).await.unwrap()[0].incident_id,
        Some(77)
    );
    // Retention removes old raw frames only.
    assert_eq!(
        store
            .sweep_raw_frames(now - Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .sweep_raw_frames(now + Duration::hours(1))
            .await
            .unwrap(),
        4
    );
}

async fn troubles_open_once_and_clear(store: Store) {
    let now = Utc::now();
    let (f, d) = facility_with_device(&store, "Xưởng", "1234").await;
    let t = TroubleInput {
        facility_id: f.id,
        device_id: d.id,
        unit_code: "00004".into(),
        kind: "ac_loss".into(),
        zone: "0".into(),
        code: Some("1301".into()),
        detail: "Mất điện lưới".into(),
        signal_id: None,
    };
    let mut feed = store.subscribe();
    assert!(store.open_trouble(&t, now).await.unwrap().is_some());
    assert!(store.open_trouble(&t, now).await.unwrap().is_none());
    // Earlier writes (the facility, the device) may still be arriving: on PostgreSQL the
    // feed is delivered through NOTIFY after this subscription began.
    let change = loop {
        let change = tokio::time::timeout(std::time::Duration::from_secs(10), feed.recv())
            .await
            .expect("trouble.opened delivered")
            .unwrap();
        if change.kind == "trouble.opened" {
            break change;
        }
    };
    assert_eq!(change.kind, "trouble.opened");
    assert_eq!(change.unit_code.as_deref(), Some("00004"));
    let open = store
        .list_troubles(&TroubleFilter {
            open_only: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert!(store
        .clear_trouble(d.id, "ac_loss", "0", now)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .clear_trouble(d.id, "ac_loss", "0", now)
        .await
        .unwrap()
        .is_none());
    // The trouble was queued for the operators with it.
    assert_eq!(feed.recv().await.unwrap().kind, "alarm.raised");
    assert_eq!(feed.recv().await.unwrap().kind, "trouble.cleared");
    // Once cleared, the same trouble can open again.
    assert!(store.open_trouble(&t, now).await.unwrap().is_some());
}

async fn supervision_transitions_happen_once(store: Store) {
    let actor = Actor::system("test");
    let created = Utc::now() - Duration::seconds(120);
    let f = store
        .create_facilities(&[facility("Trường", "00004")], &actor, created)
        .await
        .unwrap()
        .remove(0);
    let quiet = store
        .create_devices(&[device("1111", f.id, 60)], &actor, created)
        .await
        .unwrap()
        .remove(0);
    let chatty = store
        .create_devices(&[device("2222", f.id, 60)], &actor, created)
        .await
        .unwrap()
        .remove(0);
    let now = Utc::now();
    store
        .record_last_seen(&[(chatty.id, now)], now)
        .await
        .unwrap();
    let mut feed = store.subscribe();
    // Two supervisors race (two nodes): the conditional update lets one of them win.
    let (a, b) = tokio::join!(
        store.mark_silent_devices_offline(now, Duration::seconds(5)),
        store.mark_silent_devices_offline(now, Duration::seconds(5))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    let change = a.iter().chain(&b).next().unwrap();
    assert_eq!(change.device.id, quiet.id);
    assert_eq!(change.trouble.as_ref().unwrap().kind, "device_offline");
    // Earlier writes (the facility, the devices) may still arrive first on PostgreSQL, where
    // the feed comes through NOTIFY after this subscription began: skip them.
    let mut kinds = Vec::new();
    while kinds.last().map(String::as_str) != Some("trouble.opened") {
        let change = tokio::time::timeout(std::time::Duration::from_secs(10), feed.recv())
            .await
            .expect("supervision changes delivered")
            .unwrap();
        if change.kind.starts_with("device.offline") || change.kind.starts_with("trouble.") {
            kinds.push(change.kind);
        }
    }
    assert_eq!(kinds, ["device.offline", "trouble.opened"]);
    let offline = store
        .list_devices(&DeviceFilter {
            status: Some("offline".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(offline.len(), 1);
    assert_eq!(
        store.offline_counts_by_unit().await.unwrap(),
        vec![("00004".to_owned(), 1)]
    );
    // Later sweeps do not raise it again.
    assert!(store
        .mark_silent_devices_offline(now + Duration::seconds(30), Duration::seconds(5))
        .await
        .unwrap()
        .is_empty());
    // The device reports: back online, trouble cleared, once.
    let later = now + Duration::seconds(1);
    let back = store
        .record_last_seen(&[(quiet.id, later)], later)
        .await
        .unwrap();
    assert_eq!(back.len(), 1);
    assert!(back[0].trouble.as_ref().unwrap().cleared_at.is_some());
    // The offline device was queued for the operators with its trouble.
    assert_eq!(feed.recv().await.unwrap().kind, "alarm.raised");
    assert_eq!(feed.recv().await.unwrap().kind, "device.online");
    assert_eq!(feed.recv().await.unwrap().kind, "trouble.cleared");
    // Heard again: its queue entry is closed with it.
    assert_eq!(feed.recv().await.unwrap().kind, "alarm.handled");
    assert!(store
        .record_last_seen(&[(quiet.id, later)], later)
        .await
        .unwrap()
        .is_empty());
    let d = store.device(quiet.id).await.unwrap().unwrap();
    assert_eq!(d.status, "online");
    assert_eq!(
        d.last_seen_at.map(|t| t.timestamp_millis()),
        Some(later.timestamp_millis())
    );
    // Last-seen never moves backwards.
    store
        .record_last_seen(&[(quiet.id, now - Duration::seconds(100))], later)
        .await
        .unwrap();
    let d = store.device(quiet.id).await.unwrap().unwrap();
    assert_eq!(
        d.last_seen_at.map(|t| t.timestamp_millis()),
        Some(later.timestamp_millis())
    );
}

/// A batch larger than one statement's rows, with frames of one, two and three events:
/// every frame gets back its own signals, in the order it sent them.
async fn big_batches_keep_each_frames_signals(store: Store) {
    let (f, d) = facility_with_device(&store, "Chợ Lớn", "4321").await;
    let test_report = |zone: &str| SignalInput {
        code: "RP".into(),
        category: "test".into(),
        family: "test".into(),
        actionable: false,
        ..fire(d.id, f.id, zone)
    };
    let batch: Vec<FrameRecord> = (0..700)
        .map(|i| {
            let signals = (0..=i % 3)
                .map(|j| {
                    let zone = format!("{i}-{j}");
                    if i % 7 == 0 {
                        test_report(&zone)
                    } else {
                        fire(d.id, f.id, &zone)
                    }
                })
                .collect();
            frame(Some(&format!("big-{i}")), Some(d.id), signals)
        })
        .collect();
    let out = store.commit_frames(&batch).await.unwrap();
    let mut last_id = 0;
    let mut alarms = 0;
    for (i, (sent, got)) in batch.iter().zip(&out).enumerate() {
        let FrameOutcome::Stored {
            raw_frame_id,
            signals,
        } = got
        else {
            panic!("frame {i}: {got:?}");
        };
        let zones: Vec<_> = signals.iter().map(|s| s.zone.clone()).collect();
        let wanted: Vec<_> = sent.signals.iter().map(|s| s.zone.clone()).collect();
        assert_eq!(zones, wanted, "frame {i}");
        for s in signals {
            assert_eq!(s.raw_frame_id, *raw_frame_id);
            assert!(s.id > last_id, "frame {i}: ids ascend");
            last_id = s.id;
            let want = if i % 7 == 0 { "none" } else { "pending" };
            assert_eq!(s.state, want);
            alarms += usize::from(s.family != "test");
        }
    }
    // The facility's history shows its alarms, not the routine test reports.
    let history = store.facility_signals(f.id, 1_000).await.unwrap();
    assert_eq!(history.len(), alarms.min(1_000));
    assert!(history.iter().all(|s| s.family != "test"));
    assert_eq!(
        store.pending_signals(0, 10_000).await.unwrap().len(),
        alarms
    );
}

/// An import larger than one transaction that fails in its last chunk (a taken account)
/// leaves no device behind.
async fn a_failed_device_import_is_undone(store: Store) {
    let (f, _) = facility_with_device(&store, "Kho", "TAKEN").await;
    let actor = Actor::system("test");
    let mut inputs: Vec<DeviceInput> = (0..600)
        .map(|i| device(&format!("NEW{i:04}"), f.id, 60))
        .collect();
    inputs.push(device("TAKEN", f.id, 60));
    let err = store
        .create_devices(&inputs, &actor, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let left = store.all_devices().await.unwrap();
    assert_eq!(left.len(), 1, "only the device that was there before");
    // The same facilities in one import work, in several transactions.
    inputs.pop();
    let created = store
        .create_devices(&inputs, &actor, Utc::now())
        .await
        .unwrap();
    assert_eq!(created.len(), 600);
    assert_eq!(created[599].account, "NEW0599");
}

async fn an_import_fed_in_parts_is_undone_whole_when_a_later_part_fails(store: Store) {
    let (f, _) = facility_with_device(&store, "Kho", "TAKEN").await;
    let actor = Actor::system("test");
    let part = |from: usize| -> Vec<DeviceInput> {
        (from..from + 300)
            .map(|i| device(&format!("PART{i:04}"), f.id, 60))
            .collect()
    };
    let mut import = store.bulk_import::<DeviceInput>(601, &actor, Utc::now());
    import.push(&part(0)).await.unwrap();
    import.push(&part(300)).await.unwrap();
    assert_eq!(store.all_devices().await.unwrap().len(), 601);
    // The third part takes an account already used: the two parts before go too.
    let err = import.push(&[device("TAKEN", f.id, 60)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let left = store.all_devices().await.unwrap();
    assert_eq!(left.len(), 1, "only the device that was there before");
    // Fed whole, the ids come back in row order, and are found by id.
    let mut import = store.bulk_import::<DeviceInput>(600, &actor, Utc::now());
    import.push(&part(0)).await.unwrap();
    import.push(&part(300)).await.unwrap();
    let ids = import.finish();
    assert_eq!(ids.len(), 600);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let found = store.devices_with_ids(&ids[598..]).await.unwrap();
    let mut accounts: Vec<&str> = found.iter().map(|d| d.account.as_str()).collect();
    accounts.sort_unstable();
    assert_eq!(accounts, ["PART0598", "PART0599"]);
}

async fn a_silent_receiver_is_claimed_once_and_not_after_it_beats_again(store: Store) {
    let t0 = Utc::now() - Duration::hours(1);
    store.receiver_beat("a", t0).await.unwrap();
    store.receiver_beat("b", t0).await.unwrap();
    store
        .receiver_beat("a", t0 + Duration::seconds(4))
        .await
        .unwrap();
    let silent = store
        .silent_receivers(t0 + Duration::seconds(3))
        .await
        .unwrap();
    assert_eq!(silent.len(), 1);
    assert_eq!(silent[0].node_id, "b");
    assert!(store.claim_silent_receiver(&silent[0]).await.unwrap());
    assert!(
        !store.claim_silent_receiver(&silent[0]).await.unwrap(),
        "claimed twice"
    );
    // Seen silent, then beating again before the claim: the node is alive, not claimed.
    let late = store
        .silent_receivers(t0 + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(late.len(), 1);
    store
        .receiver_beat("a", t0 + Duration::seconds(11))
        .await
        .unwrap();
    assert!(!store.claim_silent_receiver(&late[0]).await.unwrap());
    let later = store
        .silent_receivers(t0 + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(
        later[0].beat_at.timestamp_millis(),
        (t0 + Duration::seconds(11)).timestamp_millis()
    );
}

on_both_backends!(
    a_silent_receiver_is_claimed_once_and_not_after_it_beats_again,
    a_failed_device_import_is_undone,
    an_import_fed_in_parts_is_undone_whole_when_a_later_part_fails,
    big_batches_keep_each_frames_signals,
    facilities_and_devices_have_versions,
    frames_are_deduplicated_within_and_across_batches,
    troubles_open_once_and_clear,
    supervision_transitions_happen_once,
);

/// The writer never checkpoints on its commit path; the background checkpointer copies the
/// WAL into the database file soon after the commits, well before SQLite's own threshold.
#[tokio::test]
async fn sqlite_wal_is_checkpointed_in_the_background() {
    let (store, dir) = common::sqlite().await;
    let db = dir.path.join("test.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let batch: Vec<FrameRecord> = (0..2_000)
        .map(|i| {
            let mut f = frame(Some(&format!("ckpt-{i}")), None, vec![]);
            f.frame = format!("{i:0>1000}");
            f
        })
        .collect();
    store.commit_frames(&batch).await.unwrap();
    let mut grown = 0;
    for _ in 0..100 {
        grown = std::fs::metadata(&db).unwrap().len().saturating_sub(before);
        if grown > 2_000_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        grown > 2_000_000,
        "database file grew by {grown} bytes only"
    );
    store.close().await;
}
