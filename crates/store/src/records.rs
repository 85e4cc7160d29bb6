//! Residence and foreigner records and their quality runs.
//!
//! The five record kinds share one table shape: the domain document as JSON (`doc`), the unit
//! that keeps it, two query keys (see the migration for what each kind puts there) and a row
//! version. [`StoredRecord`] ties a domain type to its table, so reading, listing, inserting and
//! updating are written once for all five.
//!
//! A quality run loads every record ([`Store::load_records`]), lets the domain check and score
//! them, and saves the report with the reconciled findings ([`Store::save_quality_run`]): the
//! work list reads the findings table, never the records.

use crate::gate::BULK_ROWS;
use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::records::{
    Establishment, Finding, FindingStatus, ForeignerDeclaration, Household, Person, QualityReport,
    RecordKind, RecordRef, Registration, Severity,
};
use domain::text::fold;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// Rows per multi-row INSERT: 7 parameters each, well under both back ends' limits.
const CHUNK: usize = 500;

/// A record kind stored in its own table.
pub trait StoredRecord: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin {
    /// The domain kind.
    const KIND: RecordKind;
    /// The table.
    const TABLE: &'static str;
    /// The record's id.
    fn id(&self) -> &str;
    /// The unit that keeps it.
    fn unit(&self) -> &str;
    /// The first query key.
    fn key1(&self) -> String;
    /// The second query key, if the kind has one.
    fn key2(&self) -> Option<String>;
}

/// Implements [`StoredRecord`] for a domain type with `id` and `unit` fields.
macro_rules! stored_record {
    ($ty:ty, $kind:expr, $table:literal, |$r:ident| $key1:expr, $key2:expr) => {
        impl StoredRecord for $ty {
            const KIND: RecordKind = $kind;
            const TABLE: &'static str = $table;
            fn id(&self) -> &str {
                &self.id
            }
            fn unit(&self) -> &str {
                &self.unit
            }
            fn key1(&self) -> String {
                let $r = self;
                $key1
            }
            #[allow(unused_variables)]
            fn key2(&self) -> Option<String> {
                let $r = self;
                $key2
            }
        }
    };
}

stored_record!(
    Person,
    RecordKind::Person,
    "persons",
    |p| p.pin.clone(),
    Some(fold(&p.full_name))
);
stored_record!(
    Household,
    RecordKind::Household,
    "households",
    |h| h.head_person_id.clone(),
    None
);
stored_record!(
    Registration,
    RecordKind::Registration,
    "registrations",
    |r| r.person_id.clone(),
    Some(r.kind.as_str().to_owned())
);
stored_record!(
    Establishment,
    RecordKind::Establishment,
    "establishments",
    |e| e.kind.map(|k| serde_tag(&k)).unwrap_or_default(),
    None
);
stored_record!(
    ForeignerDeclaration,
    RecordKind::Declaration,
    "foreigner_declarations",
    |d| d.establishment_id.clone(),
    Some(d.passport_number.clone())
);

/// The snake_case name serde gives a unit enum variant.
fn serde_tag<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A record with its row version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Versioned<T> {
    /// The record.
    #[serde(flatten)]
    pub record: T,
    /// Row version: send it back with a change.
    pub version: i64,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// Which records of one kind to list, by id.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// Only this unit's.
    pub unit: Option<String>,
    /// Only records whose first key equals this (a person's number, a registration's person,
    /// a declaration's establishment).
    pub key1: Option<String>,
    /// Only records whose second key equals this (a person's folded name, a registration's
    /// kind, a declaration's passport).
    pub key2: Option<String>,
    /// Only ids after this one (paging, in id order).
    pub after_id: Option<String>,
    /// Page size, clamped to 1..=1000.
    pub limit: i64,
}

/// Every record of every kind, as a quality run needs them.
#[derive(Debug, Clone, Default)]
pub struct AllRecords {
    pub persons: Vec<Person>,
    pub households: Vec<Household>,
    pub registrations: Vec<Registration>,
    pub establishments: Vec<Establishment>,
    pub declarations: Vec<ForeignerDeclaration>,
}

