//! Accounts, managed by administrators: creating them, resetting a password, disabling and
//! enabling, ending every session, and clearing 2-step verification (a lost phone). Every
//! change is audited. The owner's own password and 2-step enrolment are in [`crate::auth`].

use crate::app::AppState;
use crate::auth::{self, Principal, SessionsRevoked, UserView};
use crate::error::{ApiError, ApiResult, ErrorCode, Json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post, put};
use axum::Router;
use domain::access::Role;
use serde::Deserialize;
use std::sync::Arc;
use store::{AccountChange, NewUser};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    pub display_name: Option<String>,
    /// admin, operator, unit_officer, leader or inspector.
    pub role: String,
    /// Required for unit_officer: the unit code.
    pub unit_code: Option<String>,
    /// At least 10 characters.
    pub password: String,
}

/// Minimum password length for new accounts.
pub const MIN_PASSWORD: usize = 10;

/// Checks a new account's fields against the rules and the loaded units.
pub fn validate_new_user(
    unit_exists: impl Fn(&str) -> bool,
    username: &str,
    role: &str,
    unit_code: Option<&str>,
    password: &str,
) -> Result<(Role, Option<String>), ApiError> {
    let valid_name = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid_name {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "username: 3 to 64 characters among a-z, 0-9, '.', '_' and '-'",
        ));
    }
    let (role, unit) = validate_role_unit(unit_exists, role, unit_code)?;
    validate_password(password)?;
    Ok((role, unit))
}

/// Checks an account's role and unit: a known staff role, and a unit (that exists) exactly
/// when the role is bound to one.
pub fn validate_role_unit(
    unit_exists: impl Fn(&str) -> bool,
    role: &str,
    unit_code: Option<&str>,
) -> Result<(Role, Option<String>), ApiError> {
    let role = Role::parse(role).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidField,
            "role: one of admin, operator, unit_officer, leader, inspector",
        )
    })?;
    if role.is_establishment() {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "role: establishment accounts are created with POST /api/establishments/{id}/account",
        ));
    }
    let unit = match (role.needs_unit(), unit_code) {
        (true, None) => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "unit_code: required for a unit officer",
            ))
        }
        (false, Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "unit_code: only unit officers are bound to a unit",
            ))
        }
        (true, Some(code)) => {
            if !unit_exists(code) {
                return Err(ApiError::new(
                    ErrorCode::UnknownUnit,
                    format!("unit_code: no unit {code}"),
                ));
            }
            Some(code.to_owned())
        }
        (false, None) => None,
    };
    Ok((role, unit))
}

/// Checks a new password: at least [`MIN_PASSWORD`] characters, at most
/// [`auth::MAX_PASSWORD`] bytes.
pub fn validate_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::new(
            ErrorCode::WeakPassword,
            format!("password: at least {MIN_PASSWORD} characters"),
        ));
    }
    if password.len() > auth::MAX_PASSWORD {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("password: at most {} bytes", auth::MAX_PASSWORD),
        ));
    }
    Ok(())
}

/// Lists accounts (admin only).
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = [UserView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<Vec<UserView>>> {
    principal.require(&[Role::Admin])?;
    let users = state.store.list_users().await?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// Creates an account (admin only).
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(req): Json<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    principal.require(&[Role::Admin])?;
    let (role, unit_code) = validate_new_user(
        |code| state.units.get(code).is_some(),
        &req.username,
        &req.role,
        req.unit_code.as_deref(),
        &req.password,
    )?;
    let hash = auth::hash_off_thread(&req.password).await?;
    let user = state
        .store
        .create_user(
            &NewUser {
                display_name: req.display_name.unwrap_or_else(|| req.username.clone()),
                username: req.username,
                role,
                unit_code,
                password_hash: hash,
            },
            &principal.actor(),
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ApiError::conflict("that username is taken"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// An account's name, role and unit, all three as they should be.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The name shown to others (1 to 100 characters).
    pub display_name: String,
    /// admin, operator, unit_officer, leader or inspector.
    pub role: String,
    /// The unit code for a unit officer; null for every other role.
    pub unit_code: Option<String>,
}

/// Longest display name.
const MAX_DISPLAY_NAME: usize = 100;

/// Sets an account's name, role and unit (admin only). A change of role or unit ends the
/// account's sessions, since what it may see changes. An administrator cannot take the
/// administrator role from their own account, and establishment accounts keep theirs.
#[utoipa::path(put, path = "/api/users/{id}/assignment", tag = "users", request_body = Assignment,
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn assign(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(req): Json<Assignment>,
) -> ApiResult<Json<UserView>> {
    principal.require(&[Role::Admin])?;
    let display_name = req.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("display_name: 1 to {MAX_DISPLAY_NAME} characters"),
        ));
    }
    let (role, unit_code) = validate_role_unit(
        |code| state.units.get(code).is_some(),
        &req.role,
        req.unit_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
    )?;
    let before = state
        .store
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("account {id} not found")))?;
    if before.role.is_establishment() {
        return Err(ApiError::conflict(
            "an establishment account keeps its role and establishment",
        ));
    }
    if id == principal.user.id && role != Role::Admin {
        return Err(ApiError::conflict(
            "you cannot take the administrator role from your own account",
        ));
    }
    let changed = admin_change(
        &state,
        &principal,
        id,
        AccountChange::Assignment {
            display_name: display_name.to_owned(),
            role,
            unit_code,
        },
    )
    .await?;
    Ok(Json(UserView::from(&changed.user)))
}

