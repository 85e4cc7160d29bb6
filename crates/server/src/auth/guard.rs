//! Throttles for hostile clients, with memory bounded by construction: a fixed-window
//! [`RateLimiter`] (sign-in attempts per address, public endpoints) and [`SignInLocks`], which
//! lock one account for one source address after repeated failures, with a lock that doubles
//! on each further failure.
//!
//! Keys are stored as 16-byte digests, never as the text a client sent, and each table holds at
//! most a fixed number of entries, so a flood of distinct or huge keys costs a bounded amount
//! of memory. Time is passed in (`*_at` methods) so that tests run on a virtual clock.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries a table holds at most, unless built with another capacity.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// A key as stored: the first 16 bytes of its SHA-256.
type Digest16 = [u8; 16];

fn digest(parts: &[&[u8]]) -> Digest16 {
    let mut h = Sha256::new();
    for part in parts {
        // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// A fixed-window limiter keyed by client address (or any short key).
///
/// When the table is full of live entries, keys it already tracks keep counting, and a key it
/// has never seen is refused until old windows end (at most one window later): the table never
/// grows past its capacity, and the clients already known go on working.
pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    capacity: usize,
    table: Mutex<Table<(Instant, u32)>>,
}

struct Table<V> {
    entries: HashMap<Digest16, V>,
    /// When the table was last swept for ended entries (sweeps are at most once a second
    /// while full, so that a full table does not cost a scan on every request).
    swept_at: Option<Instant>,
}

impl<V> Table<V> {
    fn new() -> Self {
        Table {
            entries: HashMap::new(),
            swept_at: None,
        }
    }

    /// Drops the entries `ended` says are over, when the table is full and has not been swept
    /// in the last second.
    fn sweep_if_full(&mut self, capacity: usize, now: Instant, ended: impl Fn(&V) -> bool) {
        if self.entries.len() < capacity {
            return;
        }
        if self
            .swept_at
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.swept_at = Some(now);
        self.entries.retain(|_, v| !ended(v));
    }
}

impl RateLimiter {
    /// `per_window` attempts per key in each `window`, at most [`DEFAULT_CAPACITY`] keys.
    pub fn new(per_window: u32, window: Duration) -> Self {
        RateLimiter::with_capacity(per_window, window, DEFAULT_CAPACITY)
    }

    /// As [`RateLimiter::new`], holding at most `capacity` keys.
    pub fn with_capacity(per_window: u32, window: Duration, capacity: usize) -> Self {
        RateLimiter {
            per_window,
            window,
            capacity: capacity.max(1),
            table: Mutex::new(Table::new()),
        }
    }

    /// Counts one attempt for `key`; `false` when the key is over its limit.
    pub fn check(&self, key: &str) -> bool {
        self.check_at(key, Instant::now())
    }

    /// [`RateLimiter::check`] at the time `now`.
    pub fn check_at(&self, key: &str, now: Instant) -> bool {
        let Ok(mut table) = self.table.lock() else {
            return false;
        };
        let key = digest(&[key.as_bytes()]);
        let window = self.window;
        if let Some(entry) = table.entries.get_mut(&key) {
            if now.saturating_duration_since(entry.0) >= window {
                *entry = (now, 0);
            }
            entry.1 = entry.1.saturating_add(1);
            return entry.1 <= self.per_window;
        }
        table.sweep_if_full(self.capacity, now, |(start, _)| {
            now.saturating_duration_since(*start) >= window
        });
        if table.entries.len() >= self.capacity {
            return false;
        }
        table.entries.insert(key, (now, 1));
        1 <= self.per_window
    }

    /// How many keys the limiter holds (never more than its capacity).
    pub fn len(&self) -> usize {
        self.table.lock().map(|t| t.entries.len()).unwrap_or(0)
    }

    /// Whether the limiter holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Failed sign-ins free of any lock, per account and address.
pub const FREE_FAILURES: u32 = 5;
/// The first lock; each further failure doubles it.
pub const FIRST_LOCK: Duration = Duration::from_secs(60);
/// The longest lock.
pub const LONGEST_LOCK: Duration = Duration::from_secs(3600);
/// Failures are forgotten this long after the last one (or after the lock ends).
pub const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

impl Failures {
    fn ended(&self, now: Instant) -> bool {
        let since = self.locked_until.map_or(self.last, |t| t.max(self.last));
        now.saturating_duration_since(since) >= FORGET_AFTER
    }

    fn locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|t| now < t)
    }
}

