//! Inspection campaigns (đợt kiểm tra): working groups led by named leaders visit the
//! commune/ward units assigned to them, judge each checklist item, record findings, turn each
//! finding's recommendation into an accountability [`Task`] with an owner and a deadline, and
//! follow up until every finding is remediated or explicitly accepted.
//!
//! Life of a [`Campaign`]:
//! 1. **Planning**: edit the checklist (the five default items can be renamed or removed and
//!    new ones added), add working groups, assign units (by hand or with
//!    [`balance_assignment`]).
//! 2. **Active** ([`Campaign::start`]): schedule visits, record each visit's verdicts
//!    ([`Campaign::record_visit`]; the checklist is locked from the first recorded visit), make
//!    recommendations that create tasks ([`Campaign::recommend`]), verify remediation against
//!    the completed task ([`Campaign::verify_remediation`]) or accept a finding as it is
//!    ([`Campaign::accept_finding`]).
//! 3. **Closed** ([`Campaign::close`]): only when no finding is open and no visit is still
//!    planned.
//!
//! [`Campaign::progress`] reports units visited and findings open, closed and overdue, per
//! group and per unit.

mod balance;

pub use balance::{balance_assignment, group_loads, UnitRef};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::report::{Cell, Column, Lang, ReportError, Table};
use crate::tasks::{NewTask, PersonRef, Task, TaskError, TaskPolicy, TaskSource, TaskStatus};

/// Errors of inspection campaigns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InspectionError {
    /// The operation needs another campaign status.
    #[error("campaign is {status:?}; cannot {action}")]
    WrongStatus {
        /// Current status.
        status: CampaignStatus,
        /// What was attempted.
        action: &'static str,
    },
    /// A required text is empty.
    #[error("{field} must not be empty")]
    Missing {
        /// Field name.
        field: &'static str,
    },
    /// The checklist cannot change once a visit has been recorded.
    #[error("the checklist is locked: visits have been recorded")]
    ChecklistLocked,
    /// Unknown checklist item.
    #[error("unknown checklist item {id}")]
    UnknownItem {
        /// Item id.
        id: u32,
    },
    /// Unknown working group.
    #[error("unknown working group {id}")]
    UnknownGroup {
        /// Group id.
        id: u32,
    },
    /// Unknown visit.
    #[error("unknown visit {id}")]
    UnknownVisit {
        /// Visit id.
        id: u32,
    },
    /// Unknown finding.
    #[error("unknown finding {id}")]
    UnknownFinding {
        /// Finding id.
        id: u32,
    },
    /// A unit is already assigned to another group.
    #[error("unit {unit} is already assigned to group {group}")]
    UnitTaken {
        /// Unit code.
        unit: String,
        /// Group holding it.
        group: u32,
    },
    /// A visit to a unit that is not assigned to the visiting group.
    #[error("unit {unit} is not assigned to group {group}")]
    UnitNotInGroup {
        /// Unit code.
        unit: String,
        /// Group id.
        group: u32,
    },
    /// The campaign cannot start: something is missing.
    #[error("campaign cannot start: {reason}")]
    NotReady {
        /// What is missing.
        reason: String,
    },
    /// A visit record that does not judge every checklist item exactly once.
    #[error("visit record must judge every checklist item once: missing {missing:?}, repeated {repeated:?}, unknown {unknown:?}")]
    IncompleteRecord {
        /// Items not judged.
        missing: Vec<u32>,
        /// Items judged twice.
        repeated: Vec<u32>,
        /// Ids not in the checklist.
        unknown: Vec<u32>,
    },
    /// A "not met" verdict without a description.
    #[error("item {item} is not met but has no description")]
    FindingWithoutNotes {
        /// Item id.
        item: u32,
    },
    /// The visit is not in the planned state.
    #[error("visit {id} is {status:?}")]
    VisitNotPlanned {
        /// Visit id.
        id: u32,
        /// Its status.
        status: VisitStatus,
    },
    /// The finding is already closed.
    #[error("finding {id} is already closed")]
    FindingClosed {
        /// Finding id.
        id: u32,
    },
    /// The finding already has a recommendation.
    #[error("finding {id} already has a recommendation (task {task_id})")]
    AlreadyRecommended {
        /// Finding id.
        id: u32,
        /// The task created for it.
        task_id: String,
    },
    /// Remediation verified against a task that is not the finding's, or not done.
    #[error("finding {id} cannot be verified: {reason}")]
    NotRemediated {
        /// Finding id.
        id: u32,
        /// Why.
        reason: String,
    },
    /// Closing with open findings or planned visits.
    #[error(
        "campaign cannot close: open findings {open_findings:?}, planned visits {planned_visits:?}"
    )]
    CannotClose {
        /// Findings neither remediated nor accepted.
        open_findings: Vec<u32>,
        /// Visits still planned.
        planned_visits: Vec<u32>,
    },
    /// The task for a recommendation could not be created.
    #[error("task for the recommendation: {0}")]
    Task(#[from] TaskError),
}

