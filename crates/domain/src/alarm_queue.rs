//! The alarm queue: what the command center must acknowledge, and by whom.
//!
//! Every life-safety alarm from a DC-09 device (fire, panic, medical, gas), every intrusion
//! alarm, every device trouble and every device gone silent becomes one queue entry, ranked
//! by its [`AlarmClass`]. An entry moves through [`AlarmState`]:
//!
//! ```text
//! new ──acknowledge──▶ acknowledged ──handle──▶ handled
//!  └──────────────────handle (acknowledges too)──┘
//! ```
//!
//! A ringing class left `new` for longer than the escalation delay is *escalated*: a flag
//! with its time, not a state, so that acknowledging still ends the ringing. Shift leaders see
//! escalated alarms.
//!
//! Like the rest of this crate, nothing here reads the clock: callers pass `now`.
//!
//! # Example
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use domain::alarm_queue::*;
//!
//! let raised = Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap();
//! let alarm = AlarmProgress::raised(AlarmClass::Fire, raised);
//! assert!(alarm.rings());
//! let after = Duration::seconds(60);
//! assert!(!alarm.escalation_due(raised + Duration::seconds(59), after));
//! let escalated = alarm.escalate(raised + Duration::seconds(60), after).unwrap();
//!
//! let an = Person::user(7, "an");
//! let acked = escalated.acknowledge(&an, raised + Duration::seconds(70))?.unwrap();
//! assert_eq!(acked.state, AlarmState::Acknowledged);
//! assert!(!acked.rings());
//! // The same person again: nothing changes. Someone else: refused with who and when.
//! assert!(acked.acknowledge(&an, raised + Duration::seconds(71))?.is_none());
//! let err = acked.acknowledge(&Person::user(8, "binh"), raised + Duration::seconds(72));
//! assert!(matches!(err, Err(AlarmError::AlreadyAcknowledged { .. })));
//! # Ok::<(), AlarmError>(())
//! ```

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::AlarmCategory;

/// Longest note a person may leave when handling an alarm, in characters.
pub const MAX_HANDLING_NOTE_CHARS: usize = 2000;

/// How urgent a queue entry is. Declared from the most to the least urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmClass {
    /// A fire alarm.
    Fire,
    /// Another threat to life: panic, medical, gas.
    LifeSafety,
    /// An intrusion alarm.
    Intrusion,
    /// A device trouble (fire trouble, supervisory, power, battery, communication).
    Trouble,
    /// A device that stopped reporting.
    Offline,
}

impl AlarmClass {
    /// Every class, most urgent first.
    pub const ALL: [AlarmClass; 5] = [
        AlarmClass::Fire,
        AlarmClass::LifeSafety,
        AlarmClass::Intrusion,
        AlarmClass::Trouble,
        AlarmClass::Offline,
    ];

    /// Stable snake_case code (API, database).
    pub fn code(self) -> &'static str {
        match self {
            AlarmClass::Fire => "fire",
            AlarmClass::LifeSafety => "life_safety",
            AlarmClass::Intrusion => "intrusion",
            AlarmClass::Trouble => "trouble",
            AlarmClass::Offline => "offline",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<AlarmClass> {
        AlarmClass::ALL.into_iter().find(|c| c.code() == code)
    }

    /// 0 for the most urgent class; the queue sorts on it.
    pub fn rank(self) -> i64 {
        self as i64
    }

    /// Whether entries of this class ring on the consoles until acknowledged (and escalate).
    /// Troubles and offline devices are listed quietly.
    pub fn rings(self) -> bool {
        matches!(
            self,
            AlarmClass::Fire | AlarmClass::LifeSafety | AlarmClass::Intrusion
        )
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            AlarmClass::Fire => "Báo cháy",
            AlarmClass::LifeSafety => "Báo động khẩn cấp",
            AlarmClass::Intrusion => "Báo động đột nhập",
            AlarmClass::Trouble => "Lỗi thiết bị",
            AlarmClass::Offline => "Mất liên lạc",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            AlarmClass::Fire => "Fire alarm",
            AlarmClass::LifeSafety => "Life-safety alarm",
            AlarmClass::Intrusion => "Intrusion alarm",
            AlarmClass::Trouble => "Device trouble",
            AlarmClass::Offline => "Device offline",
        }
    }

