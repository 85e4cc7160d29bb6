//! Inspection campaigns over HTTP: working groups with a named leader are given commune units
//! (by hand or balanced by `domain::inspection::balance_assignment`), visit them against the
//! checklist, record findings, turn each finding into a recommendation carried out by a task
//! of the inspected unit, verify the remediation once that task is done, and close the
//! campaign when no finding is left open.
//!
//! Access: admins, leaders, inspectors and operators read; admins, leaders and inspectors plan
//! (checklist, groups, units, start, visits, close); only admins and inspectors write findings
//! (visit records, recommendations, verification, acceptance). Every change sends the
//! `version` read and gets 409 when someone else changed the campaign meanwhile.

use super::tasks::TaskView;
use super::{export, me, officer_account, person_of, Format, LangParam};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Role;
use domain::inspection::{
    Campaign, CampaignProgress, ChecklistItem, Finding, FindingSeverity, InspectionError,
    ItemResult, UnitRef, Verdict, Visit, WorkingGroup,
};
use domain::report::Lang;
use domain::tasks::{PersonRef, TaskPolicy};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{Recommend, StoredCampaign};

const READERS: [Role; 4] = [Role::Admin, Role::Leader, Role::Inspector, Role::Operator];
const PLANNERS: [Role; 3] = [Role::Admin, Role::Leader, Role::Inspector];
const INSPECTORS: [Role; 2] = [Role::Admin, Role::Inspector];

/// A campaign as the API shows it, with its progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: i64,
    /// Send it back with every change: a concurrent change gets 409.
    pub version: i64,
    pub title: String,
    /// planning, active or closed.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether checklist items may still be added, renamed or removed.
    pub checklist_editable: bool,
    pub checklist: Vec<ChecklistItem>,
    pub groups: Vec<WorkingGroup>,
    pub visits: Vec<Visit>,
    pub findings: Vec<Finding>,
    /// Units visited, findings open, closed and overdue, per group and per unit.
    pub progress: CampaignProgress,
    /// Ids this request created (group, checklist item, visit, findings, or the task of a
    /// recommendation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub created: Vec<i64>,
    /// The task a recommendation created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskView>,
}

fn view(c: &StoredCampaign, now: DateTime<Utc>) -> CampaignView {
    let d = &c.campaign;
    CampaignView {
        id: c.id,
        version: c.version,
        title: d.title().to_owned(),
        status: serde_json::to_value(d.status())
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        created_at: c.created_at,
        updated_at: c.updated_at,
        closed_at: d.closed_at(),
        checklist_editable: d.checklist_editable(),
        checklist: d.checklist().to_vec(),
        groups: d.groups().to_vec(),
        visits: d.visits().to_vec(),
        findings: d.findings().to_vec(),
        progress: d.progress(now),
        created: Vec::new(),
        task: None,
    }
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidField, message)
}

/// A new campaign.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignBody {
    pub title: String,
}

/// Creates a campaign in planning with the default five-item checklist.
#[utoipa::path(post, path = "/api/campaigns", tag = "campaigns", request_body = NewCampaignBody,
    responses((status = 201, body = CampaignView), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<NewCampaignBody>,
) -> ApiResult<Response> {
    principal.require(&PLANNERS)?;
    let title = body.title.trim();
    if title.chars().count() > 300 {
        return Err(unprocessable("title: at most 300 characters"));
    }
    let now = Utc::now();
    let c = state
        .store
        .create_campaign(title, &principal.actor(), now)
        .await?;
    Ok((StatusCode::CREATED, Json(view(&c, now))).into_response())
}

/// A campaign in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignSummary {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub groups: usize,
    pub units_assigned: u64,
    pub units_visited: u64,
    pub findings_open: u64,
    pub findings_closed: u64,
    pub findings_overdue: u64,
}