/// Campaign status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being prepared.
    Planning,
    /// Visits under way.
    Active,
    /// Finished.
    Closed,
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecklistItem {
    /// Id within the campaign.
    pub id: u32,
    /// Vietnamese title.
    pub title_vi: String,
    /// English title.
    pub title_en: String,
}

/// The default checklist: (Vietnamese, English).
pub const DEFAULT_CHECKLIST: [(&str, &str); 5] = [
    (
        "Quản lý cư trú và người nước ngoài",
        "Residence and foreigner management",
    ),
    ("Phòng, chống tội phạm", "Crime prevention"),
    (
        "Trật tự an toàn giao thông và trật tự đô thị",
        "Traffic and urban order",
    ),
    (
        "Cải cách hành chính và chuyển đổi số",
        "Administrative reform and digitalisation",
    ),
    (
        "Tác phong, thái độ phục vụ nhân dân",
        "Attitude of service to the people",
    ),
];

/// A working group (đoàn kiểm tra).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingGroup {
    /// Id within the campaign.
    pub id: u32,
    /// Name, e.g. "Đoàn số 3".
    pub name: String,
    /// The named leader (usually a deputy director).
    pub leader: PersonRef,
    /// Members.
    pub members: Vec<PersonRef>,
    /// Codes of the units assigned to the group.
    pub units: Vec<String>,
}

/// Verdict on one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Đạt.
    Met,
    /// Chưa đạt: produces a finding.
    NotMet,
}

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// Minor shortcoming.
    Low,
    /// Shortcoming (hạn chế).
    #[default]
    Medium,
    /// Serious shortcoming (tồn tại nghiêm trọng).
    High,
}

/// The group's judgement of one item during a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemResult {
    /// Checklist item.
    pub item_id: u32,
    /// Met or not.
    pub verdict: Verdict,
    /// Notes; required when not met (it becomes the finding's description).
    pub notes: String,
    /// Severity when not met.
    pub severity: FindingSeverity,
}

/// Visit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Scheduled.
    Planned,
    /// Recorded.
    Done,
    /// Called off.
    Cancelled,
}

/// A visit of a group to a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    /// Id within the campaign.
    pub id: u32,
    /// Visiting group.
    pub group_id: u32,
    /// Visited unit.
    pub unit: String,
    /// Date of the visit (Vietnam date).
    pub date: NaiveDate,
    /// Status.
    pub status: VisitStatus,
    /// Verdicts, once recorded.
    pub results: Vec<ItemResult>,
    /// Reference of the visit record (biên bản), once recorded.
    pub record_ref: Option<String>,
    /// When the record was entered.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// The recommendation (kiến nghị) made for a finding and the task that carries it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    /// What the unit must do.
    pub text: String,
    /// The task created.
    pub task_id: String,
    /// Owner of the task.
    pub owner: PersonRef,
    /// Remediation deadline.
    pub deadline: DateTime<Utc>,
}

