//! Accountability tasks: "rõ người, rõ việc, rõ trách nhiệm, rõ tiến độ, rõ hiệu quả".
//!
//! A [`Task`] names a person who owns it and the unit responsible (rõ người), says what is to
//! be done and what result is expected (rõ việc), knows who assigned it and, through the
//! [`Org`] structure, the chain of responsibility above the owner (rõ trách nhiệm), has a
//! deadline and dated, append-only progress notes (rõ tiến độ), and can only be completed with
//! an actual outcome and evidence (rõ hiệu quả).
//!
//! Status is stored as [`TaskStatus`] (`open`, `in_progress`, `done`, `cancelled`); being
//! overdue is derived from the deadline and the `now` the caller passes, never stored. Every
//! transition is a method that checks its preconditions and returns a [`TaskError`] naming
//! what was wrong. Boards ([`board_for_unit`], [`board_for_person`], [`boards_by_unit`]) are
//! pure grouping and sorting: overdue first, then by deadline.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::report::{Cell, Column, Lang, Table};

mod org;
pub use org::{chain_of_responsibility, ChainLink, Org, OrgPerson, OrgUnit, Role};

/// Errors of tasks and of the organisation structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// A required text field is empty.
    #[error("task field {field} must not be empty")]
    Missing {
        /// Field name.
        field: &'static str,
    },
    /// The deadline is not after the creation time.
    #[error("deadline {deadline} is not after {created_at}")]
    DeadlineNotAfterCreation {
        /// Deadline given.
        deadline: DateTime<Utc>,
        /// Creation time.
        created_at: DateTime<Utc>,
    },
    /// A progress percentage above 100.
    #[error("progress {percent}% is above 100%")]
    ProgressAbove100 {
        /// Value given.
        percent: u8,
    },
    /// A transition not allowed from the current status.
    #[error("cannot {action} a task that is {from}")]
    InvalidTransition {
        /// Current status.
        from: TaskStatus,
        /// What was attempted ("complete", "start", …).
        action: &'static str,
    },
    /// A dated entry earlier than the latest one already recorded (history is append-only).
    #[error("entry dated {at} is earlier than the last entry ({last})")]
    OutOfOrder {
        /// Time given.
        at: DateTime<Utc>,
        /// Latest recorded time.
        last: DateTime<Utc>,
    },
    /// Completion without the evidence the policy requires.
    #[error("a task cannot be completed without evidence of the outcome")]
    EvidenceRequired,
    /// Only the assigner may change the deadline or reopen the task.
    #[error("only the assigner {assigner} may {action}; {by} may not")]
    NotAssigner {
        /// What was attempted.
        action: &'static str,
        /// Assigner's user id.
        assigner: String,
        /// Who tried.
        by: String,
    },
    /// A unit code the organisation does not know.
    #[error("unknown unit {code}")]
    UnknownUnit {
        /// The code.
        code: String,
    },
    /// A person the organisation does not know.
    #[error("unknown person {user_id}")]
    UnknownPerson {
        /// The user id.
        user_id: String,
    },
    /// The unit hierarchy loops.
    #[error("unit hierarchy has a cycle through {code}")]
    UnitCycle {
        /// A unit on the cycle.
        code: String,
    },
}

/// A named person: user id plus display name (rõ người).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRef {
    /// Stable user id.
    pub user_id: String,
    /// Name as shown, e.g. "Đại úy Nguyễn Văn A".
    pub display_name: String,
}

impl PersonRef {
    /// Builds a reference.
    pub fn new(user_id: &str, display_name: &str) -> Self {
        Self {
            user_id: user_id.to_owned(),
            display_name: display_name.to_owned(),
        }
    }
}

/// Stored status of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Assigned, not started.
    Open,
    /// Work has started (a progress note was recorded or the owner started it).
    InProgress,
    /// Completed with an outcome.
    Done,
    /// Cancelled with a reason.
    Cancelled,
}

