//! Accountability records: tasks ("rõ người, rõ việc, …"), the chiefs of units that the chain
//! of responsibility climbs, inspection campaigns, and criminal cases with the configurable
//! article → crime-group table.
//!
//! Tasks and campaigns are stored as their checked domain documents (`doc`, JSON) beside the
//! columns the boards and filters query, with a `version` that every update checks in the
//! database (`UPDATE … WHERE id = $1 AND version = $2`): of two concurrent edits one wins and
//! the other gets [`StoreError::Conflict`]. The domain decides what a change may do; this
//! module reads the document, lets the domain apply the change, and writes it back with its
//! audit row and change-feed row in one transaction.

use crate::{from_millis, to_millis, Actor, AuditEntry, Change, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::inspection::{Campaign, InspectionError, RecommendationInput};
use domain::stats::case_status::{check_status_date, solved_after};
use domain::stats::{
    change_status, CaseRecord, CaseStanding, CaseStatus, CategoryMap, CrimeGroup, MaxPenalty,
    Severity, StatsError,
};
use domain::tasks::{NewTask, PersonRef, Task, TaskError, TaskPolicy, TaskRecord, TaskStatus};
use serde::Serialize;
use sqlx::Row;

/// Errors of the accountability area: the store's own, or a domain rule that refused the
/// change (nothing was written in that case).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountabilityError {
    /// The database failed, the object is unknown, or a concurrent edit won.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A task rule refused the change.
    #[error("task: {0}")]
    Task(#[from] TaskError),
    /// A campaign rule refused the change.
    #[error("campaign: {0}")]
    Inspection(#[from] InspectionError),
    /// A crime-report rule refused the step.
    #[error("crime report: {0}")]
    CrimeReport(#[from] domain::crime_report::CrimeReportError),
    /// A case or a statistics request broke a rule.
    #[error("statistics: {0}")]
    Stats(#[from] StatsError),
    /// The version the client read is not the current one.
    #[error("{what} {id} is at version {current}, not {expected}")]
    StaleVersion {
        /// Kind of object.
        what: &'static str,
        /// Its id.
        id: i64,
        /// Version the client sent.
        expected: i64,
        /// Version stored.
        current: i64,
    },
}

impl From<sqlx::Error> for AccountabilityError {
    fn from(e: sqlx::Error) -> Self {
        AccountabilityError::Store(e.into())
    }
}

/// Result of the accountability methods.
pub type AccResult<T> = std::result::Result<T, AccountabilityError>;

fn corrupt(what: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: e.to_string(),
    }
}

fn not_found(what: &'static str, id: i64) -> AccountabilityError {
    AccountabilityError::Store(StoreError::NotFound {
        what,
        id: id.to_string(),
    })
}

fn check_version(
    what: &'static str,
    id: i64,
    expected: Option<i64>,
    current: i64,
) -> AccResult<()> {
    match expected {
        Some(e) if e != current => Err(AccountabilityError::StaleVersion {
            what,
            id,
            expected: e,
            current,
        }),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/// A task as stored: the domain task and the bookkeeping around it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTask {
    /// Numeric id (the task's `id` is its decimal form).
    pub id: i64,
    /// The checked domain task.
    pub task: Task,
    /// Version, incremented by every update.
    pub version: i64,
    /// The campaign whose finding created it, if any.
    pub campaign_id: Option<i64>,
    /// When `task.overdue` was published for the current deadline.
    pub overdue_notified_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Responsible unit.
    pub unit: Option<String>,
    /// Owner's user id.
    pub owner: Option<String>,
    /// Stored status.
    pub status: Option<TaskStatus>,
    /// `Some(true)`: only tasks overdue at `now`; `Some(false)`: only tasks that are not.
    pub overdue: Option<bool>,
    /// Only tasks spawned by this campaign.
    pub campaign_id: Option<i64>,
    /// Most rows returned (clamped to 1..=5000).
    pub limit: i64,
}

const TASK_COLUMNS: &str = "id, campaign_id, overdue_notified_at, updated_at, version, doc";

fn task_from_row<R: Row>(row: &R) -> Result<StoredTask>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let doc: String = row.try_get("doc")?;
    let record: TaskRecord = serde_json::from_str(&doc).map_err(|e| corrupt("tasks.doc", e))?;
    let task = Task::try_from(record).map_err(|e| corrupt("tasks.doc", e))?;
    Ok(StoredTask {
        id: row.try_get("id")?,
        task,
        version: row.try_get("version")?,
        campaign_id: row.try_get("campaign_id")?,
        overdue_notified_at: row
            .try_get::<Option<i64>, _>("overdue_notified_at")?
            .map(from_millis),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

fn task_doc(task: &Task) -> Result<String> {
    serde_json::to_string(task.record()).map_err(|e| corrupt("tasks.doc", e))
}

fn task_payload(t: &StoredTask) -> serde_json::Value {
    serde_json::json!({
        "id": t.id,
        "version": t.version,
        "title": t.task.title(),
        "unit": t.task.unit(),
        "owner": t.task.owner(),
        "status": t.task.status(),
        "deadline": t.task.deadline(),
        "progress": t.task.progress(),
    })
}

fn campaign_id_of(task: &Task) -> Option<i64> {
    match task.source() {
        domain::tasks::TaskSource::InspectionFinding { campaign_id, .. } => {
            campaign_id.parse().ok()
        }
        _ => None,
    }
}

/// Inserts a task in the open transaction: reserves the id, gives it to the domain task and
/// writes the document. Evaluates to the stored task.
macro_rules! insert_task {
    ($tx:expr, $build:expr, $now:expr) => {{
        let now: DateTime<Utc> = $now;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (unit_code, owner_id, assigner_id, status, deadline, created_at, \
             updated_at, version, doc) VALUES ('', '', '', 'open', 0, $1, $1, 1, '{}') RETURNING id",
        )
        .bind(to_millis(now))
        .fetch_one(&mut *$tx)
        .await?;
        let task: Task = ($build)(id.to_string())?;
        let campaign_id = campaign_id_of(&task);
        sqlx::query(
            "UPDATE tasks SET unit_code = $2, owner_id = $3, assigner_id = $4, status = $5, \
             deadline = $6, campaign_id = $7, doc = $8 WHERE id = $1",
        )
        .bind(id)
        .bind(task.unit())
        .bind(&task.owner().user_id)
        .bind(&task.assigner().user_id)
        .bind(task.status().code())
        .bind(to_millis(task.deadline()))
        .bind(campaign_id)
        .bind(task_doc(&task)?)
        .execute(&mut *$tx)
        .await?;
        StoredTask {
            id,
            task,
            version: 1,
            campaign_id,
            overdue_notified_at: None,
            updated_at: now,
        }
    }};
}

/// Writes a changed task in the open transaction, only if it is still at `$stored.version`;
/// evaluates to the new stored task or returns a conflict.
macro_rules! write_task {
    ($tx:expr, $stored:expr, $task:expr, $now:expr) => {{
        let stored: &StoredTask = $stored;
        let task: Task = $task;
        let now: DateTime<Utc> = $now;
        // A moved deadline may become overdue again: publish it again then.
        let overdue_notified_at = if task.deadline() == stored.task.deadline() {
            stored.overdue_notified_at
        } else {
            None
        };
        let done = sqlx::query(
            "UPDATE tasks SET unit_code = $3, owner_id = $4, status = $5, deadline = $6, \
             overdue_notified_at = $7, updated_at = $8, version = version + 1, doc = $9 \
             WHERE id = $1 AND version = $2",
        )
        .bind(stored.id)
        .bind(stored.version)
        .bind(task.unit())
        .bind(&task.owner().user_id)
        .bind(task.status().code())
        .bind(to_millis(task.deadline()))
        .bind(overdue_notified_at.map(to_millis))
        .bind(to_millis(now))
        .bind(task_doc(&task)?)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "task {} was changed by someone else",
                stored.id
            ))
            .into());
        }
        StoredTask {
            id: stored.id,
            task,
            version: stored.version + 1,
            campaign_id: stored.campaign_id,
            overdue_notified_at,
            updated_at: now,
        }
    }};
}

macro_rules! fetch_task {
    ($exec:expr, $id:expr) => {{
        let row = sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
            .bind($id)
            .fetch_optional($exec)
            .await?;
        match row {
            Some(row) => task_from_row(&row)?,
            None => return Err(not_found("task", $id)),
        }
    }};
}

impl Store {
    /// Creates a task (the id in `new` is replaced by the store's). The domain checks the
    /// policy's required attributes and that the deadline is after `now`.
    pub async fn create_task(
        &self,
        new: &NewTask,
        policy: &TaskPolicy,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredTask> {
        // Check before touching the database, so that a refused task writes nothing.
        Task::create(
            NewTask {
                id: "0".into(),
                ..new.clone()
            },
            policy,
            now,
        )?;
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let stored = insert_task!(
                tx,
                |id: String| -> AccResult<Task> {
                    Ok(Task::create(NewTask { id, ..new.clone() }, policy, now)?)
                },
                now
            );
            let entry = AuditEntry {
                action: "task.create".into(),
                object_type: "task".into(),
                object_id: stored.id.to_string(),
                unit_code: Some(stored.task.unit().to_owned()),
                summary: serde_json::json!({"after": task_payload(&stored)}),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "task.created",
                Some(stored.task.unit().to_owned()),
                vec![],
                task_payload(&stored),
                now
            );
            tx.commit().await?;
            (stored, change)
        });
        self.publish(change);
        Ok(stored)
    }

    /// One task.
    pub async fn task(&self, id: i64) -> AccResult<StoredTask> {
        Ok(on_read!(self, |pool| { fetch_task!(pool, id) }))
    }

    /// Tasks matching `filter`, by deadline then id. Overdue is judged at `now`.
    pub async fn list_tasks(
        &self,
        filter: &TaskFilter,
        now: DateTime<Utc>,
    ) -> AccResult<Vec<StoredTask>> {
        let limit = if filter.limit <= 0 {
            1000
        } else {
            filter.limit.min(5000)
        };
        let overdue: Option<i64> = filter.overdue.map(i64::from);
        let rows = on_read!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks \
                 WHERE ($1 IS NULL OR unit_code = $1) AND ($2 IS NULL OR owner_id = $2) \
                 AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR campaign_id = $4) \
                 AND ($5 IS NULL OR ($5 = 1) = (status IN ('open', 'in_progress') AND deadline < $6)) \
                 ORDER BY deadline, id LIMIT $7"
            ))
            .bind(&filter.unit)
            .bind(&filter.owner)
            .bind(filter.status.map(TaskStatus::code))
            .bind(filter.campaign_id)
            .bind(overdue)
            .bind(to_millis(now))
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(task_from_row)
            .collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }

    /// Applies `change` to a task and stores it, only if the task is still at the version it
    /// was read at (and at `expected_version` when the client sent one). `action` names the
    /// audit action (`task.progress`, `task.complete`, …).
    pub async fn update_task<F>(
        &self,
        id: i64,
        expected_version: Option<i64>,
        action: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        change: F,
    ) -> AccResult<StoredTask>
    where
        F: FnOnce(&mut Task) -> std::result::Result<(), TaskError>,
    {
        let (stored, feed) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = fetch_task!(&mut *tx, id);
            check_version("task", id, expected_version, before.version)?;
            let mut task = before.task.clone();
            change(&mut task)?;
            let after = write_task!(tx, &before, task, now);
            let entry = AuditEntry {
                action: action.to_owned(),
                object_type: "task".into(),
                object_id: id.to_string(),
                unit_code: Some(after.task.unit().to_owned()),
                summary: serde_json::json!({
                    "before": task_payload(&before), "after": task_payload(&after)
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let mut shared = vec![];
            if before.task.unit() != after.task.unit() {
                shared.push(before.task.unit().to_owned());
            }
            let feed = insert_change!(
                self,
                tx,
                "task.updated",
                Some(after.task.unit().to_owned()),
                shared,
                task_payload(&after),
                now
            );
            tx.commit().await?;
            (after, feed)
        });
        self.publish(feed);
        Ok(stored)
    }

    /// Publishes `task.overdue` once for every active task whose deadline passed before
    /// `now` and that was not yet flagged for its current deadline. The flag is set with a
    /// conditional update, so several nodes running this together publish each task once.
    /// Returns the changes published.
    pub async fn flag_overdue_tasks(&self, now: DateTime<Utc>) -> AccResult<Vec<Change>> {
        let due = on_read!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE status IN ('open', 'in_progress') \
                 AND deadline < $1 AND overdue_notified_at IS NULL ORDER BY deadline, id LIMIT 500"
            ))
            .bind(to_millis(now))
            .fetch_all(pool)
            .await?
            .iter()
            .map(task_from_row)
            .collect::<Result<Vec<_>>>()?
        });
        let actor = Actor::system("overdue-watch");
        let mut published = Vec::new();
        for t in due {
            let change = on_write!(self, |pool| {
                let mut tx = pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE tasks SET overdue_notified_at = $3 WHERE id = $1 AND deadline = $2 \
                     AND overdue_notified_at IS NULL AND status IN ('open', 'in_progress')",
                )
                .bind(t.id)
                .bind(to_millis(t.task.deadline()))
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    // Another node flagged it, or it changed meanwhile.
                    continue;
                }
                let entry = AuditEntry {
                    action: "task.overdue".into(),
                    object_type: "task".into(),
                    object_id: t.id.to_string(),
                    unit_code: Some(t.task.unit().to_owned()),
                    summary: serde_json::json!({"deadline": t.task.deadline()}),
                };
                insert_audit!(tx, &actor, &entry, now);
                let mut payload = task_payload(&t);
                payload["overdue_since"] = serde_json::json!(t.task.deadline());
                let change = insert_change!(
                    self,
                    tx,
                    "task.overdue",
                    Some(t.task.unit().to_owned()),
                    vec![],
                    payload,
                    now
                );
                tx.commit().await?;
                change
            });
            self.publish(change.clone());
            published.push(change);
        }
        Ok(published)
    }

    // -----------------------------------------------------------------------------------------
    // Unit chiefs
    // -----------------------------------------------------------------------------------------

    /// Records `user_id` as the chief of `unit_code` (replacing any earlier chief).
    pub async fn set_unit_chief(
        &self,
        unit_code: &str,
        user_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<()> {
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(not_found("user", user_id));
            }
            sqlx::query(
                "INSERT INTO unit_chiefs (unit_code, user_id, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (unit_code) DO UPDATE SET user_id = $2, updated_at = $3",
            )
            .bind(unit_code)
            .bind(user_id)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                action: "unit.chief".into(),
                object_type: "unit".into(),
                object_id: unit_code.to_owned(),
                unit_code: Some(unit_code.to_owned()),
                summary: serde_json::json!({"chief_user_id": user_id}),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every unit's chief: `(unit code, user id)`, by unit code.
    pub async fn unit_chiefs(&self) -> AccResult<Vec<(String, i64)>> {
        Ok(on_read!(self, |pool| {
            sqlx::query("SELECT unit_code, user_id FROM unit_chiefs ORDER BY unit_code")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("unit_code")?, r.try_get("user_id")?)))
                .collect::<Result<Vec<_>>>()?
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCampaign {
    /// Numeric id (the campaign's `id` is its decimal form).
    pub id: i64,
    /// The domain document.
    pub campaign: Campaign,
    /// Version, incremented by every update.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const CAMPAIGN_COLUMNS: &str = "id, version, created_at, updated_at, doc";

fn campaign_from_row<R: Row>(row: &R) -> Result<StoredCampaign>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let doc: String = row.try_get("doc")?;
    Ok(StoredCampaign {
        id: row.try_get("id")?,
        campaign: serde_json::from_str(&doc).map_err(|e| corrupt("campaigns.doc", e))?,
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

fn campaign_status(c: &Campaign) -> &'static str {
    match c.status() {
        domain::inspection::CampaignStatus::Planning => "planning",
        domain::inspection::CampaignStatus::Active => "active",
        domain::inspection::CampaignStatus::Closed => "closed",
    }
}

fn campaign_payload(c: &StoredCampaign) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "version": c.version,
        "title": c.campaign.title(),
        "status": c.campaign.status(),
    })
}

macro_rules! fetch_campaign {
    ($exec:expr, $id:expr) => {{
        let row = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"
        ))
        .bind($id)
        .fetch_optional($exec)
        .await?;
        match row {
            Some(row) => campaign_from_row(&row)?,
            None => return Err(not_found("campaign", $id)),
        }
    }};
}

