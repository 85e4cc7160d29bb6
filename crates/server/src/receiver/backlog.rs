//! The queue between the store and the incident side: which stored signals become incidents
//! and troubles next. It decides only the order; no I/O and no clock (the caller passes `now`).
//!
//! Signals wait in lanes, one lane per facility and kind of work (alarms, which go to
//! incidents, and troubles, which go to facility troubles). A turn takes up to
//! [`TURN_SIGNALS`] signals of one lane, in arrival order, so a storm from one building is
//! handled as one incident updated in batches; the caller gives a turn at most
//! [`TURN_BUDGET`] and pushes back what it had no time for. Lanes are served:
//!
//! 1. by class of the most urgent signal waiting: fire and life safety first, then intrusion,
//!    then troubles and restores, then anything else;
//! 2. within a class, lanes not served in the last [`RECENT`] first: a building's first alarm
//!    goes before the next batch of a building already in a storm, which is only an update of
//!    an incident the consoles already show (and such a first turn takes that one signal, so
//!    that twenty buildings starting a storm together each get their incident quickly);
//! 3. then in the order the lanes became ready (a lane served and still not empty goes to the
//!    back: round robin).
//!
//! Within a lane the order never changes: an alarm is attached before its restore, a trouble
//! is opened before it is cleared.
//!
//! [`Order::Arrival`] keeps the earlier behaviour (one signal at a time, oldest first); it
//! exists so the two can be compared in one run (`benches/alarm_storm.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};
use store::Signal;

/// Signals taken from one lane in one turn at most. Small enough that a fire in another
/// building waits for one short turn, large enough that a storm drains in few turns.
pub const TURN_SIGNALS: usize = 32;

/// How long a turn may run before the rest of its signals go back to the backlog: under a
/// storm each signal's writes wait behind the receiver's own commits, so a count alone does
/// not bound how long a fire elsewhere waits.
pub const TURN_BUDGET: Duration = Duration::from_millis(20);

/// A lane served within this long is "in a storm": its next batch yields to first alarms.
pub const RECENT: Duration = Duration::from_secs(30);

/// The order in which stored signals are turned into incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By class, then first alarms before storm updates, coalesced per facility (see the
    /// module documentation).
    #[default]
    Priority,
    /// One signal at a time, oldest first (the behaviour before the priority queue).
    Arrival,
}

/// The class of a signal, most urgent first.
pub fn class_rank(signal: &Signal) -> u8 {
    match (signal.family.as_str(), signal.restore) {
        ("fire_alarm" | "panic" | "medical", false) => 0,
        ("burglary", false) => 1,
        ("fire_trouble" | "fire_supervisory" | "other_trouble" | "communication", false) => 2,
        (_, true) => 2,
        _ => 3,
    }
}

const CLASSES: usize = 4;

/// One facility's queue of one kind of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct LaneKey {
    facility_id: i64,
    /// 0: alarms (incidents), 1: troubles.
    kind: u8,
}

/// Where a ready lane sits: class, storm update or not, then readiness order.
type ReadyKey = (u8, bool, u64);

#[derive(Default)]
struct Lane {
    signals: BTreeMap<i64, Signal>,
    per_class: [usize; CLASSES],
    ready: Option<ReadyKey>,
}

impl Lane {
    fn rank(&self) -> u8 {
        self.per_class
            .iter()
            .position(|n| *n > 0)
            .map_or(CLASSES as u8 - 1, |p| p as u8)
    }
}

/// One turn: signals of one facility and kind, in arrival order.
#[derive(Debug)]
pub struct Turn {
    pub facility_id: i64,
    pub signals: Vec<Signal>,
}

/// The queue (see the module documentation).
pub struct Backlog {
    order: Order,
    lanes: HashMap<LaneKey, Lane>,
    ready: BTreeMap<ReadyKey, LaneKey>,
    queued: HashSet<i64>,
    served: HashMap<LaneKey, Instant>,
    next: u64,
}

impl Backlog {
    /// An empty queue.
    pub fn new(order: Order) -> Backlog {
        Backlog {
            order,
            lanes: HashMap::new(),
            ready: BTreeMap::new(),
            queued: HashSet::new(),
            served: HashMap::new(),
            next: 0,
        }
    }

