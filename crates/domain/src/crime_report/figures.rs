//! The figures of the crime-report register for a reporting period, per unit and in total, as
//! the force's periodic report counts them: carried in from before the period (tồn kỳ trước),
//! received, to settle, settled by outcome, settled within the limit, the settlement rate, and
//! still pending at the end (còn tồn).
//!
//! A report counts as settled on the day of the decision that ended its verification:
//! prosecution, no prosecution, suspension (one of the decisions of Art. 147) or transfer. The
//! figures read each report as it stands now: a suspended report that was later resumed counts
//! as pending from the day it was received until its current decision, which is how the
//! register reads it after the resumption. Every period satisfies
//! `carried_in + received − settled = pending_end`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{CrimeReport, ReportOutcome, ReportStatus};
use crate::report::{Cell, Column, Lang, ReportError, Table};
use crate::stats::period::vn_date;

/// The figures of one unit (or of the total).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Received before the period and not settled before it.
    pub carried_in: u64,
    /// Received in the period.
    pub received: u64,
    /// `carried_in + received`.
    pub to_settle: u64,
    /// Settled in the period (by the decision's day).
    pub settled: u64,
    /// Of those: a case was opened.
    pub prosecuted: u64,
    /// Of those: no prosecution.
    pub not_prosecuted: u64,
    /// Of those: settlement suspended.
    pub suspended: u64,
    /// Of those: transferred to the competent body.
    pub transferred: u64,
    /// Settled in the period within the limit.
    pub on_time: u64,
    /// `settled / to_settle` in percent; `None` when there was nothing to settle.
    pub settled_rate: Option<f64>,
    /// `on_time / settled` in percent; `None` when nothing was settled.
    pub on_time_rate: Option<f64>,
    /// Received by the end of the period and not settled by then.
    pub pending_end: u64,
}

impl Figures {
    fn add(&mut self, r: &CrimeReport, first: NaiveDate, last: NaiveDate) {
        let received = vn_date(r.received_at);
        if received > last {
            return;
        }
        let settled = settlement(r);
        let settled_before = settled.is_some_and(|(day, _, _)| day < first);
        if received < first && !settled_before {
            self.carried_in += 1;
        }
        if received >= first {
            self.received += 1;
        }
        match settled {
            Some((day, outcome, on_time)) if first <= day && day <= last => {
                self.settled += 1;
                match outcome {
                    ReportOutcome::Prosecute => self.prosecuted += 1,
                    ReportOutcome::NotProsecute => self.not_prosecuted += 1,
                    ReportOutcome::Suspend => self.suspended += 1,
                    ReportOutcome::Transfer => self.transferred += 1,
                }
                if on_time {
                    self.on_time += 1;
                }
            }
            Some((day, _, _)) if day <= last => {}
            _ => self.pending_end += 1,
        }
    }

    fn finish(&mut self) {
        self.to_settle = self.carried_in + self.received;
        self.settled_rate = percent(self.settled, self.to_settle);
        self.on_time_rate = percent(self.on_time, self.settled);
    }

    fn merge(&mut self, o: &Figures) {
        self.carried_in += o.carried_in;
        self.received += o.received;
        self.settled += o.settled;
        self.prosecuted += o.prosecuted;
        self.not_prosecuted += o.not_prosecuted;
        self.suspended += o.suspended;
        self.transferred += o.transferred;
        self.on_time += o.on_time;
        self.pending_end += o.pending_end;
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    // Counts stay far below 2^53: the conversion is exact.
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The day, outcome and timeliness of the decision that ended a report's verification.
fn settlement(r: &CrimeReport) -> Option<(NaiveDate, ReportOutcome, bool)> {
    if r.status == ReportStatus::Verifying {
        return None;
    }
    let d = r.decision.as_ref()?;
    // The latest decision is the one in force (a suspension counts as a decision too).
    let on_time = r.history.iter().rev().find_map(|e| match &e.event {
        super::Event::Decided { on_time, .. } => Some(*on_time),
        _ => None,
    });
    Some((d.decided_on, d.outcome, on_time.unwrap_or(false)))
}

/// The figures of every unit that has any, and their total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    /// Per unit code, by code.
    pub units: BTreeMap<String, Figures>,
    /// All units together.
    pub total: Figures,
}

/// Counts `reports` over the Vietnam days `first..=last`.
pub fn figures<'a>(
    reports: impl IntoIterator<Item = &'a CrimeReport>,
    first: NaiveDate,
    last: NaiveDate,
) -> PeriodFigures {
    let mut units: BTreeMap<String, Figures> = BTreeMap::new();
    for r in reports {
        units.entry(r.unit.clone()).or_default().add(r, first, last);
    }
    units.retain(|_, f| *f != Figures::default());
    let mut total = Figures::default();
    for f in units.values_mut() {
        f.finish();
        total.merge(f);
    }
    total.finish();
    PeriodFigures { units, total }
}

