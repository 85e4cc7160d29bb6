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
//! * Each connection queues at most [`QUEUE_MAX_MESSAGES`] messages or [`QUEUE_MAX_BYTES`]
//!   bytes for its client; a burst waits for room. A client whose queue stays full for
//!   [`QUEUE_FULL_FOR`] (it stopped reading) is a laggard: its queue is dropped, it is sent
//!   `{"type":"lagged"}` and the connection ends, so
//!   a stuck client holds a bounded amount of memory and never slows the others. A WebSocket
//!   write that stays blocked for [`LAGGARD_GRACE`] after that ends the connection without
//!   the message.
//! * An account holds at most [`CONNECTIONS_PER_ACCOUNT`] feed connections at once; one more
//!   answers 429 `feed_connections_exceeded`.
//! * Keep-alives: WebSocket pings every [`PING_EVERY`]; SSE comments as often.
//! * Every connection ends when the server stops.

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Query};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::Change;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, watch};

/// At most this many missed changes are replayed on connect.
pub const REPLAY_MAX: i64 = 1000;
/// How often a silent connection is pinged.
pub const PING_EVERY: Duration = Duration::from_secs(20);

/// At most this many messages wait for one client.
pub const QUEUE_MAX_MESSAGES: usize = 256;
/// At most this many bytes of messages wait for one client.
pub const QUEUE_MAX_BYTES: usize = 512 * 1024;
/// How long a full queue may stay full before its client is a laggard.
pub const QUEUE_FULL_FOR: Duration = Duration::from_secs(2);
/// How long a laggard's blocked connection may take to take its `lagged` message.
pub const LAGGARD_GRACE: Duration = Duration::from_secs(5);
/// How many feed connections one account may hold open at once (a console in a few tabs).
pub const CONNECTIONS_PER_ACCOUNT: usize = 8;

/// The control message that tells a client to reload: it missed changes.
const LAGGED: &str = r#"{"type":"lagged"}"#;

/// The open feed connections per account, shared by the feed route.
#[derive(Debug, Default)]
pub struct FeedConnections {
    open: Mutex<HashMap<i64, usize>>,
}

/// One account's claim on a feed connection; released when the connection ends.
#[derive(Debug)]
pub struct ConnectionSlot {
    connections: Arc<FeedConnections>,
    user: i64,
}

impl FeedConnections {
    /// Claims a connection for `user`, or `None` when the account already holds `max`.
    pub fn claim(self: &Arc<Self>, user: i64, max: usize) -> Option<ConnectionSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            connections: Arc::clone(self),
            user,
        })
    }

    /// How many connections `user` holds now.
    pub fn held_by(&self, user: i64) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&user).copied().unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self
            .connections
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

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

    fn queued(&self, last: bool) -> Queued {
        Queued {
            json: self.json(),
            id: match self {
                // A passing event (id 0) must not move the client's resume point.
                Outgoing::Change(c) => Some(c.id).filter(|id| *id > 0),
                Outgoing::Lagged => None,
            },
            last,
        }
    }
}

/// A message waiting in a connection's queue, already serialised.
struct Queued {
    json: String,
    /// The change id (SSE events carry it for `Last-Event-ID`).
    id: Option<i64>,
    /// The `lagged` that ends a laggard's connection.
    last: bool,
}

/// What the two ends of one connection's queue share.
#[derive(Default)]
struct QueueState {
    bytes: AtomicUsize,
    laggard: AtomicBool,
    became_laggard: tokio::sync::Notify,
    /// Signalled whenever the writer takes a message out.
    room: tokio::sync::Notify,
}

/// Where the live changes of one connection are queued for its client, within
/// [`QUEUE_MAX_MESSAGES`] and [`QUEUE_MAX_BYTES`].
struct QueueIn {
    tx: mpsc::Sender<Queued>,
    state: Arc<QueueState>,
}

/// Where the writer of one connection takes the next message from.
struct QueueOut {
    rx: mpsc::Receiver<Queued>,
    state: Arc<QueueState>,
}

/// A bounded queue for one connection. One slot more than the bound is kept for the final
/// `lagged`.
fn queue() -> (QueueIn, QueueOut) {
    let (tx, rx) = mpsc::channel(QUEUE_MAX_MESSAGES + 1);
    let state = Arc::new(QueueState::default());
    (
        QueueIn {
            tx,
            state: Arc::clone(&state),
        },
        QueueOut { rx, state },
    )
}

/// Whether one more message of `len` bytes fits a queue holding `messages` and `bytes`. An
/// empty queue takes any message, so one large change never makes a laggard by itself.
fn fits(messages: usize, bytes: usize, len: usize) -> bool {
    messages == 0 || (messages < QUEUE_MAX_MESSAGES && bytes + len <= QUEUE_MAX_BYTES)
}

