//! The legal clock of a crime report: how long the investigating body has to settle it, how
//! the limit may be extended, and where a given report stands at `now`.
//!
//! The limits are data ([`LimitRule`]), each with its legal basis and the dates it is valid
//! for, so that an amendment of the Criminal Procedure Code is a new rule, not a new release.
//! The rule that applies is the one valid on the day the report was received. The default
//! ([`LimitRule::art147_2015`]) is Art. 147 of the Criminal Procedure Code 2015:
//! - settle within **20 days** of receipt;
//! - where the matter is complicated or must be verified in many places, the limit may run to
//!   **2 months** from receipt (the investigating body's own decision);
//! - where even that is not enough, the procuracy may extend it **once**, by at most
//!   **2 months**; the investigating body must ask at the latest **5 days** before the limit
//!   ends, which is why a report is "due soon" from 5 days before its last day.
//!
//! Days are counted as Art. 132 counts them: the day of receipt is not counted; a limit in days
//! ends at 24:00 (Vietnam time) of its last day; a limit in months ends on the same date of the
//! later month, or on that month's last day when it has no such date; a limit that ends on a
//! day off (Saturday, Sunday, public holiday) ends on the next working day. Public holidays are
//! the fixed-date ones of the Labour Code (1/1, 30/4, 1/5, 2/9) plus the days the government
//! announces each year (Tết, Hùng Kings' day, the second National Day holiday, compensatory
//! days), which an administrator records ([`Calendar::with_days_off`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::CrimeReportError;
use crate::stats::period::{vn_date, vn_midnight_utc};

/// A time limit for settling crime reports, as the law in force on some days sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportLimitRule))]
pub struct LimitRule {
    /// Stable identifier, kept on every report the rule applied to.
    pub id: String,
    /// The legal text the rule comes from, as it is cited.
    pub legal_basis: String,
    /// First day the rule applies to (a report received on or after it).
    pub valid_from: NaiveDate,
    /// Last day the rule applies to, if it was replaced.
    pub valid_to: Option<NaiveDate>,
    /// Days from receipt to settle the report.
    pub base_days: u32,
    /// How far the investigating body's own extension may reach, in months from receipt.
    pub agency_extension_months: u32,
    /// How many extensions the procuracy may grant.
    pub procuracy_extensions: u32,
    /// How far each procuracy extension may reach beyond the limit it extends, in months.
    pub procuracy_extension_months: u32,
    /// A request for extension is due this many days before the limit ends; the report is
    /// "due soon" from then on.
    pub request_days_before: u32,
}

impl LimitRule {
    /// Art. 147 of the Criminal Procedure Code 2015, in force from 1 January 2018.
    pub fn art147_2015() -> Self {
        LimitRule {
            id: "blttths-2015-d147".into(),
            legal_basis: "Điều 147 Bộ luật Tố tụng hình sự 2015 (Luật số 101/2015/QH13); \
                          cách tính thời hạn theo Điều 132"
                .into(),
            valid_from: NaiveDate::from_ymd_opt(2018, 1, 1).unwrap_or_default(),
            valid_to: None,
            base_days: 20,
            agency_extension_months: 2,
            procuracy_extensions: 1,
            procuracy_extension_months: 2,
            request_days_before: 5,
        }
    }

    /// Whether the rule applies to a report received on `day`.
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    /// Checks that the rule is usable: an identifier, a legal basis, a positive base limit
    /// and a validity range that is not reversed.
    pub fn validate(&self) -> Result<(), CrimeReportError> {
        let bad = |why: &str| Err(CrimeReportError::Rule(why.to_owned()));
        if self.id.trim().is_empty() {
            return bad("rule id is empty");
        }
        if self.legal_basis.trim().is_empty() {
            return bad("legal basis is empty");
        }
        if self.base_days == 0 || self.base_days > 366 {
            return bad("base limit must be 1 to 366 days");
        }
        if self.agency_extension_months > 24 || self.procuracy_extension_months > 24 {
            return bad("an extension cannot reach beyond 24 months");
        }
        if self.procuracy_extensions > 10 || self.request_days_before > 60 {
            return bad("extension count or request notice out of range");
        }
        let in_range = |d: NaiveDate| (1900..=9999).contains(&d.year());
        if !in_range(self.valid_from) || self.valid_to.is_some_and(|to| !in_range(to)) {
            return bad("validity days must be in the years 1900 to 9999");
        }
        if self.valid_to.is_some_and(|to| to < self.valid_from) {
            return bad("valid_to is before valid_from");
        }
        Ok(())
    }
}