/// Writes a changed campaign only if it is still at `$before.version`.
macro_rules! write_campaign {
    ($tx:expr, $before:expr, $campaign:expr, $now:expr) => {{
        let before: &StoredCampaign = $before;
        let campaign: Campaign = $campaign;
        let now: DateTime<Utc> = $now;
        let doc = serde_json::to_string(&campaign).map_err(|e| corrupt("campaigns.doc", e))?;
        let done = sqlx::query(
            "UPDATE campaigns SET title = $3, status = $4, updated_at = $5, \
             version = version + 1, doc = $6 WHERE id = $1 AND version = $2",
        )
        .bind(before.id)
        .bind(before.version)
        .bind(campaign.title())
        .bind(campaign_status(&campaign))
        .bind(to_millis(now))
        .bind(doc)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "campaign {} was changed by someone else",
                before.id
            ))
            .into());
        }
        StoredCampaign {
            id: before.id,
            campaign,
            version: before.version + 1,
            created_at: before.created_at,
            updated_at: now,
        }
    }};
}

/// What a recommendation needs besides the task id the store chooses.
#[derive(Debug, Clone)]
pub struct Recommend {
    /// What the unit must do.
    pub text: String,
    /// Owner in the inspected unit.
    pub owner: PersonRef,
    /// Who assigns it (usually the group leader or the inspector recording it).
    pub assigner: PersonRef,
    /// Remediation deadline.
    pub deadline: DateTime<Utc>,
}

