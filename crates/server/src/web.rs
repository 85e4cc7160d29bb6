//! The operators' console, served from the binary: every file of the workspace's `web/` folder
//! is embedded at compile time (see `build.rs`), answered with its content type, a strong ETag
//! and a cache policy. Paths that look like console pages (no file extension) get `index.html`
//! so that the browser's router can draw them; those under `/field/` get the field app's own
//! `field/index.html`; unknown `/api/…` paths stay JSON 404s.

use crate::app::AppState;
use crate::error::{ApiError, ErrorCode};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// Content Security Policy of the console: everything from this server, nothing else. Styles
/// may be inline because the map library positions its layers with `style` attributes.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; media-src 'none'; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// One embedded file, ready to answer.
#[derive(Debug)]
pub struct Asset {
    /// Path relative to `web/`, e.g. `js/main.js`.
    pub path: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Strong ETag (quoted), from the SHA-256 of the bytes.
    pub etag: String,
}

/// Every embedded file by path, built once.
pub fn assets() -> &'static HashMap<&'static str, Asset> {
    static ASSETS: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        embedded::FILES
            .iter()
            .map(|&(path, bytes)| {
                let digest = Sha256::digest(bytes);
                let asset = Asset {
                    path,
                    bytes,
                    content_type: content_type(path),
                    etag: format!("\"{}\"", hex::encode(&digest[..12])),
                };
                (path, asset)
            })
            .collect()
    })
}

/// The content type for a file name, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "geojson" => "application/geo+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// How long a browser may keep a file without asking again. Vendored libraries live in
/// folders named with their version, so they never change under the same path; the console's
/// own files are revalidated every time (a cheap 304 thanks to the ETag). That includes the
/// field app's service worker, `field/sw.js`: a cached copy would keep phones on an old app.
pub fn cache_control(path: &str) -> &'static str {
    if path.starts_with("vendor/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// The console's routes: everything not matched by the API falls through to here.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().fallback(serve)
}

/// Answers a request that no API route matched.
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::new(ErrorCode::NoRoute, "no such route").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(
            ErrorCode::MethodNotAllowed,
            "the console only answers GET and HEAD",
        )
        .into_response();
    }
    let rel = path.trim_start_matches('/');
    let assets = assets();
    let asset = match assets.get(rel) {
        Some(asset) => asset,
        None if is_page(rel) => match assets.get(shell_for(rel)) {
            Some(index) => index,
            None => return ApiError::not_found("the console is not built in").into_response(),
        },
        None => return ApiError::not_found(format!("no file {path}")).into_response(),
    };
    respond(asset, &headers, method == Method::HEAD)
}

/// Whether a path names a console page (drawn by `index.html`) rather than a file: its last
/// segment has no extension, and no segment is hidden or climbs up.
pub fn is_page(rel: &str) -> bool {
    let last = rel.rsplit('/').next().unwrap_or("");
    !last.contains('.') && !rel.split('/').any(|s| s.starts_with('.'))
}

/// The page that draws `rel` (a path that [`is_page`]): the field app's shell for paths under
/// `field/`, the console's otherwise.
pub fn shell_for(rel: &str) -> &'static str {
    if rel == "field" || rel.starts_with("field/") {
        "field/index.html"
    } else {
        "index.html"
    }
}

