//! Tasks over HTTP: "rõ người, rõ việc, rõ trách nhiệm, rõ tiến độ, rõ hiệu quả".
//!
//! Leaders and admins assign a task to a named owner (an account) with a deadline and an
//! expected result. The owner starts it, reports dated progress and completes it with the
//! outcome and evidence; the assigner alone moves the deadline or reopens a completed task;
//! the assigner, a leader or an admin cancels. Every change sends the `version` read and gets
//! 409 when someone else changed the task meanwhile.
//!
//! Scope: a unit officer sees the tasks of their unit and the tasks they own; anything else is
//! 404 to them, as if it did not exist. City-level roles see every task.

use super::{
    export, me, officer_account, person_of, scoped_unit, unit_name, Format, LangParam,
    OFFICER_ROLES,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::report::Lang;
use domain::tasks::{
    board_order, chain_of_responsibility, summarize, tasks_table, BoardSummary, ChainLink,
    Evidence, NewTask, Org, OrgPerson, OrgUnit, PersonRef, Task, TaskPolicy, TaskSource,
    TaskStatus,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{StoredTask, TaskFilter};

/// The unit code of the city headquarters, for tasks owned at city level.
pub const HQ: &str = "hq";

/// A task as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub id: i64,
    /// Send it back with every change: a concurrent change gets 409.
    pub version: i64,
    pub title: String,
    pub description: String,
    /// Responsible unit code (`hq` for the city headquarters).
    pub unit: String,
    pub unit_name: Option<String>,
    /// The named owner: `{user_id, display_name}`.
    pub owner: PersonRef,
    pub assigner: PersonRef,
    pub created_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The first deadline set, kept when the deadline moves.
    pub original_deadline: DateTime<Utc>,
    /// Stored status: open, in_progress, done, cancelled.
    pub status: String,
    /// What a board shows: overdue, not_started, in_progress, done_on_time, done_late,
    /// cancelled.
    pub board_status: String,
    pub board_status_label: String,
    pub board_status_label_en: String,
    pub overdue: bool,
    /// 0–100.
    pub progress: u8,
    pub expected_result: String,
    /// Dated progress notes, oldest first.
    pub notes: Vec<domain::tasks::ProgressNote>,
    pub deadline_changes: Vec<domain::tasks::DeadlineChange>,
    /// The outcome with its evidence, once done.
    pub outcome: Option<domain::tasks::Outcome>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub source: TaskSource,
    pub campaign_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
    /// Owner → unit chief → assigner (only on `GET /api/tasks/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<Vec<ChainLink>>,
}

pub(super) fn view(state: &AppState, t: &StoredTask, now: DateTime<Utc>) -> TaskView {
    let task = &t.task;
    let r = task.record();
    let board = task.board_status(now);
    TaskView {
        id: t.id,
        version: t.version,
        title: r.title.clone(),
        description: r.description.clone(),
        unit: r.unit.clone(),
        unit_name: unit_name(state, &r.unit),
        owner: r.owner.clone(),
        assigner: r.assigner.clone(),
        created_at: r.created_at,
        deadline: r.deadline,
        original_deadline: task.original_deadline(),
        status: task.status().code().to_owned(),
        board_status: serde_json::to_value(board)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        board_status_label: board.label_vi().to_owned(),
        board_status_label_en: board.label_en().to_owned(),
        overdue: task.is_overdue(now),
        progress: task.progress(),
        expected_result: r.expected_result.clone(),
        notes: r.notes.clone(),
        deadline_changes: r.deadline_changes.clone(),
        outcome: r.outcome.clone(),
        cancelled_at: r.cancellation.as_ref().map(|c| c.0),
        cancel_reason: r.cancellation.as_ref().map(|c| c.1.clone()),
        source: r.source.clone(),
        campaign_id: t.campaign_id,
        updated_at: t.updated_at,
        chain: None,
    }
}

/// Whether the principal may see the task: city roles always, a unit officer when it is their
/// unit's or their own.
fn visible(principal: &Principal, task: &Task) -> bool {
    match principal.scope.unit() {
        None => true,
        Some(mine) => task.unit() == mine || task.owner().user_id == principal.user.id.to_string(),
    }
}

/// A task the principal may see; 404 otherwise (another unit's task does not exist for them).
async fn load(state: &AppState, principal: &Principal, id: i64) -> ApiResult<StoredTask> {
    let t = state.store.task(id).await?;
    if !visible(principal, &t.task) {
        return Err(ApiError::not_found(format!("task {id} not found")));
    }
    Ok(t)
}

/// A new task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTaskBody {
    pub title: String,
    pub description: String,
    /// Account id of the owner (a named person).
    pub owner_id: i64,
    /// Responsible unit; defaults to the owner's unit. A unit officer owns tasks of their own
    /// unit only. `hq` is the city headquarters.
    pub unit: Option<String>,
    pub deadline: DateTime<Utc>,
    pub expected_result: String,
    /// Reference of the directive or meeting conclusion (số văn bản), if any.
    pub reference: Option<String>,
}

