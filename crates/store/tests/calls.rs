//! The switchboard's call log in the store, on SQLite and (with `BINHYEN_TEST_PG`)
//! PostgreSQL: opening and closing once, the filtered list and its total, a number's recent
//! calls, the daily rows, and an incident opened from a call in one transaction.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::access::Role;
use domain::calls::{Closing, Line, Outcome};
use domain::incident::{Caller, Channel, GeoPoint, IncidentKind, IncidentLocation, NewIncident};
use store::{Actor, AuditFilter, CallFilter, NewCall, NewUser, Store, StoreError};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
}

async fn call_taker(store: &Store, name: &str) -> Actor {
    let user = store
        .create_user(
            &NewUser {
                username: name.into(),
                display_name: format!("Trực ban {name}"),
                role: Role::Operator,
                unit_code: None,
                password_hash: "$argon2id$fake-for-store-tests".into(),
            },
            &Actor::system("test"),
            t0(),
        )
        .await
        .unwrap();
    Actor {
        user_id: Some(user.id),
        name: name.into(),
        request_id: None,
    }
}

fn new_call(line: Line, number: Option<&str>, at: DateTime<Utc>) -> NewCall {
    NewCall {
        line,
        answered_at: at,
        caller_number: number.map(str::to_owned),
        caller_id: None,
        recording_ref: None,
        external_call_id: None,
        note: None,
    }
}

fn closing(outcome: Outcome) -> Closing {
    Closing {
        outcome,
        incident_id: None,
        transferred_to: None,
        note: None,
    }
}

