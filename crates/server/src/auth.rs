//! Sign-in and access: Argon2id password hashes, server-side sessions (a cookie for the
//! console, the same token as a bearer for integrations), the sign-in throttles (attempts per
//! address, locks per account and address, known devices), 2-step verification, the owner's
//! password change, and the [`Principal`] extractor that every protected route takes.

pub mod guard;
pub mod totp;

pub use guard::{LoginGuard, RateLimiter};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorCode, Json};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use domain::access::{Role, Scope};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use store::{AccountChange, Actor, AuditEntry, SessionKind, User};

/// Name of the console's session cookie.
pub const SESSION_COOKIE: &str = "binhyen_session";
/// How long a session lives.
pub const SESSION_HOURS: i64 = 12;

/// Hashes a password with Argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random session token (hex of 32 random bytes).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The hash under which a token is stored: a stolen database holds no usable token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random password for the first `admin` account.
pub fn random_password() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub scope: Scope,
    pub token_hash: String,
    pub request_id: Option<String>,
}

impl Principal {
    /// Refuses (403) unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "role {} may not do this",
                self.user.role
            )))
        }
    }

    /// Refuses (403) unless the user may see data of `unit`.
    pub fn require_unit(&self, unit: Option<&str>, shared_with: &[String]) -> ApiResult<()> {
        if self.scope.allows(unit, shared_with) {
            Ok(())
        } else {
            Err(ApiError::forbidden("this belongs to another unit"))
        }
    }

    /// The unit a list is limited to: a unit-bound user's own unit (asking for another unit is
    /// refused with 403), or whatever a city-level user asked for (`None`: every unit).
    pub fn unit_filter(&self, asked: Option<String>) -> ApiResult<Option<String>> {
        match self.scope.unit() {
            Some(mine) => {
                if asked.as_deref().is_some_and(|u| u != mine) {
                    return Err(ApiError::forbidden("this belongs to another unit"));
                }
                Ok(Some(mine.to_owned()))
            }
            None => Ok(asked),
        }
    }

    /// The actor recorded in the audit trail.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.username.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Some(token.trim().to_owned());
        }
    }
    cookie_value(headers, SESSION_COOKIE)
}

/// The paths an establishment account may use: its session and its declarations.
fn establishment_may_use(path: &str) -> bool {
    path.starts_with("/api/auth/") || path.starts_with("/api/foreigner-declarations")
}

/// The request id set by the request-id layer.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_or_cookie(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        // Tokens are hex; anything else cannot be ours and is not worth a database round trip.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::unauthorized());
        }
        let hash = token_hash(&token);
        let (_, user) = state
            .store
            .session_user(&hash, Utc::now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let scope = Scope::of(user.role, user.unit_code.as_deref())
            .ok_or_else(|| ApiError::forbidden("this account is not bound to a unit"))?;
        // An accommodation establishment's account declares foreign guests and nothing else:
        // refused everywhere by default, so no other area can leak to it by omission.
        if user.role.is_establishment() && !establishment_may_use(parts.uri.path()) {
            return Err(ApiError::forbidden(
                "tài khoản cơ sở lưu trú chỉ dùng để khai báo tạm trú người nước ngoài",
            ));
        }
        Ok(Principal {
            user,
            scope,
            token_hash: hash,
            request_id: request_id(&parts.headers),
        })
    }
}