fn too_long(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("{field}: at most {max} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Assigns a task (leader or admin). The assigner is the signed-in user.
#[utoipa::path(post, path = "/api/tasks", tag = "tasks", request_body = NewTaskBody,
    responses((status = 201, body = TaskView), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewTaskBody>,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin, Role::Leader])?;
    too_long("title", &body.title, 300)?;
    too_long("description", &body.description, 5000)?;
    too_long("expected_result", &body.expected_result, 2000)?;
    let owner = officer_account(&state, body.owner_id, "owner_id").await?;
    let asked = body
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let unit = match (&owner.unit_code, asked) {
        (Some(own), Some(u)) if own != u => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                format!("unit: the owner belongs to unit {own}, not {u}"),
            ))
        }
        (Some(own), _) => own.clone(),
        (None, Some(u)) => {
            if u != HQ && state.units.get(u).is_none() {
                return Err(ApiError::new(
                    ErrorCode::InvalidField,
                    format!("unit: no unit {u}"),
                ));
            }
            u.to_owned()
        }
        (None, None) => HQ.to_owned(),
    };
    let new = NewTask {
        id: String::new(),
        title: body.title.trim().to_owned(),
        description: body.description.trim().to_owned(),
        owner: person_of(&owner),
        unit,
        assigner: me(&principal),
        deadline: body.deadline,
        expected_result: body.expected_result.trim().to_owned(),
        source: TaskSource::LeaderAssignment {
            reference: body
                .reference
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
        },
    };
    let now = Utc::now();
    let stored = state
        .store
        .create_task(&new, &TaskPolicy::default(), &principal.actor(), now)
        .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &stored, now))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Responsible unit (a unit officer: their own only).
    pub unit: Option<String>,
    /// Owner's account id.
    pub owner: Option<String>,
    /// open, in_progress, done or cancelled.
    pub status: Option<String>,
    /// `true`: only overdue tasks; `false`: only tasks that are not.
    pub overdue: Option<bool>,
    /// Only tasks of this inspection campaign.
    pub campaign_id: Option<i64>,
    /// 1 to 5000 (default 1000).
    pub limit: Option<i64>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
    /// Labels of an export: vi (default) or en.
    pub lang: Option<LangParam>,
}

fn parse_status(s: &str) -> ApiResult<TaskStatus> {
    [
        TaskStatus::Open,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Cancelled,
    ]
    .into_iter()
    .find(|st| st.code() == s)
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            "status: one of open, in_progress, done, cancelled",
        )
    })
}

/// The tasks matching `q` that the principal may see, by deadline then id.
async fn query(
    state: &AppState,
    principal: &Principal,
    q: &ListQuery,
    now: DateTime<Utc>,
) -> ApiResult<Vec<StoredTask>> {
    let filter = TaskFilter {
        unit: scoped_unit(state, principal, q.unit.as_deref())?,
        owner: q.owner.clone().filter(|o| !o.is_empty()),
        status: q.status.as_deref().map(parse_status).transpose()?,
        overdue: q.overdue,
        campaign_id: q.campaign_id,
        limit: q.limit.unwrap_or(1000),
    };
    let mut rows = state.store.list_tasks(&filter, now).await?;
    // A unit officer also sees the tasks they own, wherever they are.
    if principal.scope.unit().is_some() && q.unit.is_none() {
        let mine = principal.user.id.to_string();
        if filter.owner.as_deref().is_none_or(|o| o == mine) {
            let own = state
                .store
                .list_tasks(
                    &TaskFilter {
                        unit: None,
                        owner: Some(mine),
                        ..filter.clone()
                    },
                    now,
                )
                .await?;
            for t in own {
                if !rows.iter().any(|r| r.id == t.id) {
                    rows.push(t);
                }
            }
            rows.sort_by_key(|a| (a.task.deadline(), a.id));
        }
    }
    Ok(rows)
}

