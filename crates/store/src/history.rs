//! Bulk import of past incidents: the records of a previous system taken over at go-live, and
//! the long histories the benchmarks run against. Incidents arrive as finished domain models
//! (with their whole timeline) and are written many rows per statement, bypassing the live
//! workflow's per-incident feed, duplicate hints and audit (one audit row per batch says what
//! was imported).

use crate::incidents::{Columns, EventRow};
use crate::{Actor, AuditEntry, Backend, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::incident::Incident;
use std::collections::BTreeMap;

/// Rows per `INSERT` statement: under SQLite's and PostgreSQL's bind-parameter limits with
/// the 41 columns of an incident.
const ROWS_PER_STATEMENT: usize = 400;

/// Where an import continues numbering: the next free incident id and, per year, the last
/// sequence number given under the current prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCursor {
    /// Prefix of incident numbers (`HN`).
    pub prefix: String,
    /// The id the next imported incident takes.
    pub next_id: i64,
    /// Last sequence number per year.
    pub last_seq: BTreeMap<i32, u32>,
}

/// Whether the timeline of imported incidents is written too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeline {
    /// Every event of each incident's history goes to `incident_events`.
    Full,
    /// Only the incident rows (a statistics-only history; the incident pages then show the
    /// latest event alone).
    Omit,
}

impl Store {
    /// The numbering an import continues from.
    pub async fn history_cursor(&self) -> Result<HistoryCursor> {
        let prefix = self.incident_prefix().await?;
        let (max_id, seqs): (Option<i64>, Vec<(i64, i64)>) = on_read!(self, |pool| {
            let max_id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM incidents")
                .fetch_one(pool)
                .await?;
            let seqs: Vec<(i64, i64)> =
                sqlx::query_as("SELECT year, last_seq FROM incident_sequences WHERE prefix = $1")
                    .bind(&prefix)
                    .fetch_all(pool)
                    .await?;
            (max_id, seqs)
        });
        let last_seq = seqs
            .into_iter()
            .filter_map(|(y, s)| Some((i32::try_from(y).ok()?, u32::try_from(s).ok()?)))
            .collect();
        Ok(HistoryCursor {
            prefix,
            next_id: max_id.unwrap_or(0) + 1,
            last_seq,
        })
    }

    /// Writes finished incidents in one transaction: their rows, their timelines (unless
    /// `timeline` is [`Timeline::Omit`]), the number sequences moved past every imported
    /// number, and one audit row. Ids and numbers must be new (see [`Store::history_cursor`]);
    /// a clash rolls the whole batch back.
    pub async fn import_incidents(
        &self,
        batch: &[Incident],
        timeline: Timeline,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let rows = batch
            .iter()
            .map(|i| Ok((i.id.0, i.number.to_string(), Columns::of(i)?)))
            .collect::<Result<Vec<_>>>()?;
        let events = match timeline {
            Timeline::Full => batch
                .iter()
                .flat_map(|i| i.history.iter())
                .map(EventRow::of)
                .collect::<Result<Vec<_>>>()?,
            Timeline::Omit => Vec::new(),
        };
        let mut last_seq: BTreeMap<(String, i32), u32> = BTreeMap::new();
        for i in batch {
            let key = (i.number.prefix().to_owned(), i.number.year());
            let seq = last_seq.entry(key).or_default();
            *seq = (*seq).max(i.number.seq());
        }
        let entry = AuditEntry {
            action: "incident.import".into(),
            object_type: "incident".into(),
            object_id: format!("{}..{}", rows[0].0, rows[rows.len() - 1].0),
            unit_code: None,
            summary: serde_json::json!({
                "count": batch.len(),
                "events": events.len(),
                "first": batch[0].number,
                "last": batch[batch.len() - 1].number,
            }),
        };
        let backend = self.backend();
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO incidents (id, number, kind, crime_subtype, priority, channel, \
                     status, is_open, disposition, unit_code, escalated, near_boundary, \
                     caller_phone, facility_id, device_id, lat, lon, address, merged_into, \
                     created_at, received_at, verified_at, false_alarm_at, dispatched_at, \
                     en_route_at, on_scene_at, resolved_at, closed_at, cancelled_at, merged_at, \
                     updated_at, version, doc, dead, injured, trapped, rescued, damage_vnd, \
                     real_fire, fire_cause, false_alarm_cause, premises_kind) ",
                );
                q.push_values(chunk, |mut b, (id, number, c)| {
                    b.push_bind(*id)
                        .push_bind(number)
                        .push_bind(c.kind)
                        .push_bind(c.crime_subtype)
                        .push_bind(c.priority)
                        .push_bind(c.channel)
                        .push_bind(c.status)
                        .push_bind(c.is_open)
                        .push_bind(c.disposition)
                        .push_bind(&c.unit_code)
                        .push_bind(c.escalated)
                        .push_bind(c.near_boundary)
                        .push_bind(&c.caller_phone)
                        .push_bind(c.facility_id)
                        .push_bind(&c.device_id)
                        .push_bind(c.lat)
                        .push_bind(c.lon)
                        .push_bind(&c.address)
                        .push_bind(c.merged_into)
                        .push_bind(c.created_at)
                        .push_bind(c.received_at);
                    for t in &c.times {
                        b.push_bind(*t);
                    }
                    b.push_bind(c.updated_at).push_bind(1_i64).push_bind(&c.doc);
                    for n in &c.casualties {
                        b.push_bind(*n);
                    }
                    b.push_bind(c.damage_vnd)
                        .push_bind(c.real_fire)
                        .push_bind(c.fire_cause)
                        .push_bind(c.false_alarm_cause)
                        .push_bind(c.premises_kind);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in events.chunks(ROWS_PER_STATEMENT * 4) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO incident_events (incident_id, seq, at, kind, actor_name, event) ",
                );
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(e.incident_id)
                        .push_bind(e.seq)
                        .push_bind(e.at)
                        .push_bind(&e.kind)
                        .push_bind(&e.actor_name)
                        .push_bind(&e.event);
                });
                q.build().execute(&mut *tx).await?;
            }
            for ((prefix, year), seq) in &last_seq {
                sqlx::query(
                    "INSERT INTO incident_sequences (prefix, year, last_seq) VALUES ($1, $2, $3) \
                     ON CONFLICT (prefix, year) DO UPDATE SET last_seq = CASE \
                     WHEN excluded.last_seq > incident_sequences.last_seq \
                     THEN excluded.last_seq ELSE incident_sequences.last_seq END",
                )
                .bind(prefix)
                .bind(i64::from(*year))
                .bind(i64::from(*seq))
                .execute(&mut *tx)
                .await?;
            }
            if backend == Backend::Postgres {
                // Explicit ids do not move the identity sequence; live incidents must not
                // collide with imported ones.
                sqlx::query(
                    "SELECT setval(pg_get_serial_sequence('incidents', 'id'), \
                     (SELECT MAX(id) FROM incidents))",
                )
                .execute(&mut *tx)
                .await?;
            }
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await.map_err(StoreError::from)?;
        });
        Ok(())
    }
}
