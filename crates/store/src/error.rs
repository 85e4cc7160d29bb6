//! The store's error type: what went wrong, with the database details kept for the logs.

/// An error from the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed. The text is for logs, never for API clients.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// The database failed on a path that drives SQLite directly (the receiver's commits).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The object does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of object, e.g. "user".
        what: &'static str,
        /// Its identifier as given.
        id: String,
    },
    /// A uniqueness rule or a concurrent change refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database location cannot be used.
    #[error("invalid database location: {0}")]
    InvalidTarget(String),
    /// The operation is not available on this back end.
    #[error("not supported on this back end: {0}")]
    Unsupported(&'static str),
    /// A rule of the incident model refused the change (illegal transition, resource not
    /// available, invalid input, …). Carries the domain error and its stable code.
    #[error(transparent)]
    Incident(#[from] domain::incident::IncidentError),
    /// A stored value could not be read back.
    #[error("corrupt stored value in {what}: {detail}")]
    Corrupt {
        /// Where the value was read.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_owned());
            }
        }
        StoreError::Database(e)
    }
}