fn export_tasks(
    rows: &[StoredTask],
    now: DateTime<Utc>,
    format: Format,
    lang: Lang,
) -> ApiResult<Response> {
    let tasks: Vec<&Task> = rows.iter().map(|t| &t.task).collect();
    let table = tasks_table(&tasks, now, lang).map_err(ApiError::internal)?;
    export(&table, format, lang, "nhiem-vu")
}

/// Lists tasks by deadline; `format=csv|xlsx` downloads them.
#[utoipa::path(get, path = "/api/tasks", tag = "tasks", params(ListQuery),
    responses((status = 200, body = [TaskView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let now = Utc::now();
    let rows = query(&state, &principal, &q, now).await?;
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(
            rows.iter()
                .map(|t| view(&state, t, now))
                .collect::<Vec<_>>(),
        )
        .into_response()),
        f => export_tasks(&rows, now, f, q.lang.unwrap_or_default().into()),
    }
}

/// The task list as CSV (same filters as `GET /api/tasks`).
#[utoipa::path(get, path = "/api/tasks/export.csv", tag = "tasks", params(ListQuery),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export_csv(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let now = Utc::now();
    let rows = query(&state, &principal, &q, now).await?;
    export_tasks(&rows, now, Format::Csv, q.lang.unwrap_or_default().into())
}

/// The task list as XLSX (same filters as `GET /api/tasks`).
#[utoipa::path(get, path = "/api/tasks/export.xlsx", tag = "tasks", params(ListQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn export_xlsx(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let now = Utc::now();
    let rows = query(&state, &principal, &q, now).await?;
    export_tasks(&rows, now, Format::Xlsx, q.lang.unwrap_or_default().into())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// The board of one unit.
    pub unit: Option<String>,
    /// The board of one person (account id).
    pub person: Option<String>,
    /// Also show done and cancelled tasks (default true).
    pub include_closed: Option<bool>,
}

/// Board counts of one unit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitSummary {
    pub unit: String,
    pub unit_name: Option<String>,
    pub summary: BoardSummary,
}

/// A board: overdue tasks first, then other active ones, then closed ones, each by deadline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoardView {
    pub unit: Option<String>,
    pub person: Option<String>,
    /// Counts by board status: overdue, not_started, in_progress, done_on_time, done_late,
    /// cancelled.
    pub summary: BoardSummary,
    /// The counts of every unit on the board, by unit code.
    pub by_unit: Vec<UnitSummary>,
    pub tasks: Vec<TaskView>,
}

/// A unit's or a person's board (a unit officer: their unit's by default; city roles: the
/// whole city) with its summary counts.
#[utoipa::path(get, path = "/api/tasks/board", tag = "tasks", params(BoardQuery),
    responses((status = 200, body = BoardView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn board(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<BoardQuery>,
) -> ApiResult<Json<BoardView>> {
    if q.unit.is_some() && q.person.is_some() {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "give unit or person, not both",
        ));
    }
    let now = Utc::now();
    let person = q.person.clone().filter(|p| !p.is_empty());
    let list_query = ListQuery {
        unit: if person.is_some() {
            None
        } else {
            q.unit.clone()
        },
        owner: person.clone(),
        status: None,
        overdue: None,
        campaign_id: None,
        limit: Some(5000),
        format: None,
        lang: None,
    };
    let mut rows = query(&state, &principal, &list_query, now).await?;
    // A unit officer looking at a person's board sees only what is visible to them.
    rows.retain(|t| visible(&principal, &t.task));
    if !q.include_closed.unwrap_or(true) {
        rows.retain(|t| t.task.status().is_active());
    }
    rows.sort_by(|a, b| board_order(&a.task, &b.task, now));
    let mut per_unit: BTreeMap<String, Vec<&Task>> = BTreeMap::new();
    for t in &rows {
        per_unit
            .entry(t.task.unit().to_owned())
            .or_default()
            .push(&t.task);
    }
    let by_unit = per_unit
        .into_iter()
        .map(|(unit, tasks)| UnitSummary {
            unit_name: unit_name(&state, &unit),
            summary: summarize(tasks, now),
            unit,
        })
        .collect();
    let unit = if person.is_some() {
        None
    } else {
        scoped_unit(&state, &principal, q.unit.as_deref())?
    };
    Ok(Json(BoardView {
        unit,
        person,
        summary: summarize(rows.iter().map(|t| &t.task), now),
        by_unit,
        tasks: rows.iter().map(|t| view(&state, t, now)).collect(),
    }))
}

