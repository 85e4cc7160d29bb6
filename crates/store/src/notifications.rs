//! The notification outbox: the notices that tell a facility's own people that its alarm
//! opened an incident, each attempt to send them, and the plan that says why nobody was told
//! when nobody was.
//!
//! The plan is written once per incident (`INSERT … ON CONFLICT DO NOTHING` on the incident's
//! id), so of several nodes that see the same alarm, one queues its notices. A notice is
//! claimed for sending with a conditional `UPDATE` that sets a lease (`claimed_until`); a
//! node that dies mid-send leaves a lease that runs out, and the notice is sent again. Every
//! write here is short and gives way to the alarm writer first (see [`crate::gate`]).
//!
//! Every change appends its change-feed row (`notification.planned`, `notification.changed`)
//! in the same transaction, so consoles showing the incident follow the attempts live.

use crate::{from_millis, to_millis, Actor, AuditEntry, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::alarm_queue::AlarmClass;
use domain::notify::{call_after_failure, Channel, NoticeState, PlanOutcome, PlannedNotice};
use serde::Serialize;
use sqlx::Row;

/// An alarm whose incident has no notification plan yet.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmToNotify {
    pub alarm_id: i64,
    pub class: AlarmClass,
    pub unit_code: String,
    pub facility_id: i64,
    pub device_id: Option<i64>,
    pub incident_id: i64,
    pub incident_number: String,
    pub title: String,
    pub raised_at: DateTime<Utc>,
}

/// The plan to write for one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlan {
    pub incident_id: i64,
    pub alarm_id: i64,
    pub facility_id: i64,
    pub unit_code: String,
    pub outcome: PlanOutcome,
    pub notices: Vec<NewNotice>,
}

/// One notice to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    pub planned: PlannedNotice,
    pub subject: String,
    /// What is sent: the e-mail's text, the SMS, or what the operator says on the phone.
    pub body: String,
}

/// One attempt to deliver a notice.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NoticeAttempt {
    /// From 1.
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// The relay's or gateway's answer, the error, or the operator's note.
    pub detail: String,
    /// The operator who recorded a call; empty for automatic sends.
    pub by: Option<String>,
}

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: i64,
    pub incident_id: i64,
    pub unit_code: String,
    /// The person's place in the facility's contact list, from 1.
    pub seq: i64,
    /// `email`, `sms` or `console` (the operator calls).
    #[schema(value_type = String, example = "email")]
    pub channel: Channel,
    pub contact_name: String,
    pub contact_role: Option<String>,
    /// The person's phone number (the operator's call when the other channels fail).
    pub contact_phone: String,
    /// E-mail address or phone number.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent` or `failed`.
    #[schema(value_type = String, example = "sent")]
    pub state: NoticeState,
    pub attempts: i64,
    /// When a pending notice is tried (again).
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it was sent or given up.
    pub done_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Every attempt, oldest first (filled by [`Store::incident_notifications`]).
    pub history: Vec<NoticeAttempt>,
}

/// An incident's notification plan and its notices.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NotificationReport {
    /// `queued`, `no_contacts` or `device_on_test`.
    #[schema(value_type = String, example = "queued")]
    pub outcome: PlanOutcome,
    pub facility_id: i64,
    pub planned_at: DateTime<Utc>,
    /// In the order they go out: by the person's place in the list, then channel.
    pub notices: Vec<Notice>,
}

/// How an attempt ended, as the sender reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptResult {
    pub ok: bool,
    pub detail: String,
    /// For a failure: when to try again, or `None` to give up.
    pub retry_at: Option<DateTime<Utc>>,
}

const NOTICE_COLUMNS: &str = "id, incident_id, unit_code, seq, channel, contact_name, \
     contact_role, contact_phone, recipient, subject, body, state, attempts, next_attempt_at, last_error, \
     created_at, done_at, version";

