use super::*;
use chrono::TimeZone;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 09:00 Vietnam time on the given day.
fn morning(y: i32, m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 2, 0, 0).unwrap()
}

fn new_report() -> NewCrimeReport {
    NewCrimeReport {
        kind: ReportKind::Denunciation,
        source: ReportSource::Citizen,
        unit: "00004".into(),
        received_at: morning(2026, 3, 3),
        reporter: Reporter {
            name: Some(" Nguyễn Văn A ".into()),
            ..Reporter::default()
        },
        summary: "Mất trộm xe máy trước cửa nhà".into(),
        place: Some("12 Hàng Bạc".into()),
        article: Some(173),
        incident_id: None,
        register_no: None,
    }
}

fn received() -> CrimeReport {
    CrimeReport::receive(
        new_report(),
        &RuleBook::default(),
        &Calendar::new(),
        "u1",
        morning(2026, 3, 3),
    )
    .unwrap()
}

fn decision(outcome: ReportOutcome, decided_on: NaiveDate) -> Decision {
    Decision {
        outcome,
        decision_no: "05/QĐ-CSHS".into(),
        decided_on,
        reason: Some("Chờ kết luận định giá tài sản".into()),
        transferred_to: Some("Cơ quan CSĐT Công an TP".into()),
    }
}

#[test]
fn a_received_report_runs_twenty_days_under_the_rule_of_its_day() {
    let r = received();
    assert_eq!(r.status, ReportStatus::Verifying);
    assert_eq!(r.reporter.name.as_deref(), Some("Nguyễn Văn A"));
    assert_eq!(r.clock.rule_id, "blttths-2015-d147");
    let s = r
        .standing(&RuleBook::default(), &Calendar::new(), morning(2026, 3, 10))
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.last_day, s.days_left, s.due),
        (d(2026, 3, 23), 13, Due::OnTime)
    );
    assert!(matches!(r.history[0].event, Event::Received { .. }));
}

#[test]
fn receipt_is_checked() {
    let rules = RuleBook::default();
    let cal = Calendar::new();
    let now = morning(2026, 3, 3);
    let mut empty = new_report();
    empty.summary = "  ".into();
    assert!(matches!(
        CrimeReport::receive(empty, &rules, &cal, "u", now),
        Err(CrimeReportError::Invalid {
            field: "summary",
            ..
        })
    ));
    let mut future = new_report();
    future.received_at = now + Duration::hours(1);
    assert!(CrimeReport::receive(future, &rules, &cal, "u", now).is_err());
    let mut article = new_report();
    article.article = Some(427);
    assert!(CrimeReport::receive(article, &rules, &cal, "u", now).is_err());
    let mut ancient = new_report();
    ancient.received_at = Utc.with_ymd_and_hms(2017, 6, 1, 0, 0, 0).unwrap();
    assert!(matches!(
        CrimeReport::receive(ancient, &rules, &cal, "u", now),
        Err(CrimeReportError::NoRule { .. })
    ));
    // Dates at the edge of the calendar are refused before any day is counted from them.
    let mut edge = new_report();
    edge.received_at = DateTime::<Utc>::MIN_UTC;
    assert!(matches!(
        CrimeReport::receive(edge, &rules, &cal, "u", now),
        Err(CrimeReportError::Invalid {
            field: "received_at",
            ..
        })
    ));
    let far = LimitRule {
        valid_from: NaiveDate::MIN,
        ..LimitRule::art147_2015()
    };
    assert!(far.validate().is_err());
}

#[test]
fn an_anonymous_tip_is_accepted_and_known_as_such() {
    let mut tip = new_report();
    tip.reporter = Reporter {
        name: Some(" ".into()),
        ..Reporter::default()
    };
    let r = CrimeReport::receive(
        tip,
        &RuleBook::default(),
        &Calendar::new(),
        "u",
        morning(2026, 3, 3),
    )
    .unwrap();
    assert!(r.reporter.is_anonymous());
    assert_eq!(r.reporter.name, None);
    assert!(!received().reporter.is_anonymous());
}

#[test]
fn a_decision_within_the_limit_is_on_time_and_one_after_it_is_not() {
    let rules = RuleBook::default();
    let cal = Calendar::new();
    let mut on_time = received();
    on_time
        .decide(
            decision(ReportOutcome::NotProsecute, d(2026, 3, 23)),
            &rules,
            &cal,
            "u",
            morning(2026, 3, 24),
        )
        .unwrap();
    assert_eq!(on_time.status, ReportStatus::NotProsecuted);
    assert_eq!(on_time.settled_on_time(), Some(true));
    // Not a transfer: the body it would go to is not kept.
    assert_eq!(on_time.decision.as_ref().unwrap().transferred_to, None);
    assert_eq!(
        on_time.standing(&rules, &cal, morning(2026, 4, 1)).unwrap(),
        None
    );

    let mut late = received();
    late.decide(
        decision(ReportOutcome::Prosecute, d(2026, 3, 24)),
        &rules,
        &cal,
        "u",
        morning(2026, 3, 24),
    )
    .unwrap();
    assert_eq!(late.settled_on_time(), Some(false));
}