fn respond(asset: &Asset, headers: &HeaderMap, head: bool) -> Response {
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == asset.etag
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if head {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(asset.bytes.len()));
        r
    } else {
        asset.bytes.into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        h.insert(header::ETAG, etag);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(asset.path)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.content_type.starts_with("text/html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt as _;

    async fn get(path: &str, headers: &[(&str, &str)]) -> Response {
        let app: Router = Router::new().fallback(serve);
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
    }

    async fn body(r: Response) -> Vec<u8> {
        axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    fn header<'a>(r: &'a Response, name: &str) -> &'a str {
        r.headers().get(name).unwrap().to_str().unwrap()
    }

    #[tokio::test]
    async fn index_is_served_at_the_root_with_security_headers() {
        let r = get("/", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&r, "cache-control"), "no-cache");
        assert!(header(&r, "content-security-policy").contains("default-src 'self'"));
        let html = String::from_utf8(body(r).await).unwrap();
        assert!(html.contains("<html lang=\"vi\""));
    }

    #[tokio::test]
    async fn console_pages_fall_back_to_index_but_files_and_api_do_not() {
        let index = body(get("/", &[]).await).await;
        for page in [
            "/incidents/42",
            "/units/00004",
            "/intake",
            "/devices",
            "/login",
        ] {
            let r = get(page, &[]).await;
            assert_eq!(r.status(), StatusCode::OK, "{page}");
            assert_eq!(body(r).await, index, "{page}");
        }
        let r = get("/js/nothing-here.js", &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        for api in ["/api/nope", "/api/incidents/1/unknown", "/api"] {
            let r = get(api, &[]).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{api}");
            assert_eq!(header(&r, "content-type"), "application/json");
            let v: serde_json::Value = serde_json::from_slice(&body(r).await).unwrap();
            assert_eq!(v["error"]["code"], "no_route");
        }
        let r = get("/.hidden", &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn etag_revalidation_answers_304_without_a_body() {
        let r = get("/js/main.js", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
        let etag = header(&r, "etag").to_owned();
        let r = get("/js/main.js", &[("if-none-match", &etag)]).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert!(body(r).await.is_empty());
        let r = get("/js/main.js", &[("if-none-match", "\"other\"")]).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn writes_to_console_paths_are_refused() {
        let app: Router = Router::new().fallback(serve);
        let r = app
            .oneshot(Request::post("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn vendored_files_are_cached_for_long_and_own_files_revalidated() {
        let leaflet = assets()
            .keys()
            .find(|p| p.starts_with("vendor/leaflet-") && p.ends_with("leaflet.js"))
            .expect("leaflet is vendored");
        assert!(cache_control(leaflet).contains("immutable"));
        assert_eq!(cache_control("js/main.js"), "no-cache");
    }

    #[test]
    fn every_embedded_file_has_a_known_content_type() {
        assert!(!assets().is_empty());
        for path in assets().keys() {
            assert_ne!(
                content_type(path),
                "application/octet-stream",
                "{path} has no content type"
            );
        }
    }

    /// Every `src`/`href` of a page and every ES-module import (relative, or from the root as
    /// the field app imports the console's modules) names an embedded file, so a renamed file
    /// cannot leave the console or the field app half loaded.
    #[test]
    fn every_reference_between_console_files_resolves() {
        let assets = assets();
        let resolve = |from: &str, target: &str| -> String {
            let mut parts: Vec<&str> = if target.starts_with('/') {
                Vec::new()
            } else {
                let mut p: Vec<&str> = from.split('/').collect();
                p.pop();
                p
            };
            for seg in target.trim_start_matches('/').split('/') {
                match seg {
                    "." | "" => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            parts.join("/")
        };
        let mut checked = 0;
        for (path, asset) in assets {
            let is_html = path.ends_with(".html");
            let is_js =
                path.ends_with(".js") && (path.starts_with("js/") || path.starts_with("field/"));
            if !is_html && !is_js {
                continue;
            }
            let text = std::str::from_utf8(asset.bytes).unwrap();
            let markers: &[&str] = if is_html {
                &["src=\"", "href=\""]
            } else {
                &["from \"", "import(\""]
            };
            for marker in markers {
                for piece in text.split(marker).skip(1) {
                    let target = piece.split('"').next().unwrap();
                    let last = target.rsplit('/').next().unwrap_or("");
                    if is_html && !last.contains('.') {
                        // A console route such as /intake, served by the SPA fallback.
                        continue;
                    }
                    if target.starts_with("http")
                        || target.starts_with('#')
                        || target.is_empty()
                        || target == "/"
                    {
                        continue;
                    }
                    if is_js && !target.starts_with('.') && !target.starts_with('/') {
                        continue;
                    }
                    let target = target.split(['?', '#']).next().unwrap();
                    let resolved = resolve(path, target);
                    assert!(
                        assets.contains_key(resolved.as_str()),
                        "{path} refers to {target} ({resolved}), which is not embedded"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10, "only {checked} references checked");
    }

    #[tokio::test]
    async fn field_app_pages_get_the_field_shell_and_console_pages_the_console() {
        let shell = body(get("/field/index.html", &[]).await).await;
        let console = body(get("/", &[]).await).await;
        assert_ne!(shell, console);
        for page in [
            "/field",
            "/field/",
            "/field/incidents/12",
            "/field/shift",
            "/field/settings",
        ] {
            let r = get(page, &[]).await;
            assert_eq!(r.status(), StatusCode::OK, "{page}");
            assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
            assert!(header(&r, "content-security-policy").contains("default-src 'self'"));
            assert_eq!(body(r).await, shell, "{page}");
        }
        let r = get("/field/nothing-here.js", &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(body(get("/fieldwork", &[]).await).await, console);
    }

    #[tokio::test]
    async fn the_field_manifest_makes_the_app_installable() {
        let r = get("/field/manifest.webmanifest", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-type"), "application/manifest+json");
        let m: serde_json::Value = serde_json::from_slice(&body(r).await).unwrap();
        assert_eq!(m["name"], "Bình Yên – Hiện trường");
        assert_eq!(m["start_url"], "/field/");
        assert_eq!(m["scope"], "/field/");
        assert_eq!(m["display"], "standalone");
        assert!(m["theme_color"]
            .as_str()
            .is_some_and(|c| c.starts_with('#')));
        let icons = m["icons"].as_array().unwrap();
        assert!(icons.iter().any(|i| i["sizes"] == "512x512"));
        for icon in icons {
            let src = icon["src"].as_str().unwrap();
            let asset = &assets()[src.trim_start_matches('/')];
            assert_eq!(asset.content_type, icon["type"], "{src}");
            if let Some((w, h)) = icon["sizes"].as_str().unwrap().split_once('x') {
                // A PNG's IHDR chunk holds its width and height, big-endian, at bytes 16..24.
                let size =
                    |at: usize| u32::from_be_bytes(asset.bytes[at..at + 4].try_into().unwrap());
                assert_eq!(
                    (size(16).to_string(), size(20).to_string()),
                    (w.into(), h.into())
                );
            }
        }
    }

    #[tokio::test]
    async fn the_service_worker_is_revalidated_on_every_load() {
        let r = get("/field/sw.js", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
        assert_eq!(header(&r, "cache-control"), "no-cache");
    }

    /// The service worker's precache list names files that exist, and holds every module the
    /// field app loads (its own and the console's it imports, transitively): a module missing
    /// from it would keep the app from starting offline.
    #[test]
    fn the_service_worker_precaches_the_whole_field_app() {
        let assets = assets();
        let text = |path: &str| std::str::from_utf8(assets[path].bytes).unwrap();
        let sw = text("field/sw.js");
        let list = sw.split("const SHELL = [").nth(1).unwrap();
        let list = list.split("];").next().unwrap();
        let shell: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
        for url in &shell {
            let rel = url.trim_start_matches('/');
            let rel = if is_page(rel) { shell_for(rel) } else { rel };
            assert!(
                assets.contains_key(rel),
                "sw.js precaches {url}, which is not embedded"
            );
        }
        let mut todo: Vec<String> = vec!["field/app.js".into()];
        let mut seen = std::collections::HashSet::new();
        while let Some(module) = todo.pop() {
            if !seen.insert(module.clone()) {
                continue;
            }
            assert!(
                shell.contains(&format!("/{module}").as_str()),
                "sw.js does not precache {module}"
            );
            let dir = module.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for piece in text(&module).split("from \"").skip(1) {
                let target = piece.split('"').next().unwrap();
                let resolved = match target.strip_prefix("./") {
                    Some(name) => format!("{dir}/{name}"),
                    None => target.trim_start_matches('/').to_owned(),
                };
                todo.push(resolved);
            }
        }
        assert!(seen.len() > 10, "only {} modules found", seen.len());
    }

    #[test]
    fn pages_and_files_are_told_apart() {
        assert!(is_page(""));
        assert!(is_page("incidents/12"));
        assert!(is_page("units/00004"));
        assert!(!is_page("js/main.js"));
        assert!(!is_page("favicon.svg"));
        assert!(!is_page(".env"));
        assert!(!is_page("a/.git/config"));
        assert_eq!(shell_for("field"), "field/index.html");
        assert_eq!(shell_for("field/incidents/12"), "field/index.html");
        assert_eq!(shell_for("incidents/12"), "index.html");
        assert_eq!(shell_for("fieldwork"), "index.html");
    }
}
