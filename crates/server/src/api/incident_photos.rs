//! What the people on scene send from the field besides statuses: photos of the incident
//! (stripped of their metadata; the place kept as a point only when the officer asks) and
//! calls for backup, which go on the incident's timeline for the dispatcher.

use crate::api::incident_view::IncidentDetail;
use crate::api::incidents::{actor_roles, apply, load, reader_roles};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use domain::incident::GeoPoint;
use domain::photo::{strip_metadata, PhotoError, MAX_PHOTO_BYTES};
use serde::Deserialize;
use std::sync::Arc;
use store::{IncidentCommand, NewPhoto, PhotoInfo};

/// A photo's raw bytes (for the API document).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PhotoBytes(Vec<u8>);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    /// Keep where the photo was taken (given as `lat`/`lon`); by default it is not kept.
    #[serde(default)]
    pub keep_location: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Adds a photo to an incident: the raw JPEG or PNG bytes as the body (at most 5 MiB). Its
/// metadata (Exif with the GPS position, XMP, IPTC, comments) is removed before it is stored.
#[utoipa::path(post, path = "/api/incidents/{id}/photos", tag = "incidents",
    params(("id" = i64, Path), PhotoQuery),
    request_body(content = PhotoBytes, content_type = "application/octet-stream",
                 description = "The photo's bytes (JPEG or PNG; sent as image/jpeg, image/png or application/octet-stream)"),
    responses((status = 201, body = PhotoInfo), (status = 404, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(q): Query<PhotoQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    principal.require(&actor_roles())?;
    let stored = load(&state, &principal, id).await?;
    let point = match (q.keep_location, q.lat, q.lon) {
        (false, _, _) => None,
        (true, Some(lat), Some(lon)) if GeoPoint::new(lat, lon).is_valid() => {
            Some(GeoPoint::new(lat, lon))
        }
        (true, _, _) => {
            return Err(ApiError::new(
                ErrorCode::InvalidCoordinates,
                "keep_location needs a valid lat and lon",
            ))
        }
    };
    let (format, bytes) = strip_metadata(&body).map_err(|e| match e {
        PhotoError::TooLarge(_) => ApiError::new(ErrorCode::BodyTooLarge, e.to_string()),
        PhotoError::NotAnImage | PhotoError::Malformed(_) => {
            ApiError::new(ErrorCode::InvalidPhoto, e.to_string())
        }
    })?;
    let a = &stored.incident.assignment;
    let info = state
        .store
        .add_photo(
            NewPhoto {
                incident_id: id,
                unit_code: a.primary_unit.clone(),
                shared_with: a.shared_with.clone(),
                content_type: format.content_type().to_owned(),
                bytes,
                point,
            },
            &principal.actor(),
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

/// An incident's photos, oldest first (without their bytes).
#[utoipa::path(get, path = "/api/incidents/{id}/photos", tag = "incidents",
    params(("id" = i64, Path)),
    responses((status = 200, body = [PhotoInfo]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<PhotoInfo>>> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    Ok(Json(state.store.incident_photos(id).await?))
}

/// One photo's image.
#[utoipa::path(get, path = "/api/incidents/{id}/photos/{photo}", tag = "incidents",
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses((status = 200, description = "the image", content_type = "image/jpeg"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn image(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path((id, photo)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    principal.require(&reader_roles())?;
    load(&state, &principal, id).await?;
    let (info, bytes) = state
        .store
        .incident_photo(id, photo)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("photo {photo} of incident {id} not found")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&info.content_type) {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    // Photos never change under their id; they are personal, so only the browser keeps them.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400, immutable"),
    );
    Ok(response)
}

/// A call for backup.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupBody {
    /// The resource asking (its call sign goes on the timeline).
    pub resource_id: Option<i64>,
    /// What is needed, e.g. "thêm 1 xe chữa cháy", "đối tượng có hung khí".
    pub reason: Option<String>,
}

/// Asks for backup from the scene: a note on the incident's timeline ("CẦN CHI VIỆN") and a
/// `backup.requested` change that sounds on every console that can see the incident.
#[utoipa::path(post, path = "/api/incidents/{id}/backup", tag = "incidents",
    params(("id" = i64, Path)), request_body = BackupBody,
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn backup(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<BackupBody>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(&actor_roles())?;
    let call_sign = match body.resource_id {
        Some(rid) => Some(
            crate::api::resources::load(&state, &principal, rid)
                .await?
                .resource
                .call_sign,
        ),
        None => None,
    };
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let who = call_sign
        .as_deref()
        .map(|c| format!(" — {c}"))
        .unwrap_or_default();
    let why = reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    let text = format!("CẦN CHI VIỆN{who}{why}");
    let detail = apply(&state, &principal, id, IncidentCommand::Note { text }, None).await?;
    // Every console that can see the incident is told at once, not only its open page.
    let entry = store::AuditEntry {
        action: "backup.requested".into(),
        object_type: "incident".into(),
        object_id: id.to_string(),
        unit_code: detail.0.unit_code.clone(),
        summary: serde_json::json!({
            "incident_id": id,
            "number": detail.0.number,
            "resource_id": body.resource_id,
            "call_sign": call_sign,
            "reason": reason,
        }),
    };
    state
        .store
        .announce(
            &principal.actor(),
            &entry,
            detail.0.shared_with.clone(),
            Utc::now(),
        )
        .await?;
    Ok(detail)
}

/// The field routes. Photos take a larger body than the API's default.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/incidents/{id}/photos",
            post(add)
                .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + 1))
                .get(list),
        )
        .route("/api/incidents/{id}/photos/{photo}", get(image))
        .route("/api/incidents/{id}/backup", post(backup))
}

/// The field paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(add, list, image, backup))]
pub struct Doc;