/// Every campaign, newest first, with its headline progress.
#[utoipa::path(get, path = "/api/campaigns", tag = "campaigns",
    responses((status = 200, body = [CampaignSummary]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<Vec<CampaignSummary>>> {
    principal.require(&READERS)?;
    let now = Utc::now();
    let rows = state.store.list_campaigns().await?;
    Ok(Json(
        rows.iter()
            .map(|c| {
                let v = view(c, now);
                CampaignSummary {
                    id: v.id,
                    version: v.version,
                    title: v.title,
                    status: v.status,
                    created_at: v.created_at,
                    groups: v.groups.len(),
                    units_assigned: v.progress.units_assigned,
                    units_visited: v.progress.units_visited,
                    findings_open: v.progress.findings_open,
                    findings_closed: v.progress.findings_closed,
                    findings_overdue: v.progress.findings_overdue,
                }
            })
            .collect(),
    ))
}

/// One campaign with its groups, visits, findings and progress.
#[utoipa::path(get, path = "/api/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<CampaignView>> {
    principal.require(&READERS)?;
    Ok(Json(view(&state.store.campaign(id).await?, Utc::now())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// groups (default) or units.
    pub table: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
    pub lang: Option<LangParam>,
}

/// The campaign's progress per group or per unit; `format=csv|xlsx` downloads it.
#[utoipa::path(get, path = "/api/campaigns/{id}/progress", tag = "campaigns",
    params(("id" = i64, Path), ProgressQuery),
    responses((status = 200, body = CampaignProgress), (status = 404, body = crate::error::ErrorBody)))]
pub async fn progress(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(q): Query<ProgressQuery>,
) -> ApiResult<Response> {
    principal.require(&READERS)?;
    let c = state.store.campaign(id).await?;
    let p = c.campaign.progress(Utc::now());
    let lang: Lang = q.lang.unwrap_or_default().into();
    let (table, stem) = match q.table.as_deref().unwrap_or("groups") {
        "groups" => (p.groups_table(), "campaign-groups"),
        "units" => (p.units_table(lang), "campaign-units"),
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "table: groups or units",
            ))
        }
    };
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(p).into_response()),
        f => export(
            &table.map_err(ApiError::internal)?,
            f,
            lang,
            &format!("{stem}-{id}"),
        ),
    }
}

/// Applies a domain change at the version sent, for one of `roles`.
async fn change<R, F>(
    state: &AppState,
    principal: &Principal,
    id: i64,
    version: i64,
    action: &str,
    roles: &[Role],
    f: F,
) -> ApiResult<(StoredCampaign, R)>
where
    F: FnOnce(&mut Campaign, DateTime<Utc>) -> Result<R, InspectionError>,
{
    principal.require(roles)?;
    let now = Utc::now();
    Ok(state
        .store
        .update_campaign(id, Some(version), action, &principal.actor(), now, |c| {
            f(c, now)
        })
        .await?)
}

fn answer(c: &StoredCampaign, created: Vec<i64>) -> Json<CampaignView> {
    let mut v = view(c, Utc::now());
    v.created = created;
    Json(v)
}

/// The version read, for a change without other fields.
#[derive(Debug, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i64,
}

/// A checklist item.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub version: i64,
    pub title_vi: String,
    #[serde(default)]
    pub title_en: String,
}

/// Adds a checklist item (until the first visit is recorded).
#[utoipa::path(post, path = "/api/campaigns/{id}/checklist", tag = "campaigns",
    params(("id" = i64, Path)), request_body = ItemBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn add_item(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(b): Json<ItemBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, item) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.checklist",
        &PLANNERS,
        |c, _| c.add_item(b.title_vi.trim(), b.title_en.trim()),
    )
    .await?;
    Ok(answer(&c, vec![i64::from(item)]))
}

/// Renames a checklist item.
#[utoipa::path(patch, path = "/api/campaigns/{id}/checklist/{item}", tag = "campaigns",
    params(("id" = i64, Path), ("item" = u32, Path)), request_body = ItemBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn rename_item(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, item)): Path<(i64, u32)>,
    Json(b): Json<ItemBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.checklist",
        &PLANNERS,
        |c, _| c.rename_item(item, b.title_vi.trim(), b.title_en.trim()),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// Removes a checklist item (`?version=`).