/// The organisation the chain of responsibility climbs: the headquarters above every unit,
/// the recorded unit chiefs, and every account in its unit.
async fn organisation(state: &AppState) -> ApiResult<Org> {
    let chiefs: BTreeMap<String, i64> = state.store.unit_chiefs().await?.into_iter().collect();
    let chief_of = |code: &str| chiefs.get(code).map(|id| id.to_string());
    let mut units = vec![OrgUnit {
        code: HQ.to_owned(),
        name: unit_name(state, HQ).unwrap_or_default(),
        parent: None,
        chief: chief_of(HQ),
    }];
    units.extend(state.units.units().iter().map(|u| OrgUnit {
        code: u.code.clone(),
        name: u.full_name.clone(),
        parent: Some(HQ.to_owned()),
        chief: chief_of(&u.code),
    }));
    let people = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| OrgPerson {
            user_id: u.id.to_string(),
            display_name: u.display_name.clone(),
            unit: u
                .unit_code
                .clone()
                .filter(|c| state.units.get(c).is_some())
                .unwrap_or_else(|| HQ.to_owned()),
            title: u.role.label_vi().to_owned(),
        })
        .collect();
    Org::new(units, people).map_err(ApiError::internal)
}

/// One task with its chain of responsibility (owner → unit chief → assigner).
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<TaskView>> {
    let t = load(&state, &principal, id).await?;
    let org = organisation(&state).await?;
    let chain = chain_of_responsibility(&t.task, &org).unwrap_or_else(|_| {
        // A unit the organisation does not know: owner and assigner only.
        let mut links = vec![ChainLink {
            person: t.task.owner().clone(),
            roles: vec![domain::tasks::Role::Owner],
        }];
        if t.task.assigner().user_id == t.task.owner().user_id {
            links[0].roles.push(domain::tasks::Role::Assigner);
        } else {
            links.push(ChainLink {
                person: t.task.assigner().clone(),
                roles: vec![domain::tasks::Role::Assigner],
            });
        }
        links
    });
    let mut v = view(&state, &t, Utc::now());
    v.chain = Some(chain);
    Ok(Json(v))
}

/// Who may act on a task.
#[derive(Clone, Copy)]
enum Who {
    /// The owner, the assigner or an admin.
    Worker,
    /// The assigner, a leader or an admin.
    Manager,
    /// Anyone who sees it: the domain decides (the assigner only).
    Domain,
}

fn may(principal: &Principal, task: &Task, who: Who) -> ApiResult<()> {
    let me = principal.user.id.to_string();
    let is_owner = task.owner().user_id == me;
    let is_assigner = task.assigner().user_id == me;
    let admin = principal.user.role == Role::Admin;
    let ok = match who {
        Who::Worker => is_owner || is_assigner || admin,
        Who::Manager => is_assigner || admin || principal.user.role == Role::Leader,
        Who::Domain => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(match who {
            Who::Worker => "only the owner or the assigner may do this",
            _ => "only the assigner or a leader may do this",
        }))
    }
}

/// Loads a visible task, checks who may act and applies `change` at the version sent.
async fn act<F>(
    state: &AppState,
    principal: &Principal,
    id: i64,
    version: i64,
    action: &str,
    who: Who,
    change: F,
) -> ApiResult<Json<TaskView>>
where
    F: FnOnce(&mut Task, DateTime<Utc>) -> Result<(), domain::tasks::TaskError>,
{
    let t = load(state, principal, id).await?;
    may(principal, &t.task, who)?;
    let now = Utc::now();
    let updated = state
        .store
        .update_task(id, Some(version), action, &principal.actor(), now, |task| {
            change(task, now)
        })
        .await?;
    Ok(Json(view(state, &updated, now)))
}

/// The version read, for a change without other fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i64,
}

