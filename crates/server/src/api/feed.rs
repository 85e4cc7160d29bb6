//! The live feed at `GET /api/feed`: every committed change (incidents, resources, devices,
//! troubles, tasks) as one JSON object `{id, at, kind, unit_code, shared_with, payload}` per
//! message, over a WebSocket when the request asks for an upgrade, otherwise as Server-Sent
//! Events at the same path.
//!
//! * Authenticated like every route: the session cookie (the console) or a bearer token.
//! * `?since=ID` (or, for SSE, the `Last-Event-ID` header that browsers send when they
//!   reconnect) first replays the changes after that id, then streams live ones. A replay is
//!   at most [`REPLAY_MAX`] changes; when more were missed, `{"type":"lagged"}` follows and the
//!   client reloads what it shows.
//! * Filtered by scope: the city roles receive everything; a unit officer receives only changes
//!   whose `unit_code` is their unit or whose `shared_with` names it, plus the city forces'
//!   resource changes (`resource.*` without a unit: engines, ambulances, city teams, which
//!   they see on their map). Never another unit's data, and no city-level change of any other
//!   kind (accounts, unassigned incidents).
//! * A client too slow to keep up gets `{"type":"lagged"}` and carries on from the live edge.
//! * Keep-alives: WebSocket pings every [`PING_EVERY`]; SSE comments as often.
//! * Every connection ends when the server stops.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Query};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use store::Change;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

/// At most this many missed changes are replayed on connect.
pub const REPLAY_MAX: i64 = 1000;
/// How often a silent connection is pinged.
pub const PING_EVERY: Duration = Duration::from_secs(20);

/// The control message that tells a client to reload: it missed changes.
const LAGGED: &str = r#"{"type":"lagged"}"#;

/// Resolves once the server is asked to stop (or the sender is gone).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Which changes one connection may receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFilter {
    /// `None` for the city roles (everything); the unit of a unit officer.
    pub unit: Option<String>,
}

impl FeedFilter {
    /// The filter of a signed-in user.
    pub fn of(principal: &Principal) -> FeedFilter {
        FeedFilter {
            unit: principal.scope.unit().map(str::to_owned),
        }
    }

