//! The switchboard's call log (the 113 and 114 hotlines): the lines, how a call ends and what
//! each ending must link to, the rule that flags a repeat nuisance number, and the daily report
//! of calls per hour and per call-taker.
//!
//! Hanoi's hotlines take about 2,000–2,500 calls a day for 50–60 real reports, so most calls
//! end as a prank, a wrong number, a silent line or a question answered. Every call is logged
//! all the same: the log is what the daily report counts and what shows a call-taker that the
//! number on the line has called in jest twice already today.
//!
//! Pure: callers pass `now` and the rows; the store keeps the calls and the server asks these
//! rules.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::stats::period::{vn_midnight_utc, vn_offset};

/// A hotline the call came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Line {
    /// 113: police.
    #[serde(rename = "113")]
    Police,
    /// 114: fire and rescue.
    #[serde(rename = "114")]
    FireRescue,
}

impl Line {
    /// The number dialled, as the API and the database write it.
    pub fn code(self) -> &'static str {
        match self {
            Line::Police => "113",
            Line::FireRescue => "114",
        }
    }

    /// Parses `113` or `114`.
    pub fn parse(code: &str) -> Option<Line> {
        match code.trim() {
            "113" => Some(Line::Police),
            "114" => Some(Line::FireRescue),
            _ => None,
        }
    }

    /// The incident channel of a report taken on this line.
    pub fn channel(self) -> &'static str {
        match self {
            Line::Police => "hotline_113",
            Line::FireRescue => "hotline_114",
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A real report: an incident was opened from the call (links the incident).
    IncidentOpened,
    /// A question answered or advice given; nothing to dispatch.
    InformationGiven,
    /// A prank or abusive call.
    Prank,
    /// The caller meant another number.
    WrongNumber,
    /// Nobody spoke (or the line dropped at once).
    Silent,
    /// Another report of an incident already open (links that incident).
    Duplicate,
    /// Handed to another line, e.g. 115 for an ambulance (names where).
    Transferred,
}

impl Outcome {
    /// Every outcome, in the order reports show them.
    pub const ALL: [Outcome; 7] = [
        Outcome::IncidentOpened,
        Outcome::InformationGiven,
        Outcome::Prank,
        Outcome::WrongNumber,
        Outcome::Silent,
        Outcome::Duplicate,
        Outcome::Transferred,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::IncidentOpened => "incident_opened",
            Outcome::InformationGiven => "information_given",
            Outcome::Prank => "prank",
            Outcome::WrongNumber => "wrong_number",
            Outcome::Silent => "silent",
            Outcome::Duplicate => "duplicate",
            Outcome::Transferred => "transferred",
        }
    }

    /// Parses the snake_case code.
    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code.trim())
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Outcome::IncidentOpened => "Tạo vụ việc",
            Outcome::InformationGiven => "Cung cấp thông tin",
            Outcome::Prank => "Quấy rối, đùa cợt",
            Outcome::WrongNumber => "Nhầm số",
            Outcome::Silent => "Im lặng",
            Outcome::Duplicate => "Trùng vụ việc đã có",
            Outcome::Transferred => "Chuyển máy",
        }
    }

    /// Whether the ending must link an incident (the one opened, or the one it duplicates).
    pub fn needs_incident(self) -> bool {
        matches!(self, Outcome::IncidentOpened | Outcome::Duplicate)
    }

    /// Whether the ending counts towards the nuisance flag of the caller's number.
    pub fn is_nuisance(self) -> bool {
        matches!(self, Outcome::Prank | Outcome::Silent)
    }
}

/// A refused request on the call log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// `incident_opened` and `duplicate` must name their incident.
    #[error("outcome {outcome} needs incident_id")]
    MissingIncident {
        /// The outcome's code.
        outcome: &'static str,
    },
    /// Only `incident_opened` and `duplicate` link an incident.
    #[error("outcome {outcome} does not link an incident")]
    UnexpectedIncident {
        /// The outcome's code.
        outcome: &'static str,
    },
    /// `transferred` must say where to.
    #[error("outcome transferred needs transferred_to (e.g. 115)")]
    MissingTransferTarget,
    /// Only `transferred` names a line it went to.
    #[error("outcome {outcome} does not take transferred_to")]
    UnexpectedTransferTarget {
        /// The outcome's code.
        outcome: &'static str,
    },
    /// A free-text field is longer than allowed.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field's name.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
}

impl CallError {
    /// The stable code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::MissingIncident { .. }
            | CallError::UnexpectedIncident { .. }
            | CallError::MissingTransferTarget
            | CallError::UnexpectedTransferTarget { .. } => "invalid_outcome_link",
            CallError::TooLong { .. } => "invalid_field",
        }
    }
}

/// Longest note kept on a call.
pub const MAX_NOTE: usize = 2000;
/// Longest "transferred to" text.
pub const MAX_TRANSFER_TARGET: usize = 100;

