//! Accounts, managed by administrators.

use crate::app::AppState;
use crate::auth::{self, Principal, UserView};
use crate::error::{ApiError, ApiResult, Json};
use axum::extract::State;
use axum::http::StatusCode;
use domain::access::Role;
use serde::Deserialize;
use std::sync::Arc;
use store::NewUser;

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
    units: &domain::units::UnitDirectory,
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
        return Err(ApiError::bad_request(
            "invalid_field",
            "username: 3 to 64 characters among a-z, 0-9, '.', '_' and '-'",
        ));
    }
    let role = Role::parse(role).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            "role: one of admin, operator, unit_officer, leader, inspector",
        )
    })?;
    if role.is_establishment() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "role: establishment accounts are created with POST /api/establishments/{id}/account",
        ));
    }
    let unit = match (role.needs_unit(), unit_code) {
        (true, None) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "unit_code: required for a unit officer",
            ))
        }
        (false, Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "unit_code: only unit officers are bound to a unit",
            ))
        }
        (true, Some(code)) => {
            if units.get(code).is_none() {
                return Err(ApiError::bad_request(
                    "unknown_unit",
                    format!("unit_code: no unit {code}"),
                ));
            }
            Some(code.to_owned())
        }
        (false, None) => None,
    };
    if password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::bad_request(
            "weak_password",
            format!("password: at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok((role, unit))
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
        &state.units,
        &req.username,
        &req.role,
        req.unit_code.as_deref(),
        &req.password,
    )?;
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
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