fn notice_from_row<R: Row>(row: &R) -> Result<Notice>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let code: String = row.try_get("channel")?;
    let state: String = row.try_get("state")?;
    Ok(Notice {
        id: row.try_get("id")?,
        incident_id: row.try_get("incident_id")?,
        unit_code: row.try_get("unit_code")?,
        seq: row.try_get("seq")?,
        channel: Channel::from_code(&code).ok_or_else(|| corrupt(&code))?,
        contact_name: row.try_get("contact_name")?,
        contact_role: row.try_get("contact_role")?,
        contact_phone: row.try_get("contact_phone")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        state: NoticeState::from_code(&state).ok_or_else(|| corrupt(&state))?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: from_millis(row.try_get("next_attempt_at")?),
        last_error: row.try_get("last_error")?,
        created_at: from_millis(row.try_get("created_at")?),
        done_at: row.try_get::<Option<i64>, _>("done_at")?.map(from_millis),
        version: row.try_get("version")?,
        history: Vec::new(),
    })
}

fn corrupt(code: &str) -> StoreError {
    StoreError::Corrupt {
        what: "notifications",
        detail: format!("unknown code {code:?}"),
    }
}

/// What the live feed carries of a notice (no message text).
fn payload(n: &Notice) -> serde_json::Value {
    serde_json::json!({
        "id": n.id,
        "incident_id": n.incident_id,
        "seq": n.seq,
        "channel": n.channel,
        "state": n.state,
        "attempts": n.attempts,
    })
}

