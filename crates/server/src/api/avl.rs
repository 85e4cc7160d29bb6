//! Live positions over HTTP: vehicle trackers and GPS apps speaking the OsmAnd protocol
//! (`GET`/`POST /api/avl/osmand`, each tracker proving itself with its own token), the field
//! app and integrations (`POST /api/resources/{id}/position`), a resource's trail for the
//! console map, and the admin's mapping of trackers to resources.
//!
//! A tracker's token is given once, when the admin maps it, and only its SHA-256 is kept. The
//! tracker sends it as the `token` parameter, as a bearer token, or as the password of HTTP
//! basic authentication, whichever the device can do.

use crate::api::incidents::{actor_roles, reader_roles};
use crate::api::resources::load;
use crate::app::AppState;
use crate::auth::{new_token, token_hash, Principal};
use crate::avl::SinkError;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use domain::access::Role;
use domain::avl::{Fix, FixError, Source};
use domain::incident::GeoPoint;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{NewPosition, Tracker, TrailPoint};

fn refused(e: FixError) -> ApiError {
    ApiError::new(ErrorCode::InvalidPosition, e.to_string())
}

fn sink_failed(e: SinkError) -> ApiError {
    match e {
        SinkError::Busy => ApiError::new(ErrorCode::PositionsBusy, e.to_string()),
        SinkError::Stopped | SinkError::Store(_) => {
            ApiError::new(ErrorCode::NotReady, e.to_string())
        }
    }
}

/// The token a tracker sent: `token` parameter, bearer token, or basic password.
fn tracker_token(params: &[(String, String)], headers: &HeaderMap) -> Option<String> {
    if let Some((_, t)) = params.iter().find(|(k, _)| k == "token") {
        return Some(t.clone());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(t) = auth.strip_prefix("Bearer ") {
        return Some(t.trim().to_owned());
    }
    let basic = auth.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    text.split_once(':')
        .map(|(_, password)| password.to_owned())
}

/// Compares two hex digests without stopping at the first difference.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The OsmAnd parameters as a form body (for the API document; the handler reads them as
/// pairs, unknown ones ignored).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OsmAndForm {
    /// The tracker's device id (or `deviceid`).
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    /// Unix seconds or milliseconds, or RFC 3339.
    pub timestamp: Option<String>,
    /// Knots.
    pub speed: Option<f64>,
    pub bearing: Option<f64>,
    /// Metres.
    pub accuracy: Option<f64>,
    /// The tracker's token.
    pub token: Option<String>,
}

/// Receives one position from a tracker over the OsmAnd protocol: query parameters (`GET` or
/// `POST`), a form body, or the JSON body of newer clients. Answers 200 once stored; 401 for
/// an unknown device or a wrong token (the same answer for both), 422 for a position that
/// cannot be used, 503 when the writer is full (send again).
#[utoipa::path(post, path = "/api/avl/osmand", tag = "resources",
    params(("id" = String, Query, description = "The tracker's device id"),
           ("lat" = Option<f64>, Query), ("lon" = Option<f64>, Query),
           ("timestamp" = Option<String>, Query, description = "Unix seconds or milliseconds, or RFC 3339"),
           ("speed" = Option<f64>, Query, description = "Knots"),
           ("bearing" = Option<f64>, Query), ("accuracy" = Option<f64>, Query),
           ("token" = Option<String>, Query, description = "The tracker's token (or a bearer token, or basic auth)")),
    request_body(content = OsmAndForm, content_type = "application/x-www-form-urlencoded",
                 description = "The same parameters as a form, or the JSON report of newer clients"),
    responses((status = 200, description = "stored"), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn osmand(
    State(state): State<Arc<AppState>>,
    method: Method,
    Query(mut params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let now = Utc::now();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let json = method == Method::POST && content_type.starts_with("application/json");
    if method == Method::POST && !json && !body.is_empty() {
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("form body: {e}")))?;
        params.extend(form);
    }
    let report = if json {
        let id = params.iter().find(|(k, _)| k == "id" || k == "deviceid");
        domain::avl::parse_osmand_json(&body, id.map(|(_, v)| v.as_str()), now)
    } else {
        domain::avl::parse_osmand_params(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), now)
    }
    .map_err(refused)?;
    let token = tracker_token(&params, &headers).ok_or_else(ApiError::unauthorized)?;
    let tracker = state
        .store
        .tracker(&report.device_id)
        .await?
        .filter(|t| same_digest(&t.token_sha256, &token_hash(&token)))
        .ok_or_else(ApiError::unauthorized)?;
    let sink = &state.positions;
    let fix = report.fix.check(now, sink.oldest(now)).map_err(refused)?;
    sink.submit(vec![NewPosition {
        resource_id: tracker.resource_id,
        fix,
        source: Source::Tracker,
    }])
    .await
    .map_err(sink_failed)?;
    Ok(StatusCode::OK.into_response())
}

/// A position from the field app or an integration.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    pub lat: f64,
    pub lon: f64,
    /// When the fix was taken (default: now). Reports sent late keep their own time.
    pub at: Option<DateTime<Utc>>,
    pub accuracy_m: Option<f64>,
    pub speed_kmh: Option<f64>,
    /// Degrees clockwise from north.
    pub heading: Option<f64>,
    /// `app` (the field app) or `api` (default).
    pub source: Option<String>,
}

