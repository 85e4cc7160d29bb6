//! The crime-report register in the database, on SQLite and PostgreSQL: the seeded rule equals
//! the domain's, the chain incident → report → case is written in one transaction from either
//! end, a recorded day off moves a limit, due lists judge every report at `now`, and a stale
//! version or a taken case number writes nothing.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::access::Scope;
use domain::crime_report::{
    Decision, Due, Extension, ExtensionBy, LimitRule, NewCrimeReport, ReportKind, ReportOutcome,
    ReportSource, ReportStatus, Reporter,
};
use domain::incident::{
    Caller, Channel, Disposition, GeoPoint, IncidentKind, IncidentLocation, IncidentStatus,
    NewIncident, TransitionDetails,
};
use domain::stats::MaxPenalty;
use store::{
    AccountabilityError, Actor, CaseFromReport, CrimeReportFilter, DayOff, IncidentCommand, Store,
    StoreError,
};

fn actor() -> Actor {
    Actor {
        user_id: Some(3),
        name: "canbo".into(),
        request_id: None,
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 09:00 Vietnam time.
fn morning(y: i32, m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 2, 0, 0).unwrap()
}

fn new_report(unit: &str, received: DateTime<Utc>) -> NewCrimeReport {
    NewCrimeReport {
        kind: ReportKind::Denunciation,
        source: ReportSource::Citizen,
        unit: unit.into(),
        received_at: received,
        reporter: Reporter {
            name: Some("Lê Văn C".into()),
            ..Reporter::default()
        },
        summary: "Bị lừa đảo chuyển tiền qua mạng".into(),
        place: None,
        article: Some(174),
        incident_id: None,
        register_no: Some("15/TB".into()),
    }
}

fn decision(outcome: ReportOutcome, day: NaiveDate) -> Decision {
    Decision {
        outcome,
        decision_no: "21/QĐ-CSHS".into(),
        decided_on: day,
        reason: None,
        transferred_to: None,
    }
}

async fn the_seeded_rule_is_the_domain_default(store: Store) {
    let book = store.crime_report_rules().await.unwrap();
    assert_eq!(book.rules(), &[LimitRule::art147_2015()]);
    // An amended rule closes the open one the day before it starts.
    let amended = LimitRule {
        id: "amended-2027".into(),
        valid_from: d(2027, 1, 1),
        base_days: 30,
        ..LimitRule::art147_2015()
    };
    let book = store
        .add_crime_report_rule(&amended, &actor(), morning(2026, 12, 1))
        .await
        .unwrap();
    assert_eq!(book.rules()[0].valid_to, Some(d(2026, 12, 31)));
    assert_eq!(book.rule_for(d(2027, 1, 1)).unwrap().base_days, 30);
    // A report received under the new rule runs 30 days.
    let r = store
        .create_crime_report(
            new_report("00004", morning(2027, 1, 4)),
            &actor(),
            morning(2027, 1, 4),
        )
        .await
        .unwrap();
    assert_eq!(r.report.clock.rule_id, "amended-2027");
    // The same id again is a conflict.
    assert!(store
        .add_crime_report_rule(&amended, &actor(), morning(2026, 12, 1))
        .await
        .is_err());
}

async fn a_day_off_moves_the_limit_and_due_lists_follow_now(store: Store) {
    // Received Tuesday 3 March 2026: the limit ends Monday 23 March.
    let a = store
        .create_crime_report(
            new_report("00004", morning(2026, 3, 3)),
            &actor(),
            morning(2026, 3, 3),
        )
        .await
        .unwrap();
    // Another unit's report received later.
    let b = store
        .create_crime_report(
            new_report("00007", morning(2026, 3, 10)),
            &actor(),
            morning(2026, 3, 10),
        )
        .await
        .unwrap();
    let due = store
        .due_crime_reports(None, morning(2026, 3, 17))
        .await
        .unwrap();
    assert!(due.is_empty(), "6 days left is on time");
    let due = store
        .due_crime_reports(None, morning(2026, 3, 18))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].stored.id, due[0].standing.due),
        (a.id, Due::DueSoon)
    );
    // Monday 23 March becomes a day off: the limit runs to Tuesday 24 March.
    store
        .set_day_off(
            &DayOff {
                day: d(2026, 3, 23),
                name: "Nghỉ bù".into(),
            },
            &actor(),
            morning(2026, 3, 1),
        )
        .await
        .unwrap();
    let due = store
        .due_crime_reports(None, morning(2026, 3, 24))
        .await
        .unwrap();
    assert_eq!(due[0].standing.last_day, d(2026, 3, 24));
    assert_eq!(due[0].standing.due, Due::DueSoon);
    let due = store
        .due_crime_reports(None, morning(2026, 3, 25))
        .await
        .unwrap();
    let by_id = |id| {
        due.iter()
            .find(|x| x.stored.id == id)
            .map(|x| x.standing.due)
    };
    assert_eq!(by_id(a.id), Some(Due::Overdue));
    // b: received 10 March, limit 30 March; 5 days left on 25 March.
    assert_eq!(by_id(b.id), Some(Due::DueSoon));
    let mine = store
        .due_crime_reports(Some("00007"), morning(2026, 3, 25))
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert!(store
        .remove_day_off(d(2026, 3, 23), &actor(), morning(2026, 3, 1))
        .await
        .unwrap());
    assert!(!store
        .remove_day_off(d(2026, 3, 23), &actor(), morning(2026, 3, 1))
        .await
        .unwrap());
    // Extended: no longer due.
    store
        .extend_crime_report(
            a.id,
            Some(1),
            Extension {
                by: ExtensionBy::Agency,
                decision_no: "3/QĐ".into(),
                decided_on: d(2026, 3, 20),
                until: d(2026, 5, 3),
            },
            &actor(),
            morning(2026, 3, 20),
        )
        .await
        .unwrap();
    let due = store
        .due_crime_reports(Some("00004"), morning(2026, 3, 25))
        .await
        .unwrap();
    assert!(due.is_empty());
    // A stale version writes nothing.
    let err = store
        .extend_crime_report(
            a.id,
            Some(1),
            Extension {
                by: ExtensionBy::Procuracy,
                decision_no: "4/QĐ".into(),
                decided_on: d(2026, 3, 21),
                until: d(2026, 6, 1),
            },
            &actor(),
            morning(2026, 3, 21),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AccountabilityError::StaleVersion { .. }),
        "{err}"
    );
    let again = store.crime_report(a.id).await.unwrap();
    assert_eq!(again.version, 2);
    assert_eq!(again.report.clock.extensions.len(), 1);
}