/// The rules known, in force on different days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleBook {
    rules: Vec<LimitRule>,
}

impl Default for RuleBook {
    fn default() -> Self {
        RuleBook {
            rules: vec![LimitRule::art147_2015()],
        }
    }
}

impl RuleBook {
    /// A rule book from stored rules (each checked). Two rules valid on the same day are
    /// refused: which one applies would be a guess.
    pub fn new(mut rules: Vec<LimitRule>) -> Result<Self, CrimeReportError> {
        for r in &rules {
            r.validate()?;
        }
        rules.sort_by_key(|r| r.valid_from);
        for pair in rules.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.valid_to.is_none_or(|to| to >= b.valid_from) {
                return Err(CrimeReportError::Rule(format!(
                    "rules {} and {} are both valid on {}",
                    a.id, b.id, b.valid_from
                )));
            }
        }
        Ok(RuleBook { rules })
    }

    /// Every rule, oldest first.
    pub fn rules(&self) -> &[LimitRule] {
        &self.rules
    }

    /// The rule that applies to a report received on `day`.
    pub fn rule_for(&self, day: NaiveDate) -> Result<&LimitRule, CrimeReportError> {
        self.rules
            .iter()
            .find(|r| r.applies_on(day))
            .ok_or(CrimeReportError::NoRule { day })
    }

    /// A rule by its identifier.
    pub fn by_id(&self, id: &str) -> Option<&LimitRule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Working days and days off, for moving a limit that ends on a day off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    days_off: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Weekends and the fixed-date public holidays only.
    pub fn new() -> Self {
        Calendar::default()
    }

    /// Also the days off the government announced (Tết, compensatory days, …).
    pub fn with_days_off(days: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar {
            days_off: days.into_iter().collect(),
        }
    }

    /// Whether `day` is a day off: a Saturday, a Sunday, a fixed-date public holiday of the
    /// Labour Code (Art. 112: 1/1, 30/4, 1/5, 2/9) or a recorded day off.
    pub fn is_day_off(&self, day: NaiveDate) -> bool {
        matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            || matches!((day.month(), day.day()), (1, 1) | (4, 30) | (5, 1) | (9, 2))
            || self.days_off.contains(&day)
    }

    /// `day`, or the first working day after it.
    pub fn working_day_from(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        // A year holds far fewer than 400 consecutive days off; the bound only guards a
        // calendar filled with nonsense.
        for _ in 0..400 {
            if !self.is_day_off(d) {
                return d;
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
        }
        d
    }
}

/// Who extended a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportExtensionBy))]
#[serde(rename_all = "snake_case")]
pub enum ExtensionBy {
    /// The investigating body, within its own reach (kéo dài thời hạn).
    Agency,
    /// The procuracy (gia hạn thời hạn giải quyết).
    Procuracy,
}

impl ExtensionBy {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ExtensionBy::Agency => "agency",
            ExtensionBy::Procuracy => "procuracy",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            ExtensionBy::Agency => "Cơ quan điều tra kéo dài thời hạn",
            ExtensionBy::Procuracy => "Viện kiểm sát gia hạn",
        }
    }
}

/// One extension of the limit, with the decision that granted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportExtension))]
pub struct Extension {
    /// Who decided it.
    pub by: ExtensionBy,
    /// Number of the decision.
    pub decision_no: String,
    /// Day the decision was made.
    pub decided_on: NaiveDate,
    /// New last day of the limit, as the decision says.
    pub until: NaiveDate,
}

/// The running limit of a report: when it started and how it was extended since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The rule applied.
    pub rule_id: String,
    /// Day the limit started (the day of receipt, or of the decision to resume).
    pub started_on: NaiveDate,
    /// Extensions granted since then, oldest first.
    pub extensions: Vec<Extension>,
}

impl Clock {
    /// A clock started on `started_on` under `rule`.
    pub fn start(rule: &LimitRule, started_on: NaiveDate) -> Self {
        Clock {
            rule_id: rule.id.clone(),
            started_on,
            extensions: Vec::new(),
        }
    }

