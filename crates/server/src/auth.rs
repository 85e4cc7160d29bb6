//! Sign-in and access: Argon2id password hashes, server-side sessions (a cookie for the
//! console, the same token as a bearer for integrations), the login rate limit, and the
//! [`Principal`] extractor that every protected route takes.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, Json};
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
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use store::{Actor, SessionKind, User};

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
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
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
            Err(e) if e.status.is_client_error() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A fixed-window limiter keyed by client address (and by username for logins).
pub struct RateLimiter {
    per_window: u32,
    window: std::time::Duration,
    hits: Mutex<HashMap<String, (std::time::Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_window: u32, window: std::time::Duration) -> Self {
        RateLimiter {
            per_window,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`; `false` when the key is over its limit.
    pub fn check(&self, key: &str) -> bool {
        let now = std::time::Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return false;
        };
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_window
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
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
        }
    }
}

/// A PHC hash of a password nobody has, verified for unknown usernames so that a login for a
/// missing account costs the same as one with a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// Signs in with a username and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let ip = peer.ip();
    if !state.login_limiter.check(&format!("ip:{ip}"))
        || !state.login_limiter.check(&format!("user:{}", req.username))
    {
        state
            .metrics
            .count("binhyen_logins_total", &[("result", "rate_limited")], 1);
        return Err(ApiError::too_many_requests(
            "too many sign-in attempts; wait a minute and try again",
        ));
    }
    if req.username.len() > 64 || req.password.len() > 1024 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "username or password too long",
        ));
    }
    let user = state.store.user_by_username(&req.username).await?;
    let password = req.password.clone();
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|u| ok && !u.disabled) else {
        state
            .metrics
            .count("binhyen_logins_total", &[("result", "failed")], 1);
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        ));
    };
    let token = new_token();
    let now = Utc::now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    state
        .store
        .create_session(
            &user,
            SessionKind::Cookie,
            &token_hash(&token),
            now,
            expires_at,
        )
        .await?;
    state
        .metrics
        .count("binhyen_logins_total", &[("result", "ok")], 1);
    tracing::info!(user = %user.username, request_id = ?request_id(&headers), "signed in");
    let cookie = session_cookie(&token, state.secure_cookies, SESSION_HOURS * 3600);
    let body = LoginResponse {
        token,
        expires_at,
        user: UserView::from(&user),
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

fn session_cookie(token: &str, secure: bool, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
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

    #[test]
    fn rate_limiter_counts_per_key() {
        let limiter = RateLimiter::new(2, std::time::Duration::from_secs(60));
        assert!(limiter.check("a"));
        assert!(limiter.check("a"));
        assert!(!limiter.check("a"));
        assert!(limiter.check("b"));
    }
}