async fn prosecution_opens_the_case_in_the_same_transaction(store: Store) {
    let r = store
        .create_crime_report(
            new_report("00004", morning(2026, 3, 3)),
            &actor(),
            morning(2026, 3, 3),
        )
        .await
        .unwrap();
    let case = CaseFromReport {
        case_ref: "VA-2026-0042".into(),
        article: 174,
        clause: Some(2),
        bracket_max: MaxPenalty::PrisonMonths(84),
    };
    let (after, case_id) = store
        .decide_crime_report(
            r.id,
            Some(r.version),
            decision(ReportOutcome::Prosecute, d(2026, 3, 12)),
            Some(case.clone()),
            &actor(),
            morning(2026, 3, 12),
        )
        .await
        .unwrap();
    let case_id = case_id.unwrap();
    assert_eq!(after.report.status, ReportStatus::Prosecuted);
    assert_eq!(after.report.case_id, Some(case_id));
    assert_eq!(after.report.settled_on_time(), Some(true));
    let stored_case = store.case(case_id).await.unwrap();
    assert_eq!(stored_case.record.unit, "00004");
    assert_eq!(stored_case.record.discovered_at, morning(2026, 3, 3));
    assert_eq!(stored_case.summary, "Bị lừa đảo chuyển tiền qua mạng");
    // Prosecuted from the decision's day (00:00 Vietnam time on 12 March).
    assert_eq!(stored_case.status.code(), "prosecuted");
    assert_eq!(
        stored_case.status_at,
        Utc.with_ymd_and_hms(2026, 3, 11, 17, 0, 0).unwrap()
    );
    assert_eq!(
        (stored_case.crime_report_id, stored_case.incident_id),
        (Some(r.id), None)
    );

    // A second report whose case number is taken: nothing is written.
    let r2 = store
        .create_crime_report(
            new_report("00004", morning(2026, 3, 4)),
            &actor(),
            morning(2026, 3, 4),
        )
        .await
        .unwrap();
    let err = store
        .decide_crime_report(
            r2.id,
            None,
            decision(ReportOutcome::Prosecute, d(2026, 3, 12)),
            Some(case),
            &actor(),
            morning(2026, 3, 12),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AccountabilityError::Store(StoreError::Conflict(_))),
        "{err}"
    );
    let r2 = store.crime_report(r2.id).await.unwrap();
    assert_eq!(r2.report.status, ReportStatus::Verifying);
    assert_eq!(r2.version, 1);
    // A case with another decision is refused before anything is read.
    let err = store
        .decide_crime_report(
            r2.id,
            None,
            decision(ReportOutcome::NotProsecute, d(2026, 3, 12)),
            Some(CaseFromReport {
                case_ref: "VA-X".into(),
                article: 174,
                clause: None,
                bracket_max: MaxPenalty::NonCustodial,
            }),
            &actor(),
            morning(2026, 3, 12),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AccountabilityError::CrimeReport(_)), "{err}");
    // Lists and counts by unit and status.
    let filter = CrimeReportFilter {
        unit: Some("00004".into()),
        status: Some(ReportStatus::Verifying),
        ..Default::default()
    };
    assert_eq!(store.list_crime_reports(&filter).await.unwrap().len(), 1);
    assert_eq!(store.count_crime_reports(&filter).await.unwrap(), 1);
}

