//! The alarm receiver's persistence: facilities (premises with a transmitter), their DC-09
//! devices, every raw frame received, decoded alarm signals, and facility troubles.
//!
//! The receiver's hot path writes through [`Store::commit_frames`]: one transaction for a whole
//! batch of frames from every connection (group commit), with the deduplication of
//! retransmissions enforced by a unique index on `raw_frames.dedup_key`. Last-seen times are
//! written in batches by [`Store::record_last_seen`], and supervision raises "device offline"
//! with a conditional `UPDATE … WHERE status <> 'offline'` so that, with several nodes on one
//! PostgreSQL, exactly one of them raises each trouble.
//!
//! Device keys are stored sealed (encrypted by the server with its master key); this module
//! never sees a key in clear and never returns the sealed form through [`Device`]'s
//! serialisation.

use crate::{
    from_millis, to_millis, Actor, AuditEntry, Backend, Change, Result, Store, StoreError,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Rows per multi-row INSERT: well under both back ends' bound-parameter limits.
const CHUNK: usize = 400;

/// Facilities or devices per transaction of a large import (each is a row and its audit row).
const FACILITY_CHUNK: usize = 250;

/// Rows per statement of the receiver's group commit (a power of two, see [`cached_chunks`]).
const COMMIT_ROWS: usize = 256;

/// The start of an insert of received frames; nine values per row, in this order.
pub(crate) const INSERT_RAW_FRAMES: &str = "INSERT INTO raw_frames (received_at, transport, \
     peer, account, device_id, result, reason, frame, dedup_key) VALUES";

/// The start of an insert of signals; fifteen values per row, in this order.
pub(crate) const INSERT_SIGNALS: &str = "INSERT INTO alarm_signals (raw_frame_id, device_id, \
     facility_id, unit_code, received_at, code, category, family, restore, zone, partition_no, \
     text, meaning_vi, raw_event, state) VALUES";

/// A contact person of a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityContact {
    /// Name.
    pub name: String,
    /// Phone number.
    pub phone: String,
    /// Role, e.g. "Trưởng ban quản lý".
    #[serde(default)]
    pub role: Option<String>,
    /// E-mail address, for the notices sent when the facility's alarm opens an incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A facility as written by the API (already validated, unit already resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityInput {
    /// Name, e.g. "Chung cư HH2 Linh Đàm".
    pub name: String,
    /// Street address.
    pub address: String,
    /// Latitude (WGS84).
    pub lat: Option<f64>,
    /// Longitude (WGS84).
    pub lon: Option<f64>,
    /// The responsible commune/ward unit.
    pub unit_code: String,
    /// Why the unit differs from the one the coordinates fall in, when it does.
    pub unit_override_reason: Option<String>,
    /// Kind code, e.g. `apartment_building`.
    pub kind: String,
    /// Floors above ground.
    pub floors: Option<i64>,
    /// Contacts in calling order.
    pub contacts: Vec<FacilityContact>,
    /// Hazards responders must know.
    pub hazards: Option<String>,
    /// Water sources nearby.
    pub water_sources: Option<String>,
    /// Access notes (gates, keys, fire lanes).
    pub access_notes: Option<String>,
}

/// A stored facility.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facility {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub unit_code: String,
    pub unit_override_reason: Option<String>,
    pub kind: String,
    pub floors: Option<i64>,
    pub contacts: Vec<FacilityContact>,
    pub hazards: Option<String>,
    pub water_sources: Option<String>,
    pub access_notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which facilities to list.
#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    /// Only this unit's.
    pub unit_code: Option<String>,
    /// Only these kinds.
    pub kind: Option<String>,
    /// Only ids above this one (paging).
    pub after_id: Option<i64>,
    /// At most this many (clamped to 1..=1000).
    pub limit: i64,
}

/// A device key sealed by the server: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    /// Nonce and ciphertext, as the server's key module wrote them.
    pub sealed: String,
    /// `hex` or `ascii`.
    pub format: String,
    /// A short fingerprint shown instead of the key.
    pub fingerprint: String,
}

/// A device as written by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInput {
    /// DC-09 account, 3–16 uppercase hex digits.
    pub account: String,
    /// Receiver number the device must send, if fixed.
    pub receiver: Option<String>,
    /// Line (account prefix) the device must send, if fixed.
    pub line: Option<String>,
    /// The facility it reports for.
    pub facility_id: i64,
    /// Its AES key, sealed; `None` for a device that only sends plain messages.
    pub key: Option<SealedKey>,
    /// Whether plain (unencrypted) messages are accepted from it.
    pub allow_plain: bool,
    /// The addresses and CIDR blocks its plain messages may come from; empty when the
    /// receiver's own list applies. The server checks their form before storing them.
    pub plain_sources: Vec<String>,
    /// Supervision interval in seconds: silent longer than this (plus grace) is offline.
    pub supervision_secs: i64,
    /// A disabled device's frames are refused and it is not supervised.
    pub enabled: bool,
}

/// A stored device, as the API shows it (the sealed key is never serialised).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub id: i64,
    pub account: String,
    pub receiver: Option<String>,
    pub line: Option<String>,
    pub facility_id: i64,
    /// The facility's unit (devices belong to the unit of their facility).
    pub unit_code: String,
    pub facility_name: String,
    #[serde(skip)]
    pub key_sealed: Option<String>,
    pub key_format: Option<String>,
    pub key_fingerprint: Option<String>,
    pub allow_plain: bool,
    /// Where its plain messages may come from; empty: the receiver's list.
    pub plain_sources: Vec<String>,
    pub supervision_secs: i64,
    /// `new` (never heard), `online` or `offline`.
    pub status: String,
    pub enabled: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// On test (maintenance, a drill) until this time: its alarms still open incidents, but
    /// the facility's people are not told.
    pub test_until: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Device {
    /// Whether the device is on test at `at`.
    pub fn on_test_at(&self, at: DateTime<Utc>) -> bool {
        self.test_until.is_some_and(|until| at < until)
    }

    /// The key fields of the input this device was made from (to re-save unchanged fields).
    pub fn sealed_key(&self) -> Option<SealedKey> {
        match (&self.key_sealed, &self.key_format, &self.key_fingerprint) {
            (Some(s), Some(f), Some(p)) => Some(SealedKey {
                sealed: s.clone(),
                format: f.clone(),
                fingerprint: p.clone(),
            }),
            _ => None,
        }
    }

    /// The input that reproduces this device.
    pub fn to_input(&self) -> DeviceInput {
        DeviceInput {
            account: self.account.clone(),
            receiver: self.receiver.clone(),
            line: self.line.clone(),
            facility_id: self.facility_id,
            key: self.sealed_key(),
            allow_plain: self.allow_plain,
            plain_sources: self.plain_sources.clone(),
            supervision_secs: self.supervision_secs,
            enabled: self.enabled,
        }
    }
}

