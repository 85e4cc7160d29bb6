//! Versioned response plans in the store, on SQLite and (with `BINHYEN_TEST_PG`) PostgreSQL:
//! each save is a new version with its audit row, and a save based on an old version is refused.

mod common;

use chrono::{Duration, TimeZone, Utc};
use store::{Actor, AuditFilter, Store, StoreError};

async fn plans_are_versioned_and_stale_saves_refused(store: Store) {
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap();
    assert_eq!(store.current_response_plans().await.unwrap(), None);
    assert_eq!(store.current_response_plans_version().await.unwrap(), 0);
    let admin = Actor {
        user_id: None,
        name: "admin".into(),
        request_id: None,
    };
    let v1 = store
        .save_response_plans("# one", "default", None, None, &admin, t0)
        .await
        .unwrap();
    assert_eq!((v1.version, v1.source.as_str()), (1, "default"));
    let v2 = store
        .save_response_plans(
            "# two",
            "api",
            Some("thêm xe thang"),
            Some(1),
            &admin,
            t0 + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.reason.as_deref(), Some("thêm xe thang"));
    // Another admin still looking at version 1 cannot overwrite version 2.
    let stale = store
        .save_response_plans("# three", "api", None, Some(1), &admin, t0)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let current = store.current_response_plans().await.unwrap().unwrap();
    assert_eq!((current.version, current.body.as_str()), (2, "# two"));
    assert_eq!(
        store.response_plans_version(1).await.unwrap().unwrap().body,
        "# one"
    );
    let (list, total) = store.list_response_plan_versions(1, 0).await.unwrap();
    assert_eq!((list.len(), total), (1, 2));
    assert_eq!(list[0].version, 2);
    let audit = store
        .list_audit(&AuditFilter {
            object_type: Some("response_plans".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
}

on_both_backends!(plans_are_versioned_and_stale_saves_refused);