/// How a call-taker closes a call, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    /// The ending.
    pub outcome: Outcome,
    /// The incident opened or duplicated.
    pub incident_id: Option<i64>,
    /// Where a transferred call went, e.g. `115`.
    pub transferred_to: Option<String>,
    /// Free note.
    pub note: Option<String>,
}

/// Trims a free-text field, drops it when empty, and refuses it past `max` characters.
pub fn clean_text(
    field: &'static str,
    text: Option<&str>,
    max: usize,
) -> Result<Option<String>, CallError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > max {
        return Err(CallError::TooLong { field, max });
    }
    Ok(Some(t.to_owned()))
}

impl Closing {
    /// Checks that the ending carries exactly the link it needs: an incident for
    /// `incident_opened` and `duplicate`, a destination for `transferred`, and nothing else.
    /// Returns the closing with its texts trimmed.
    pub fn validate(self) -> Result<Closing, CallError> {
        let outcome = self.outcome;
        let transferred_to = clean_text(
            "transferred_to",
            self.transferred_to.as_deref(),
            MAX_TRANSFER_TARGET,
        )?;
        let note = clean_text("note", self.note.as_deref(), MAX_NOTE)?;
        match (outcome.needs_incident(), self.incident_id) {
            (true, None) => {
                return Err(CallError::MissingIncident {
                    outcome: outcome.code(),
                })
            }
            (false, Some(_)) => {
                return Err(CallError::UnexpectedIncident {
                    outcome: outcome.code(),
                })
            }
            _ => {}
        }
        match (outcome == Outcome::Transferred, &transferred_to) {
            (true, None) => return Err(CallError::MissingTransferTarget),
            (false, Some(_)) => {
                return Err(CallError::UnexpectedTransferTarget {
                    outcome: outcome.code(),
                })
            }
            _ => {}
        }
        Ok(Closing {
            outcome,
            incident_id: self.incident_id,
            transferred_to,
            note,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Nuisance numbers

/// Prank or silent calls from one number within 24 hours that flag it as a nuisance.
///
/// Three in a day is past what a pocket dial or a dropped line explains (one or two happen to
/// honest callers), and is the pattern call-takers describe for a bored or hostile caller.
pub const NUISANCE_PER_DAY: usize = 3;
/// Prank or silent calls from one number within 7 days that flag it as a nuisance: a number
/// that calls in jest once or twice a day all week is caught even when no single day reaches
/// [`NUISANCE_PER_DAY`].
pub const NUISANCE_PER_WEEK: usize = 5;

/// One earlier call from the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastCall {
    /// When it was answered.
    pub answered_at: DateTime<Utc>,
    /// How it ended; `None` while it is still open.
    pub outcome: Option<Outcome>,
}

/// What the log says about a caller's number, shown when a call from it is answered.
///
/// The flag is advice to the call-taker, never a block: a silent call can be a person who
/// cannot speak, and a number that pranked yesterday can report a real fire today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallerHistory {
    /// Calls from the number in the last 7 days.
    pub calls_7d: usize,
    /// Of those, answered in the last 24 hours.
    pub calls_24h: usize,
    /// Prank or silent calls in the last 24 hours.
    pub nuisance_24h: usize,
    /// Prank or silent calls in the last 7 days.
    pub nuisance_7d: usize,
    /// Calls that opened an incident in the last 7 days.
    pub incidents_7d: usize,
    /// Whether the number is a repeat nuisance: at least [`NUISANCE_PER_DAY`] prank or silent
    /// calls in 24 hours, or at least [`NUISANCE_PER_WEEK`] in 7 days.
    pub nuisance: bool,
}

/// Judges a number from its earlier calls. Calls answered after `now` or more than 7 days
/// before it are left out; windows are `(now - span, now]`.
pub fn caller_history(now: DateTime<Utc>, past: &[PastCall]) -> CallerHistory {
    let day = now - Duration::hours(24);
    let week = now - Duration::days(7);
    let mut h = CallerHistory {
        calls_7d: 0,
        calls_24h: 0,
        nuisance_24h: 0,
        nuisance_7d: 0,
        incidents_7d: 0,
        nuisance: false,
    };
    for c in past
        .iter()
        .filter(|c| c.answered_at > week && c.answered_at <= now)
    {
        let in_day = c.answered_at > day;
        let nuisance = c.outcome.is_some_and(Outcome::is_nuisance);
        h.calls_7d += 1;
        h.calls_24h += usize::from(in_day);
        h.nuisance_7d += usize::from(nuisance);
        h.nuisance_24h += usize::from(nuisance && in_day);
        h.incidents_7d += usize::from(c.outcome == Some(Outcome::IncidentOpened));
    }
    h.nuisance = h.nuisance_24h >= NUISANCE_PER_DAY || h.nuisance_7d >= NUISANCE_PER_WEEK;
    h
}

// ---------------------------------------------------------------------------------------------
// The daily report

/// One call as the daily report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub answered_at: DateTime<Utc>,
    /// `None` while the call is open.
    pub ended_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    /// The call-taker's user id (`None` for a call logged by the system).
    pub call_taker_id: Option<i64>,
    pub call_taker_name: String,
}

/// The figures of a group of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallFigures {
    /// Calls answered.
    pub calls: u64,
    /// Still open (no outcome yet).
    pub open: u64,
    pub incidents_opened: u64,
    pub information_given: u64,
    pub prank: u64,
    pub wrong_number: u64,
    pub silent: u64,
    pub duplicate: u64,
    pub transferred: u64,
    /// Mean answered → ended of the closed calls, in seconds.
    pub mean_duration_secs: Option<f64>,
    /// Median answered → ended of the closed calls, in seconds (the mean of the two middle
    /// values for an even count).
    pub median_duration_secs: Option<f64>,
}

