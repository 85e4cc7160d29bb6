//! The citizen assistant over HTTP: the public chat (no sign-in, limited per client address),
//! the operator's call-transcript helper, the knowledge-base reload, and the report intake that
//! turns a confirmed chat report into an incident of the unit that owns the place.
//!
//! The assistant itself (understanding, answers, dialogue) lives in the `assistant` crate; this
//! module owns what the library leaves to the server: the clock, client limits, the address
//! resolver over the unit directory, incident filing, and the upkeep task (expired
//! conversations, reload on `SIGHUP`).

use crate::app::AppState;
use crate::auth::{self, Principal, RateLimiter};
use crate::error::{ApiError, ApiResult, ErrorCode, Json};
use assistant::{
    AddressResolver, Assistant, ChatOutcome, ChatRequest, ChatResponse, KbError, KnowledgeBase,
    OperatorRequest, OperatorSuggestion, ReplyKind, ReportDraft,
};
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::incident::{
    Caller, Channel, CrimeSubtype, GeoPoint, IncidentError, IncidentKind, IncidentLocation,
    NewIncident, ValidNewIncident,
};
use domain::units::UnitDirectory;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::{Actor, AuditEntry};

/// Chat messages accepted per client address and minute (the public page, no sign-in).
pub const CHAT_PER_MINUTE: u32 = 30;
/// Chat messages accepted per signed-in account and minute: staff behind one office address
/// (a command centre, a ward office) are not held to the public per-address limit.
pub const ACCOUNT_CHAT_PER_MINUTE: u32 = 120;
/// Largest chat or operator request body, in bytes.
pub const BODY_LIMIT: usize = 16 * 1024;
/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// Longest call transcript, in characters.
pub const MAX_TRANSCRIPT_CHARS: usize = 8_000;
/// How often expired conversations are dropped.
pub const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Why an assistant operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AssistantError {
    /// The knowledge base folder could not be read or has an invalid article.
    #[error("cannot load the knowledge base from {dir}: {source}")]
    LoadKb {
        /// The folder.
        dir: PathBuf,
        /// What is wrong, with file and line.
        source: KbError,
    },
    /// The confirmed report does not make a valid incident.
    #[error("the report does not make a valid incident: {0}")]
    InvalidReport(IncidentError),
    /// The database refused or failed.
    #[error("the incident could not be stored: {0}")]
    Store(#[from] store::StoreError),
}

/// What the server keeps for the assistant: one per process, shared by every request.
pub struct AssistantService {
    /// The assistant, with the unit directory as its address resolver.
    pub assistant: Assistant,
    /// Public chat messages per client address (IPv6: per /64).
    pub chat_limiter: RateLimiter,
    /// Chat messages per signed-in account.
    pub account_chat_limiter: RateLimiter,
    /// The folder the knowledge base is (re)loaded from.
    pub kb_dir: PathBuf,
}

impl AssistantService {
    /// Loads the knowledge base from `kb_dir` and builds the assistant over it, resolving
    /// addresses (old ward names included) with `units`.
    pub fn load(kb_dir: &Path, units: Arc<UnitDirectory>) -> Result<Self, AssistantError> {
        let kb = KnowledgeBase::load_dir(kb_dir).map_err(|source| AssistantError::LoadKb {
            dir: kb_dir.to_owned(),
            source,
        })?;
        let assistant = Assistant::from_env(kb).with_resolver(Box::new(UnitResolver(units)));
        tracing::info!(
            articles = assistant.article_count(),
            kb = %kb_dir.display(),
            phrasing = assistant.has_phraser(),
            "knowledge base loaded"
        );
        Ok(AssistantService {
            assistant,
            chat_limiter: RateLimiter::new(CHAT_PER_MINUTE, Duration::from_secs(60)),
            account_chat_limiter: RateLimiter::new(
                ACCOUNT_CHAT_PER_MINUTE,
                Duration::from_secs(60),
            ),
            kb_dir: kb_dir.to_owned(),
        })
    }
}

/// Reads an address through the one location resolver: the unit's code when the address
/// settles on one unit (a street inside one unit, a landmark, a junction, a unit or old unit
/// name); nothing when it fits several, so that no unit is guessed.
pub struct UnitResolver(pub Arc<UnitDirectory>);

impl AddressResolver for UnitResolver {
    fn resolve(&self, address: &str) -> Option<String> {
        self.0.resolve(address).assigned().map(|u| u.code.clone())
    }
}

/// Where a report's place lies, through the same resolver as every other channel: the shared
/// point's unit when it is inside the jurisdiction, otherwise the unit the address settles on;
/// when the address fits several units, none is set and the candidates are kept.
pub fn locate_report(units: &UnitDirectory, draft: &ReportDraft) -> IncidentLocation {
    let point = match (draft.lat, draft.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
        _ => None,
    };
    domain::incident::placement::place(units, point, draft.address_text.as_deref())
}

/// Turns a confirmed chat report into a validated new incident (channel `assistant`).
pub fn new_incident(
    units: &UnitDirectory,
    draft: &ReportDraft,
    now: DateTime<Utc>,
) -> Result<ValidNewIncident, IncidentError> {
    let kind = draft
        .incident_type
        .code()
        .parse::<IncidentKind>()
        .unwrap_or(IncidentKind::Other);
    let crime_subtype = match kind {
        IncidentKind::Crime => draft
            .sub_type
            .and_then(|s| s.code().parse::<CrimeSubtype>().ok()),
        _ => None,
    };
    let mut description = draft.description.trim().to_owned();
    if let Some(when) = draft.occurred_at_text.as_deref() {
        description.push_str(&format!("\nThời điểm (theo người báo): {when}"));
        if let Some(at) = draft.occurred_at {
            let local = at + chrono::Duration::hours(7);
            description.push_str(&format!(" (khoảng {})", local.format("%H:%M %d/%m/%Y")));
        }
    }
    if draft.ongoing {
        description.push_str("\nNgười báo cho biết sự việc đang diễn ra.");
    }
    if draft.anonymous {
        description.push_str("\nTin báo ẩn danh: người báo không để lại liên lạc.");
    }
    NewIncident {
        kind,
        crime_subtype,
        priority: None,
        channel: Channel::Assistant,
        location: locate_report(units, draft),
        caller: Caller {
            name: draft.name.clone(),
            phone: draft.phone.clone(),
        },
        description,
        facility_id: None,
        device_id: None,
        signals: Vec::new(),
        reported_at: None,
    }
    .validate(now)
}

/// An incident filed from the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledReport {
    /// The incident's reference number, told to the citizen.
    pub number: String,
    /// The lookup reference the citizen follows the report with (`/api/public/reports`).
    pub lookup_reference: String,
    /// The unit it was filed to.
    pub unit_code: Option<String>,
}

