//! Service-level timers: targets per priority, overdue checks and stage durations.
//!
//! Three targets per priority, each measured on the incident's [`StatusTimes`]:
//!
//! | stage      | from → to                      | meaning                                   |
//! |------------|--------------------------------|-------------------------------------------|
//! | `verify`   | received → verified/false alarm| the report has been checked               |
//! | `dispatch` | received → dispatched          | call processing (NFPA: answer → dispatch) |
//! | `on_scene` | dispatched → on scene          | turnout + travel of the first unit        |
//!
//! Defaults ([`ResponseTargets::default`]):
//!
//! | priority | verify | dispatch | on scene | source                                          |
//! |----------|--------|----------|----------|-------------------------------------------------|
//! | 1        | 30 s   | 60 s     | 320 s    | dispatch: NFPA 1225 (process 90 % within 60 s); on scene: NFPA 1710 fire turnout 80 s + first-engine travel 240 s |
//! | 2        | 60 s   | 120 s    | 600 s    | local proposal (2× the priority-1 processing)   |
//! | 3        | 300 s  | 600 s    | 1 800 s  | local proposal                                  |
//! | 4        | 900 s  | 3 600 s  | 7 200 s  | local proposal                                  |
//!
//! The priority-1 verify target (30 s) is a local choice: half of the 60 s processing window, so
//! that dispatch can still meet its own target. NENA-STA-020.1 (answer 90 % of calls within 15 s)
//! measures the telephone system before an incident exists, so it is not a timer here. No
//! national Vietnamese response-time standard was found; these are internal management
//! indicators, configurable per deployment (the struct is serde-friendly, durations in seconds).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::Priority;
use super::model::{Incident, StatusTimes};
use super::status::IncidentStatus;

/// Targets of one priority, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityTargets {
    /// received → verified (or declared false alarm).
    pub verify_secs: u32,
    /// received → first dispatch.
    pub dispatch_secs: u32,
    /// first dispatch → first unit on scene.
    pub on_scene_secs: u32,
}

/// Targets for every priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTargets {
    /// Priority 1.
    pub p1: PriorityTargets,
    /// Priority 2.
    pub p2: PriorityTargets,
    /// Priority 3.
    pub p3: PriorityTargets,
    /// Priority 4.
    pub p4: PriorityTargets,
}

impl Default for ResponseTargets {
    fn default() -> Self {
        Self {
            p1: PriorityTargets {
                verify_secs: 30,
                dispatch_secs: 60,
                on_scene_secs: 80 + 240,
            },
            p2: PriorityTargets {
                verify_secs: 60,
                dispatch_secs: 120,
                on_scene_secs: 600,
            },
            p3: PriorityTargets {
                verify_secs: 300,
                dispatch_secs: 600,
                on_scene_secs: 1_800,
            },
            p4: PriorityTargets {
                verify_secs: 900,
                dispatch_secs: 3_600,
                on_scene_secs: 7_200,
            },
        }
    }
}

impl ResponseTargets {
    /// Targets of a priority.
    pub fn for_priority(&self, p: Priority) -> PriorityTargets {
        match p {
            Priority::P1 => self.p1,
            Priority::P2 => self.p2,
            Priority::P3 => self.p3,
            Priority::P4 => self.p4,
        }
    }
}

/// A timed stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// received → verified.
    Verify,
    /// received → dispatched.
    Dispatch,
    /// dispatched → on scene.
    OnScene,
}

impl Stage {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Stage::Verify => "Xác minh",
            Stage::Dispatch => "Điều động",
            Stage::OnScene => "Có mặt tại hiện trường",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Stage::Verify => "Verification",
            Stage::Dispatch => "Dispatch",
            Stage::OnScene => "Arrival on scene",
        }
    }
}

/// A stage whose target has passed without the stage being completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// The stage.
    pub stage: Stage,
    /// Its target, seconds.
    pub target_secs: u32,
    /// Time spent so far, seconds.
    pub elapsed_secs: i64,
    /// Time past the target, seconds (> 0).
    pub over_by_secs: i64,
}