/// A signed-in user where sign-in is optional (the citizen chat): no token, or a token that
/// is not a live session, is an anonymous client; a database failure is still an error.
impl OptionalFromRequestParts<Arc<AppState>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Option<Self>, Self::Rejection> {
        if bearer_or_cookie(&parts.headers).is_none() {
            return Ok(None);
        }
        match <Principal as FromRequestParts<Arc<AppState>>>::from_request_parts(parts, state).await
        {
            Ok(principal) => Ok(Some(principal)),
            Err(e) if e.status().is_client_error() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Longest username accepted at sign-in (accounts are created with at most 64 characters).
pub const MAX_USERNAME: usize = 64;
/// Longest password accepted anywhere (Argon2 hashes any length; this bounds the work).
pub const MAX_PASSWORD: usize = 1024;
/// Name of the known-device cookie: a browser that once signed in to an account.
pub const DEVICE_COOKIE: &str = "binhyen_device";
/// How long a browser stays a known device.
pub const DEVICE_DAYS: i64 = 90;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// At most 64 characters.
    pub username: String,
    pub password: String,
    /// The 6-digit code of the authenticator app, for an account with 2-step verification.
    #[serde(default)]
    pub totp_code: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Bearer token for integrations; the console uses the cookie set with it.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// An account as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// One of admin, operator, unit_officer, leader, inspector.
    pub role: String,
    pub role_label: String,
    pub unit_code: Option<String>,
    /// A disabled account cannot sign in and has no live session.
    pub disabled: bool,
    /// Sign-in asks this account for a 2-step code.
    pub totp_enabled: bool,
    /// An admin or operator account without 2-step verification: the policy asks it to enrol.
    pub needs_totp: bool,
}

/// Whether the policy asks `role` to use 2-step verification (accounts that dispatch or
/// administer); other accounts may enrol if they wish.
pub fn role_needs_totp(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Operator)
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            role_label: u.role.label_vi().to_owned(),
            unit_code: u.unit_code.clone(),
            disabled: u.disabled,
            totp_enabled: u.totp_enabled(),
            needs_totp: role_needs_totp(u.role) && !u.totp_enabled(),
        }
    }
}

/// A PHC hash of a password nobody has, verified for unknown usernames so that a login for a
/// missing account costs the same as one with a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// Checks a password against a stored hash off the async threads (Argon2 takes a while).
async fn verify_off_thread(password: &str, hash: &str) -> ApiResult<bool> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)
}

/// The value of cookie `name`, if the request carries it.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether the client shows it already belongs to account `user_id`: a live session of that
/// account, or the cookie of a device that signed in to it. Such a client gets past a lock
/// that someone else's guessing put on its address.
async fn trusted_client(state: &AppState, headers: &HeaderMap, user_id: i64) -> ApiResult<bool> {
    let now = Utc::now();
    if let Some(token) = bearer_or_cookie(headers).filter(|t| is_token(t)) {
        if let Some((_, user)) = state.store.session_user(&token_hash(&token), now).await? {
            if user.id == user_id {
                return Ok(true);
            }
        }
    }
    if let Some(device) = cookie_value(headers, DEVICE_COOKIE).filter(|t| is_token(t)) {
        if state
            .store
            .known_device_user(&token_hash(&device), now)
            .await?
            == Some(user_id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Publishes how many entries the sign-in throttles hold (bounded by their capacity).
fn publish_guard_size(state: &AppState) {
    let guard = &state.login_guard;
    let size = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    state.metrics.gauge(
        "binhyen_login_guard_entries",
        &[("table", "addresses")],
        size(guard.addresses.len()),
    );
    state.metrics.gauge(
        "binhyen_login_guard_entries",
        &[("table", "locks")],
        size(guard.locks.len()),
    );
}

/// The username as the audit keeps it: at most [`MAX_USERNAME`] characters.
fn audited_name(username: &str) -> String {
    username.chars().take(MAX_USERNAME).collect()
}

/// Appends a sign-in row to the audit trail (never the password or the code).
async fn audit_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
    username: &str,
    user: Option<&User>,
    failure: Option<&str>,
) -> ApiResult<()> {
    let name = audited_name(username);
    let actor = match (user, failure) {
        (Some(u), None) => Actor {
            user_id: Some(u.id),
            name: u.username.clone(),
            request_id: request_id(headers),
        },
        // A failed attempt is not the account's doing: the actor is the address.
        _ => Actor {
            user_id: None,
            name: format!("client:{ip}"),
            request_id: request_id(headers),
        },
    };
    let entry = AuditEntry {
        action: if failure.is_some() {
            "auth.sign_in_failed".into()
        } else {
            "auth.sign_in".into()
        },
        // Apart from account changes (`user`): sign-ins are many, and listed on their own.
        object_type: "sign_in".into(),
        object_id: user.map(|u| u.id.to_string()).unwrap_or_default(),
        unit_code: user.and_then(|u| u.unit_code.clone()),
        summary: serde_json::json!({
            "username": name,
            "address": ip.to_string(),
            "reason": failure,
        }),
    };
    state.store.append_audit(&actor, &entry, Utc::now()).await?;
    Ok(())
}

fn locked_error(left: std::time::Duration) -> ApiError {
    ApiError::too_many_requests(format!(
        "too many failed sign-ins to this account from your address; try again in {} s, or \
         from a device that signed in to it before",
        left.as_secs().max(1)
    ))
}

/// A failed sign-in: counted against the account for this address, audited, answered.
async fn sign_in_failed(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
    username: &str,
    user: Option<&User>,
    reason: &str,
    error: ApiError,
) -> ApiError {
    if let Some(lock) = state
        .login_guard
        .locks
        .fail_at(username, ip, std::time::Instant::now())
    {
        tracing::warn!(user = %audited_name(username), %ip, lock_s = lock.as_secs(),
            "sign-in locked for this account from this address after repeated failures");
    }
    state
        .metrics
        .count("binhyen_logins_total", &[("result", "failed")], 1);
    if let Err(e) = audit_sign_in(state, headers, ip, username, user, Some(reason)).await {
        return e;
    }
    error
}

fn invalid_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password")
}

/// The master key that seals 2-step secrets, when this server has one.
fn master_key(state: &AppState) -> Option<&crate::receiver::keys::MasterKey> {
    state.alarms.master().ok()
}

/// Checks a 2-step code for `user` and uses it up: `Err` with the code to answer when it is
/// missing, wrong or already used.
async fn check_totp(
    state: &AppState,
    user: &User,
    stored: &str,
    code: Option<&str>,
) -> ApiResult<Result<(), (&'static str, ApiError)>> {
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Ok(Err((
            "totp_required",
            ApiError::new(
                ErrorCode::TotpRequired,
                "this account uses 2-step verification: send totp_code, the 6-digit code of \
                 the authenticator app",
            ),
        )));
    };
    let secret = totp::open_secret(master_key(state), stored).map_err(ApiError::internal)?;
    let Some(step) = totp::matching_step(&secret, code, Utc::now().timestamp()) else {
        return Ok(Err((
            "wrong_totp",
            ApiError::new(ErrorCode::InvalidTotp, "wrong or expired 2-step code"),
        )));
    };
    if !state.store.claim_totp_step(user.id, step).await? {
        return Ok(Err((
            "reused_totp",
            ApiError::new(
                ErrorCode::TotpReused,
                "this 2-step code was already used; wait for the next one",
            ),
        )));
    }
    Ok(Ok(()))
}