/// The account-management routes beside `GET`/`POST /api/users`, and the owner's own password
/// and 2-step enrolment.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/auth/password", post(auth::change_password))
        .route("/api/auth/totp", post(auth::totp_enrol))
        .route("/api/auth/totp/confirm", post(auth::totp_confirm))
        .route("/api/users/{id}/password", post(reset_password))
        .route("/api/users/{id}/disable", post(disable))
        .route("/api/users/{id}/enable", post(enable))
        .route("/api/users/{id}/sessions", delete(revoke_sessions))
        .route("/api/users/{id}/totp", delete(clear_totp))
        .route("/api/users/{id}/assignment", put(assign))
}

/// The account paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        auth::change_password,
        auth::totp_enrol,
        auth::totp_confirm,
        reset_password,
        disable,
        enable,
        revoke_sessions,
        clear_totp,
        assign
    ),
    components(schemas(Assignment))
)]
pub struct Doc;

/// Applies an administrator's change to account `id`.
async fn admin_change(
    state: &AppState,
    principal: &Principal,
    id: i64,
    change: AccountChange,
) -> ApiResult<store::AccountChanged> {
    principal.require(&[Role::Admin])?;
    Ok(state
        .store
        .change_account(id, &change, &principal.actor(), chrono::Utc::now())
        .await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// At least 10 characters, at most 1024 bytes.
    pub new_password: String,
}

/// Sets a new password for an account (admin only). Every session and known device of the
/// account ends, except the administrator's own session when resetting their own password.
#[utoipa::path(post, path = "/api/users/{id}/password", tag = "users", request_body = PasswordReset,
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = SessionsRevoked), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(req): Json<PasswordReset>,
) -> ApiResult<Json<SessionsRevoked>> {
    principal.require(&[Role::Admin])?;
    validate_password(&req.new_password)?;
    let hash = auth::hash_off_thread(&req.new_password).await?;
    let keep_session = (id == principal.user.id).then(|| principal.token_hash.clone());
    let changed = admin_change(
        &state,
        &principal,
        id,
        AccountChange::Password {
            hash,
            keep_session,
            by_admin: true,
        },
    )
    .await?;
    Ok(Json(SessionsRevoked {
        sessions_revoked: changed.sessions_revoked,
    }))
}

/// Disables an account (admin only): it cannot sign in, and its sessions end at once.
/// Administrators cannot disable their own account.
#[utoipa::path(post, path = "/api/users/{id}/disable", tag = "users",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn disable(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserView>> {
    principal.require(&[Role::Admin])?;
    if id == principal.user.id {
        return Err(ApiError::new(
            ErrorCode::CannotDisableSelf,
            "you cannot disable your own account; another administrator can",
        ));
    }
    let changed = admin_change(&state, &principal, id, AccountChange::Disable).await?;
    Ok(Json(UserView::from(&changed.user)))
}

/// Enables a disabled account again (admin only); its old sessions stay ended.
#[utoipa::path(post, path = "/api/users/{id}/enable", tag = "users",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn enable(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserView>> {
    let changed = admin_change(&state, &principal, id, AccountChange::Enable).await?;
    Ok(Json(UserView::from(&changed.user)))
}

/// Ends every session of an account and forgets its known devices (admin only), e.g. after a
/// lost laptop.
#[utoipa::path(delete, path = "/api/users/{id}/sessions", tag = "users",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = SessionsRevoked), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_sessions(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<SessionsRevoked>> {
    let changed = admin_change(&state, &principal, id, AccountChange::RevokeSessions).await?;
    Ok(Json(SessionsRevoked {
        sessions_revoked: changed.sessions_revoked,
    }))
}

/// Turns 2-step verification off for an account (admin only), e.g. after a lost phone; the
/// owner can enrol again.
#[utoipa::path(delete, path = "/api/users/{id}/totp", tag = "users",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn clear_totp(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserView>> {
    let changed = admin_change(&state, &principal, id, AccountChange::ClearTotp).await?;
    Ok(Json(UserView::from(&changed.user)))
}
