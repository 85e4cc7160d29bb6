//! Hand-computed fixture for the statistics reports: the expected numbers below were worked
//! out on paper from the definitions in `docs/statistics.md`.

use chrono::{DateTime, Utc};
use domain::report::{Cell, Lang};
use domain::stats::{
    crime_year_on_year, incident_year_on_year, CaseRow, CategoryMap, GroupBy, GroupKey,
    IncidentRow, Period, Severity,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn case(
    unit: &str,
    article: u16,
    severity: Severity,
    discovered: &str,
    solved: Option<&str>,
) -> CaseRow {
    CaseRow {
        unit: unit.into(),
        article,
        severity,
        discovered_at: t(discovered),
        solved_at: solved.map(t),
    }
}

/// Reporting month 3/2026 = 15/02–14/03/2026 in Hanoi = [2026-02-14T17:00Z, 2026-03-14T17:00Z).
/// Same period last year = [2025-02-14T17:00Z, 2025-03-14T17:00Z).
fn cases() -> Vec<CaseRow> {
    use Severity::*;
    vec![
        // Unit A, theft (TTXH), this period: 4 recorded, 3 cleared.
        // Exactly 00:00 on 15/02 in Hanoi: first instant of the window.
        case(
            "A",
            173,
            LessSerious,
            "2026-02-14T17:00:00Z",
            Some("2026-02-20T00:00:00Z"),
        ),
        case(
            "A",
            173,
            LessSerious,
            "2026-02-25T03:00:00Z",
            Some("2026-03-01T00:00:00Z"),
        ),
        // Solved at 23:59:59 on 14/03 in Hanoi: still inside.
        case(
            "A",
            173,
            Serious,
            "2026-03-05T03:00:00Z",
            Some("2026-03-14T16:59:59Z"),
        ),
        case("A", 173, LessSerious, "2026-03-10T03:00:00Z", None),
        // 23:30 UTC on 14/03 is 06:30 on 15/03 in Hanoi: next reporting month, not counted.
        case(
            "A",
            173,
            LessSerious,
            "2026-03-14T23:30:00Z",
            Some("2026-03-15T01:00:00Z"),
        ),
        // 16:59:59 UTC on 14/02 is 23:59:59 on 14/02: previous reporting month, not counted.
        case("A", 173, LessSerious, "2026-02-14T16:59:59Z", None),
        // Unit A, drugs, very serious, this period: 1 recorded, 1 cleared.
        case(
            "A",
            249,
            VerySerious,
            "2026-03-01T03:00:00Z",
            Some("2026-03-02T03:00:00Z"),
        ),
        // Unit A, theft, last year: 5 recorded, 3 cleared (one solved only after the window).
        case(
            "A",
            173,
            LessSerious,
            "2025-02-16T03:00:00Z",
            Some("2025-02-17T03:00:00Z"),
        ),
        case(
            "A",
            173,
            LessSerious,
            "2025-02-20T03:00:00Z",
            Some("2025-03-01T03:00:00Z"),
        ),
        case(
            "A",
            173,
            LessSerious,
            "2025-03-01T03:00:00Z",
            Some("2025-03-10T03:00:00Z"),
        ),
        case(
            "A",
            173,
            LessSerious,
            "2025-03-05T03:00:00Z",
            Some("2025-03-20T03:00:00Z"),
        ),
        case("A", 173, LessSerious, "2025-03-12T03:00:00Z", None),
        // Unit B, smuggling (economic), this period: 2 recorded, 1 cleared; none last year.
        case(
            "B",
            188,
            Serious,
            "2026-02-20T03:00:00Z",
            Some("2026-03-01T03:00:00Z"),
        ),
        case("B", 188, Serious, "2026-03-01T03:00:00Z", None),
        // Unit B, economic, discovered in January, solved in the period: backlog only.
        case(
            "B",
            188,
            Serious,
            "2026-01-10T03:00:00Z",
            Some("2026-03-01T03:00:00Z"),
        ),
    ]
}

#[test]
fn crime_report_by_unit_and_group() {
    let p = Period::reporting_month(2026, 3).unwrap();
    let r =
        crime_year_on_year(&cases(), &p, &CategoryMap::default(), GroupBy::UnitCategory).unwrap();
    let keys: Vec<&GroupKey> = r.rows.iter().map(|r| &r.key).collect();
    assert_eq!(
        keys,
        [
            &GroupKey::unit_category("A", "drugs"),
            &GroupKey::unit_category("A", "ttxh"),
            &GroupKey::unit_category("B", "economic"),
        ]
    );
    let drugs = &r.rows[0];
    assert_eq!((drugs.current.recorded, drugs.current.cleared), (1, 1));
    assert_eq!(drugs.current.serious_rate_pct, Some(100.0));
    assert_eq!(
        drugs.recorded.pct, None,
        "no drug case last year: not comparable"
    );

    let theft = &r.rows[1];
    assert_eq!((theft.current.recorded, theft.current.cleared), (4, 3));
    assert_eq!(theft.current.rate_pct, Some(75.0));
    assert_eq!((theft.previous.recorded, theft.previous.cleared), (5, 3));
    assert_eq!(theft.previous.rate_pct, Some(60.0));
    assert_eq!(theft.recorded.diff, -1);
    assert_eq!(theft.recorded.pct, Some(-20.0));
    assert_eq!(theft.rate_change_points, Some(15.0));
    assert_eq!(theft.current.serious_recorded, 0);
    assert_eq!(theft.current.serious_rate_pct, None);

    let econ = &r.rows[2];
    assert_eq!((econ.current.recorded, econ.current.cleared), (2, 1));
    assert_eq!(econ.current.backlog_cleared, 1);
    assert_eq!(econ.current.rate_pct, Some(50.0));
    assert_eq!(econ.previous.recorded, 0);
    assert_eq!(econ.recorded.pct, None);

    // City total: 7 recorded (5 last year, +40 %), 5 cleared: 71.43 %.
    let total = &r.total;
    assert_eq!((total.recorded.current, total.recorded.previous), (7, 5));
    assert_eq!(total.recorded.pct, Some(40.0));
    assert_eq!(total.current.cleared, 5);
    assert!((total.current.rate_pct.unwrap() - 500.0 / 7.0).abs() < 1e-12);
    assert_eq!(total.current.backlog_cleared, 1);

    // The table shows the same figures; the CSV carries them with two decimals.
    let table = r.to_table(Lang::Vi).unwrap();
    assert_eq!(table.rows.len(), 4);
    assert_eq!(
        table.cell(1, "category"),
        Some(&Cell::text("Trật tự xã hội"))
    );
    assert_eq!(table.cell(1, "rate"), Some(&Cell::Percent(Some(75.0))));
    let csv = String::from_utf8(table.to_csv(Lang::Vi).unwrap()).unwrap();
    assert!(
        csv.contains("A,Trật tự xã hội,4,5,-1,-20.00,3,75.00,60.00,15,0,không so sánh được,0"),
        "{csv}"
    );
    assert!(
        csv.contains("Toàn thành phố,Tất cả,7,5,2,40.00,5,71.43,60.00"),
        "{csv}"
    );
    let xlsx = table.to_xlsx(Lang::En).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
}

#[test]
fn a_closed_period_does_not_change_when_cases_are_solved_later() {
    let p = Period::reporting_month(2026, 3).unwrap();
    let mut later = cases();
    // The unsolved theft of 10/03 is solved in April: reported as backlog in April, and the
    // March figures stay as they were.
    later[3].solved_at = Some(t("2026-04-02T03:00:00Z"));
    let a = crime_year_on_year(&cases(), &p, &CategoryMap::default(), GroupBy::Total).unwrap();
    let b = crime_year_on_year(&later, &p, &CategoryMap::default(), GroupBy::Total).unwrap();
    assert_eq!(a.total, b.total);
    let april = Period::reporting_month(2026, 4).unwrap();
    let c = crime_year_on_year(&later, &april, &CategoryMap::default(), GroupBy::Total).unwrap();
    assert_eq!(c.total.current.backlog_cleared, 1);
}

#[test]
fn incident_year_on_year_at_the_reporting_month_edges() {
    let mk = |unit: &str, at: &str| IncidentRow::new(unit, "theft", 2, t(at));
    let rows = vec![
        mk("A", "2026-02-14T17:00:00Z"), // 15/02 00:00 local: in
        mk("A", "2026-03-14T16:59:59Z"), // 14/03 23:59:59 local: in
        mk("A", "2026-03-14T23:30:00Z"), // 15/03 06:30 local: out (April window)
        mk("A", "2026-02-14T16:59:59Z"), // 14/02 23:59:59 local: out (February window)
        mk("B", "2026-03-01T00:00:00Z"), // in
        mk("A", "2025-02-20T00:00:00Z"), // last year, in
        mk("A", "2025-02-21T00:00:00Z"),
        mk("A", "2025-02-22T00:00:00Z"),
        mk("A", "2025-02-23T00:00:00Z"),
        mk("A", "2025-03-14T17:00:00Z"), // last year, 15/03 local: out
    ];
    let p = Period::reporting_month(2026, 3).unwrap();
    let r = incident_year_on_year(&rows, &p, GroupBy::Unit).unwrap();
    assert_eq!(r.rows.len(), 2);
    let a = &r.rows[0].count;
    assert_eq!((a.current, a.previous, a.diff), (2, 4, -2));
    assert_eq!(a.pct, Some(-50.0));
    let b = &r.rows[1].count;
    assert_eq!((b.current, b.previous, b.pct), (1, 0, None));
    assert_eq!((r.total.current, r.total.previous), (3, 4));
    assert_eq!(r.total.pct, Some(-25.0));
    let table = r.to_table(Lang::En).unwrap();
    assert_eq!(table.rows.len(), 3);
    assert_eq!(table.cell(2, "pct"), Some(&Cell::Percent(Some(-25.0))));
}
