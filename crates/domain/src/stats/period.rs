//! Reporting periods: calendar periods and the police's administrative reporting windows, all
//! in Vietnam time (UTC+7, no daylight saving), resolved to half-open UTC ranges for queries.
//!
//! Administrative reporting (Decree 09/2019/NĐ-CP Art. 12) closes figures on the 14th:
//! - reporting month M of year Y: 15th of month M−1 to 14th of month M (January: 15/12 of Y−1
//!   to 14/1 of Y);
//! - reporting quarter: 15th of the month before the quarter to 14th of the quarter's last
//!   month (Q1 = 15/12 of Y−1 to 14/3);
//! - first six months: 15/12 of Y−1 to 14/6; nine months: 15/12 of Y−1 to 14/9 (both
//!   cumulative from the start of the reporting year); second half (product extension, as the
//!   press reports "6 tháng cuối năm"): 15/6 to 14/12;
//! - reporting year Y: 15/12 of Y−1 to 14/12 of Y.
//!
//! "To the 14th" means up to the end of the 14th in Vietnam time, so every window is
//! `[first day 00:00 +07:00, day after the last day 00:00 +07:00)`. Reporting months tile the
//! reporting year, and reporting years tile time: every instant belongs to exactly one.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::StatsError;

/// Vietnam's offset from UTC in seconds (UTC+7, no daylight saving).
pub const VN_OFFSET_SECONDS: i32 = 7 * 3600;

/// Earliest year a period may name.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a period may name.
pub const MAX_YEAR: i32 = 9998;

/// The UTC+7 offset as a chrono type.
pub fn vn_offset() -> FixedOffset {
    // 7 h is always within chrono's ±24 h bound.
    FixedOffset::east_opt(VN_OFFSET_SECONDS).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap())
}

/// The Vietnam calendar date of an instant.
pub fn vn_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&vn_offset()).date_naive()
}

/// Midnight (00:00 Vietnam time) starting `date`, as a UTC instant.
pub fn vn_midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(VN_OFFSET_SECONDS))))
}

/// What a period is, as data. Build a checked [`Period`] from it with [`Period::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeriodKind {
    /// Calendar month (1st to last day).
    Month {
        /// Year.
        year: i32,
        /// Month 1–12.
        month: u32,
    },
    /// Calendar quarter (Q1 = January–March).
    Quarter {
        /// Year.
        year: i32,
        /// Quarter 1–4.
        quarter: u32,
    },
    /// Calendar year.
    Year {
        /// Year.
        year: i32,
    },
    /// Police reporting month: 15th of the previous month to 14th of `month`.
    ReportingMonth {
        /// Year of the month that closes the window.
        year: i32,
        /// Month 1–12 that closes the window.
        month: u32,
    },
    /// Police reporting quarter: 15th of the month before the quarter to 14th of its last month.
    ReportingQuarter {
        /// Reporting year.
        year: i32,
        /// Quarter 1–4.
        quarter: u32,
    },
    /// Half 1: 15/12 of the previous year to 14/6; half 2: 15/6 to 14/12.
    ReportingHalf {
        /// Reporting year.
        year: i32,
        /// 1 or 2.
        half: u32,
    },
    /// Nine months: 15/12 of the previous year to 14/9.
    ReportingNineMonths {
        /// Reporting year.
        year: i32,
    },
    /// Police reporting year: 15/12 of the previous year to 14/12.
    ReportingYear {
        /// Reporting year.
        year: i32,
    },
    /// Any range of whole Vietnam days, both ends included.
    Custom {
        /// First day.
        first: NaiveDate,
        /// Last day (included).
        last: NaiveDate,
    },
}

/// A checked period: whole days in Vietnam time, from `first` to `last` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodKind", into = "PeriodKind")]
pub struct Period {
    kind: PeriodKind,
    first: NaiveDate,
    last: NaiveDate,
}