    /// The last day of the limit as first set: `base_days` after the start (the start day
    /// is not counted), moved to a working day.
    pub fn base_last_day(&self, rule: &LimitRule, cal: &Calendar) -> NaiveDate {
        cal.working_day_from(add_days(self.started_on, rule.base_days))
    }

    /// The last day of the limit now, after the extensions: the last extension's day, moved
    /// to a working day.
    pub fn last_day(&self, rule: &LimitRule, cal: &Calendar) -> NaiveDate {
        match self.extensions.last() {
            Some(e) => cal.working_day_from(e.until),
            None => self.base_last_day(rule, cal),
        }
    }

    /// The instant the limit ends: 24:00 Vietnam time of the last day.
    pub fn deadline(&self, rule: &LimitRule, cal: &Calendar) -> DateTime<Utc> {
        vn_midnight_utc(add_days(self.last_day(rule, cal), 1))
    }

    /// The furthest day an extension by `by` may reach now.
    pub fn reach(&self, rule: &LimitRule, by: ExtensionBy, cal: &Calendar) -> NaiveDate {
        match by {
            ExtensionBy::Agency => add_months(self.started_on, rule.agency_extension_months),
            ExtensionBy::Procuracy => {
                add_months(self.last_day(rule, cal), rule.procuracy_extension_months)
            }
        }
    }

    /// Checks an extension against the rule and records it. Refused: a decision without a
    /// number, dated before the limit started or after it ended (an expired limit cannot be
    /// extended), or in the future; a new last day that does not move the limit later or
    /// reaches beyond what the rule allows; an investigating body's extension after the
    /// procuracy's; more procuracy extensions than the rule allows.
    pub fn extend(
        &mut self,
        rule: &LimitRule,
        cal: &Calendar,
        ext: Extension,
        today: NaiveDate,
    ) -> Result<(), CrimeReportError> {
        let refuse = |why: String| Err(CrimeReportError::Extension(why));
        if ext.decision_no.trim().is_empty() {
            return refuse("the decision number is missing".into());
        }
        let current = self.last_day(rule, cal);
        if ext.decided_on < self.started_on {
            return refuse(format!(
                "the decision ({}) is dated before the limit started ({})",
                ext.decided_on, self.started_on
            ));
        }
        if ext.decided_on > today {
            return refuse(format!(
                "the decision date {} is in the future",
                ext.decided_on
            ));
        }
        if ext.decided_on > current {
            return refuse(format!(
                "the limit already ended on {current}; an extension must be decided before it ends"
            ));
        }
        if ext.until <= current {
            return refuse(format!(
                "the new last day {} does not move the limit beyond {current}",
                ext.until
            ));
        }
        let procuracy_so_far = self
            .extensions
            .iter()
            .filter(|e| e.by == ExtensionBy::Procuracy)
            .count();
        match ext.by {
            ExtensionBy::Agency if procuracy_so_far > 0 => {
                return refuse(
                    "the procuracy already extended the limit; only it may extend it again".into(),
                )
            }
            ExtensionBy::Procuracy if procuracy_so_far >= rule.procuracy_extensions as usize => {
                return refuse(format!(
                    "the procuracy may extend the limit {} time(s) under {}",
                    rule.procuracy_extensions, rule.id
                ))
            }
            _ => {}
        }
        let reach = self.reach(rule, ext.by, cal);
        if ext.until > reach {
            return refuse(format!(
                "{} may reach {reach} at the latest, not {}",
                ext.by.label_vi(),
                ext.until
            ));
        }
        self.extensions.push(ext);
        Ok(())
    }

    /// Where the limit stands on `now`.
    pub fn standing(&self, rule: &LimitRule, cal: &Calendar, now: DateTime<Utc>) -> Standing {
        let last_day = self.last_day(rule, cal);
        let today = vn_date(now);
        let days_left = (last_day - today).num_days();
        let due = if days_left < 0 {
            Due::Overdue
        } else if days_left <= i64::from(rule.request_days_before) {
            Due::DueSoon
        } else {
            Due::OnTime
        };
        Standing {
            last_day,
            deadline: self.deadline(rule, cal),
            days_left,
            due,
        }
    }
}

/// Where a running limit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Last day of the limit.
    pub last_day: NaiveDate,
    /// 24:00 Vietnam time of the last day.
    pub deadline: DateTime<Utc>,
    /// Days from today (Vietnam time) to the last day: 0 on the last day, negative after it.
    pub days_left: i64,
    /// How urgent it is.
    pub due: Due,
}

