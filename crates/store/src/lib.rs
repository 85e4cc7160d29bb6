//! Persistence for Bình Yên: one [`Store`] with two back ends.
//!
//! The embedded default is SQLite in WAL mode with `synchronous=FULL`, so that a write that has
//! returned survives a crash of the process and of the machine; the scale-out back end is
//! PostgreSQL, shared by several stateless `binhyen` nodes. Both run the same SQL (written in the
//! portable subset: `$n` placeholders, `RETURNING`, `ON CONFLICT`, times as unix milliseconds)
//! from the same methods, and both pass the same test suite.
//!
//! Every write that the API makes goes through a method here that appends its audit row and its
//! change-feed row in the same transaction as the write itself. The change feed is delivered
//! in-process for SQLite and through `LISTEN/NOTIFY` for PostgreSQL, so that every node sees
//! every change.

#[macro_use]
mod db;
#[macro_use]
mod feed;
#[macro_use]
mod audit;
// Before `alarms`: opening a trouble raises its queue entry in the same transaction.
#[macro_use]
mod alarm_queue;
mod accountability;
// Before `incidents`: closing an incident may register its crime report.
#[macro_use]
mod crime_reports;
mod alarms;
mod error;
mod frame_commit;
mod gate;
mod history;
#[macro_use]
mod incidents;
mod idempotency;
mod notifications;
mod photos;
mod positions;
// After `incidents`: opening an incident from a call uses its transaction macros.
mod calls;
mod receivers;
mod records;
mod resources;
mod response_plans;
mod stats;
mod users;
mod water;

pub use accountability::{
    AccResult, AccountabilityError, CaseFilter, CaseStatusEntry, CaseStatusInput, NewCase,
    Recommend, StoredCampaign, StoredCase, StoredTask, TaskFilter,
};
pub use alarm_queue::{AlarmFilter, AlarmRecord, AlarmStep, NewAlarm};
pub use alarms::{
    is_registry_change, BulkImport, ChunkPlace, Device, DeviceFilter, DeviceInput, Facility,
    FacilityContact, FacilityFilter, FacilityInput, FrameOutcome, FrameRecord, ImportRow,
    LinkChange, SealedKey, Signal, SignalInput, Trouble, TroubleFilter, TroubleInput,
};
pub use audit::{Actor, AuditEntry, AuditFilter, AuditRecord};
pub use calls::{CallFilter, NewCall, StoredCall};
pub use crime_reports::{CaseFromReport, CrimeReportFilter, DayOff, DueReport, StoredCrimeReport};
pub use db::{mask_url, Backend, DbTarget};
pub use error::StoreError;
pub use feed::Change;
pub use history::{HistoryCursor, Timeline};
pub use idempotency::{KeyClaim, StoredAnswer};
pub use incidents::{
    domain_actor, AlarmAction, AlarmIncidentInput, AlarmOutcome, CreatedIncident, IncidentCommand,
    IncidentFilter, IncidentSummary, OpenOptions, StoredDuplicate, StoredIncident,
};
pub use notifications::{
    AlarmToNotify, AttemptResult, NewNotice, NewPlan, Notice, NoticeAttempt, NotificationReport,
};
pub use photos::{NewPhoto, PhotoInfo};
pub use positions::{MovedResource, NewPosition, Tracker, TrailPoint};
pub use receivers::SilentReceiver;
pub use records::{
    AllRecords, FindingFilter, QualityRun, RecordFilter, RecordImport, StoredRecord, Versioned,
};
pub use resources::{
    demo_fleet, NewResource, ResourceFilter, ResourceHistoryEntry, ResourceRecord, ResourceUpdate,
    ResourceView,
};
pub use response_plans::PlanVersion;
pub use stats::INCIDENT_SOURCE;
pub use users::{AccountChange, AccountChanged, NewUser, Session, SessionKind, User};
pub use water::{StoredWaterSource, WaterFilter, WaterSourceInput};

use std::sync::Arc;
use tokio::sync::broadcast;

/// Result type of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The handle to the database. Cheap to clone; every clone shares the pools and the feed.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: db::Db,
    feed: broadcast::Sender<Change>,
    /// Keeps the PostgreSQL listener task alive for as long as the store lives.
    _listener: Option<feed::ListenerGuard>,
    /// Gives the alarm writer priority over bulk writes (see [`gate`]).
    gate: gate::WriteGate,
}

impl Store {
    /// Opens (creating when needed) and migrates the database named by `target`.
    ///
    /// This is the one place that opens the database: the server, the CLI commands and the
    /// tests all come through here.
    pub async fn open(target: &DbTarget) -> Result<Store> {
        let db = db::Db::connect(target).await?;
        db.migrate().await?;
        let (feed, _) = broadcast::channel(feed::CAPACITY);
        let listener = match &db {
            db::Db::Postgres { pool, channel, .. } => {
                Some(feed::ListenerGuard::start(pool.clone(), channel.clone(), feed.clone()).await?)
            }
            db::Db::Sqlite { .. } => None,
        };
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                feed,
                _listener: listener,
                gate: gate::WriteGate::default(),
            }),
        })
    }

    /// Which back end this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.db.backend()
    }

    /// Subscribes to the change feed: every committed change from now on, on every node.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.inner.feed.subscribe()
    }

    /// Checks that the database answers (used by `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        on_read!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Refreshes the query planner's statistics after a bulk load (and, on PostgreSQL, the
    /// visibility map that lets the statistics read their covering index alone).
    pub async fn analyze(&self) -> Result<()> {
        match self.backend() {
            Backend::Sqlite => on_write!(self, |pool| {
                sqlx::query("ANALYZE").execute(pool).await?;
            }),
            Backend::Postgres => on_write!(self, |pool| {
                sqlx::query("VACUUM (ANALYZE) incidents, incident_events, cases")
                    .execute(pool)
                    .await?;
            }),
        }
        Ok(())
    }

    /// Closes every connection cleanly (SQLite checkpoints its WAL on the last close).
    pub async fn close(&self) {
        self.inner.db.close().await;
    }

    /// Writes a consistent copy of the SQLite database to `to` while it keeps serving.
    ///
    /// PostgreSQL is backed up with its own tools (`pg_dump`, base backups); asking this of a
    /// PostgreSQL store is an error that says so.
    pub async fn backup_to(&self, to: &std::path::Path) -> Result<()> {
        self.inner.db.backup_to(to).await
    }

    pub(crate) fn publish(&self, change: Change) {
        // PostgreSQL delivers through NOTIFY to every node, this one included.
        if self.backend() == Backend::Sqlite {
            let _ = self.inner.feed.send(change);
        }
    }
}

/// The `VALUES` rows of a multi-row insert: `rows` groups of `cols` numbered placeholders,
/// `($1, $2), ($3, $4)` for 2 × 2 (both back ends number them alike).
pub(crate) fn value_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Unix milliseconds of a UTC time: the form every table stores.
pub fn to_millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

/// The UTC time of unix milliseconds read back from a table.
pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
