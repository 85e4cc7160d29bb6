//! Conversation state keyed by conversation id, held in memory with expiry.
//!
//! Time is passed in by the caller (`now`), so expiry is deterministic in tests. Expired
//! entries are dropped on access and by [`ConversationStore::purge`]; the store also caps its
//! size so a flood of new conversations cannot grow memory without bound.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::report::Intake;

/// Where a conversation stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ConversationState {
    /// Nothing pending.
    #[default]
    Idle,
    /// An emergency or past-event reply offered to take a report (the intake is pre-filled
    /// from that message).
    ReportOffered(Box<Intake>),
    /// Collecting a report.
    Intake(Box<Intake>),
    /// Messages that told something without asking (they got an answer or nothing): if a
    /// report starts next, they are part of it ("sáng nay mẹ em bị xô ngã" before "giờ bà
    /// chảy máu đầu"). At most [`TOLD_KEPT`] are kept, the latest.
    Told(Vec<String>),
    /// The report was handed to the caller; waiting for its reference number.
    AwaitingReference(Box<Intake>),
}

/// How many earlier told messages a conversation keeps for a report that may follow.
pub const TOLD_KEPT: usize = 4;

/// An in-memory store of conversation states with expiry.
#[derive(Debug)]
pub struct ConversationStore {
    inner: Mutex<HashMap<String, (ConversationState, DateTime<Utc>)>>,
    ttl: Duration,
    capacity: usize,
}

impl Default for ConversationStore {
    fn default() -> Self {
        ConversationStore::new(Duration::minutes(30), 10_000)
    }
}

impl ConversationStore {
    /// A store whose entries expire `ttl` after their last use, holding at most `capacity`.
    pub fn new(ttl: Duration, capacity: usize) -> ConversationStore {
        ConversationStore {
            inner: Mutex::new(HashMap::new()),
            ttl,
            capacity: capacity.max(1),
        }
    }

    /// A fresh random conversation id (128 bits, hex).
    pub fn new_id() -> String {
        let v: u128 = rand::thread_rng().gen();
        format!("{v:032x}")
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (ConversationState, DateTime<Utc>)>> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state of a conversation, `Idle` if unknown or expired.
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> ConversationState {
        let mut map = self.lock();
        match map.get(id) {
            Some((state, expires)) if *expires > now => state.clone(),
            Some(_) => {
                map.remove(id);
                ConversationState::Idle
            }
            None => ConversationState::Idle,
        }
    }

    /// Stores a state (an `Idle` state removes the entry).
    pub fn set(&self, id: &str, state: ConversationState, now: DateTime<Utc>) {
        let mut map = self.lock();
        if state == ConversationState::Idle {
            map.remove(id);
            return;
        }
        if map.len() >= self.capacity && !map.contains_key(id) {
            map.retain(|_, (_, expires)| *expires > now);
            if map.len() >= self.capacity {
                // Drop the conversation closest to expiry.
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, (_, e))| *e)
                    .map(|(k, _)| k.clone())
                {
                    map.remove(&oldest);
                }
            }
        }
        map.insert(id.to_string(), (state, now + self.ttl));
    }

    /// Removes expired conversations; returns how many were removed.
    pub fn purge(&self, now: DateTime<Utc>) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|_, (_, expires)| *expires > now);
        before - map.len()
    }

    /// Number of live entries (expired ones included until purged).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + min * 60, 0).unwrap()
    }

    #[test]
    fn entries_expire_and_are_purged() {
        let store = ConversationStore::new(Duration::minutes(10), 100);
        let state = ConversationState::Intake(Box::default());
        store.set("a", state.clone(), t(0));
        assert_eq!(store.get("a", t(9)), state);
        assert_eq!(store.get("a", t(11)), ConversationState::Idle);
        store.set("b", state.clone(), t(0));
        assert_eq!(store.purge(t(20)), 1);
        assert!(store.is_empty());
    }

    #[test]
    fn capacity_is_bounded() {
        let store = ConversationStore::new(Duration::minutes(10), 2);
        let state = ConversationState::Intake(Box::default());
        store.set("a", state.clone(), t(0));
        store.set("b", state.clone(), t(1));
        store.set("c", state.clone(), t(2));
        assert_eq!(store.len(), 2);
        assert_eq!(store.get("a", t(3)), ConversationState::Idle);
    }

    #[test]
    fn ids_are_unique_hex() {
        let a = ConversationStore::new_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, ConversationStore::new_id());
    }
}
