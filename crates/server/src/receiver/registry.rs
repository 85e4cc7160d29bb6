//! The device registry cache: account → device, unit and opened key, held in memory so that
//! the per-frame path never reads the database. Loaded at start and refreshed from the change
//! feed (`device.*`, `facility.updated`), which on PostgreSQL also brings other nodes' edits.
//! It also collects last-seen times, flushed in batches by supervision.

use super::keys::MasterKey;
use super::pipeline::PlainSources;
use dc09::Key;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use store::{Device, Store};

/// What the per-frame path needs about one device.
#[derive(Debug)]
pub struct DeviceEntry {
    pub id: i64,
    pub account: String,
    pub receiver: Option<String>,
    pub line: Option<String>,
    pub facility_id: i64,
    pub unit_code: String,
    /// The opened key; `None` when the device has none (or it could not be opened).
    pub key: Option<Key>,
    pub allow_plain: bool,
    /// Where its plain messages may come from; `None`: the receiver's list applies.
    pub plain_sources: Option<PlainSources>,
    pub enabled: bool,
}

/// Accounts are hex; the registry keys them upper-case.
pub fn normalize_account(account: &str) -> String {
    account.to_ascii_uppercase()
}

/// Devices by account, with the account of each device id (to replace or drop a device
/// whose account changed without looking through them all).
#[derive(Default)]
struct Devices {
    by_account: HashMap<String, Arc<DeviceEntry>>,
    account_of: HashMap<i64, String>,
}

impl Devices {
    fn insert(&mut self, entry: Arc<DeviceEntry>) {
        if let Some(old) = self.account_of.insert(entry.id, entry.account.clone()) {
            if old != entry.account {
                self.by_account.remove(&old);
            }
        }
        if let Some(previous) = self.by_account.insert(entry.account.clone(), entry.clone()) {
            // Another device had this account: it is gone from the account index.
            if previous.id != entry.id {
                self.account_of.remove(&previous.id);
            }
        }
    }

    fn remove(&mut self, id: i64) {
        if let Some(account) = self.account_of.remove(&id) {
            self.by_account.remove(&account);
        }
    }
}

/// The cache.
pub struct Registry {
    master: Option<Arc<MasterKey>>,
    by_account: RwLock<Devices>,
    /// Device id → latest report time (unix ms) not yet written.
    seen: Mutex<HashMap<i64, i64>>,
}

