//! Request and response types the server exposes over HTTP (`/chat`, `/operator`), as serde
//! structs. Field names are the public contract.

use serde::{Deserialize, Serialize};

use crate::extract::{CrimeSubType, IncidentType, People};

/// A citizen's message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The message text.
    pub message: String,
    /// The conversation to continue; a new one is started when absent or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Latitude shared by the device, if the citizen agreed to send the location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude shared by the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

impl ChatRequest {
    /// A request with only a message.
    pub fn new(message: impl Into<String>) -> ChatRequest {
        ChatRequest {
            message: message.into(),
            ..ChatRequest::default()
        }
    }

    /// The same request continuing a conversation.
    pub fn in_conversation(mut self, conversation_id: impl Into<String>) -> ChatRequest {
        self.conversation_id = Some(conversation_id.into());
        self
    }
}

/// What kind of reply this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// An answer from the knowledge base.
    Answer,
    /// An emergency: call the number now.
    Emergency,
    /// A request that is refused, with the reason.
    Decline,
    /// Nothing relevant enough: points to the commune police or hotline.
    Unknown,
    /// A step of the report intake.
    Report,
}

impl ReplyKind {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Answer => "answer",
            ReplyKind::Emergency => "emergency",
            ReplyKind::Decline => "decline",
            ReplyKind::Unknown => "unknown",
            ReplyKind::Report => "report",
        }
    }
}

/// Where an answer comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// Article title.
    pub title: String,
    /// Legal basis and procedure code.
    pub source: String,
    /// Official page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The reply to a chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// Text to show.
    pub reply: String,
    /// Kind of reply.
    pub kind: ReplyKind,
    /// Number to call now, for emergencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_number: Option<String>,
    /// Sources of the answer.
    pub citations: Vec<Citation>,
    /// Id of the article answered from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The conversation id to send with the next message.
    pub conversation_id: String,
    /// Follow-up suggestions (tap to send).
    pub suggestions: Vec<String>,
    /// The reply offers to take a report of the event told ("có" starts it).
    #[serde(default)]
    pub report_offered: bool,
}

/// A report ready to be filed as an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDraft {
    /// What happened, in the citizen's words.
    pub description: String,
    /// Incident type.
    pub incident_type: IncidentType,
    /// Crime sub-type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<CrimeSubType>,
    /// Address as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_text: Option<String>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// When it happened, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at_text: Option<String>,
    /// When it happened, read from the time as told against the moment of the report (the
    /// start of the period for "tối qua", "sáng nay"…); absent when the words give no time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether it was still happening when reported.
    #[serde(default)]
    pub ongoing: bool,
    /// Contact phone, digits only (`0…`); absent for an anonymous tip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The citizen asked to stay anonymous (no phone, no name is filed).
    #[serde(default)]
    pub anonymous: bool,
    /// Name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The result of one chat turn.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatOutcome {
    /// A reply to send back.
    Reply(ChatResponse),
    /// The citizen confirmed a report: create the incident from `draft`, then call
    /// [`crate::Assistant::confirm_report`] with the reference number (or
    /// [`crate::Assistant::report_failed`]) and send that reply instead of `response`.
    ReportReady {
        /// A holding reply (kind `report`) in case the caller cannot file it at once.
        response: ChatResponse,
        /// What to file.
        draft: ReportDraft,
    },
}

impl ChatOutcome {
    /// The reply of this turn.
    pub fn response(&self) -> &ChatResponse {
        match self {
            ChatOutcome::Reply(r) => r,
            ChatOutcome::ReportReady { response, .. } => response,
        }
    }

    /// Consumes the outcome into its reply.
    pub fn into_response(self) -> ChatResponse {
        match self {
            ChatOutcome::Reply(r) => r,
            ChatOutcome::ReportReady { response, .. } => response,
        }
    }

    /// The draft, when a report is ready.
    pub fn draft(&self) -> Option<&ReportDraft> {
        match self {
            ChatOutcome::Reply(_) => None,
            ChatOutcome::ReportReady { draft, .. } => Some(draft),
        }
    }
}

/// A hotline call transcript for operator mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRequest {
    /// The transcript text.
    pub transcript: String,
}

/// Why a call is not an incident: the call log closes it with this outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotIncident {
    /// A prank or nuisance call.
    Prank,
    /// The caller meant another number.
    WrongNumber,
    /// Nobody spoke.
    Silent,
    /// The caller was testing the line.
    TestCall,
    /// A question for information, no event to attend.
    Question,
}

impl NotIncident {
    /// The snake-case code.
    pub fn code(self) -> &'static str {
        match self {
            NotIncident::Prank => "prank",
            NotIncident::WrongNumber => "wrong_number",
            NotIncident::Silent => "silent",
            NotIncident::TestCall => "test_call",
            NotIncident::Question => "question",
        }
    }
}

/// The suggested incident form for a call, and what to ask next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorSuggestion {
    /// Incident type.
    pub incident_type: IncidentType,
    /// Crime sub-type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<CrimeSubType>,
    /// Priority 1 (life at risk now) to 4 (not urgent).
    pub priority: u8,
    /// Place as spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_text: Option<String>,
    /// Unit found by the caller's resolver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Coordinates, if read out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// People and weapons mentioned.
    pub people: People,
    /// Caller's phone, if spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_phone: Option<String>,
    /// Whether the event reads as still happening.
    pub ongoing: bool,
    /// Set when the call reads as not an incident (prank, wrong number, silence, a test or a
    /// question): the call-taker closes it in the call log instead of opening an incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_incident: Option<NotIncident>,
    /// A one-line summary for the incident list (Vietnamese).
    pub summary: String,
    /// Questions the operator should ask next, most important first (Vietnamese).
    pub next_questions: Vec<String>,
}
