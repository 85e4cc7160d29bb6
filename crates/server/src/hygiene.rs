//! Hostile input at the edge of the HTTP API, handled once for every route:
//!
//! - NUL characters (U+0000) are refused with 400 `nul_character` wherever a client can put
//!   text: the path, the query string and the body (a `\u0000` escape in JSON, a raw NUL byte
//!   in any body). PostgreSQL cannot store NUL in `text` columns, SQLite silently cuts C strings
//!   at it, and no legitimate Vietnamese form ever contains one; rejecting it here means no
//!   handler has to think about it.
//! - A client's `x-request-id` is kept only when it is a short, plain token; anything else is
//!   dropped so the server makes its own (the id is written into audit rows forever).
//! - The HTTP method becomes a metric label only from a fixed set, so made-up methods cannot
//!   grow `/metrics`.
//!
//! Bodies are checked as they stream through, never buffered here: each route's own body limit
//! still decides how much is read.

use crate::error::{ApiError, ErrorCode};
use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The media type of an XLSX workbook.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Longest client-sent request id that is kept.
pub const MAX_REQUEST_ID_LEN: usize = 64;

fn nul_error(place: &str) -> ApiError {
    ApiError::new(
        ErrorCode::NulCharacter,
        format!("the {place} contains a NUL character (\\u0000), which no field accepts"),
    )
}

/// Refuses requests that carry a NUL character in the path, the query string or the body.
///
/// The path and query are checked before routing (a NUL can only arrive there as `%00`). The
/// body is wrapped in a checking stream: when the handler's extractor reads a NUL, the read
/// fails, and the answer, whatever the extractor made of the failure, is replaced by the
/// uniform 400.
pub async fn reject_nul(request: Request, next: Next) -> Response {
    if request.uri().path().contains("%00") {
        return nul_error("path").into_response();
    }
    if request.uri().query().is_some_and(|q| q.contains("%00")) {
        return nul_error("query string").into_response();
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Images (the field app's photos) are binary: NUL bytes are part of them, and no text
    // field is read from them. So is an XLSX workbook sent to an import (a ZIP archive); the
    // import checks the text it reads from it (`api::spooled_csv`).
    let binary = content_type.starts_with("image/")
        || content_type.starts_with("application/octet-stream")
        || content_type.starts_with(XLSX_MEDIA_TYPE);
    if request.body().size_hint().exact() == Some(0) || binary {
        return next.run(request).await;
    }
    let json = is_json_media_type(content_type);
    let found = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let flag = found.clone();
    let mut scan = NulScan::new(json);
    let checked = body.into_data_stream().map(move |chunk| {
        let chunk: Bytes = chunk?;
        if scan.feed(&chunk) {
            flag.store(true, Ordering::Relaxed);
            return Err(axum::Error::new(NulInBody));
        }
        Ok(chunk)
    });
    let request = Request::from_parts(parts, Body::from_stream(checked));
    let response = next.run(request).await;
    if found.load(Ordering::Relaxed) {
        return nul_error("body").into_response();
    }
    response
}

/// The error a checked body yields when it meets a NUL.
#[derive(Debug)]
struct NulInBody;

impl std::fmt::Display for NulInBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the body contains a NUL character")
    }
}

impl std::error::Error for NulInBody {}

/// `application/json`, `application/*+json` (parameters such as `charset` allowed).
fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Finds NUL in a body that arrives in chunks: a raw 0x00 byte in any body, and in JSON also
/// the escape `\u0000` (an escaping backslash, not an escaped one as in `\\u0000`), even when a
/// chunk boundary falls inside it.
#[derive(Debug, Clone)]
pub struct NulScan {
    json: bool,
    /// The previous byte was a backslash that starts an escape.
    escape: bool,
    /// How many bytes of `u0000` have matched after an escaping backslash.
    matched: usize,
}

impl NulScan {
    /// A scanner for a JSON body (`json`) or any other body.
    pub fn new(json: bool) -> Self {
        NulScan {
            json,
            escape: false,
            matched: 0,
        }
    }

