//! The alarm queue in the database: entries raised by device alarms (tied to their incident),
//! device troubles and offline devices; acknowledging and handling them; escalating the ones
//! nobody acknowledged in time. A trouble's entry is closed by the receiver when the device
//! reports the trouble over (or an offline device is heard again); an alarm's entry is closed
//! only by a person.
//!
//! The rules live in [`domain::alarm_queue`]; this module reads an entry, lets the domain
//! decide, and writes the result with a conditional `UPDATE … WHERE version = $v`, so that of
//! two people (or two nodes) acting at once exactly one wins and the other is answered from the
//! state the winner left. Escalation is written `WHERE state = 'new' AND escalated_at IS NULL`
//! for the same reason: with several nodes on one PostgreSQL, one of them escalates each entry.
//!
//! Every change appends its audit row and its change-feed row (`alarm.raised`,
//! `alarm.repeated`, `alarm.acknowledged`, `alarm.handled`, `alarm.escalated`) in the same
//! transaction.

use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::alarm_queue::{AlarmClass, AlarmError, AlarmProgress, AlarmState, Person, Stamp};
use serde::Serialize;
use sqlx::Row;

/// The columns every query reads, in [`alarm_from_row`]'s terms.
pub(crate) const ALARM_COLUMNS: &str = "id, source_key, class, state, unit_code, facility_id, \
     facility_name, address, device_id, device_account, incident_id, trouble_id, title, detail, \
     raised_at, last_signal_at, signal_count, acknowledged_by_id, acknowledged_by, \
     acknowledged_at, handled_by_id, handled_by, handled_at, note, escalated_at, version";

/// What raises a queue entry.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlarm {
    /// What raised it: `incident:ID` or `trouble:ID`. While the entry is not handled, raising
    /// the same source again counts a repeat on it.
    pub source_key: String,
    pub class: AlarmClass,
    pub unit_code: String,
    pub facility_id: Option<i64>,
    pub device_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub trouble_id: Option<i64>,
    /// Short Vietnamese title, e.g. "Báo cháy tự động".
    pub title: String,
    /// Vietnamese detail: zone, code, what the device said.
    pub detail: String,
    /// The alarm signal behind it: a signal already counted (a retransmission handed over
    /// again after a restart) is not counted twice.
    pub signal_id: Option<i64>,
}

impl NewAlarm {
    /// The source key of an incident's alarm.
    pub fn incident_key(incident_id: i64) -> String {
        format!("incident:{incident_id}")
    }

    /// The source key of a facility trouble.
    pub fn trouble_key(trouble_id: i64) -> String {
        format!("trouble:{trouble_id}")
    }
}

/// One queue entry, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlarmRecord {
    pub id: i64,
    /// `fire`, `life_safety`, `intrusion`, `trouble` or `offline` (most urgent first).
    #[schema(value_type = String, example = "fire")]
    pub class: AlarmClass,
    /// `new`, `acknowledged` or `handled`.
    #[schema(value_type = String, example = "new")]
    pub state: AlarmState,
    /// Whether consoles ring for it: a fire, life-safety or intrusion alarm still `new`.
    pub rings: bool,
    /// The unit of the facility.
    pub unit_code: String,
    pub facility_id: Option<i64>,
    pub facility_name: Option<String>,
    pub address: Option<String>,
    pub device_id: Option<i64>,
    pub device_account: Option<String>,
    /// The incident the alarm opened or joined (alarms only).
    pub incident_id: Option<i64>,
    /// The facility trouble behind it (troubles and offline devices).
    pub trouble_id: Option<i64>,
    pub title: String,
    pub detail: String,
    pub raised_at: DateTime<Utc>,
    /// The latest signal counted on it.
    pub last_signal_at: DateTime<Utc>,
    /// Signals counted on it (an alarm storm repeats on one entry).
    pub signal_count: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_by_id: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub handled_by: Option<String>,
    pub handled_by_id: Option<i64>,
    pub handled_at: Option<DateTime<Utc>>,
    /// What the handler wrote.
    pub note: Option<String>,
    /// When it was escalated to the shift leaders for want of an acknowledgement.
    pub escalated_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(skip)]
    pub source_key: String,
}