/// Stores the incident through the incident store shared by every intake channel: the same
/// transaction as a hotline call (number, events, duplicate hints, audit, live feed).
async fn store_incident(
    state: &AppState,
    incident: ValidNewIncident,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<FiledReport, AssistantError> {
    let lookup = crate::api::public_reports::LookupReference::generate();
    let options = store::OpenOptions {
        public_ref_hash: Some(lookup.hash()),
        ..Default::default()
    };
    let created = state
        .store
        .create_incident_with(incident, &options, actor, now)
        .await?;
    Ok(FiledReport {
        number: created.incident.number.to_string(),
        lookup_reference: lookup.to_string(),
        unit_code: created.incident.assignment.primary_unit.clone(),
    })
}

/// Files a confirmed report: place → unit, validation, storage.
pub async fn file_report(
    state: &AppState,
    draft: &ReportDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<FiledReport, AssistantError> {
    let incident = new_incident(&state.units, draft, now).map_err(AssistantError::InvalidReport)?;
    store_incident(state, incident, actor, now).await
}

// ---------------------------------------------------------------------------------------------
// Wire types

/// A citizen's chat message.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatBody {
    /// The message text (1 to 2,000 characters).
    pub message: String,
    /// The `conversation_id` of the previous reply, to continue a conversation.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// Latitude shared by the device (with `lon`), e.g. when reporting where something happens.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude shared by the device (with `lat`).
    #[serde(default)]
    pub lon: Option<f64>,
}

/// Kind of a chat reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatKind {
    /// An answer from the knowledge base, with citations.
    Answer,
    /// An emergency: call `emergency_number` now.
    Emergency,
    /// A request that is refused, with the reason.
    Decline,
    /// Not sure: points to the commune/ward police and the hotline.
    Unknown,
    /// A step of a report to the police.
    Report,
}

