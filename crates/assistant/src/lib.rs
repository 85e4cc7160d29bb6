//! The citizen assistant: understands Vietnamese questions (with or without diacritics), answers
//! from the knowledge base with citations, routes emergencies first, and takes reports.

pub mod error;
pub mod index;
pub mod kb;
pub mod text;

pub use error::{KbError, PhraseError};
pub use kb::{Article, KnowledgeBase};