/// Which devices to list.
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter {
    pub unit_code: Option<String>,
    pub facility_id: Option<i64>,
    /// `new`, `online` or `offline`.
    pub status: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// One frame to keep, with what the receiver made of it.
#[derive(Debug, Clone)]
pub struct FrameRecord {
    pub received_at: DateTime<Utc>,
    /// `tcp` or `udp`.
    pub transport: &'static str,
    /// The sender's address.
    pub peer: String,
    /// Account from the clear header, when it could be read.
    pub account: Option<String>,
    pub device_id: Option<i64>,
    /// `ack`, `nak` or `duh`.
    pub result: &'static str,
    /// Why (for NAK/DUH), or the message kind for an ACK.
    pub reason: &'static str,
    /// The frame as text (non-UTF-8 bytes replaced), LF and CR stripped.
    pub frame: String,
    /// Identity of a valid message; a second frame with the same key is a retransmission.
    pub dedup_key: Option<String>,
    /// Another key to treat as the same message (the previous time bucket, for messages
    /// without timestamp).
    pub dedup_probe: Option<String>,
    /// Decoded events to keep as signals when the message is new.
    pub signals: Vec<SignalInput>,
}

/// One decoded event of a valid message.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalInput {
    pub device_id: i64,
    pub facility_id: i64,
    pub unit_code: String,
    /// Event code as sent, e.g. `E110`, `FA`.
    pub code: String,
    /// Routing category (dc09 category name in snake_case).
    pub category: String,
    /// The kind of condition, also for restores.
    pub family: String,
    pub restore: bool,
    pub zone: Option<String>,
    pub partition: Option<i64>,
    pub text: Option<String>,
    pub meaning_vi: String,
    pub raw_event: String,
    /// Whether it must be turned into an incident or trouble after the commit.
    pub actionable: bool,
}

/// A stored signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub id: i64,
    pub raw_frame_id: i64,
    pub device_id: i64,
    pub facility_id: i64,
    pub unit_code: String,
    pub received_at: DateTime<Utc>,
    pub code: String,
    pub category: String,
    pub family: String,
    pub restore: bool,
    pub zone: Option<String>,
    pub partition: Option<i64>,
    pub text: Option<String>,
    pub meaning_vi: String,
    pub raw_event: String,
    /// `pending` (to be turned into an incident or trouble), `done` or `none`.
    pub state: String,
    pub incident_id: Option<i64>,
}

/// What happened to one frame of a committed batch.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameOutcome {
    /// A new message, now durable, with its signals.
    Stored {
        raw_frame_id: i64,
        signals: Vec<Signal>,
    },
    /// A retransmission of a message already stored: nothing new was written.
    Duplicate,
    /// A rejected frame, kept for forensics.
    Logged,
}

/// A facility trouble: a device offline, or a trouble signal (fire trouble, power, battery…).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trouble {
    pub id: i64,
    pub facility_id: i64,
    pub device_id: i64,
    pub unit_code: String,
    /// `device_offline`, `fire_trouble`, `fire_supervisory`, `ac_loss`, `low_battery`,
    /// `communication` or `other`.
    pub kind: String,
    pub zone: String,
    pub code: Option<String>,
    pub detail: String,
    pub signal_id: Option<i64>,
    pub opened_at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
}

/// A trouble to open.
#[derive(Debug, Clone, PartialEq)]
pub struct TroubleInput {
    pub facility_id: i64,
    pub device_id: i64,
    pub unit_code: String,
    pub kind: String,
    pub zone: String,
    pub code: Option<String>,
    pub detail: String,
    pub signal_id: Option<i64>,
}

/// Which troubles to list.
#[derive(Debug, Clone, Default)]
pub struct TroubleFilter {
    pub unit_code: Option<String>,
    pub facility_id: Option<i64>,
    pub open_only: bool,
    pub limit: i64,
}

/// A device's change of link status, as supervision saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkChange {
    pub device: Device,
    /// The trouble opened (offline) or cleared (online), if any.
    pub trouble: Option<Trouble>,
}

const FACILITY_COLUMNS: &str = "id, name, address, lat, lon, unit_code, unit_override_reason, \
     kind, floors, contacts, hazards, water_sources, access_notes, version, created_at, updated_at";

const DEVICE_SELECT: &str = "SELECT d.id, d.account, d.receiver, d.line, d.facility_id, \
     f.unit_code, f.name AS facility_name, d.key_sealed, d.key_format, d.key_fingerprint, \
     d.allow_plain, d.plain_sources, d.supervision_secs, d.status, d.enabled, d.last_seen_at, d.version, \
     d.created_at, d.updated_at, d.test_until FROM devices d JOIN facilities f ON f.id = d.facility_id";

const SIGNAL_COLUMNS: &str = "id, raw_frame_id, device_id, facility_id, unit_code, received_at, \
     code, category, family, restore, zone, partition_no, text, meaning_vi, raw_event, state, \
     incident_id";

const TROUBLE_COLUMNS: &str = "id, facility_id, device_id, unit_code, kind, zone, code, detail, \
     signal_id, opened_at, cleared_at";

/// Decodes rows of either back end.
macro_rules! row_fn {
    ($name:ident -> $ty:ty, |$row:ident| $body:block) => {
        fn $name<R: Row>($row: &R) -> Result<$ty>
        where
            for<'c> &'c str: sqlx::ColumnIndex<R>,
            for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        $body
    };
}

