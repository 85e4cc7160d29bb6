//! The public chat page at `/hoi-dap`: plain HTML, CSS and JavaScript from `web/hoi-dap/`,
//! built into the binary, with no sign-in. The page talks to `POST /api/assistant/chat`, so it
//! is limited like any other client of that route.

use crate::app::AppState;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The page.
pub const INDEX_HTML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../web/hoi-dap/index.html"
));
/// Its script.
pub const APP_JS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../web/hoi-dap/app.js"
));
/// Its style sheet.
pub const STYLE_CSS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../web/hoi-dap/style.css"
));

/// Everything the page may load comes from this server; it may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The page's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/hoi-dap", get(index))
        .route("/hoi-dap/", get(index))
        .route("/hoi-dap/app.js", get(script))
        .route("/hoi-dap/style.css", get(style))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The chat page.
pub async fn index() -> Response {
    let mut response = asset(INDEX_HTML, "text/html; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("geolocation=(self), camera=(), microphone=()"),
    );
    response
}

/// The page's script.
pub async fn script() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

/// The page's style sheet.
pub async fn style() -> Response {
    asset(STYLE_CSS, "text/css; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_only_its_own_assets() {
        assert!(INDEX_HTML.contains("lang=\"vi\""));
        assert!(INDEX_HTML.contains("src=\"/hoi-dap/app.js\""));
        assert!(INDEX_HTML.contains("href=\"/hoi-dap/style.css\""));
        assert!(!INDEX_HTML.contains("http://") && !INDEX_HTML.contains("https://"));
        assert!(APP_JS.contains("/api/assistant/chat"));
        // No inline script or style: the policy forbids both.
        assert!(!INDEX_HTML.contains("<script>") && !INDEX_HTML.contains("style=\""));
    }
}