/// Stages of an open incident that are past their target at `now`. Closed, cancelled and
/// merged incidents are never overdue; a false alarm has finished verification and needs no
/// dispatch.
pub fn overdue(incident: &Incident, targets: &ResponseTargets, now: DateTime<Utc>) -> Vec<Overdue> {
    use IncidentStatus as S;
    if !incident.is_open() {
        return Vec::new();
    }
    let t = targets.for_priority(incident.priority);
    let times = &incident.times;
    let mut out = Vec::new();
    let mut check = |stage: Stage, since: DateTime<Utc>, target: u32| {
        let elapsed = (now - since).num_seconds();
        if elapsed > i64::from(target) {
            out.push(Overdue {
                stage,
                target_secs: target,
                elapsed_secs: elapsed,
                over_by_secs: elapsed - i64::from(target),
            });
        }
    };
    if incident.status == S::Received {
        check(Stage::Verify, times.received, t.verify_secs);
    }
    if matches!(incident.status, S::Received | S::Verified) && times.dispatched.is_none() {
        check(Stage::Dispatch, times.received, t.dispatch_secs);
    }
    if matches!(incident.status, S::Dispatched | S::EnRoute) && times.on_scene.is_none() {
        if let Some(d) = times.dispatched {
            check(Stage::OnScene, d, t.on_scene_secs);
        }
    }
    out
}

/// Time spent in each step of the lifecycle, for statistics. A step that was skipped (for
/// example `en_route` when a unit reported `on_scene` directly) is `None`, and the next step is
/// measured from the last one reached before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDurations {
    /// received → verified (or false alarm).
    pub to_verify_secs: Option<i64>,
    /// verified (or received) → dispatched.
    pub to_dispatch_secs: Option<i64>,
    /// dispatched → en route.
    pub to_en_route_secs: Option<i64>,
    /// en route (or dispatched) → on scene.
    pub to_on_scene_secs: Option<i64>,
    /// on scene → resolved.
    pub to_resolve_secs: Option<i64>,
    /// received → dispatched (call processing, the NFPA 1225 measure).
    pub processing_secs: Option<i64>,
    /// received → on scene (total response).
    pub response_secs: Option<i64>,
}

/// Stage durations of an incident from its lifecycle times.
pub fn stage_durations(times: &StatusTimes) -> StageDurations {
    let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_seconds().max(0);
    let verified = times.verified.or(times.false_alarm);
    let mut last = times.received;
    let mut step = |at: Option<DateTime<Utc>>| -> Option<i64> {
        let at = at?;
        let d = secs(last, at);
        last = at;
        Some(d)
    };
    let to_verify_secs = step(verified.filter(|v| times.dispatched.is_none_or(|d| *v <= d)));
    let to_dispatch_secs = step(times.dispatched);
    let to_en_route_secs = step(times.en_route);
    let to_on_scene_secs = step(times.on_scene);
    let to_resolve_secs = step(times.resolved);
    StageDurations {
        to_verify_secs,
        to_dispatch_secs,
        to_en_route_secs,
        to_on_scene_secs,
        to_resolve_secs,
        processing_secs: times.dispatched.map(|d| secs(times.received, d)),
        response_secs: times.on_scene.map(|o| secs(times.received, o)),
    }
}

