//! The store suite: every case runs on SQLite and, with `BINHYEN_TEST_PG` set, on PostgreSQL.

mod common;

use chrono::{Duration, Utc};
use domain::access::Role;
use store::{Actor, AuditEntry, AuditFilter, NewUser, SessionKind, Store, StoreError};

fn new_user(name: &str, role: Role, unit: Option<&str>) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: format!("Cán bộ {name}"),
        role,
        unit_code: unit.map(str::to_owned),
        password_hash: "$argon2id$fake-for-store-tests".into(),
    }
}

async fn users_are_created_found_and_unique(store: Store) {
    let now = Utc::now();
    let actor = Actor::system("test");
    assert_eq!(store.count_users().await.unwrap(), 0);
    let user = store
        .create_user(
            &new_user("lan", Role::UnitOfficer, Some("00004")),
            &actor,
            now,
        )
        .await
        .unwrap();
    assert_eq!(user.role, Role::UnitOfficer);
    assert_eq!(user.unit_code.as_deref(), Some("00004"));
    let found = store.user_by_username("lan").await.unwrap().unwrap();
    assert_eq!(found, user);
    assert!(store.user_by_username("nobody").await.unwrap().is_none());

    let again = store
        .create_user(&new_user("lan", Role::Admin, None), &actor, now)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn writes_are_audited_in_the_same_transaction(store: Store) {
    let now = Utc::now();
    let actor = Actor {
        user_id: None,
        name: "tester".into(),
        request_id: Some("req-1".into()),
    };
    let user = store
        .create_user(&new_user("minh", Role::Operator, None), &actor, now)
        .await
        .unwrap();
    // A refused write leaves no audit row behind.
    let _ = store
        .create_user(&new_user("minh", Role::Operator, None), &actor, now)
        .await;
    let rows = store
        .list_audit(&AuditFilter {
            object_type: Some("user".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "user.create");
    assert_eq!(rows[0].object_id, user.id.to_string());
    assert_eq!(rows[0].actor_name, "tester");
    assert_eq!(rows[0].request_id.as_deref(), Some("req-1"));
    assert_eq!(rows[0].summary["after"]["username"], "minh");
}

async fn sessions_expire_and_revoke(store: Store) {
    let now = Utc::now();
    let user = store
        .create_user(
            &new_user("an", Role::Leader, None),
            &Actor::system("test"),
            now,
        )
        .await
        .unwrap();
    store
        .create_session(
            &user,
            SessionKind::Cookie,
            "h1",
            now,
            now + Duration::hours(8),
        )
        .await
        .unwrap();
    store
        .create_session(
            &user,
            SessionKind::Bearer,
            "h2",
            now,
            now + Duration::seconds(1),
        )
        .await
        .unwrap();
    let (session, found) = store.session_user("h1", now).await.unwrap().unwrap();
    assert_eq!(session.kind, SessionKind::Cookie);
    assert_eq!(found.id, user.id);
    assert!(store.session_user("h2", now).await.unwrap().is_some());
    assert!(store
        .session_user("h2", now + Duration::seconds(2))
        .await
        .unwrap()
        .is_none());
    store.revoke_session("h1", now).await.unwrap();
    assert!(store.session_user("h1", now).await.unwrap().is_none());
    assert!(store.session_user("unknown", now).await.unwrap().is_none());
}

async fn text_with_sql_metacharacters_is_stored_verbatim(store: Store) {
    let name = "o'brien\"; DROP TABLE users; --";
    store
        .create_user(
            &new_user(name, Role::Inspector, None),
            &Actor::system("t"),
            Utc::now(),
        )
        .await
        .unwrap();
    let found = store.user_by_username(name).await.unwrap().unwrap();
    assert_eq!(found.username, name);
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn committed_writes_reach_the_change_feed(store: Store) {
    let mut feed = store.subscribe();
    let user = store
        .create_user(
            &new_user("feed.user", Role::UnitOfficer, Some("00070")),
            &Actor::system("t"),
            Utc::now(),
        )
        .await
        .unwrap();
    // SQLite publishes in-process; PostgreSQL delivers through LISTEN/NOTIFY.
    let change = tokio::time::timeout(std::time::Duration::from_secs(10), feed.recv())
        .await
        .expect("change delivered")
        .unwrap();
    assert_eq!(change.kind, "user.created");
    assert_eq!(change.unit_code.as_deref(), Some("00070"));
    assert_eq!(change.payload["id"], user.id);
    // A refused write publishes nothing.
    let _ = store
        .create_user(
            &new_user("feed.user", Role::Admin, None),
            &Actor::system("t"),
            Utc::now(),
        )
        .await;
    let none = tokio::time::timeout(std::time::Duration::from_millis(500), feed.recv()).await;
    assert!(none.is_err(), "nothing published for a rolled-back write");
}

on_both_backends!(
    committed_writes_reach_the_change_feed,
    users_are_created_found_and_unique,
    writes_are_audited_in_the_same_transaction,
    sessions_expire_and_revoke,
    text_with_sql_metacharacters_is_stored_verbatim,
);

fn audit_entry() -> AuditEntry {
    AuditEntry {
        action: "person.view".into(),
        object_type: "person".into(),
        object_id: "7".into(),
        unit_code: Some("00004".into()),
        summary: serde_json::json!({}),
    }
}

async fn assert_append_only<C>(conn: &mut C)
where
    for<'c> &'c mut C: sqlx::Executor<'c>,
{
    for sql in ["UPDATE audit SET actor_name = 'x'", "DELETE FROM audit"] {
        let result = sqlx::Executor::execute(&mut *conn, sql).await;
        assert!(result.is_err(), "{sql} must be refused");
    }
}

#[tokio::test]
async fn sqlite_audit_rows_cannot_be_changed() {
    use sqlx::Connection;
    let (store, dir) = common::sqlite().await;
    store
        .append_audit(&Actor::system("t"), &audit_entry(), Utc::now())
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.path.join("test.db").display()
    ))
    .await
    .unwrap();
    assert_append_only(&mut conn).await;
    let rows = store
        .list_audit(&AuditFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
#[ignore = "PostgreSQL: set BINHYEN_TEST_PG and run with --ignored"]
async fn postgres_audit_rows_cannot_be_changed() {
    use sqlx::Connection;
    let url = common::fresh_pg_schema(&common::pg_base()).await;
    let store = Store::open(&store::DbTarget::Postgres(url.clone()))
        .await
        .unwrap();
    store
        .append_audit(&Actor::system("t"), &audit_entry(), Utc::now())
        .await
        .unwrap();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    assert_append_only(&mut conn).await;
    let rows = store
        .list_audit(&AuditFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}