row_fn!(facility_from_row -> Facility, |row| {
    let contacts: String = row.try_get("contacts")?;
    Ok(Facility {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        unit_code: row.try_get("unit_code")?,
        unit_override_reason: row.try_get("unit_override_reason")?,
        kind: row.try_get("kind")?,
        floors: row.try_get("floors")?,
        contacts: serde_json::from_str(&contacts).map_err(|e| StoreError::Corrupt {
            what: "facilities.contacts",
            detail: e.to_string(),
        })?,
        hazards: row.try_get("hazards")?,
        water_sources: row.try_get("water_sources")?,
        access_notes: row.try_get("access_notes")?,
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
});

row_fn!(device_from_row -> Device, |row| {
    Ok(Device {
        id: row.try_get("id")?,
        account: row.try_get("account")?,
        receiver: row.try_get("receiver")?,
        line: row.try_get("line")?,
        facility_id: row.try_get("facility_id")?,
        unit_code: row.try_get("unit_code")?,
        facility_name: row.try_get("facility_name")?,
        key_sealed: row.try_get("key_sealed")?,
        key_format: row.try_get("key_format")?,
        key_fingerprint: row.try_get("key_fingerprint")?,
        allow_plain: row.try_get::<i64, _>("allow_plain")? != 0,
        plain_sources: row
            .try_get::<Option<String>, _>("plain_sources")?
            .map(|list| list.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        supervision_secs: row.try_get("supervision_secs")?,
        status: row.try_get("status")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        last_seen_at: row.try_get::<Option<i64>, _>("last_seen_at")?.map(from_millis),
        test_until: row.try_get::<Option<i64>, _>("test_until")?.map(from_millis),
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
});

row_fn!(signal_from_row -> Signal, |row| {
    Ok(Signal {
        id: row.try_get("id")?,
        raw_frame_id: row.try_get("raw_frame_id")?,
        device_id: row.try_get("device_id")?,
        facility_id: row.try_get("facility_id")?,
        unit_code: row.try_get("unit_code")?,
        received_at: from_millis(row.try_get("received_at")?),
        code: row.try_get("code")?,
        category: row.try_get("category")?,
        family: row.try_get("family")?,
        restore: row.try_get::<i64, _>("restore")? != 0,
        zone: row.try_get("zone")?,
        partition: row.try_get("partition_no")?,
        text: row.try_get("text")?,
        meaning_vi: row.try_get("meaning_vi")?,
        raw_event: row.try_get("raw_event")?,
        state: row.try_get("state")?,
        incident_id: row.try_get("incident_id")?,
    })
});

row_fn!(trouble_from_row -> Trouble, |row| {
    Ok(Trouble {
        id: row.try_get("id")?,
        facility_id: row.try_get("facility_id")?,
        device_id: row.try_get("device_id")?,
        unit_code: row.try_get("unit_code")?,
        kind: row.try_get("kind")?,
        zone: row.try_get("zone")?,
        code: row.try_get("code")?,
        detail: row.try_get("detail")?,
        signal_id: row.try_get("signal_id")?,
        opened_at: from_millis(row.try_get("opened_at")?),
        cleared_at: row.try_get::<Option<i64>, _>("cleared_at")?.map(from_millis),
    })
});

fn facility_summary(f: &Facility) -> serde_json::Value {
    serde_json::json!({
        "name": f.name, "address": f.address, "lat": f.lat, "lon": f.lon,
        "unit_code": f.unit_code, "unit_override_reason": f.unit_override_reason,
        "kind": f.kind, "floors": f.floors, "contacts": f.contacts.len(),
    })
}

/// The `plain_sources` column: the list separated by spaces, NULL when empty.
fn plain_sources_column(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| list.join(" "))
}

fn device_summary(d: &Device) -> serde_json::Value {
    serde_json::json!({
        "account": d.account, "receiver": d.receiver, "line": d.line,
        "facility_id": d.facility_id, "key_fingerprint": d.key_fingerprint,
        "key_format": d.key_format, "allow_plain": d.allow_plain,
        "plain_sources": d.plain_sources,
        "supervision_secs": d.supervision_secs, "enabled": d.enabled,
    })
}

/// The alarm-queue entry of a newly opened trouble: an offline device or a device trouble.
fn trouble_alarm(t: &Trouble) -> crate::NewAlarm {
    let class = domain::alarm_queue::AlarmClass::of_trouble(&t.kind);
    crate::NewAlarm {
        source_key: crate::NewAlarm::trouble_key(t.id),
        class,
        unit_code: t.unit_code.clone(),
        facility_id: Some(t.facility_id),
        device_id: Some(t.device_id),
        incident_id: None,
        trouble_id: Some(t.id),
        title: class.label_vi().to_owned(),
        detail: t.detail.clone(),
        signal_id: t.signal_id,
    }
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// The `n`-th (from 1) of a statement's parameters, when they are its only ones and are bound
/// in order: `?` on SQLite, `$n` on PostgreSQL. SQLite looks a numbered parameter's name up in
/// time linear in the number of parameters, which made binding a multi-row statement of
/// thousands of parameters quadratic; anonymous ones bind by position.
fn param(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `(…),(…)` for `rows` rows of `cols` parameters, the statement's only parameters.
pub(crate) fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| param(backend, r * cols + c)).collect();
            format!("({})", row.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits `items` into slices of `max` (a power of two) and then of decreasing powers of two,
/// so that a bulk statement comes in a handful of sizes, each prepared once and then taken
/// from the connection's statement cache instead of being parsed again for every batch.
fn cached_chunks<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = if rest.len() >= max {
            max
        } else {
            1 << rest.len().ilog2()
        };
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}

/// Binds a frame's nine values in [`INSERT_RAW_FRAMES`] order (PostgreSQL's bulk commit).
fn bind_raw_frame<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    f: &'q FrameRecord,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    q.bind(to_millis(f.received_at))
        .bind(f.transport)
        .bind(&f.peer)
        .bind(&f.account)
        .bind(f.device_id)
        .bind(f.result)
        .bind(f.reason)
        .bind(&f.frame)
        .bind(&f.dedup_key)
}

/// The state a new signal is stored in.
pub(crate) fn signal_state(s: &SignalInput) -> &'static str {
    if s.actionable {
        "pending"
    } else {
        "none"
    }
}

impl Signal {
    /// The signal as just written from `s`: what reading the row back would give, without
    /// reading it (the time at the millisecond the column keeps).
    pub(crate) fn stored(
        id: i64,
        raw_frame_id: i64,
        received_at: DateTime<Utc>,
        s: &SignalInput,
    ) -> Signal {
        Signal {
            id,
            raw_frame_id,
            device_id: s.device_id,
            facility_id: s.facility_id,
            unit_code: s.unit_code.clone(),
            received_at: from_millis(to_millis(received_at)),
            code: s.code.clone(),
            category: s.category.clone(),
            family: s.family.clone(),
            restore: s.restore,
            zone: s.zone.clone(),
            partition: s.partition,
            text: s.text.clone(),
            meaning_vi: s.meaning_vi.clone(),
            raw_event: s.raw_event.clone(),
            state: signal_state(s).to_owned(),
            incident_id: None,
        }
    }
}

/// Where one chunk of a chunked write stands in the whole.
#[derive(Debug, Clone, Copy)]
pub struct ChunkPlace {
    /// Rows in the whole write.
    pub total: usize,
    /// This is its last chunk.
    pub last: bool,
    /// Rows committed before this chunk.
    pub before: usize,
}

/// What a [`BulkImport`] writes: facilities or devices.
pub trait ImportRow: Sized + Send + Sync {
    /// The table and the audit kind (`{kind}.import_undone`).
    const TABLE: (&'static str, &'static str);

    /// Writes one transaction of rows; `total` rows in the whole import, `before` of them
    /// written already, `last` for its last transaction. Returns the new rows' ids.
    fn write_chunk(
        store: &Store,
        chunk: &[Self],
        place: ChunkPlace,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<Vec<i64>>> + Send;
}

impl ImportRow for FacilityInput {
    const TABLE: (&'static str, &'static str) = ("facilities", "facility");

    async fn write_chunk(
        store: &Store,
        chunk: &[Self],
        at: ChunkPlace,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let created = store
            .create_facility_chunk(chunk, at.total, at.last, at.before, actor, now)
            .await?;
        Ok(created.iter().map(|f| f.id).collect())
    }
}

impl ImportRow for DeviceInput {
    const TABLE: (&'static str, &'static str) = ("devices", "device");

    async fn write_chunk(
        store: &Store,
        chunk: &[Self],
        at: ChunkPlace,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let created = store
            .create_device_chunk(chunk, at.total, at.last, at.before, actor, now)
            .await?;
        Ok(created.iter().map(|d| d.id).collect())
    }
}

/// An import of facilities or devices fed part by part ([`Store::bulk_import`]), so that a
/// large file is never held in memory: each part in transactions of [`FACILITY_CHUNK`] that
/// give way to the alarm writer, all or nothing over the whole import (a failed part removes
/// every row the import wrote).
pub struct BulkImport<T> {
    store: Store,
    actor: Actor,
    now: DateTime<Utc>,
    total: usize,
    ids: Vec<i64>,
    rows: std::marker::PhantomData<fn(T)>,
}

impl<T: ImportRow> BulkImport<T> {
    /// Writes the next part. On failure everything this import wrote is removed again (one
    /// `{kind}.import_undone` audit row says so) and the import must not be used further.
    pub async fn push(&mut self, inputs: &[T]) -> Result<()> {
        for part in inputs.chunks(FACILITY_CHUNK) {
            self.store.inner.gate.bulk().await;
            let before = self.ids.len();
            let place = ChunkPlace {
                total: self.total,
                last: before + part.len() >= self.total,
                before,
            };
            match T::write_chunk(&self.store, part, place, &self.actor, self.now).await {
                Ok(mut ids) => self.ids.append(&mut ids),
                Err(e) => {
                    let ids = std::mem::take(&mut self.ids);
                    let (table, kind) = T::TABLE;
                    self.store
                        .undo_import(table, kind, &ids, &self.actor, self.now)
                        .await;
                    return Err(e);
                }
            }
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// The ids written, in the order of the rows.
    pub fn finish(self) -> Vec<i64> {
        self.ids
    }
}

/// `…,…` for `n` parameters, the statement's only parameters.
fn list_params(backend: Backend, n: usize) -> String {
    (1..=n)
        .map(|i| param(backend, i))
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// Creates facilities (one, or a whole CSV import): all or nothing.
    ///
    /// A large import is written in transactions of [`FACILITY_CHUNK`] facilities that give
    /// way to the alarm writer between them (see [`crate::gate`]); should a chunk fail, the
    /// facilities already written are deleted again (one `facility.import_undone` audit row
    /// says so) before the error is returned. Up to one chunk is one transaction, as before.
    pub async fn create_facilities(
        &self,
        inputs: &[FacilityInput],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Facility>> {
        self.write_in_chunks(
            inputs,
            FACILITY_CHUNK,
            ("facilities", "facility"),
            |f: &Facility| f.id,
            actor,
            now,
            |chunk, at: ChunkPlace| {
                self.create_facility_chunk(chunk, at.total, at.last, at.before, actor, now)
            },
        )
        .await
    }

    /// An import of facilities or devices fed part by part (a large file read slice by
    /// slice), so that the whole file is never held in memory: `total` is the number of rows
    /// it will write, known from a first pass over the file.
    pub fn bulk_import<T: ImportRow>(
        &self,
        total: usize,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> BulkImport<T> {
        BulkImport {
            store: self.clone(),
            actor: actor.clone(),
            now,
            total,
            ids: Vec::new(),
            rows: std::marker::PhantomData,
        }
    }

    /// The devices with these ids (at most a few hundred per call), in no particular order.
    pub async fn devices_with_ids(&self, ids: &[i64]) -> Result<Vec<Device>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{DEVICE_SELECT} WHERE d.id IN ({})",
            (1..=ids.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        on_read!(self, |pool| {
            let mut q = sqlx::query(&sql);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(device_from_row)
                .collect()
        })
    }

    /// One transaction of [`Store::create_facilities`]. `total` is the size of the whole
    /// import, `before` how many of it were committed already.
    async fn create_facility_chunk(
        &self,
        inputs: &[FacilityInput],
        total: usize,
        last: bool,
        before: usize,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Facility>> {
        let (created, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut created = Vec::with_capacity(inputs.len());
            let mut changes = Vec::new();
            for input in inputs {
                let row = sqlx::query(&format!(
                    "INSERT INTO facilities (name, address, lat, lon, unit_code, \
                     unit_override_reason, kind, floors, contacts, hazards, water_sources, \
                     access_notes, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, 1, $13, $13) RETURNING {FACILITY_COLUMNS}"
                ))
                .bind(&input.name)
                .bind(&input.address)
                .bind(input.lat)
                .bind(input.lon)
                .bind(&input.unit_code)
                .bind(&input.unit_override_reason)
                .bind(&input.kind)
                .bind(input.floors)
                .bind(json(&input.contacts).to_string())
                .bind(&input.hazards)
                .bind(&input.water_sources)
                .bind(&input.access_notes)
                .bind(to_millis(now))
                .fetch_one(&mut *tx)
                .await?;
                let facility = facility_from_row(&row)?;
                let entry = AuditEntry {
                    action: "facility.create".into(),
                    object_type: "facility".into(),
                    object_id: facility.id.to_string(),
                    unit_code: Some(facility.unit_code.clone()),
                    summary: serde_json::json!({"after": facility_summary(&facility)}),
                };
                insert_audit!(tx, actor, &entry, now);
                // A bulk import announces itself once, not once per row.
                if total <= 50 {
                    changes.push(insert_change!(
                        self,
                        tx,
                        "facility.created",
                        Some(facility.unit_code.clone()),
                        vec![],
                        json(&facility),
                        now
                    ));
                }
                created.push(facility);
            }
            if total > 50 && last {
                changes.push(insert_change!(
                    self,
                    tx,
                    "facility.imported",
                    None,
                    vec![],
                    serde_json::json!({"count": before + created.len()}),
                    now
                ));
            }
            tx.commit().await?;
            (created, changes)
        });
        for c in changes {
            self.publish(c);
        }
        Ok(created)
    }

    /// Writes `inputs` through `write` in transactions of `chunk` rows, giving way to the alarm
    /// writer before each (see [`crate::gate`]); should one fail, the rows already written
    /// (`table`, ids from `id_of`) are deleted again and audited as `{kind}.import_undone`
    /// before its error is returned. Up to one chunk is one transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_in_chunks<'a, T, R, F, Fut>(
        &self,
        inputs: &'a [T],
        chunk: usize,
        (table, kind): (&'static str, &'static str),
        id_of: fn(&R) -> i64,
        actor: &Actor,
        now: DateTime<Utc>,
        mut write: F,
    ) -> Result<Vec<R>>
    where
        F: FnMut(&'a [T], ChunkPlace) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<R>>>,
    {
        let mut created: Vec<R> = Vec::with_capacity(inputs.len());
        let chunks = inputs.len().div_ceil(chunk);
        for (n, part) in inputs.chunks(chunk).enumerate() {
            self.inner.gate.bulk().await;
            let at = ChunkPlace {
                total: inputs.len(),
                last: n + 1 == chunks,
                before: created.len(),
            };
            match write(part, at).await {
                Ok(mut more) => created.append(&mut more),
                Err(e) => {
                    let ids: Vec<i64> = created.iter().map(id_of).collect();
                    self.undo_import(table, kind, &ids, actor, now).await;
                    return Err(e);
                }
            }
            tokio::task::yield_now().await;
        }
        Ok(created)
    }

    /// Deletes the rows of `table` a failed import had written (`ids`) and audits it as
    /// `{kind}.import_undone`. A failure here is logged with the ids left behind; the import's
    /// own error is what the caller gets.
    async fn undo_import(
        &self,
        table: &'static str,
        kind: &'static str,
        ids: &[i64],
        actor: &Actor,
        now: DateTime<Utc>,
    ) {
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return;
        };
        for chunk in ids.chunks(FACILITY_CHUNK) {
            self.inner.gate.bulk().await;
            let sql = format!(
                "DELETE FROM {table} WHERE id IN ({})",
                (1..=chunk.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let result: Result<()> = async {
                on_write!(self, |pool| {
                    let mut q = sqlx::query(&sql);
                    for id in chunk {
                        q = q.bind(id);
                    }
                    q.execute(pool).await?;
                    Ok(())
                })
            }
            .await;
            if let Err(e) = result {
                tracing::error!(
                    error = %e,
                    table,
                    rows = ids.len(),
                    first_id = first,
                    "removing the rows of a failed import failed; they stay stored"
                );
                return;
            }
        }
        let entry = AuditEntry {
            action: format!("{kind}.import_undone"),
            object_type: kind.into(),
            object_id: format!("{first}..{last}"),
            unit_code: None,
            summary: serde_json::json!({"removed": ids.len()}),
        };
        if let Err(e) = self.append_audit(actor, &entry, now).await {
            tracing::error!(error = %e, kind, "auditing an undone import failed");
        }
    }

    /// One facility.
    pub async fn facility(&self, id: i64) -> Result<Option<Facility>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {FACILITY_COLUMNS} FROM facilities WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(facility_from_row).transpose()
        })
    }

    /// Facilities by id.
    pub async fn list_facilities(&self, filter: &FacilityFilter) -> Result<Vec<Facility>> {
        let limit = filter.limit.clamp(1, 1000);
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {FACILITY_COLUMNS} FROM facilities WHERE ($1 IS NULL OR unit_code = $1) \
                 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
            ))
            .bind(&filter.unit_code)
            .bind(&filter.kind)
            .bind(filter.after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(facility_from_row).collect()
        })
    }

    /// Replaces a facility's fields if it is still at `version` (otherwise
    /// [`StoreError::Conflict`]); unknown id is [`StoreError::NotFound`].
    pub async fn update_facility(
        &self,
        id: i64,
        version: i64,
        input: &FacilityInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Facility> {
        let (facility, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = sqlx::query(&format!(
                "SELECT {FACILITY_COLUMNS} FROM facilities WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(facility_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound {
                what: "facility",
                id: id.to_string(),
            })?;
            let row = sqlx::query(&format!(
                "UPDATE facilities SET name = $3, address = $4, lat = $5, lon = $6, \
                 unit_code = $7, unit_override_reason = $8, kind = $9, floors = $10, \
                 contacts = $11, hazards = $12, water_sources = $13, access_notes = $14, \
                 version = version + 1, updated_at = $15 WHERE id = $1 AND version = $2 \
                 RETURNING {FACILITY_COLUMNS}"
            ))
            .bind(id)
            .bind(version)
            .bind(&input.name)
            .bind(&input.address)
            .bind(input.lat)
            .bind(input.lon)
            .bind(&input.unit_code)
            .bind(&input.unit_override_reason)
            .bind(&input.kind)
            .bind(input.floors)
            .bind(json(&input.contacts).to_string())
            .bind(&input.hazards)
            .bind(&input.water_sources)
            .bind(&input.access_notes)
            .bind(to_millis(now))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "facility {id} is at version {}, not {version}",
                    before.version
                ))
            })?;
            let facility = facility_from_row(&row)?;
            let entry = AuditEntry {
                action: "facility.update".into(),
                object_type: "facility".into(),
                object_id: id.to_string(),
                unit_code: Some(facility.unit_code.clone()),
                summary: serde_json::json!({
                    "before": facility_summary(&before), "after": facility_summary(&facility)
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let shared = if before.unit_code != facility.unit_code {
                vec![before.unit_code.clone()]
            } else {
                vec![]
            };
            let change = insert_change!(
                self,
                tx,
                "facility.updated",
                Some(facility.unit_code.clone()),
                shared,
                json(&facility),
                now
            );
            tx.commit().await?;
            (facility, change)
        });
        self.publish(change);
        Ok(facility)
    }

    /// Creates devices (one, or a whole CSV import): all or nothing. A taken account is a
    /// [`StoreError::Conflict`]; an unknown facility is [`StoreError::NotFound`].
    ///
    /// A large import is written in transactions of [`FACILITY_CHUNK`] devices that give way
    /// to the alarm writer between them (see [`crate::gate`]); should a chunk fail, the devices
    /// already written are deleted again (one `device.import_undone` audit row says so) before
    /// the error is returned. Receivers learn of an import's devices once it is complete.
    pub async fn create_devices(
        &self,
        inputs: &[DeviceInput],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Device>> {
        self.write_in_chunks(
            inputs,
            FACILITY_CHUNK,
            ("devices", "device"),
            |d: &Device| d.id,
            actor,
            now,
            |chunk, at: ChunkPlace| {
                self.create_device_chunk(chunk, at.total, at.last, at.before, actor, now)
            },
        )
        .await
    }

    /// One transaction of [`Store::create_devices`] (see [`Store::create_facility_chunk`]).
    async fn create_device_chunk(
        &self,
        inputs: &[DeviceInput],
        total: usize,
        last: bool,
        before: usize,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Device>> {
        let (created, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut created = Vec::with_capacity(inputs.len());
            let mut changes = Vec::new();
            for input in inputs {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM facilities WHERE id = $1")
                        .bind(input.facility_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_none() {
                    return Err(StoreError::NotFound {
                        what: "facility",
                        id: input.facility_id.to_string(),
                    });
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO devices (account, receiver, line, facility_id, key_sealed, \
                     key_format, key_fingerprint, allow_plain, supervision_secs, status, enabled, \
                     version, created_at, updated_at, plain_sources) VALUES ($1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, 'new', $10, 1, $11, $11, $12) RETURNING id",
                )
                .bind(&input.account)
                .bind(&input.receiver)
                .bind(&input.line)
                .bind(input.facility_id)
                .bind(input.key.as_ref().map(|k| &k.sealed))
                .bind(input.key.as_ref().map(|k| &k.format))
                .bind(input.key.as_ref().map(|k| &k.fingerprint))
                .bind(i64::from(input.allow_plain))
                .bind(input.supervision_secs)
                .bind(i64::from(input.enabled))
                .bind(to_millis(now))
                .bind(plain_sources_column(&input.plain_sources))
                .fetch_one(&mut *tx)
                .await?;
                let row = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let device = device_from_row(&row)?;
                let entry = AuditEntry {
                    action: "device.create".into(),
                    object_type: "device".into(),
                    object_id: device.id.to_string(),
                    unit_code: Some(device.unit_code.clone()),
                    summary: serde_json::json!({"after": device_summary(&device)}),
                };
                insert_audit!(tx, actor, &entry, now);
                if total <= 50 {
                    changes.push(insert_change!(
                        self,
                        tx,
                        "device.created",
                        Some(device.unit_code.clone()),
                        vec![],
                        json(&device),
                        now
                    ));
                }
                created.push(device);
            }
            if total > 50 && last {
                // Receivers reload their whole registry on this one.
                changes.push(insert_change!(
                    self,
                    tx,
                    "device.imported",
                    None,
                    vec![],
                    serde_json::json!({"count": before + created.len()}),
                    now
                ));
            }
            tx.commit().await?;
            (created, changes)
        });
        for c in changes {
            self.publish(c);
        }
        Ok(created)
    }

    /// One device (with its sealed key, for the receiver).
    pub async fn device(&self, id: i64) -> Result<Option<Device>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(device_from_row).transpose()
        })
    }

    /// The devices of one facility.
    pub async fn devices_of_facility(&self, facility_id: i64) -> Result<Vec<Device>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "{DEVICE_SELECT} WHERE d.facility_id = $1 ORDER BY d.id"
            ))
            .bind(facility_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(device_from_row).collect()
        })
    }

    /// Every device (the receiver's registry at start).
    pub async fn all_devices(&self) -> Result<Vec<Device>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!("{DEVICE_SELECT} ORDER BY d.id"))
                .fetch_all(pool)
                .await?;
            rows.iter().map(device_from_row).collect()
        })
    }

    /// Devices by id.
    pub async fn list_devices(&self, filter: &DeviceFilter) -> Result<Vec<Device>> {
        let limit = filter.limit.clamp(1, 1000);
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "{DEVICE_SELECT} WHERE ($1 IS NULL OR f.unit_code = $1) \
                 AND ($2 IS NULL OR d.facility_id = $2) AND ($3 IS NULL OR d.status = $3) \
                 AND ($4 IS NULL OR d.id > $4) ORDER BY d.id LIMIT $5"
            ))
            .bind(&filter.unit_code)
            .bind(filter.facility_id)
            .bind(&filter.status)
            .bind(filter.after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(device_from_row).collect()
        })
    }

    /// How many devices there are in each status (`new`, `online`, `offline`), in one unit or
    /// everywhere: the real totals, whatever a list shows of them.
    pub async fn device_counts(&self, unit_code: Option<&str>) -> Result<Vec<(String, i64)>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT d.status, COUNT(*) AS n FROM devices d \
                 JOIN facilities f ON f.id = d.facility_id \
                 WHERE ($1 IS NULL OR f.unit_code = $1) GROUP BY d.status ORDER BY d.status",
            )
            .bind(unit_code)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
                .collect()
        })
    }

    /// Replaces a device's fields if it is still at `version`.
    pub async fn update_device(
        &self,
        id: i64,
        version: i64,
        input: &DeviceInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Device> {
        let (device, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(device_from_row)
                .transpose()?
                .ok_or(StoreError::NotFound {
                    what: "device",
                    id: id.to_string(),
                })?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM facilities WHERE id = $1")
                .bind(input.facility_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound {
                    what: "facility",
                    id: input.facility_id.to_string(),
                });
            }
            let updated = sqlx::query(
                "UPDATE devices SET account = $3, receiver = $4, line = $5, facility_id = $6, \
                 key_sealed = $7, key_format = $8, key_fingerprint = $9, allow_plain = $10, \
                 supervision_secs = $11, enabled = $12, version = version + 1, updated_at = $13, \
                 plain_sources = $14 WHERE id = $1 AND version = $2",
            )
            .bind(id)
            .bind(version)
            .bind(&input.account)
            .bind(&input.receiver)
            .bind(&input.line)
            .bind(input.facility_id)
            .bind(input.key.as_ref().map(|k| &k.sealed))
            .bind(input.key.as_ref().map(|k| &k.format))
            .bind(input.key.as_ref().map(|k| &k.fingerprint))
            .bind(i64::from(input.allow_plain))
            .bind(input.supervision_secs)
            .bind(i64::from(input.enabled))
            .bind(to_millis(now))
            .bind(plain_sources_column(&input.plain_sources))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "device {id} is at version {}, not {version}",
                    before.version
                )));
            }
            let row = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let device = device_from_row(&row)?;
            let mut summary = serde_json::json!({
                "before": device_summary(&before), "after": device_summary(&device)
            });
            if before.key_fingerprint != device.key_fingerprint {
                summary["key_changed"] = serde_json::Value::Bool(true);
            }
            let entry = AuditEntry {
                action: "device.update".into(),
                object_type: "device".into(),
                object_id: id.to_string(),
                unit_code: Some(device.unit_code.clone()),
                summary,
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "device.updated",
                Some(device.unit_code.clone()),
                vec![],
                json(&device),
                now
            );
            tx.commit().await?;
            (device, change)
        });
        self.publish(change);
        Ok(device)
    }

    /// Puts a device on test until `until` (a maintenance visit, a drill), or takes it off
    /// test with `None`. Its alarms still open incidents; the facility's people are not told.
    pub async fn set_device_test(
        &self,
        id: i64,
        until: Option<DateTime<Utc>>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Device> {
        let (device, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE devices SET test_until = $2, version = version + 1, updated_at = $3 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(until.map(to_millis))
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound {
                    what: "device",
                    id: id.to_string(),
                });
            }
            let row = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let device = device_from_row(&row)?;
            let entry = AuditEntry {
                action: "device.test".into(),
                object_type: "device".into(),
                object_id: id.to_string(),
                unit_code: Some(device.unit_code.clone()),
                summary: serde_json::json!({"test_until": until}),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "device.updated",
                Some(device.unit_code.clone()),
                vec![],
                json(&device),
                now
            );
            tx.commit().await?;
            (device, change)
        });
        self.publish(change);
        Ok(device)
    }

    /// Commits a batch of frames from every connection in one transaction (group commit) and
    /// says, for each, whether it was stored, was a retransmission, or was logged as rejected.
    ///
    /// A valid message is new unless a row with its `dedup_key` (or `dedup_probe`) exists or
    /// an earlier frame of the same batch has it; the unique index makes this hold across
    /// nodes too. The signals of new messages are inserted with it, `pending` when actionable.
    ///
    /// On SQLite the transaction runs on the calling thread, on the writer connection's own
    /// handle (see `frame_commit`); on PostgreSQL it is a few multi-row statements.
    pub async fn commit_frames(&self, frames: &[FrameRecord]) -> Result<Vec<FrameOutcome>> {
        // Bulk writers start no new chunk until this commit is done.
        let _turn = self.inner.gate.alarm();
        let pool = match &self.inner.db {
            crate::db::Db::Sqlite { write, .. } => {
                return crate::frame_commit::commit_frames(write, frames).await;
            }
            // Its own connections: a busy API can never leave the receiver waiting for one.
            crate::db::Db::Postgres { alarm, .. } => alarm,
        };
        let backend = Backend::Postgres;
        let mut outcomes: Vec<Option<FrameOutcome>> = vec![None; frames.len()];
        let mut tx = pool.begin().await?;
        // Keys already stored: probes (previous time bucket) and exact keys.
        let mut wanted: Vec<&str> = Vec::new();
        for f in frames {
            if let Some(k) = &f.dedup_probe {
                wanted.push(k);
            }
        }
        let mut existing: HashSet<String> = HashSet::new();
        for chunk in cached_chunks(&wanted, COMMIT_ROWS) {
            let sql = format!(
                "SELECT dedup_key FROM raw_frames WHERE dedup_key IN ({})",
                list_params(backend, chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            existing.extend(q.fetch_all(&mut *tx).await?);
        }
        // The first frame of the batch with a key carries it; later ones are duplicates.
        let mut first_with_key: HashMap<&str, usize> = HashMap::new();
        let mut to_store: Vec<usize> = Vec::new();
        let mut rejected: Vec<usize> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            match &f.dedup_key {
                None => rejected.push(i),
                Some(k) => {
                    // The probe may name a stored row or an earlier frame of this batch.
                    let probed = f
                        .dedup_probe
                        .as_deref()
                        .is_some_and(|p| existing.contains(p) || first_with_key.contains_key(p));
                    if probed || first_with_key.contains_key(k.as_str()) {
                        outcomes[i] = Some(FrameOutcome::Duplicate);
                    } else {
                        first_with_key.insert(k, i);
                        to_store.push(i);
                    }
                }
            }
        }
        for chunk in cached_chunks(&rejected, COMMIT_ROWS) {
            let sql = format!(
                "{INSERT_RAW_FRAMES} {}",
                placeholders(backend, chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for &i in chunk {
                q = bind_raw_frame(q, &frames[i]);
                outcomes[i] = Some(FrameOutcome::Logged);
            }
            q.execute(&mut *tx).await?;
        }
        let mut stored_ids: HashMap<String, i64> = HashMap::new();
        for chunk in cached_chunks(&to_store, COMMIT_ROWS) {
            let sql = format!(
                "{INSERT_RAW_FRAMES} {} ON CONFLICT (dedup_key) DO NOTHING \
                 RETURNING id, dedup_key",
                placeholders(backend, chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for &i in chunk {
                q = bind_raw_frame(q, &frames[i]);
            }
            for row in q.fetch_all(&mut *tx).await? {
                let id: i64 = row.try_get("id")?;
                let key: String = row.try_get("dedup_key")?;
                stored_ids.insert(key, id);
            }
        }
        // The signals of every new message, many rows per statement. Ids come back with
        // their frame; within a frame they ascend in insertion order.
        let mut new_signals: Vec<(i64, &SignalInput, DateTime<Utc>)> = Vec::new();
        for &i in &to_store {
            let f = &frames[i];
            let key = f.dedup_key.as_deref().unwrap_or_default();
            match stored_ids.get(key) {
                Some(&raw_id) => {
                    new_signals.extend(f.signals.iter().map(|s| (raw_id, s, f.received_at)));
                }
                None => outcomes[i] = Some(FrameOutcome::Duplicate),
            }
        }
        let mut signal_ids: HashMap<i64, Vec<i64>> = HashMap::new();
        for chunk in cached_chunks(&new_signals, COMMIT_ROWS) {
            let sql = format!(
                "{INSERT_SIGNALS} {} RETURNING id, raw_frame_id",
                placeholders(backend, chunk.len(), 15)
            );
            let mut q = sqlx::query(&sql);
            for (raw_id, s, at) in chunk {
                q = q
                    .bind(*raw_id)
                    .bind(s.device_id)
                    .bind(s.facility_id)
                    .bind(&s.unit_code)
                    .bind(to_millis(*at))
                    .bind(&s.code)
                    .bind(&s.category)
                    .bind(&s.family)
                    .bind(i64::from(s.restore))
                    .bind(&s.zone)
                    .bind(s.partition)
                    .bind(&s.text)
                    .bind(&s.meaning_vi)
                    .bind(&s.raw_event)
                    .bind(signal_state(s));
            }
            for row in q.fetch_all(&mut *tx).await? {
                let id: i64 = row.try_get("id")?;
                let raw_id: i64 = row.try_get("raw_frame_id")?;
                signal_ids.entry(raw_id).or_default().push(id);
            }
        }
        for &i in &to_store {
            let f = &frames[i];
            let key = f.dedup_key.as_deref().unwrap_or_default();
            let Some(&raw_id) = stored_ids.get(key) else {
                continue;
            };
            let mut ids = signal_ids.remove(&raw_id).unwrap_or_default();
            ids.sort_unstable();
            if ids.len() != f.signals.len() {
                return Err(StoreError::Corrupt {
                    what: "alarm_signals",
                    detail: format!(
                        "frame {raw_id}: {} signals written, {} came back",
                        f.signals.len(),
                        ids.len()
                    ),
                });
            }
            let signals = ids
                .into_iter()
                .zip(&f.signals)
                .map(|(id, s)| Signal::stored(id, raw_id, f.received_at, s))
                .collect();
            outcomes[i] = Some(FrameOutcome::Stored {
                raw_frame_id: raw_id,
                signals,
            });
        }
        tx.commit().await?;
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(FrameOutcome::Logged))
            .collect())
    }

    /// Signals still waiting to become incidents or troubles (after a crash, at start), oldest
    /// first, with ids above `after_id`.
    pub async fn pending_signals(&self, after_id: i64, limit: i64) -> Result<Vec<Signal>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {SIGNAL_COLUMNS} FROM alarm_signals WHERE state = 'pending' \
                 AND id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(after_id)
            .bind(limit.clamp(1, 10_000))
            .fetch_all(pool)
            .await?;
            rows.iter().map(signal_from_row).collect()
        })
    }

    /// Marks a signal processed, with the incident it went to, if any. Returns whether this
    /// call did it (false when another node or an earlier run already had).
    pub async fn mark_signal_processed(
        &self,
        signal_id: i64,
        incident_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        on_write!(self, |pool| {
            let done = sqlx::query(
                "UPDATE alarm_signals SET state = 'done', incident_id = $2, processed_at = $3 \
                 WHERE id = $1 AND state = 'pending'",
            )
            .bind(signal_id)
            .bind(incident_id)
            .bind(to_millis(now))
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// [`Store::mark_signal_processed`] for several signals in one transaction. Returns how
    /// many this call marked.
    pub async fn mark_signals_processed(
        &self,
        done: &[(i64, Option<i64>)],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut marked = 0;
            for (signal_id, incident_id) in done {
                marked += sqlx::query(
                    "UPDATE alarm_signals SET state = 'done', incident_id = $2, \
                     processed_at = $3 WHERE id = $1 AND state = 'pending'",
                )
                .bind(signal_id)
                .bind(incident_id)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(marked)
        })
    }

    /// The signals of a facility, newest first, without routine periodic tests (the device's
    /// `last_seen_at` says when it last reported).
    pub async fn facility_signals(&self, facility_id: i64, limit: i64) -> Result<Vec<Signal>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {SIGNAL_COLUMNS} FROM alarm_signals WHERE facility_id = $1 \
                 AND family <> 'test' ORDER BY id DESC LIMIT $2"
            ))
            .bind(facility_id)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await?;
            rows.iter().map(signal_from_row).collect()
        })
    }

    /// How many raw frames are kept, and how many of them were stored as messages.
    pub async fn count_raw_frames(&self) -> Result<(i64, i64)> {
        on_read!(self, |pool| {
            let row =
                sqlx::query("SELECT COUNT(*) AS n, COUNT(dedup_key) AS stored FROM raw_frames")
                    .fetch_one(pool)
                    .await?;
            Ok((row.try_get("n")?, row.try_get("stored")?))
        })
    }

    /// Deletes raw frames received before `before` (the forensic retention sweep).
    pub async fn sweep_raw_frames(&self, before: DateTime<Utc>) -> Result<u64> {
        on_write!(self, |pool| {
            let done = sqlx::query("DELETE FROM raw_frames WHERE received_at < $1")
                .bind(to_millis(before))
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    /// Opens a trouble unless the same one (device, kind, zone) is already open. Returns the
    /// trouble when this call opened it.
    pub async fn open_trouble(
        &self,
        input: &TroubleInput,
        now: DateTime<Utc>,
    ) -> Result<Option<Trouble>> {
        let opened = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(&format!(
                "INSERT INTO facility_troubles (facility_id, device_id, unit_code, kind, zone, \
                 code, detail, signal_id, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (device_id, kind, zone) WHERE cleared_at IS NULL DO NOTHING \
                 RETURNING {TROUBLE_COLUMNS}"
            ))
            .bind(input.facility_id)
            .bind(input.device_id)
            .bind(&input.unit_code)
            .bind(&input.kind)
            .bind(&input.zone)
            .bind(&input.code)
            .bind(&input.detail)
            .bind(input.signal_id)
            .bind(to_millis(now))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let trouble = trouble_from_row(&row)?;
            let change = insert_change!(
                self,
                tx,
                "trouble.opened",
                Some(trouble.unit_code.clone()),
                vec![],
                json(&trouble),
                now
            );
            let queued = raise_alarm!(self, tx, &trouble_alarm(&trouble), now);
            tx.commit().await?;
            Some((trouble, change, queued))
        });
        Ok(opened.map(|(t, c, queued)| {
            self.publish(c);
            if let Some((_, q)) = queued {
                self.publish(q);
            }
            t
        }))
    }

    /// Clears the open trouble (device, kind, zone), if there is one.
    pub async fn clear_trouble(
        &self,
        device_id: i64,
        kind: &str,
        zone: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Trouble>> {
        let cleared = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(&format!(
                "UPDATE facility_troubles SET cleared_at = $4 WHERE device_id = $1 AND kind = $2 \
                 AND zone = $3 AND cleared_at IS NULL RETURNING {TROUBLE_COLUMNS}"
            ))
            .bind(device_id)
            .bind(kind)
            .bind(zone)
            .bind(to_millis(now))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let trouble = trouble_from_row(&row)?;
            let change = insert_change!(
                self,
                tx,
                "trouble.cleared",
                Some(trouble.unit_code.clone()),
                vec![],
                json(&trouble),
                now
            );
            let settled = settle_cleared_trouble!(self, tx, trouble.id, now);
            tx.commit().await?;
            Some((trouble, change, settled))
        });
        Ok(cleared.map(|(t, c, settled)| {
            self.publish(c);
            if let Some(s) = settled {
                self.publish(s);
            }
            t
        }))
    }

    /// Troubles, newest first.
    pub async fn list_troubles(&self, filter: &TroubleFilter) -> Result<Vec<Trouble>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {TROUBLE_COLUMNS} FROM facility_troubles WHERE \
                 ($1 IS NULL OR unit_code = $1) AND ($2 IS NULL OR facility_id = $2) \
                 AND ($3 = 0 OR cleared_at IS NULL) ORDER BY id DESC LIMIT $4"
            ))
            .bind(&filter.unit_code)
            .bind(filter.facility_id)
            .bind(i64::from(filter.open_only))
            .bind(filter.limit.clamp(1, 1000))
            .fetch_all(pool)
            .await?;
            rows.iter().map(trouble_from_row).collect()
        })
    }

    /// Offline devices per unit.
    pub async fn offline_counts_by_unit(&self) -> Result<Vec<(String, i64)>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT f.unit_code, COUNT(*) AS n FROM devices d \
                 JOIN facilities f ON f.id = d.facility_id \
                 WHERE d.status = 'offline' AND d.enabled = 1 GROUP BY f.unit_code \
                 ORDER BY f.unit_code",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("unit_code")?, r.try_get("n")?)))
                .collect()
        })
    }

    /// Writes devices' last-seen times in one transaction (each only moves forward), and
    /// brings back online the devices among them that were offline, clearing their "device
    /// offline" troubles. Devices heard for the first time go from `new` to `online` quietly.
    pub async fn record_last_seen(
        &self,
        seen: &[(i64, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<LinkChange>> {
        if seen.is_empty() {
            return Ok(Vec::new());
        }
        let actor = Actor::system("supervisor");
        let backend = self.backend();
        let (changes, published) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in seen.chunks(CHUNK) {
                let sql = format!(
                    "UPDATE devices SET last_seen_at = v.column2 FROM (VALUES {}) AS v \
                     WHERE devices.id = v.column1 AND (devices.last_seen_at IS NULL \
                     OR devices.last_seen_at < v.column2)",
                    placeholders(backend, chunk.len(), 2)
                );
                let mut q = sqlx::query(&sql);
                for (id, at) in chunk {
                    q = q.bind(*id).bind(to_millis(*at));
                }
                q.execute(&mut *tx).await?;
            }
            let mut back = Vec::new();
            let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
            for chunk in ids.chunks(CHUNK) {
                let list = list_params(backend, chunk.len());
                let sql = format!(
                    "UPDATE devices SET status = 'online' WHERE status = 'offline' \
                     AND id IN ({list}) RETURNING id"
                );
                let mut q = sqlx::query_scalar::<_, i64>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                back.extend(q.fetch_all(&mut *tx).await?);
                let sql = format!(
                    "UPDATE devices SET status = 'online' WHERE status = 'new' AND id IN ({list})"
                );
                let mut q = sqlx::query(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx).await?;
            }
            let mut changes = Vec::new();
            let mut published = Vec::new();
            for id in back {
                let row = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let device = device_from_row(&row)?;
                let trouble = sqlx::query(&format!(
                    "UPDATE facility_troubles SET cleared_at = $2 WHERE device_id = $1 \
                     AND kind = 'device_offline' AND cleared_at IS NULL \
                     RETURNING {TROUBLE_COLUMNS}"
                ))
                .bind(id)
                .bind(to_millis(now))
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(trouble_from_row)
                .transpose()?;
                let entry = AuditEntry {
                    action: "device.online".into(),
                    object_type: "device".into(),
                    object_id: id.to_string(),
                    unit_code: Some(device.unit_code.clone()),
                    summary: serde_json::json!({"last_seen_at": device.last_seen_at}),
                };
                insert_audit!(tx, &actor, &entry, now);
                published.push(insert_change!(
                    self,
                    tx,
                    "device.online",
                    Some(device.unit_code.clone()),
                    vec![],
                    json(&device),
                    now
                ));
                if let Some(t) = &trouble {
                    published.push(insert_change!(
                        self,
                        tx,
                        "trouble.cleared",
                        Some(t.unit_code.clone()),
                        vec![],
                        json(t),
                        now
                    ));
                    if let Some(s) = settle_cleared_trouble!(self, tx, t.id, now) {
                        published.push(s);
                    }
                }
                changes.push(LinkChange { device, trouble });
            }
            tx.commit().await?;
            (changes, published)
        });
        for c in published {
            self.publish(c);
        }
        Ok(changes)
    }

    /// Marks offline every enabled device silent for longer than its interval plus `grace`,
    /// and opens one "device offline" trouble for each. The conditional UPDATE makes each
    /// transition happen once even when several nodes run supervision on one database.
    pub async fn mark_silent_devices_offline(
        &self,
        now: DateTime<Utc>,
        grace: chrono::Duration,
    ) -> Result<Vec<LinkChange>> {
        let actor = Actor::system("supervisor");
        let deadline = to_millis(now) - grace.num_milliseconds();
        let (changes, published) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let ids: Vec<i64> = sqlx::query_scalar(
                "UPDATE devices SET status = 'offline' WHERE enabled = 1 \
                 AND status <> 'offline' \
                 AND COALESCE(last_seen_at, created_at) + supervision_secs * 1000 < $1 \
                 RETURNING id",
            )
            .bind(deadline)
            .fetch_all(&mut *tx)
            .await?;
            let mut changes = Vec::new();
            let mut published = Vec::new();
            for id in ids {
                let row = sqlx::query(&format!("{DEVICE_SELECT} WHERE d.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let device = device_from_row(&row)?;
                let silent_since = device.last_seen_at.unwrap_or(device.created_at);
                let detail = format!(
                    "Thiết bị {} mất liên lạc từ {} (chu kỳ giám sát {} giây)",
                    device.account,
                    silent_since.format("%H:%M:%S %d/%m/%Y UTC"),
                    device.supervision_secs
                );
                let trouble = sqlx::query(&format!(
                    "INSERT INTO facility_troubles (facility_id, device_id, unit_code, kind, \
                     zone, code, detail, signal_id, opened_at) VALUES ($1, $2, $3, \
                     'device_offline', '', NULL, $4, NULL, $5) \
                     ON CONFLICT (device_id, kind, zone) WHERE cleared_at IS NULL DO NOTHING \
                     RETURNING {TROUBLE_COLUMNS}"
                ))
                .bind(device.facility_id)
                .bind(device.id)
                .bind(&device.unit_code)
                .bind(&detail)
                .bind(to_millis(now))
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(trouble_from_row)
                .transpose()?;
                let entry = AuditEntry {
                    action: "device.offline".into(),
                    object_type: "device".into(),
                    object_id: id.to_string(),
                    unit_code: Some(device.unit_code.clone()),
                    summary: serde_json::json!({"last_seen_at": device.last_seen_at}),
                };
                insert_audit!(tx, &actor, &entry, now);
                published.push(insert_change!(
                    self,
                    tx,
                    "device.offline",
                    Some(device.unit_code.clone()),
                    vec![],
                    json(&device),
                    now
                ));
                if let Some(t) = &trouble {
                    published.push(insert_change!(
                        self,
                        tx,
                        "trouble.opened",
                        Some(t.unit_code.clone()),
                        vec![],
                        json(t),
                        now
                    ));
                    if let Some((_, q)) = raise_alarm!(self, tx, &trouble_alarm(t), now) {
                        published.push(q);
                    }
                }
                changes.push(LinkChange { device, trouble });
            }
            tx.commit().await?;
            (changes, published)
        });
        for c in published {
            self.publish(c);
        }
        Ok(changes)
    }
}