    /// Signals waiting.
    pub fn len(&self) -> usize {
        self.queued.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }

    fn lane_of(&self, signal: &Signal) -> LaneKey {
        match self.order {
            // One lane for everything, in id order: the old behaviour.
            Order::Arrival => LaneKey {
                facility_id: 0,
                kind: 0,
            },
            Order::Priority => LaneKey {
                facility_id: signal.facility_id,
                kind: u8::from(!super::actions::opens_incident(&signal.family)),
            },
        }
    }

    /// Adds a stored signal. A signal already waiting (the start-up sweep and the writer can
    /// both hand it over) is ignored.
    pub fn push(&mut self, signal: Signal, now: Instant) {
        if !self.queued.insert(signal.id) {
            return;
        }
        let key = self.lane_of(&signal);
        let rank = match self.order {
            Order::Arrival => 0,
            Order::Priority => class_rank(&signal),
        };
        let lane = self.lanes.entry(key).or_default();
        lane.per_class[usize::from(rank)] += 1;
        lane.signals.insert(signal.id, signal);
        let update = self
            .served
            .get(&key)
            .is_some_and(|at| now.saturating_duration_since(*at) < RECENT);
        match lane.ready {
            None => {
                let k = (rank, update, self.next);
                self.next += 1;
                lane.ready = Some(k);
                self.ready.insert(k, key);
            }
            Some(old) if rank < old.0 => {
                // A fire arrives in a lane that held only troubles: it moves up, keeping
                // its place among the lanes of its new class.
                self.ready.remove(&old);
                let k = (rank, old.1, old.2);
                lane.ready = Some(k);
                self.ready.insert(k, key);
            }
            Some(_) => {}
        }
    }