impl TaskStatus {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the task still needs work.
    pub fn is_active(self) -> bool {
        matches!(self, TaskStatus::Open | TaskStatus::InProgress)
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The status a board shows, derived from the stored status, the deadline and `now`: the
/// five states of the accountability rules plus cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardStatus {
    /// Quá hạn chưa hoàn thành: active and past the deadline.
    Overdue,
    /// Chưa thực hiện.
    NotStarted,
    /// Đang thực hiện.
    InProgress,
    /// Hoàn thành đúng hạn.
    DoneOnTime,
    /// Hoàn thành quá hạn.
    DoneLate,
    /// Đã hủy.
    Cancelled,
}

impl BoardStatus {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            BoardStatus::Overdue => "Quá hạn chưa hoàn thành",
            BoardStatus::NotStarted => "Chưa thực hiện",
            BoardStatus::InProgress => "Đang thực hiện",
            BoardStatus::DoneOnTime => "Hoàn thành đúng hạn",
            BoardStatus::DoneLate => "Hoàn thành quá hạn",
            BoardStatus::Cancelled => "Đã hủy",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            BoardStatus::Overdue => "Overdue",
            BoardStatus::NotStarted => "Not started",
            BoardStatus::InProgress => "In progress",
            BoardStatus::DoneOnTime => "Done on time",
            BoardStatus::DoneLate => "Done late",
            BoardStatus::Cancelled => "Cancelled",
        }
    }
}

/// Where a task came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskSource {
    /// A leader's assignment, optionally citing a directive or meeting conclusion.
    LeaderAssignment {
        /// Reference of the directive (số văn bản), if any.
        reference: Option<String>,
    },
    /// A finding of an inspection campaign.
    InspectionFinding {
        /// Campaign id.
        campaign_id: String,
        /// Finding id within the campaign.
        finding_id: u32,
    },
    /// Anything else (e.g. a data-quality rule), described.
    Other {
        /// Description of the source.
        note: String,
    },
}

/// A dated progress note. Notes are append-only and in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressNote {
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub by: PersonRef,
    /// Progress after this note, 0–100.
    pub percent: u8,
    /// What was done.
    pub text: String,
}

/// A piece of evidence for the outcome (document, photo, record reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    /// What it shows.
    pub description: String,
    /// Where it is: document number, attachment id or URL.
    pub reference: String,
}

/// The actual outcome recorded at completion (rõ hiệu quả).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// What was achieved, compared with the expected result.
    pub text: String,
    /// Evidence of it.
    pub evidence: Vec<Evidence>,
    /// When the task was completed.
    pub completed_at: DateTime<Utc>,
    /// Who completed it.
    pub completed_by: PersonRef,
}

/// A deadline change, kept so that the original deadline stays visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineChange {
    /// When it changed.
    pub at: DateTime<Utc>,
    /// Who changed it (the assigner).
    pub by: PersonRef,
    /// Deadline before.
    pub from: DateTime<Utc>,
    /// Deadline after.
    pub to: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// Which attributes a task must have. The "5 rõ"/"6 rõ" variants differ, so this is
/// configurable; every requirement is on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPolicy {
    /// A description of the work (rõ việc).
    pub require_description: bool,
    /// An expected, checkable result (rõ hiệu quả).
    pub require_expected_result: bool,
    /// At least one piece of evidence to complete.
    pub require_evidence: bool,
}

impl Default for TaskPolicy {
    fn default() -> Self {
        Self {
            require_description: true,
            require_expected_result: true,
            require_evidence: true,
        }
    }
}

/// What the assigner provides to create a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTask {
    /// Id chosen by the store.
    pub id: String,
    /// Short title.
    pub title: String,
    /// What is to be done.
    pub description: String,
    /// The person who owns the task.
    pub owner: PersonRef,
    /// Code of the responsible unit.
    pub unit: String,
    /// Who assigned it.
    pub assigner: PersonRef,
    /// Deadline.
    pub deadline: DateTime<Utc>,
    /// The result expected, stated so that it can be checked.
    pub expected_result: String,
    /// Where the task came from.
    pub source: TaskSource,
}

/// An accountability task. Fields are private so that every change goes through a checked
/// method; serialisation goes through [`TaskRecord`], which is validated on the way in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TaskRecord", into = "TaskRecord")]
pub struct Task {
    r: TaskRecord,
}