/// State of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FindingState {
    /// Not yet remediated.
    Open,
    /// Remediation verified by the group.
    Remediated {
        /// When.
        at: DateTime<Utc>,
        /// Who verified.
        by: PersonRef,
        /// Verification note.
        note: String,
    },
    /// Accepted as it is, with a reason (e.g. outside the unit's power).
    Accepted {
        /// When.
        at: DateTime<Utc>,
        /// Who accepted.
        by: PersonRef,
        /// Why.
        reason: String,
    },
}

impl FindingState {
    /// Whether the finding still needs follow-up.
    pub fn is_open(&self) -> bool {
        matches!(self, FindingState::Open)
    }
}

/// A finding (tồn tại, hạn chế) from a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// Id within the campaign.
    pub id: u32,
    /// Visit that found it.
    pub visit_id: u32,
    /// Group that found it.
    pub group_id: u32,
    /// Unit concerned.
    pub unit: String,
    /// Checklist item.
    pub item_id: u32,
    /// Severity.
    pub severity: FindingSeverity,
    /// What is wrong.
    pub description: String,
    /// Recommendation and task, once made.
    pub recommendation: Option<Recommendation>,
    /// State.
    pub state: FindingState,
}

impl Finding {
    /// Whether the finding is open and its remediation deadline has passed at `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.is_open()
            && self
                .recommendation
                .as_ref()
                .is_some_and(|r| now > r.deadline)
    }
}

/// What the caller provides to turn a finding into a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecommendationInput {
    /// Id the store chose for the new task.
    pub task_id: String,
    /// What the unit must do (the expected result of the task).
    pub text: String,
    /// Owner in the inspected unit.
    pub owner: PersonRef,
    /// Who assigns it (usually the group leader).
    pub assigner: PersonRef,
    /// Remediation deadline.
    pub deadline: DateTime<Utc>,
}

/// An inspection campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    id: String,
    title: String,
    created_at: DateTime<Utc>,
    status: CampaignStatus,
    checklist: Vec<ChecklistItem>,
    groups: Vec<WorkingGroup>,
    visits: Vec<Visit>,
    findings: Vec<Finding>,
    next_id: u32,
    closed_at: Option<DateTime<Utc>>,
}

fn require(field: &'static str, value: &str) -> Result<(), InspectionError> {
    if value.trim().is_empty() {
        Err(InspectionError::Missing { field })
    } else {
        Ok(())
    }
}

impl Campaign {
    /// A new campaign in planning, with the default checklist.
    pub fn new(id: &str, title: &str, now: DateTime<Utc>) -> Result<Self, InspectionError> {
        require("id", id)?;
        require("title", title)?;
        let mut c = Self {
            id: id.to_owned(),
            title: title.to_owned(),
            created_at: now,
            status: CampaignStatus::Planning,
            checklist: Vec::new(),
            groups: Vec::new(),
            visits: Vec::new(),
            findings: Vec::new(),
            next_id: 1,
            closed_at: None,
        };
        for (vi, en) in DEFAULT_CHECKLIST {
            c.add_item(vi, en)?;
        }
        Ok(c)
    }

    fn fresh_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Status.
    pub fn status(&self) -> CampaignStatus {
        self.status
    }

    /// Checklist.
    pub fn checklist(&self) -> &[ChecklistItem] {
        &self.checklist
    }

    /// Working groups.
    pub fn groups(&self) -> &[WorkingGroup] {
        &self.groups
    }