impl From<ReplyKind> for ChatKind {
    fn from(k: ReplyKind) -> Self {
        match k {
            ReplyKind::Answer => ChatKind::Answer,
            ReplyKind::Emergency => ChatKind::Emergency,
            ReplyKind::Decline => ChatKind::Decline,
            ReplyKind::Unknown => ChatKind::Unknown,
            ReplyKind::Report => ChatKind::Report,
        }
    }
}

/// Where an answer comes from.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CitationView {
    /// Article title.
    pub title: String,
    /// Legal basis and procedure code.
    pub source: String,
    /// Official page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The reply to a chat message (also what `binhyen ask --json` prints).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatReply {
    /// Text to show (Vietnamese).
    pub reply: String,
    /// answer, emergency, decline, unknown or report.
    pub kind: ChatKind,
    /// For emergencies: the number to call now (113, 114 or 115).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_number: Option<String>,
    /// Sources of an answer.
    pub citations: Vec<CitationView>,
    /// Id of the article answered from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Send it with the next message to continue the conversation.
    pub conversation_id: String,
    /// Quick replies to offer (tap to send).
    pub suggestions: Vec<String>,
    /// Reference number of the report filed by this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_number: Option<String>,
    /// The lookup reference of the report filed by this message: with the phone given, the
    /// only way to follow it (`GET /api/public/reports/{reference}`). Shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_reference: Option<String>,
    /// The reply offers to take a report of the event told ("có" starts it).
    #[serde(default)]
    pub report_offered: bool,
}

impl From<ChatResponse> for ChatReply {
    fn from(r: ChatResponse) -> Self {
        ChatReply {
            reply: r.reply,
            kind: r.kind.into(),
            emergency_number: r.emergency_number,
            citations: r
                .citations
                .into_iter()
                .map(|c| CitationView {
                    title: c.title,
                    source: c.source,
                    url: c.url,
                })
                .collect(),
            topic: r.topic,
            conversation_id: r.conversation_id,
            suggestions: r.suggestions,
            report_number: None,
            report_reference: None,
            report_offered: r.report_offered,
        }
    }
}

/// A hotline call transcript.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorBody {
    /// What the caller said (1 to 8,000 characters).
    pub transcript: String,
}

/// People and weapons mentioned in a call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeopleView {
    pub injured: Option<u32>,
    pub trapped: Option<u32>,
    pub dead: Option<u32>,
    pub suspects: Option<u32>,
    pub weapons: Vec<String>,
}

/// The incident form suggested for a call, and what to ask next.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OperatorView {
    /// Incident type code (`fire`, `crime`, …).
    pub incident_type: String,
    /// Crime sub-type code.
    pub sub_type: Option<String>,
    /// Priority 1 (life at risk now) to 4 (not urgent).
    pub priority: u8,
    /// The place as spoken.
    pub location_text: Option<String>,
    /// Code of the unit owning the place (from the address, old ward names included, or the
    /// coordinates read out).
    pub unit_code: Option<String>,
    /// That unit's full name.
    pub unit_name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub people: PeopleView,
    /// The caller's phone, if spoken.
    pub caller_phone: Option<String>,
    /// Whether the event reads as still happening.
    pub ongoing: bool,
    /// Set when the call reads as not an incident: `prank`, `wrong_number`, `silent`,
    /// `test_call` or `question`. Advice only; the call-taker decides.
    pub not_incident: Option<String>,
    /// True when the address fits several units: none is set and a person picks one of
    /// `unit_candidates`.
    pub unit_uncertain: bool,
    /// The units the address fits, best first (at most six), when it is uncertain.
    pub unit_candidates: Vec<UnitChoice>,
    /// How many units fit in all (more than listed when the list is cut).
    pub unit_candidates_total: usize,
    /// One line for the incident list (Vietnamese).
    pub summary: String,
    /// Questions to ask next, most important first (Vietnamese).
    pub next_questions: Vec<String>,
}

/// A unit an uncertain address may belong to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitChoice {
    /// Unit code.
    pub code: String,
    /// Full name.
    pub full_name: String,
}