/// How long a lock lasts after `count` failures: none up to [`FREE_FAILURES`], then
/// [`FIRST_LOCK`] doubling with each failure, up to [`LONGEST_LOCK`].
pub fn lock_for(count: u32) -> Option<Duration> {
    let over = count.checked_sub(FREE_FAILURES)?;
    let factor = 1u32.checked_shl(over.min(16)).unwrap_or(u32::MAX);
    Some(FIRST_LOCK.saturating_mul(factor).min(LONGEST_LOCK))
}

/// Sign-in failures per (account, source address): an address that keeps guessing one
/// account's password is locked out of that account, with a growing lock, while the same
/// account from any other address, and other accounts from that address, are not affected.
///
/// When full, the entry whose last failure is oldest and that is not locked makes room; when
/// every entry is locked, a new pair's failure is not recorded (the per-address rate limit still
/// applies to it).
pub struct SignInLocks {
    capacity: usize,
    table: Mutex<Table<Failures>>,
}

impl Default for SignInLocks {
    fn default() -> Self {
        SignInLocks::with_capacity(DEFAULT_CAPACITY)
    }
}

impl SignInLocks {
    /// A table of at most `capacity` pairs.
    pub fn with_capacity(capacity: usize) -> Self {
        SignInLocks {
            capacity: capacity.max(1),
            table: Mutex::new(Table::new()),
        }
    }

    fn key(username: &str, address: IpAddr) -> Digest16 {
        digest(&[username.as_bytes(), address.to_string().as_bytes()])
    }

    /// How much longer `username` is locked for `address` at `now`; `None` when it is not.
    pub fn locked_at(&self, username: &str, address: IpAddr, now: Instant) -> Option<Duration> {
        let table = self.table.lock().ok()?;
        let entry = table.entries.get(&Self::key(username, address))?;
        entry
            .locked_until
            .filter(|t| now < *t)
            .map(|t| t.saturating_duration_since(now))
    }

    /// Records a failed sign-in; returns the lock it starts, if any.
    pub fn fail_at(&self, username: &str, address: IpAddr, now: Instant) -> Option<Duration> {
        let mut table = self.table.lock().ok()?;
        let key = Self::key(username, address);
        if !table.entries.contains_key(&key) {
            table.sweep_if_full(self.capacity, now, |f| f.ended(now));
            if table.entries.len() >= self.capacity {
                let oldest = table
                    .entries
                    .iter()
                    .filter(|(_, f)| !f.locked(now))
                    .min_by_key(|(_, f)| f.last)
                    .map(|(k, _)| *k);
                match oldest {
                    Some(k) => {
                        table.entries.remove(&k);
                    }
                    None => return None,
                }
            }
        }
        let entry = table.entries.entry(key).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        if entry.ended(now) {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        let lock = lock_for(entry.count);
        entry.locked_until = lock.map(|d| now + d);
        lock
    }

    /// A successful sign-in: the pair's failures are forgotten.
    pub fn succeed(&self, username: &str, address: IpAddr) {
        if let Ok(mut table) = self.table.lock() {
            table.entries.remove(&Self::key(username, address));
        }
    }

    /// How many pairs are tracked (never more than the capacity).
    pub fn len(&self) -> usize {
        self.table.lock().map(|t| t.entries.len()).unwrap_or(0)
    }

    /// Whether no pair is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything that throttles sign-in: attempts per address, then locks per account and address.
pub struct LoginGuard {
    /// Sign-in attempts per source address, whatever the account.
    pub addresses: RateLimiter,
    /// Failures per account and address.
    pub locks: SignInLocks,
}

/// Sign-in attempts one address may make per minute: enough for a shift changing at a shared
/// office address, too few to guess passwords.
pub const ATTEMPTS_PER_ADDRESS_PER_MINUTE: u32 = 30;

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard {
            addresses: RateLimiter::new(ATTEMPTS_PER_ADDRESS_PER_MINUTE, Duration::from_secs(60)),
            locks: SignInLocks::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_counts_per_key() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.check("a"));
        assert!(limiter.check("a"));
        assert!(!limiter.check("a"));
        assert!(limiter.check("b"));
    }