/// The stored form of a [`Task`] (all fields public, for persistence). Turn it back into a
/// task with `Task::try_from`, which re-checks the invariants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner.
    pub owner: PersonRef,
    /// Responsible unit code.
    pub unit: String,
    /// Assigner.
    pub assigner: PersonRef,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Current deadline.
    pub deadline: DateTime<Utc>,
    /// Deadline history.
    pub deadline_changes: Vec<DeadlineChange>,
    /// Stored status.
    pub status: TaskStatus,
    /// Current progress, 0–100.
    pub progress: u8,
    /// Progress notes, oldest first.
    pub notes: Vec<ProgressNote>,
    /// Expected result.
    pub expected_result: String,
    /// Outcome, once done.
    pub outcome: Option<Outcome>,
    /// Cancellation reason and time, once cancelled.
    pub cancellation: Option<(DateTime<Utc>, String)>,
    /// Source.
    pub source: TaskSource,
}

fn require(field: &'static str, value: &str) -> Result<(), TaskError> {
    if value.trim().is_empty() {
        Err(TaskError::Missing { field })
    } else {
        Ok(())
    }
}

impl TryFrom<TaskRecord> for Task {
    type Error = TaskError;
    fn try_from(r: TaskRecord) -> Result<Self, TaskError> {
        require("id", &r.id)?;
        require("title", &r.title)?;
        require("owner.user_id", &r.owner.user_id)?;
        require("unit", &r.unit)?;
        require("assigner.user_id", &r.assigner.user_id)?;
        if r.progress > 100 {
            return Err(TaskError::ProgressAbove100 {
                percent: r.progress,
            });
        }
        let mut last = r.created_at;
        for n in &r.notes {
            if n.percent > 100 {
                return Err(TaskError::ProgressAbove100 { percent: n.percent });
            }
            if n.at < last {
                return Err(TaskError::OutOfOrder { at: n.at, last });
            }
            last = n.at;
        }
        match (r.status, &r.outcome, &r.cancellation) {
            (TaskStatus::Done, Some(_), None)
            | (TaskStatus::Cancelled, None, Some(_))
            | (TaskStatus::Open | TaskStatus::InProgress, None, None) => Ok(Task { r }),
            (from, _, _) => Err(TaskError::InvalidTransition {
                from,
                action: "restore",
            }),
        }
    }
}

impl From<Task> for TaskRecord {
    fn from(t: Task) -> Self {
        t.r
    }
}

impl Task {
    /// Creates an open task, checking the policy's required attributes and that the deadline
    /// is after `now`.
    pub fn create(
        new: NewTask,
        policy: &TaskPolicy,
        now: DateTime<Utc>,
    ) -> Result<Self, TaskError> {
        require("id", &new.id)?;
        require("title", &new.title)?;
        require("owner.user_id", &new.owner.user_id)?;
        require("owner.display_name", &new.owner.display_name)?;
        require("unit", &new.unit)?;
        require("assigner.user_id", &new.assigner.user_id)?;
        if policy.require_description {
            require("description", &new.description)?;
        }
        if policy.require_expected_result {
            require("expected_result", &new.expected_result)?;
        }
        if new.deadline <= now {
            return Err(TaskError::DeadlineNotAfterCreation {
                deadline: new.deadline,
                created_at: now,
            });
        }
        Ok(Task {
            r: TaskRecord {
                id: new.id,
                title: new.title,
                description: new.description,
                owner: new.owner,
                unit: new.unit,
                assigner: new.assigner,
                created_at: now,
                deadline: new.deadline,
                deadline_changes: Vec::new(),
                status: TaskStatus::Open,
                progress: 0,
                notes: Vec::new(),
                expected_result: new.expected_result,
                outcome: None,
                cancellation: None,
                source: new.source,
            },
        })
    }

    /// The stored form.
    pub fn record(&self) -> &TaskRecord {
        &self.r
    }

    /// Id.
    pub fn id(&self) -> &str {
        &self.r.id
    }

    /// Title.
    pub fn title(&self) -> &str {
        &self.r.title
    }

    /// Owner.
    pub fn owner(&self) -> &PersonRef {
        &self.r.owner
    }

    /// Assigner.
    pub fn assigner(&self) -> &PersonRef {
        &self.r.assigner
    }

    /// Responsible unit code.
    pub fn unit(&self) -> &str {
        &self.r.unit
    }