impl AlarmRecord {
    /// What the domain rules look at.
    pub fn progress(&self) -> AlarmProgress {
        let stamp = |name: &Option<String>, id: Option<i64>, at: Option<DateTime<Utc>>| {
            Some(Stamp {
                by: Person {
                    user_id: id,
                    name: name.clone()?,
                },
                at: at?,
            })
        };
        AlarmProgress {
            class: self.class,
            state: self.state,
            raised_at: self.raised_at,
            acknowledged: stamp(
                &self.acknowledged_by,
                self.acknowledged_by_id,
                self.acknowledged_at,
            ),
            handled: stamp(&self.handled_by, self.handled_by_id, self.handled_at),
            note: self.note.clone(),
            escalated_at: self.escalated_at,
        }
    }
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AlarmFilter {
    /// Only this state.
    pub state: Option<AlarmState>,
    /// Only entries not handled yet (`new` or `acknowledged`).
    pub open_only: bool,
    /// Only this class.
    pub class: Option<AlarmClass>,
    /// Only this unit's entries.
    pub unit_code: Option<String>,
    /// Only the entries of this incident.
    pub incident_id: Option<i64>,
    /// Only escalated entries.
    pub escalated_only: bool,
    pub limit: i64,
    pub offset: i64,
}

/// What acknowledging or handling did.
#[derive(Debug, Clone, PartialEq)]
pub enum AlarmStep {
    /// The entry changed (audited and on the feed).
    Changed(AlarmRecord),
    /// The same person had already done this: nothing changed.
    Unchanged(AlarmRecord),
    /// The rules refused it (someone else acknowledged or handled it, bad note).
    Refused(AlarmError, AlarmRecord),
}

pub(crate) fn parse_class(code: &str) -> Result<AlarmClass> {
    AlarmClass::parse(code).ok_or_else(|| StoreError::Corrupt {
        what: "alarm_queue.class",
        detail: code.to_owned(),
    })
}

pub(crate) fn parse_state(code: &str) -> Result<AlarmState> {
    AlarmState::parse(code).ok_or_else(|| StoreError::Corrupt {
        what: "alarm_queue.state",
        detail: code.to_owned(),
    })
}

/// Decodes a row of either back end.
pub(crate) fn alarm_from_row<R: Row>(row: &R) -> Result<AlarmRecord>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let class = parse_class(&row.try_get::<String, _>("class")?)?;
    let state = parse_state(&row.try_get::<String, _>("state")?)?;
    let at = |name: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(from_millis))
    };
    Ok(AlarmRecord {
        id: row.try_get("id")?,
        class,
        state,
        rings: class.rings() && state == AlarmState::New,
        unit_code: row.try_get("unit_code")?,
        facility_id: row.try_get("facility_id")?,
        facility_name: row.try_get("facility_name")?,
        address: row.try_get("address")?,
        device_id: row.try_get("device_id")?,
        device_account: row.try_get("device_account")?,
        incident_id: row.try_get("incident_id")?,
        trouble_id: row.try_get("trouble_id")?,
        title: row.try_get("title")?,
        detail: row.try_get("detail")?,
        raised_at: from_millis(row.try_get("raised_at")?),
        last_signal_at: from_millis(row.try_get("last_signal_at")?),
        signal_count: row.try_get("signal_count")?,
        acknowledged_by: row.try_get("acknowledged_by")?,
        acknowledged_by_id: row.try_get("acknowledged_by_id")?,
        acknowledged_at: at("acknowledged_at")?,
        handled_by: row.try_get("handled_by")?,
        handled_by_id: row.try_get("handled_by_id")?,
        handled_at: at("handled_at")?,
        note: row.try_get("note")?,
        escalated_at: at("escalated_at")?,
        version: row.try_get("version")?,
        source_key: row.try_get("source_key")?,
    })
}

/// The conditional write of a step decided by the rules: binds the id, the version read, then
/// the new state, acknowledgement (id, name, time), handling (id, name, time) and note.
pub(crate) fn step_sql() -> String {
    format!(
        "UPDATE alarm_queue SET state = $3, acknowledged_by_id = $4, acknowledged_by = $5, \
         acknowledged_at = $6, handled_by_id = $7, handled_by = $8, handled_at = $9, note = $10, \
         version = version + 1 WHERE id = $1 AND version = $2 RETURNING {ALARM_COLUMNS}"
    )
}