/// Signs in with a username and password (and the 2-step code, for an account that has one).
///
/// Attempts are limited per address; repeated failures lock the account for that address
/// only, with a lock that doubles on each further failure, and a client holding a live session
/// or a known-device cookie of the account gets through the lock with the right password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let ip = peer.ip();
    let allowed = state.login_guard.addresses.check(&ip.to_string());
    publish_guard_size(&state);
    if !allowed {
        state
            .metrics
            .count("binhyen_logins_total", &[("result", "rate_limited")], 1);
        return Err(ApiError::too_many_requests(
            "too many sign-in attempts; wait a minute and try again",
        ));
    }
    // Before the username touches a lock or the database.
    if req.username.is_empty()
        || req.username.len() > MAX_USERNAME
        || req.password.len() > MAX_PASSWORD
    {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("username: 1 to {MAX_USERNAME} bytes; password: at most {MAX_PASSWORD} bytes"),
        ));
    }
    let user = state.store.user_by_username(&req.username).await?;
    if let Some(left) =
        state
            .login_guard
            .locks
            .locked_at(&req.username, ip, std::time::Instant::now())
    {
        let trusted = match &user {
            Some(u) => trusted_client(&state, &headers, u.id).await?,
            None => false,
        };
        if !trusted {
            state
                .metrics
                .count("binhyen_logins_total", &[("result", "locked")], 1);
            audit_sign_in(
                &state,
                &headers,
                ip,
                &req.username,
                user.as_ref(),
                Some("locked"),
            )
            .await?;
            return Err(locked_error(left));
        }
    }
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let ok = verify_off_thread(&req.password, &hash).await?;
    let failure = match &user {
        None => Some("unknown_user"),
        Some(u) if u.disabled => Some("disabled"),
        Some(_) if !ok => Some("wrong_password"),
        Some(_) => None,
    };
    let (Some(user), None) = (user.as_ref(), failure) else {
        let reason = failure.unwrap_or("wrong_password");
        return Err(sign_in_failed(
            &state,
            &headers,
            ip,
            &req.username,
            user.as_ref(),
            reason,
            invalid_credentials(),
        )
        .await);
    };
    if let Some(stored) = &user.totp_secret {
        if let Err((reason, error)) =
            check_totp(&state, user, stored, req.totp_code.as_deref()).await?
        {
            if reason == "totp_required" {
                // The right password without a code is the first half of a 2-step sign-in,
                // not a failure.
                return Err(error);
            }
            return Err(sign_in_failed(
                &state,
                &headers,
                ip,
                &req.username,
                Some(user),
                reason,
                error,
            )
            .await);
        }
    }
    state.login_guard.locks.succeed(&req.username, ip);
    let token = new_token();
    let now = Utc::now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    state
        .store
        .create_session(
            user,
            SessionKind::Cookie,
            &token_hash(&token),
            now,
            expires_at,
        )
        .await?;
    let known_device = match cookie_value(&headers, DEVICE_COOKIE).filter(|t| is_token(t)) {
        Some(device) => {
            state
                .store
                .known_device_user(&token_hash(&device), now)
                .await?
                == Some(user.id)
        }
        None => false,
    };
    let device_cookie = if known_device {
        None
    } else {
        let device = new_token();
        state
            .store
            .add_known_device(
                user.id,
                &token_hash(&device),
                now,
                now + Duration::days(DEVICE_DAYS),
            )
            .await?;
        Some(cookie(
            DEVICE_COOKIE,
            &device,
            "/api/auth",
            state.secure_cookies,
            DEVICE_DAYS * 86_400,
        ))
    };
    audit_sign_in(&state, &headers, ip, &req.username, Some(user), None).await?;
    state
        .metrics
        .count("binhyen_logins_total", &[("result", "ok")], 1);
    tracing::info!(user = %user.username, request_id = ?request_id(&headers), "signed in");
    let session = session_cookie(&token, state.secure_cookies, SESSION_HOURS * 3600);
    let body = LoginResponse {
        token,
        expires_at,
        user: UserView::from(user),
    };
    let mut response = Json(body).into_response();
    response.headers_mut().append(SET_COOKIE, session);
    if let Some(device) = device_cookie {
        response.headers_mut().append(SET_COOKIE, device);
    }
    Ok(response)
}