/// The figures as the report table: one row per unit named by `unit_name`, then the total.
pub fn figures_table(
    f: &PeriodFigures,
    lang: Lang,
    period_vi: &str,
    period_en: &str,
    unit_name: impl Fn(&str) -> String,
) -> Result<Table, ReportError> {
    let columns = vec![
        Column::new("unit", "Đơn vị", "Unit"),
        Column::new("carried_in", "Tồn kỳ trước", "Carried in"),
        Column::new("received", "Tiếp nhận trong kỳ", "Received"),
        Column::new("to_settle", "Tổng phải giải quyết", "To settle"),
        Column::new("settled", "Đã giải quyết", "Settled"),
        Column::new("prosecuted", "Khởi tố", "Prosecuted"),
        Column::new("not_prosecuted", "Không khởi tố", "Not prosecuted"),
        Column::new("suspended", "Tạm đình chỉ", "Suspended"),
        Column::new("transferred", "Chuyển cơ quan khác", "Transferred"),
        Column::new("on_time", "Đúng hạn", "On time"),
        Column::new("settled_rate", "Tỷ lệ giải quyết (%)", "Settled (%)"),
        Column::new("on_time_rate", "Tỷ lệ đúng hạn (%)", "On time (%)"),
        Column::new("pending_end", "Còn tồn", "Pending"),
    ];
    let mut table = Table::new(
        &format!("Kết quả tiếp nhận, giải quyết tố giác, tin báo về tội phạm — {period_vi}"),
        &format!("Crime reports received and settled — {period_en}"),
        columns,
    )?;
    let row = |name: String, x: &Figures| {
        vec![
            Cell::text(name),
            Cell::count(x.carried_in),
            Cell::count(x.received),
            Cell::count(x.to_settle),
            Cell::count(x.settled),
            Cell::count(x.prosecuted),
            Cell::count(x.not_prosecuted),
            Cell::count(x.suspended),
            Cell::count(x.transferred),
            Cell::count(x.on_time),
            Cell::Percent(x.settled_rate),
            Cell::Percent(x.on_time_rate),
            Cell::count(x.pending_end),
        ]
    };
    for (code, x) in &f.units {
        table.push_row(row(unit_name(code), x))?;
    }
    let total = match lang {
        Lang::Vi => "Tổng cộng",
        Lang::En => "Total",
    };
    table.push_row(row(total.to_owned(), &f.total))?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::super::{
        Calendar, CrimeReport, Decision, NewCrimeReport, ReportKind, ReportOutcome, ReportSource,
        Reporter, RuleBook,
    };
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn at(m: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, day, 2, 0, 0).unwrap()
    }

    /// A report of `unit` received on `received`, decided on `decided` with `outcome`.
    fn report(
        unit: &str,
        received: (u32, u32),
        decided: Option<((u32, u32), ReportOutcome)>,
    ) -> CrimeReport {
        let rules = RuleBook::default();
        let cal = Calendar::new();
        let mut r = CrimeReport::receive(
            NewCrimeReport {
                kind: ReportKind::Denunciation,
                source: ReportSource::Citizen,
                unit: unit.into(),
                received_at: at(received.0, received.1),
                reporter: Reporter::default(),
                summary: "x".into(),
                place: None,
                article: None,
                incident_id: None,
                register_no: None,
            },
            &rules,
            &cal,
            "u",
            at(received.0, received.1),
        )
        .unwrap();
        if let Some(((m, day), outcome)) = decided {
            r.decide(
                Decision {
                    outcome,
                    decision_no: "1".into(),
                    decided_on: d(m, day),
                    reason: Some("chờ giám định".into()),
                    transferred_to: Some("VKS".into()),
                },
                &rules,
                &cal,
                "u",
                at(12, 1),
            )
            .unwrap();
        }
        r
    }

    /// A hand-made month: March 2026, two units.
    #[test]
    fn a_month_counts_as_the_register_is_read_by_hand() {
        use ReportOutcome::*;
        let reports = [
            // 00004: carried in (received in February, settled in March, on time).
            report("00004", (2, 20), Some(((3, 5), Prosecute))),
            // 00004: carried in, still pending at the end.
            report("00004", (2, 25), None),
            // 00004: settled in February: not counted at all.
            report("00004", (2, 1), Some(((2, 10), NotProsecute))),
            // 00004: received and settled in March, late (received 1 March, limit 23 March).
            report("00004", (3, 1), Some(((3, 30), NotProsecute))),
            // 00004: received in March, settled in April: pending at the end.
            report("00004", (3, 20), Some(((4, 2), Transfer))),
            // 00004: received in April: not counted.
            report("00004", (4, 3), None),
            // 00008: received in March, suspended in March on time.
            report("00008", (3, 10), Some(((3, 12), Suspend))),
        ];
        let f = figures(reports.iter(), d(3, 1), d(3, 31));
        let a = &f.units["00004"];
        assert_eq!(
            (
                a.carried_in,
                a.received,
                a.to_settle,
                a.settled,
                a.pending_end
            ),
            (2, 2, 4, 2, 2)
        );
        assert_eq!((a.prosecuted, a.not_prosecuted, a.on_time), (1, 1, 1));
        assert_eq!(a.settled_rate, Some(50.0));
        assert_eq!(a.on_time_rate, Some(50.0));
        let b = &f.units["00008"];
        assert_eq!(
            (b.received, b.settled, b.suspended, b.on_time),
            (1, 1, 1, 1)
        );
        assert_eq!(b.settled_rate, Some(100.0));
        assert_eq!(
            (f.total.to_settle, f.total.settled, f.total.pending_end),
            (5, 3, 2)
        );
        assert_eq!(f.total.settled_rate, Some(60.0));
        // The export names units and ends with the total.
        let table = figures_table(&f, Lang::Vi, "tháng 3/2026", "March 2026", |c| {
            format!("Phường {c}")
        })
        .unwrap();
        let csv = String::from_utf8(table.to_csv(Lang::Vi).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Phường 00004,2,2,4,2,1,1,0,0,1,50.00,50.00,2")),
            "{csv}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Phường 00008,0,1,1,1,0,0,1,0,1,100.00,100.00,0")),
            "{csv}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Tổng cộng,2,3,5,3,1,1,1,0,2,60.00,66.67,2")),
            "{csv}"
        );
    }

    #[test]
    fn a_period_without_reports_has_no_rates() {
        let f = figures(std::iter::empty(), d(3, 1), d(3, 31));
        assert!(f.units.is_empty());
        assert_eq!(f.total.settled_rate, None);
        assert_eq!(f.total.on_time_rate, None);
    }

    proptest::proptest! {
        /// Whatever the reports and the period, what was carried in and received, less what
        /// was settled, is what is pending at the end.
        #[test]
        fn carried_in_and_received_less_settled_is_pending(
            rows in proptest::collection::vec((1u32..=10, 1u32..=28, proptest::option::of((0i64..60, 0usize..4))), 0..40),
            first_m in 1u32..=10,
            len in 0i64..90,
        ) {
            use ReportOutcome::*;
            let outcomes = [Prosecute, NotProsecute, Suspend, Transfer];
            let reports: Vec<CrimeReport> = rows
                .iter()
                .map(|&(m, day, decided)| {
                    let received = d(m, day);
                    let decision = decided.and_then(|(after, o)| {
                        let on = received + chrono::Duration::days(after);
                        (on < d(12, 1)).then(|| {
                            use chrono::Datelike;
                            ((on.month(), on.day()), outcomes[o])
                        })
                    });
                    report(if m % 2 == 0 { "00004" } else { "00008" }, (m, day), decision)
                })
                .collect();
            let first = d(first_m, 1);
            let last = first + chrono::Duration::days(len);
            let f = figures(reports.iter(), first, last);
            for x in f.units.values().chain([&f.total]) {
                proptest::prop_assert_eq!(x.carried_in + x.received, x.settled + x.pending_end);
                proptest::prop_assert_eq!(
                    x.settled,
                    x.prosecuted + x.not_prosecuted + x.suspended + x.transferred
                );
                proptest::prop_assert!(x.on_time <= x.settled);
            }
        }
    }
}