/// The note left on a trouble's entry when the device reports the trouble over by itself.
pub(crate) const RESTORED_NOTE: &str = "Thiết bị báo đã trở lại bình thường";

/// Closes, inside the open transaction `$tx`, the queue entry of trouble `$trouble_id` that the
/// device reported cleared (a restore, or an offline device heard again): handled by
/// `system:receiver` with [`RESTORED_NOTE`], audited and on the feed. Alarms are never closed
/// this way; only troubles and offline devices. Evaluates to `Option<Change>`.
macro_rules! settle_cleared_trouble {
    ($store:expr, $tx:expr, $trouble_id:expr, $now:expr) => {{
        let now: chrono::DateTime<chrono::Utc> = $now;
        let row = sqlx::query(&format!(
            "SELECT {} FROM alarm_queue WHERE source_key = $1 AND handled_at IS NULL",
            $crate::alarm_queue::ALARM_COLUMNS
        ))
        .bind($crate::NewAlarm::trouble_key($trouble_id))
        .fetch_optional(&mut *$tx)
        .await?;
        let mut change = None;
        if let Some(row) = row {
            let current = $crate::alarm_queue::alarm_from_row(&row)?;
            let actor = $crate::Actor::system("receiver");
            let system = domain::alarm_queue::Person {
                user_id: None,
                name: actor.name.clone(),
            };
            let decided = current.progress().handle(
                &system,
                Some($crate::alarm_queue::RESTORED_NOTE),
                now,
            );
            if let Ok(Some(next)) = decided {
                let ack = next.acknowledged.as_ref();
                let handled = next.handled.as_ref();
                let row = sqlx::query(&$crate::alarm_queue::step_sql())
                    .bind(current.id)
                    .bind(current.version)
                    .bind(next.state.code())
                    .bind(ack.and_then(|s| s.by.user_id))
                    .bind(ack.map(|s| s.by.name.clone()))
                    .bind(ack.map(|s| $crate::to_millis(s.at)))
                    .bind(handled.and_then(|s| s.by.user_id))
                    .bind(handled.map(|s| s.by.name.clone()))
                    .bind(handled.map(|s| $crate::to_millis(s.at)))
                    .bind(&next.note)
                    .fetch_optional(&mut *$tx)
                    .await?;
                if let Some(row) = row {
                    let alarm = $crate::alarm_queue::alarm_from_row(&row)?;
                    let entry = $crate::AuditEntry {
                        action: "alarm.handled".into(),
                        object_type: "alarm".into(),
                        object_id: alarm.id.to_string(),
                        unit_code: Some(alarm.unit_code.clone()),
                        summary: serde_json::json!({
                            "from": current.state.code(),
                            "to": alarm.state.code(),
                            "class": alarm.class.code(),
                            "note": alarm.note,
                        }),
                    };
                    insert_audit!($tx, &actor, &entry, now);
                    change = Some(insert_change!(
                        $store,
                        $tx,
                        "alarm.handled",
                        Some(alarm.unit_code.clone()),
                        vec![],
                        $crate::alarm_queue::alarm_json(&alarm),
                        now
                    ));
                }
            }
        }
        change
    }};
}

pub(crate) fn alarm_json(a: &AlarmRecord) -> serde_json::Value {
    serde_json::to_value(a).unwrap_or(serde_json::Value::Null)
}

fn person(actor: &Actor) -> Person {
    Person {
        user_id: actor.user_id,
        name: actor.name.clone(),
    }
}