    /// The class of an alarm signal that opens an incident; `None` for the categories that
    /// do not (trouble, test, other: troubles reach the queue through [`Self::of_trouble`]).
    pub fn of_category(category: AlarmCategory) -> Option<AlarmClass> {
        match category {
            AlarmCategory::Fire => Some(AlarmClass::Fire),
            AlarmCategory::Panic | AlarmCategory::Medical | AlarmCategory::Gas => {
                Some(AlarmClass::LifeSafety)
            }
            AlarmCategory::Intrusion => Some(AlarmClass::Intrusion),
            AlarmCategory::Trouble | AlarmCategory::Test | AlarmCategory::Other => None,
        }
    }

    /// The class of a facility trouble by its kind (`device_offline` is an offline device;
    /// every other kind is a trouble).
    pub fn of_trouble(kind: &str) -> AlarmClass {
        if kind == "device_offline" {
            AlarmClass::Offline
        } else {
            AlarmClass::Trouble
        }
    }
}

/// Where an entry is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    /// Nobody has acknowledged it yet.
    New,
    /// Someone said they have it.
    Acknowledged,
    /// Done, with a note of what was done.
    Handled,
}

impl AlarmState {
    /// Every state, in order.
    pub const ALL: [AlarmState; 3] = [
        AlarmState::New,
        AlarmState::Acknowledged,
        AlarmState::Handled,
    ];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            AlarmState::New => "new",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Handled => "handled",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<AlarmState> {
        AlarmState::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Who acts on an alarm: a signed-in user, or a part of the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The user's id; `None` for the system.
    pub user_id: Option<i64>,
    /// The user's name as recorded.
    pub name: String,
}

impl Person {
    /// A signed-in user.
    pub fn user(id: i64, name: &str) -> Person {
        Person {
            user_id: Some(id),
            name: name.to_owned(),
        }
    }

    /// Whether `other` is the same person: the same user id, or, for the system, the same name.
    pub fn same_as(&self, other: &Person) -> bool {
        match (self.user_id, other.user_id) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.name == other.name,
            _ => false,
        }
    }
}

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Who.
    pub by: Person,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why an alarm refused a step. The refusals that describe the current state carry who did
/// what and when, so the person refused knows whom to ask.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlarmError {
    /// Someone else acknowledged it already.
    #[error("alarm already acknowledged by {} at {}", .by.name, .at.to_rfc3339())]
    AlreadyAcknowledged {
        /// Who acknowledged it.
        by: Person,
        /// When.
        at: DateTime<Utc>,
    },
    /// It was handled already (by someone else, or with another note).
    #[error("alarm already handled by {} at {}", .by.name, .at.to_rfc3339())]
    AlreadyHandled {
        /// Who handled it.
        by: Person,
        /// When.
        at: DateTime<Utc>,
    },
    /// The handling note is too long or holds control characters.
    #[error("invalid handling note: {reason}")]
    InvalidNote {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl AlarmError {
    /// Stable snake_case code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            AlarmError::AlreadyAcknowledged { .. } => "alarm_already_acknowledged",
            AlarmError::AlreadyHandled { .. } => "alarm_already_handled",
            AlarmError::InvalidNote { .. } => "invalid_field",
        }
    }

    /// Whether the refusal comes from the alarm's current state (409) rather than the input.
    pub fn is_conflict(&self) -> bool {
        !matches!(self, AlarmError::InvalidNote { .. })
    }

    /// Who did the step that stands in the way, and when.
    pub fn stamp(&self) -> Option<Stamp> {
        match self {
            AlarmError::AlreadyAcknowledged { by, at } | AlarmError::AlreadyHandled { by, at } => {
                Some(Stamp {
                    by: by.clone(),
                    at: *at,
                })
            }
            AlarmError::InvalidNote { .. } => None,
        }
    }
}