    /// Whether the change may be sent on this connection.
    pub fn allows(&self, change: &Change) -> bool {
        let Some(mine) = &self.unit else {
            return true;
        };
        match &change.unit_code {
            Some(unit) => unit == mine || change.shared_with.iter().any(|u| u == mine),
            None => change.kind.starts_with("resource."),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Replay the changes after this id first.
    pub since: Option<i64>,
}

/// What one connection sends: the replay first, then live changes.
struct Session {
    live: broadcast::Receiver<Change>,
    filter: FeedFilter,
    /// Ids already sent by the replay, which the live stream may deliver again.
    replayed: HashSet<i64>,
    stop: watch::Receiver<bool>,
}

/// One message for the client.
enum Outgoing {
    Change(Box<Change>),
    Lagged,
}

impl Outgoing {
    fn json(&self) -> String {
        match self {
            Outgoing::Change(c) => serde_json::to_string(c).unwrap_or_else(|_| LAGGED.into()),
            Outgoing::Lagged => LAGGED.into(),
        }
    }
}

impl Session {
    /// The next message to send, or `None` when the server stops.
    async fn next(&mut self) -> Option<Outgoing> {
        loop {
            tokio::select! {
                _ = stopped(&mut self.stop) => return None,
                got = self.live.recv() => match got {
                    Ok(change) => {
                        if self.replayed.remove(&change.id) || !self.filter.allows(&change) {
                            continue;
                        }
                        return Some(Outgoing::Change(Box::new(change)));
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::info!(missed, "feed client lagged; told to resync");
                        return Some(Outgoing::Lagged);
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    }
}

/// Opens the live feed: a WebSocket when the request asks for an upgrade, Server-Sent Events
/// otherwise.
#[utoipa::path(get, path = "/api/feed", tag = "feed", params(FeedQuery),
    responses((status = 101, description = "WebSocket: one JSON change per text message"),
              (status = 200, description = "Server-Sent Events: one JSON change per event",
               content_type = "text/event-stream"),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn feed(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<FeedQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let since = q.since.or_else(|| {
        headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    });
    // Subscribe before reading the replay, so that nothing falls between the two.
    let live = state.store.subscribe();
    let replay = match since {
        Some(after) => state.store.changes_after(after, REPLAY_MAX).await?,
        None => Vec::new(),
    };
    let missed_more = replay.len() as i64 >= REPLAY_MAX;
    let filter = FeedFilter::of(&principal);
    let mut first: Vec<Outgoing> = replay
        .iter()
        .filter(|c| filter.allows(c))
        .cloned()
        .map(|c| Outgoing::Change(Box::new(c)))
        .collect();
    if missed_more {
        first.push(Outgoing::Lagged);
    }
    let session = Session {
        live,
        filter,
        replayed: replay.iter().map(|c| c.id).collect(),
        stop: state.cad.shutdown.clone(),
    };
    state
        .metrics
        .count("binhyen_feed_connections_total", &[], 1);
    match ws {
        Ok(_) if !same_origin(&headers) => Err(ApiError::forbidden(
            "the feed is only opened from this server's own pages",
        )),
        Ok(upgrade) => Ok(upgrade
            .on_upgrade(move |socket| serve_websocket(socket, first, session))
            .into_response()),
        Err(rejection) if headers.contains_key(axum::http::header::UPGRADE) => {
            Err(ApiError::bad_request("bad_upgrade", rejection.body_text()))
        }
        Err(_) => Ok(serve_sse(first, session)),
    }
}

/// Whether a browser's WebSocket comes from a page of this server: the `Origin` it sends (none
/// from other clients) names the same host as the request. A page elsewhere cannot open the
/// feed with the operator's cookie.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

async fn serve_websocket(socket: WebSocket, first: Vec<Outgoing>, mut session: Session) {
    let (mut out, mut inbound) = socket.split();
    for message in &first {
        if out
            .send(Message::Text(message.json().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            next = session.next() => match next {
                Some(message) => {
                    if out.send(Message::Text(message.json().into())).await.is_err() {
                        return;
                    }
                }
                None => {
                    let _ = out.send(Message::Close(None)).await;
                    return;
                }
            },
            incoming = inbound.next() => match incoming {
                // The client sends nothing we act on; pongs are answered by the library.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if out.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn event(message: &Outgoing) -> Event {
    let event = Event::default().data(message.json());
    match message {
        Outgoing::Change(c) => event.id(c.id.to_string()),
        Outgoing::Lagged => event,
    }
}

fn serve_sse(first: Vec<Outgoing>, session: Session) -> Response {
    let replay = futures_util::stream::iter(
        first
            .into_iter()
            .map(|m| Ok::<Event, std::convert::Infallible>(event(&m))),
    );
    let live = futures_util::stream::unfold(session, |mut session| async move {
        let message = session.next().await?;
        Some((Ok(event(&message)), session))
    });
    Sse::new(replay.chain(live))
        .keep_alive(KeepAlive::new().interval(PING_EVERY))
        .into_response()
}

/// The feed route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/feed", get(feed))
}

/// The feed path for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(feed))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: &str, unit: Option<&str>, shared: &[&str]) -> Change {
        Change {
            id: 1,
            at: chrono::Utc::now(),
            kind: kind.into(),
            unit_code: unit.map(str::to_owned),
            shared_with: shared.iter().map(|s| (*s).to_owned()).collect(),
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_unit_officer_receives_only_their_unit_and_city_forces() {
        let mine = FeedFilter {
            unit: Some("00004".into()),
        };
        assert!(mine.allows(&change("incident.created", Some("00004"), &[])));
        assert!(mine.allows(&change("incident.updated", Some("00008"), &["00004"])));
        assert!(!mine.allows(&change("incident.updated", Some("00008"), &[])));
        assert!(!mine.allows(&change("incident.created", None, &[])));
        assert!(!mine.allows(&change("user.created", None, &[])));
        assert!(mine.allows(&change("resource.updated", None, &[])));
        assert!(!mine.allows(&change("resource.updated", Some("00008"), &[])));
        let city = FeedFilter { unit: None };
        assert!(city.allows(&change("device.offline", Some("00004"), &[])));
        assert!(city.allows(&change("user.created", None, &[])));
        assert!(city.allows(&change("incident.created", Some("00008"), &[])));
    }

    #[test]
    fn only_this_servers_pages_open_a_websocket() {
        let headers = |origin: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert("host", "127.0.0.1:8080".parse().unwrap());
            if let Some(o) = origin {
                h.insert("origin", o.parse().unwrap());
            }
            h
        };
        assert!(same_origin(&headers(None)));
        assert!(same_origin(&headers(Some("http://127.0.0.1:8080"))));
        assert!(same_origin(&headers(Some("https://127.0.0.1:8080/"))));
        assert!(!same_origin(&headers(Some("https://evil.example"))));
        assert!(!same_origin(&headers(Some("null"))));
    }
}