/// Open → in progress (owner or assigner).
#[utoipa::path(post, path = "/api/tasks/{id}/start", tag = "tasks", params(("id" = i64, Path)),
    request_body = VersionBody,
    responses((status = 200, body = TaskView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn start(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<VersionBody>,
) -> ApiResult<Json<TaskView>> {
    act(
        &state,
        &principal,
        id,
        body.version,
        "task.start",
        Who::Worker,
        |t, now| t.start(now),
    )
    .await
}

/// A progress report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub version: i64,
    /// 0–100; may go down when work has to be redone.
    pub percent: u32,
    /// What was done.
    pub note: String,
}

/// Reports dated progress (owner or assigner). Reaching 100 % does not complete the task.
#[utoipa::path(post, path = "/api/tasks/{id}/progress", tag = "tasks", params(("id" = i64, Path)),
    request_body = ProgressBody,
    responses((status = 200, body = TaskView), (status = 422, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn progress(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<ProgressBody>,
) -> ApiResult<Json<TaskView>> {
    let percent = u8::try_from(body.percent)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                format!("percent: {} is above 100", body.percent),
            )
        })?;
    too_long("note", &body.note, 5000)?;
    let by = me(&principal);
    act(
        &state,
        &principal,
        id,
        body.version,
        "task.progress",
        Who::Worker,
        |t, now| t.add_progress(by, percent, body.note.trim(), now),
    )
    .await
}

/// One piece of evidence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    /// What it shows.
    pub description: String,
    /// Document number, attachment id or URL.
    pub reference: String,
}

/// Completion with the actual outcome.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    pub version: i64,
    pub outcome: String,
    /// At least one piece of evidence.
    #[serde(default)]
    pub evidence: Vec<EvidenceBody>,
}

/// Completes the task with its outcome and evidence (owner or assigner).
#[utoipa::path(post, path = "/api/tasks/{id}/complete", tag = "tasks", params(("id" = i64, Path)),
    request_body = CompleteBody,
    responses((status = 200, body = TaskView), (status = 422, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn complete(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<CompleteBody>,
) -> ApiResult<Json<TaskView>> {
    too_long("outcome", &body.outcome, 5000)?;
    if body.evidence.len() > 50 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "evidence: at most 50 items",
        ));
    }
    let evidence: Vec<Evidence> = body
        .evidence
        .into_iter()
        .map(|e| Evidence {
            description: e.description.trim().to_owned(),
            reference: e.reference.trim().to_owned(),
        })
        .collect();
    let by = me(&principal);
    act(
        &state,
        &principal,
        id,
        body.version,
        "task.complete",
        Who::Worker,
        |t, now| {
            t.complete(
                by,
                body.outcome.trim(),
                evidence,
                &TaskPolicy::default(),
                now,
            )
        },
    )
    .await
}

/// A change with a reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub version: i64,
    pub reason: String,
}

/// Cancels an active task with a reason (assigner, leader or admin).
#[utoipa::path(post, path = "/api/tasks/{id}/cancel", tag = "tasks", params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = TaskView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<TaskView>> {
    too_long("reason", &body.reason, 2000)?;
    act(
        &state,
        &principal,
        id,
        body.version,
        "task.cancel",
        Who::Manager,
        |t, now| t.cancel(body.reason.trim(), now),
    )
    .await
}

/// Reopens a done task whose outcome is not accepted (the assigner only).
#[utoipa::path(post, path = "/api/tasks/{id}/reopen", tag = "tasks", params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = TaskView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn reopen(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<TaskView>> {
    too_long("reason", &body.reason, 2000)?;
    let by = me(&principal);
    act(
        &state,
        &principal,
        id,
        body.version,
        "task.reopen",
        Who::Domain,
        |t, now| t.reopen(by, body.reason.trim(), now),
    )
    .await
}

/// A new deadline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineBody {
    pub version: i64,
    pub deadline: DateTime<Utc>,
    pub reason: String,
}

