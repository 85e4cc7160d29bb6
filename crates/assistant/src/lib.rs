//! The citizen assistant of Bình Yên: understands Vietnamese questions (with or without
//! diacritics, with abbreviations, teen-code and small typos), answers from the knowledge base
//! with citations, routes emergencies first, declines what it must not do, takes reports, and
//! helps hotline operators fill the incident form from a call transcript.
//!
//! # Brief overview
//!
//! - [`KnowledgeBase::load_dir`] reads the articles of `data/kb/` ([`kb`] documents the format).
//! - [`Assistant::new`] indexes them ([`index`], BM25F over syllables and bigrams, with and
//!   without diacritics) and keeps conversation state in memory ([`conversation`]).
//! - [`Assistant::chat`] runs the decision order: emergency rules, declines ([`safety`], then
//!   a second reading by [`decline_model`] for a message that opens a matter), a pending
//!   report dialogue ([`report`]), a past event told (rules, then [`report_model`]), then
//!   retrieval and the answer ([`answer`]).
//! - [`Assistant::operator`] reads a hotline transcript ([`operator`], [`extract`]).
//! - [`eval::evaluate`] measures retrieval and routing on `data/eval/` against a plain BM25
//!   baseline.
//!
//! The server owns HTTP, the clock and incident creation: it passes `now`, files the
//! [`ReportDraft`] of a [`ChatOutcome::ReportReady`], and hands the reference number back to
//! [`Assistant::confirm_report`].
//!
//! # Example
//!
//! ```
//! use assistant::{Assistant, ChatRequest, KnowledgeBase, ReplyKind};
//! let kb = KnowledgeBase::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/kb")).unwrap();
//! let bot = Assistant::new(kb);
//! let now = chrono::Utc::now();
//! let out = bot.chat(&ChatRequest::new("nha toi dang chay, cuu voi"), now);
//! assert_eq!(out.response().kind, ReplyKind::Emergency);
//! assert_eq!(out.response().emergency_number.as_deref(), Some("114"));
//! ```

#![deny(missing_docs)]

pub mod answer;
pub mod api;
mod assistant;
pub mod bayes;
pub mod conversation;
pub mod decline_model;
pub mod error;
pub mod eval;
pub mod extract;
pub mod index;
pub mod kb;
#[cfg(feature = "llm")]
pub mod llm;
pub mod operator;
pub mod report;
pub mod report_model;
pub mod safety;
pub mod signs;
pub mod text;

pub use answer::{Phraser, Prompt};
pub use api::{
    ChatOutcome, ChatRequest, ChatResponse, Citation, NotIncident, OperatorRequest,
    OperatorSuggestion, ReplyKind, ReportDraft,
};
pub use assistant::{Assistant, Ranked, Thresholds};
pub use conversation::ConversationStore;
pub use error::{KbError, PhraseError};
pub use eval::{evaluate, evaluate_intake, EvalReport, EvalSet, IntakeReport, IntakeSets};
pub use extract::{AddressResolver, CrimeSubType, IncidentType, People};
pub use kb::{Article, KnowledgeBase};