impl Store {
    /// Creates a campaign in planning with the default checklist.
    pub async fn create_campaign(
        &self,
        title: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCampaign> {
        Campaign::new("0", title, now)?;
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO campaigns (title, status, created_at, updated_at, version, doc) \
                 VALUES ($1, 'planning', $2, $2, 1, '{}') RETURNING id",
            )
            .bind(title)
            .bind(to_millis(now))
            .fetch_one(&mut *tx)
            .await?;
            let campaign = Campaign::new(&id.to_string(), title, now)?;
            let doc = serde_json::to_string(&campaign).map_err(|e| corrupt("campaigns.doc", e))?;
            sqlx::query("UPDATE campaigns SET doc = $2 WHERE id = $1")
                .bind(id)
                .bind(doc)
                .execute(&mut *tx)
                .await?;
            let stored = StoredCampaign {
                id,
                campaign,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let entry = AuditEntry {
                action: "campaign.create".into(),
                object_type: "campaign".into(),
                object_id: id.to_string(),
                unit_code: None,
                summary: serde_json::json!({"after": campaign_payload(&stored)}),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "campaign.created",
                None,
                vec![],
                campaign_payload(&stored),
                now
            );
            tx.commit().await?;
            (stored, change)
        });
        self.publish(change);
        Ok(stored)
    }

    /// One campaign.
    pub async fn campaign(&self, id: i64) -> AccResult<StoredCampaign> {
        Ok(on_read!(self, |pool| { fetch_campaign!(pool, id) }))
    }

    /// Every campaign, newest first.
    pub async fn list_campaigns(&self) -> AccResult<Vec<StoredCampaign>> {
        Ok(on_read!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY id DESC LIMIT 1000"
            ))
            .fetch_all(pool)
            .await?
            .iter()
            .map(campaign_from_row)
            .collect::<Result<Vec<_>>>()?
        }))
    }

    /// Applies `change` to a campaign and stores it, only if the campaign is still at the
    /// version it was read at (and at `expected_version` when given). Returns the stored
    /// campaign and what `change` returned.
    pub async fn update_campaign<F, R>(
        &self,
        id: i64,
        expected_version: Option<i64>,
        action: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        change: F,
    ) -> AccResult<(StoredCampaign, R)>
    where
        F: FnOnce(&mut Campaign) -> std::result::Result<R, InspectionError>,
    {
        let (stored, out, feed) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = fetch_campaign!(&mut *tx, id);
            check_version("campaign", id, expected_version, before.version)?;
            let mut campaign = before.campaign.clone();
            let out = change(&mut campaign)?;
            let after = write_campaign!(tx, &before, campaign, now);
            let entry = AuditEntry {
                action: action.to_owned(),
                object_type: "campaign".into(),
                object_id: id.to_string(),
                unit_code: None,
                summary: serde_json::json!({"version": after.version, "status": after.campaign.status()}),
            };
            insert_audit!(tx, actor, &entry, now);
            let feed = insert_change!(
                self,
                tx,
                "campaign.updated",
                None,
                vec![],
                campaign_payload(&after),
                now
            );
            tx.commit().await?;
            (after, out, feed)
        });
        self.publish(feed);
        Ok((stored, out))
    }

    /// Makes the recommendation for an open finding: the campaign document records it and the
    /// task that carries it out is created as a real task row, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn recommend_finding(
        &self,
        campaign_id: i64,
        finding_id: u32,
        rec: &Recommend,
        policy: &TaskPolicy,
        expected_version: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<(StoredCampaign, StoredTask)> {
        let (campaign, task, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = fetch_campaign!(&mut *tx, campaign_id);
            check_version("campaign", campaign_id, expected_version, before.version)?;
            let mut campaign = before.campaign.clone();
            let task = insert_task!(
                tx,
                |task_id: String| -> AccResult<Task> {
                    Ok(campaign.recommend(
                        finding_id,
                        RecommendationInput {
                            task_id,
                            text: rec.text.clone(),
                            owner: rec.owner.clone(),
                            assigner: rec.assigner.clone(),
                            deadline: rec.deadline,
                        },
                        policy,
                        now,
                    )?)
                },
                now
            );
            let after = write_campaign!(tx, &before, campaign, now);
            let entry = AuditEntry {
                action: "campaign.recommend".into(),
                object_type: "campaign".into(),
                object_id: campaign_id.to_string(),
                unit_code: Some(task.task.unit().to_owned()),
                summary: serde_json::json!({"finding": finding_id, "task": task.id}),
            };
            insert_audit!(tx, actor, &entry, now);
            let entry = AuditEntry {
                action: "task.create".into(),
                object_type: "task".into(),
                object_id: task.id.to_string(),
                unit_code: Some(task.task.unit().to_owned()),
                summary: serde_json::json!({"after": task_payload(&task)}),
            };
            insert_audit!(tx, actor, &entry, now);
            let c1 = insert_change!(
                self,
                tx,
                "campaign.updated",
                None,
                vec![],
                campaign_payload(&after),
                now
            );
            let c2 = insert_change!(
                self,
                tx,
                "task.created",
                Some(task.task.unit().to_owned()),
                vec![],
                task_payload(&task),
                now
            );
            tx.commit().await?;
            (after, task, [c1, c2])
        });
        for c in changes {
            self.publish(c);
        }
        Ok((campaign, task))
    }

    /// Closes a finding as remediated after checking, in the same transaction, that the
    /// finding's task is done.
    #[allow(clippy::too_many_arguments)]
    pub async fn verify_finding(
        &self,
        campaign_id: i64,
        finding_id: u32,
        by: &PersonRef,
        note: &str,
        expected_version: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCampaign> {
        let (campaign, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = fetch_campaign!(&mut *tx, campaign_id);
            check_version("campaign", campaign_id, expected_version, before.version)?;
            let task_id = before
                .campaign
                .finding(finding_id)
                .and_then(|f| f.recommendation.as_ref())
                .and_then(|r| r.task_id.parse::<i64>().ok());
            let mut campaign = before.campaign.clone();
            match task_id {
                Some(task_id) => {
                    let task = fetch_task!(&mut *tx, task_id);
                    campaign.verify_remediation(finding_id, &task.task, by.clone(), note, now)?;
                }
                None => {
                    // Let the domain say what is missing (unknown finding, no recommendation).
                    let placeholder = Task::create(
                        NewTask {
                            id: "-".into(),
                            title: "-".into(),
                            description: "-".into(),
                            owner: by.clone(),
                            unit: "-".into(),
                            assigner: by.clone(),
                            deadline: now + chrono::Duration::days(1),
                            expected_result: "-".into(),
                            source: domain::tasks::TaskSource::Other { note: "-".into() },
                        },
                        &TaskPolicy::default(),
                        now,
                    )?;
                    campaign.verify_remediation(finding_id, &placeholder, by.clone(), note, now)?;
                }
            }
            let after = write_campaign!(tx, &before, campaign, now);
            let entry = AuditEntry {
                action: "campaign.verify".into(),
                object_type: "campaign".into(),
                object_id: campaign_id.to_string(),
                unit_code: None,
                summary: serde_json::json!({"finding": finding_id, "note": note}),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "campaign.updated",
                None,
                vec![],
                campaign_payload(&after),
                now
            );
            tx.commit().await?;
            (after, change)
        });
        self.publish(change);
        Ok(campaign)
    }
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

