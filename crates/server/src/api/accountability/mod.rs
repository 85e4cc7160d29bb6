//! Accountability and statistics over HTTP (issue 9): tasks with named owners and deadlines
//! (`/api/tasks`), inspection campaigns from working groups to verified remediation
//! (`/api/campaigns`), the crime-report register with its legal clock (`/api/crime-reports`),
//! criminal cases (`/api/cases`) and the leaders' statistics with their
//! CSV/XLSX exports (`/api/stats/…`). The rules live in `domain::tasks`,
//! `domain::inspection` and `domain::stats`; the store persists and aggregates; this module
//! checks roles and unit scope, maps domain refusals to HTTP errors and renders exports.
//!
//! Also here: the background watch that publishes overdue tasks on the live feed.

pub mod campaigns;
pub mod case_import;
pub mod cases;
pub mod crime_reports;
pub mod stats;
pub mod tasks;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use domain::access::Role;
use domain::crime_report::CrimeReportError;
use domain::inspection::InspectionError;
use domain::report::{Lang, Table};
use domain::stats::StatsError;
use domain::tasks::{PersonRef, TaskError};
use serde::Deserialize;
use std::sync::Arc;
use store::{AccountabilityError, User};

/// Every route of the area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .merge(tasks::routes())
        .merge(campaigns::routes())
        .merge(cases::routes())
        .merge(crime_reports::routes())
        .merge(case_import::routes())
        .merge(stats::routes())
}

fn illegal_transition(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::IllegalTransition, message)
}

fn task_error(e: TaskError) -> ApiError {
    let message = e.to_string();
    match e {
        TaskError::NotAssigner { .. } => ApiError::forbidden(message),
        TaskError::InvalidTransition { .. } => illegal_transition(message),
        TaskError::OutOfOrder { .. } => ApiError::conflict(message),
        TaskError::EvidenceRequired => ApiError::new(ErrorCode::EvidenceRequired, message),
        _ => ApiError::new(ErrorCode::InvalidField, message),
    }
}

fn inspection_error(e: InspectionError) -> ApiError {
    let message = e.to_string();
    match e {
        InspectionError::Task(t) => task_error(t),
        InspectionError::UnknownItem { .. }
        | InspectionError::UnknownGroup { .. }
        | InspectionError::UnknownVisit { .. }
        | InspectionError::UnknownFinding { .. } => ApiError::not_found(message),
        InspectionError::Missing { .. }
        | InspectionError::IncompleteRecord { .. }
        | InspectionError::FindingWithoutNotes { .. }
        | InspectionError::UnitNotInGroup { .. } => ApiError::new(ErrorCode::InvalidField, message),
        _ => illegal_transition(message),
    }
}

fn stats_error(e: StatsError) -> ApiError {
    match e {
        StatsError::Table(detail) => ApiError::internal(detail),
        t @ StatsError::CaseTransition { .. } => illegal_transition(t.to_string()),
        other => ApiError::new(ErrorCode::InvalidField, other.to_string()),
    }
}

fn crime_report_error(e: CrimeReportError) -> ApiError {
    let message = e.to_string();
    match e {
        CrimeReportError::InvalidTransition { .. } => illegal_transition(message),
        _ => ApiError::new(ErrorCode::InvalidField, message),
    }
}

impl From<AccountabilityError> for ApiError {
    fn from(e: AccountabilityError) -> Self {
        match e {
            AccountabilityError::Store(s) => s.into(),
            AccountabilityError::Task(t) => task_error(t),
            AccountabilityError::Inspection(i) => inspection_error(i),
            AccountabilityError::Stats(s) => stats_error(s),
            AccountabilityError::CrimeReport(c) => crime_report_error(c),
            stale @ AccountabilityError::StaleVersion { .. } => {
                ApiError::conflict(format!("{stale}; read it again and retry"))
            }
            other => ApiError::internal(other),
        }
    }
}

/// The person an account is, as tasks name people: the account id and its display name.
pub fn person_of(user: &User) -> PersonRef {
    PersonRef::new(&user.id.to_string(), &user.display_name)
}

/// The signed-in user as a task person.
pub fn me(principal: &Principal) -> PersonRef {
    person_of(&principal.user)
}

/// An active account by id, or 422 naming `field`.
pub async fn account(state: &AppState, id: i64, field: &str) -> ApiResult<User> {
    state
        .store
        .list_users()
        .await?
        .into_iter()
        .find(|u| u.id == id && !u.disabled)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                format!("{field}: no active account {id}"),
            )
        })
}