fn cookie(name: &str, value: &str, path: &str, secure: bool, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn session_cookie(token: &str, secure: bool, max_age: i64) -> HeaderValue {
    cookie(SESSION_COOKIE, token, "/", secure, max_age)
}

/// Checks the signed-in user's own password before a sensitive change; wrong guesses count
/// against the account for this address like failed sign-ins, so a stolen session cannot
/// be used to guess it.
async fn check_own_password(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    ip: IpAddr,
    password: &str,
) -> ApiResult<()> {
    let username = &principal.user.username;
    if let Some(left) = state
        .login_guard
        .locks
        .locked_at(username, ip, std::time::Instant::now())
    {
        return Err(locked_error(left));
    }
    if password.len() > MAX_PASSWORD
        || !verify_off_thread(password, &principal.user.password_hash).await?
    {
        return Err(sign_in_failed(
            state,
            headers,
            ip,
            username,
            Some(&principal.user),
            "wrong_password",
            ApiError::new(ErrorCode::WrongPassword, "the current password is wrong"),
        )
        .await);
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters, at most 1024 bytes.
    pub new_password: String,
}

/// How many sessions a change ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionsRevoked {
    pub sessions_revoked: u64,
}

/// Changes the signed-in user's own password. Every other session and known device of the
/// account ends; this one stays signed in.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 200, body = SessionsRevoked), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    principal: Principal,
    Json(req): Json<PasswordChange>,
) -> ApiResult<Json<SessionsRevoked>> {
    check_own_password(
        &state,
        &principal,
        &headers,
        peer.ip(),
        &req.current_password,
    )
    .await?;
    crate::api::users::validate_password(&req.new_password)?;
    if req.new_password == req.current_password {
        return Err(ApiError::new(
            ErrorCode::WeakPassword,
            "new_password: must differ from the current password",
        ));
    }
    let hash = hash_off_thread(&req.new_password).await?;
    let changed = state
        .store
        .change_account(
            principal.user.id,
            &AccountChange::Password {
                hash,
                keep_session: Some(principal.token_hash.clone()),
                by_admin: false,
            },
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Json(SessionsRevoked {
        sessions_revoked: changed.sessions_revoked,
    }))
}