/// How urgent a running limit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportDue))]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// More days left than the notice a request for extension needs.
    OnTime,
    /// Within the notice: settle it or ask for an extension now.
    DueSoon,
    /// The last day has passed.
    Overdue,
}

impl Due {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Due::OnTime => "on_time",
            Due::DueSoon => "due_soon",
            Due::Overdue => "overdue",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Due::OnTime => "Trong hạn",
            Due::DueSoon => "Sắp hết hạn",
            Due::Overdue => "Quá hạn",
        }
    }
}

fn add_days(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(day)
}

/// `n` months after `day`: the same date, or the month's last day when it has none
/// (chrono clamps the day of month exactly so).
fn add_months(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_months(Months::new(n)).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ext(by: ExtensionBy, decided_on: NaiveDate, until: NaiveDate) -> Extension {
        Extension {
            by,
            decision_no: "12/QĐ".into(),
            decided_on,
            until,
        }
    }

    #[test]
    fn twenty_days_do_not_count_the_day_of_receipt() {
        let rule = LimitRule::art147_2015();
        // Received Tuesday 3 March 2026: day 20 is Monday 23 March.
        let clock = Clock::start(&rule, d(2026, 3, 3));
        assert_eq!(clock.last_day(&rule, &Calendar::new()), d(2026, 3, 23));
    }

    #[test]
    fn a_limit_ending_on_a_weekend_or_holiday_moves_to_the_next_working_day() {
        let rule = LimitRule::art147_2015();
        let cal = Calendar::new();
        // 2 March + 20 = Sunday 22 March → Monday 23 March.
        assert_eq!(
            Clock::start(&rule, d(2026, 3, 2)).last_day(&rule, &cal),
            d(2026, 3, 23)
        );
        // 10 April + 20 = Thursday 30 April (holiday), 1 May (holiday), then the weekend:
        // Monday 4 May.
        assert_eq!(
            Clock::start(&rule, d(2026, 4, 10)).last_day(&rule, &cal),
            d(2026, 5, 4)
        );
        // A recorded day off counts too: Monday 23 March off → Tuesday 24 March.
        let cal = Calendar::with_days_off([d(2026, 3, 23)]);
        assert_eq!(
            Clock::start(&rule, d(2026, 3, 3)).last_day(&rule, &cal),
            d(2026, 3, 24)
        );
    }

    #[test]
    fn the_limit_ends_at_midnight_vietnam_time_of_the_last_day() {
        let rule = LimitRule::art147_2015();
        let clock = Clock::start(&rule, d(2026, 3, 3));
        let cal = Calendar::new();
        // 24:00 on 23 March +07:00 = 17:00 UTC on 23 March.
        assert_eq!(
            clock.deadline(&rule, &cal),
            Utc.with_ymd_and_hms(2026, 3, 23, 17, 0, 0).unwrap()
        );
        let at = |h| Utc.with_ymd_and_hms(2026, 3, 23, h, 0, 0).unwrap();
        // 23:59 local on the last day: 0 days left, due soon, not overdue.
        let s = clock.standing(&rule, &cal, at(16) + chrono::Duration::minutes(59));
        assert_eq!((s.days_left, s.due), (0, Due::DueSoon));
        // 00:00 local the day after: overdue.
        let s = clock.standing(&rule, &cal, at(17));
        assert_eq!((s.days_left, s.due), (-1, Due::Overdue));
    }

    #[test]
    fn due_soon_starts_when_the_request_for_extension_is_due() {
        let rule = LimitRule::art147_2015();
        let clock = Clock::start(&rule, d(2026, 3, 3)); // last day 23 March
        let cal = Calendar::new();
        let noon = |day| Utc.with_ymd_and_hms(2026, 3, day, 5, 0, 0).unwrap();
        assert_eq!(clock.standing(&rule, &cal, noon(17)).due, Due::OnTime); // 6 days left
        assert_eq!(clock.standing(&rule, &cal, noon(18)).due, Due::DueSoon); // 5 days left
    }

    #[test]
    fn the_agency_may_reach_two_months_and_the_procuracy_two_more_once() {
        let rule = LimitRule::art147_2015();
        let cal = Calendar::new();
        let mut clock = Clock::start(&rule, d(2026, 3, 3));
        let today = d(2026, 7, 1);
        // Beyond two months from receipt: refused.
        let err = clock
            .extend(
                &rule,
                &cal,
                ext(ExtensionBy::Agency, d(2026, 3, 20), d(2026, 5, 4)),
                today,
            )
            .unwrap_err();
        assert!(err.to_string().contains("2026-05-03"), "{err}");
        // Exactly two months (3 May, a Sunday: the limit then ends on Monday 4 May).
        clock
            .extend(
                &rule,
                &cal,
                ext(ExtensionBy::Agency, d(2026, 3, 20), d(2026, 5, 3)),
                today,
            )
            .unwrap();
        assert_eq!(clock.last_day(&rule, &cal), d(2026, 5, 4));
        // The procuracy: two months beyond the current last day, once.
        let err = clock
            .extend(
                &rule,
                &cal,
                ext(ExtensionBy::Procuracy, d(2026, 4, 28), d(2026, 7, 5)),
                today,
            )
            .unwrap_err();
        assert!(err.to_string().contains("2026-07-04"), "{err}");
        clock
            .extend(
                &rule,
                &cal,
                ext(ExtensionBy::Procuracy, d(2026, 4, 28), d(2026, 7, 4)),
                today,
            )
            .unwrap();
        // 4 July 2026 is a Saturday: Monday 6 July.
        assert_eq!(clock.last_day(&rule, &cal), d(2026, 7, 6));
        let err = clock
            .extend(
                &rule,
                &cal,
                ext(ExtensionBy::Procuracy, d(2026, 6, 30), d(2026, 7, 20)),
                today,
            )
            .unwrap_err();
        assert!(matches!(err, CrimeReportError::Extension(_)));
        let err = clock
            .extend(
                &rule,
                &cal,
                ext(ExtensionBy::Agency, d(2026, 6, 30), d(2026, 7, 20)),
                today,
            )
            .unwrap_err();
        assert!(err.to_string().contains("only it may"), "{err}");
    }

    #[test]
    fn months_end_on_the_last_day_of_a_shorter_month() {
        let rule = LimitRule::art147_2015();
        let clock = Clock::start(&rule, d(2025, 12, 31));
        // 31 December + 2 months: February has no 31st → 28 February 2026.
        assert_eq!(
            clock.reach(&rule, ExtensionBy::Agency, &Calendar::new()),
            d(2026, 2, 28)
        );
    }

    #[test]
    fn an_expired_limit_or_an_undated_decision_cannot_extend() {
        let rule = LimitRule::art147_2015();
        let cal = Calendar::new();
        let mut clock = Clock::start(&rule, d(2026, 3, 3)); // last day 23 March
        let late = ext(ExtensionBy::Agency, d(2026, 3, 24), d(2026, 4, 20));
        assert!(clock.extend(&rule, &cal, late, d(2026, 4, 1)).is_err());
        let future = ext(ExtensionBy::Agency, d(2026, 3, 20), d(2026, 4, 20));
        assert!(clock.extend(&rule, &cal, future, d(2026, 3, 19)).is_err());
        let mut unnumbered = ext(ExtensionBy::Agency, d(2026, 3, 20), d(2026, 4, 20));
        unnumbered.decision_no = "  ".into();
        assert!(clock
            .extend(&rule, &cal, unnumbered, d(2026, 4, 1))
            .is_err());
        let backwards = ext(ExtensionBy::Agency, d(2026, 3, 20), d(2026, 3, 22));
        assert!(clock.extend(&rule, &cal, backwards, d(2026, 4, 1)).is_err());
        assert!(clock.extensions.is_empty());
    }

    #[test]
    fn the_rule_in_force_on_the_day_of_receipt_applies() {
        let old = LimitRule {
            valid_to: Some(d(2026, 6, 30)),
            ..LimitRule::art147_2015()
        };
        let new = LimitRule {
            id: "amended".into(),
            valid_from: d(2026, 7, 1),
            base_days: 30,
            ..LimitRule::art147_2015()
        };
        let book = RuleBook::new(vec![new.clone(), old]).unwrap();
        assert_eq!(book.rule_for(d(2026, 6, 30)).unwrap().base_days, 20);
        assert_eq!(book.rule_for(d(2026, 7, 1)).unwrap().id, "amended");
        assert!(book.rule_for(d(2017, 12, 31)).is_err());
        // Two rules valid on the same day: refused.
        assert!(RuleBook::new(vec![LimitRule::art147_2015(), new]).is_err());
    }
}
