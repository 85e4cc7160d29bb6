//! Lifecycle statuses of incidents and resources, and the tables of allowed transitions.
//!
//! # Incident lifecycle
//!
//! ```text
//!   received ──► verified ──► dispatched ──► en_route ──► on_scene ──► resolved ──► closed
//!      │  │          │  ▲          │  │          │                        │
//!      │  │          │  │          │  └──────────┼──► on_scene            └──► dispatched (reopen)
//!      │  └──────────┼──┼──► dispatched (dispatch on receipt)
//!      ▼             ▼  │
//!   false_alarm ─────┴──┘ (re-verify) ──► closed
//!
//!   any open status ──► cancelled | merged
//! ```
//!
//! * `false_alarm` is the negative outcome of verification. It is not terminal: it still has
//!   to be closed (with the `false_alarm` disposition), and a wrong judgement can be reverted to
//!   `verified` with a reason. So a false alarm is counted in statistics and leaves a trace.
//! * `received → dispatched` is allowed so that a priority-1 alarm can get the closest fire team
//!   in one click while verification goes on; the verify timer is then simply not met.
//! * `verified → resolved` covers reports settled without sending anyone (advice by phone).
//! * `resolved → dispatched` reopens an incident that flared up again, with a reason.
//! * `closed`, `cancelled` and `merged` are terminal and absorbing: nothing leaves them.
//!
//! # Resource lifecycle
//!
//! ```text
//!   off_duty ◄──► available ──► dispatched ──► en_route ──► on_scene ──► returning ──► available
//!                     ▲             │              │            │
//!                     └─────────────┴──────────────┴────────────┘ (stood down / cleared)
//! ```
//!
//! Only `available` resources may be assigned. A unit that is `returning` clears to `available`
//! first; that keeps "who is free" a single question with a single answer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::IncidentError;

/// Status of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Tiếp nhận: reported, not yet checked.
    Received,
    /// Đã xác minh: confirmed as a real incident.
    Verified,
    /// Báo tin giả: verification found nothing; still to be closed.
    FalseAlarm,
    /// Đã điều động: at least one resource assigned.
    Dispatched,
    /// Đang di chuyển: a resource is on its way.
    EnRoute,
    /// Có mặt tại hiện trường.
    OnScene,
    /// Đã xử lý xong tại hiện trường; paperwork pending.
    Resolved,
    /// Kết thúc (terminal).
    Closed,
    /// Đã hủy (terminal).
    Cancelled,
    /// Đã gộp vào vụ việc khác (terminal).
    Merged,
}

