//! Tests of the call log rules: outcome links, the nuisance flag and the daily report.

use super::*;
use chrono::TimeZone;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    // 2026-03-10 in Vietnam time (UTC+7).
    vn_offset()
        .with_ymd_and_hms(2026, 3, 10, h, m, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

fn closing(outcome: Outcome, incident: Option<i64>, to: Option<&str>) -> Closing {
    Closing {
        outcome,
        incident_id: incident,
        transferred_to: to.map(str::to_owned),
        note: None,
    }
}

#[test]
fn codes_round_trip() {
    for o in Outcome::ALL {
        assert_eq!(Outcome::parse(o.code()), Some(o));
    }
    assert_eq!(Outcome::parse("hung_up"), None);
    assert_eq!(Line::parse("113"), Some(Line::Police));
    assert_eq!(Line::parse("114").map(Line::channel), Some("hotline_114"));
    assert_eq!(Line::parse("115"), None);
}

#[test]
fn each_outcome_carries_exactly_its_link() {
    for o in Outcome::ALL {
        let incident = o.needs_incident().then_some(7);
        let to = (o == Outcome::Transferred).then_some("115");
        assert!(closing(o, incident, to).validate().is_ok(), "{o:?}");
    }
    assert_eq!(
        closing(Outcome::IncidentOpened, None, None).validate(),
        Err(CallError::MissingIncident {
            outcome: "incident_opened"
        })
    );
    assert_eq!(
        closing(Outcome::Duplicate, None, None).validate(),
        Err(CallError::MissingIncident {
            outcome: "duplicate"
        })
    );
    assert_eq!(
        closing(Outcome::Prank, Some(3), None).validate(),
        Err(CallError::UnexpectedIncident { outcome: "prank" })
    );
    assert_eq!(
        closing(Outcome::Transferred, None, Some("   ")).validate(),
        Err(CallError::MissingTransferTarget)
    );
    assert_eq!(
        closing(Outcome::Silent, None, Some("115")).validate(),
        Err(CallError::UnexpectedTransferTarget { outcome: "silent" })
    );
    let long = "x".repeat(MAX_NOTE + 1);
    let mut c = closing(Outcome::WrongNumber, None, None);
    c.note = Some(long);
    assert_eq!(
        c.validate(),
        Err(CallError::TooLong {
            field: "note",
            max: MAX_NOTE
        })
    );
    let ok = closing(Outcome::Transferred, None, Some(" 115 "))
        .validate()
        .expect("valid");
    assert_eq!(ok.transferred_to.as_deref(), Some("115"));
}

fn past(t: DateTime<Utc>, o: Outcome) -> PastCall {
    PastCall {
        answered_at: t,
        outcome: Some(o),
    }
}

#[test]
fn three_nuisance_calls_in_a_day_flag_the_number() {
    let now = at(12, 0);
    let two = [
        past(now - Duration::hours(1), Outcome::Prank),
        past(now - Duration::hours(5), Outcome::Silent),
        past(now - Duration::hours(2), Outcome::WrongNumber),
    ];
    let h = caller_history(now, &two);
    assert!(!h.nuisance);
    assert_eq!((h.calls_24h, h.nuisance_24h), (3, 2));

    let mut three = two.to_vec();
    three.push(past(now - Duration::hours(23), Outcome::Prank));
    let h = caller_history(now, &three);
    assert!(h.nuisance);
    assert_eq!(h.nuisance_24h, 3);

    // The third one just outside the day does not count for the day.
    three[3] = past(now - Duration::hours(24), Outcome::Prank);
    let h = caller_history(now, &three);
    assert!(!h.nuisance);
    assert_eq!((h.nuisance_24h, h.nuisance_7d), (2, 3));
}

#[test]
fn five_nuisance_calls_in_a_week_flag_the_number() {
    let now = at(12, 0);
    let mut calls: Vec<PastCall> = (1..=4)
        .map(|d| past(now - Duration::days(d), Outcome::Prank))
        .collect();
    calls.push(past(now - Duration::days(3), Outcome::IncidentOpened));
    let h = caller_history(now, &calls);
    assert!(!h.nuisance);
    assert_eq!((h.calls_7d, h.nuisance_7d, h.incidents_7d), (5, 4, 1));

    calls.push(past(now - Duration::days(6), Outcome::Silent));
    assert!(caller_history(now, &calls).nuisance);

    // Older than a week, in the future, or still open: not counted.
    let ignored = [
        past(now - Duration::days(8), Outcome::Prank),
        past(now + Duration::minutes(1), Outcome::Prank),
        PastCall {
            answered_at: now - Duration::minutes(1),
            outcome: None,
        },
    ];
    let h = caller_history(now, &ignored);
    assert_eq!((h.calls_7d, h.nuisance_7d, h.nuisance), (1, 0, false));
}

fn row(answered: DateTime<Utc>, secs: i64, outcome: Option<Outcome>, taker: &str) -> CallRow {
    CallRow {
        answered_at: answered,
        ended_at: outcome.map(|_| answered + Duration::seconds(secs)),
        outcome,
        call_taker_id: Some(i64::from(taker.as_bytes()[0])),
        call_taker_name: taker.to_owned(),
    }
}

#[test]
fn the_daily_report_counts_per_hour_and_per_call_taker() {
    let date = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
    let rows = vec![
        row(at(0, 5), 30, Some(Outcome::Prank), "an"),
        row(at(0, 50), 10, Some(Outcome::Silent), "an"),
        row(at(9, 0), 120, Some(Outcome::IncidentOpened), "binh"),
        row(at(9, 10), 60, Some(Outcome::InformationGiven), "an"),
        row(at(23, 59), 20, Some(Outcome::WrongNumber), "binh"),
        row(at(23, 59), 0, None, "binh"),
        // The day before and the day after (Vietnam time) are left out.
        row(
            at(0, 0) - Duration::seconds(1),
            5,
            Some(Outcome::Prank),
            "an",
        ),
        row(at(0, 0) + Duration::days(1), 5, Some(Outcome::Prank), "an"),
    ];
    let r = daily_report(date, &rows);
    assert_eq!(r.utc_start, at(0, 0));
    assert_eq!(r.by_hour.len(), 24);
    assert_eq!(r.totals.calls, 6);
    assert_eq!(r.totals.open, 1);
    assert_eq!(
        (
            r.totals.prank,
            r.totals.silent,
            r.totals.incidents_opened,
            r.totals.information_given,
            r.totals.wrong_number
        ),
        (1, 1, 1, 1, 1)
    );
    // Closed durations 10, 20, 30, 60, 120: mean 48, median 30.
    assert_eq!(r.totals.mean_duration_secs, Some(48.0));
    assert_eq!(r.totals.median_duration_secs, Some(30.0));
    assert_eq!(r.by_hour[0].figures.calls, 2);
    assert_eq!(r.by_hour[9].figures.calls, 2);
    assert_eq!(r.by_hour[23].figures.calls, 2);
    assert_eq!(r.by_hour[12].figures, CallFigures::default());
    let sum: u64 = r.by_hour.iter().map(|h| h.figures.calls).sum();
    assert_eq!(sum, r.totals.calls);

    assert_eq!(r.by_call_taker.len(), 2);
    let an = &r.by_call_taker[0];
    assert_eq!(an.call_taker_name, "an");
    assert_eq!(an.figures.calls, 3);
    // 10, 30, 60: median 30; an even count takes the mean of the middle two.
    assert_eq!(an.figures.median_duration_secs, Some(30.0));
    let binh = &r.by_call_taker[1];
    assert_eq!((binh.figures.calls, binh.figures.open), (3, 1));
    assert_eq!(binh.figures.median_duration_secs, Some(70.0));
}

#[test]
fn an_empty_day_has_24_empty_hours() {
    let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let r = daily_report(date, &[]);
    assert_eq!(r.by_hour.len(), 24);
    assert!(r.by_call_taker.is_empty());
    assert_eq!(r.totals.mean_duration_secs, None);
}