    /// Current deadline.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.r.deadline
    }

    /// The deadline first set.
    pub fn original_deadline(&self) -> DateTime<Utc> {
        self.r
            .deadline_changes
            .first()
            .map_or(self.r.deadline, |c| c.from)
    }

    /// Stored status.
    pub fn status(&self) -> TaskStatus {
        self.r.status
    }

    /// Progress, 0–100.
    pub fn progress(&self) -> u8 {
        self.r.progress
    }

    /// Progress notes, oldest first.
    pub fn notes(&self) -> &[ProgressNote] {
        &self.r.notes
    }

    /// Outcome, once done.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.r.outcome.as_ref()
    }

    /// Source.
    pub fn source(&self) -> &TaskSource {
        &self.r.source
    }

    /// Whether the task is active and past its deadline at `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.r.status.is_active() && now > self.r.deadline
    }

    /// The status a board shows at `now`.
    pub fn board_status(&self, now: DateTime<Utc>) -> BoardStatus {
        match (&self.r.status, &self.r.outcome) {
            (TaskStatus::Cancelled, _) => BoardStatus::Cancelled,
            (TaskStatus::Done, Some(o)) if o.completed_at <= self.r.deadline => {
                BoardStatus::DoneOnTime
            }
            (TaskStatus::Done, _) => BoardStatus::DoneLate,
            _ if self.is_overdue(now) => BoardStatus::Overdue,
            (TaskStatus::Open, _) => BoardStatus::NotStarted,
            (TaskStatus::InProgress, _) => BoardStatus::InProgress,
        }
    }

    fn last_entry(&self) -> DateTime<Utc> {
        let mut last = self.r.created_at;
        if let Some(n) = self.r.notes.last() {
            last = last.max(n.at);
        }
        if let Some(c) = self.r.deadline_changes.last() {
            last = last.max(c.at);
        }
        if let Some(o) = &self.r.outcome {
            last = last.max(o.completed_at);
        }
        last
    }

    fn check_order(&self, at: DateTime<Utc>) -> Result<(), TaskError> {
        let last = self.last_entry();
        if at < last {
            Err(TaskError::OutOfOrder { at, last })
        } else {
            Ok(())
        }
    }

    fn check_active(&self, action: &'static str) -> Result<(), TaskError> {
        if self.r.status.is_active() {
            Ok(())
        } else {
            Err(TaskError::InvalidTransition {
                from: self.r.status,
                action,
            })
        }
    }

    /// Open → in progress, without a note.
    pub fn start(&mut self, now: DateTime<Utc>) -> Result<(), TaskError> {
        if self.r.status != TaskStatus::Open {
            return Err(TaskError::InvalidTransition {
                from: self.r.status,
                action: "start",
            });
        }
        self.check_order(now)?;
        self.r.status = TaskStatus::InProgress;
        Ok(())
    }

    /// Appends a progress note and sets the progress (0–100; it may go down when work has to
    /// be redone). An open task moves to in progress. Reaching 100 % does not complete the
    /// task: completion needs an outcome ([`Task::complete`]).
    pub fn add_progress(
        &mut self,
        by: PersonRef,
        percent: u8,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TaskError> {
        self.check_active("report progress on")?;
        if percent > 100 {
            return Err(TaskError::ProgressAbove100 { percent });
        }
        require("note", text)?;
        self.check_order(now)?;
        self.r.notes.push(ProgressNote {
            at: now,
            by,
            percent,
            text: text.to_owned(),
        });
        self.r.progress = percent;
        self.r.status = TaskStatus::InProgress;
        Ok(())
    }

    /// Completes the task with its actual outcome. Progress becomes 100 %.
    pub fn complete(
        &mut self,
        by: PersonRef,
        outcome: &str,
        evidence: Vec<Evidence>,
        policy: &TaskPolicy,
        now: DateTime<Utc>,
    ) -> Result<(), TaskError> {
        self.check_active("complete")?;
        require("outcome", outcome)?;
        let evidence: Vec<Evidence> = evidence
            .into_iter()
            .filter(|e| !e.reference.trim().is_empty() || !e.description.trim().is_empty())
            .collect();
        if policy.require_evidence && evidence.is_empty() {
            return Err(TaskError::EvidenceRequired);
        }
        self.check_order(now)?;
        self.r.outcome = Some(Outcome {
            text: outcome.to_owned(),
            evidence,
            completed_at: now,
            completed_by: by,
        });
        self.r.progress = 100;
        self.r.status = TaskStatus::Done;
        Ok(())
    }

    /// Cancels an active task, with a reason.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), TaskError> {
        self.check_active("cancel")?;
        require("reason", reason)?;
        self.check_order(now)?;
        self.r.cancellation = Some((now, reason.to_owned()));
        self.r.status = TaskStatus::Cancelled;
        Ok(())
    }

    /// Reopens a done task when its outcome is not accepted (e.g. an inspection group rejects
    /// the remediation). Only the assigner may do it; the outcome is kept in a note.
    pub fn reopen(
        &mut self,
        by: PersonRef,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TaskError> {
        if self.r.status != TaskStatus::Done {
            return Err(TaskError::InvalidTransition {
                from: self.r.status,
                action: "reopen",
            });
        }
        self.check_assigner(&by, "reopen the task")?;
        require("reason", reason)?;
        self.check_order(now)?;
        let previous = self.r.outcome.take().map(|o| o.text).unwrap_or_default();
        let percent = self.r.notes.last().map_or(0, |n| n.percent).min(99);
        self.r.notes.push(ProgressNote {
            at: now,
            by,
            percent,
            text: format!("Mở lại: {reason} (kết quả trước: {previous})"),
        });
        self.r.progress = percent;
        self.r.status = TaskStatus::InProgress;
        Ok(())
    }

    /// Moves the deadline. Only the assigner may; the original deadline stays in history.
    pub fn change_deadline(
        &mut self,
        by: PersonRef,
        new_deadline: DateTime<Utc>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TaskError> {
        self.check_active("change the deadline of")?;
        self.check_assigner(&by, "change the deadline")?;
        require("reason", reason)?;
        if new_deadline <= self.r.created_at {
            return Err(TaskError::DeadlineNotAfterCreation {
                deadline: new_deadline,
                created_at: self.r.created_at,
            });
        }
        self.check_order(now)?;
        self.r.deadline_changes.push(DeadlineChange {
            at: now,
            by,
            from: self.r.deadline,
            to: new_deadline,
            reason: reason.to_owned(),
        });
        self.r.deadline = new_deadline;
        Ok(())
    }

    fn check_assigner(&self, by: &PersonRef, action: &'static str) -> Result<(), TaskError> {
        if by.user_id == self.r.assigner.user_id {
            Ok(())
        } else {
            Err(TaskError::NotAssigner {
                action,
                assigner: self.r.assigner.user_id.clone(),
                by: by.user_id.clone(),
            })
        }
    }
}

/// Board order at `now`: active overdue tasks first, then other active tasks, then done and
/// cancelled; within each, by deadline, then id.
pub fn board_order(a: &Task, b: &Task, now: DateTime<Utc>) -> Ordering {
    let rank = |t: &Task| {
        if t.is_overdue(now) {
            0
        } else if t.status().is_active() {
            1
        } else {
            2
        }
    };
    rank(a)
        .cmp(&rank(b))
        .then(a.deadline().cmp(&b.deadline()))
        .then_with(|| a.id().cmp(b.id()))
}

fn sorted(mut v: Vec<&Task>, now: DateTime<Utc>) -> Vec<&Task> {
    v.sort_by(|a, b| board_order(a, b, now));
    v
}

/// Tasks of one unit, in board order. `include_closed` keeps done and cancelled tasks.
pub fn board_for_unit<'a>(
    tasks: &'a [Task],
    unit: &str,
    include_closed: bool,
    now: DateTime<Utc>,
) -> Vec<&'a Task> {
    sorted(
        tasks
            .iter()
            .filter(|t| t.unit() == unit && (include_closed || t.status().is_active()))
            .collect(),
        now,
    )
}