/// How to cut a period into a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One bucket per Vietnam day.
    Day,
    /// Calendar months.
    Month,
    /// Police reporting months (15th–14th).
    ReportingMonth,
}

fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, StatsError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(StatsError::InvalidDate { year, month, day })
}

fn check_year(year: i32) -> Result<(), StatsError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(StatsError::YearOutOfRange { year })
    }
}

fn check_range(what: &'static str, value: u32, max: u32) -> Result<(), StatsError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(StatsError::PeriodField { what, value })
    }
}

/// Last day of a calendar month.
fn month_end(year: i32, month: u32) -> Result<NaiveDate, StatsError> {
    let first = ymd(year, month, 1)?;
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or(StatsError::YearOutOfRange { year })?;
    next.pred_opt().ok_or(StatsError::YearOutOfRange { year })
}

/// The 15th of the month before (year, month).
fn fifteenth_before(year: i32, month: u32) -> Result<NaiveDate, StatsError> {
    if month == 1 {
        ymd(year - 1, 12, 15)
    } else {
        ymd(year, month - 1, 15)
    }
}

impl Period {
    /// Checks a [`PeriodKind`] and resolves its days.
    pub fn new(kind: PeriodKind) -> Result<Self, StatsError> {
        let (first, last) = match kind {
            PeriodKind::Month { year, month } => {
                check_year(year)?;
                check_range("month", month, 12)?;
                (ymd(year, month, 1)?, month_end(year, month)?)
            }
            PeriodKind::Quarter { year, quarter } => {
                check_year(year)?;
                check_range("quarter", quarter, 4)?;
                let m = 3 * quarter;
                (ymd(year, m - 2, 1)?, month_end(year, m)?)
            }
            PeriodKind::Year { year } => {
                check_year(year)?;
                (ymd(year, 1, 1)?, ymd(year, 12, 31)?)
            }
            PeriodKind::ReportingMonth { year, month } => {
                check_year(year)?;
                check_range("month", month, 12)?;
                (fifteenth_before(year, month)?, ymd(year, month, 14)?)
            }
            PeriodKind::ReportingQuarter { year, quarter } => {
                check_year(year)?;
                check_range("quarter", quarter, 4)?;
                let m = 3 * quarter;
                (fifteenth_before(year, m - 2)?, ymd(year, m, 14)?)
            }
            PeriodKind::ReportingHalf { year, half } => {
                check_year(year)?;
                check_range("half", half, 2)?;
                if half == 1 {
                    (ymd(year - 1, 12, 15)?, ymd(year, 6, 14)?)
                } else {
                    (ymd(year, 6, 15)?, ymd(year, 12, 14)?)
                }
            }
            PeriodKind::ReportingNineMonths { year } => {
                check_year(year)?;
                (ymd(year - 1, 12, 15)?, ymd(year, 9, 14)?)
            }
            PeriodKind::ReportingYear { year } => {
                check_year(year)?;
                (ymd(year - 1, 12, 15)?, ymd(year, 12, 14)?)
            }
            PeriodKind::Custom { first, last } => {
                check_year(first.year())?;
                check_year(last.year())?;
                if last < first {
                    return Err(StatsError::EmptyRange { first, last });
                }
                (first, last)
            }
        };
        Ok(Self { kind, first, last })
    }