#[utoipa::path(delete, path = "/api/campaigns/{id}/checklist/{item}", tag = "campaigns",
    params(("id" = i64, Path), ("item" = u32, Path), VersionBody),
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn remove_item(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, item)): Path<(i64, u32)>,
    Query(q): Query<VersionBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, ()) = change(
        &state,
        &principal,
        id,
        q.version,
        "campaign.checklist",
        &PLANNERS,
        |c, _| c.remove_item(item),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// A working group.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    pub version: i64,
    /// E.g. "Đoàn số 3".
    pub name: String,
    /// Account id of the named leader.
    pub leader_id: i64,
    /// Account ids of the members.
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

/// Adds a working group (planning only).
#[utoipa::path(post, path = "/api/campaigns/{id}/groups", tag = "campaigns",
    params(("id" = i64, Path)), request_body = GroupBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_group(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(b): Json<GroupBody>,
) -> ApiResult<Json<CampaignView>> {
    principal.require(&PLANNERS)?;
    if b.member_ids.len() > 50 {
        return Err(unprocessable("member_ids: at most 50 members"));
    }
    let leader = person_of(&officer_account(&state, b.leader_id, "leader_id").await?);
    let mut members: Vec<PersonRef> = Vec::new();
    for m in &b.member_ids {
        members.push(person_of(&officer_account(&state, *m, "member_ids").await?));
    }
    let (c, group) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.group",
        &PLANNERS,
        |c, _| c.add_group(b.name.trim(), leader, members),
    )
    .await?;
    Ok(answer(&c, vec![i64::from(group)]))
}

/// Units for a group.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitsBody {
    pub version: i64,
    /// Commune/ward unit codes.
    pub units: Vec<String>,
}

fn known_units(state: &AppState, units: &[String]) -> ApiResult<()> {
    match units.iter().find(|u| state.units.get(u).is_none()) {
        Some(u) => Err(unprocessable(format!("units: no unit {u}"))),
        None => Ok(()),
    }
}

/// Sets the units of a group (planning only; a unit belongs to one group at most).
#[utoipa::path(post, path = "/api/campaigns/{id}/groups/{group}/units", tag = "campaigns",
    params(("id" = i64, Path), ("group" = u32, Path)), request_body = UnitsBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn assign_units(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, group)): Path<(i64, u32)>,
    Json(b): Json<UnitsBody>,
) -> ApiResult<Json<CampaignView>> {
    known_units(&state, &b.units)?;
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.assign",
        &PLANNERS,
        |c, _| c.assign_units(group, b.units),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// Units to divide among the groups.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BalanceBody {
    pub version: i64,
    /// The units to divide (default: every commune/ward unit of the city).
    pub units: Option<Vec<String>>,
}

/// Divides units among the existing groups: equal counts, compact sectors of the city,
/// balanced population (planning only; replaces earlier assignments).
#[utoipa::path(post, path = "/api/campaigns/{id}/assign-balanced", tag = "campaigns",
    params(("id" = i64, Path)), request_body = BalanceBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn assign_balanced(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(b): Json<BalanceBody>,
) -> ApiResult<Json<CampaignView>> {
    if let Some(units) = &b.units {
        known_units(&state, units)?;
    }
    let refs: Vec<UnitRef> = state
        .units
        .units()
        .iter()
        .filter(|u| b.units.as_ref().is_none_or(|list| list.contains(&u.code)))
        .map(|u| UnitRef {
            code: u.code.clone(),
            lat: u.label.lat,
            lon: u.label.lon,
            population: u.population.unwrap_or(0),
            workload: None,
        })
        .collect();
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.assign",
        &PLANNERS,
        |c, _| c.assign_balanced(&refs),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// Planning → active.
#[utoipa::path(post, path = "/api/campaigns/{id}/start", tag = "campaigns",
    params(("id" = i64, Path)), request_body = VersionBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn start(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(b): Json<VersionBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.start",
        &PLANNERS,
        |c, now| c.start(now),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// A visit to schedule.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    pub version: i64,
    pub group_id: u32,
    /// One of the group's units.
    pub unit: String,
    /// Vietnam date of the visit.
    pub date: NaiveDate,
}

/// Schedules a group's visit to one of its units.
#[utoipa::path(post, path = "/api/campaigns/{id}/visits", tag = "campaigns",
    params(("id" = i64, Path)), request_body = VisitBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn schedule_visit(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(b): Json<VisitBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, visit) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.visit",
        &PLANNERS,
        |c, _| c.schedule_visit(b.group_id, b.unit.trim(), b.date),
    )
    .await?;
    Ok(answer(&c, vec![i64::from(visit)]))
}