impl OperatorView {
    fn new(s: OperatorSuggestion, units: &UnitDirectory) -> Self {
        let mut unit_code = s.unit;
        if unit_code.is_none() {
            if let (Some(lat), Some(lon)) = (s.lat, s.lon) {
                unit_code = units
                    .locate(lat, lon)
                    .ok()
                    .and_then(|l| l.unit().map(|u| u.code.clone()));
            }
        }
        let unit_name = unit_code
            .as_deref()
            .and_then(|c| units.get(c))
            .map(|u| u.full_name.clone());
        let (mut unit_candidates, mut unit_candidates_total) = (Vec::new(), 0);
        if unit_code.is_none() {
            if let Some(text) = s.location_text.as_deref() {
                let found = units.resolve(text);
                unit_candidates_total = found.total;
                unit_candidates = found
                    .candidates
                    .iter()
                    .take(6)
                    .map(|c| UnitChoice {
                        code: c.unit.code.clone(),
                        full_name: c.unit.full_name.clone(),
                    })
                    .collect();
            }
        }
        OperatorView {
            incident_type: s.incident_type.code().to_owned(),
            sub_type: s.sub_type.map(|t| t.code().to_owned()),
            priority: s.priority,
            location_text: s.location_text,
            unit_code,
            unit_name,
            lat: s.lat,
            lon: s.lon,
            people: PeopleView {
                injured: s.people.injured,
                trapped: s.people.trapped,
                dead: s.people.dead,
                suspects: s.people.suspects,
                weapons: s.people.weapons,
            },
            caller_phone: s.caller_phone,
            ongoing: s.ongoing,
            not_incident: s.not_incident.map(|n| n.code().to_owned()),
            unit_uncertain: !unit_candidates.is_empty(),
            unit_candidates,
            unit_candidates_total,
            summary: s.summary,
            next_questions: s.next_questions,
        }
    }
}

/// The knowledge base after a reload.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReloadResult {
    /// Articles now in service.
    pub articles: usize,
}

// ---------------------------------------------------------------------------------------------
// Validation

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidField, message)
}

/// Checks a chat body and turns it into the library's request.
pub fn validate_chat(body: ChatBody) -> ApiResult<ChatRequest> {
    if body.message.trim().is_empty() {
        return Err(invalid("message: write a question or a message"));
    }
    if body.message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(invalid(format!(
            "message: at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    if let Some(id) = &body.conversation_id {
        // Conversation ids are issued by the server: 32 hex digits.
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "conversation_id: send back the conversation_id of the previous reply",
            ));
        }
    }
    match (body.lat, body.lon) {
        (None, None) => {}
        (Some(lat), Some(lon)) => {
            let in_range = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
            if !in_range {
                return Err(invalid("lat/lon: coordinates out of range"));
            }
        }
        _ => return Err(invalid("lat/lon: send both or neither")),
    }
    Ok(ChatRequest {
        message: body.message,
        conversation_id: body.conversation_id.map(|id| id.to_ascii_lowercase()),
        lat: body.lat,
        lon: body.lon,
    })
}

/// The key the public limit counts by: the address, or its /64 network for IPv6 (one
/// subscriber usually holds a whole /64).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("chat:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("chat:{v4}"),
            None => {
                let s = v6.segments();
                format!("chat:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The assistant's routes, and the public chat page.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/assistant/chat", post(chat))
        .route("/api/assistant/operator", post(operator))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .route("/api/assistant/reload", post(reload))
        .merge(crate::api::public_chat::routes())
}

/// The assistant's paths in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(chat, operator, reload))]
pub struct Doc;