impl Store {
    /// Alarms raised since `since` (fire, life-safety and intrusion alarms of a facility,
    /// tied to an incident) whose incident has no notification plan yet, oldest first.
    pub async fn alarms_to_notify(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<AlarmToNotify>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT a.id, a.class, a.unit_code, a.facility_id, a.device_id, a.incident_id, \
                 i.number, a.title, a.raised_at FROM alarm_queue a \
                 JOIN incidents i ON i.id = a.incident_id \
                 WHERE a.raised_at >= $1 AND a.class IN ('fire', 'life_safety', 'intrusion') \
                 AND a.facility_id IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM notification_plans p \
                                 WHERE p.incident_id = a.incident_id) \
                 ORDER BY a.raised_at, a.id LIMIT $2",
            )
            .bind(to_millis(since))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let class: String = r.try_get("class")?;
                    Ok(AlarmToNotify {
                        alarm_id: r.try_get("id")?,
                        class: AlarmClass::parse(&class).ok_or_else(|| corrupt(&class))?,
                        unit_code: r.try_get("unit_code")?,
                        facility_id: r.try_get("facility_id")?,
                        device_id: r.try_get("device_id")?,
                        incident_id: r.try_get("incident_id")?,
                        incident_number: r.try_get("number")?,
                        title: r.try_get("title")?,
                        raised_at: from_millis(r.try_get("raised_at")?),
                    })
                })
                .collect()
        })
    }

    /// Writes an incident's plan and queues its notices, unless the incident has a plan
    /// already (another node wrote it first). Returns whether this call wrote it.
    pub async fn write_notification_plan(
        &self,
        plan: &NewPlan,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.inner.gate.bulk().await;
        let change = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let written = sqlx::query(
                "INSERT INTO notification_plans (incident_id, alarm_id, facility_id, outcome, \
                 created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id) DO NOTHING",
            )
            .bind(plan.incident_id)
            .bind(plan.alarm_id)
            .bind(plan.facility_id)
            .bind(plan.outcome.code())
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if written == 0 {
                return Ok(false);
            }
            for n in &plan.notices {
                sqlx::query(
                    "INSERT INTO notifications (incident_id, unit_code, seq, channel, \
                     contact_name, contact_role, contact_phone, recipient, subject, body, state, \
                     next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $11)",
                )
                .bind(plan.incident_id)
                .bind(&plan.unit_code)
                .bind(i64::from(n.planned.seq))
                .bind(n.planned.channel.code())
                .bind(&n.planned.contact_name)
                .bind(&n.planned.contact_role)
                .bind(&n.planned.phone)
                .bind(&n.planned.recipient)
                .bind(&n.subject)
                .bind(&n.body)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
            }
            let change = insert_change!(
                self,
                tx,
                "notification.planned",
                Some(plan.unit_code.clone()),
                vec![],
                serde_json::json!({
                    "incident_id": plan.incident_id,
                    "outcome": plan.outcome,
                    "notices": plan.notices.len(),
                }),
                now
            );
            tx.commit().await?;
            change
        });
        self.publish(change);
        Ok(true)
    }

    /// Claims up to `limit` e-mail and SMS notices due at `now` for `lease`: no other node
    /// takes them until it runs out. Returned in the order to send them.
    pub async fn claim_due_notifications(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<Notice>> {
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
        // Due at the time bound as parameter `$n`.
        let due_at = |n: u8| {
            format!(
                "state = 'pending' AND channel <> 'console' AND next_attempt_at <= ${n} \
                 AND (claimed_until IS NULL OR claimed_until <= ${n})"
            )
        };
        // Most ticks find nothing due: a read answers that without taking the writer.
        let any: Option<i64> = on_read!(self, |pool| {
            sqlx::query_scalar(&format!(
                "SELECT id FROM notifications WHERE {} LIMIT 1",
                due_at(1)
            ))
            .bind(to_millis(now))
            .fetch_optional(pool)
            .await?
        });
        if any.is_none() {
            return Ok(Vec::new());
        }
        self.inner.gate.bulk().await;
        // The conditions are repeated outside the sub-query so that, on PostgreSQL, a row
        // another node claimed meanwhile is re-checked after its lock and left alone.
        let due = due_at(2);
        let mut claimed = on_write!(self, |pool| {
            let rows = sqlx::query(&format!(
                "UPDATE notifications SET claimed_until = $1 WHERE id IN \
                 (SELECT id FROM notifications WHERE {due} \
                  ORDER BY next_attempt_at, incident_id, seq, id LIMIT $3) AND {due} \
                 RETURNING {NOTICE_COLUMNS}"
            ))
            .bind(to_millis(until))
            .bind(to_millis(now))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(notice_from_row)
                .collect::<Result<Vec<_>>>()?
        });
        claimed.sort_by_key(|n| (n.next_attempt_at, n.incident_id, n.seq, n.id));
        Ok(claimed)
    }

    /// Records how an automatic attempt on notice `id` ended: sent, tried again later, or
    /// given up. The lease is released.
    pub async fn record_notification_attempt(
        &self,
        id: i64,
        result: &AttemptResult,
        now: DateTime<Utc>,
    ) -> Result<Notice> {
        self.record_attempt(id, None, result, None, now).await
    }

    /// Records the operator's call to the person of a console notice: reached or not, with a
    /// note. A notice that is not a pending call is a conflict.
    pub async fn record_notification_call(
        &self,
        id: i64,
        reached: bool,
        note: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Notice> {
        let result = AttemptResult {
            ok: reached,
            detail: note.to_owned(),
            retry_at: None,
        };
        self.record_attempt(id, Some(Channel::Console), &result, Some(actor), now)
            .await
    }

    async fn record_attempt(
        &self,
        id: i64,
        only: Option<Channel>,
        result: &AttemptResult,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> Result<Notice> {
        self.inner.gate.bulk().await;
        let (notice, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = sqlx::query(&format!(
                "SELECT {NOTICE_COLUMNS} FROM notifications WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(notice_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound {
                what: "notification",
                id: id.to_string(),
            })?;
            if before.state != NoticeState::Pending {
                return Err(StoreError::Conflict(format!(
                    "notification {id} is {} already",
                    before.state.code()
                )));
            }
            if only.is_some_and(|c| c != before.channel) {
                return Err(StoreError::Conflict(format!(
                    "notification {id} goes by {}, not by the operator's call",
                    before.channel.code()
                )));
            }
            let attempt = before.attempts + 1;
            let (state, next, done) = match (result.ok, result.retry_at) {
                (true, _) => (NoticeState::Sent, before.next_attempt_at, Some(now)),
                (false, Some(at)) => (NoticeState::Pending, at, None),
                (false, None) => (NoticeState::Failed, before.next_attempt_at, Some(now)),
            };
            sqlx::query(
                "INSERT INTO notification_attempts (notification_id, attempt, at, ok, detail, \
                 by_user) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(attempt)
            .bind(to_millis(now))
            .bind(i64::from(result.ok))
            .bind(&result.detail)
            .bind(actor.map(|a| a.name.clone()))
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(&format!(
                "UPDATE notifications SET state = $2, attempts = $3, next_attempt_at = $4, \
                 last_error = $5, done_at = $6, claimed_until = NULL, version = version + 1 \
                 WHERE id = $1 AND version = $7 RETURNING {NOTICE_COLUMNS}"
            ))
            .bind(id)
            .bind(state.code())
            .bind(attempt)
            .bind(to_millis(next))
            .bind((!result.ok).then(|| result.detail.clone()))
            .bind(done.map(to_millis))
            .bind(before.version)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("notification {id} changed meanwhile")))?;
            let notice = notice_from_row(&row)?;
            // Every e-mail and SMS to this person given up: the operator calls them.
            if notice.state == NoticeState::Failed && notice.channel != Channel::Console {
                let others: Vec<(String, String)> = sqlx::query_as(
                    "SELECT channel, state FROM notifications \
                     WHERE incident_id = $1 AND seq = $2 AND id <> $3",
                )
                .bind(notice.incident_id)
                .bind(notice.seq)
                .bind(notice.id)
                .fetch_all(&mut *tx)
                .await?;
                let others: Vec<(Channel, NoticeState)> = others
                    .iter()
                    .filter_map(|(c, s)| Some((Channel::from_code(c)?, NoticeState::from_code(s)?)))
                    .collect();
                if call_after_failure(&others) {
                    sqlx::query(
                        "INSERT INTO notifications (incident_id, unit_code, seq, channel, \
                         contact_name, contact_role, contact_phone, recipient, subject, body, \
                         state, next_attempt_at, created_at) \
                         VALUES ($1, $2, $3, 'console', $4, $5, $6, $6, $7, $8, 'pending', $9, $9) \
                         ON CONFLICT (incident_id, seq, channel) DO NOTHING",
                    )
                    .bind(notice.incident_id)
                    .bind(&notice.unit_code)
                    .bind(notice.seq)
                    .bind(&notice.contact_name)
                    .bind(&notice.contact_role)
                    .bind(&notice.contact_phone)
                    .bind(&notice.subject)
                    .bind(&notice.body)
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some(actor) = actor {
                let entry = AuditEntry {
                    action: "notification.call".into(),
                    object_type: "notification".into(),
                    object_id: id.to_string(),
                    unit_code: Some(notice.unit_code.clone()),
                    summary: serde_json::json!({
                        "incident_id": notice.incident_id,
                        "reached": result.ok,
                        "note": result.detail,
                    }),
                };
                insert_audit!(tx, actor, &entry, now);
            }
            let change = insert_change!(
                self,
                tx,
                "notification.changed",
                Some(notice.unit_code.clone()),
                vec![],
                payload(&notice),
                now
            );
            tx.commit().await?;
            (notice, change)
        });
        self.publish(change);
        Ok(notice)
    }

    /// An incident's notification plan with its notices and their attempts; `None` when no
    /// plan was written (the incident did not come from a facility's alarm, or not yet).
    pub async fn incident_notifications(
        &self,
        incident_id: i64,
    ) -> Result<Option<NotificationReport>> {
        on_read!(self, |pool| {
            let Some(plan) = sqlx::query(
                "SELECT outcome, facility_id, created_at FROM notification_plans \
                 WHERE incident_id = $1",
            )
            .bind(incident_id)
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            let outcome: String = plan.try_get("outcome")?;
            let mut notices = sqlx::query(&format!(
                "SELECT {NOTICE_COLUMNS} FROM notifications WHERE incident_id = $1 \
                 ORDER BY seq, id"
            ))
            .bind(incident_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(notice_from_row)
            .collect::<Result<Vec<_>>>()?;
            let attempts = sqlx::query(
                "SELECT t.notification_id, t.attempt, t.at, t.ok, t.detail, t.by_user \
                 FROM notification_attempts t JOIN notifications n ON n.id = t.notification_id \
                 WHERE n.incident_id = $1 ORDER BY t.notification_id, t.attempt",
            )
            .bind(incident_id)
            .fetch_all(pool)
            .await?;
            for row in &attempts {
                let owner: i64 = row.try_get("notification_id")?;
                if let Some(n) = notices.iter_mut().find(|n| n.id == owner) {
                    n.history.push(NoticeAttempt {
                        attempt: row.try_get("attempt")?,
                        at: from_millis(row.try_get("at")?),
                        ok: row.try_get::<i64, _>("ok")? != 0,
                        detail: row.try_get("detail")?,
                        by: row.try_get("by_user")?,
                    });
                }
            }
            Ok(Some(NotificationReport {
                outcome: PlanOutcome::from_code(&outcome).ok_or_else(|| corrupt(&outcome))?,
                facility_id: plan.try_get("facility_id")?,
                planned_at: from_millis(plan.try_get("created_at")?),
                notices,
            }))
        })
    }
}
