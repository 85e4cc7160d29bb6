//! The audit trail, for administrators.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Json, Query};
use axum::extract::State;
use domain::access::Role;
use serde::Deserialize;
use std::sync::Arc;
use store::{AuditFilter, AuditRecord};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only rows about this kind of object (e.g. `user`, `incident`).
    pub object_type: Option<String>,
    /// Only rows about this object id.
    pub object_id: Option<String>,
    /// Only rows by this user id.
    pub actor_id: Option<i64>,
    /// Paging: only rows older than this id.
    pub before_id: Option<i64>,
    /// At most this many rows (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// Lists audit rows, newest first (admin only).
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [store::AuditRecord]), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    principal.require(&[Role::Admin])?;
    let rows = state
        .store
        .list_audit(&AuditFilter {
            object_type: q.object_type,
            object_id: q.object_id,
            actor_id: q.actor_id,
            before_id: q.before_id,
            limit: q.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(rows))
}