/// The handling state of one queue entry: everything the rules look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmProgress {
    /// How urgent it is.
    pub class: AlarmClass,
    /// Where it is.
    pub state: AlarmState,
    /// When it entered the queue.
    pub raised_at: DateTime<Utc>,
    /// Who acknowledged it (also set when it was handled without a separate acknowledgement).
    pub acknowledged: Option<Stamp>,
    /// Who handled it.
    pub handled: Option<Stamp>,
    /// What the handler wrote.
    pub note: Option<String>,
    /// When it was escalated to the shift leaders for want of an acknowledgement.
    pub escalated_at: Option<DateTime<Utc>>,
}

impl AlarmProgress {
    /// A new entry raised at `now`.
    pub fn raised(class: AlarmClass, now: DateTime<Utc>) -> AlarmProgress {
        AlarmProgress {
            class,
            state: AlarmState::New,
            raised_at: now,
            acknowledged: None,
            handled: None,
            note: None,
            escalated_at: None,
        }
    }

    /// Whether the consoles ring for it: a ringing class nobody has acknowledged.
    pub fn rings(&self) -> bool {
        self.class.rings() && self.state == AlarmState::New
    }

    /// Acknowledges the entry. `Ok(None)` when `by` already did (a repeated click or a retried
    /// request changes nothing); [`AlarmError::AlreadyAcknowledged`] when someone else did.
    pub fn acknowledge(
        &self,
        by: &Person,
        now: DateTime<Utc>,
    ) -> Result<Option<AlarmProgress>, AlarmError> {
        if let Some(done) = &self.acknowledged {
            return if done.by.same_as(by) {
                Ok(None)
            } else {
                Err(AlarmError::AlreadyAcknowledged {
                    by: done.by.clone(),
                    at: done.at,
                })
            };
        }
        let mut next = self.clone();
        next.state = AlarmState::Acknowledged;
        next.acknowledged = Some(Stamp {
            by: by.clone(),
            at: now,
        });
        Ok(Some(next))
    }

