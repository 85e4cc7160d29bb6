//! Citizen reports without sign-in: `POST /api/public/reports` opens an incident on the
//! `web_report` channel and answers a lookup reference; `GET
//! /api/public/reports/{reference}?phone=` tells the reporter its status when the phone matches.
//! Both are limited per client address (like the public chat), with a clear 429, and show the
//! reporter nothing but the reference, the status and the times.
//!
//! The lookup reference is 100 random bits from the operating system's CSPRNG, issued when a
//! web or chat report is filed and kept only as its SHA-256. Hotline calls, alarms and field
//! reports have none, so the lookup can never tell whether, or when, a phone number called
//! the hotline; and a wrong reference, a wrong phone and an unknown report all answer the same
//! 404.

use crate::api::assistant::client_key;
use crate::api::incidents::{count_created, form_of, NewIncidentBody};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use domain::incident::{normalize_phone, Vocabulary};
use rand::{rngs::OsRng, Rng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::Arc;
use store::Actor;

/// The characters of a lookup reference: Crockford's base 32 (no I, L, O or U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a lookup reference: 20 × 5 = 100 bits.
pub const REFERENCE_CHARS: usize = 20;

/// A citizen's lookup reference, as issued: `7K3M-Q9XA-…`, five groups of four.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupReference {
    /// The 20 characters, without separators.
    plain: String,
}

impl LookupReference {
    /// A fresh reference from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let plain = (0..REFERENCE_CHARS)
            .map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]))
            .collect();
        LookupReference { plain }
    }

    /// A reference as a citizen typed it: case, spaces and dashes ignored, O read as 0, I and
    /// L as 1. `None` when it cannot be one.
    pub fn parse(text: &str) -> Option<Self> {
        let mut plain = String::with_capacity(REFERENCE_CHARS);
        for c in text.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            if plain.len() == REFERENCE_CHARS {
                return None;
            }
            plain.push(c);
        }
        (plain.len() == REFERENCE_CHARS).then_some(LookupReference { plain })
    }

    /// What the store keeps and looks up: the hex SHA-256 of the plain characters.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.plain.as_bytes()))
    }
}

impl std::fmt::Display for LookupReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, group) in self.plain.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            // Only ASCII characters of the alphabet are ever stored.
            f.write_str(std::str::from_utf8(group).map_err(|_| std::fmt::Error)?)?;
        }
        Ok(())
    }
}

/// Whether the phone given at lookup fits the report: the same number when the report had
/// one, none when it was filed anonymously.
fn phone_fits(stored: Option<&str>, given: Option<&str>) -> bool {
    let given = given.map(str::trim).filter(|p| !p.is_empty());
    match (stored, given) {
        (Some(stored), Some(given)) => normalize_phone(given).as_deref() == Some(stored),
        (None, None) => true,
        _ => false,
    }
}

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
    /// The lookup reference, e.g. `7K3M-Q9XA-2HDF-W8RC-B1TN`: with the phone, the only way to
    /// follow the report. Shown once, when the report is filed; it cannot be asked again.
    pub reference: String,
    /// The incident number (`HN-2026-000123`), to quote when calling the police about it.
    /// Only on the answer to the filing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
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
            ErrorCode::InvalidField,
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
    let reference = LookupReference::generate();
    let options = store::OpenOptions {
        public_ref_hash: Some(reference.hash()),
        ..Default::default()
    };
    let created = state
        .store
        .create_incident_with(valid, &options, &actor, now)
        .await?;
    count_created(&state, &created.incident);
    state
        .metrics
        .count("binhyen_public_reports_total", &[("result", "created")], 1);
    let i = &created.incident;
    let receipt = ReportReceipt {
        reference: reference.to_string(),
        number: Some(i.number.to_string()),
        status: i.status.code().to_owned(),
        status_label: i.status.label_vi().to_owned(),
        received_at: i.times.received,
        updated_at: i.updated_at,
        message: format!(
            "Đã tiếp nhận tin báo số {}. Mã tra cứu tình trạng: {reference} (hãy lưu lại và \
             không chia sẻ; mã chỉ hiện một lần). Cán bộ có thể gọi lại số điện thoại bạn cung cấp.",
            i.number
        ),
    };
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The phone number given with the report (leave it out for an anonymous chat report).
    pub phone: Option<String>,
}

/// The status of a web or chat report, by its lookup reference and the phone number given with
/// it. A wrong reference, a wrong phone, an incident number and a hotline call all answer the
/// same 404.
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
    let reference = LookupReference::parse(&reference).ok_or_else(not_found)?;
    let stored = state
        .store
        .public_report_by_ref(&reference.hash())
        .await?
        .filter(|s| phone_fits(s.incident.caller.phone.as_deref(), q.phone.as_deref()))
        .ok_or_else(not_found)?;
    let i = &stored.incident;
    // A merged report is followed on the incident that absorbed it.
    let message = match i.merged_into {
        Some(_) => "Tin báo đã được gộp với một tin báo khác về cùng sự việc.".to_owned(),
        None => format!("Tình trạng: {}", i.status.label_vi()),
    };
    Ok(Json(ReportReceipt {
        reference: reference.to_string(),
        number: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_carry_100_bits_in_five_groups() {
        let r = LookupReference::generate();
        let shown = r.to_string();
        assert_eq!(shown.len(), REFERENCE_CHARS + 4, "{shown}");
        assert_eq!(shown.split('-').count(), 5, "{shown}");
        const { assert!(REFERENCE_CHARS * 5 >= 80) };
        // Two references in a row differ (a fixed or counter-based source would not).
        assert_ne!(r, LookupReference::generate());
    }

    #[test]
    fn a_reference_reads_back_as_typed_loosely() {
        let r = LookupReference::generate();
        let shown = r.to_string();
        assert_eq!(LookupReference::parse(&shown), Some(r.clone()));
        let loose = shown.to_lowercase().replace('-', " ");
        assert_eq!(LookupReference::parse(&loose), Some(r.clone()));
        assert_eq!(
            LookupReference::parse("0O1I-L000-0000-0000-0000").map(|r| r.to_string()),
            Some("0011-1000-0000-0000-0000".to_owned())
        );
    }

    #[test]
    fn incident_numbers_and_junk_are_not_references() {
        for bad in [
            "HN-2026-000123",
            "",
            "0000-0000-0000-0000",
            "0000-0000-0000-0000-00000",
            "0000-0000-0000-0000-000U",
            "0000-0000-0000-0000-000é",
        ] {
            assert_eq!(LookupReference::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_hash_is_of_the_reference_not_of_its_spelling() {
        let r = LookupReference::generate();
        let typed = LookupReference::parse(&r.to_string().to_lowercase()).expect("parses");
        assert_eq!(r.hash(), typed.hash());
        assert_eq!(r.hash().len(), 64);
        assert_ne!(r.hash(), LookupReference::generate().hash());
    }

    #[test]
    fn the_phone_must_fit_the_report() {
        assert!(phone_fits(Some("0901234567"), Some("0901 234 567")));
        assert!(!phone_fits(Some("0901234567"), Some("0909999999")));
        assert!(!phone_fits(Some("0901234567"), None));
        assert!(phone_fits(None, None));
        assert!(phone_fits(None, Some("  ")));
        assert!(!phone_fits(None, Some("0901234567")));
    }
}