/// A criminal case to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// Case number in the register (unique).
    pub case_ref: String,
    /// Unit code.
    pub unit: String,
    /// Penal Code article.
    pub article: u16,
    /// Clause of the applied bracket.
    pub clause: Option<u8>,
    /// Maximum penalty of the applied bracket (decides the severity class).
    pub bracket_max: MaxPenalty,
    /// Short description.
    pub summary: String,
    /// When it was discovered.
    pub discovered_at: DateTime<Utc>,
    /// When it was cleared, if it already is.
    pub solved_at: Option<DateTime<Utc>>,
    /// Where it stands (`prosecuted` when not given: a new case). A register taken over from
    /// elsewhere may start a case at any status.
    pub status: Option<CaseStatus>,
    /// Date of that status (the discovery date when not given).
    pub status_at: Option<DateTime<Utc>>,
    /// Number of suspects or accused, when known.
    pub suspects: Option<u32>,
}

/// Most suspects one case may name (a sanity bound, not a legal one).
pub const MAX_SUSPECTS: u32 = 10_000;

/// A new case as it is written: the checked record, its bracket as stored (JSON), its status
/// and the status's date.
struct CheckedCase {
    record: CaseRecord,
    bracket: String,
    status: CaseStatus,
    status_at: DateTime<Utc>,
}