async fn closing_an_incident_as_crime_report_taken_registers_it(store: Store) {
    let now = morning(2026, 3, 3);
    let new = NewIncident {
        kind: IncidentKind::Crime,
        crime_subtype: None,
        priority: None,
        channel: Channel::Hotline113,
        location: IncidentLocation {
            point: Some(GeoPoint::new(21.03, 105.85)),
            address: Some("5 Hàng Đào".into()),
            unit_code: Some("00004".into()),
            ..Default::default()
        },
        caller: Caller {
            name: Some("Phạm Thị D".into()),
            phone: Some("0912345678".into()),
        },
        description: "Bị giật túi xách".into(),
        facility_id: None,
        device_id: None,
        signals: Vec::new(),
        reported_at: None,
    };
    let inc = store
        .create_incident(new.validate(now).unwrap(), &actor(), now)
        .await
        .unwrap();
    let id = inc.incident.id;
    let step = |to: IncidentStatus, details: TransitionDetails, minutes: i64| {
        let store = store.clone();
        async move {
            store
                .apply_incident(
                    id,
                    IncidentCommand::Transition { to, details },
                    None,
                    &Scope::City,
                    &actor(),
                    now + Duration::minutes(minutes),
                )
                .await
                .unwrap()
        }
    };
    step(IncidentStatus::Verified, TransitionDetails::default(), 1).await;
    step(IncidentStatus::Resolved, TransitionDetails::default(), 30).await;
    step(
        IncidentStatus::Closed,
        TransitionDetails::disposition(Disposition::CrimeReportTaken),
        40,
    )
    .await;
    let of_incident = CrimeReportFilter {
        incident_id: Some(id.0),
        ..Default::default()
    };
    let reports = store.list_crime_reports(&of_incident).await.unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0].report;
    assert_eq!(r.unit, "00004");
    assert_eq!(r.kind, ReportKind::Denunciation);
    assert_eq!(r.source, ReportSource::Incident);
    assert_eq!(r.received_at, now);
    assert_eq!(r.reporter.phone.as_deref(), Some("0912345678"));
    assert_eq!(r.place.as_deref(), Some("5 Hàng Đào"));
    assert!(r.summary.contains("Bị giật túi xách"), "{}", r.summary);
    // A closed incident is final: closing it again is refused and registers nothing more.
    let again = store
        .apply_incident(
            id,
            IncidentCommand::Transition {
                to: IncidentStatus::Closed,
                details: TransitionDetails::disposition(Disposition::CrimeReportTaken),
            },
            None,
            &Scope::City,
            &actor(),
            now + Duration::minutes(60),
        )
        .await;
    assert!(again.is_err());
    assert_eq!(
        store.list_crime_reports(&of_incident).await.unwrap().len(),
        1
    );
}

on_both_backends!(
    the_seeded_rule_is_the_domain_default,
    a_day_off_moves_the_limit_and_due_lists_follow_now,
    prosecution_opens_the_case_in_the_same_transaction,
    closing_an_incident_as_crime_report_taken_registers_it,
);