    /// Reads the next chunk; true once a NUL has been seen.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        if !self.json {
            return chunk.contains(&0);
        }
        const TAIL: &[u8] = b"u0000";
        for &b in chunk {
            if b == 0 {
                return true;
            }
            if self.matched > 0 {
                if b == TAIL[self.matched] {
                    self.matched += 1;
                    if self.matched == TAIL.len() {
                        return true;
                    }
                    continue;
                }
                self.matched = 0;
                // Not `\u0000`: the byte is read again as ordinary input below.
            } else if self.escape {
                self.escape = false;
                if b == b'u' {
                    self.matched = 1;
                }
                continue;
            }
            if b == b'\\' {
                self.escape = true;
            }
        }
        false
    }
}

/// True when a client-sent request id may be kept: 1 to [`MAX_REQUEST_ID_LEN`] characters of
/// `A–Z a–z 0–9 . _ -`.
pub fn is_safe_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Drops every `x-request-id` header unless there is exactly one and it is safe; the
/// request-id layer then makes a fresh one.
pub async fn drop_unsafe_request_id(mut request: Request) -> Request {
    let name = header::HeaderName::from_static("x-request-id");
    let values: Vec<&HeaderValue> = request.headers().get_all(&name).iter().collect();
    let keep = values.len() == 1 && is_safe_request_id(values[0].as_bytes());
    if !values.is_empty() && !keep {
        tracing::debug!(
            count = values.len(),
            "client request id refused; a fresh one is used"
        );
        request.headers_mut().remove(&name);
    }
    request
}

/// The metric label of an HTTP method: one of the standard methods, otherwise `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_json(chunks: &[&[u8]]) -> bool {
        let mut s = NulScan::new(true);
        chunks.iter().any(|c| s.feed(c))
    }

    #[test]
    fn json_nul_escapes_are_found() {
        assert!(scan_json(&[br#"{"username":"ad\u0000min"}"#]));
        assert!(scan_json(&[br#"{"a\u0000":1}"#]));
        assert!(scan_json(&[br#"["x\\\u0000"]"#]));
        assert!(scan_json(&[b"{\"a\":\"\0\"}"]));
    }

    #[test]
    fn json_nul_escapes_split_across_chunks_are_found() {
        let body = br#"{"name":"a\u0000b"}"#;
        for cut in 0..body.len() {
            let (a, b) = body.split_at(cut);
            assert!(scan_json(&[a, b]), "cut at {cut}");
        }
    }

    #[test]
    fn lookalikes_are_not_nul() {
        // An escaped backslash followed by the text u0000, other escapes, a real U+0001.
        assert!(!scan_json(&[br#"{"a":"\\u0000"}"#]));
        assert!(!scan_json(&[br#"{"a":"\u0001 \u00e0 \n \"u0000\""}"#]));
        assert!(!scan_json(&[br#"{"a":"\\", "b":"u0000"}"#]));
        assert!(!scan_json(&[br#"{"a":"\\\\u0000"}"#]));
        assert!(!scan_json(&[r#"{"a":"Đường Láng"}"#.as_bytes()]));
    }

    #[test]
    fn other_bodies_only_refuse_raw_nul() {
        let mut s = NulScan::new(false);
        assert!(!s.feed(br"a,b\u0000,c"));
        assert!(s.feed(b"a,\0b"));
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/csv"));
        assert!(!is_json_media_type("text/json-ish"));
    }

    #[test]
    fn request_ids() {
        assert!(is_safe_request_id(b"abc-123_X.y"));
        assert!(is_safe_request_id(&[b'a'; MAX_REQUEST_ID_LEN]));
        assert!(!is_safe_request_id(&[b'a'; MAX_REQUEST_ID_LEN + 1]));
        assert!(!is_safe_request_id(b""));
        assert!(!is_safe_request_id(b"a b"));
        assert!(!is_safe_request_id(b"<script>"));
        assert!(!is_safe_request_id("mã-số".as_bytes()));
    }

    #[test]
    fn methods_are_a_fixed_set() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let made_up = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&made_up), "other");
    }
}