    /// Marks the entry handled, with an optional note (trimmed; empty means none). Handling an
    /// entry nobody acknowledged acknowledges it too. `Ok(None)` when `by` already handled it
    /// with the same note; [`AlarmError::AlreadyHandled`] otherwise once it is handled.
    pub fn handle(
        &self,
        by: &Person,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<AlarmProgress>, AlarmError> {
        let note = clean_note(note)?;
        if let Some(done) = &self.handled {
            return if done.by.same_as(by) && self.note == note {
                Ok(None)
            } else {
                Err(AlarmError::AlreadyHandled {
                    by: done.by.clone(),
                    at: done.at,
                })
            };
        }
        let stamp = Stamp {
            by: by.clone(),
            at: now,
        };
        let mut next = self.clone();
        next.state = AlarmState::Handled;
        if next.acknowledged.is_none() {
            next.acknowledged = Some(stamp.clone());
        }
        next.handled = Some(stamp);
        next.note = note;
        Ok(Some(next))
    }

    /// Whether the entry is due for escalation at `now`: it rings, is not escalated yet, and
    /// has waited at least `after` since it was raised.
    pub fn escalation_due(&self, now: DateTime<Utc>, after: Duration) -> bool {
        self.rings() && self.escalated_at.is_none() && now - self.raised_at >= after
    }

    /// The escalated entry, when [`Self::escalation_due`].
    pub fn escalate(&self, now: DateTime<Utc>, after: Duration) -> Option<AlarmProgress> {
        self.escalation_due(now, after).then(|| AlarmProgress {
            escalated_at: Some(now),
            ..self.clone()
        })
    }

    /// When the entry becomes due for escalation; `None` when it never will (acknowledged,
    /// already escalated, or a quiet class). The escalation task need not wake before.
    pub fn escalation_time(&self, after: Duration) -> Option<DateTime<Utc>> {
        (self.rings() && self.escalated_at.is_none()).then(|| self.raised_at + after)
    }
}

/// Trims a handling note and checks it: `None` for an empty note.
fn clean_note(note: Option<&str>) -> Result<Option<String>, AlarmError> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_HANDLING_NOTE_CHARS {
        return Err(AlarmError::InvalidNote {
            reason: "longer than 2000 characters",
        });
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AlarmError::InvalidNote {
            reason: "control characters",
        });
    }
    Ok(Some(note.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
    }

    fn secs(n: i64) -> DateTime<Utc> {
        t0() + Duration::seconds(n)
    }

    #[test]
    fn classes_rank_fire_first_and_only_alarms_ring() {
        let mut sorted = AlarmClass::ALL;
        sorted.sort_by_key(|c| c.rank());
        assert_eq!(sorted, AlarmClass::ALL);
        assert!(AlarmClass::Fire.rank() < AlarmClass::LifeSafety.rank());
        assert!(AlarmClass::LifeSafety.rank() < AlarmClass::Trouble.rank());
        assert!(AlarmClass::Trouble.rank() < AlarmClass::Offline.rank());
        assert!(AlarmClass::Fire.rings() && AlarmClass::LifeSafety.rings());
        assert!(!AlarmClass::Trouble.rings() && !AlarmClass::Offline.rings());
        for c in AlarmClass::ALL {
            assert_eq!(AlarmClass::parse(c.code()), Some(c));
        }
        assert_eq!(AlarmClass::parse("FIRE"), None);
        for s in AlarmState::ALL {
            assert_eq!(AlarmState::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn signal_categories_and_trouble_kinds_map_to_classes() {
        assert_eq!(
            AlarmClass::of_category(AlarmCategory::Fire),
            Some(AlarmClass::Fire)
        );
        for c in [
            AlarmCategory::Panic,
            AlarmCategory::Medical,
            AlarmCategory::Gas,
        ] {
            assert_eq!(AlarmClass::of_category(c), Some(AlarmClass::LifeSafety));
        }
        assert_eq!(
            AlarmClass::of_category(AlarmCategory::Intrusion),
            Some(AlarmClass::Intrusion)
        );
        assert_eq!(AlarmClass::of_category(AlarmCategory::Trouble), None);
        assert_eq!(AlarmClass::of_category(AlarmCategory::Test), None);
        // Every category that opens an incident has a class: no alarm bypasses the queue.
        for c in [
            AlarmCategory::Fire,
            AlarmCategory::Panic,
            AlarmCategory::Medical,
            AlarmCategory::Intrusion,
            AlarmCategory::Gas,
            AlarmCategory::Trouble,
            AlarmCategory::Test,
            AlarmCategory::Other,
        ] {
            assert_eq!(c.opens_incident(), AlarmClass::of_category(c).is_some());
        }
        assert_eq!(
            AlarmClass::of_trouble("device_offline"),
            AlarmClass::Offline
        );
        assert_eq!(AlarmClass::of_trouble("low_battery"), AlarmClass::Trouble);
    }

    #[test]
    fn acknowledging_is_idempotent_for_the_same_person_and_refused_for_another() {
        let a = AlarmProgress::raised(AlarmClass::Fire, t0());
        let an = Person::user(1, "an");
        let acked = a.acknowledge(&an, secs(5)).unwrap().unwrap();
        assert_eq!(acked.state, AlarmState::Acknowledged);
        assert_eq!(
            acked.acknowledged,
            Some(Stamp {
                by: an.clone(),
                at: secs(5)
            })
        );
        assert!(!acked.rings());
        assert_eq!(acked.acknowledge(&an, secs(9)).unwrap(), None);
        // The same user under another display name is still the same user.
        assert_eq!(
            acked
                .acknowledge(&Person::user(1, "An N."), secs(9))
                .unwrap(),
            None
        );
        let err = acked
            .acknowledge(&Person::user(2, "binh"), secs(6))
            .unwrap_err();
        assert_eq!(
            err,
            AlarmError::AlreadyAcknowledged {
                by: an.clone(),
                at: secs(5)
            }
        );
        assert_eq!(err.code(), "alarm_already_acknowledged");
        assert!(err.is_conflict());
        assert_eq!(err.stamp().map(|s| s.by.name), Some("an".to_owned()));
    }

    #[test]
    fn handling_acknowledges_when_nobody_did_and_keeps_an_earlier_acknowledgement() {
        let a = AlarmProgress::raised(AlarmClass::LifeSafety, t0());
        let an = Person::user(1, "an");
        let binh = Person::user(2, "binh");
        let direct = a
            .handle(&an, Some("  Báo nhầm  "), secs(30))
            .unwrap()
            .unwrap();
        assert_eq!(direct.state, AlarmState::Handled);
        assert_eq!(direct.note.as_deref(), Some("Báo nhầm"));
        assert_eq!(direct.acknowledged.as_ref().map(|s| s.at), Some(secs(30)));

        let acked = a.acknowledge(&an, secs(5)).unwrap().unwrap();
        let handled = acked.handle(&binh, None, secs(40)).unwrap().unwrap();
        assert_eq!(
            handled.acknowledged.as_ref().map(|s| s.by.clone()),
            Some(an)
        );
        assert_eq!(
            handled.handled.as_ref().map(|s| s.by.clone()),
            Some(binh.clone())
        );
        assert_eq!(handled.note, None);
        // Repeated by the handler with the same note: nothing changes.
        assert_eq!(handled.handle(&binh, Some(" "), secs(41)).unwrap(), None);
        // With another note, or by someone else: refused.
        assert!(matches!(
            handled.handle(&binh, Some("khác"), secs(42)),
            Err(AlarmError::AlreadyHandled { .. })
        ));
        assert!(matches!(
            handled.handle(&Person::user(3, "chi"), None, secs(42)),
            Err(AlarmError::AlreadyHandled { .. })
        ));
    }

    #[test]
    fn bad_notes_are_refused_as_input_errors() {
        let a = AlarmProgress::raised(AlarmClass::Trouble, t0());
        let an = Person::user(1, "an");
        let long = "x".repeat(MAX_HANDLING_NOTE_CHARS + 1);
        let err = a.handle(&an, Some(&long), secs(1)).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        assert!(!err.is_conflict());
        assert!(a.handle(&an, Some("a\u{7}b"), secs(1)).is_err());
        assert!(a.handle(&an, Some("dòng 1\ndòng 2"), secs(1)).is_ok());
        let max = "ư".repeat(MAX_HANDLING_NOTE_CHARS);
        assert!(a.handle(&an, Some(&max), secs(1)).is_ok());
    }

    #[test]
    fn escalation_is_due_once_after_the_delay_for_unacknowledged_ringing_alarms() {
        let after = Duration::seconds(60);
        let a = AlarmProgress::raised(AlarmClass::Fire, t0());
        assert_eq!(a.escalation_time(after), Some(secs(60)));
        assert!(!a.escalation_due(secs(59), after));
        assert!(a.escalation_due(secs(60), after));
        // A clock that reads before the raise never escalates.
        assert!(!a.escalation_due(secs(-5), after));
        let e = a.escalate(secs(61), after).unwrap();
        assert_eq!(e.escalated_at, Some(secs(61)));
        assert_eq!(e.state, AlarmState::New);
        assert!(
            e.rings(),
            "escalated alarms keep ringing until acknowledged"
        );
        assert!(!e.escalation_due(secs(500), after));
        assert_eq!(e.escalate(secs(500), after), None);
        assert_eq!(e.escalation_time(after), None);
        // Acknowledged in time: never due.
        let acked = a
            .acknowledge(&Person::user(1, "an"), secs(10))
            .unwrap()
            .unwrap();
        assert!(!acked.escalation_due(secs(500), after));
        // Quiet classes never escalate.
        let offline = AlarmProgress::raised(AlarmClass::Offline, t0());
        assert!(!offline.rings());
        assert!(!offline.escalation_due(secs(500), after));
        assert_eq!(offline.escalation_time(after), None);
    }

    #[test]
    fn the_system_is_one_person_by_name() {
        let sys = Person {
            user_id: None,
            name: "system:x".into(),
        };
        assert!(sys.same_as(&sys.clone()));
        assert!(!sys.same_as(&Person::user(1, "system:x")));
    }
}