    /// Calendar month.
    pub fn month(year: i32, month: u32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::Month { year, month })
    }

    /// Calendar quarter.
    pub fn quarter(year: i32, quarter: u32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::Quarter { year, quarter })
    }

    /// Calendar year.
    pub fn year(year: i32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::Year { year })
    }

    /// Police reporting month closing on the 14th of `month`.
    pub fn reporting_month(year: i32, month: u32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::ReportingMonth { year, month })
    }

    /// Police reporting quarter.
    pub fn reporting_quarter(year: i32, quarter: u32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::ReportingQuarter { year, quarter })
    }

    /// Police reporting half-year (1 or 2).
    pub fn reporting_half(year: i32, half: u32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::ReportingHalf { year, half })
    }

    /// Police nine-month window.
    pub fn reporting_nine_months(year: i32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::ReportingNineMonths { year })
    }

    /// Police reporting year (15/12 of `year − 1` to 14/12 of `year`).
    pub fn reporting_year(year: i32) -> Result<Self, StatsError> {
        Self::new(PeriodKind::ReportingYear { year })
    }

    /// Custom range of whole Vietnam days, both ends included.
    pub fn custom(first: NaiveDate, last: NaiveDate) -> Result<Self, StatsError> {
        Self::new(PeriodKind::Custom { first, last })
    }

    /// The reporting month an instant belongs to (by its Vietnam date: the 15th and later
    /// belong to the next month's window).
    pub fn reporting_month_of(t: DateTime<Utc>) -> Result<Self, StatsError> {
        let d = vn_date(t);
        let (y, m) = if d.day() >= 15 {
            if d.month() == 12 {
                (d.year() + 1, 1)
            } else {
                (d.year(), d.month() + 1)
            }
        } else {
            (d.year(), d.month())
        };
        Self::reporting_month(y, m)
    }

    /// The reporting year an instant belongs to (15 December and later count in the next year).
    pub fn reporting_year_of(t: DateTime<Utc>) -> Result<Self, StatsError> {
        let d = vn_date(t);
        let y = if d.month() == 12 && d.day() >= 15 {
            d.year() + 1
        } else {
            d.year()
        };
        Self::reporting_year(y)
    }

    /// The calendar month an instant belongs to, in Vietnam time.
    pub fn month_of(t: DateTime<Utc>) -> Result<Self, StatsError> {
        let d = vn_date(t);
        Self::month(d.year(), d.month())
    }

    /// What this period is.
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// First Vietnam day of the period.
    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    /// Last Vietnam day of the period (included).
    pub fn last_day(&self) -> NaiveDate {
        self.last
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// The half-open UTC range `[start, end)` covering the period: `start` is 00:00 +07:00 of
    /// the first day (17:00 UTC the day before), `end` is 00:00 +07:00 of the day after the last.
    /// Use it as `created_at >= start AND created_at < end`.
    pub fn utc_range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let after = self.last.succ_opt().unwrap_or(self.last);
        (vn_midnight_utc(self.first), vn_midnight_utc(after))
    }

    /// Whether an instant falls in the period.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let (start, end) = self.utc_range();
        start <= t && t < end
    }

    /// The identical window one year earlier ("cùng kỳ năm trước"). For a custom range both
    /// ends move back one year; 29 February becomes 28 February.
    pub fn same_period_previous_year(&self) -> Result<Self, StatsError> {
        let kind = match self.kind {
            PeriodKind::Month { year, month } => PeriodKind::Month {
                year: year - 1,
                month,
            },
            PeriodKind::Quarter { year, quarter } => PeriodKind::Quarter {
                year: year - 1,
                quarter,
            },
            PeriodKind::Year { year } => PeriodKind::Year { year: year - 1 },
            PeriodKind::ReportingMonth { year, month } => PeriodKind::ReportingMonth {
                year: year - 1,
                month,
            },
            PeriodKind::ReportingQuarter { year, quarter } => PeriodKind::ReportingQuarter {
                year: year - 1,
                quarter,
            },
            PeriodKind::ReportingHalf { year, half } => PeriodKind::ReportingHalf {
                year: year - 1,
                half,
            },
            PeriodKind::ReportingNineMonths { year } => {
                PeriodKind::ReportingNineMonths { year: year - 1 }
            }
            PeriodKind::ReportingYear { year } => PeriodKind::ReportingYear { year: year - 1 },
            PeriodKind::Custom { first, last } => PeriodKind::Custom {
                first: shift_year_back(first)?,
                last: shift_year_back(last)?,
            },
        };
        Self::new(kind)
    }

    /// The period just before this one, of the same kind ("so với kỳ trước"). A custom range
    /// gives the range of equal length that ends the day before it starts. Cumulative windows
    /// (first half, nine months, reporting year) give the same window of the previous year.
    pub fn previous(&self) -> Result<Self, StatsError> {
        let kind = match self.kind {
            PeriodKind::Month { year, month } => {
                let (y, m) = prev_month(year, month);
                PeriodKind::Month { year: y, month: m }
            }
            PeriodKind::ReportingMonth { year, month } => {
                let (y, m) = prev_month(year, month);
                PeriodKind::ReportingMonth { year: y, month: m }
            }
            PeriodKind::Quarter { year, quarter } => {
                let (y, q) = if quarter == 1 {
                    (year - 1, 4)
                } else {
                    (year, quarter - 1)
                };
                PeriodKind::Quarter {
                    year: y,
                    quarter: q,
                }
            }
            PeriodKind::ReportingQuarter { year, quarter } => {
                let (y, q) = if quarter == 1 {
                    (year - 1, 4)
                } else {
                    (year, quarter - 1)
                };
                PeriodKind::ReportingQuarter {
                    year: y,
                    quarter: q,
                }
            }
            PeriodKind::ReportingHalf { year, half: 2 } => {
                PeriodKind::ReportingHalf { year, half: 1 }
            }
            PeriodKind::ReportingHalf { year, .. } => PeriodKind::ReportingHalf {
                year: year - 1,
                half: 2,
            },
            PeriodKind::Year { .. }
            | PeriodKind::ReportingYear { .. }
            | PeriodKind::ReportingNineMonths { .. } => {
                return self.same_period_previous_year();
            }
            PeriodKind::Custom { first, last } => {
                let len = (last - first).num_days();
                let new_last = first
                    .pred_opt()
                    .ok_or(StatsError::YearOutOfRange { year: first.year() })?;
                let new_first = new_last - Duration::days(len);
                PeriodKind::Custom {
                    first: new_first,
                    last: new_last,
                }
            }
        };
        Self::new(kind)
    }

    /// Cuts the period into consecutive buckets. Buckets are clipped to the period, so the
    /// first and last may be partial (a reporting quarter cut into calendar months starts
    /// with 15–31 December). The buckets are custom ranges except where a bucket coincides
    /// with a whole month or reporting month, which keeps its kind and label.
    pub fn split(&self, granularity: Granularity) -> Result<Vec<Period>, StatsError> {
        let mut out = Vec::new();
        let mut day = self.first;
        while day <= self.last {
            let natural = match granularity {
                Granularity::Day => Period::custom(day, day)?,
                Granularity::Month => Period::month(day.year(), day.month())?,
                Granularity::ReportingMonth => Period::reporting_month_of(vn_midnight_utc(day))?,
            };
            let first = natural.first.max(self.first);
            let last = natural.last.min(self.last);
            if first == natural.first && last == natural.last {
                out.push(natural);
            } else {
                out.push(Period::custom(first, last)?);
            }
            match last.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(out)
    }

    /// Short Vietnamese label, e.g. "Tháng 3/2026 (15/02–14/03/2026)".
    pub fn label_vi(&self) -> String {
        let range = format!(
            "{}–{}",
            self.first.format("%d/%m/%Y"),
            self.last.format("%d/%m/%Y")
        );
        match self.kind {
            PeriodKind::Month { year, month } => format!("Tháng {month}/{year}"),
            PeriodKind::Quarter { year, quarter } => format!("Quý {quarter}/{year}"),
            PeriodKind::Year { year } => format!("Năm {year}"),
            PeriodKind::ReportingMonth { year, month } => {
                format!("Kỳ báo cáo tháng {month}/{year} ({range})")
            }
            PeriodKind::ReportingQuarter { year, quarter } => {
                format!("Kỳ báo cáo quý {quarter}/{year} ({range})")
            }
            PeriodKind::ReportingHalf { year, half: 1 } => {
                format!("6 tháng đầu năm {year} ({range})")
            }
            PeriodKind::ReportingHalf { year, .. } => {
                format!("6 tháng cuối năm {year} ({range})")
            }
            PeriodKind::ReportingNineMonths { year } => format!("9 tháng năm {year} ({range})"),
            PeriodKind::ReportingYear { year } => format!("Kỳ báo cáo năm {year} ({range})"),
            PeriodKind::Custom { .. } => format!("Từ {range}"),
        }
    }

    /// Short English label, e.g. "Reporting month 3/2026 (15/02–14/03/2026)".
    pub fn label_en(&self) -> String {
        let range = format!(
            "{}–{}",
            self.first.format("%d/%m/%Y"),
            self.last.format("%d/%m/%Y")
        );
        match self.kind {
            PeriodKind::Month { year, month } => format!("Month {month}/{year}"),
            PeriodKind::Quarter { year, quarter } => format!("Q{quarter} {year}"),
            PeriodKind::Year { year } => format!("Year {year}"),
            PeriodKind::ReportingMonth { year, month } => {
                format!("Reporting month {month}/{year} ({range})")
            }
            PeriodKind::ReportingQuarter { year, quarter } => {
                format!("Reporting Q{quarter} {year} ({range})")
            }
            PeriodKind::ReportingHalf { year, half } => {
                format!("Reporting half {half} {year} ({range})")
            }
            PeriodKind::ReportingNineMonths { year } => {
                format!("Reporting nine months {year} ({range})")
            }
            PeriodKind::ReportingYear { year } => format!("Reporting year {year} ({range})"),
            PeriodKind::Custom { .. } => format!("From {range}"),
        }
    }
}