impl IncidentStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [IncidentStatus; 10] = [
        IncidentStatus::Received,
        IncidentStatus::Verified,
        IncidentStatus::FalseAlarm,
        IncidentStatus::Dispatched,
        IncidentStatus::EnRoute,
        IncidentStatus::OnScene,
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
        IncidentStatus::Cancelled,
        IncidentStatus::Merged,
    ];

    /// Statuses reachable in one step from `self`.
    pub fn allowed_targets(self) -> &'static [IncidentStatus] {
        use IncidentStatus as S;
        match self {
            S::Received => &[
                S::Verified,
                S::FalseAlarm,
                S::Dispatched,
                S::Cancelled,
                S::Merged,
            ],
            S::Verified => &[
                S::Dispatched,
                S::Resolved,
                S::FalseAlarm,
                S::Cancelled,
                S::Merged,
            ],
            S::FalseAlarm => &[S::Closed, S::Verified, S::Merged],
            S::Dispatched => &[S::EnRoute, S::OnScene, S::Cancelled, S::Merged],
            S::EnRoute => &[S::OnScene, S::Cancelled, S::Merged],
            S::OnScene => &[S::Resolved, S::Merged],
            S::Resolved => &[S::Closed, S::Dispatched, S::Merged],
            S::Closed | S::Cancelled | S::Merged => &[],
        }
    }

    /// Whether `self → to` is allowed.
    pub fn can_transition_to(self, to: IncidentStatus) -> bool {
        self.allowed_targets().contains(&to)
    }

    /// Checks `self → to`, naming both ends and the allowed targets on refusal.
    pub fn check_transition(self, to: IncidentStatus) -> Result<(), IncidentError> {
        if self.can_transition_to(to) {
            Ok(())
        } else {
            Err(IncidentError::IllegalTransition {
                from: self,
                to,
                allowed: self.allowed_targets().to_vec(),
            })
        }
    }

    /// Closed, cancelled and merged incidents never change again.
    pub fn is_terminal(self) -> bool {
        self.allowed_targets().is_empty()
    }

    /// Open = not terminal. Open incidents show on the board and absorb duplicates.
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// Whether a transition into `to` needs a written reason: cancelling, declaring a false
    /// alarm, and the two "going back" moves (re-verify, reopen).
    pub fn needs_reason(self, to: IncidentStatus) -> bool {
        use IncidentStatus as S;
        matches!(
            (self, to),
            (_, S::Cancelled)
                | (_, S::FalseAlarm)
                | (S::FalseAlarm, S::Verified)
                | (S::Resolved, S::Dispatched)
        )
    }

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            IncidentStatus::Received => "received",
            IncidentStatus::Verified => "verified",
            IncidentStatus::FalseAlarm => "false_alarm",
            IncidentStatus::Dispatched => "dispatched",
            IncidentStatus::EnRoute => "en_route",
            IncidentStatus::OnScene => "on_scene",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Closed => "closed",
            IncidentStatus::Cancelled => "cancelled",
            IncidentStatus::Merged => "merged",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            IncidentStatus::Received => "Mới tiếp nhận",
            IncidentStatus::Verified => "Đã xác minh",
            IncidentStatus::FalseAlarm => "Tin báo sai",
            IncidentStatus::Dispatched => "Đã điều động",
            IncidentStatus::EnRoute => "Đang đến hiện trường",
            IncidentStatus::OnScene => "Có mặt tại hiện trường",
            IncidentStatus::Resolved => "Đã xử lý xong",
            IncidentStatus::Closed => "Đã kết thúc",
            IncidentStatus::Cancelled => "Đã hủy",
            IncidentStatus::Merged => "Đã gộp",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            IncidentStatus::Received => "Received",
            IncidentStatus::Verified => "Verified",
            IncidentStatus::FalseAlarm => "False alarm",
            IncidentStatus::Dispatched => "Dispatched",
            IncidentStatus::EnRoute => "En route",
            IncidentStatus::OnScene => "On scene",
            IncidentStatus::Resolved => "Resolved",
            IncidentStatus::Closed => "Closed",
            IncidentStatus::Cancelled => "Cancelled",
            IncidentStatus::Merged => "Merged",
        }
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for IncidentStatus {
    type Err = IncidentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IncidentStatus::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| IncidentError::UnknownCode {
                what: "incident status",
                code: s.to_string(),
            })
    }
}

/// Status of a dispatchable resource (a vehicle, a patrol, a team).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceStatus {
    /// Sẵn sàng: can take an assignment.
    Available,
    /// Đã nhận lệnh điều động.
    Dispatched,
    /// Đang di chuyển đến hiện trường.
    EnRoute,
    /// Có mặt tại hiện trường.
    OnScene,
    /// Đang trở về.
    Returning,
    /// Ngoài ca trực.
    OffDuty,
}

impl ResourceStatus {
    /// Every status.
    pub const ALL: [ResourceStatus; 6] = [
        ResourceStatus::Available,
        ResourceStatus::Dispatched,
        ResourceStatus::EnRoute,
        ResourceStatus::OnScene,
        ResourceStatus::Returning,
        ResourceStatus::OffDuty,
    ];

