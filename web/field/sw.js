// The field app's service worker (scope /field/). It keeps the app shell, so the app opens
// without a connection; answers API reads from the network first and, when the network fails,
// from the last good copy, marked with when it was stored (`X-Field-Cached-At`) so the app can
// say how old it is; and never touches writes, which the app's outbox queues itself. The live
// feed is left alone. The shell is answered from the cache at once and refreshed behind it, so
// a new version of a file is used from the next start on.

const SHELL_CACHE = "field-shell-v1";
const API_CACHE = "field-api";
const CACHED_AT = "X-Field-Cached-At";

/** Every file the app needs to start. */
const SHELL = [
  "/field/",
  "/field/app.js",
  "/field/actions.js",
  "/field/db.js",
  "/field/describe.js",
  "/field/duty.js",
  "/field/home.js",
  "/field/incident.js",
  "/field/login.js",
  "/field/net.js",
  "/field/outbox.js",
  "/field/photo.js",
  "/field/position.js",
  "/field/ring.js",
  "/field/settings.js",
  "/field/shift.js",
  "/field/texts.js",
  "/field/field.css",
  "/field/icon.svg",
  "/field/manifest.webmanifest",
  "/js/api.js",
  "/js/dom.js",
  "/js/errors.js",
  "/js/feed.js",
  "/js/i18n.js",
  "/js/model.js",
  "/js/outage.js",
  "/js/signin.js",
  "/js/time.js",
  "/js/vocabulary.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("field-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) {
    if (url.pathname === "/api/feed") return;
    event.respondWith(networkFirst(req));
  } else if (req.mode === "navigate" && url.pathname.startsWith("/field")) {
    event.respondWith(shell(event, "/field/"));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(shell(event, url.pathname));
  }
});

/** An API read: the network's answer (kept when good), else the kept copy, else the failure. */
async function networkFirst(req) {
  const cache = await caches.open(API_CACHE);
  try {
    const res = await fetch(req);
    if (res.ok) {
      const headers = new Headers(res.headers);
      headers.set(CACHED_AT, String(Date.now()));
      const copy = new Response(await res.clone().blob(), { status: res.status, statusText: res.statusText, headers });
      await cache.put(req, copy);
    }
    return res;
  } catch (e) {
    const kept = await cache.match(req);
    if (kept) return kept;
    throw e;
  }
}

/** A shell file from the cache at once, refreshed from the network behind it. */
async function shell(event, path) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(path);
  const fresh = fetch(path, { cache: "no-cache" }).then(async (res) => {
    if (res.ok) await cache.put(path, res.clone());
    return res;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => {}));
    return kept;
  }
  return fresh;
}