impl Registry {
    /// An empty registry that opens keys with `master`.
    pub fn new(master: Option<Arc<MasterKey>>) -> Registry {
        Registry {
            master,
            by_account: RwLock::new(Devices::default()),
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, d: &Device) -> DeviceEntry {
        let key = match (&d.key_sealed, &d.key_format, &self.master) {
            (Some(sealed), Some(format), Some(master)) => match master.device_key(sealed, format) {
                Ok(k) => Some(k),
                Err(e) => {
                    tracing::error!(device = d.id, account = %d.account, error = %e,
                            "cannot open the device key; its encrypted frames will be refused");
                    None
                }
            },
            (Some(_), _, None) => {
                tracing::error!(device = d.id, "no master key: device key cannot be opened");
                None
            }
            _ => None,
        };
        // The API checks the list before storing it; a list that does not parse (written by
        // hand in the database) refuses the device's plain messages rather than allow any source.
        let (plain_sources, allow_plain) = match PlainSources::parse(&d.plain_sources) {
            Ok(list) if list.is_empty() => (None, d.allow_plain),
            Ok(list) => (Some(list), d.allow_plain),
            Err(e) => {
                tracing::error!(device = d.id, error = %e,
                    "cannot read the device's plain sources; its plain messages will be refused");
                (None, false)
            }
        };
        DeviceEntry {
            id: d.id,
            account: normalize_account(&d.account),
            receiver: d.receiver.clone(),
            line: d.line.clone(),
            facility_id: d.facility_id,
            unit_code: d.unit_code.clone(),
            key,
            allow_plain,
            plain_sources,
            enabled: d.enabled,
        }
    }

    /// Replaces the whole registry with every device in the store.
    pub async fn reload_all(&self, store: &Store) -> store::Result<usize> {
        let devices = store.all_devices().await?;
        let mut all = Devices::default();
        for d in &devices {
            all.insert(Arc::new(self.entry(d)));
        }
        let n = all.by_account.len();
        if let Ok(mut m) = self.by_account.write() {
            *m = all;
        }
        Ok(n)
    }

    /// Puts (or replaces) one device, dropping the entry under its previous account.
    pub fn upsert(&self, device: &Device) {
        let entry = Arc::new(self.entry(device));
        if let Ok(mut m) = self.by_account.write() {
            m.insert(entry);
        }
    }

    /// Reloads one device from the store.
    pub async fn reload_device(&self, store: &Store, id: i64) -> store::Result<()> {
        match store.device(id).await? {
            Some(d) => self.upsert(&d),
            None => {
                if let Ok(mut m) = self.by_account.write() {
                    m.remove(id);
                }
            }
        }
        Ok(())
    }

    /// Reloads the devices of one facility (its unit may have changed).
    pub async fn reload_facility(&self, store: &Store, facility_id: i64) -> store::Result<()> {
        for d in store.devices_of_facility(facility_id).await? {
            self.upsert(&d);
        }
        Ok(())
    }

    /// The device with this account.
    pub fn get(&self, account: &str) -> Option<Arc<DeviceEntry>> {
        let m = self.by_account.read().ok()?;
        match m.by_account.get(account) {
            Some(e) => Some(e.clone()),
            None if account.bytes().any(|b| b.is_ascii_lowercase()) => {
                m.by_account.get(&normalize_account(account)).cloned()
            }
            None => None,
        }
    }

    /// How many devices are cached.
    pub fn len(&self) -> usize {
        self.by_account
            .read()
            .map(|m| m.by_account.len())
            .unwrap_or(0)
    }

    /// Whether no device is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Notes that devices reported at `at_ms`.
    pub fn saw(&self, ids: impl IntoIterator<Item = i64>, at_ms: i64) {
        if let Ok(mut s) = self.seen.lock() {
            for id in ids {
                let slot = s.entry(id).or_insert(at_ms);
                if *slot < at_ms {
                    *slot = at_ms;
                }
            }
        }
    }

    /// Notes report times per device (puts back a batch that could not be written).
    pub fn saw_many(&self, seen: impl IntoIterator<Item = (i64, i64)>) {
        if let Ok(mut s) = self.seen.lock() {
            for (id, at_ms) in seen {
                let slot = s.entry(id).or_insert(at_ms);
                if *slot < at_ms {
                    *slot = at_ms;
                }
            }
        }
    }

    /// Takes the report times collected since the last call.
    pub fn take_seen(&self) -> HashMap<i64, i64> {
        self.seen
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}

#[cfg(test)]
impl Registry {
    /// Puts an entry directly (unit tests without a store).
    pub fn insert_for_test(&self, entry: DeviceEntry) {
        if let Ok(mut m) = self.by_account.write() {
            m.insert(Arc::new(entry));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, account: &str) -> Arc<DeviceEntry> {
        Arc::new(DeviceEntry {
            id,
            account: account.into(),
            receiver: None,
            line: None,
            facility_id: 1,
            unit_code: "00070".into(),
            key: None,
            allow_plain: true,
            plain_sources: None,
            enabled: true,
        })
    }

    #[test]
    fn a_changed_account_replaces_the_old_one_and_removal_is_by_id() {
        let mut d = Devices::default();
        d.insert(entry(1, "A1"));
        d.insert(entry(2, "B2"));
        // Device 1 is given a new account: the old one no longer finds it.
        d.insert(entry(1, "C3"));
        assert!(!d.by_account.contains_key("A1"));
        assert_eq!(d.by_account["C3"].id, 1);
        // Device 3 takes device 2's account: device 2 is no longer reachable or tracked.
        d.insert(entry(3, "B2"));
        assert_eq!(d.by_account["B2"].id, 3);
        assert!(!d.account_of.contains_key(&2));
        d.remove(2);
        assert_eq!(
            d.by_account["B2"].id, 3,
            "removing a displaced device keeps the new one"
        );
        d.remove(3);
        d.remove(1);
        assert!(d.by_account.is_empty() && d.account_of.is_empty());
    }
}