impl QueueIn {
    /// Queues a message when it fits; gives it back otherwise.
    fn try_push(&self, queued: Queued) -> Result<(), Queued> {
        let messages = self.tx.max_capacity() - self.tx.capacity();
        let bytes = self.state.bytes.load(Ordering::Acquire);
        if !fits(messages, bytes, queued.json.len()) {
            return Err(queued);
        }
        let len = queued.json.len();
        self.state.bytes.fetch_add(len, Ordering::AcqRel);
        self.tx.try_send(queued).map_err(|e| {
            self.state.bytes.fetch_sub(len, Ordering::AcqRel);
            match e {
                mpsc::error::TrySendError::Full(q) | mpsc::error::TrySendError::Closed(q) => q,
            }
        })
    }

    /// Marks the client a laggard: what is queued is dropped, the final `lagged` goes in the
    /// slot kept for it, and nothing more will be queued.
    fn give_up(&self) {
        self.state.laggard.store(true, Ordering::Release);
        self.state.became_laggard.notify_one();
        let last = Outgoing::Lagged.queued(true);
        self.state
            .bytes
            .fetch_add(last.json.len(), Ordering::AcqRel);
        let _ = self.tx.try_send(last);
    }
}

impl QueueOut {
    /// The next message to send; once the client is a laggard, the queued changes are
    /// dropped and only the final `lagged` is left. `None` when the connection is to end.
    async fn pop(&mut self) -> Option<Queued> {
        loop {
            let queued = self.rx.recv().await?;
            self.state
                .bytes
                .fetch_sub(queued.json.len(), Ordering::AcqRel);
            self.state.room.notify_one();
            if queued.last || !self.state.laggard.load(Ordering::Acquire) {
                return Some(queued);
            }
        }
    }

    /// Resolves [`LAGGARD_GRACE`] after the client became a laggard: a write still blocked
    /// then is abandoned with the connection.
    async fn gave_up(state: &QueueState) {
        if !state.laggard.load(Ordering::Acquire) {
            state.became_laggard.notified().await;
        }
        tokio::time::sleep(LAGGARD_GRACE).await;
    }
}