fn prev_month(year: i32, month: u32) -> (i32, u32) {
    if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
    }
}

fn shift_year_back(d: NaiveDate) -> Result<NaiveDate, StatsError> {
    d.checked_sub_months(Months::new(12))
        .ok_or(StatsError::YearOutOfRange { year: d.year() })
}

impl TryFrom<PeriodKind> for Period {
    type Error = StatsError;
    fn try_from(kind: PeriodKind) -> Result<Self, StatsError> {
        Period::new(kind)
    }
}

impl From<Period> for PeriodKind {
    fn from(p: Period) -> Self {
        p.kind
    }
}

/// The compact text form used in URLs (`?period=R2026-03`):
///
/// | form | period |
/// |---|---|
/// | `2026-03` | calendar month |
/// | `2026-Q2` | calendar quarter |
/// | `2026` | calendar year |
/// | `R2026-03` | reporting month (15/02–14/03/2026) |
/// | `R2026-Q2` | reporting quarter |
/// | `R2026-H1`, `R2026-H2` | reporting half |
/// | `R2026-9M` | nine months |
/// | `R2026` | reporting year (15/12/2025–14/12/2026) |
/// | `2026-01-01..2026-03-31` | custom, both days included |
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month { year, month } => write!(f, "{year}-{month:02}"),
            PeriodKind::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            PeriodKind::Year { year } => write!(f, "{year}"),
            PeriodKind::ReportingMonth { year, month } => write!(f, "R{year}-{month:02}"),
            PeriodKind::ReportingQuarter { year, quarter } => write!(f, "R{year}-Q{quarter}"),
            PeriodKind::ReportingHalf { year, half } => write!(f, "R{year}-H{half}"),
            PeriodKind::ReportingNineMonths { year } => write!(f, "R{year}-9M"),
            PeriodKind::ReportingYear { year } => write!(f, "R{year}"),
            PeriodKind::Custom { first, last } => write!(
                f,
                "{}..{}",
                first.format("%Y-%m-%d"),
                last.format("%Y-%m-%d")
            ),
        }
    }
}