#[test]
fn decisions_are_checked() {
    let rules = RuleBook::default();
    let cal = Calendar::new();
    let now = morning(2026, 3, 20);
    let mut r = received();
    let mut unnumbered = decision(ReportOutcome::NotProsecute, d(2026, 3, 10));
    unnumbered.decision_no = " ".into();
    assert!(r.decide(unnumbered, &rules, &cal, "u", now).is_err());
    let before = decision(ReportOutcome::NotProsecute, d(2026, 3, 2));
    assert!(r.decide(before, &rules, &cal, "u", now).is_err());
    let future = decision(ReportOutcome::NotProsecute, d(2026, 3, 21));
    assert!(r.decide(future, &rules, &cal, "u", now).is_err());
    let mut suspend = decision(ReportOutcome::Suspend, d(2026, 3, 10));
    suspend.reason = None;
    assert!(matches!(
        r.decide(suspend, &rules, &cal, "u", now),
        Err(CrimeReportError::Invalid {
            field: "reason",
            ..
        })
    ));
    let mut transfer = decision(ReportOutcome::Transfer, d(2026, 3, 10));
    transfer.transferred_to = Some("".into());
    assert!(r.decide(transfer, &rules, &cal, "u", now).is_err());
    assert_eq!(r.status, ReportStatus::Verifying);
    assert_eq!(r.history.len(), 1);
    // Once settled, nothing more may be decided or extended.
    r.decide(
        decision(ReportOutcome::Transfer, d(2026, 3, 10)),
        &rules,
        &cal,
        "u",
        now,
    )
    .unwrap();
    assert!(matches!(
        r.decide(
            decision(ReportOutcome::Prosecute, d(2026, 3, 11)),
            &rules,
            &cal,
            "u",
            now
        ),
        Err(CrimeReportError::InvalidTransition { .. })
    ));
    let ext = Extension {
        by: ExtensionBy::Agency,
        decision_no: "1".into(),
        decided_on: d(2026, 3, 12),
        until: d(2026, 4, 30),
    };
    assert!(r.extend(ext, &rules, &cal, "u", now).is_err());
}

#[test]
fn a_suspension_stops_the_clock_and_resuming_starts_it_again() {
    let rules = RuleBook::default();
    let cal = Calendar::new();
    let mut r = received();
    r.decide(
        decision(ReportOutcome::Suspend, d(2026, 3, 20)),
        &rules,
        &cal,
        "u",
        morning(2026, 3, 20),
    )
    .unwrap();
    assert_eq!(r.status, ReportStatus::Suspended);
    // Months later it is not overdue: nothing runs.
    assert_eq!(r.standing(&rules, &cal, morning(2026, 9, 1)).unwrap(), None);
    assert!(r
        .resume(
            "07/QĐ",
            d(2026, 3, 19),
            &rules,
            &cal,
            "u",
            morning(2026, 9, 1)
        )
        .is_err());
    r.resume(
        "07/QĐ",
        d(2026, 9, 1),
        &rules,
        &cal,
        "u",
        morning(2026, 9, 1),
    )
    .unwrap();
    // 1 September + 20 = 21 September 2026 (a Monday).
    let s = r
        .standing(&rules, &cal, morning(2026, 9, 1))
        .unwrap()
        .unwrap();
    assert_eq!(s.last_day, d(2026, 9, 21));
    assert_eq!(r.decision, None);
    assert!(r.clock.extensions.is_empty());
    // Resuming twice is a transition error.
    assert!(matches!(
        r.resume(
            "08/QĐ",
            d(2026, 9, 1),
            &rules,
            &cal,
            "u",
            morning(2026, 9, 1)
        ),
        Err(CrimeReportError::InvalidTransition { .. })
    ));
}

#[test]
fn a_case_links_once_and_only_after_prosecution() {
    let rules = RuleBook::default();
    let cal = Calendar::new();
    let mut r = received();
    assert!(r.link_case(5, "u", morning(2026, 3, 10)).is_err());
    r.decide(
        decision(ReportOutcome::Prosecute, d(2026, 3, 10)),
        &rules,
        &cal,
        "u",
        morning(2026, 3, 10),
    )
    .unwrap();
    r.link_case(5, "u", morning(2026, 3, 10)).unwrap();
    assert_eq!(r.case_id, Some(5));
    assert!(r.link_case(6, "u", morning(2026, 3, 10)).is_err());
}

#[test]
fn the_stored_document_reads_back_the_same() {
    let mut r = received();
    r.extend(
        Extension {
            by: ExtensionBy::Agency,
            decision_no: " 3/QĐ ".into(),
            decided_on: d(2026, 3, 20),
            until: d(2026, 4, 30),
        },
        &RuleBook::default(),
        &Calendar::new(),
        "u",
        morning(2026, 3, 20),
    )
    .unwrap();
    assert_eq!(r.clock.extensions[0].decision_no, "3/QĐ");
    let json = serde_json::to_string(&r).unwrap();
    let back: CrimeReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert!(json.contains("\"event\":\"extended\""), "{json}");
}

proptest::proptest! {
    /// Whatever the day of receipt and the days off, the limit ends on a working day, never
    /// earlier than 20 days later and no later than the next working day after that; a
    /// procuracy extension never reaches further than two months beyond it.
    #[test]
    fn the_limit_always_ends_on_a_working_day(
        offset in 0u32..4400,
        days_off in proptest::collection::vec(0u32..4500, 0..40),
    ) {
        let start = d(2018, 1, 1) + Duration::days(i64::from(offset));
        let cal = Calendar::with_days_off(
            days_off.iter().map(|o| d(2018, 1, 1) + Duration::days(i64::from(*o))),
        );
        let rule = LimitRule::art147_2015();
        let clock = Clock::start(&rule, start);
        let last = clock.last_day(&rule, &cal);
        proptest::prop_assert!(!cal.is_day_off(last));
        let nominal = start + Duration::days(20);
        proptest::prop_assert!(last >= nominal);
        proptest::prop_assert!(nominal.iter_days().take_while(|day| *day < last).all(|day| cal.is_day_off(day)));
        let reach = clock.reach(&rule, ExtensionBy::Procuracy, &cal);
        proptest::prop_assert!(reach > last && reach <= last + Duration::days(62));
    }
}