/// Hashes a password off the async threads.
pub async fn hash_off_thread(password: &str) -> ApiResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpEnrol {
    /// The current password, so that a stolen session cannot tie the account to a phone.
    pub password: String,
}

/// A new 2-step secret, to load into an authenticator app.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The secret in base32, to type in.
    pub secret: String,
    /// The `otpauth://` URI, to show as a QR code.
    pub otpauth_uri: String,
    /// Whether the secret is sealed at rest with the server's master key.
    pub sealed: bool,
}

/// Starts 2-step enrolment: the server makes a secret, which takes effect once a first code
/// from it is confirmed. A new enrolment replaces an unconfirmed one.
#[utoipa::path(post, path = "/api/auth/totp", tag = "auth", request_body = TotpEnrol,
    responses((status = 200, body = TotpEnrolment), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn totp_enrol(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    principal: Principal,
    Json(req): Json<TotpEnrol>,
) -> ApiResult<Json<TotpEnrolment>> {
    if principal.user.totp_enabled() {
        return Err(ApiError::new(
            ErrorCode::TotpAlreadyEnabled,
            "2-step verification is already on for this account; an administrator can reset it",
        ));
    }
    check_own_password(&state, &principal, &headers, peer.ip(), &req.password).await?;
    let secret = totp::new_secret();
    let master = master_key(&state);
    let stored = totp::store_secret(master, &secret).map_err(ApiError::internal)?;
    state
        .store
        .set_totp_pending(principal.user.id, &stored)
        .await?;
    let text = totp::base32_encode(&secret);
    Ok(Json(TotpEnrolment {
        otpauth_uri: totp::otpauth_uri(&principal.user.username, &text),
        secret: text,
        sealed: master.is_some(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    /// The current 6-digit code of the authenticator app.
    pub code: String,
}

/// Confirms 2-step enrolment with a first code: from now on, sign-in asks for a code.
#[utoipa::path(post, path = "/api/auth/totp/confirm", tag = "auth", request_body = TotpConfirm,
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn totp_confirm(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(req): Json<TotpConfirm>,
) -> ApiResult<Json<UserView>> {
    let Some(pending) = principal.user.totp_pending.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::NoTotpPending,
            "start 2-step enrolment first (POST /api/auth/totp)",
        ));
    };
    let secret = totp::open_secret(master_key(&state), pending).map_err(ApiError::internal)?;
    let step =
        totp::matching_step(&secret, &req.code, Utc::now().timestamp()).ok_or_else(|| {
            // The signed-in user mistyped the code: a wrong field, not a lost session (401
            // would send the console back to the sign-in page).
            ApiError::new(
                ErrorCode::InvalidField,
                "code: wrong or expired code; check the phone's clock and try the current code",
            )
        })?;
    let changed = state
        .store
        .change_account(
            principal.user.id,
            &AccountChange::ConfirmTotp { step },
            &principal.actor(),
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ApiError::new(
                ErrorCode::NoTotpPending,
                "start 2-step enrolment first (POST /api/auth/totp)",
            ),
            other => other.into(),
        })?;
    Ok(Json(UserView::from(&changed.user)))
}

/// Signs out: the session is revoked at once, on every node.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Response> {
    state
        .store
        .revoke_session(&principal.token_hash, Utc::now())
        .await?;
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, session_cookie("", state.secure_cookies, 0));
    Ok(response)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(principal: Principal) -> Json<UserView> {
    Json(UserView::from(&principal.user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("mật khẩu dài").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu dài", &hash));
        assert!(!verify_password("mat khau dai", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn bearer_header_wins_over_cookie() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; binhyen_session=abc"));
        assert_eq!(bearer_or_cookie(&h).as_deref(), Some("abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer xyz"));
        assert_eq!(bearer_or_cookie(&h).as_deref(), Some("xyz"));
    }
}