/// A change kind that concerns the receiver's device registry.
pub fn is_registry_change(change: &Change) -> bool {
    matches!(
        change.kind.as_str(),
        "device.created" | "device.updated" | "device.imported" | "facility.updated"
    )
}

#[cfg(test)]
mod placeholder_tests {
    use super::*;

    #[test]
    fn sqlite_binds_by_position_and_postgres_by_number() {
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?,?),(?,?)");
        assert_eq!(placeholders(Backend::Postgres, 2, 2), "($1,$2),($3,$4)");
        assert_eq!(list_params(Backend::Sqlite, 3), "?,?,?");
        assert_eq!(list_params(Backend::Postgres, 3), "$1,$2,$3");
    }

    #[test]
    fn bulk_statements_come_in_a_few_sizes_and_keep_every_item_in_order() {
        let mut sizes = HashSet::new();
        for n in 0..1200 {
            let items: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = cached_chunks(&items, 256).collect();
            assert_eq!(chunks.concat(), items, "n = {n}");
            for c in &chunks {
                assert!(c.len().is_power_of_two() && c.len() <= 256, "{}", c.len());
                sizes.insert(c.len());
            }
            assert!(
                chunks.len() <= n / 256 + 8,
                "n = {n}: {} statements",
                chunks.len()
            );
        }
        assert_eq!(sizes.len(), 9, "{sizes:?}");
    }
}
