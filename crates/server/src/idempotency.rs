//! `Idempotency-Key`: a client that may send the same request twice (the field app replaying
//! what it queued offline, a retry after an answer was lost) names each request with a key of
//! its own. The first request with a key runs; its answer is kept per user, and the same key
//! on the same method and path gets that answer again, marked `Idempotency-Replayed: true`,
//! without running again. A copy arriving while the first still runs is told so (409). Server
//! failures (5xx) are not kept, so the request can be tried again.
//!
//! Applies to `POST`, `PUT`, `PATCH` and `DELETE` under `/api/` by a signed-in user; a request
//! without a key, or without a valid session (its handler answers 401), passes untouched.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorCode};
use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::sync::Arc;
use store::{KeyClaim, StoredAnswer};

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// The header on a replayed answer.
pub const REPLAYED: &str = "idempotency-replayed";

/// The largest answer kept (the actions' answers are small JSON documents).
const MAX_ANSWER: usize = 1024 * 1024;

/// Whether a key is acceptable: 1 to 128 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The middleware.
pub async fn layer(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !writes || !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let Some(key) = key
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_owned)
    else {
        return ApiError::new(
            ErrorCode::BadRequest,
            "Idempotency-Key: 1 to 128 visible ASCII characters",
        )
        .into_response();
    };
    let (mut parts, body) = request.into_parts();
    let Ok(principal) = Principal::from_request_parts(&mut parts, &state).await else {
        // The handler answers the missing or expired session.
        return next.run(Request::from_parts(parts, body)).await;
    };
    let user = principal.user.id;
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let claim = match state
        .store
        .claim_key(user, &key, &method, &path, Utc::now())
        .await
    {
        Ok(claim) => claim,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match claim {
        KeyClaim::Run => {}
        KeyClaim::Replay(answer) => return replay(answer),
        KeyClaim::Running => {
            return ApiError::new(
                ErrorCode::IdempotencyKeyInUse,
                "a request with this Idempotency-Key is still being answered",
            )
            .into_response()
        }
        KeyClaim::OtherRequest { method, path } => {
            return ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                format!("this Idempotency-Key was used for {method} {path}"),
            )
            .into_response()
        }
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status();
    if status.is_server_error() {
        if let Err(e) = state.store.release_key(user, &key).await {
            tracing::warn!(error = %e, "releasing an idempotency key failed");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_ANSWER).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "an answer too large to keep for its idempotency key");
            let _ = state.store.release_key(user, &key).await;
            return ApiError::new(ErrorCode::Internal, "the answer could not be kept")
                .into_response();
        }
    };
    let answer = StoredAnswer {
        status: status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: bytes.to_vec(),
    };
    if let Err(e) = state.store.keep_answer(user, &key, &answer).await {
        // The action is done; only a later replay would run it again.
        tracing::warn!(error = %e, "keeping the answer of an idempotency key failed");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    if let Some(ct) = answer
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("3f2a-11"));
        assert!(valid_key(&"k".repeat(128)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(129)));
        assert!(!valid_key("has space"));
        assert!(!valid_key("khóa"));
    }
}