impl NewCase {
    /// Checks the case as [`Store::create_case`] would, without writing it (an import checks
    /// every row before it writes any).
    pub fn check(&self, now: DateTime<Utc>) -> AccResult<()> {
        self.checked(now).map(|_| ())
    }

    /// The domain record after `CaseRecord::validate` and the status date checks (not before
    /// the discovery, not after `now`); a status that means "solved" sets `solved_at` when it
    /// is not given.
    fn checked(&self, now: DateTime<Utc>) -> AccResult<CheckedCase> {
        let status = self.status.unwrap_or(CaseStatus::Prosecuted);
        let status_at = self.status_at.unwrap_or(self.discovered_at);
        if let Some(n) = self.suspects.filter(|n| *n > MAX_SUSPECTS) {
            return Err(StatsError::Suspects {
                value: i64::from(n),
            }
            .into());
        }
        check_status_date(
            self.discovered_at,
            None,
            status_at,
            now.max(self.discovered_at),
        )?;
        let record = CaseRecord {
            id: self.case_ref.clone(),
            unit: self.unit.clone(),
            article: self.article,
            clause: self.clause,
            bracket_max: self.bracket_max,
            discovered_at: self.discovered_at,
            solved_at: solved_after(status, status_at, self.solved_at),
        };
        record.validate()?;
        let bracket = serde_json::to_string(&self.bracket_max)
            .map_err(|e| corrupt("cases.bracket_max", e))?;
        Ok(CheckedCase {
            record,
            bracket,
            status,
            status_at,
        })
    }
}

/// One status a case has had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseStatusEntry {
    /// The status.
    pub status: CaseStatus,
    /// Its date, as told.
    pub at: DateTime<Utc>,
    /// Number of the decision (quyết định), if any.
    pub decision_no: Option<String>,
    /// Free note.
    pub note: Option<String>,
    /// Who recorded it: the account id (`None` for the system)…
    pub actor_id: Option<i64>,
    /// …and name.
    pub actor_name: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A status change to record on a case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseStatusInput {
    /// The new status.
    pub status: CaseStatus,
    /// Its date (may be in the past).
    pub at: DateTime<Utc>,
    /// Number of the decision, if any.
    pub decision_no: Option<String>,
    /// Free note.
    pub note: Option<String>,
}

/// A case as stored, with its derived class and the crime group of its article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCase {
    /// Numeric id.
    pub id: i64,
    /// The record (its `id` is the case number).
    pub record: CaseRecord,
    /// Derived severity class.
    pub severity: Severity,
    /// Reporting group of the article under the current mapping.
    pub group: CrimeGroup,
    /// Short description.
    pub summary: String,
    /// The crime report it was opened on, if any.
    pub crime_report_id: Option<i64>,
    /// The incident that report came from, if any.
    pub incident_id: Option<i64>,
    /// Where the case stands.
    pub status: CaseStatus,
    /// Date of that status.
    pub status_at: DateTime<Utc>,
    /// Number of suspects or accused, when known.
    pub suspects: Option<u32>,
    /// Version.
    pub version: i64,
    /// Recorded at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Unit code.
    pub unit: Option<String>,
    /// Discovered at or after.
    pub from: Option<DateTime<Utc>>,
    /// Discovered before.
    pub to: Option<DateTime<Utc>>,
    /// Only solved (`true`) or unsolved (`false`) cases.
    pub solved: Option<bool>,
    /// Most rows (clamped to 1..=5000).
    pub limit: i64,
}

