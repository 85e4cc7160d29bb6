//! Where a criminal case stands in the investigation (khởi tố → điều tra → tạm đình chỉ /
//! đình chỉ / kết luận → đề nghị truy tố), which moves are allowed, and how the status relates
//! to the "solved" (khám phá) date the clearance rate counts.
//!
//! The rules:
//! - A case starts `prosecuted` (khởi tố vụ án).
//! - `prosecuted` and `investigating` may go to `investigating`, `suspended`, `discontinued`,
//!   `concluded` or `sent_for_prosecution`; `prosecuted` may not come back once left.
//! - A `suspended` case may resume `investigating`, or be `discontinued`.
//! - A `concluded` case may be `sent_for_prosecution`.
//! - `discontinued` and `sent_for_prosecution` end the case: nothing follows them.
//! - A change is dated as told (it may be in the past), but never before the case was
//!   discovered, never before the current status's date, and never after `now`.
//! - `concluded` and `sent_for_prosecution` mean the offender is known: reaching either sets the
//!   case's `solved_at` to the change's date when it is not set yet. An existing `solved_at` is
//!   never moved, and no status clears it, so the clearance rate of existing data is unchanged.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StatsError;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Khởi tố vụ án: the case is opened (every case starts here).
    Prosecuted,
    /// Đang điều tra.
    Investigating,
    /// Tạm đình chỉ điều tra (e.g. the suspect is not identified or has fled).
    Suspended,
    /// Đình chỉ điều tra: ends the case without prosecution.
    Discontinued,
    /// Đã kết luận điều tra (đã khám phá).
    Concluded,
    /// Đề nghị truy tố, file sent to the procuracy: ends the case for the police.
    SentForProsecution,
}

impl CaseStatus {
    /// All statuses in the order of the procedure.
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::Prosecuted,
        CaseStatus::Investigating,
        CaseStatus::Suspended,
        CaseStatus::Discontinued,
        CaseStatus::Concluded,
        CaseStatus::SentForProsecution,
    ];

    /// Stable code, as stored and sent.
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Prosecuted => "prosecuted",
            CaseStatus::Investigating => "investigating",
            CaseStatus::Suspended => "suspended",
            CaseStatus::Discontinued => "discontinued",
            CaseStatus::Concluded => "concluded",
            CaseStatus::SentForProsecution => "sent_for_prosecution",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            CaseStatus::Prosecuted => "Khởi tố vụ án",
            CaseStatus::Investigating => "Đang điều tra",
            CaseStatus::Suspended => "Tạm đình chỉ điều tra",
            CaseStatus::Discontinued => "Đình chỉ điều tra",
            CaseStatus::Concluded => "Đã kết luận điều tra",
            CaseStatus::SentForProsecution => "Đề nghị truy tố",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            CaseStatus::Prosecuted => "Prosecuted",
            CaseStatus::Investigating => "Investigating",
            CaseStatus::Suspended => "Suspended",
            CaseStatus::Discontinued => "Discontinued",
            CaseStatus::Concluded => "Investigation concluded",
            CaseStatus::SentForProsecution => "Sent for prosecution",
        }
    }

    /// Whether nothing may follow this status.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Discontinued | CaseStatus::SentForProsecution
        )
    }

    /// Whether reaching this status means the case is solved (khám phá).
    pub fn marks_solved(self) -> bool {
        matches!(self, CaseStatus::Concluded | CaseStatus::SentForProsecution)
    }

    /// Whether a case at `self` may move to `next`.
    pub fn can_move_to(self, next: CaseStatus) -> bool {
        use CaseStatus::*;
        match self {
            Prosecuted | Investigating => {
                matches!(
                    next,
                    Investigating | Suspended | Discontinued | Concluded | SentForProsecution
                ) && !(self == Investigating && next == Investigating)
            }
            Suspended => matches!(next, Investigating | Discontinued),
            Concluded => next == SentForProsecution,
            Discontinued | SentForProsecution => false,
        }
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for CaseStatus {
    type Err = String;

    /// Reads a code (`sent_for_prosecution`, also with `-` or spaces) or a Vietnamese label
    /// (`Đang điều tra`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_lowercase();
        let code = t.replace(['-', ' '], "_");
        CaseStatus::ALL
            .into_iter()
            .find(|st| st.code() == code || st.label_vi().to_lowercase() == t)
            .ok_or_else(|| {
                format!(
                    "unknown case status {:?} (expected one of: {})",
                    s.trim(),
                    CaseStatus::ALL.map(CaseStatus::code).join(", ")
                )
            })
    }
}

/// A case's status as it stands before a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseStanding {
    /// Current status.
    pub status: CaseStatus,
    /// Date of the current status.
    pub status_at: DateTime<Utc>,
    /// When the case was discovered.
    pub discovered_at: DateTime<Utc>,
    /// When it was solved, if it is.
    pub solved_at: Option<DateTime<Utc>>,
}

/// What a change leaves: the new status, its date and the solved date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    /// New status.
    pub status: CaseStatus,
    /// Its date.
    pub status_at: DateTime<Utc>,
    /// The solved date after the change.
    pub solved_at: Option<DateTime<Utc>>,
}