/// Raises (or repeats) a queue entry inside the open transaction `$tx`: audited and on the
/// feed. Evaluates to `Option<(AlarmRecord, Change)>`: `None` when nothing changed (the same
/// signal counted already). Used by [`Store::raise_alarm`] and by the writes that open
/// troubles, so that a trouble and its queue entry are committed together.
macro_rules! raise_alarm {
    ($store:expr, $tx:expr, $input:expr, $now:expr) => {{
        let input: &$crate::alarm_queue::NewAlarm = $input;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let row = sqlx::query(&format!(
            "INSERT INTO alarm_queue (source_key, class, class_rank, state, unit_code, \
             facility_id, facility_name, address, device_id, device_account, incident_id, \
             trouble_id, title, detail, raised_at, last_signal_at, last_signal_id, \
             signal_count, version) VALUES ($1, $2, $3, 'new', $4, $5, \
             (SELECT name FROM facilities WHERE id = $5), \
             (SELECT address FROM facilities WHERE id = $5), $6, \
             (SELECT account FROM devices WHERE id = $6), $7, $8, $9, $10, $11, $11, $12, 1, 1) \
             ON CONFLICT (source_key) WHERE handled_at IS NULL DO UPDATE SET \
             signal_count = alarm_queue.signal_count + 1, \
             last_signal_at = excluded.last_signal_at, \
             last_signal_id = excluded.last_signal_id, version = alarm_queue.version + 1 \
             WHERE excluded.last_signal_id IS NOT NULL AND (alarm_queue.last_signal_id IS NULL \
             OR alarm_queue.last_signal_id < excluded.last_signal_id) \
             RETURNING {}",
            $crate::alarm_queue::ALARM_COLUMNS
        ))
        .bind(&input.source_key)
        .bind(input.class.code())
        .bind(input.class.rank())
        .bind(&input.unit_code)
        .bind(input.facility_id)
        .bind(input.device_id)
        .bind(input.incident_id)
        .bind(input.trouble_id)
        .bind(&input.title)
        .bind(&input.detail)
        .bind($crate::to_millis(now))
        .bind(input.signal_id)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            None => None,
            Some(row) => {
                let alarm = $crate::alarm_queue::alarm_from_row(&row)?;
                let created = alarm.version == 1;
                if created {
                    let entry = $crate::AuditEntry {
                        action: "alarm.raised".into(),
                        object_type: "alarm".into(),
                        object_id: alarm.id.to_string(),
                        unit_code: Some(alarm.unit_code.clone()),
                        summary: serde_json::json!({
                            "class": alarm.class.code(),
                            "source": alarm.source_key,
                            "title": alarm.title,
                        }),
                    };
                    insert_audit!($tx, &$crate::Actor::system("alarm-queue"), &entry, now);
                }
                let change = insert_change!(
                    $store,
                    $tx,
                    if created { "alarm.raised" } else { "alarm.repeated" },
                    Some(alarm.unit_code.clone()),
                    vec![],
                    $crate::alarm_queue::alarm_json(&alarm),
                    now
                );
                Some((alarm, change))
            }
        }
    }};
}

