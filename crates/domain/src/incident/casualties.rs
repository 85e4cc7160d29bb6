//! The human toll of an incident as the command center knows it: people dead, injured,
//! trapped and rescued. The figures are corrected as the facts come in (a trapped person is
//! rescued, an injured one dies in hospital), also after the incident is closed, since the
//! fire and accident reports are made from them; each correction is its own timeline event.

use super::model::{Actor, Incident, IncidentChange, IncidentEvent};
use super::validate::required_reason;
use super::IncidentError;
use super::IncidentStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The largest count a field accepts: more than any single incident has had, small enough to
/// catch a typed phone number.
pub const MAX_CASUALTY_COUNT: u32 = 10_000;

/// People affected by an incident. All zero until someone records otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casualties {
    /// People who died.
    #[serde(default)]
    pub dead: u32,
    /// People injured (including those taken to hospital).
    #[serde(default)]
    pub injured: u32,
    /// People still trapped or missing at the time of the record.
    #[serde(default)]
    pub trapped: u32,
    /// People rescued by the responders.
    #[serde(default)]
    pub rescued: u32,
}

impl Casualties {
    /// True when nothing is recorded.
    pub fn is_none(&self) -> bool {
        *self == Casualties::default()
    }

    /// The figures of two reports of the same event (a merge of duplicates): each count is the
    /// larger of the two, since both describe the same people.
    pub fn merged_with(self, other: Casualties) -> Casualties {
        Casualties {
            dead: self.dead.max(other.dead),
            injured: self.injured.max(other.injured),
            trapped: self.trapped.max(other.trapped),
            rescued: self.rescued.max(other.rescued),
        }
    }

    fn check(&self) -> Result<(), IncidentError> {
        let fields = [
            ("dead", "Số người chết", self.dead),
            ("injured", "Số người bị thương", self.injured),
            ("trapped", "Số người bị mắc kẹt", self.trapped),
            ("rescued", "Số người được cứu", self.rescued),
        ];
        for (field, label, n) in fields {
            if n > MAX_CASUALTY_COUNT {
                return Err(IncidentError::field(
                    field,
                    "too_large",
                    format!("{label} quá lớn (tối đa {MAX_CASUALTY_COUNT})"),
                    format!("{field} is {n}, at most {MAX_CASUALTY_COUNT} allowed"),
                ));
            }
        }
        Ok(())
    }
}

impl Incident {
    /// Records new casualty figures. Allowed in every status but `merged`; once the incident is
    /// closed or cancelled a reason is required, since the reports have been made from the old
    /// figures. Figures equal to the current ones are refused as a change of nothing.
    pub fn record_casualties(
        &mut self,
        casualties: Casualties,
        reason: Option<&str>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        if self.status == IncidentStatus::Merged {
            return Err(IncidentError::IncidentFinished {
                id: self.id,
                status: self.status,
            });
        }
        casualties.check()?;
        if casualties == self.casualties {
            return Err(IncidentError::field(
                "casualties",
                "unchanged",
                "Số liệu thương vong không thay đổi".into(),
                "the casualty figures are the same as recorded".into(),
            ));
        }
        let reason = match (self.status.is_terminal(), reason.map(str::trim)) {
            (true, r) => Some(required_reason("correct casualties", r)?),
            (false, Some(r)) if !r.is_empty() => Some(required_reason("casualties", Some(r))?),
            (false, _) => None,
        };
        let event = self.record(
            actor,
            now,
            IncidentChange::CasualtiesRecorded {
                from: self.casualties,
                to: casualties,
                reason,
            },
        );
        self.casualties = casualties;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::tests::open_fire;
    use crate::incident::TransitionDetails;
    use crate::incident::{Disposition, IncidentStatus as S};

    fn system() -> Actor {
        Actor::System {
            name: "test".into(),
        }
    }

    fn toll(dead: u32, injured: u32, trapped: u32, rescued: u32) -> Casualties {
        Casualties {
            dead,
            injured,
            trapped,
            rescued,
        }
    }

    #[test]
    fn figures_are_recorded_with_their_previous_values() {
        let mut inc = open_fire(1);
        let now = inc.updated_at + chrono::Duration::minutes(5);
        let ev = inc
            .record_casualties(toll(0, 2, 3, 0), None, system(), now)
            .expect("recorded");
        assert_eq!(inc.casualties, toll(0, 2, 3, 0));
        assert_eq!(
            ev.change,
            IncidentChange::CasualtiesRecorded {
                from: Casualties::default(),
                to: toll(0, 2, 3, 0),
                reason: None,
            }
        );
        // Trapped people rescued later: a second event with the first figures as `from`.
        let ev = inc
            .record_casualties(toll(0, 2, 0, 3), Some("  đã cứu  "), system(), now)
            .expect("recorded");
        let IncidentChange::CasualtiesRecorded { from, reason, .. } = ev.change else {
            panic!("wrong change {:?}", ev.change);
        };
        assert_eq!(from, toll(0, 2, 3, 0));
        assert_eq!(reason.as_deref(), Some("đã cứu"));
    }

    #[test]
    fn unchanged_and_absurd_figures_are_refused() {
        let mut inc = open_fire(1);
        let now = inc.updated_at;
        let err = inc
            .record_casualties(Casualties::default(), None, system(), now)
            .expect_err("nothing changes");
        assert!(err.to_string().contains("unchanged"), "{err}");
        let err = inc
            .record_casualties(toll(0, MAX_CASUALTY_COUNT + 1, 0, 0), None, system(), now)
            .expect_err("too large");
        assert!(err.to_string().contains("injured"), "{err}");
        assert!(inc.casualties.is_none());
        assert_eq!(inc.history.len(), 1, "nothing recorded");
    }

    #[test]
    fn a_closed_incident_takes_corrections_only_with_a_reason() {
        let mut inc = open_fire(1);
        let now = inc.updated_at;
        for to in [S::Verified, S::Dispatched, S::OnScene, S::Resolved] {
            inc.transition(to, TransitionDetails::default(), system(), now)
                .expect("moves");
        }
        inc.file_fire_report(
            crate::incident::fire_report::sample_fire_report(),
            system(),
            now,
        )
        .expect("reported");
        inc.transition(
            S::Closed,
            TransitionDetails::disposition(Disposition::NoActionRequired),
            system(),
            now,
        )
        .expect("closes");
        let err = inc
            .record_casualties(toll(1, 0, 0, 0), None, system(), now)
            .expect_err("reason needed");
        assert!(matches!(err, IncidentError::ReasonRequired { .. }), "{err}");
        inc.record_casualties(
            toll(1, 0, 0, 0),
            Some("nạn nhân tử vong tại bệnh viện"),
            system(),
            now,
        )
        .expect("corrected");
        assert_eq!(inc.casualties.dead, 1);
    }

    #[test]
    fn a_merge_keeps_the_larger_count_of_each_field() {
        assert_eq!(
            toll(1, 4, 0, 2).merged_with(toll(0, 5, 1, 2)),
            toll(1, 5, 1, 2)
        );
    }

    #[test]
    fn documents_without_figures_read_as_none() {
        let c: Casualties = serde_json::from_str("{}").expect("parses");
        assert!(c.is_none());
    }
}