/// Tasks owned by one person, in board order.
pub fn board_for_person<'a>(
    tasks: &'a [Task],
    user_id: &str,
    include_closed: bool,
    now: DateTime<Utc>,
) -> Vec<&'a Task> {
    sorted(
        tasks
            .iter()
            .filter(|t| t.owner().user_id == user_id && (include_closed || t.status().is_active()))
            .collect(),
        now,
    )
}

/// Every unit's board, keyed by unit code.
pub fn boards_by_unit(
    tasks: &[Task],
    include_closed: bool,
    now: DateTime<Utc>,
) -> BTreeMap<String, Vec<&Task>> {
    let mut out: BTreeMap<String, Vec<&Task>> = BTreeMap::new();
    for t in tasks {
        if include_closed || t.status().is_active() {
            out.entry(t.unit().to_owned()).or_default().push(t);
        }
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| board_order(a, b, now));
    }
    out
}

/// Every owner's board, keyed by user id.
pub fn boards_by_person(
    tasks: &[Task],
    include_closed: bool,
    now: DateTime<Utc>,
) -> BTreeMap<String, Vec<&Task>> {
    let mut out: BTreeMap<String, Vec<&Task>> = BTreeMap::new();
    for t in tasks {
        if include_closed || t.status().is_active() {
            out.entry(t.owner().user_id.clone()).or_default().push(t);
        }
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| board_order(a, b, now));
    }
    out
}

