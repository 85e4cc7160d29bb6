//! Citizen reports without sign-in: `POST /api/public/reports` opens an incident on the
//! `web_report` channel and answers its reference number; `GET
//! /api/public/reports/{reference}?phone=` tells the reporter its status when the phone matches.
//! Both are limited per client address (like the public chat), with a clear 429, and show the
//! reporter nothing but the reference, the status and the times.

use crate::api::assistant::client_key;
use crate::api::incidents::{count_created, form_of, NewIncidentBody};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, Json, Query};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use domain::incident::{normalize_phone, IncidentNumber, Vocabulary};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use store::Actor;

/// Largest public report body.
pub const REPORT_BODY_LIMIT: usize = 16 * 1024;

/// A citizen's report.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicReport {
    /// Type code (fire, traffic_accident, crime, public_order, …); default `other`.
    pub kind: Option<String>,
    /// What happened.
    pub description: String,
    /// Where: an address, and/or coordinates from the phone.
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub name: Option<String>,
    /// A phone number to call back (required).
    pub phone: String,
}

/// What the reporter is told.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportReceipt {
    /// The reference to quote, e.g. `HN-2026-000123`.
    pub reference: String,
    /// Status code, e.g. `received`.
    pub status: String,
    pub status_label: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub message: String,
}

fn too_many() -> ApiError {
    ApiError::too_many_requests(
        "Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau ít phút. Trường hợp khẩn cấp hãy \
         gọi 113 (công an), 114 (cứu hỏa), 115 (cấp cứu).",
    )
}

/// Receives a citizen's report and answers its reference (201).
#[utoipa::path(post, path = "/api/public/reports", tag = "public", request_body = PublicReport,
    security(()),
    responses((status = 201, body = ReportReceipt), (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Json(body): Json<PublicReport>,
) -> ApiResult<Response> {
    if !state.cad.report_limiter.check(&client_key(peer.ip())) {
        state.metrics.count(
            "binhyen_public_reports_total",
            &[("result", "rate_limited")],
            1,
        );
        return Err(too_many());
    }
    if normalize_phone(&body.phone).is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "phone: cần số điện thoại để liên hệ lại",
        ));
    }
    let form = form_of(
        &state,
        NewIncidentBody {
            kind: body.kind.unwrap_or_else(|| "other".into()),
            channel: Some("web_report".into()),
            description: body.description,
            address: body.address,
            lat: body.lat,
            lon: body.lon,
            caller_name: body.name,
            caller_phone: Some(body.phone),
            ..Default::default()
        },
        "web_report",
        None,
    )
    .await?;
    let now = Utc::now();
    let valid = form.validate(now)?;
    let actor = Actor {
        request_id: crate::auth::request_id(&headers),
        ..Actor::system("public-web-report")
    };
    let created = state.store.create_incident(valid, &actor, now).await?;
    count_created(&state, &created.incident);
    state
        .metrics
        .count("binhyen_public_reports_total", &[("result", "created")], 1);
    let i = &created.incident;
    let receipt = ReportReceipt {
        reference: i.number.to_string(),
        status: i.status.code().to_owned(),
        status_label: i.status.label_vi().to_owned(),
        received_at: i.times.received,
        updated_at: i.updated_at,
        message: format!(
            "Đã tiếp nhận tin báo, mã tin báo {}. Cán bộ có thể gọi lại số điện thoại bạn cung cấp.",
            i.number
        ),
    };
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The phone number given with the report.
    pub phone: String,
}

/// The status of a report, by its reference and the phone number given with it. A wrong pair
/// answers 404, the same as an unknown reference.
#[utoipa::path(get, path = "/api/public/reports/{reference}", tag = "public",
    params(("reference" = String, Path), LookupQuery), security(()),
    responses((status = 200, body = ReportReceipt), (status = 404, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(reference): Path<String>,
    Query(q): Query<LookupQuery>,
) -> ApiResult<Json<ReportReceipt>> {
    if !state.cad.lookup_limiter.check(&client_key(peer.ip())) {
        return Err(too_many());
    }
    let not_found = || ApiError::not_found("không tìm thấy tin báo với mã và số điện thoại này");
    let number = IncidentNumber::parse(&reference).map_err(|_| not_found())?;
    let phone = normalize_phone(&q.phone).ok_or_else(not_found)?;
    let stored = state
        .store
        .incident_by_number(&number)
        .await?
        .filter(|s| s.incident.caller.phone.as_deref() == Some(phone.as_str()))
        .ok_or_else(not_found)?;
    let i = &stored.incident;
    // A merged report is followed on the incident that absorbed it.
    let message = match i.merged_into {
        Some(_) => "Tin báo đã được gộp với một tin báo khác về cùng sự việc.".to_owned(),
        None => format!("Tình trạng: {}", i.status.label_vi()),
    };
    Ok(Json(ReportReceipt {
        reference: i.number.to_string(),
        status: i.status.code().to_owned(),
        status_label: i.status.label_vi().to_owned(),
        received_at: i.times.received,
        updated_at: i.updated_at,
        message: format!("{message} ({})", i.kind.label_vi()),
    }))
}

/// The public report routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/public/reports",
            post(create).layer(DefaultBodyLimit::max(REPORT_BODY_LIMIT)),
        )
        .route("/api/public/reports/{reference}", get(lookup))
}

/// The public report paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, lookup))]
pub struct Doc;