/// Moves the deadline, with a reason (the assigner only; the first deadline stays visible).
#[utoipa::path(post, path = "/api/tasks/{id}/deadline", tag = "tasks", params(("id" = i64, Path)),
    request_body = DeadlineBody,
    responses((status = 200, body = TaskView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn deadline(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<DeadlineBody>,
) -> ApiResult<Json<TaskView>> {
    too_long("reason", &body.reason, 2000)?;
    let by = me(&principal);
    act(
        &state,
        &principal,
        id,
        body.version,
        "task.deadline",
        Who::Domain,
        |t, now| t.change_deadline(by, body.deadline, body.reason.trim(), now),
    )
    .await
}

/// A person a task can be given to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assignee {
    /// Account id, for `owner_id`.
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub unit_code: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AssigneeQuery {
    /// Only the officers of this unit.
    pub unit: Option<String>,
}

/// The active accounts tasks can be given to (leaders, admins and inspectors, who assign
/// tasks and recommendations).
#[utoipa::path(get, path = "/api/tasks/assignees", tag = "tasks", params(AssigneeQuery),
    responses((status = 200, body = [Assignee]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn assignees(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<AssigneeQuery>,
) -> ApiResult<Json<Vec<Assignee>>> {
    principal.require(&[Role::Admin, Role::Leader, Role::Inspector])?;
    let unit = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let mut people: Vec<Assignee> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && unit.is_none_or(|c| u.unit_code.as_deref() == Some(c)))
        .filter(|u| OFFICER_ROLES.contains(&u.role))
        .map(|u| Assignee {
            id: u.id,
            display_name: u.display_name,
            role: u.role.as_str().to_owned(),
            unit_code: u.unit_code,
        })
        .collect();
    people.sort_by(|a, b| (&a.unit_code, &a.display_name).cmp(&(&b.unit_code, &b.display_name)));
    Ok(Json(people))
}

/// The chief of a unit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChiefBody {
    /// Account id of the chief.
    pub user_id: i64,
}

/// Records the chief of a unit (`hq` for the headquarters), who appears in the chain of
/// responsibility of the unit's tasks (admin).
#[utoipa::path(put, path = "/api/units/{code}/chief", tag = "tasks", params(("code" = String, Path)),
    request_body = ChiefBody,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn set_chief(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(code): Path<String>,
    Json(body): Json<ChiefBody>,
) -> ApiResult<StatusCode> {
    principal.require(&[Role::Admin])?;
    if code != HQ && state.units.get(&code).is_none() {
        return Err(ApiError::not_found(format!("unit {code} not found")));
    }
    let chief = officer_account(&state, body.user_id, "user_id").await?;
    if chief.unit_code.as_deref().is_some_and(|u| u != code) {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "user_id: the account belongs to another unit",
        ));
    }
    state
        .store
        .set_unit_chief(&code, chief.id, &principal.actor(), Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One unit's chief.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitChief {
    /// The unit's code (`hq` for the headquarters).
    pub unit_code: String,
    /// The chief's account id.
    pub user_id: i64,
}

/// Every recorded unit chief, by unit code (admin).
#[utoipa::path(get, path = "/api/unit-chiefs", tag = "tasks",
    responses((status = 200, body = [UnitChief]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn chiefs(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<Vec<UnitChief>>> {
    principal.require(&[Role::Admin])?;
    let chiefs = state.store.unit_chiefs().await?;
    Ok(Json(
        chiefs
            .into_iter()
            .map(|(unit_code, user_id)| UnitChief { unit_code, user_id })
            .collect(),
    ))
}

/// The task routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/tasks", get(list).post(create))
        .route("/api/tasks/board", get(board))
        .route("/api/tasks/assignees", get(assignees))
        .route("/api/tasks/export.csv", get(export_csv))
        .route("/api/tasks/export.xlsx", get(export_xlsx))
        .route("/api/tasks/{id}", get(get_one))
        .route("/api/tasks/{id}/start", post(start))
        .route("/api/tasks/{id}/progress", post(progress))
        .route("/api/tasks/{id}/complete", post(complete))
        .route("/api/tasks/{id}/cancel", post(cancel))
        .route("/api/tasks/{id}/reopen", post(reopen))
        .route("/api/tasks/{id}/deadline", post(deadline))
        .route("/api/units/{code}/chief", put(set_chief))
        .route("/api/unit-chiefs", get(chiefs))
}

/// The task paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    export_csv,
    export_xlsx,
    assignees,
    board,
    get_one,
    start,
    progress,
    complete,
    cancel,
    reopen,
    deadline,
    set_chief,
    chiefs
))]
pub struct Doc;