impl AllRecords {
    /// A borrowed view for the domain checks.
    pub fn as_set(&self) -> domain::records::RecordSet<'_> {
        domain::records::RecordSet {
            persons: &self.persons,
            households: &self.households,
            registrations: &self.registrations,
            establishments: &self.establishments,
            declarations: &self.declarations,
        }
    }
}

/// A saved quality run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityRun {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Records checked.
    pub records: i64,
    /// Findings of the run (every status).
    pub findings: i64,
    pub duration_ms: i64,
    pub report: QualityReport,
}

/// Which findings to list for the work list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Only this unit's.
    pub unit: Option<String>,
    /// Only this status (default: open).
    pub status: Option<FindingStatus>,
    /// Only this rule id (e.g. `pin.province_code`).
    pub rule: Option<String>,
    /// Skip this many (paging).
    pub offset: i64,
    /// Page size, clamped to 1..=5000.
    pub limit: i64,
}

fn status_code(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Open => "open",
        FindingStatus::Resolved => "resolved",
        FindingStatus::Dismissed => "dismissed",
    }
}

fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Error => 0,
        _ => 1,
    }
}

fn decode<T: DeserializeOwned>(table: &'static str, id: &str, doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
        what: table,
        detail: format!("{id}: {e}"),
    })
}

fn versioned<T: StoredRecord>(row: &impl RowLike) -> Result<Versioned<T>> {
    let id = row.text("id")?;
    Ok(Versioned {
        record: decode(T::TABLE, &id, &row.text("doc")?)?,
        version: row.int("version")?,
        updated_at: from_millis(row.int("updated_at")?),
    })
}

/// The two row types read the same way.
trait RowLike {
    fn text(&self, col: &str) -> Result<String>;
    fn int(&self, col: &str) -> Result<i64>;
}

impl RowLike for sqlx::sqlite::SqliteRow {
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.try_get(col)?)
    }
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.try_get(col)?)
    }
}

impl RowLike for sqlx::postgres::PgRow {
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.try_get(col)?)
    }
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.try_get(col)?)
    }
}

fn doc_of<T: Serialize>(record: &T) -> String {
    // Plain data types: serialising cannot fail.
    serde_json::to_string(record).unwrap_or_default()
}

/// An insert of many records of one kind, committed in short transactions of
/// [`BULK_ROWS`](crate::gate::BULK_ROWS) rows that give way to the alarm writer between them
/// (see [`crate::gate`]).
///
/// The result is still all or nothing: when a chunk fails (an id that exists already, a lost
/// connection), the rows of the chunks already committed are deleted again before the error is
/// returned. While the import runs, other readers may see the rows committed so far. The last
/// chunk is committed with the import's audit row, so an insert that fits in one chunk (every
/// single record) is one transaction, as before.
pub struct RecordImport<T: StoredRecord> {
    store: Store,
    actor: Actor,
    now: DateTime<Utc>,
    pending: Vec<T>,
    /// Ids of the rows committed so far (what a failure deletes again).
    written: Vec<String>,
}

/// Inserts `chunk` into `T`'s table inside the transaction `tx`.
macro_rules! insert_chunk {
    ($tx:expr, $table:expr, $chunk:expr, $at:expr) => {{
        let values = (0..$chunk.len())
            .map(|i| {
                let b = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, 1, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} (id, unit_code, key1, key2, version, updated_at, doc) \
             VALUES {values}",
            $table
        );
        let mut q = sqlx::query(&sql);
        for r in $chunk {
            q = q
                .bind(r.id().to_owned())
                .bind(r.unit().to_owned())
                .bind(r.key1())
                .bind(r.key2())
                .bind($at)
                .bind(doc_of(r));
        }
        q.execute(&mut *$tx).await?;
    }};
}

impl<T: StoredRecord> RecordImport<T> {
    /// Adds records; every full chunk but the last is committed on the way.
    pub async fn push(&mut self, records: impl IntoIterator<Item = T>) -> Result<()> {
        self.pending.extend(records);
        // One chunk always stays behind for `finish`, to go with the audit row.
        while self.pending.len() > BULK_ROWS {
            let rest = self.pending.split_off(BULK_ROWS);
            let chunk = std::mem::replace(&mut self.pending, rest);
            if let Err(e) = self.commit(&chunk, None).await {
                return Err(self.undo(e).await);
            }
            self.written.extend(chunk.iter().map(|r| r.id().to_owned()));
        }
        Ok(())
    }