/// The roles that may own a task, lead or join an inspection group, own a recommendation or be
/// a unit's chief: the force's own people. An accommodation establishment's account declares
/// its foreign guests and is never answerable for the force's work.
pub const OFFICER_ROLES: [Role; 5] = [
    Role::Admin,
    Role::Operator,
    Role::UnitOfficer,
    Role::Leader,
    Role::Inspector,
];

/// An active account of one of the [`OFFICER_ROLES`] by id: 422 `invalid_field` when there is
/// no such account, 422 `not_an_officer` when it is an establishment's.
pub async fn officer_account(state: &AppState, id: i64, field: &str) -> ApiResult<User> {
    let user = account(state, id, field).await?;
    if !OFFICER_ROLES.contains(&user.role) {
        return Err(ApiError::new(
            ErrorCode::NotAnOfficer,
            format!(
                "{field}: account {id} is a {} account; only the force's officers can be \
                 answerable for this",
                user.role
            ),
        ));
    }
    Ok(user)
}

/// Export format of a list or report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The JSON body (default).
    #[default]
    Json,
    /// UTF-8 CSV with a byte-order mark and a header of labels.
    Csv,
    /// One Excel sheet.
    Xlsx,
}

/// Label language of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LangParam {
    /// Vietnamese (default).
    #[default]
    Vi,
    /// English.
    En,
}

impl From<LangParam> for Lang {
    fn from(l: LangParam) -> Self {
        match l {
            LangParam::Vi => Lang::Vi,
            LangParam::En => Lang::En,
        }
    }
}

/// A file name made only of ASCII letters, digits, dots and dashes.
fn safe_file_stem(stem: &str) -> String {
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Renders `table` as a CSV or XLSX download named `<stem>.csv|.xlsx`.
pub fn export(table: &Table, format: Format, lang: Lang, stem: &str) -> ApiResult<Response> {
    let (bytes, content_type, ext) = match format {
        Format::Csv => (
            table.to_csv(lang).map_err(ApiError::internal)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        Format::Xlsx => (
            table.to_xlsx(lang).map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Json => {
            return Err(ApiError::internal("export asked for JSON"));
        }
    };
    let disposition = format!("attachment; filename=\"{}.{ext}\"", safe_file_stem(stem));
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The unit a unit-scoped read is limited to: a unit officer's own unit (asking for another is
/// 403), otherwise the unit asked for, which must exist.
pub fn scoped_unit(
    state: &AppState,
    principal: &Principal,
    asked: Option<&str>,
) -> ApiResult<Option<String>> {
    let asked = asked.map(str::trim).filter(|u| !u.is_empty());
    match principal.scope.unit() {
        Some(mine) => {
            if asked.is_some_and(|u| u != mine) {
                return Err(ApiError::forbidden("this belongs to another unit"));
            }
            Ok(Some(mine.to_owned()))
        }
        None => match asked {
            Some(u) if state.units.get(u).is_none() && u != tasks::HQ => Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("unit: no unit {u}"),
            )),
            other => Ok(other.map(str::to_owned)),
        },
    }
}

/// The display name of a unit code (the headquarters for `hq`).
pub fn unit_name(state: &AppState, code: &str) -> Option<String> {
    if code == tasks::HQ {
        return Some(format!("Công an {}", state.units.province().name));
    }
    state.units.get(code).map(|u| u.full_name.clone())
}

/// Spawns the watch that publishes `task.overdue` on the live feed, once per task and
/// deadline, every `every` until `shutdown` turns true.
pub fn spawn_overdue_watch(
    state: Arc<AppState>,
    every: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    match state.store.flag_overdue_tasks(chrono::Utc::now()).await {
                        Ok(published) if !published.is_empty() => {
                            tracing::info!(tasks = published.len(), "overdue tasks published");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "overdue task watch failed"),
                    }
                }
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_plain_ascii() {
        assert_eq!(safe_file_stem("tasks-R2026-03"), "tasks-R2026-03");
        assert_eq!(safe_file_stem("a\"b/c..2026-01-01"), "a-b-c--2026-01-01");
    }

    #[test]
    fn domain_refusals_have_stable_codes() {
        let e: ApiError = AccountabilityError::Task(TaskError::EvidenceRequired).into();
        assert_eq!(
            (e.status(), e.code.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "evidence_required")
        );
        let e: ApiError =
            AccountabilityError::Task(TaskError::ProgressAbove100 { percent: 120 }).into();
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: ApiError = AccountabilityError::StaleVersion {
            what: "task",
            id: 1,
            expected: 1,
            current: 2,
        }
        .into();
        assert_eq!(
            (e.status(), e.code.code()),
            (StatusCode::CONFLICT, "conflict")
        );
        let e: ApiError =
            AccountabilityError::Inspection(InspectionError::UnknownFinding { id: 3 }).into();
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
    }
}