impl Store {
    /// Raises a queue entry, or counts a repeat on the source's entry while it is not handled.
    /// Returns the entry when this call changed it.
    pub async fn raise_alarm(
        &self,
        input: &NewAlarm,
        now: DateTime<Utc>,
    ) -> Result<Option<AlarmRecord>> {
        let raised = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let raised = raise_alarm!(self, tx, input, now);
            tx.commit().await?;
            raised
        });
        Ok(raised.map(|(alarm, change)| {
            self.publish(change);
            alarm
        }))
    }

    /// [`Store::raise_alarm`] for several entries in one transaction (the signals of one
    /// building's storm). Returns the entries this call changed.
    pub async fn raise_alarms(
        &self,
        inputs: &[NewAlarm],
        now: DateTime<Utc>,
    ) -> Result<Vec<AlarmRecord>> {
        let raised = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut raised = Vec::new();
            for input in inputs {
                if let Some(r) = raise_alarm!(self, tx, input, now) {
                    raised.push(r);
                }
            }
            tx.commit().await?;
            raised
        });
        Ok(raised
            .into_iter()
            .map(|(alarm, change)| {
                self.publish(change);
                alarm
            })
            .collect())
    }

    /// One entry by id.
    pub async fn alarm(&self, id: i64) -> Result<Option<AlarmRecord>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {ALARM_COLUMNS} FROM alarm_queue WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(alarm_from_row).transpose()
        })
    }

    /// A page of entries: new first, then acknowledged, then handled; within each, the most
    /// urgent class first, newest first. Also returns how many entries match in all.
    pub async fn list_alarms(&self, filter: &AlarmFilter) -> Result<(Vec<AlarmRecord>, i64)> {
        const WHERE: &str = "($1 IS NULL OR state = $1) AND ($2 = 0 OR state <> 'handled') \
             AND ($3 IS NULL OR class = $3) AND ($4 IS NULL OR unit_code = $4) \
             AND ($5 IS NULL OR incident_id = $5) AND ($6 = 0 OR escalated_at IS NOT NULL)";
        let state = filter.state.map(AlarmState::code);
        let class = filter.class.map(AlarmClass::code);
        on_read!(self, |pool| {
            let total: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM alarm_queue WHERE {WHERE}"))
                    .bind(state)
                    .bind(i64::from(filter.open_only))
                    .bind(class)
                    .bind(&filter.unit_code)
                    .bind(filter.incident_id)
                    .bind(i64::from(filter.escalated_only))
                    .fetch_one(pool)
                    .await?;
            let rows = sqlx::query(&format!(
                "SELECT {ALARM_COLUMNS} FROM alarm_queue WHERE {WHERE} ORDER BY \
                 CASE state WHEN 'new' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END, \
                 class_rank, raised_at DESC, id DESC LIMIT $7 OFFSET $8"
            ))
            .bind(state)
            .bind(i64::from(filter.open_only))
            .bind(class)
            .bind(&filter.unit_code)
            .bind(filter.incident_id)
            .bind(i64::from(filter.escalated_only))
            .bind(filter.limit.clamp(1, 500))
            .bind(filter.offset.max(0))
            .fetch_all(pool)
            .await?;
            let items = rows
                .iter()
                .map(alarm_from_row)
                .collect::<Result<Vec<_>>>()?;
            Ok((items, total))
        })
    }

    /// Acknowledges entry `id` as `actor`.
    pub async fn acknowledge_alarm(
        &self,
        id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<AlarmStep> {
        let by = person(actor);
        self.alarm_step(id, actor, now, "alarm.acknowledged", |p| {
            p.acknowledge(&by, now)
        })
        .await
    }

    /// Marks entry `id` handled as `actor`, with an optional note.
    pub async fn handle_alarm(
        &self,
        id: i64,
        actor: &Actor,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AlarmStep> {
        let by = person(actor);
        self.alarm_step(id, actor, now, "alarm.handled", |p| {
            p.handle(&by, note, now)
        })
        .await
    }

    /// Reads the entry, lets the rules decide, writes the result if nobody changed the entry
    /// meanwhile (otherwise decides again on what they left).
    async fn alarm_step(
        &self,
        id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
        action: &'static str,
        decide: impl Fn(&AlarmProgress) -> std::result::Result<Option<AlarmProgress>, AlarmError>,
    ) -> Result<AlarmStep> {
        for _ in 0..5 {
            let current = self
                .alarm_for_update(id)
                .await?
                .ok_or(StoreError::NotFound {
                    what: "alarm",
                    id: id.to_string(),
                })?;
            let next = match decide(&current.progress()) {
                Err(e) => return Ok(AlarmStep::Refused(e, current)),
                Ok(None) => return Ok(AlarmStep::Unchanged(current)),
                Ok(Some(next)) => next,
            };
            let written = on_write!(self, |pool| {
                let mut tx = pool.begin().await?;
                let ack = next.acknowledged.as_ref();
                let handled = next.handled.as_ref();
                let row = sqlx::query(&step_sql())
                    .bind(id)
                    .bind(current.version)
                    .bind(next.state.code())
                    .bind(ack.and_then(|s| s.by.user_id))
                    .bind(ack.map(|s| s.by.name.clone()))
                    .bind(ack.map(|s| to_millis(s.at)))
                    .bind(handled.and_then(|s| s.by.user_id))
                    .bind(handled.map(|s| s.by.name.clone()))
                    .bind(handled.map(|s| to_millis(s.at)))
                    .bind(&next.note)
                    .fetch_optional(&mut *tx)
                    .await?;
                match row {
                    None => None,
                    Some(row) => {
                        let alarm = alarm_from_row(&row)?;
                        let entry = AuditEntry {
                            action: action.into(),
                            object_type: "alarm".into(),
                            object_id: id.to_string(),
                            unit_code: Some(alarm.unit_code.clone()),
                            summary: serde_json::json!({
                                "from": current.state.code(),
                                "to": alarm.state.code(),
                                "class": alarm.class.code(),
                                "note": alarm.note,
                                "escalated_at": alarm.escalated_at,
                            }),
                        };
                        insert_audit!(tx, actor, &entry, now);
                        let change = insert_change!(
                            self,
                            tx,
                            action,
                            Some(alarm.unit_code.clone()),
                            vec![],
                            alarm_json(&alarm),
                            now
                        );
                        tx.commit().await?;
                        Some((alarm, change))
                    }
                }
            });
            if let Some((alarm, change)) = written {
                self.publish(change);
                return Ok(AlarmStep::Changed(alarm));
            }
        }
        Err(StoreError::Conflict(format!(
            "alarm {id} kept changing while it was being updated"
        )))
    }

    /// Reads an entry through the writing pool, so that a step decides on the latest commit.
    async fn alarm_for_update(&self, id: i64) -> Result<Option<AlarmRecord>> {
        on_write!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {ALARM_COLUMNS} FROM alarm_queue WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(alarm_from_row).transpose()
        })
    }

    /// Escalates every ringing entry that nobody acknowledged within `after` of being raised,
    /// as of `now`. Each entry is escalated once, by one node: the update is conditional on
    /// the entry still being new and not escalated. Returns the entries this call escalated.
    pub async fn escalate_due_alarms(
        &self,
        now: DateTime<Utc>,
        after: chrono::Duration,
    ) -> Result<Vec<AlarmRecord>> {
        let ringing: Vec<String> = AlarmClass::ALL
            .iter()
            .filter(|c| c.rings())
            .map(|c| format!("'{}'", c.code()))
            .collect();
        let candidates = on_write!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {ALARM_COLUMNS} FROM alarm_queue WHERE state = 'new' \
                 AND escalated_at IS NULL AND raised_at <= $1 AND class IN ({}) \
                 ORDER BY raised_at LIMIT 200",
                ringing.join(", ")
            ))
            .bind(to_millis(now - after))
            .fetch_all(pool)
            .await?
            .iter()
            .map(alarm_from_row)
            .collect::<Result<Vec<_>>>()?
        });
        let actor = Actor::system("alarm-escalation");
        let mut escalated = Vec::new();
        for alarm in candidates {
            if !alarm.progress().escalation_due(now, after) {
                continue;
            }
            let written = on_write!(self, |pool| {
                let mut tx = pool.begin().await?;
                let row = sqlx::query(&format!(
                    "UPDATE alarm_queue SET escalated_at = $2, version = version + 1 \
                     WHERE id = $1 AND state = 'new' AND escalated_at IS NULL \
                     RETURNING {ALARM_COLUMNS}"
                ))
                .bind(alarm.id)
                .bind(to_millis(now))
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    None => None,
                    Some(row) => {
                        let alarm = alarm_from_row(&row)?;
                        let waited = (now - alarm.raised_at).num_seconds();
                        let entry = AuditEntry {
                            action: "alarm.escalated".into(),
                            object_type: "alarm".into(),
                            object_id: alarm.id.to_string(),
                            unit_code: Some(alarm.unit_code.clone()),
                            summary: serde_json::json!({
                                "class": alarm.class.code(),
                                "unacknowledged_secs": waited,
                                "escalated_to": "leader",
                            }),
                        };
                        insert_audit!(tx, &actor, &entry, now);
                        let change = insert_change!(
                            self,
                            tx,
                            "alarm.escalated",
                            Some(alarm.unit_code.clone()),
                            vec![],
                            alarm_json(&alarm),
                            now
                        );
                        tx.commit().await?;
                        Some((alarm, change))
                    }
                }
            });
            if let Some((alarm, change)) = written {
                self.publish(change);
                escalated.push(alarm);
            }
        }
        Ok(escalated)
    }
}