/// Moves the live changes of a session into its connection's queue until the server stops,
/// the client leaves or stays too far behind. A burst waits for room (in the shared change
/// buffer, not in this connection's queue); a queue with no room for [`QUEUE_FULL_FOR`]
/// makes the client a laggard.
async fn pump(mut session: Session, queue: QueueIn, metrics: Arc<crate::metrics::Metrics>) {
    loop {
        let next = tokio::select! {
            next = session.next() => next,
            _ = queue.tx.closed() => return,
        };
        let Some(message) = next else {
            return;
        };
        let mut queued = message.queued(false);
        let deadline = tokio::time::Instant::now() + QUEUE_FULL_FOR;
        loop {
            match queue.try_push(queued) {
                Ok(()) => break,
                Err(back) => queued = back,
            }
            let waited = tokio::time::timeout_at(deadline, async {
                tokio::select! {
                    _ = queue.state.room.notified() => true,
                    _ = queue.tx.closed() => false,
                }
            })
            .await;
            match waited {
                Ok(true) => {}
                Ok(false) => return,
                Err(_) => {
                    queue.give_up();
                    tracing::info!(
                        max_messages = QUEUE_MAX_MESSAGES,
                        max_bytes = QUEUE_MAX_BYTES,
                        "feed client fell too far behind; sent lagged and disconnected"
                    );
                    metrics.count("binhyen_feed_laggards_total", &[], 1);
                    return;
                }
            }
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
    Extension(connections): Extension<Arc<FeedConnections>>,
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
    if ws.is_ok() && !same_origin(&headers) {
        return Err(ApiError::forbidden(
            "the feed is only opened from this server's own pages",
        ));
    }
    if let Err(rejection) = &ws {
        if headers.contains_key(axum::http::header::UPGRADE) {
            return Err(ApiError::new(ErrorCode::BadUpgrade, rejection.body_text()));
        }
    }
    let Some(slot) = connections.claim(principal.user.id, CONNECTIONS_PER_ACCOUNT) else {
        state.metrics.count("binhyen_feed_refused_total", &[], 1);
        return Err(ApiError::new(
            ErrorCode::FeedConnectionsExceeded,
            format!(
                "this account already holds {CONNECTIONS_PER_ACCOUNT} live feed connections; \
                 close one first"
            ),
        ));
    };
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
    let (queue_in, queue_out) = queue();
    let metrics = Arc::clone(&state.metrics);
    match ws {
        Ok(upgrade) => Ok(upgrade
            .on_upgrade(move |socket| async move {
                tokio::spawn(pump(session, queue_in, metrics));
                serve_websocket(socket, first, queue_out, slot).await;
            })
            .into_response()),
        Err(_) => {
            tokio::spawn(pump(session, queue_in, metrics));
            Ok(serve_sse(first, queue_out, slot))
        }
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

/// Sends one message unless the client became a laggard and the write stayed blocked past
/// the grace; `false` when the connection is to end.
async fn send(
    out: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    message: Message,
    state: &QueueState,
) -> bool {
    tokio::select! {
        sent = out.send(message) => sent.is_ok(),
        _ = QueueOut::gave_up(state) => false,
    }
}

async fn serve_websocket(
    socket: WebSocket,
    first: Vec<Outgoing>,
    mut queue: QueueOut,
    _slot: ConnectionSlot,
) {
    let state = Arc::clone(&queue.state);
    let (mut out, mut inbound) = socket.split();
    for message in &first {
        if !send(&mut out, Message::Text(message.json().into()), &state).await {
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            next = queue.pop() => match next {
                Some(message) => {
                    if !send(&mut out, Message::Text(message.json.into()), &state).await {
                        return;
                    }
                }
                None => {
                    // The server stops, or the laggard had its `lagged`.
                    let _ = tokio::time::timeout(LAGGARD_GRACE, out.send(Message::Close(None)))
                        .await;
                    return;
                }
            },
            incoming = inbound.next() => match incoming {
                // The client sends nothing we act on; pongs are answered by the library.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if !send(&mut out, Message::Ping(Vec::new().into()), &state).await {
                    return;
                }
            }
        }
    }
}

fn event(json: String, id: Option<i64>) -> Event {
    let event = Event::default().data(json);
    match id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}

fn serve_sse(first: Vec<Outgoing>, queue: QueueOut, slot: ConnectionSlot) -> Response {
    let replay = futures_util::stream::iter(first.into_iter().map(|m| {
        let q = m.queued(false);
        Ok::<Event, std::convert::Infallible>(event(q.json, q.id))
    }));
    // The slot travels with the stream: it is released when the response ends or its
    // client goes away.
    let live = futures_util::stream::unfold((queue, slot), |(mut queue, slot)| async move {
        let message = queue.pop().await?;
        Some((Ok(event(message.json, message.id)), (queue, slot)))
    });
    Sse::new(replay.chain(live))
        .keep_alive(KeepAlive::new().interval(PING_EVERY))
        .into_response()
}

/// The feed route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/feed", get(feed))
        .layer(Extension(Arc::new(FeedConnections::default())))
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
    fn a_queue_is_bounded_in_messages_and_bytes() {
        assert!(
            fits(0, 0, QUEUE_MAX_BYTES * 4),
            "an empty queue takes one large change"
        );
        assert!(fits(QUEUE_MAX_MESSAGES - 1, 0, 10));
        assert!(!fits(QUEUE_MAX_MESSAGES, 0, 10));
        assert!(fits(3, QUEUE_MAX_BYTES - 10, 10));
        assert!(!fits(3, QUEUE_MAX_BYTES - 10, 11));
    }

    fn queued_change(id: i64) -> Queued {
        let mut c = change("incident.updated", None, &[]);
        c.id = id;
        Outgoing::Change(Box::new(c)).queued(false)
    }

    #[tokio::test]
    async fn a_laggard_gets_only_the_final_lagged() {
        let (queue_in, mut queue_out) = queue();
        let mut accepted = 0;
        for id in 0..(QUEUE_MAX_MESSAGES as i64 + 10) {
            if queue_in.try_push(queued_change(id)).is_err() {
                break;
            }
            accepted += 1;
        }
        assert_eq!(accepted, QUEUE_MAX_MESSAGES);
        queue_in.give_up();
        drop(queue_in);
        let last = queue_out.pop().await.expect("the lagged message");
        assert!(last.last);
        assert_eq!(last.json, LAGGED);
        assert!(
            queue_out.pop().await.is_none(),
            "the connection ends after it"
        );
        assert_eq!(queue_out.state.bytes.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_passing_event_carries_no_resume_point() {
        // Positions are not stored: an SSE id of 0 would make a reconnecting browser replay
        // the whole feed.
        assert_eq!(queued_change(0).id, None);
        assert_eq!(queued_change(42).id, Some(42));
    }

    #[tokio::test]
    async fn a_reading_client_never_lags() {
        let (queue_in, mut queue_out) = queue();
        for id in 1..(QUEUE_MAX_MESSAGES as i64 * 3) {
            assert!(queue_in.try_push(queued_change(id)).is_ok());
            let got = queue_out.pop().await.expect("message");
            assert_eq!(got.id, Some(id));
            assert!(!got.last);
        }
    }

    #[test]
    fn an_account_holds_a_bounded_number_of_connections() {
        let connections = Arc::new(FeedConnections::default());
        let held: Vec<_> = (0..3).filter_map(|_| connections.claim(7, 3)).collect();
        assert_eq!(held.len(), 3);
        assert!(connections.claim(7, 3).is_none());
        let other = connections.claim(8, 3);
        assert!(other.is_some(), "another account has its own count");
        drop(held);
        assert_eq!(connections.held_by(7), 0);
        assert!(connections.claim(7, 3).is_some());
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