impl CallFigures {
    fn of<'a>(rows: impl IntoIterator<Item = &'a CallRow>) -> CallFigures {
        let mut f = CallFigures::default();
        let mut durations = Vec::new();
        for r in rows {
            f.calls += 1;
            match r.outcome {
                None => f.open += 1,
                Some(Outcome::IncidentOpened) => f.incidents_opened += 1,
                Some(Outcome::InformationGiven) => f.information_given += 1,
                Some(Outcome::Prank) => f.prank += 1,
                Some(Outcome::WrongNumber) => f.wrong_number += 1,
                Some(Outcome::Silent) => f.silent += 1,
                Some(Outcome::Duplicate) => f.duplicate += 1,
                Some(Outcome::Transferred) => f.transferred += 1,
            }
            if let Some(end) = r.ended_at {
                let ms = (end - r.answered_at).num_milliseconds().max(0);
                durations.push(ms as f64 / 1000.0);
            }
        }
        if !durations.is_empty() {
            durations.sort_by(f64::total_cmp);
            let n = durations.len();
            f.mean_duration_secs = Some(durations.iter().sum::<f64>() / n as f64);
            f.median_duration_secs = Some(if n % 2 == 1 {
                durations[n / 2]
            } else {
                (durations[n / 2 - 1] + durations[n / 2]) / 2.0
            });
        }
        f
    }
}

/// One hour of the day (Vietnam time).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourFigures {
    /// 0 to 23.
    pub hour: u32,
    #[serde(flatten)]
    pub figures: CallFigures,
}

/// One call-taker's calls of the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallTakerFigures {
    pub call_taker_id: Option<i64>,
    pub call_taker_name: String,
    #[serde(flatten)]
    pub figures: CallFigures,
}

/// The switchboard's day: every hour 0–23, every call-taker who answered, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyCallReport {
    /// The Vietnam calendar day.
    pub date: NaiveDate,
    /// The half-open UTC window `[utc_start, utc_end)` of the day.
    pub utc_start: DateTime<Utc>,
    pub utc_end: DateTime<Utc>,
    pub totals: CallFigures,
    /// Always 24 rows, hours without calls included.
    pub by_hour: Vec<HourFigures>,
    /// Call-takers by name.
    pub by_call_taker: Vec<CallTakerFigures>,
}

/// The UTC window `[start, end)` of a Vietnam calendar day.
pub fn day_window(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = vn_midnight_utc(date);
    (start, start + Duration::days(1))
}

/// Counts the calls answered on `date` (Vietnam time) per hour and per call-taker. Rows
/// answered outside the day are left out, so the hours always add up to the totals.
pub fn daily_report(date: NaiveDate, rows: &[CallRow]) -> DailyCallReport {
    let (utc_start, utc_end) = day_window(date);
    let day: Vec<&CallRow> = rows
        .iter()
        .filter(|r| r.answered_at >= utc_start && r.answered_at < utc_end)
        .collect();
    let mut hours: Vec<Vec<&CallRow>> = vec![Vec::new(); 24];
    let mut takers: BTreeMap<(String, Option<i64>), Vec<&CallRow>> = BTreeMap::new();
    for r in &day {
        let hour = r.answered_at.with_timezone(&vn_offset()).hour() as usize;
        if let Some(bucket) = hours.get_mut(hour) {
            bucket.push(r);
        }
        takers
            .entry((r.call_taker_name.clone(), r.call_taker_id))
            .or_default()
            .push(r);
    }
    DailyCallReport {
        date,
        utc_start,
        utc_end,
        totals: CallFigures::of(day.iter().copied()),
        by_hour: hours
            .iter()
            .enumerate()
            .map(|(h, rows)| HourFigures {
                hour: h as u32,
                figures: CallFigures::of(rows.iter().copied()),
            })
            .collect(),
        by_call_taker: takers
            .into_iter()
            .map(|((name, id), rows)| CallTakerFigures {
                call_taker_id: id,
                call_taker_name: name,
                figures: CallFigures::of(rows),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