/// Elapsed time since reception and since first dispatch, for the board's running clocks.
pub fn running_clocks(incident: &Incident, now: DateTime<Utc>) -> (Duration, Option<Duration>) {
    (
        now - incident.times.received,
        incident.times.dispatched.map(|d| now - d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::tests::{new_fire, open_fire, open_with, operator, t0};
    use crate::incident::model::TransitionDetails;

    fn s(n: i64) -> DateTime<Utc> {
        t0() + Duration::seconds(n)
    }

    #[test]
    fn received_priority_one_goes_overdue_on_verify_then_dispatch() {
        let inc = open_fire(1);
        let tg = ResponseTargets::default();
        assert!(
            overdue(&inc, &tg, s(30)).is_empty(),
            "exactly at target is not overdue"
        );
        let o = overdue(&inc, &tg, s(45));
        assert_eq!(
            o,
            vec![Overdue {
                stage: Stage::Verify,
                target_secs: 30,
                elapsed_secs: 45,
                over_by_secs: 15
            }]
        );
        let o = overdue(&inc, &tg, s(75));
        assert_eq!(
            o.iter().map(|x| x.stage).collect::<Vec<_>>(),
            [Stage::Verify, Stage::Dispatch]
        );
    }

    #[test]
    fn on_scene_timer_runs_from_dispatch() {
        let mut inc = open_fire(1);
        let tg = ResponseTargets::default();
        inc.verify(None, operator(), s(10)).unwrap();
        inc.transition(
            IncidentStatus::Dispatched,
            TransitionDetails::default(),
            operator(),
            s(50),
        )
        .unwrap();
        assert!(overdue(&inc, &tg, s(50 + 320)).is_empty());
        let o = overdue(&inc, &tg, s(50 + 400));
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].stage, o[0].over_by_secs), (Stage::OnScene, 80));
        inc.transition(
            IncidentStatus::OnScene,
            TransitionDetails::default(),
            operator(),
            s(500),
        )
        .unwrap();
        assert!(overdue(&inc, &tg, s(10_000)).is_empty());
    }

    #[test]
    fn priority_and_configuration_matter() {
        let mut input = new_fire();
        input.priority = Some(Priority::P4);
        let inc = open_with(2, input, t0());
        let tg = ResponseTargets::default();
        assert!(overdue(&inc, &tg, s(800)).is_empty());
        assert_eq!(overdue(&inc, &tg, s(901)).len(), 1);
        // Targets deserialize from a config file.
        let json = r#"{"p1":{"verify_secs":10,"dispatch_secs":20,"on_scene_secs":30},
                       "p2":{"verify_secs":10,"dispatch_secs":20,"on_scene_secs":30},
                       "p3":{"verify_secs":10,"dispatch_secs":20,"on_scene_secs":30},
                       "p4":{"verify_secs":100,"dispatch_secs":200,"on_scene_secs":300}}"#;
        let custom: ResponseTargets = serde_json::from_str(json).unwrap();
        assert_eq!(overdue(&inc, &custom, s(150)).len(), 1);
        assert_eq!(
            serde_json::from_str::<ResponseTargets>(&serde_json::to_string(&tg).unwrap()).unwrap(),
            tg
        );
    }

    #[test]
    fn finished_and_false_alarm_incidents_are_not_overdue() {
        let tg = ResponseTargets::default();
        let mut fa = open_fire(1);
        fa.mark_false_alarm("không cháy", operator(), s(20))
            .unwrap();
        assert!(overdue(&fa, &tg, s(5_000)).is_empty());
        fa.close(None, None, operator(), s(30)).unwrap();
        assert!(overdue(&fa, &tg, s(5_000)).is_empty());
    }

    #[test]
    fn stage_durations_follow_the_lifecycle() {
        let mut inc = open_fire(1);
        let d = |i: &Incident| stage_durations(&i.times);
        assert_eq!(d(&inc), StageDurations::default());
        inc.verify(None, operator(), s(20)).unwrap();
        inc.transition(
            IncidentStatus::Dispatched,
            TransitionDetails::default(),
            operator(),
            s(50),
        )
        .unwrap();
        // En route skipped: on scene measured from dispatch.
        inc.transition(
            IncidentStatus::OnScene,
            TransitionDetails::default(),
            operator(),
            s(400),
        )
        .unwrap();
        inc.transition(
            IncidentStatus::Resolved,
            TransitionDetails::default(),
            operator(),
            s(1000),
        )
        .unwrap();
        assert_eq!(
            d(&inc),
            StageDurations {
                to_verify_secs: Some(20),
                to_dispatch_secs: Some(30),
                to_en_route_secs: None,
                to_on_scene_secs: Some(350),
                to_resolve_secs: Some(600),
                processing_secs: Some(50),
                response_secs: Some(400),
            }
        );
        let (since_call, since_dispatch) = running_clocks(&inc, s(1200));
        assert_eq!(since_call.num_seconds(), 1200);
        assert_eq!(since_dispatch.map(|x| x.num_seconds()), Some(1150));
    }

    #[test]
    fn dispatch_on_receipt_skips_verify() {
        let mut inc = open_fire(1);
        inc.transition(
            IncidentStatus::Dispatched,
            TransitionDetails::default(),
            operator(),
            s(15),
        )
        .unwrap();
        inc.verify(None, operator(), s(40)).unwrap_err(); // dispatched → verified is not a step
        let d = stage_durations(&inc.times);
        assert_eq!((d.to_verify_secs, d.to_dispatch_secs), (None, Some(15)));
        assert!(overdue(&inc, &ResponseTargets::default(), s(40)).is_empty());
    }
}