impl FromStr for Period {
    type Err = StatsError;

    fn from_str(s: &str) -> Result<Self, StatsError> {
        let bad = || StatsError::PeriodSyntax {
            input: s.to_owned(),
        };
        let t = s.trim();
        if let Some((a, b)) = t.split_once("..") {
            let first = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            let last = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            return Period::custom(first, last);
        }
        let (reporting, rest) = match t.strip_prefix(['R', 'r']) {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (year_s, suffix) = match rest.split_once('-') {
            Some((y, sfx)) => (y, Some(sfx)),
            None => (rest, None),
        };
        if year_s.len() != 4 || !year_s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year_s.parse().map_err(|_| bad())?;
        let number = |x: &str| -> Result<u32, StatsError> {
            if x.is_empty() || x.len() > 2 || !x.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            x.parse().map_err(|_| bad())
        };
        match (reporting, suffix) {
            (false, None) => Period::year(year),
            (true, None) => Period::reporting_year(year),
            (r, Some(sfx)) => {
                let upper = sfx.to_ascii_uppercase();
                if let Some(q) = upper.strip_prefix('Q') {
                    let q = number(q)?;
                    if r {
                        Period::reporting_quarter(year, q)
                    } else {
                        Period::quarter(year, q)
                    }
                } else if let Some(h) = upper.strip_prefix('H') {
                    if !r {
                        return Err(bad());
                    }
                    Period::reporting_half(year, number(h)?)
                } else if upper == "9M" {
                    if !r {
                        return Err(bad());
                    }
                    Period::reporting_nine_months(year)
                } else {
                    if sfx.len() != 2 {
                        return Err(bad());
                    }
                    let m = number(sfx)?;
                    if r {
                        Period::reporting_month(year, m)
                    } else {
                        Period::month(year, m)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reporting_month_windows() {
        let p = Period::reporting_month(2026, 3).unwrap();
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d(2026, 2, 15), d(2026, 3, 14))
        );
        let (s, e) = p.utc_range();
        assert_eq!(s, utc("2026-02-14T17:00:00Z"));
        assert_eq!(e, utc("2026-03-14T17:00:00Z"));
        let jan = Period::reporting_month(2026, 1).unwrap();
        assert_eq!(jan.first_day(), d(2025, 12, 15));
        assert_eq!(jan.last_day(), d(2026, 1, 14));
    }

    #[test]
    fn late_evening_utc_on_the_14th_is_the_15th_in_vietnam() {
        // 23:30 UTC on 14 March is 06:30 on 15 March in Hanoi: next reporting month.
        let t = utc("2026-03-14T23:30:00Z");
        let march = Period::reporting_month(2026, 3).unwrap();
        let april = Period::reporting_month(2026, 4).unwrap();
        assert!(!march.contains(t));
        assert!(april.contains(t));
        assert_eq!(Period::reporting_month_of(t).unwrap(), april);
        // 16:59:59 UTC on the 14th is 23:59:59 on the 14th: still March.
        let t = utc("2026-03-14T16:59:59Z");
        assert!(march.contains(t));
        assert_eq!(Period::reporting_month_of(t).unwrap(), march);
        // Calendar months move at 17:00 UTC too.
        let t = utc("2026-03-31T17:00:00Z");
        assert_eq!(
            Period::month_of(t).unwrap(),
            Period::month(2026, 4).unwrap()
        );
    }

    #[test]
    fn reporting_year_quarters_and_halves() {
        let y = Period::reporting_year(2026).unwrap();
        assert_eq!(
            (y.first_day(), y.last_day()),
            (d(2025, 12, 15), d(2026, 12, 14))
        );
        let q1 = Period::reporting_quarter(2026, 1).unwrap();
        assert_eq!(
            (q1.first_day(), q1.last_day()),
            (d(2025, 12, 15), d(2026, 3, 14))
        );
        let q4 = Period::reporting_quarter(2026, 4).unwrap();
        assert_eq!(
            (q4.first_day(), q4.last_day()),
            (d(2026, 9, 15), d(2026, 12, 14))
        );
        let h1 = Period::reporting_half(2026, 1).unwrap();
        assert_eq!(
            (h1.first_day(), h1.last_day()),
            (d(2025, 12, 15), d(2026, 6, 14))
        );
        let h2 = Period::reporting_half(2026, 2).unwrap();
        assert_eq!(
            (h2.first_day(), h2.last_day()),
            (d(2026, 6, 15), d(2026, 12, 14))
        );
        let n = Period::reporting_nine_months(2026).unwrap();
        assert_eq!(n.last_day(), d(2026, 9, 14));
        assert_eq!(
            Period::reporting_year_of(utc("2025-12-14T17:00:00Z")).unwrap(),
            y
        );
        assert_eq!(
            Period::reporting_year_of(utc("2025-12-14T16:59:59Z")).unwrap(),
            Period::reporting_year(2025).unwrap()
        );
    }

    #[test]
    fn calendar_periods() {
        let feb = Period::month(2024, 2).unwrap();
        assert_eq!(feb.last_day(), d(2024, 2, 29));
        assert_eq!(feb.days(), 29);
        let q = Period::quarter(2026, 4).unwrap();
        assert_eq!(
            (q.first_day(), q.last_day()),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        assert_eq!(Period::year(2026).unwrap().days(), 365);
    }

    #[test]
    fn invalid_periods_are_errors() {
        assert!(matches!(
            Period::month(2026, 13),
            Err(StatsError::PeriodField {
                what: "month",
                value: 13
            })
        ));
        assert!(Period::quarter(2026, 0).is_err());
        assert!(Period::reporting_half(2026, 3).is_err());
        assert!(Period::year(20000).is_err());
        assert!(matches!(
            Period::custom(d(2026, 2, 1), d(2026, 1, 1)),
            Err(StatsError::EmptyRange { .. })
        ));
    }

    #[test]
    fn same_period_previous_year_and_previous() {
        let p = Period::reporting_month(2026, 1).unwrap();
        let prev_year = p.same_period_previous_year().unwrap();
        assert_eq!(prev_year.first_day(), d(2024, 12, 15));
        assert_eq!(
            p.previous().unwrap(),
            Period::reporting_month(2025, 12).unwrap()
        );
        let c = Period::custom(d(2024, 2, 29), d(2024, 3, 10)).unwrap();
        let cp = c.same_period_previous_year().unwrap();
        assert_eq!(
            (cp.first_day(), cp.last_day()),
            (d(2023, 2, 28), d(2023, 3, 10))
        );
        let prev = c.previous().unwrap();
        assert_eq!(prev.days(), c.days());
        assert_eq!(prev.last_day(), d(2024, 2, 28));
        assert_eq!(
            Period::reporting_half(2026, 1).unwrap().previous().unwrap(),
            Period::reporting_half(2025, 2).unwrap()
        );
    }

    #[test]
    fn split_into_reporting_months_and_months() {
        let y = Period::reporting_year(2026).unwrap();
        let months = y.split(Granularity::ReportingMonth).unwrap();
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], Period::reporting_month(2026, 1).unwrap());
        assert_eq!(months[11], Period::reporting_month(2026, 12).unwrap());
        let cal = y.split(Granularity::Month).unwrap();
        assert_eq!(cal.len(), 13);
        assert_eq!(cal[0].first_day(), d(2025, 12, 15));
        assert_eq!(cal[0].last_day(), d(2025, 12, 31));
        assert_eq!(cal[1], Period::month(2026, 1).unwrap());
        assert_eq!(cal[12].last_day(), d(2026, 12, 14));
        let days = Period::month(2026, 2)
            .unwrap()
            .split(Granularity::Day)
            .unwrap();
        assert_eq!(days.len(), 28);
    }

    #[test]
    fn text_form_round_trips_and_rejects_garbage() {
        for s in [
            "2026-03",
            "2026-Q2",
            "2026",
            "R2026-03",
            "R2026-Q1",
            "R2026-H2",
            "R2026-9M",
            "R2026",
            "2026-01-01..2026-03-31",
        ] {
            let p: Period = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        for s in [
            "",
            "26",
            "2026-3",
            "2026-13",
            "2026-H1",
            "R2026-Q5",
            "x2026",
            "2026-01-01..x",
        ] {
            assert!(s.parse::<Period>().is_err(), "{s}");
        }
        assert_eq!(
            Period::reporting_month(2026, 3).unwrap().label_vi(),
            "Kỳ báo cáo tháng 3/2026 (15/02/2026–14/03/2026)"
        );
    }

    #[test]
    fn serde_checks_the_period() {
        let p = Period::reporting_quarter(2026, 2).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"reporting_quarter","year":2026,"quarter":2}"#
        );
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        assert!(
            serde_json::from_str::<Period>(r#"{"kind":"month","year":2026,"month":0}"#).is_err()
        );
    }

    proptest! {
        #[test]
        fn every_instant_is_in_exactly_one_reporting_month(secs in 946_684_800i64..4_102_444_800i64) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
            let own = Period::reporting_month_of(t).unwrap();
            prop_assert!(own.contains(t));
            // The neighbours of its reporting month (and the month twelve away) never contain it.
            let prev = own.previous().unwrap();
            let next_kind = match own.kind() {
                PeriodKind::ReportingMonth { year, month: 12 } => PeriodKind::ReportingMonth { year: year + 1, month: 1 },
                PeriodKind::ReportingMonth { year, month } => PeriodKind::ReportingMonth { year, month: month + 1 },
                other => other,
            };
            let next = Period::new(next_kind).unwrap();
            prop_assert!(!prev.contains(t));
            prop_assert!(!next.contains(t));
            prop_assert!(!own.same_period_previous_year().unwrap().contains(t));
            // Exactly one of the twelve months of its reporting year contains it.
            let year = Period::reporting_year_of(t).unwrap();
            prop_assert!(year.contains(t));
            let hits = year.split(Granularity::ReportingMonth).unwrap().iter().filter(|m| m.contains(t)).count();
            prop_assert_eq!(hits, 1);
        }

        #[test]
        fn reporting_months_tile_time(year in 1901i32..9000, month in 1u32..=12) {
            let p = Period::reporting_month(year, month).unwrap();
            let (_, end) = p.utc_range();
            let next = Period::reporting_month_of(end).unwrap();
            prop_assert_eq!(next.utc_range().0, end);
            prop_assert_eq!(Period::reporting_month_of(end - Duration::seconds(1)).unwrap(), p);
        }

        #[test]
        fn text_form_round_trips(year in 1901i32..9000, n in 1u32..=12, variant in 0u8..9, len in 0i64..400) {
            let p = match variant {
                0 => Period::month(year, n),
                1 => Period::quarter(year, 1 + n % 4),
                2 => Period::year(year),
                3 => Period::reporting_month(year, n),
                4 => Period::reporting_quarter(year, 1 + n % 4),
                5 => Period::reporting_half(year, 1 + n % 2),
                6 => Period::reporting_nine_months(year),
                7 => Period::reporting_year(year),
                _ => {
                    let first = NaiveDate::from_ymd_opt(year, n, 1).unwrap();
                    Period::custom(first, first + Duration::days(len))
                }
            }.unwrap();
            let back: Period = p.to_string().parse().unwrap();
            prop_assert_eq!(back, p);
            let (s, e) = p.utc_range();
            prop_assert_eq!((e - s).num_days(), p.days());
        }
    }
}