/// Reports a resource's position (the field app on an officer's phone, an integration). A
/// unit officer reports for their own unit's resources only. Answers 202 once stored.
#[utoipa::path(post, path = "/api/resources/{id}/position", tag = "resources",
    params(("id" = i64, Path)), request_body = PositionBody,
    responses((status = 202, description = "stored"), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn position(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<PositionBody>,
) -> ApiResult<StatusCode> {
    principal.require(&actor_roles())?;
    let record = load(&state, &principal, id).await?;
    if let Some(mine) = principal.scope.unit() {
        if record.owner_unit.as_deref() != Some(mine) {
            return Err(ApiError::forbidden(
                "a unit officer reports positions of their own unit's resources only",
            ));
        }
    }
    let source = match body.source.as_deref() {
        None | Some("api") => Source::Api,
        Some("app") => Source::App,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                format!("source: {other:?} is neither app nor api"),
            ))
        }
    };
    let now = Utc::now();
    let sink = &state.positions;
    let fix = Fix {
        at: body.at.unwrap_or(now),
        point: GeoPoint::new(body.lat, body.lon),
        accuracy_m: body.accuracy_m,
        speed_kmh: body.speed_kmh,
        heading: body.heading,
    }
    .check(now, sink.oldest(now))
    .map_err(refused)?;
    sink.submit(vec![NewPosition {
        resource_id: id,
        fix,
        source,
    }])
    .await
    .map_err(sink_failed)?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TrailQuery {
    /// From (default: an hour before `until`).
    pub since: Option<DateTime<Utc>>,
    /// Until (default: now, and the few minutes a device's clock may run ahead).
    pub until: Option<DateTime<Utc>>,
    /// 1 to 10,000 points (default 2,000): the newest when there are more.
    pub limit: Option<i64>,
}

/// A resource's trail, oldest point first.
#[utoipa::path(get, path = "/api/resources/{id}/trail", tag = "resources",
    params(("id" = i64, Path), TrailQuery),
    responses((status = 200, body = [TrailPoint]), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn trail(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(q): Query<TrailQuery>,
) -> ApiResult<Json<Vec<TrailPoint>>> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    let now = Utc::now();
    let until = q.until.unwrap_or(now + domain::avl::MAX_CLOCK_AHEAD);
    let since = q.since.unwrap_or(now - Duration::hours(1));
    if since > until {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "since: after until"));
    }
    let limit = q.limit.unwrap_or(2_000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "limit: 1 to 10000"));
    }
    Ok(Json(
        state.store.resource_trail(id, since, until, limit).await?,
    ))
}

/// The tracker to map to a resource.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackerBody {
    /// The id the tracker sends (its IMEI, or the id set in the GPS app).
    pub device_id: String,
}

/// A tracker just mapped: the token is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewTracker {
    #[serde(flatten)]
    pub tracker: Tracker,
    /// Give it to the tracker; it is not kept and cannot be shown again.
    pub token: String,
    /// The address to set in the tracker (OsmAnd protocol), relative to this server.
    pub url: String,
}

/// Maps a tracker to a resource (admin), replacing its earlier one, with a new token.
#[utoipa::path(put, path = "/api/resources/{id}/tracker", tag = "resources",
    params(("id" = i64, Path)), request_body = TrackerBody,
    responses((status = 200, body = NewTracker), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_tracker(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<TrackerBody>,
) -> ApiResult<Json<NewTracker>> {
    principal.require(&[Role::Admin])?;
    load(&state, &principal, id).await?;
    let device_id = body.device_id.trim();
    if device_id.is_empty()
        || device_id.len() > 64
        || !device_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "device_id: 1 to 64 letters, digits, '-', '_', '.' or ':'",
        ));
    }
    let token = new_token();
    let tracker = state
        .store
        .set_tracker(
            id,
            device_id,
            &token_hash(&token),
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    let url = format!("/api/avl/osmand?token={token}");
    Ok(Json(NewTracker {
        tracker,
        token,
        url,
    }))
}

/// The tracker mapped to a resource (its token is never shown again).
#[utoipa::path(get, path = "/api/resources/{id}/tracker", tag = "resources",
    params(("id" = i64, Path)),
    responses((status = 200, body = Tracker), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_tracker(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Tracker>> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    state
        .store
        .resource_tracker(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("resource {id} has no tracker")))
}

/// Removes a resource's tracker (admin): it can no longer report.
#[utoipa::path(delete, path = "/api/resources/{id}/tracker", tag = "resources",
    params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_tracker(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    principal.require(&[Role::Admin])?;
    load(&state, &principal, id).await?;
    if state
        .store
        .remove_tracker(id, &principal.actor(), Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("resource {id} has no tracker")))
    }
}

/// The position routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/avl/osmand", get(osmand).post(osmand))
        .route("/api/resources/{id}/position", post(position))
        .route("/api/resources/{id}/trail", get(trail))
        .route(
            "/api/resources/{id}/tracker",
            get(get_tracker).put(set_tracker).delete(remove_tracker),
        )
}

/// The position paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(osmand, position, trail, set_tracker, get_tracker, remove_tracker))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_comes_as_a_parameter_a_bearer_or_a_basic_password() {
        let mut h = HeaderMap::new();
        let p = vec![("token".to_owned(), "abc".to_owned())];
        assert_eq!(tracker_token(&p, &h).as_deref(), Some("abc"));
        h.insert(header::AUTHORIZATION, "Bearer def".parse().unwrap());
        assert_eq!(tracker_token(&[], &h).as_deref(), Some("def"));
        let basic = base64::engine::general_purpose::STANDARD.encode("xe-01:ghi");
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().unwrap(),
        );
        assert_eq!(tracker_token(&[], &h).as_deref(), Some("ghi"));
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(tracker_token(&[], &h), None);
    }

    #[test]
    fn digests_compare_whole() {
        assert!(same_digest("abcd", "abcd"));
        assert!(!same_digest("abcd", "abce"));
        assert!(!same_digest("abcd", "abc"));
    }
}