    #[test]
    fn rate_limiter_window_starts_over() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.check_at("a", t0));
        assert!(!limiter.check_at("a", t0 + Duration::from_secs(59)));
        assert!(limiter.check_at("a", t0 + Duration::from_secs(60)));
    }

    #[test]
    fn rate_limiter_never_grows_past_its_capacity() {
        let limiter = RateLimiter::with_capacity(3, Duration::from_secs(60), 100);
        let t0 = Instant::now();
        // Huge keys take 16 bytes each, and no more than 100 of them are kept.
        let big = "x".repeat(100_000);
        for i in 0..1000 {
            limiter.check_at(&format!("{big}{i}"), t0);
            assert!(limiter.len() <= 100);
        }
        assert_eq!(limiter.len(), 100);
        // Full: keys it knows keep counting, new ones wait.
        assert!(limiter.check_at(&format!("{big}0"), t0));
        assert!(!limiter.check_at("newcomer", t0));
        // Once the windows end, newcomers get in again.
        let later = t0 + Duration::from_secs(61);
        assert!(limiter.check_at("newcomer", later));
        assert!(limiter.len() <= 100);
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn locks_start_after_free_failures_and_double() {
        assert_eq!(lock_for(FREE_FAILURES - 1), None);
        assert_eq!(lock_for(FREE_FAILURES), Some(FIRST_LOCK));
        assert_eq!(lock_for(FREE_FAILURES + 1), Some(FIRST_LOCK * 2));
        assert_eq!(lock_for(FREE_FAILURES + 2), Some(FIRST_LOCK * 4));
        assert_eq!(lock_for(u32::MAX), Some(LONGEST_LOCK));
    }

    #[test]
    fn a_lock_holds_one_account_for_one_address() {
        let locks = SignInLocks::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            assert_eq!(locks.fail_at("admin", ip(1), t0), None);
        }
        assert_eq!(locks.fail_at("admin", ip(1), t0), Some(FIRST_LOCK));
        assert_eq!(locks.locked_at("admin", ip(1), t0), Some(FIRST_LOCK));
        // Another address, another account: free.
        assert_eq!(locks.locked_at("admin", ip(2), t0), None);
        assert_eq!(locks.locked_at("other", ip(1), t0), None);
        // After the lock, one more failure locks twice as long.
        let t1 = t0 + FIRST_LOCK;
        assert_eq!(locks.locked_at("admin", ip(1), t1), None);
        assert_eq!(locks.fail_at("admin", ip(1), t1), Some(FIRST_LOCK * 2));
        // A success forgets the failures.
        locks.succeed("admin", ip(1));
        assert_eq!(locks.locked_at("admin", ip(1), t1), None);
        assert_eq!(locks.fail_at("admin", ip(1), t1), None);
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_hour() {
        let locks = SignInLocks::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            locks.fail_at("admin", ip(1), t0);
        }
        assert_eq!(locks.fail_at("admin", ip(1), t0 + FORGET_AFTER), None);
    }

    #[test]
    fn lock_table_is_bounded_and_keeps_locks() {
        let locks = SignInLocks::with_capacity(50);
        let t0 = Instant::now();
        // The victim's pair is locked first.
        for _ in 0..FREE_FAILURES {
            locks.fail_at("victim", ip(9), t0);
        }
        for i in 0..5000 {
            locks.fail_at(&format!("user{i}"), ip((i % 200) as u8), t0);
            assert!(locks.len() <= 50);
        }
        // Unlocked entries made room; the lock survived the flood.
        assert!(locks.locked_at("victim", ip(9), t0).is_some());
    }
}