/// Calls off a planned visit.
#[utoipa::path(post, path = "/api/campaigns/{id}/visits/{visit}/cancel", tag = "campaigns",
    params(("id" = i64, Path), ("visit" = u32, Path)), request_body = VersionBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel_visit(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, visit)): Path<(i64, u32)>,
    Json(b): Json<VersionBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.visit",
        &PLANNERS,
        |c, _| c.cancel_visit(visit),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// The verdict on one checklist item.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    pub item_id: u32,
    /// met or not_met.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// Required when not met: it becomes the finding.
    #[serde(default)]
    pub notes: String,
    /// low, medium (default) or high.
    #[schema(value_type = Option<String>)]
    pub severity: Option<FindingSeverity>,
}

/// The record of a visit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    pub version: i64,
    /// Reference of the visit record (biên bản).
    pub record_ref: String,
    /// One verdict for every checklist item.
    pub results: Vec<ResultBody>,
}

/// Records a visit: one verdict per checklist item; each "not met" becomes an open finding
/// (its id is in `created`).
#[utoipa::path(post, path = "/api/campaigns/{id}/visits/{visit}/record", tag = "campaigns",
    params(("id" = i64, Path), ("visit" = u32, Path)), request_body = RecordBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn record_visit(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, visit)): Path<(i64, u32)>,
    Json(b): Json<RecordBody>,
) -> ApiResult<Json<CampaignView>> {
    if b.results.len() > 200 {
        return Err(unprocessable("results: at most 200 items"));
    }
    let results: Vec<ItemResult> = b
        .results
        .into_iter()
        .map(|r| ItemResult {
            item_id: r.item_id,
            verdict: r.verdict,
            notes: r.notes.trim().to_owned(),
            severity: r.severity.unwrap_or_default(),
        })
        .collect();
    let (c, findings) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.record",
        &INSPECTORS,
        |c, now| c.record_visit(visit, results, b.record_ref.trim(), now),
    )
    .await?;
    Ok(answer(&c, findings.into_iter().map(i64::from).collect()))
}

/// A recommendation for a finding.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendBody {
    pub version: i64,
    /// What the unit must do (the expected result of the task).
    pub text: String,
    /// Account id of the owner, an officer of the inspected unit.
    pub owner_id: i64,
    /// Remediation deadline.
    pub deadline: DateTime<Utc>,
}

/// Makes the recommendation for an open finding: a task owned by a named officer of the
/// inspected unit, assigned by the signed-in inspector, is created with it (in `task`).
#[utoipa::path(post, path = "/api/campaigns/{id}/findings/{finding}/recommend", tag = "campaigns",
    params(("id" = i64, Path), ("finding" = u32, Path)), request_body = RecommendBody,
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn recommend(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, finding)): Path<(i64, u32)>,
    Json(b): Json<RecommendBody>,
) -> ApiResult<Json<CampaignView>> {
    principal.require(&INSPECTORS)?;
    let current = state.store.campaign(id).await?;
    let unit = current
        .campaign
        .finding(finding)
        .map(|f| f.unit.clone())
        .ok_or_else(|| ApiError::not_found(format!("finding {finding} not found")))?;
    let owner = officer_account(&state, b.owner_id, "owner_id").await?;
    if owner.unit_code.as_deref() != Some(unit.as_str()) {
        return Err(unprocessable(format!(
            "owner_id: the owner must be an officer of the inspected unit {unit}"
        )));
    }
    let now = Utc::now();
    let (c, task) = state
        .store
        .recommend_finding(
            id,
            finding,
            &Recommend {
                text: b.text.trim().to_owned(),
                owner: person_of(&owner),
                assigner: me(&principal),
                deadline: b.deadline,
            },
            &TaskPolicy::default(),
            Some(b.version),
            &principal.actor(),
            now,
        )
        .await?;
    let mut v = view(&c, now);
    v.created = vec![task.id];
    v.task = Some(super::tasks::view(&state, &task, now));
    Ok(Json(v))
}

