//! The one error shape of the HTTP API: `{"error":{"code":…,"message":…}}` for every 4xx and
//! 5xx, with a stable snake_case code from the one table in [`code`]. Internal details go to
//! the log, never to the client.

mod code;

pub use code::ErrorCode;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an API client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    /// The technical explanation for the client's developer (people see the code's label).
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status of the answer: the code's one status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "sign in first: send the session cookie or an Authorization: Bearer token",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::RateLimited, message)
    }

    /// An internal failure: logged in full, answered without details.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new(
            ErrorCode::Internal,
            "the server failed to complete the request; it has been logged",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        body(self.code.status(), self.code, self.message)
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::NotFound { what, id } => {
                ApiError::not_found(format!("{what} {id} not found"))
            }
            store::StoreError::Conflict(detail) => {
                tracing::info!(detail, "write refused as a conflict");
                ApiError::conflict("the change conflicts with existing data")
            }
            store::StoreError::Incident(e) => ApiError::from(e),
            other => ApiError::internal(other),
        }
    }
}

/// A rule of the incident model refused the request: the domain's stable code, with the
/// status the table gives it (409 for a conflict with the current state, 422 for wrong input).
/// The message lists every field problem in Vietnamese.
impl From<domain::incident::IncidentError> for ApiError {
    fn from(e: domain::incident::IncidentError) -> Self {
        let message = match &e {
            domain::incident::IncidentError::Invalid { errors } => errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message_vi))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        ApiError::new(ErrorCode::of_domain(e.code()), message)
    }
}

/// The body could not be read as the route's JSON. A body of the wrong shape (a field of the
/// wrong type, an unknown code, a missing field) is the client program's defect, not the
/// person's: `invalid_body`, with the field path in the message.
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                    .unwrap_or(&text);
                ApiError::new(ErrorCode::InvalidBody, detail)
            }
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::new(ErrorCode::MalformedJson, "the body is not valid JSON")
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(e) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::BodyTooLarge, "the request body is too large")
                } else {
                    ApiError::new(ErrorCode::InvalidBody, e.body_text())
                }
            }
            other => ApiError::new(ErrorCode::InvalidBody, other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(ErrorCode::InvalidQuery, r.body_text())
    }
}

/// JSON body extractor whose rejections use the API error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query-string extractor whose rejections use the API error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Rewrites error responses that do not carry the API shape (404 for unknown routes, 405, 413
/// from the body limit, timeouts) into it, so that every 4xx/5xx looks the same.
pub async fn uniform_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::NoRoute, "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::BodyTooLarge, "the request body is too large"),
        StatusCode::REQUEST_TIMEOUT => (ErrorCode::Timeout, "the request took too long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (ErrorCode::UnsupportedMediaType, "unsupported content type")
        }
        s if s.is_server_error() => (
            ErrorCode::Internal,
            "the server failed to complete the request",
        ),
        _ => (ErrorCode::BadRequest, "the request was not understood"),
    };
    // A client error the table has no code for (411, 431, …) keeps its own status.
    let answered = if status.is_client_error() {
        status
    } else {
        code.status()
    };
    let mut rewritten = body(answered, code, message.to_owned());
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

/// The error body with `status`.
fn body(status: StatusCode, code: ErrorCode, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.code().to_owned(),
            message,
        },
    };
    (status, axum::Json(body)).into_response()
}