    /// Commits what is left with the audit row and says how many records were inserted.
    pub async fn finish(mut self) -> Result<usize> {
        let count = self.written.len() + self.pending.len();
        if count == 0 {
            return Ok(0);
        }
        let entry = AuditEntry {
            action: format!("{}.create", T::KIND.as_str()),
            object_type: T::KIND.as_str().to_owned(),
            object_id: if count == 1 {
                self.pending[0].id().to_owned()
            } else {
                format!("{count} records")
            },
            unit_code: (count == 1).then(|| self.pending[0].unit().to_owned()),
            summary: serde_json::json!({ "count": count }),
        };
        let pending = std::mem::take(&mut self.pending);
        match self.commit(&pending, Some(&entry)).await {
            Ok(()) => Ok(count),
            Err(e) => Err(self.undo(e).await),
        }
    }

    /// One transaction: `chunk` (and the audit row, when given).
    async fn commit(&self, chunk: &[T], audit: Option<&AuditEntry>) -> Result<()> {
        let store = &self.store;
        let at = to_millis(self.now);
        store.inner.gate.bulk().await;
        let result: Result<()> = async {
            on_write!(store, |pool| {
                let mut tx = pool.begin().await?;
                for part in chunk.chunks(CHUNK) {
                    insert_chunk!(tx, T::TABLE, part, at);
                }
                if let Some(entry) = audit {
                    insert_audit!(tx, &self.actor, entry, self.now);
                }
                tx.commit().await?;
                Ok(())
            })
        }
        .await;
        // Whoever queued behind this chunk goes first.
        tokio::task::yield_now().await;
        match result {
            Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
                "a {} with one of these ids exists already",
                T::KIND.as_str()
            ))),
            other => other,
        }
    }

    /// Deletes the rows committed so far and hands back `cause`. Should the delete fail too,
    /// the log says which rows were left behind.
    async fn undo(&mut self, cause: StoreError) -> StoreError {
        let written = std::mem::take(&mut self.written);
        for chunk in written.chunks(BULK_ROWS) {
            self.store.inner.gate.bulk().await;
            let sql = format!(
                "DELETE FROM {} WHERE id IN ({})",
                T::TABLE,
                (1..=chunk.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let result: Result<()> = async {
                on_write!(self.store, |pool| {
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
                // The cause goes back to the caller; the rows left behind are named here.
                tracing::error!(
                    error = %e,
                    kind = T::KIND.as_str(),
                    records = written.len(),
                    first_id = written.first().map_or("-", String::as_str),
                    "removing the records of a failed import failed; they stay stored"
                );
                return cause;
            }
            tokio::task::yield_now().await;
        }
        cause
    }
}

impl Store {
    /// Starts an insert of many records of one kind (see [`RecordImport`]).
    pub fn import_records<T: StoredRecord>(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> RecordImport<T> {
        RecordImport {
            store: self.clone(),
            actor: actor.clone(),
            now,
            pending: Vec::new(),
            written: Vec::new(),
        }
    }

    /// Inserts records of one kind: all or nothing, in short transactions (see
    /// [`RecordImport`]). An id that exists already is a [`StoreError::Conflict`]. One audit
    /// row records the import (a single record gets its own audit row with its id).
    pub async fn insert_records<T: StoredRecord>(
        &self,
        records: &[T],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut import = self.import_records::<T>(actor, now);
        import.push(records.iter().cloned()).await?;
        import.finish().await
    }

    /// The names a person reads for records, by reference: a person's or a foreigner's full
    /// name, an establishment's name, and a household or a registration by its person's name.
    /// Records that are gone, or whose person is unknown, are left out.
    pub async fn record_names(&self, refs: &[RecordRef]) -> Result<HashMap<RecordRef, String>> {
        let mut names = HashMap::new();
        // Households and registrations name a person: looked up in a second pass.
        let mut person_of: Vec<(RecordRef, String)> = Vec::new();
        for kind in RecordKind::ALL {
            let ids: Vec<&str> = refs
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.id.as_str())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let (table, field) = match kind {
                RecordKind::Person => (Person::TABLE, "full_name"),
                RecordKind::Household => (Household::TABLE, "head_person_id"),
                RecordKind::Registration => (Registration::TABLE, "person_id"),
                RecordKind::Establishment => (Establishment::TABLE, "name"),
                RecordKind::Declaration => (ForeignerDeclaration::TABLE, "full_name"),
            };
            for (id, doc) in self.docs_by_id(table, &ids).await? {
                let Some(text) = doc
                    .get(field)
                    .and_then(serde_json::Value::as_str)
                    .filter(|s| !s.trim().is_empty())
                else {
                    continue;
                };
                let r = RecordRef::new(kind, id);
                match kind {
                    RecordKind::Household | RecordKind::Registration => {
                        person_of.push((r, text.to_owned()))
                    }
                    _ => {
                        names.insert(r, text.to_owned());
                    }
                }
            }
        }
        if !person_of.is_empty() {
            let ids: Vec<&str> = person_of.iter().map(|(_, p)| p.as_str()).collect();
            let people: HashMap<String, String> = self
                .docs_by_id(Person::TABLE, &ids)
                .await?
                .into_iter()
                .filter_map(|(id, doc)| Some((id, doc.get("full_name")?.as_str()?.to_owned())))
                .collect();
            for (r, person) in person_of {
                if let Some(name) = people.get(&person) {
                    names.insert(r, name.clone());
                }
            }
        }
        Ok(names)
    }

    /// The documents of `ids` in `table` (a record table), parsed; unparsable ones skipped.
    async fn docs_by_id(
        &self,
        table: &str,
        ids: &[&str],
    ) -> Result<Vec<(String, serde_json::Value)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            on_read!(self, |pool| {
                let mut q =
                    sqlx::QueryBuilder::new(format!("SELECT id, doc FROM {table} WHERE id IN ("));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                for row in q.build().fetch_all(pool).await? {
                    let id: String = row.try_get("id")?;
                    let doc: String = row.try_get("doc")?;
                    if let Ok(value) = serde_json::from_str(&doc) {
                        out.push((id, value));
                    }
                }
            });
        }
        Ok(out)
    }

    /// One record by id.
    pub async fn record<T: StoredRecord>(&self, id: &str) -> Result<Option<Versioned<T>>> {
        let sql = format!(
            "SELECT id, version, updated_at, doc FROM {} WHERE id = $1",
            T::TABLE
        );
        on_read!(self, |pool| {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            row.as_ref().map(versioned::<T>).transpose()
        })
    }

    /// Records of one kind in id order.
    pub async fn list_records<T: StoredRecord>(
        &self,
        filter: &RecordFilter,
    ) -> Result<Vec<Versioned<T>>> {
        let sql = format!(
            "SELECT id, version, updated_at, doc FROM {} WHERE ($1 IS NULL OR unit_code = $1) \
             AND ($2 IS NULL OR key1 = $2) AND ($3 IS NULL OR key2 = $3) \
             AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5",
            T::TABLE
        );
        on_read!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(&filter.unit)
                .bind(&filter.key1)
                .bind(&filter.key2)
                .bind(&filter.after_id)
                .bind(filter.limit.clamp(1, 1000))
                .fetch_all(pool)
                .await?;
            rows.iter().map(versioned::<T>).collect()
        })
    }

    /// Replaces a record if it is still at `version` ([`StoreError::Conflict`] otherwise;
    /// [`StoreError::NotFound`] for an unknown id). The audit row keeps the before and after.
    pub async fn update_record<T: StoredRecord>(
        &self,
        record: &T,
        version: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Versioned<T>> {
        let select = format!(
            "SELECT id, version, updated_at, doc FROM {} WHERE id = $1",
            T::TABLE
        );
        let update = format!(
            "UPDATE {} SET unit_code = $1, key1 = $2, key2 = $3, doc = $4, updated_at = $5, \
             version = version + 1 WHERE id = $6 AND version = $7",
            T::TABLE
        );
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = sqlx::query(&select)
                .bind(record.id())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(before) = before.as_ref().map(versioned::<T>).transpose()? else {
                return Err(StoreError::NotFound {
                    what: T::KIND.as_str(),
                    id: record.id().to_owned(),
                });
            };
            let done = sqlx::query(&update)
                .bind(record.unit())
                .bind(record.key1())
                .bind(record.key2())
                .bind(doc_of(record))
                .bind(to_millis(now))
                .bind(record.id())
                .bind(version)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "{} {} changed since version {version} (now {})",
                    T::KIND.as_str(),
                    record.id(),
                    before.version
                )));
            }
            let entry = AuditEntry {
                action: format!("{}.update", T::KIND.as_str()),
                object_type: T::KIND.as_str().to_owned(),
                object_id: record.id().to_owned(),
                unit_code: Some(record.unit().to_owned()),
                summary: serde_json::json!({
                    "before": serde_json::to_value(&before.record).unwrap_or_default(),
                    "after": serde_json::to_value(record).unwrap_or_default(),
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
        });
        Ok(Versioned {
            record: record.clone(),
            version: version + 1,
            updated_at: now,
        })
    }

    /// Counts the records of one kind (of one unit).
    pub async fn count_records<T: StoredRecord>(&self, unit: Option<&str>) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE ($1 IS NULL OR unit_code = $1)",
            T::TABLE
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(&sql).bind(unit).fetch_one(pool).await?)
        })
    }

    async fn load_all<T: StoredRecord>(&self, unit: Option<&str>) -> Result<Vec<T>> {
        use futures_util::TryStreamExt;
        let sql = format!(
            "SELECT id, doc FROM {} WHERE CAST($1 AS TEXT) IS NULL OR unit_code = $1 ORDER BY id",
            T::TABLE
        );
        on_read!(self, |pool| {
            let mut rows = sqlx::query(&sql).bind(unit).fetch(pool);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await? {
                let id: String = row.try_get("id")?;
                let doc: &str = row.try_get("doc")?;
                out.push(decode(T::TABLE, &id, doc)?);
            }
            Ok(out)
        })
    }

    /// Every record of every kind (a quality run checks them together: duplicates and
    /// conflicts cross units).
    pub async fn load_records(&self) -> Result<AllRecords> {
        self.load_records_of(None).await
    }

    /// The records of one unit (`None`: every unit), as a run over that unit checks them.
    pub async fn load_records_of(&self, unit: Option<&str>) -> Result<AllRecords> {
        Ok(AllRecords {
            persons: self.load_all(unit).await?,
            households: self.load_all(unit).await?,
            registrations: self.load_all(unit).await?,
            establishments: self.load_all(unit).await?,
            declarations: self.load_all(unit).await?,
        })
    }

    /// Every stored finding (to reconcile a fresh run with).
    pub async fn all_findings(&self) -> Result<Vec<Finding>> {
        use futures_util::TryStreamExt;
        on_read!(self, |pool| {
            let mut rows = sqlx::query("SELECT record_id, doc FROM record_findings").fetch(pool);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await? {
                let id: String = row.try_get("record_id")?;
                let doc: &str = row.try_get("doc")?;
                out.push(decode("record_findings", &id, doc)?);
            }
            Ok(out)
        })
    }

    /// Saves a run: the reconciled findings replace the previous ones, then the report.
    ///
    /// The findings are written in short transactions of [`BULK_ROWS`] rows that give way to
    /// the alarm writer (see [`crate::gate`]): each finding is inserted or updated in place,
    /// and the findings the run no longer has are deleted. While a run saves, the work list
    /// shows each finding in its old or its new state; the run's report appears once all are
    /// saved. A run cut short leaves such a mix, which the next run puts right.
    pub async fn save_quality_run(
        &self,
        report: &QualityReport,
        records: i64,
        findings: &[Finding],
        duration_ms: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.save_run(None, report, records, findings, duration_ms, actor, now)
            .await
    }

    /// Saves a run over one unit's records: `findings` (all of `unit`) replace that unit's
    /// findings and no other unit's; `report` is the whole city's, the unit's figures merged
    /// into the previous run's by the caller, and `records` the city's count. The run's
    /// finding count is the city's after the save.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_unit_quality_run(
        &self,
        unit: &str,
        report: &QualityReport,
        records: i64,
        findings: &[Finding],
        duration_ms: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if let Some(f) = findings.iter().find(|f| f.unit != unit) {
            return Err(StoreError::Conflict(format!(
                "a run over unit {unit} cannot save a finding of unit {}",
                f.unit
            )));
        }
        self.save_run(
            Some(unit),
            report,
            records,
            findings,
            duration_ms,
            actor,
            now,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn save_run(
        &self,
        unit: Option<&str>,
        report: &QualityReport,
        records: i64,
        findings: &[Finding],
        duration_ms: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let entry = AuditEntry {
            action: "quality.run".into(),
            object_type: "quality_run".into(),
            object_id: "-".into(),
            unit_code: unit.map(str::to_owned),
            summary: serde_json::json!({"records": records, "findings": findings.len()}),
        };
        let keep: std::collections::HashSet<(&str, &str, &str)> = findings
            .iter()
            .map(|f| {
                (
                    f.record.kind.as_str(),
                    f.record.id.as_str(),
                    f.rule.as_str(),
                )
            })
            .collect();
        // A unit's run replaces that unit's findings only.
        let existing: Vec<(String, String, String)> = on_read!(self, |pool| {
            sqlx::query_as(
                "SELECT record_kind, record_id, rule FROM record_findings \
                 WHERE CAST($1 AS TEXT) IS NULL OR unit_code = $1",
            )
            .bind(unit)
            .fetch_all(pool)
            .await?
        });
        let stale: Vec<(String, String, String)> = existing
            .into_iter()
            .filter(|(k, id, rule)| !keep.contains(&(k.as_str(), id.as_str(), rule.as_str())))
            .collect();
        drop(keep);
        for chunk in findings.chunks(BULK_ROWS) {
            self.inner.gate.bulk().await;
            on_write!(self, |pool| {
                let mut tx = pool.begin().await?;
                for part in chunk.chunks(CHUNK) {
                    let values = crate::value_rows(part.len(), 7);
                    let sql = format!(
                        "INSERT INTO record_findings (record_kind, record_id, rule, unit_code, \
                         status, severity_rank, doc) VALUES {values} \
                         ON CONFLICT (record_kind, record_id, rule) DO UPDATE SET \
                         unit_code = excluded.unit_code, status = excluded.status, \
                         severity_rank = excluded.severity_rank, doc = excluded.doc"
                    );
                    let mut q = sqlx::query(&sql);
                    for f in part {
                        q = q
                            .bind(f.record.kind.as_str())
                            .bind(f.record.id.clone())
                            .bind(f.rule.as_str())
                            .bind(f.unit.clone())
                            .bind(status_code(f.status))
                            .bind(severity_rank(f.severity))
                            .bind(doc_of(f));
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            });
            tokio::task::yield_now().await;
        }
        for chunk in stale.chunks(BULK_ROWS) {
            self.inner.gate.bulk().await;
            on_write!(self, |pool| {
                let mut tx = pool.begin().await?;
                for (kind, id, rule) in chunk {
                    sqlx::query(
                        "DELETE FROM record_findings \
                         WHERE record_kind = $1 AND record_id = $2 AND rule = $3",
                    )
                    .bind(kind)
                    .bind(id)
                    .bind(rule)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            });
            tokio::task::yield_now().await;
        }
        self.inner.gate.bulk().await;
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let total: i64 = match unit {
                None => findings.len() as i64,
                Some(_) => {
                    sqlx::query_scalar("SELECT COUNT(*) FROM record_findings")
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO quality_runs (at, records, findings, duration_ms, report) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(to_millis(now))
            .bind(records)
            .bind(total)
            .bind(duration_ms)
            .bind(doc_of(report))
            .fetch_one(&mut *tx)
            .await?;
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The latest runs, newest first (the trend of the rates).
    pub async fn quality_runs(&self, limit: i64) -> Result<Vec<QualityRun>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, at, records, findings, duration_ms, report FROM quality_runs \
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let id: i64 = row.try_get("id")?;
                    Ok(QualityRun {
                        id,
                        at: from_millis(row.try_get("at")?),
                        records: row.try_get("records")?,
                        findings: row.try_get("findings")?,
                        duration_ms: row.try_get("duration_ms")?,
                        report: decode("quality_runs", &id.to_string(), row.try_get("report")?)?,
                    })
                })
                .collect()
        })
    }

    /// The work list: findings (open by default) ordered errors first, then by rule and record.
    pub async fn list_findings(&self, filter: &FindingFilter) -> Result<(Vec<Finding>, i64)> {
        let status = status_code(filter.status.unwrap_or(FindingStatus::Open));
        on_read!(self, |pool| {
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM record_findings WHERE ($1 IS NULL OR unit_code = $1) \
                 AND status = $2 AND ($3 IS NULL OR rule = $3)",
            )
            .bind(&filter.unit)
            .bind(status)
            .bind(&filter.rule)
            .fetch_one(pool)
            .await?;
            let rows = sqlx::query(
                "SELECT record_id, doc FROM record_findings WHERE ($1 IS NULL OR unit_code = $1) \
                 AND status = $2 AND ($3 IS NULL OR rule = $3) \
                 ORDER BY severity_rank, rule, record_kind, LENGTH(record_id), record_id \
                 LIMIT $4 OFFSET $5",
            )
            .bind(&filter.unit)
            .bind(status)
            .bind(&filter.rule)
            .bind(filter.limit.clamp(1, 5000))
            .bind(filter.offset.max(0))
            .fetch_all(pool)
            .await?;
            let list = rows
                .iter()
                .map(|row| {
                    let id: String = row.try_get("record_id")?;
                    decode("record_findings", &id, row.try_get("doc")?)
                })
                .collect::<Result<Vec<Finding>>>()?;
            Ok((list, total))
        })
    }

    /// Changes one finding's status through the domain workflow (resolve, dismiss, reopen),
    /// keeping its history. `change` gets the finding and returns the domain's verdict.
    pub async fn change_finding<F>(
        &self,
        kind: RecordKind,
        record_id: &str,
        rule: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<std::result::Result<Finding, domain::records::RecordsError>>
    where
        F: FnOnce(&mut Finding) -> std::result::Result<(), domain::records::RecordsError>,
    {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let doc: Option<String> = sqlx::query_scalar(
                "SELECT doc FROM record_findings WHERE record_kind = $1 AND record_id = $2 \
                 AND rule = $3",
            )
            .bind(kind.as_str())
            .bind(record_id)
            .bind(rule)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(doc) = doc else {
                return Err(StoreError::NotFound {
                    what: "finding",
                    id: format!("{}:{record_id}/{rule}", kind.as_str()),
                });
            };
            let mut finding: Finding = decode("record_findings", record_id, &doc)?;
            let before = finding.status;
            if let Err(e) = change(&mut finding) {
                return Ok(Err(e));
            }
            sqlx::query(
                "UPDATE record_findings SET status = $1, doc = $2 WHERE record_kind = $3 \
                 AND record_id = $4 AND rule = $5",
            )
            .bind(status_code(finding.status))
            .bind(doc_of(&finding))
            .bind(kind.as_str())
            .bind(record_id)
            .bind(rule)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "finding.status".into(),
                object_type: "finding".into(),
                object_id: format!("{}:{record_id}/{rule}", kind.as_str()),
                unit_code: Some(finding.unit.clone()),
                summary: serde_json::json!({
                    "from": status_code(before),
                    "to": status_code(finding.status),
                    "reason": finding.history.last().map(|h| h.reason.clone()),
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            Ok(Ok(finding))
        })
    }

    /// Binds a user account to an accommodation establishment: the account may declare
    /// foreigners for that establishment only.
    pub async fn link_establishment_account(
        &self,
        user_id: i64,
        establishment_id: &str,
    ) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO establishment_accounts (user_id, establishment_id) VALUES ($1, $2)",
            )
            .bind(user_id)
            .bind(establishment_id)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The establishment an account declares for, if it is an establishment account.
    pub async fn establishment_of(&self, user_id: i64) -> Result<Option<String>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT establishment_id FROM establishment_accounts WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await?)
        })
    }
}