/// Sends a message to the citizen assistant (public, no sign-in; 30 messages a minute per
/// client address; a signed-in account has its own limit of 120 a minute instead). Answers questions with citations, routes emergencies to 113/114/115,
/// declines what it must not do, and files reports as incidents (channel `assistant`) in the
/// unit that owns the place.
#[utoipa::path(post, path = "/api/assistant/chat", tag = "assistant", request_body = ChatBody,
    security(()),
    responses((status = 200, body = ChatReply),
              (status = 400, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn chat(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    principal: Option<Principal>,
    headers: HeaderMap,
    body: Result<Json<ChatBody>, ApiError>,
) -> ApiResult<Json<ChatReply>> {
    let allowed = match &principal {
        Some(p) => state
            .assistant
            .account_chat_limiter
            .check(&format!("account:{}", p.user.id)),
        None => state.assistant.chat_limiter.check(&client_key(peer.ip())),
    };
    if !allowed {
        state.metrics.count(
            "binhyen_assistant_messages_total",
            &[("kind", "rate_limited")],
            1,
        );
        return Err(ApiError::too_many_requests(
            "too many messages from this address; wait a minute and try again",
        ));
    }
    let Json(body) = body?;
    let request = validate_chat(body)?;
    let now = Utc::now();
    let service = state.assistant.clone();
    let outcome = tokio::task::spawn_blocking(move || service.assistant.chat(&request, now))
        .await
        .map_err(ApiError::internal)?;
    let reply = match outcome {
        ChatOutcome::Reply(r) => ChatReply::from(r),
        ChatOutcome::ReportReady { response, draft } => {
            let conversation = response.conversation_id;
            let actor = Actor {
                request_id: auth::request_id(&headers),
                ..Actor::system("assistant")
            };
            match file_report(&state, &draft, &actor, now).await {
                Ok(filed) => {
                    state.metrics.count(
                        "binhyen_assistant_reports_total",
                        &[("result", "filed")],
                        1,
                    );
                    tracing::info!(number = %filed.number, unit = ?filed.unit_code, "chat report filed");
                    let mut reply =
                        ChatReply::from(state.assistant.assistant.confirm_filed_report(
                            &conversation,
                            &filed.number,
                            Some(&filed.lookup_reference),
                            now,
                        ));
                    reply.report_number = Some(filed.number);
                    reply.report_reference = Some(filed.lookup_reference);
                    reply
                }
                Err(e) => {
                    state.metrics.count(
                        "binhyen_assistant_reports_total",
                        &[("result", "failed")],
                        1,
                    );
                    tracing::warn!(error = %e, "chat report not filed");
                    ChatReply::from(state.assistant.assistant.report_failed(&conversation, now))
                }
            }
        }
    };
    let kind = serde_json::to_value(reply.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    state
        .metrics
        .count("binhyen_assistant_messages_total", &[("kind", &kind)], 1);
    Ok(Json(reply))
}

/// Reads a hotline call transcript and suggests the incident form: type, priority, place and
/// unit (old ward names understood), people involved, phone, and the next questions to ask.
/// Operators and unit officers only.
#[utoipa::path(post, path = "/api/assistant/operator", tag = "assistant", request_body = OperatorBody,
    responses((status = 200, body = OperatorView),
              (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn operator(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(body): Json<OperatorBody>,
) -> ApiResult<Json<OperatorView>> {
    principal.require(&[Role::Operator, Role::UnitOfficer])?;
    if body.transcript.trim().is_empty() {
        return Err(invalid("transcript: empty"));
    }
    if body.transcript.chars().count() > MAX_TRANSCRIPT_CHARS {
        return Err(invalid(format!(
            "transcript: at most {MAX_TRANSCRIPT_CHARS} characters"
        )));
    }
    let service = state.assistant.clone();
    let request = OperatorRequest {
        transcript: body.transcript,
    };
    let suggestion = tokio::task::spawn_blocking(move || service.assistant.operator(&request))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(OperatorView::new(suggestion, &state.units)))
}

/// Reloads the knowledge base from its folder without a restart (admin only). A broken
/// article is refused with its file and line, and the articles in service stay.
#[utoipa::path(post, path = "/api/assistant/reload", tag = "assistant",
    responses((status = 200, body = ReloadResult),
              (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn reload(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> ApiResult<Json<ReloadResult>> {
    principal.require(&[Role::Admin])?;
    let service = state.assistant.clone();
    let result = tokio::task::spawn_blocking(move || service.assistant.reload())
        .await
        .map_err(ApiError::internal)?;
    let articles = result.map_err(|e| {
        tracing::warn!(error = %e, "knowledge base reload refused");
        ApiError::new(
            ErrorCode::InvalidKnowledgeBase,
            format!("the articles in service are kept: {e}"),
        )
    })?;
    state
        .store
        .append_audit(
            &principal.actor(),
            &AuditEntry {
                action: "assistant.kb_reload".into(),
                object_type: "knowledge_base".into(),
                object_id: state.assistant.kb_dir.display().to_string(),
                unit_code: None,
                summary: serde_json::json!({ "articles": articles }),
            },
            Utc::now(),
        )
        .await?;
    tracing::info!(articles, "knowledge base reloaded");
    Ok(Json(ReloadResult { articles }))
}

// ---------------------------------------------------------------------------------------------
// Upkeep

/// Starts the assistant's upkeep until `stop` turns true: drops expired conversations every
/// [`PURGE_EVERY`], and reloads the knowledge base on `SIGHUP`.
pub fn spawn_upkeep(state: Arc<AppState>, mut stop: tokio::sync::watch::Receiver<bool>) {
    state.metrics.describe(
        "binhyen_assistant_messages_total",
        "Public chat messages by reply kind (and rate_limited).",
    );
    state.metrics.describe(
        "binhyen_assistant_reports_total",
        "Chat reports by result: filed or failed.",
    );
    tokio::spawn(async move {
        let mut purge = tokio::time::interval(PURGE_EVERY);
        purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut hangup = hangup_signal();
        loop {
            tokio::select! {
                _ = stopped(&mut stop) => break,
                _ = purge.tick() => {
                    let dropped = state.assistant.assistant.purge_conversations(Utc::now());
                    if dropped > 0 {
                        tracing::debug!(dropped, "expired conversations dropped");
                    }
                }
                _ = next_hangup(&mut hangup) => {
                    let service = state.assistant.clone();
                    match tokio::task::spawn_blocking(move || service.assistant.reload()).await {
                        Ok(Ok(articles)) => tracing::info!(articles, "knowledge base reloaded on SIGHUP"),
                        Ok(Err(e)) => tracing::warn!(error = %e, "knowledge base reload on SIGHUP refused; the articles in service are kept"),
                        Err(e) => tracing::warn!(error = %e, "knowledge base reload task failed"),
                    }
                }
            }
        }
    });
}

/// Resolves once the server is asked to stop (or the sender is gone).
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangup_signal() -> Hangup {
    None
}

#[cfg(unix)]
async fn next_hangup(signal: &mut Hangup) {
    match signal {
        Some(s) => {
            if s.recv().await.is_none() {
                std::future::pending::<()>().await
            }
        }
        None => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangup) {
    std::future::pending::<()>().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use assistant::IncidentType;

    fn units() -> Arc<UnitDirectory> {
        crate::test_units()
    }

    fn draft() -> ReportDraft {
        ReportDraft {
            description: "Có người bị giật túi xách".into(),
            incident_type: IncidentType::Crime,
            sub_type: Some(assistant::CrimeSubType::Robbery),
            address_text: None,
            lat: None,
            lon: None,
            occurred_at_text: Some("khoảng 10 giờ sáng nay".into()),
            occurred_at: None,
            ongoing: false,
            phone: Some("0912345678".into()),
            anonymous: false,
            name: None,
        }
    }

    #[test]
    fn old_ward_names_resolve_to_todays_unit() {
        let units = units();
        let r = UnitResolver(units.clone());
        // Phường Trúc Bạch (quận Ba Đình) went wholly into phường Ba Đình.
        assert_eq!(
            r.resolve("số 5 phố Châu Long, phường Trúc Bạch").as_deref(),
            Some("00004")
        );
        assert_eq!(
            r.resolve("12 Hàng Bạc, phường Hoàn Kiếm").as_deref(),
            Some("00070")
        );
        // An old district alone is too wide; a street alone names no unit.
        assert_eq!(r.resolve("quận Ba Đình"), None);
        assert_eq!(r.resolve("gần cây xăng to"), None);
    }

    #[test]
    fn report_location_prefers_coordinates_then_address() {
        let units = units();
        let mut d = draft();
        d.address_text = Some("phường Trúc Bạch".into());
        let loc = locate_report(&units, &d);
        assert_eq!(loc.unit_code.as_deref(), Some("00004"));
        let note = loc.resolved_from_old_name.unwrap();
        assert!(
            note.contains("Trúc Bạch") && note.contains("Ba Đình"),
            "{note}"
        );
        // The label point of Hoàn Kiếm wins over an address naming another unit.
        let hk = units.get("00070").unwrap().label;
        d.lat = Some(hk.lat);
        d.lon = Some(hk.lon);
        let loc = locate_report(&units, &d);
        assert_eq!(loc.unit_code.as_deref(), Some("00070"));
        assert!(loc.point.is_some() && loc.resolved_from_old_name.is_none());
        // Outside the city: the address decides.
        d.lat = Some(10.77);
        d.lon = Some(106.70);
        assert_eq!(
            locate_report(&units, &d).unit_code.as_deref(),
            Some("00004")
        );
    }

    #[test]
    fn report_location_uses_the_one_resolver() {
        let units = units();
        let mut d = draft();
        // A street named like a former commune is the street; a landmark is its own unit.
        d.address_text = Some("Bệnh viện Bạch Mai".into());
        let loc = locate_report(&units, &d);
        assert_eq!(loc.unit_code.as_deref(), Some("00229"));
        assert_eq!(loc.point_source.as_deref(), Some("place"));
        // A street through several wards: no unit guessed, candidates kept.
        d.address_text = Some("số 12 phố Kim Mã".into());
        let loc = locate_report(&units, &d);
        assert_eq!(loc.unit_code, None);
        assert!(loc.unit_uncertain);
        assert!(loc.unit_candidates.len() >= 2);
        // With the point the citizen shared, the point decides.
        let p = units.get("00025").unwrap().label;
        d.lat = Some(p.lat);
        d.lon = Some(p.lon);
        let loc = locate_report(&units, &d);
        assert_eq!(loc.unit_code.as_deref(), Some("00025"));
        assert_eq!(loc.point_source.as_deref(), Some("gps"));
        assert!(!loc.unit_uncertain);
    }

    #[test]
    fn drafts_become_assistant_incidents() {
        let units = units();
        let mut d = draft();
        d.address_text = Some("12 Hàng Bạc, phường Hoàn Kiếm".into());
        let now = Utc::now();
        let valid = new_incident(&units, &d, now).unwrap();
        let input = valid.input();
        assert_eq!(input.channel, Channel::Assistant);
        assert_eq!(input.kind, IncidentKind::Crime);
        assert_eq!(input.crime_subtype, Some(CrimeSubtype::Robbery));
        assert_eq!(input.location.unit_code.as_deref(), Some("00070"));
        assert_eq!(input.caller.phone.as_deref(), Some("0912345678"));
        assert!(input.description.contains("khoảng 10 giờ sáng nay"));
        // A sub-type only goes with a crime.
        d.incident_type = IncidentType::Fire;
        let valid = new_incident(&units, &d, now).unwrap();
        assert_eq!(valid.input().kind, IncidentKind::Fire);
        assert_eq!(valid.input().crime_subtype, None);
    }

    #[test]
    fn every_assistant_type_maps_to_a_domain_kind() {
        use IncidentType::*;
        for t in [
            Fire,
            Explosion,
            Rescue,
            TrafficAccident,
            Crime,
            PublicOrder,
            Flood,
            MissingPerson,
            Medical,
            Other,
        ] {
            assert!(t.code().parse::<IncidentKind>().is_ok(), "{}", t.code());
        }
        use assistant::CrimeSubType as S;
        for s in [
            S::Robbery,
            S::Theft,
            S::Assault,
            S::Fight,
            S::Weapons,
            S::Drugs,
            S::Fraud,
            S::Kidnapping,
            S::DomesticViolence,
            S::Other,
        ] {
            assert!(s.code().parse::<CrimeSubtype>().is_ok(), "{}", s.code());
        }
    }

    #[test]
    fn chat_bodies_are_checked() {
        let ok = |m: &str| ChatBody {
            message: m.into(),
            conversation_id: None,
            lat: None,
            lon: None,
        };
        assert!(validate_chat(ok("xin chào")).is_ok());
        assert!(validate_chat(ok("   ")).is_err());
        assert!(validate_chat(ok(&"a".repeat(MAX_MESSAGE_CHARS + 1))).is_err());
        assert!(validate_chat(ok(&"ư".repeat(MAX_MESSAGE_CHARS))).is_ok());
        let mut b = ok("x");
        b.conversation_id = Some("abc".into());
        assert!(validate_chat(b.clone()).is_err());
        b.conversation_id = Some("0123456789ABCDEF0123456789abcdef".into());
        assert_eq!(
            validate_chat(b.clone()).unwrap().conversation_id.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        b.lat = Some(21.0);
        assert!(validate_chat(b.clone()).is_err());
        b.lon = Some(181.0);
        assert!(validate_chat(b.clone()).is_err());
        b.lon = Some(105.8);
        assert!(validate_chat(b.clone()).is_ok());
        b.lat = Some(f64::NAN);
        assert!(validate_chat(b).is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), "chat:10.0.0.1");
    }
}