/// Checks moving a case at `standing` to `next` dated `at`, and says what the case becomes.
pub fn change_status(
    standing: &CaseStanding,
    next: CaseStatus,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<StatusChange, StatsError> {
    if !standing.status.can_move_to(next) {
        return Err(StatsError::CaseTransition {
            from: standing.status.code(),
            to: next.code(),
        });
    }
    check_status_date(standing.discovered_at, Some(standing.status_at), at, now)?;
    Ok(StatusChange {
        status: next,
        status_at: at,
        solved_at: solved_after(next, at, standing.solved_at),
    })
}

/// The solved date after reaching `status` at `at`: set to `at` by a status that means the case
/// is solved when not set yet, otherwise unchanged.
pub fn solved_after(
    status: CaseStatus,
    at: DateTime<Utc>,
    solved_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match solved_at {
        Some(s) => Some(s),
        None if status.marks_solved() => Some(at),
        None => None,
    }
}

/// Checks a status date: not before the discovery, not before `previous` (the current
/// status's date), not after `now`.
pub fn check_status_date(
    discovered_at: DateTime<Utc>,
    previous: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StatsError> {
    let reason = if at < discovered_at {
        Some(format!(
            "{at} is before the case was discovered ({discovered_at})"
        ))
    } else if previous.is_some_and(|p| at < p) {
        Some(format!(
            "{at} is before the current status's date ({})",
            previous.unwrap_or(at)
        ))
    } else if at > now {
        Some(format!("{at} is in the future"))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StatsError::CaseStatusDate { reason }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn allowed_moves() {
        assert!(Prosecuted.can_move_to(Investigating));
        assert!(Investigating.can_move_to(Suspended));
        assert!(Suspended.can_move_to(Investigating), "resumes");
        assert!(Suspended.can_move_to(Discontinued));
        assert!(Investigating.can_move_to(Concluded));
        assert!(Concluded.can_move_to(SentForProsecution));
        assert!(Investigating.can_move_to(SentForProsecution));
        assert!(!Suspended.can_move_to(Concluded));
        assert!(!Concluded.can_move_to(Investigating));
        assert!(!Investigating.can_move_to(Investigating));
        assert!(!Investigating.can_move_to(Prosecuted));
        for end in [Discontinued, SentForProsecution] {
            assert!(end.is_final());
            for next in CaseStatus::ALL {
                assert!(!end.can_move_to(next), "{end} → {next}");
            }
        }
        for s in CaseStatus::ALL {
            assert!(!s.can_move_to(Prosecuted), "nothing goes back to the start");
        }
    }

    #[test]
    fn statuses_read_from_codes_and_labels() {
        for s in CaseStatus::ALL {
            assert_eq!(s.code().parse::<CaseStatus>().unwrap(), s);
            assert_eq!(s.label_vi().parse::<CaseStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.code())
            );
        }
        assert_eq!(
            "Sent-For-Prosecution".parse::<CaseStatus>().unwrap(),
            SentForProsecution
        );
        assert_eq!(
            "đang điều tra".parse::<CaseStatus>().unwrap(),
            Investigating
        );
        assert!("closed".parse::<CaseStatus>().is_err());
    }

    #[test]
    fn concluding_sets_solved_once() {
        let standing = CaseStanding {
            status: Investigating,
            status_at: t("2026-03-02T00:00:00Z"),
            discovered_at: t("2026-03-01T00:00:00Z"),
            solved_at: None,
        };
        let now = t("2026-06-01T00:00:00Z");
        let c = change_status(&standing, Concluded, t("2026-04-01T00:00:00Z"), now).unwrap();
        assert_eq!(c.solved_at, Some(t("2026-04-01T00:00:00Z")));
        let solved = CaseStanding {
            solved_at: Some(t("2026-03-10T00:00:00Z")),
            ..standing
        };
        let c = change_status(&solved, Concluded, t("2026-04-01T00:00:00Z"), now).unwrap();
        assert_eq!(c.solved_at, Some(t("2026-03-10T00:00:00Z")), "never moved");
        let c = change_status(&standing, Suspended, t("2026-04-01T00:00:00Z"), now).unwrap();
        assert_eq!(c.solved_at, None);
        assert_eq!(c.status, Suspended);
        let c = change_status(&solved, Discontinued, t("2026-04-01T00:00:00Z"), now).unwrap();
        assert_eq!(c.solved_at, solved.solved_at, "no status clears it");
    }

    #[test]
    fn dates_are_checked() {
        let standing = CaseStanding {
            status: Investigating,
            status_at: t("2026-03-05T00:00:00Z"),
            discovered_at: t("2026-03-01T00:00:00Z"),
            solved_at: None,
        };
        let now = t("2026-06-01T00:00:00Z");
        for bad in [
            "2026-02-28T23:59:59Z",
            "2026-03-04T00:00:00Z",
            "2026-06-02T00:00:00Z",
        ] {
            assert!(
                matches!(
                    change_status(&standing, Suspended, t(bad), now),
                    Err(StatsError::CaseStatusDate { .. })
                ),
                "{bad}"
            );
        }
        assert!(change_status(&standing, Suspended, t("2026-03-05T00:00:00Z"), now).is_ok());
        assert!(change_status(&standing, Suspended, now, now).is_ok());
        assert!(matches!(
            change_status(&standing, Prosecuted, now, now),
            Err(StatsError::CaseTransition { .. })
        ));
    }
}