const CASE_COLUMNS: &str = "c.id, c.case_ref, c.unit_code, c.article, c.clause, c.bracket_max, \
     c.summary, c.discovered_at, c.solved_at, c.created_at, c.updated_at, c.version, \
     c.crime_report_id, c.incident_id, c.status, c.status_at, c.suspects, \
     COALESCE(g.grp, 'other') AS grp";

fn case_from_row<R: Row>(row: &R) -> Result<StoredCase>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let bracket: String = row.try_get("bracket_max")?;
    let bracket_max: MaxPenalty =
        serde_json::from_str(&bracket).map_err(|e| corrupt("cases.bracket_max", e))?;
    let article: i64 = row.try_get("article")?;
    let clause: Option<i64> = row.try_get("clause")?;
    let grp: String = row.try_get("grp")?;
    let status: String = row.try_get("status")?;
    let suspects: Option<i64> = row.try_get("suspects")?;
    let record = CaseRecord {
        id: row.try_get("case_ref")?,
        unit: row.try_get("unit_code")?,
        article: u16::try_from(article).map_err(|e| corrupt("cases.article", e))?,
        clause: clause.and_then(|c| u8::try_from(c).ok()),
        bracket_max,
        discovered_at: from_millis(row.try_get("discovered_at")?),
        solved_at: row.try_get::<Option<i64>, _>("solved_at")?.map(from_millis),
    };
    Ok(StoredCase {
        id: row.try_get("id")?,
        severity: record.severity(),
        group: grp
            .parse()
            .map_err(|e: String| corrupt("article_groups.grp", e))?,
        record,
        summary: row.try_get("summary")?,
        crime_report_id: row.try_get("crime_report_id")?,
        incident_id: row.try_get("incident_id")?,
        status: status
            .parse()
            .map_err(|e: String| corrupt("cases.status", e))?,
        status_at: from_millis(row.try_get("status_at")?),
        suspects: suspects
            .map(u32::try_from)
            .transpose()
            .map_err(|e| corrupt("cases.suspects", e))?,
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

fn case_payload(c: &StoredCase) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "case_ref": c.record.id,
        "unit": c.record.unit,
        "article": c.record.article,
        "severity": c.severity,
        "group": c.group,
        "discovered_at": c.record.discovered_at,
        "solved_at": c.record.solved_at,
        "status": c.status,
        "status_at": c.status_at,
        "suspects": c.suspects,
        "version": c.version,
    })
}

macro_rules! fetch_case {
    ($exec:expr, $id:expr) => {{
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM cases c LEFT JOIN article_groups g ON g.article = c.article \
             WHERE c.id = $1"
        ))
        .bind($id)
        .fetch_optional($exec)
        .await?;
        match row {
            Some(row) => case_from_row(&row)?,
            None => return Err(not_found("case", $id)),
        }
    }};
}