    /// Takes the next turn, if any signal waits.
    pub fn next_turn(&mut self, now: Instant) -> Option<Turn> {
        let ((_, update, _), key) = self.ready.pop_first()?;
        let lane = self.lanes.get_mut(&key)?;
        lane.ready = None;
        let max = match self.order {
            Order::Arrival => 1,
            // A building's first alarm alone: it opens the incident, and every other
            // building's first alarm is waiting for the same.
            Order::Priority if !update => 1,
            Order::Priority => TURN_SIGNALS,
        };
        let mut signals = Vec::with_capacity(max.min(lane.signals.len()));
        while signals.len() < max {
            let Some((_, s)) = lane.signals.pop_first() else {
                break;
            };
            let rank = match self.order {
                Order::Arrival => 0,
                Order::Priority => class_rank(&s),
            };
            lane.per_class[usize::from(rank)] -= 1;
            self.queued.remove(&s.id);
            signals.push(s);
        }
        if lane.signals.is_empty() {
            self.lanes.remove(&key);
        } else {
            let k = (lane.rank(), true, self.next);
            self.next += 1;
            lane.ready = Some(k);
            self.ready.insert(k, key);
        }
        self.served.insert(key, now);
        if self.served.len() > 4096 {
            self.served
                .retain(|_, at| now.saturating_duration_since(*at) < RECENT);
        }
        Some(Turn {
            facility_id: signals.first().map_or(key.facility_id, |s| s.facility_id),
            signals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(id: i64, facility_id: i64, family: &str, restore: bool) -> Signal {
        Signal {
            id,
            raw_frame_id: id,
            device_id: facility_id,
            facility_id,
            unit_code: "00004".into(),
            received_at: chrono::DateTime::from_timestamp(1_767_268_800, 0).unwrap(),
            code: "1110".into(),
            category: family.into(),
            family: family.into(),
            restore,
            zone: Some("1".into()),
            partition: None,
            text: None,
            meaning_vi: String::new(),
            raw_event: String::new(),
            state: "pending".into(),
            incident_id: None,
        }
    }

    fn ids(turn: &Turn) -> Vec<i64> {
        turn.signals.iter().map(|s| s.id).collect()
    }

    #[test]
    fn a_fire_elsewhere_goes_before_a_storm_backlog() {
        let t = Instant::now();
        let mut b = Backlog::new(Order::Priority);
        // Two panels in a storm, 200 signals each, then one fire in a quiet building.
        for i in 0..400 {
            b.push(signal(i, 1 + i % 2, "fire_alarm", false), t);
        }
        b.push(signal(1000, 9, "fire_alarm", false), t);
        // The storm lanes were ready first, so their first alarm each may go before the fire
        // (it opens their incident); their batches wait.
        let mut turns = 0;
        loop {
            let turn = b.next_turn(t).unwrap();
            turns += 1;
            if turn.facility_id == 9 {
                break;
            }
            assert_eq!(turn.signals.len(), 1, "a first alarm alone");
        }
        assert_eq!(turns, 3);
        assert_eq!(b.len(), 398);
        // Then the storm, coalesced per facility.
        assert_eq!(b.next_turn(t).unwrap().signals.len(), TURN_SIGNALS);
    }

    #[test]
    fn a_new_building_goes_before_the_next_batch_of_a_storm() {
        let t = Instant::now();
        let mut b = Backlog::new(Order::Priority);
        for i in 0..100 {
            b.push(signal(i, 1, "fire_alarm", false), t);
        }
        assert_eq!(b.next_turn(t).unwrap().signals.len(), 1);
        assert_eq!(b.next_turn(t).unwrap().signals.len(), TURN_SIGNALS);
        // The storm keeps coming, and a fire starts across the street.
        b.push(signal(500, 2, "fire_alarm", false), t);
        assert_eq!(b.next_turn(t).unwrap().facility_id, 2);
        assert_eq!(b.next_turn(t).unwrap().facility_id, 1);
        // A building not heard for a while is new again.
        let later = t + RECENT;
        b.push(signal(501, 2, "fire_alarm", false), later);
        b.push(signal(502, 2, "fire_alarm", false), later);
        assert_eq!(ids(&b.next_turn(later).unwrap()), vec![501]);
    }

    #[test]
    fn fire_goes_before_troubles_and_a_lane_keeps_its_order() {
        let t = Instant::now();
        let mut b = Backlog::new(Order::Priority);
        b.push(signal(1, 1, "other_trouble", false), t);
        b.push(signal(2, 2, "fire_alarm", true), t);
        b.push(signal(3, 3, "burglary", false), t);
        b.push(signal(4, 2, "fire_alarm", false), t);
        b.push(signal(5, 1, "other_trouble", true), t);
        // Facility 2's lane has a fire: first, in arrival order within the lane.
        assert_eq!(ids(&b.next_turn(t).unwrap()), vec![2]);
        assert_eq!(ids(&b.next_turn(t).unwrap()), vec![4]);
        assert_eq!(ids(&b.next_turn(t).unwrap()), vec![3]);
        assert_eq!(ids(&b.next_turn(t).unwrap()), vec![1]);
        assert_eq!(ids(&b.next_turn(t).unwrap()), vec![5]);
        assert!(b.next_turn(t).is_none());
        assert!(b.is_empty());
    }

    #[test]
    fn a_signal_handed_over_twice_waits_once() {
        let t = Instant::now();
        let mut b = Backlog::new(Order::Priority);
        b.push(signal(1, 1, "fire_alarm", false), t);
        b.push(signal(1, 1, "fire_alarm", false), t);
        assert_eq!(b.len(), 1);
        assert_eq!(ids(&b.next_turn(t).unwrap()), vec![1]);
        assert!(b.next_turn(t).is_none());
    }

    #[test]
    fn arrival_order_is_one_signal_at_a_time() {
        let t = Instant::now();
        let mut b = Backlog::new(Order::Arrival);
        b.push(signal(2, 1, "other_trouble", false), t);
        b.push(signal(1, 2, "fire_alarm", false), t);
        b.push(signal(3, 3, "fire_alarm", false), t);
        let order: Vec<i64> = std::iter::from_fn(|| b.next_turn(t))
            .flat_map(|turn| ids(&turn))
            .collect();
        assert_eq!(order, vec![1, 2, 3]);
    }
}
