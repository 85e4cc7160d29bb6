//! Error types of the crate: knowledge-base and evaluation-set loading, and the optional
//! phrasing client. Messages are lower case and name the offending file, line or value.

use std::path::PathBuf;

/// Why a knowledge base (or an evaluation set) could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KbError {
    /// A directory or file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is malformed at a given line (1-based).
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Two articles share an id.
    #[error("duplicate article id {id:?} in {first} and {second}")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Where it appeared first.
        first: PathBuf,
        /// Where it appeared again.
        second: PathBuf,
    },
    /// An article names a related article that does not exist.
    #[error("{file}: related article {related:?} does not exist")]
    UnknownRelated {
        /// The article naming it.
        file: PathBuf,
        /// The missing id.
        related: String,
    },
    /// The directory holds no article.
    #[error("no article (*.md) found in {dir}")]
    Empty {
        /// The directory.
        dir: PathBuf,
    },
}

/// Why the phrasing model did not produce an answer (the template answer is used instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhraseError {
    /// The endpoint could not be reached or answered with an error status.
    #[error("phrasing request failed: {0}")]
    Transport(String),
    /// The endpoint answered, but not with a usable completion.
    #[error("phrasing response unusable: {0}")]
    BadResponse(String),
    /// The configuration is incomplete.
    #[error("phrasing not configured: {0}")]
    NotConfigured(String),
}
