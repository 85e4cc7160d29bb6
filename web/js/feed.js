// The live feed: a WebSocket to /api/feed (the session cookie authenticates it), falling back
// to Server-Sent Events at the same path, and to periodic refresh when neither is available.
// Listeners get each change `{id, at, kind, unit_code, shared_with, payload}`; after a
// reconnect they get a `resync` so they can reload what they show (changes may have been
// missed while disconnected).

const listeners = new Set();
const stateListeners = new Set();
let state = "connecting";
let socket = null;
let source = null;
let pollTimer = null;
let retryTimer = null;
let attempts = 0;
let stopped = true;
let lastId = null;

/** Current connection state: connecting, live, sse, polling or offline. */
export function feedState() {
  return state;
}

function setState(s) {
  if (s === state) return;
  state = s;
  for (const fn of stateListeners) fn(s);
}

/** Calls `fn(state)` when the connection state changes. */
export function onFeedState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}

/** Calls `fn(change)` for every change, and `fn({kind: "resync"})` after reconnecting. */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(change) {
  if (change && typeof change.id === "number" && change.id > 0) lastId = Math.max(lastId ?? 0, change.id);
  for (const fn of listeners) {
    try {
      fn(change);
    } catch (e) {
      console.error("feed listener failed", e);
    }
  }
}

function handleMessage(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return;
  }
  // A batch, a single change, or a control message (`{type: "lagged"}` etc.).
  if (Array.isArray(msg)) msg.forEach(emit);
  else if (msg && msg.kind) emit(msg);
  else if (msg && (msg.type === "lagged" || msg.type === "resync")) emit({ kind: "resync" });
}

function feedUrl(protocol) {
  const base = `${protocol}//${location.host}/api/feed`;
  return lastId != null ? `${base}?since=${lastId}` : base;
}

function scheduleRetry(fn) {
  clearTimeout(retryTimer);
  const delay = Math.min(30000, 1000 * 2 ** Math.min(attempts, 5));
  attempts += 1;
  retryTimer = setTimeout(() => !stopped && fn(), delay);
}

function startPolling() {
  setState("polling");
  clearInterval(pollTimer);
  // Without a live channel the views reload every 10 s; the WebSocket is retried meanwhile.
  pollTimer = setInterval(() => emit({ kind: "resync", polled: true }), 10000);
  scheduleRetry(connectWs);
}

function connectSse() {
  if (typeof EventSource === "undefined") return startPolling();
  let opened = false;
  source = new EventSource(feedUrl(location.protocol), { withCredentials: true });
  source.onopen = () => {
    opened = true;
    attempts = 0;
    clearInterval(pollTimer);
    setState("sse");
    emit({ kind: "resync" });
  };
  source.onmessage = (e) => handleMessage(e.data);
  source.onerror = () => {
    source.close();
    source = null;
    if (stopped) return;
    if (opened) {
      setState("offline");
      scheduleRetry(connectWs);
    } else {
      startPolling();
    }
  };
}

function connectWs() {
  if (stopped) return;
  clearTimeout(retryTimer);
  if (state !== "polling") setState("connecting");
  let opened = false;
  try {
    socket = new WebSocket(feedUrl(location.protocol === "https:" ? "wss:" : "ws:"));
  } catch {
    return connectSse();
  }
  socket.onopen = () => {
    opened = true;
    attempts = 0;
    clearInterval(pollTimer);
    setState("live");
    emit({ kind: "resync" });
  };
  socket.onmessage = (e) => handleMessage(typeof e.data === "string" ? e.data : "");
  socket.onclose = () => {
    socket = null;
    if (stopped) return;
    if (opened) {
      setState("offline");
      emit({ kind: "resync", lost: true });
      scheduleRetry(connectWs);
    } else if (state === "polling") {
      scheduleRetry(connectWs);
    } else {
      connectSse();
    }
  };
}

/** Opens the feed (after sign-in). */
export function startFeed() {
  if (!stopped) return;
  stopped = false;
  attempts = 0;
  connectWs();
}

/** Reconnects at once (the server is back after an outage) instead of waiting for the next
 * retry; the new connection's `resync` reloads the screens. */
export function reconnectFeed() {
  if (stopped || socket || source || state === "live") return;
  attempts = 0;
  connectWs();
}

/** Closes the feed (on sign-out). */
export function stopFeed() {
  stopped = true;
  clearTimeout(retryTimer);
  clearInterval(pollTimer);
  if (socket) socket.close();
  if (source) source.close();
  socket = null;
  source = null;
  lastId = null;
  setState("connecting");
}