/// A verification note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    pub version: i64,
    #[serde(default)]
    pub note: String,
}

/// Closes a finding as remediated, once the task of its recommendation is done.
#[utoipa::path(post, path = "/api/campaigns/{id}/findings/{finding}/verify", tag = "campaigns",
    params(("id" = i64, Path), ("finding" = u32, Path)), request_body = VerifyBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn verify(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, finding)): Path<(i64, u32)>,
    Json(b): Json<VerifyBody>,
) -> ApiResult<Json<CampaignView>> {
    principal.require(&INSPECTORS)?;
    let c = state
        .store
        .verify_finding(
            id,
            finding,
            &me(&principal),
            b.note.trim(),
            Some(b.version),
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(answer(&c, vec![]))
}

/// A reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    pub version: i64,
    pub reason: String,
}

/// Closes a finding without remediation, with a reason (e.g. outside the unit's power).
#[utoipa::path(post, path = "/api/campaigns/{id}/findings/{finding}/accept", tag = "campaigns",
    params(("id" = i64, Path), ("finding" = u32, Path)), request_body = AcceptBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn accept(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, finding)): Path<(i64, u32)>,
    Json(b): Json<AcceptBody>,
) -> ApiResult<Json<CampaignView>> {
    let by = me(&principal);
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.accept",
        &INSPECTORS,
        |c, now| c.accept_finding(finding, by, b.reason.trim(), now),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// Active → closed, when every finding is remediated or accepted and no visit is planned.
#[utoipa::path(post, path = "/api/campaigns/{id}/close", tag = "campaigns",
    params(("id" = i64, Path)), request_body = VersionBody,
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(b): Json<VersionBody>,
) -> ApiResult<Json<CampaignView>> {
    let (c, ()) = change(
        &state,
        &principal,
        id,
        b.version,
        "campaign.close",
        &PLANNERS,
        |c, now| c.close(now),
    )
    .await?;
    Ok(answer(&c, vec![]))
}

/// The campaign routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/campaigns", get(list).post(create))
        .route("/api/campaigns/{id}", get(get_one))
        .route("/api/campaigns/{id}/progress", get(progress))
        .route("/api/campaigns/{id}/checklist", post(add_item))
        .route(
            "/api/campaigns/{id}/checklist/{item}",
            patch(rename_item).delete(remove_item),
        )
        .route("/api/campaigns/{id}/groups", post(add_group))
        .route(
            "/api/campaigns/{id}/groups/{group}/units",
            post(assign_units),
        )
        .route("/api/campaigns/{id}/assign-balanced", post(assign_balanced))
        .route("/api/campaigns/{id}/start", post(start))
        .route("/api/campaigns/{id}/visits", post(schedule_visit))
        .route(
            "/api/campaigns/{id}/visits/{visit}/cancel",
            post(cancel_visit),
        )
        .route(
            "/api/campaigns/{id}/visits/{visit}/record",
            post(record_visit),
        )
        .route(
            "/api/campaigns/{id}/findings/{finding}/recommend",
            post(recommend),
        )
        .route(
            "/api/campaigns/{id}/findings/{finding}/verify",
            post(verify),
        )
        .route(
            "/api/campaigns/{id}/findings/{finding}/accept",
            post(accept),
        )
        .route("/api/campaigns/{id}/close", post(close))
}

/// The campaign paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    get_one,
    progress,
    add_item,
    rename_item,
    remove_item,
    add_group,
    assign_units,
    assign_balanced,
    start,
    schedule_visit,
    cancel_visit,
    record_visit,
    recommend,
    verify,
    accept,
    close
))]
pub struct Doc;