async fn calls_open_and_close_once(store: Store) {
    let an = call_taker(&store, "an").await;
    let c = store
        .open_call(&new_call(Line::Police, Some("0912345678"), t0()), &an, t0())
        .await
        .unwrap();
    assert!(c.open);
    assert_eq!(c.call_taker_id, an.user_id);
    assert_eq!(c.version, 1);
    let ended = t0() + Duration::seconds(42);
    let closed = store
        .close_call(c.id, &closing(Outcome::Prank), ended, &an, ended)
        .await
        .unwrap();
    assert!(!closed.open);
    assert_eq!(closed.outcome, Some(Outcome::Prank));
    assert_eq!(closed.ended_at, Some(ended));
    assert_eq!(closed.version, 2);

    let again = store
        .close_call(c.id, &closing(Outcome::Silent), ended, &an, ended)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let unknown = store
        .close_call(c.id + 100, &closing(Outcome::Silent), ended, &an, ended)
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );
    assert_eq!(
        store.call(c.id).await.unwrap().unwrap().outcome,
        Some(Outcome::Prank)
    );

    // An end before the answer is stored as the answer.
    let early = store
        .open_call(&new_call(Line::FireRescue, None, t0()), &an, t0())
        .await
        .unwrap();
    let closed = store
        .close_call(
            early.id,
            &closing(Outcome::Silent),
            t0() - Duration::seconds(5),
            &an,
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(closed.ended_at, Some(t0()));

    let audit = store
        .list_audit(&AuditFilter {
            object_type: Some("call".into()),
            object_id: Some(c.id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["call.close", "call.open"]);
}

async fn the_list_filters_and_counts_every_match(store: Store) {
    let an = call_taker(&store, "an").await;
    let binh = call_taker(&store, "binh").await;
    for i in 0..7 {
        let who = if i % 2 == 0 { &an } else { &binh };
        let line = if i < 5 {
            Line::Police
        } else {
            Line::FireRescue
        };
        let at = t0() + Duration::minutes(i);
        let c = store
            .open_call(&new_call(line, Some("0333444555"), at), who, at)
            .await
            .unwrap();
        if i < 6 {
            let outcome = if i < 3 {
                Outcome::Prank
            } else {
                Outcome::WrongNumber
            };
            store
                .close_call(c.id, &closing(outcome), at, who, at)
                .await
                .unwrap();
        }
    }
    let all = CallFilter {
        limit: 3,
        ..Default::default()
    };
    let (page, total) = store.list_calls(&all).await.unwrap();
    assert_eq!((page.len(), total), (3, 7));
    // Newest first.
    assert!(page[0].answered_at > page[1].answered_at);
    let (rest, _) = store
        .list_calls(&CallFilter {
            offset: 6,
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);

    let count = |f: CallFilter| {
        let store = store.clone();
        async move { store.list_calls(&f).await.unwrap().1 }
    };
    let base = CallFilter {
        limit: 100,
        ..Default::default()
    };
    assert_eq!(
        count(CallFilter {
            line: Some(Line::FireRescue),
            ..base.clone()
        })
        .await,
        2
    );
    assert_eq!(
        count(CallFilter {
            outcome: Some(Outcome::Prank),
            ..base.clone()
        })
        .await,
        3
    );
    assert_eq!(
        count(CallFilter {
            open: Some(true),
            ..base.clone()
        })
        .await,
        1
    );
    assert_eq!(
        count(CallFilter {
            call_taker_id: an.user_id,
            ..base.clone()
        })
        .await,
        4
    );
    assert_eq!(
        count(CallFilter {
            from: Some(t0() + Duration::minutes(2)),
            to: Some(t0() + Duration::minutes(4)),
            ..base.clone()
        })
        .await,
        2
    );
    assert_eq!(
        count(CallFilter {
            caller_number: Some("0900000000".into()),
            ..base.clone()
        })
        .await,
        0
    );

    // The number's recent calls, without the one on the line.
    let past = store
        .calls_from_number("0333444555", t0() - Duration::days(7), Some(page[0].id))
        .await
        .unwrap();
    assert_eq!(past.len(), 6);
    assert_eq!(
        past.iter()
            .filter(|p| p.outcome == Some(Outcome::Prank))
            .count(),
        3
    );

    // The rows of a window.
    let rows = store
        .call_rows(t0() + Duration::minutes(1), t0() + Duration::minutes(3))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
}

async fn an_incident_opened_from_a_call_links_it(store: Store) {
    let an = call_taker(&store, "an").await;
    let c = store
        .open_call(
            &new_call(Line::FireRescue, Some("0987654321"), t0()),
            &an,
            t0(),
        )
        .await
        .unwrap();
    let incident = NewIncident {
        kind: IncidentKind::Fire,
        crime_subtype: None,
        priority: None,
        channel: Channel::Hotline114,
        location: IncidentLocation {
            point: Some(GeoPoint::new(21.03, 105.85)),
            address: Some("12 Hàng Bạc".into()),
            unit_code: Some("00004".into()),
            ..Default::default()
        },
        caller: Caller {
            name: None,
            phone: Some("0987654321".into()),
        },
        description: "Cháy kho".into(),
        facility_id: None,
        device_id: None,
        signals: Vec::new(),
        reported_at: None,
    };
    let valid = incident.clone().validate(t0()).unwrap();
    let (created, call) = store
        .open_incident_from_call(c.id, valid, None, &an, t0())
        .await
        .unwrap();
    assert_eq!(call.outcome, Some(Outcome::IncidentOpened));
    assert_eq!(call.incident_id, Some(created.incident.id.0));
    assert_eq!(
        call.incident_number.as_deref(),
        Some(created.incident.number.to_string().as_str())
    );
    let (linked, total) = store
        .list_calls(&CallFilter {
            incident_id: Some(created.incident.id.0),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((linked.len(), total), (1, 1));

    // A closed call opens nothing: the incident is not written either.
    let valid = incident.validate(t0()).unwrap();
    let again = store
        .open_incident_from_call(c.id, valid, None, &an, t0())
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let incidents = store
        .list_incidents(&store::IncidentFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(incidents.len(), 1);
}

on_both_backends!(
    calls_open_and_close_once,
    the_list_filters_and_counts_every_match,
    an_incident_opened_from_a_call_links_it,
);