/// Counts of a board by [`BoardStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardSummary {
    /// Quá hạn chưa hoàn thành.
    pub overdue: u64,
    /// Chưa thực hiện.
    pub not_started: u64,
    /// Đang thực hiện.
    pub in_progress: u64,
    /// Hoàn thành đúng hạn.
    pub done_on_time: u64,
    /// Hoàn thành quá hạn.
    pub done_late: u64,
    /// Đã hủy.
    pub cancelled: u64,
}

/// Summarises tasks by board status at `now`.
pub fn summarize<'a>(
    tasks: impl IntoIterator<Item = &'a Task>,
    now: DateTime<Utc>,
) -> BoardSummary {
    let mut s = BoardSummary::default();
    for t in tasks {
        match t.board_status(now) {
            BoardStatus::Overdue => s.overdue += 1,
            BoardStatus::NotStarted => s.not_started += 1,
            BoardStatus::InProgress => s.in_progress += 1,
            BoardStatus::DoneOnTime => s.done_on_time += 1,
            BoardStatus::DoneLate => s.done_late += 1,
            BoardStatus::Cancelled => s.cancelled += 1,
        }
    }
    s
}

/// A task list as a report table (for `/api/tasks?format=csv|xlsx`), times in Vietnam time.
pub fn tasks_table(
    tasks: &[&Task],
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<Table, crate::report::ReportError> {
    let mut t = Table::new(
        "Danh sách nhiệm vụ",
        "Tasks",
        vec![
            Column::new("id", "Mã", "Id"),
            Column::new("title", "Nhiệm vụ", "Task"),
            Column::new("unit", "Đơn vị", "Unit"),
            Column::new("owner", "Người thực hiện", "Owner"),
            Column::new("assigner", "Người giao", "Assigned by"),
            Column::new("deadline", "Thời hạn", "Deadline"),
            Column::new("status", "Trạng thái", "Status"),
            Column::new("progress", "Tiến độ (%)", "Progress (%)"),
            Column::new("expected_result", "Kết quả dự kiến", "Expected result"),
            Column::new("outcome", "Kết quả thực tế", "Actual outcome"),
        ],
    )?;
    let vn = crate::stats::period::vn_offset();
    for task in tasks {
        let status = task.board_status(now);
        t.push_row(vec![
            Cell::text(task.id()),
            Cell::text(task.title()),
            Cell::text(task.unit()),
            Cell::text(task.owner().display_name.clone()),
            Cell::text(task.assigner().display_name.clone()),
            Cell::text(
                task.deadline()
                    .with_timezone(&vn)
                    .format("%d/%m/%Y %H:%M")
                    .to_string(),
            ),
            Cell::text(match lang {
                Lang::Vi => status.label_vi(),
                Lang::En => status.label_en(),
            }),
            Cell::Int(i64::from(task.progress())),
            Cell::text(task.record().expected_result.clone()),
            task.outcome()
                .map_or(Cell::Empty, |o| Cell::text(o.text.clone())),
        ])?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests;