    /// Visits.
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }

    /// Findings.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// A finding by id.
    pub fn finding(&self, id: u32) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// When the campaign was closed.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }

    /// Whether the checklist may still change: no visit recorded yet and not closed.
    pub fn checklist_editable(&self) -> bool {
        self.status != CampaignStatus::Closed
            && !self.visits.iter().any(|v| v.status == VisitStatus::Done)
    }

    fn check_editable(&self) -> Result<(), InspectionError> {
        if self.checklist_editable() {
            Ok(())
        } else {
            Err(InspectionError::ChecklistLocked)
        }
    }

    fn check_status(
        &self,
        want: CampaignStatus,
        action: &'static str,
    ) -> Result<(), InspectionError> {
        if self.status == want {
            Ok(())
        } else {
            Err(InspectionError::WrongStatus {
                status: self.status,
                action,
            })
        }
    }

    /// Adds a checklist item; returns its id.
    pub fn add_item(&mut self, title_vi: &str, title_en: &str) -> Result<u32, InspectionError> {
        self.check_editable()?;
        require("title_vi", title_vi)?;
        let id = self.fresh_id();
        self.checklist.push(ChecklistItem {
            id,
            title_vi: title_vi.to_owned(),
            title_en: title_en.to_owned(),
        });
        Ok(id)
    }

    /// Renames a checklist item.
    pub fn rename_item(
        &mut self,
        id: u32,
        title_vi: &str,
        title_en: &str,
    ) -> Result<(), InspectionError> {
        self.check_editable()?;
        require("title_vi", title_vi)?;
        let item = self
            .checklist
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(InspectionError::UnknownItem { id })?;
        item.title_vi = title_vi.to_owned();
        item.title_en = title_en.to_owned();
        Ok(())
    }

    /// Removes a checklist item.
    pub fn remove_item(&mut self, id: u32) -> Result<(), InspectionError> {
        self.check_editable()?;
        let pos = self
            .checklist
            .iter()
            .position(|i| i.id == id)
            .ok_or(InspectionError::UnknownItem { id })?;
        self.checklist.remove(pos);
        Ok(())
    }

    /// Adds a working group (planning only); returns its id.
    pub fn add_group(
        &mut self,
        name: &str,
        leader: PersonRef,
        members: Vec<PersonRef>,
    ) -> Result<u32, InspectionError> {
        self.check_status(CampaignStatus::Planning, "add a group")?;
        require("name", name)?;
        require("leader", &leader.user_id)?;
        let id = self.fresh_id();
        self.groups.push(WorkingGroup {
            id,
            name: name.to_owned(),
            leader,
            members,
            units: Vec::new(),
        });
        Ok(id)
    }

    fn group_index(&self, id: u32) -> Result<usize, InspectionError> {
        self.groups
            .iter()
            .position(|g| g.id == id)
            .ok_or(InspectionError::UnknownGroup { id })
    }

    /// Sets the units of a group (planning only). A unit may belong to one group only.
    pub fn assign_units(
        &mut self,
        group_id: u32,
        units: Vec<String>,
    ) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Planning, "assign units")?;
        let gi = self.group_index(group_id)?;
        for u in &units {
            if let Some(other) = self
                .groups
                .iter()
                .find(|g| g.id != group_id && g.units.contains(u))
            {
                return Err(InspectionError::UnitTaken {
                    unit: u.clone(),
                    group: other.id,
                });
            }
        }
        let mut seen = BTreeSet::new();
        self.groups[gi].units = units
            .into_iter()
            .filter(|u| seen.insert(u.clone()))
            .collect();
        Ok(())
    }

    /// Divides `units` among the existing groups, in group order, with
    /// [`balance_assignment`] (planning only). Replaces earlier assignments.
    pub fn assign_balanced(&mut self, units: &[UnitRef]) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Planning, "assign units")?;
        if self.groups.is_empty() {
            return Err(InspectionError::NotReady {
                reason: "no working group".to_owned(),
            });
        }
        let split = balance_assignment(units, self.groups.len());
        for (g, codes) in self.groups.iter_mut().zip(split) {
            g.units = codes;
        }
        Ok(())
    }

    /// Planning → active: needs a non-empty checklist, at least one group, and every group
    /// with at least one unit.
    pub fn start(&mut self, _now: DateTime<Utc>) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Planning, "start")?;
        if self.checklist.is_empty() {
            return Err(InspectionError::NotReady {
                reason: "the checklist is empty".to_owned(),
            });
        }
        if self.groups.is_empty() {
            return Err(InspectionError::NotReady {
                reason: "no working group".to_owned(),
            });
        }
        if let Some(g) = self.groups.iter().find(|g| g.units.is_empty()) {
            return Err(InspectionError::NotReady {
                reason: format!("group {} has no unit", g.name),
            });
        }
        self.status = CampaignStatus::Active;
        Ok(())
    }

    /// Schedules a visit of a group to one of its units; returns the visit id.
    pub fn schedule_visit(
        &mut self,
        group_id: u32,
        unit: &str,
        date: NaiveDate,
    ) -> Result<u32, InspectionError> {
        self.check_status(CampaignStatus::Active, "schedule a visit")?;
        let gi = self.group_index(group_id)?;
        if !self.groups[gi].units.iter().any(|u| u == unit) {
            return Err(InspectionError::UnitNotInGroup {
                unit: unit.to_owned(),
                group: group_id,
            });
        }
        let id = self.fresh_id();
        self.visits.push(Visit {
            id,
            group_id,
            unit: unit.to_owned(),
            date,
            status: VisitStatus::Planned,
            results: Vec::new(),
            record_ref: None,
            recorded_at: None,
        });
        Ok(id)
    }

    fn visit_index(&self, id: u32) -> Result<usize, InspectionError> {
        self.visits
            .iter()
            .position(|v| v.id == id)
            .ok_or(InspectionError::UnknownVisit { id })
    }

    /// Cancels a planned visit.
    pub fn cancel_visit(&mut self, visit_id: u32) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Active, "cancel a visit")?;
        let vi = self.visit_index(visit_id)?;
        let v = &mut self.visits[vi];
        if v.status != VisitStatus::Planned {
            return Err(InspectionError::VisitNotPlanned {
                id: v.id,
                status: v.status,
            });
        }
        v.status = VisitStatus::Cancelled;
        Ok(())
    }

    /// Records a visit: one verdict per checklist item, each "not met" becoming an open
    /// finding. Returns the ids of the new findings. Locks the checklist.
    pub fn record_visit(
        &mut self,
        visit_id: u32,
        results: Vec<ItemResult>,
        record_ref: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<u32>, InspectionError> {
        self.check_status(CampaignStatus::Active, "record a visit")?;
        require("record_ref", record_ref)?;
        let vi = self.visit_index(visit_id)?;
        if self.visits[vi].status != VisitStatus::Planned {
            return Err(InspectionError::VisitNotPlanned {
                id: visit_id,
                status: self.visits[vi].status,
            });
        }
        let known: BTreeSet<u32> = self.checklist.iter().map(|i| i.id).collect();
        let mut seen = BTreeSet::new();
        let mut repeated = Vec::new();
        let mut unknown = Vec::new();
        for r in &results {
            if !known.contains(&r.item_id) {
                unknown.push(r.item_id);
            } else if !seen.insert(r.item_id) {
                repeated.push(r.item_id);
            }
        }
        let missing: Vec<u32> = known.difference(&seen).copied().collect();
        if !(missing.is_empty() && repeated.is_empty() && unknown.is_empty()) {
            return Err(InspectionError::IncompleteRecord {
                missing,
                repeated,
                unknown,
            });
        }
        if let Some(r) = results
            .iter()
            .find(|r| r.verdict == Verdict::NotMet && r.notes.trim().is_empty())
        {
            return Err(InspectionError::FindingWithoutNotes { item: r.item_id });
        }
        let (group_id, unit) = (self.visits[vi].group_id, self.visits[vi].unit.clone());
        let mut new_ids = Vec::new();
        for r in results.iter().filter(|r| r.verdict == Verdict::NotMet) {
            let id = self.fresh_id();
            self.findings.push(Finding {
                id,
                visit_id,
                group_id,
                unit: unit.clone(),
                item_id: r.item_id,
                severity: r.severity,
                description: r.notes.clone(),
                recommendation: None,
                state: FindingState::Open,
            });
            new_ids.push(id);
        }
        let v = &mut self.visits[vi];
        v.results = results;
        v.record_ref = Some(record_ref.to_owned());
        v.recorded_at = Some(now);
        v.status = VisitStatus::Done;
        Ok(new_ids)
    }

    fn finding_index(&self, id: u32) -> Result<usize, InspectionError> {
        self.findings
            .iter()
            .position(|f| f.id == id)
            .ok_or(InspectionError::UnknownFinding { id })
    }

    fn open_finding_index(&self, id: u32) -> Result<usize, InspectionError> {
        let fi = self.finding_index(id)?;
        if self.findings[fi].state.is_open() {
            Ok(fi)
        } else {
            Err(InspectionError::FindingClosed { id })
        }
    }

    /// Makes the recommendation for an open finding and creates the task that carries it out
    /// (owned by a named person of the inspected unit, with the remediation deadline). The
    /// caller persists the returned task.
    pub fn recommend(
        &mut self,
        finding_id: u32,
        input: RecommendationInput,
        policy: &TaskPolicy,
        now: DateTime<Utc>,
    ) -> Result<Task, InspectionError> {
        self.check_status(CampaignStatus::Active, "make a recommendation")?;
        let fi = self.open_finding_index(finding_id)?;
        if let Some(r) = &self.findings[fi].recommendation {
            return Err(InspectionError::AlreadyRecommended {
                id: finding_id,
                task_id: r.task_id.clone(),
            });
        }
        require("recommendation", &input.text)?;
        let f = &self.findings[fi];
        let item = self
            .checklist
            .iter()
            .find(|i| i.id == f.item_id)
            .map_or("", |i| i.title_vi.as_str());
        let task = Task::create(
            NewTask {
                id: input.task_id.clone(),
                title: format!("Khắc phục tồn tại: {item}"),
                description: format!("{} — Kiến nghị: {}", f.description, input.text),
                owner: input.owner.clone(),
                unit: f.unit.clone(),
                assigner: input.assigner,
                deadline: input.deadline,
                expected_result: input.text.clone(),
                source: TaskSource::InspectionFinding {
                    campaign_id: self.id.clone(),
                    finding_id,
                },
            },
            policy,
            now,
        )?;
        self.findings[fi].recommendation = Some(Recommendation {
            text: input.text,
            task_id: input.task_id,
            owner: input.owner,
            deadline: input.deadline,
        });
        Ok(task)
    }

    /// Closes a finding as remediated, after the group has checked the completed task.
    pub fn verify_remediation(
        &mut self,
        finding_id: u32,
        task: &Task,
        by: PersonRef,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Active, "verify a remediation")?;
        let fi = self.open_finding_index(finding_id)?;
        let f = &self.findings[fi];
        let Some(rec) = &f.recommendation else {
            return Err(InspectionError::NotRemediated {
                id: finding_id,
                reason: "no recommendation was made".to_owned(),
            });
        };
        if rec.task_id != task.id() {
            return Err(InspectionError::NotRemediated {
                id: finding_id,
                reason: format!(
                    "task {} is not the finding's task {}",
                    task.id(),
                    rec.task_id
                ),
            });
        }
        if task.status() != TaskStatus::Done {
            return Err(InspectionError::NotRemediated {
                id: finding_id,
                reason: format!("task {} is {}", task.id(), task.status()),
            });
        }
        self.findings[fi].state = FindingState::Remediated {
            at: now,
            by,
            note: note.to_owned(),
        };
        Ok(())
    }

    /// Closes a finding by explicit acceptance, with a reason.
    pub fn accept_finding(
        &mut self,
        finding_id: u32,
        by: PersonRef,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Active, "accept a finding")?;
        require("reason", reason)?;
        let fi = self.open_finding_index(finding_id)?;
        self.findings[fi].state = FindingState::Accepted {
            at: now,
            by,
            reason: reason.to_owned(),
        };
        Ok(())
    }

    /// Active → closed, when every finding is remediated or accepted and no visit is planned.
    pub fn close(&mut self, now: DateTime<Utc>) -> Result<(), InspectionError> {
        self.check_status(CampaignStatus::Active, "close")?;
        let open_findings: Vec<u32> = self
            .findings
            .iter()
            .filter(|f| f.state.is_open())
            .map(|f| f.id)
            .collect();
        let planned_visits: Vec<u32> = self
            .visits
            .iter()
            .filter(|v| v.status == VisitStatus::Planned)
            .map(|v| v.id)
            .collect();
        if !(open_findings.is_empty() && planned_visits.is_empty()) {
            return Err(InspectionError::CannotClose {
                open_findings,
                planned_visits,
            });
        }
        self.status = CampaignStatus::Closed;
        self.closed_at = Some(now);
        Ok(())
    }

    /// Progress at `now`: units visited, findings open, closed and overdue, per group and per
    /// unit.
    pub fn progress(&self, now: DateTime<Utc>) -> CampaignProgress {
        let mut per_unit: BTreeMap<&str, UnitProgress> = BTreeMap::new();
        for g in &self.groups {
            for u in &g.units {
                per_unit.insert(
                    u,
                    UnitProgress {
                        unit: u.clone(),
                        group_id: g.id,
                        visited: false,
                        findings_open: 0,
                        findings_closed: 0,
                        findings_overdue: 0,
                    },
                );
            }
        }
        for v in self.visits.iter().filter(|v| v.status == VisitStatus::Done) {
            if let Some(p) = per_unit.get_mut(v.unit.as_str()) {
                p.visited = true;
            }
        }
        for f in &self.findings {
            if let Some(p) = per_unit.get_mut(f.unit.as_str()) {
                if f.state.is_open() {
                    p.findings_open += 1;
                } else {
                    p.findings_closed += 1;
                }
                p.findings_overdue += u64::from(f.is_overdue(now));
            }
        }
        let per_group: Vec<GroupProgress> = self
            .groups
            .iter()
            .map(|g| {
                let units: Vec<&UnitProgress> = g
                    .units
                    .iter()
                    .filter_map(|u| per_unit.get(u.as_str()))
                    .collect();
                GroupProgress {
                    group_id: g.id,
                    name: g.name.clone(),
                    leader: g.leader.clone(),
                    units_assigned: units.len() as u64,
                    units_visited: units.iter().filter(|u| u.visited).count() as u64,
                    findings_open: units.iter().map(|u| u.findings_open).sum(),
                    findings_closed: units.iter().map(|u| u.findings_closed).sum(),
                    findings_overdue: units.iter().map(|u| u.findings_overdue).sum(),
                }
            })
            .collect();
        let sum = |f: fn(&GroupProgress) -> u64| per_group.iter().map(f).sum::<u64>();
        let closed = sum(|g| g.findings_closed);
        let total = closed + sum(|g| g.findings_open);
        CampaignProgress {
            units_assigned: sum(|g| g.units_assigned),
            units_visited: sum(|g| g.units_visited),
            findings_open: sum(|g| g.findings_open),
            findings_closed: closed,
            findings_overdue: sum(|g| g.findings_overdue),
            remediation_rate_pct: crate::stats::rate_pct(closed, total),
            per_group,
            per_unit: per_unit.into_values().collect(),
        }
    }
}