/// Appends one row to a case's status history.
macro_rules! insert_case_status {
    ($tx:expr, $case_id:expr, $status:expr, $at:expr, $decision:expr, $note:expr, $actor:expr, $now:expr) => {{
        let actor: &Actor = $actor;
        sqlx::query(
            "INSERT INTO case_status_history (case_id, status, at, decision_no, note, actor_id, \
             actor_name, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($case_id)
        .bind($status.code())
        .bind(to_millis($at))
        .bind($decision)
        .bind($note)
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(to_millis($now))
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Inserts checked cases (a few hundred at most) in the open transaction `$tx`, each with
/// its first status-history row, and evaluates to their ids in the order given.
macro_rules! insert_cases {
    ($tx:expr, $rows:expr, $actor:expr, $now:expr) => {{
        let rows: &[(CheckedCase, &NewCase)] = $rows;
        let actor: &Actor = $actor;
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM cases")
            .fetch_one(&mut *$tx)
            .await?;
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO cases (case_ref, unit_code, article, clause, bracket_max, severity, \
             summary, discovered_at, solved_at, created_at, updated_at, version, status, \
             status_at, suspects) ",
        );
        q.push_values(rows, |mut b, (c, new)| {
            b.push_bind(&c.record.id)
                .push_bind(&c.record.unit)
                .push_bind(i64::from(c.record.article))
                .push_bind(c.record.clause.map(i64::from))
                .push_bind(&c.bracket)
                .push_bind(c.record.severity().code())
                .push_bind(&new.summary)
                .push_bind(to_millis(c.record.discovered_at))
                .push_bind(c.record.solved_at.map(to_millis))
                .push_bind(to_millis($now))
                .push_bind(to_millis($now))
                .push_bind(1_i64)
                .push_bind(c.status.code())
                .push_bind(to_millis(c.status_at))
                .push_bind(new.suspects.map(i64::from));
        });
        q.build().execute(&mut *$tx).await?;
        // The new rows are those above the highest id seen before that do not have a
        // history yet (a concurrent writer's rows get theirs in their own transaction).
        sqlx::query(
            "INSERT INTO case_status_history (case_id, status, at, actor_id, actor_name, \
             recorded_at) SELECT c.id, c.status, c.status_at, $2, $3, $4 FROM cases c \
             WHERE c.id > $1 AND NOT EXISTS \
             (SELECT 1 FROM case_status_history h WHERE h.case_id = c.id)",
        )
        .bind(before)
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(to_millis($now))
        .execute(&mut *$tx)
        .await?;
        let found: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, case_ref FROM cases WHERE id > $1")
                .bind(before)
                .fetch_all(&mut *$tx)
                .await?;
        let by_ref: std::collections::HashMap<String, i64> =
            found.into_iter().map(|(id, r)| (r, id)).collect();
        let mut ids = Vec::with_capacity(rows.len());
        for (c, _) in rows {
            match by_ref.get(&c.record.id) {
                Some(id) => ids.push(*id),
                None => {
                    return Err(corrupt(
                        "cases.id",
                        format!("case {} not found after insert", c.record.id),
                    )
                    .into())
                }
            }
        }
        ids
    }};
}

/// Cases per transaction of an import.
const CASE_CHUNK: usize = 500;

impl Store {
    /// Records a case after `CaseRecord::validate` (article in range, not solved before it was
    /// discovered) and the status checks of [`NewCase`], with its first status-history row. A
    /// taken case number is a conflict.
    pub async fn create_case(
        &self,
        new: &NewCase,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCase> {
        let rows = [(new.checked(now)?, new)];
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let ids = insert_cases!(tx, &rows, actor, now);
            let id = ids[0];
            let stored = fetch_case!(&mut *tx, id);
            let entry = AuditEntry {
                action: "case.create".into(),
                object_type: "case".into(),
                object_id: id.to_string(),
                unit_code: Some(stored.record.unit.clone()),
                summary: serde_json::json!({"after": case_payload(&stored)}),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "case.created",
                Some(stored.record.unit.clone()),
                vec![],
                case_payload(&stored),
                now
            );
            tx.commit().await?;
            (stored, change)
        });
        self.publish(change);
        Ok(stored)
    }

    /// Records many past cases in one transaction (a previous system's register taken over
    /// at go-live), each validated as in [`Store::create_case`], with one audit row for the
    /// batch and no live-feed rows. A taken case number rolls the batch back.
    pub async fn import_cases(
        &self,
        batch: &[NewCase],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let rows = batch
            .iter()
            .map(|new| Ok((new.checked(now)?, new)))
            .collect::<AccResult<Vec<_>>>()?;
        let entry = AuditEntry {
            action: "case.import".into(),
            object_type: "case".into(),
            object_id: format!("{}..{}", batch[0].case_ref, batch[batch.len() - 1].case_ref),
            unit_code: None,
            summary: serde_json::json!({"count": batch.len()}),
        };
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(CASE_CHUNK) {
                insert_cases!(tx, chunk, actor, now);
            }
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// One transaction of a case import fed through a [`crate::BulkImport`]: the rows, their
    /// history rows and one audit row; the ids in row order.
    async fn import_case_chunk(
        &self,
        chunk: &[NewCase],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<Vec<i64>> {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            return Ok(Vec::new());
        };
        let rows = chunk
            .iter()
            .map(|new| Ok((new.checked(now)?, new)))
            .collect::<AccResult<Vec<_>>>()?;
        let entry = AuditEntry {
            action: "case.import".into(),
            object_type: "case".into(),
            object_id: format!("{}..{}", first.case_ref, last.case_ref),
            unit_code: None,
            summary: serde_json::json!({"count": chunk.len()}),
        };
        Ok(on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let ids = insert_cases!(tx, &rows, actor, now);
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            ids
        }))
    }

    /// Which of these case numbers are stored already.
    pub async fn existing_case_refs(&self, refs: &[String]) -> AccResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in refs.chunks(500) {
            let sql = format!(
                "SELECT case_ref FROM cases WHERE case_ref IN ({})",
                (1..=chunk.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut part: Vec<String> = on_read!(self, |pool| {
                let mut q = sqlx::query_scalar(&sql);
                for r in chunk {
                    q = q.bind(r);
                }
                q.fetch_all(pool).await?
            });
            found.append(&mut part);
        }
        Ok(found)
    }

    /// Moves a case to another status (the domain's [`change_status`] decides whether it may
    /// and what its solved date becomes), only if it is still at the version read; appends the
    /// change to its history.
    pub async fn change_case_status(
        &self,
        id: i64,
        input: &CaseStatusInput,
        expected_version: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCase> {
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = fetch_case!(&mut *tx, id);
            check_version("case", id, expected_version, before.version)?;
            let next = change_status(
                &CaseStanding {
                    status: before.status,
                    status_at: before.status_at,
                    discovered_at: before.record.discovered_at,
                    solved_at: before.record.solved_at,
                },
                input.status,
                input.at,
                now,
            )?;
            let done = sqlx::query(
                "UPDATE cases SET status = $3, status_at = $4, solved_at = $5, updated_at = $6, \
                 version = version + 1 WHERE id = $1 AND version = $2",
            )
            .bind(id)
            .bind(before.version)
            .bind(next.status.code())
            .bind(to_millis(next.status_at))
            .bind(next.solved_at.map(to_millis))
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(
                    StoreError::Conflict(format!("case {id} was changed meanwhile")).into(),
                );
            }
            insert_case_status!(
                tx,
                id,
                next.status,
                next.status_at,
                &input.decision_no,
                &input.note,
                actor,
                now
            );
            let after = fetch_case!(&mut *tx, id);
            let entry = AuditEntry {
                action: "case.status".into(),
                object_type: "case".into(),
                object_id: id.to_string(),
                unit_code: Some(after.record.unit.clone()),
                summary: serde_json::json!({
                    "before": {"status": before.status, "status_at": before.status_at,
                               "solved_at": before.record.solved_at},
                    "after": {"status": after.status, "status_at": after.status_at,
                              "solved_at": after.record.solved_at},
                    "decision_no": input.decision_no,
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "case.updated",
                Some(after.record.unit.clone()),
                vec![],
                case_payload(&after),
                now
            );
            tx.commit().await?;
            (after, change)
        });
        self.publish(change);
        Ok(stored)
    }

    /// Every status a case has had, oldest first.
    pub async fn case_status_history(&self, id: i64) -> AccResult<Vec<CaseStatusEntry>> {
        Ok(on_read!(self, |pool| {
            sqlx::query(
                "SELECT status, at, decision_no, note, actor_id, actor_name, recorded_at \
                 FROM case_status_history WHERE case_id = $1 ORDER BY at, id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(CaseStatusEntry {
                    status: status
                        .parse()
                        .map_err(|e: String| corrupt("case_status_history.status", e))?,
                    at: from_millis(r.try_get("at")?),
                    decision_no: r.try_get("decision_no")?,
                    note: r.try_get("note")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    recorded_at: from_millis(r.try_get("recorded_at")?),
                })
            })
            .collect::<Result<Vec<_>>>()?
        }))
    }

    /// One case.
    pub async fn case(&self, id: i64) -> AccResult<StoredCase> {
        Ok(on_read!(self, |pool| { fetch_case!(pool, id) }))
    }

    /// Cases matching `filter`, newest discovery first.
    pub async fn list_cases(&self, filter: &CaseFilter) -> AccResult<Vec<StoredCase>> {
        let limit = if filter.limit <= 0 {
            1000
        } else {
            filter.limit.min(5000)
        };
        Ok(on_read!(self, |pool| {
            sqlx::query(&format!(
                "SELECT {CASE_COLUMNS} FROM cases c LEFT JOIN article_groups g ON g.article = c.article \
                 WHERE ($1 IS NULL OR c.unit_code = $1) AND ($2 IS NULL OR c.discovered_at >= $2) \
                 AND ($3 IS NULL OR c.discovered_at < $3) \
                 AND ($4 IS NULL OR ($4 = 1) = (c.solved_at IS NOT NULL)) \
                 ORDER BY c.discovered_at DESC, c.id DESC LIMIT $5"
            ))
            .bind(&filter.unit)
            .bind(filter.from.map(to_millis))
            .bind(filter.to.map(to_millis))
            .bind(filter.solved.map(i64::from))
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(case_from_row)
            .collect::<Result<Vec<_>>>()?
        }))
    }

    /// How many cases `filter` finds, and how many of them are solved, without its row limit:
    /// the totals a clearance rate is computed from.
    pub async fn count_cases(&self, filter: &CaseFilter) -> AccResult<(i64, i64)> {
        Ok(on_read!(self, |pool| {
            let row = sqlx::query(
                "SELECT COUNT(*) AS total, \
                 COALESCE(SUM(CASE WHEN c.solved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS solved \
                 FROM cases c WHERE ($1 IS NULL OR c.unit_code = $1) \
                 AND ($2 IS NULL OR c.discovered_at >= $2) AND ($3 IS NULL OR c.discovered_at < $3) \
                 AND ($4 IS NULL OR ($4 = 1) = (c.solved_at IS NOT NULL))",
            )
            .bind(&filter.unit)
            .bind(filter.from.map(to_millis))
            .bind(filter.to.map(to_millis))
            .bind(filter.solved.map(i64::from))
            .fetch_one(pool)
            .await?;
            (row.try_get("total")?, row.try_get("solved")?)
        }))
    }

    /// Marks a case solved at `solved_at` (or un-marks it with `None`), only if it is still at
    /// the version read (and at `expected_version` when given).
    pub async fn set_case_solved(
        &self,
        id: i64,
        solved_at: Option<DateTime<Utc>>,
        expected_version: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<StoredCase> {
        let (stored, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = fetch_case!(&mut *tx, id);
            check_version("case", id, expected_version, before.version)?;
            if solved_at.is_none() && before.status.marks_solved() {
                return Err(StatsError::CaseTransition {
                    from: before.status.code(),
                    to: "unsolved",
                }
                .into());
            }
            let mut record = before.record.clone();
            record.solved_at = solved_at;
            record.validate()?;
            let done = sqlx::query(
                "UPDATE cases SET solved_at = $3, updated_at = $4, version = version + 1 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(id)
            .bind(before.version)
            .bind(solved_at.map(to_millis))
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(
                    StoreError::Conflict(format!("case {id} was changed meanwhile")).into(),
                );
            }
            let after = fetch_case!(&mut *tx, id);
            let entry = AuditEntry {
                action: "case.solved".into(),
                object_type: "case".into(),
                object_id: id.to_string(),
                unit_code: Some(after.record.unit.clone()),
                summary: serde_json::json!({
                    "before": before.record.solved_at, "after": after.record.solved_at
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = insert_change!(
                self,
                tx,
                "case.updated",
                Some(after.record.unit.clone()),
                vec![],
                case_payload(&after),
                now
            );
            tx.commit().await?;
            (after, change)
        });
        self.publish(change);
        Ok(stored)
    }

    /// The article → crime-group mapping the statistics use.
    pub async fn article_map(&self) -> AccResult<CategoryMap> {
        let rows: Vec<(i64, String)> = on_read!(self, |pool| {
            sqlx::query("SELECT article, grp FROM article_groups ORDER BY article")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("article")?, r.try_get("grp")?)))
                .collect::<Result<Vec<_>>>()?
        });
        let mut map = CategoryMap::empty();
        for (article, grp) in rows {
            let group: CrimeGroup = grp
                .parse()
                .map_err(|e: String| corrupt("article_groups.grp", e))?;
            let a = u32::try_from(article).map_err(|e| corrupt("article_groups.article", e))?;
            map.set_range(a, a, group)?;
        }
        Ok(map)
    }

    /// Replaces the article → crime-group mapping.
    pub async fn set_article_map(
        &self,
        map: &CategoryMap,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AccResult<()> {
        let mut pairs: Vec<(i64, &'static str)> = Vec::new();
        for a in 1..=domain::stats::cases::MAX_ARTICLE {
            let g = map.group_of(a as u16);
            if g != CrimeGroup::Other {
                pairs.push((i64::from(a), g.code()));
            }
        }
        on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM article_groups")
                .execute(&mut *tx)
                .await?;
            for chunk in pairs.chunks(200) {
                let mut sql = String::from("INSERT INTO article_groups (article, grp) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                }
                let mut q = sqlx::query(&sql);
                for (a, g) in chunk {
                    q = q.bind(*a).bind(*g);
                }
                q.execute(&mut *tx).await?;
            }
            let entry = AuditEntry {
                action: "case.categories".into(),
                object_type: "article_groups".into(),
                object_id: "all".into(),
                unit_code: None,
                summary: serde_json::json!({"csv": map.to_csv()}),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
        });
        Ok(())
    }
}

impl crate::ImportRow for NewCase {
    const TABLE: (&'static str, &'static str) = ("cases", "case");

    async fn write_chunk(
        store: &Store,
        chunk: &[Self],
        _place: crate::ChunkPlace,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        store
            .import_case_chunk(chunk, actor, now)
            .await
            .map_err(|e| match e {
                AccountabilityError::Store(s) => s,
                // The rows were checked before the import began: a rule failing now means
                // something changed meanwhile.
                other => StoreError::Conflict(other.to_string()),
            })
    }
}