    /// Statuses reachable in one step.
    pub fn allowed_targets(self) -> &'static [ResourceStatus] {
        use ResourceStatus as R;
        match self {
            R::Available => &[R::Dispatched, R::OffDuty],
            R::Dispatched => &[R::EnRoute, R::OnScene, R::Available],
            R::EnRoute => &[R::OnScene, R::Available],
            R::OnScene => &[R::Returning, R::Available],
            R::Returning => &[R::Available],
            R::OffDuty => &[R::Available],
        }
    }

    /// Checks `self → to`.
    pub fn check_transition(self, to: ResourceStatus) -> Result<(), IncidentError> {
        if self.allowed_targets().contains(&to) {
            Ok(())
        } else {
            Err(IncidentError::IllegalResourceTransition {
                from: self,
                to,
                allowed: self.allowed_targets().to_vec(),
            })
        }
    }

    /// Whether the resource is tied to an incident in this status.
    pub fn is_committed(self) -> bool {
        matches!(
            self,
            ResourceStatus::Dispatched | ResourceStatus::EnRoute | ResourceStatus::OnScene
        )
    }

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ResourceStatus::Available => "available",
            ResourceStatus::Dispatched => "dispatched",
            ResourceStatus::EnRoute => "en_route",
            ResourceStatus::OnScene => "on_scene",
            ResourceStatus::Returning => "returning",
            ResourceStatus::OffDuty => "off_duty",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            ResourceStatus::Available => "Sẵn sàng",
            ResourceStatus::Dispatched => "Đã nhận lệnh",
            ResourceStatus::EnRoute => "Đang di chuyển",
            ResourceStatus::OnScene => "Tại hiện trường",
            ResourceStatus::Returning => "Đang trở về",
            ResourceStatus::OffDuty => "Ngoài ca trực",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ResourceStatus::Available => "Available",
            ResourceStatus::Dispatched => "Dispatched",
            ResourceStatus::EnRoute => "En route",
            ResourceStatus::OnScene => "On scene",
            ResourceStatus::Returning => "Returning",
            ResourceStatus::OffDuty => "Off duty",
        }
    }
}

impl fmt::Display for ResourceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for ResourceStatus {
    type Err = IncidentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceStatus::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| IncidentError::UnknownCode {
                what: "resource status",
                code: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_are_exactly_closed_cancelled_merged() {
        let terminal: Vec<_> = IncidentStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                IncidentStatus::Closed,
                IncidentStatus::Cancelled,
                IncidentStatus::Merged
            ]
        );
        assert!(!IncidentStatus::FalseAlarm.is_terminal());
    }

    #[test]
    fn every_illegal_incident_transition_is_refused_with_details() {
        for from in IncidentStatus::ALL {
            for to in IncidentStatus::ALL {
                let res = from.check_transition(to);
                if from.allowed_targets().contains(&to) {
                    assert!(res.is_ok(), "{from} -> {to} should be allowed");
                    continue;
                }
                match res {
                    Err(IncidentError::IllegalTransition {
                        from: f,
                        to: t,
                        allowed,
                    }) => {
                        assert_eq!((f, t), (from, to));
                        assert_eq!(allowed, from.allowed_targets());
                        let msg = IncidentError::IllegalTransition {
                            from: f,
                            to: t,
                            allowed,
                        }
                        .to_string();
                        assert!(
                            msg.contains(from.code()) && msg.contains(to.code()),
                            "{msg}"
                        );
                    }
                    other => panic!("{from} -> {to}: expected illegal transition, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn no_self_transitions() {
        for s in IncidentStatus::ALL {
            assert!(!s.can_transition_to(s), "{s}");
        }
        for s in ResourceStatus::ALL {
            assert!(s.check_transition(s).is_err(), "{s}");
        }
    }

    #[test]
    fn every_open_status_reaches_a_terminal_one() {
        // Breadth-first search: no open status may be a trap.
        for start in IncidentStatus::ALL {
            let mut seen = vec![start];
            let mut i = 0;
            while i < seen.len() {
                for next in seen[i].allowed_targets() {
                    if !seen.contains(next) {
                        seen.push(*next);
                    }
                }
                i += 1;
            }
            assert!(
                seen.iter().any(|s| s.is_terminal()),
                "{start} cannot finish"
            );
        }
    }

    #[test]
    fn illegal_resource_transition_names_both_ends() {
        let err = ResourceStatus::OffDuty
            .check_transition(ResourceStatus::Dispatched)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "illegal resource transition from off_duty to dispatched; allowed: available"
        );
        assert!(ResourceStatus::Returning
            .check_transition(ResourceStatus::Dispatched)
            .is_err());
        assert!(ResourceStatus::Available
            .check_transition(ResourceStatus::Dispatched)
            .is_ok());
    }

    #[test]
    fn status_codes_parse() {
        for s in IncidentStatus::ALL {
            assert_eq!(s.code().parse::<IncidentStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.code())
            );
        }
        for s in ResourceStatus::ALL {
            assert_eq!(s.code().parse::<ResourceStatus>().unwrap(), s);
        }
        assert!("open".parse::<IncidentStatus>().is_err());
    }
}