/// Progress of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitProgress {
    /// Unit code.
    pub unit: String,
    /// Group responsible.
    pub group_id: u32,
    /// Whether a visit has been recorded.
    pub visited: bool,
    /// Findings still open.
    pub findings_open: u64,
    /// Findings remediated or accepted.
    pub findings_closed: u64,
    /// Open findings past their remediation deadline.
    pub findings_overdue: u64,
}

/// Progress of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupProgress {
    /// Group id.
    pub group_id: u32,
    /// Name.
    pub name: String,
    /// Leader.
    pub leader: PersonRef,
    /// Units assigned.
    pub units_assigned: u64,
    /// Units visited.
    pub units_visited: u64,
    /// Findings open.
    pub findings_open: u64,
    /// Findings closed.
    pub findings_closed: u64,
    /// Findings overdue.
    pub findings_overdue: u64,
}

/// Progress of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignProgress {
    /// Units assigned to any group.
    pub units_assigned: u64,
    /// Units with a recorded visit.
    pub units_visited: u64,
    /// Findings open.
    pub findings_open: u64,
    /// Findings remediated or accepted.
    pub findings_closed: u64,
    /// Open findings past their deadline.
    pub findings_overdue: u64,
    /// `closed ÷ (open + closed) × 100`; `None` without findings.
    pub remediation_rate_pct: Option<f64>,
    /// Per group, in group order.
    pub per_group: Vec<GroupProgress>,
    /// Per unit, by unit code.
    pub per_unit: Vec<UnitProgress>,
}

impl CampaignProgress {
    /// Per-group table.
    pub fn groups_table(&self) -> Result<Table, ReportError> {
        let mut t = Table::new(
            "Tiến độ kiểm tra theo đoàn",
            "Inspection progress by group",
            vec![
                Column::new("group", "Đoàn", "Group"),
                Column::new("leader", "Trưởng đoàn", "Leader"),
                Column::new("units_assigned", "Số đơn vị", "Units"),
                Column::new("units_visited", "Đã kiểm tra", "Visited"),
                Column::new("findings_open", "Tồn tại chưa khắc phục", "Open findings"),
                Column::new(
                    "findings_closed",
                    "Đã khắc phục/chấp nhận",
                    "Closed findings",
                ),
                Column::new("findings_overdue", "Quá hạn khắc phục", "Overdue findings"),
            ],
        )?;
        for g in &self.per_group {
            t.push_row(vec![
                Cell::text(g.name.clone()),
                Cell::text(g.leader.display_name.clone()),
                Cell::count(g.units_assigned),
                Cell::count(g.units_visited),
                Cell::count(g.findings_open),
                Cell::count(g.findings_closed),
                Cell::count(g.findings_overdue),
            ])?;
        }
        Ok(t)
    }

    /// Per-unit table.
    pub fn units_table(&self, lang: Lang) -> Result<Table, ReportError> {
        let mut t = Table::new(
            "Tiến độ kiểm tra theo đơn vị",
            "Inspection progress by unit",
            vec![
                Column::new("unit", "Đơn vị", "Unit"),
                Column::new("group", "Đoàn", "Group"),
                Column::new("visited", "Đã kiểm tra", "Visited"),
                Column::new("findings_open", "Tồn tại chưa khắc phục", "Open findings"),
                Column::new(
                    "findings_closed",
                    "Đã khắc phục/chấp nhận",
                    "Closed findings",
                ),
                Column::new("findings_overdue", "Quá hạn khắc phục", "Overdue findings"),
            ],
        )?;
        for u in &self.per_unit {
            let group = self
                .per_group
                .iter()
                .find(|g| g.group_id == u.group_id)
                .map_or_else(String::new, |g| g.name.clone());
            let visited = match (lang, u.visited) {
                (Lang::Vi, true) => "Có",
                (Lang::Vi, false) => "Chưa",
                (Lang::En, true) => "Yes",
                (Lang::En, false) => "No",
            };
            t.push_row(vec![
                Cell::text(u.unit.clone()),
                Cell::text(group),
                Cell::text(visited),
                Cell::count(u.findings_open),
                Cell::count(u.findings_closed),
                Cell::count(u.findings_overdue),
            ])?;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests;
