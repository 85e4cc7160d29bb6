// Browser end-to-end tests of the field app (/field/) on an emulated phone against the real
// server: it is served as an installable app within its weight budget; an officer signs in,
// takes a shift on a patrol and shares the position; a dispatch rings and is accepted; the
// officer goes en route; offline, a note and "on scene" wait in the outbox (the app still shows
// the last data and its age) and are applied exactly once on reconnect; a status that became
// impossible meanwhile (409) is dropped with its reason shown; photos are shrunk and sent; a
// call for backup names the resource; a fire team on a city engine sees only its dispatches.
// The dispatcher's console shows the photo on the incident's page.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, apiSession, openAs, shot, ADMIN_PASSWORD } from "./lib/harness.mjs";

const OFFICER = { username: "cb.field", password: "mat-khau-hien-truong-1" };
// Ba Đình (00004), in the centre of Hà Nội.
const BA_DINH = { code: "00004", lat: 21.0385, lon: 105.838 };
const HERE = { latitude: 21.0371, longitude: 105.8349, accuracy: 12 };

let server;
let browser;
let admin;
let phone;
let page;
let patrol;
// What one test leaves for the next (the incident the patrol was sent to).
const features = {};
const positions = [];

before(async () => {
  server = await startServer({ dc09: !!process.env.E2E_DC09 });
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  const made = await admin("POST", "/api/users", { username: OFFICER.username, display_name: "Cán bộ hiện trường", role: "unit_officer", unit_code: BA_DINH.code, password: OFFICER.password });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const fleet = await admin("POST", "/api/resources/demo-fleet");
  assert.equal(fleet.status, 200, JSON.stringify(fleet.body));
});

after(async () => {
  await phone?.close();
  await browser?.close();
  await server?.stop();
});

/** Opens an incident in Ba Đình through the API, as the hotline would. */
async function openIncident(description, extra = {}) {
  const r = await admin("POST", "/api/incidents", { kind: "fire", channel: "hotline_114", description, lat: BA_DINH.lat, lon: BA_DINH.lon, unit_code: BA_DINH.code, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** A phone: small touch screen, Hanoi's language and time, the position allowed and set. */
async function newPhone() {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "vi-VN",
    timezoneId: "Asia/Ho_Chi_Minh",
    permissions: ["geolocation"],
    geolocation: HERE,
  });
  const p = await context.newPage();
  p.errors = [];
  p.on("pageerror", (e) => p.errors.push(e.message));
  // The browser reports failed loads while offline and 404s of routes not built yet.
  const expected = /Failed to load resource|net::ERR_INTERNET_DISCONNECTED|WebSocket connection to .*\/api\/feed|EventSource/;
  p.on("console", (m) => m.type() === "error" && !expected.test(m.text()) && p.errors.push(m.text()));
  p.on("request", (r) => {
    if (r.method() === "POST" && /\/api\/resources\/\d+\/position$/.test(r.url())) positions.push({ key: r.headers()["idempotency-key"], body: JSON.parse(r.postData()) });
  });
  return { context, page: p };
}

/** Taps `selector` and resolves once the server has answered the POST to `path` it causes. */
async function tapAndSend(selector, path) {
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === path);
  await page.locator(selector).tap();
  return answered;
}

/** Waits until nothing waits in the outbox. */
async function outboxEmpty(p) {
  await p.waitForFunction(() => document.getElementById("outbox").hidden, null, { timeout: 30000 });
}

/** Waits until the resource has `status` on the server. */
async function resourceStatus(id, status) {
  for (let i = 0; i < 100; i += 1) {
    const r = await admin("GET", `/api/resources/${id}`);
    if (r.body.status === status) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`resource ${id} never reached ${status}`);
}

test("the field app is served as an installable app of under 300 KB", async (t) => {
  const html = await fetch(`${server.url}/field/incidents/12`);
  assert.equal(html.status, 200);
  assert.match(html.headers.get("content-security-policy"), /default-src 'self'/);
  assert.match(await html.text(), /manifest\.webmanifest/);
  const manifest = await fetch(`${server.url}/field/manifest.webmanifest`);
  assert.equal(manifest.headers.get("content-type"), "application/manifest+json");
  const m = await manifest.json();
  assert.equal(m.start_url, "/field/");
  assert.equal(m.scope, "/field/");
  assert.equal(m.display, "standalone");
  const sw = await fetch(`${server.url}/field/sw.js`);
  assert.equal(sw.headers.get("cache-control"), "no-cache");

  const { context, page: p } = await newPhone();
  const outside = [];
  p.on("request", (r) => new URL(r.url()).origin !== server.url && outside.push(r.url()));
  await p.goto(`${server.url}/field/`);
  await p.locator("#login-user").waitFor();
  await p.waitForLoadState("networkidle");
  // What the app itself weighs: the page and every file it loaded, API answers aside.
  const bytes = await p.evaluate(() =>
    [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
      .filter((e) => !new URL(e.name).pathname.startsWith("/api/"))
      .reduce((sum, e) => sum + e.decodedBodySize, 0),
  );
  assert.ok(bytes > 0 && bytes < 300 * 1024, `the app loads ${bytes} bytes`);
  t.diagnostic(`the app loads ${Math.round(bytes / 1024)} KB`);
  assert.deepEqual(outside, []);
  // Touch targets are at least 48 px high.
  for (const sel of ["#login-user", "#login-pass", "button[type=submit]"]) {
    const box = await p.locator(sel).boundingBox();
    assert.ok(box.height >= 48, `${sel} is ${box.height} px high`);
  }
  // English is a tap away, and back.
  await p.getByRole("button", { name: "English" }).tap();
  await p.getByRole("button", { name: "Sign in" }).waitFor();
  await p.getByRole("button", { name: "Tiếng Việt" }).tap();
  await p.getByRole("button", { name: "Đăng nhập" }).waitFor();
  assert.deepEqual(p.errors, []);
  await context.close();
});

test("an officer signs in on a phone, takes a shift on a patrol and shares the position", async () => {
  ({ context: phone, page } = await newPhone());
  await page.goto(`${server.url}/field/`);
  await page.getByLabel("Tên đăng nhập").fill(OFFICER.username);
  await page.getByLabel("Mật khẩu").fill(OFFICER.password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.getByRole("heading", { name: "Nhận ca" }).waitFor();
  const first = page.locator("#shift-list button[data-resource]").first();
  await first.waitFor();
  patrol = Number(await first.getAttribute("data-resource"));
  const own = await admin("GET", `/api/resources/${patrol}`);
  assert.equal(own.body.unit_code, BA_DINH.code, "a unit officer chooses among the unit's resources");
  await first.click();
  await page.locator("#duty .call-sign").waitFor();
  assert.equal(await page.textContent("#duty .call-sign"), own.body.call_sign);
  assert.equal(await page.evaluate(() => localStorage.getItem("binhyen.field.resource") !== null), true);
  // The service worker takes the page, so that it works offline from now on.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30000 });
  // The position is reported as soon as it is known, with the fields the server takes.
  await page.waitForFunction(() => /Vị trí lúc/.test(document.getElementById("tracking-state").textContent));
  assert.ok(positions.length >= 1, "a position was sent");
  const body = positions[0].body;
  assert.equal(body.lat, HERE.latitude);
  assert.equal(body.lon, HERE.longitude);
  assert.equal(body.accuracy_m, HERE.accuracy);
  assert.equal(body.source, "app");
  assert.ok(!Number.isNaN(Date.parse(body.at)));
  assert.match(positions[0].key, /^[0-9a-f]{32}$/);
});

test("a new dispatch rings, is accepted, and the officer goes en route from the incident screen", async () => {
  const incident = await openIncident("Cháy bếp tầng 3, khói nhiều", { caller_phone: "0912345678", address: "số 5 phố Đội Cấn" });
  const sent = await admin("POST", `/api/incidents/${incident.id}/dispatch`, { resource_id: patrol });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const banner = page.locator("#dispatch-banner");
  await banner.waitFor({ state: "visible" });
  await page.waitForFunction(() => /LỆNH MỚI: Cháy/.test(document.getElementById("dispatch-banner").textContent));
  assert.ok(Number(await page.getAttribute("body", "data-rings")) >= 1, "the new dispatch sounds");
  await page.locator(`#mine .incident-card.mine[data-id="${incident.id}"]`).waitFor();
  await shot(page, "field-dispatch");

  const accepts = [];
  page.on("request", (r) => r.url().endsWith(`/api/resources/${patrol}/status`) && accepts.push(JSON.parse(r.postData())));
  await page.locator('#dock button[data-step="accept"]').tap();
  await banner.waitFor({ state: "hidden" });
  await outboxEmpty(page);
  assert.deepEqual(accepts[0], { status: "dispatched", incident_id: incident.id, reason: "Đã nhận lệnh" });
  assert.equal(await page.locator("#rejected").isHidden(), true);
  const history = await admin("GET", `/api/resources/${patrol}/history`);
  assert.equal(history.body[0].reason, "Đã nhận lệnh", "the acceptance is on the resource's history");

  await page.locator(`#mine .incident-card[data-id="${incident.id}"]`).tap();
  await page.locator("#incident-head h1", { hasText: "Cháy" }).waitFor();
  assert.equal(await page.getAttribute("#call-caller", "href"), "tel:0912345678");
  assert.equal(await page.getAttribute("#navigate", "href"), `https://www.google.com/maps/dir/?api=1&destination=${BA_DINH.lat},${BA_DINH.lon}`);
  assert.equal(await page.getAttribute("#geo", "href"), `geo:${BA_DINH.lat},${BA_DINH.lon}`);
  // A fire has its pre-plan card with the nearest water.
  await page.locator("#pre-plan h2", { hasText: "Phương án chữa cháy" }).waitFor();
  await page.locator('#dock button[data-step="en_route"]').tap();
  await resourceStatus(patrol, "en_route");
  await outboxEmpty(page);
  assert.match(await page.textContent("#duty-chip"), /Đang di chuyển/);
  // The dock sits at the bottom of the screen, its buttons large enough for a thumb.
  const dock = await page.locator("#dock").boundingBox();
  assert.ok(dock.y + dock.height >= 844 - 2, "the actions are at the bottom");
  const step = await page.locator('#dock button[data-step="on_scene"]').boundingBox();
  assert.ok(step.height >= 48);
  features.incident = incident;
});

test("offline, a note and 'on scene' wait in the outbox and are applied exactly once on reconnect", async () => {
  const { incident } = features;
  await phone.setOffline(true);
  await page.fill("#note-text", "Đã khống chế đám cháy tầng 3");
  await page.locator("#note-send").tap();
  await page.locator('#dock button[data-step="on_scene"]').tap();
  await page.locator("#outbox-title", { hasText: "Đang chờ gửi (2)" }).waitFor();
  assert.match(await page.textContent("#outbox"), /Ghi chú: Đã khống chế đám cháy tầng 3/);
  assert.match(await page.textContent("#outbox"), /Có mặt/);
  assert.match(await page.textContent("#timeline"), /chờ gửi/);
  assert.match(await page.textContent("#duty-chip"), /Tại hiện trường/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "field-offline");

  // Closed and opened again without a connection, the app shows the last data and its age,
  // and the waiting actions are still there.
  await page.reload();
  await page.locator("#incident-head h1", { hasText: "Cháy" }).waitFor();
  await page.locator("#net-banner", { hasText: "Mất kết nối" }).waitFor();
  assert.match(await page.textContent("#net-banner"), /Dữ liệu lúc \d\d:\d\d:\d\d/);
  await page.locator("#outbox-title", { hasText: "Đang chờ gửi (2)" }).waitFor();

  // The first try of the note reaches the server but its answer is lost: the retry reuses the key.
  const keys = [];
  let lost = false;
  await page.route(`**/api/incidents/${incident.id}/notes`, async (route) => {
    keys.push(route.request().headers()["idempotency-key"]);
    if (!lost) {
      lost = true;
      await route.fetch();
      return route.abort("timedout");
    }
    return route.continue();
  });
  await phone.setOffline(false);
  await outboxEmpty(page);
  await page.unroute(`**/api/incidents/${incident.id}/notes`);
  assert.equal(keys.length, 2, "the note was sent again after its answer was lost");
  assert.equal(keys[0], keys[1], "with the same idempotency key");
  await resourceStatus(patrol, "on_scene");
  const now = await admin("GET", `/api/incidents/${incident.id}`);
  const notes = now.body.notes.filter((n) => n.text === "Đã khống chế đám cháy tầng 3");
  assert.equal(notes.length, 1, "the note is applied once");
  await page.locator("#timeline li.note", { hasText: "Đã khống chế đám cháy tầng 3" }).first().waitFor();
  await page.locator("#net-banner").waitFor({ state: "hidden" });
  assert.equal(await page.locator("#rejected").isHidden(), true);
});

test("a status refused with 409 after reconnecting is dropped and its reason shown", async () => {
  // The officer is released, then sent to a second incident and goes en route.
  await page.locator('#dock button[data-step="available"]').tap();
  await resourceStatus(patrol, "available");
  const second = await openIncident("Cháy xe máy trong hầm gửi xe", { address: "ngõ 12 Đào Tấn" });
  await admin("POST", `/api/incidents/${second.id}/dispatch`, { resource_id: patrol });
  await page.locator("#dispatch-banner").waitFor({ state: "visible" });
  await tapAndSend("#banner-accept", `/api/resources/${patrol}/status`);
  await outboxEmpty(page);
  await page.goto(`${server.url}/field/incidents/${second.id}`);
  await page.locator('#dock button[data-step="en_route"]').tap();
  await resourceStatus(patrol, "en_route");

  await phone.setOffline(true);
  await page.locator('#dock button[data-step="on_scene"]').tap();
  await page.locator("#outbox-title", { hasText: "Đang chờ gửi (1)" }).waitFor();
  // Meanwhile the command center cancels the incident.
  const cancelled = await admin("POST", `/api/incidents/${second.id}/transitions`, { to: "cancelled", reason: "Người báo tin báo đã tự dập tắt" });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  await phone.setOffline(false);
  const refused = page.locator("#rejected");
  await refused.waitFor({ state: "visible" });
  assert.match(await refused.textContent(), /Không thực hiện được/);
  assert.match(await refused.textContent(), /Có mặt/);
  assert.match(await refused.locator("li").first().getAttribute("data-code"), /conflict|incident_finished|resource_not_assigned/);
  await outboxEmpty(page);
  const r = await admin("GET", `/api/resources/${patrol}`);
  assert.notEqual(r.body.status, "on_scene");
  await shot(page, "field-refused");
  await page.locator("#rejected-ok").tap();
  await refused.waitFor({ state: "hidden" });
  assert.deepEqual(page.errors, []);
});

test("a photo taken offline waits with its preview, then is sent shrunk to 1600 px as JPEG with its place", async () => {
  const incident = await openIncident("Cháy kho giấy");
  await page.goto(`${server.url}/field/incidents/${incident.id}`);
  await page.locator("#incident-head h1", { hasText: "Cháy" }).waitFor();
  // A 3000×2000 picture, as a phone camera makes.
  const png = await page.evaluate(() => {
    const c = document.createElement("canvas");
    c.width = 3000;
    c.height = 2000;
    const g = c.getContext("2d");
    g.fillStyle = "#c33";
    g.fillRect(0, 0, 3000, 2000);
    g.fillStyle = "#ff0";
    g.fillRect(500, 500, 1000, 800);
    return c.toDataURL("image/png").split(",")[1];
  });
  await phone.setOffline(true);
  await page.check("#photo-keep-location");
  await page.setInputFiles("#photo-input", { name: "hien-truong.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
  await page.locator("#photo-grid figure.pending img[src^='data:image/jpeg']").waitFor();
  await page.locator("#outbox li[data-kind=photo] img").waitFor();
  assert.match(await page.textContent("#outbox"), /Ảnh \(\d+ KB\)/);

  const path = `/api/incidents/${incident.id}/photos`;
  // The request is read where it leaves the page (the browser's own events omit a blob body).
  let upload = null;
  await page.route(`**${path}?*`, (route) => {
    const r = route.request();
    upload = { url: r.url(), headers: r.headers(), body: r.postDataBuffer() };
    return route.continue();
  });
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === path);
  await phone.setOffline(false);
  const res = await answered;
  await page.unroute(`**${path}?*`);
  assert.equal(upload.headers["content-type"], "image/jpeg");
  assert.match(upload.headers["idempotency-key"], /^[0-9a-f]{32}$/);
  assert.match(upload.url, /keep_location=true&lat=21\.037100&lon=105\.834900$/);
  const body = upload.body;
  assert.deepEqual([...body.subarray(0, 2)], [0xff, 0xd8], "a JPEG");
  assert.deepEqual(jpegSize(body), { width: 1600, height: 1067 });
  await outboxEmpty(page);
  assert.equal(res.status(), 201);
  await page.locator("#photo-grid a[data-photo] img").first().waitFor();
  assert.equal(await page.locator("#photo-grid figure.pending").count(), 0);
  const list = await admin("GET", path);
  assert.equal(list.body.length, 1);
  assert.equal(list.body[0].content_type, "image/jpeg");
  // The dispatcher sees it on the incident's page.
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" });
  const console = await desk.newPage();
  await openAs(console, server.url, admin, `/incidents/${incident.id}`);
  await console.locator(`#photo-list li[data-photo="${list.body[0].id}"] img`).waitFor();
  const shown = await console.locator("#photo-list img").evaluate((img) => img.naturalWidth);
  assert.equal(shown, 1600, "the image itself loads");
  await desk.close();
});

test("asking for backup sends the resource and the reason", async () => {
  await release();
  const incident = await openIncident("Cháy lan sang nhà bên");
  await admin("POST", `/api/incidents/${incident.id}/dispatch`, { resource_id: patrol });
  await page.goto(`${server.url}/field/incidents/${incident.id}`);
  await tapAndSend('#dock button[data-step="accept"]', `/api/resources/${patrol}/status`);
  await outboxEmpty(page);
  await page.locator('#dock button[data-step="on_scene"]').tap();
  await resourceStatus(patrol, "on_scene");
  // A dispatcher's console is open on the queue.
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" });
  const dispatcher = await desk.newPage();
  await openAs(dispatcher, server.url, admin, "/");
  await page.locator('#dock button[data-step="backup"]').tap();
  await page.fill("#backup-reason", "Cháy lan, cần thêm xe thang");
  const res = await tapAndSend("#backup-send", `/api/incidents/${incident.id}/backup`);
  assert.deepEqual(JSON.parse(res.request().postData()), { resource_id: patrol, reason: "Cháy lan, cần thêm xe thang" });
  await outboxEmpty(page);
  assert.equal(await page.locator("#rejected").isHidden(), true);
  const now = await admin("GET", `/api/incidents/${incident.id}`);
  assert.ok(now.body.notes.some((n) => n.text.includes("Cháy lan, cần thêm xe thang")), JSON.stringify(now.body.notes));
  await page.locator("#timeline li", { hasText: "Cháy lan, cần thêm xe thang" }).waitFor();
  // The dispatcher is told at once, whatever screen is open, until they have seen it.
  const call = dispatcher.locator(`#backup-banner .backup-line[data-incident="${incident.id}"]`);
  await call.waitFor();
  assert.match(await call.textContent(), /CẦN CHI VIỆN.*Cháy lan, cần thêm xe thang/);
  await call.getByRole("button", { name: "Mở vụ việc" }).click();
  await dispatcher.waitForURL(`**/incidents/${incident.id}`);
  assert.equal(await dispatcher.locator("#backup-banner").isHidden(), true);
  await desk.close();
  assert.deepEqual(page.errors, []);
});

test("a fire team on a city engine sees only the incidents it is sent to", async () => {
  const engines = await admin("GET", "/api/resources?kind=fire_engine&status=available");
  const engine = engines.body[engines.body.length - 1];
  const elsewhere = await openIncident("Cháy rác ven đường");
  const sentTo = await openIncident("Cháy nhà 4 tầng", { address: "số 20 phố Liễu Giai" });
  const { context, page: team } = await newPhone();
  await context.addCookies([{ name: "binhyen_session", value: admin.token, url: server.url }]);
  await team.goto(`${server.url}/field/`);
  // The city's accounts choose among every resource, fire engines included.
  await team.fill("#shift-filter", engine.call_sign);
  await team.locator(`#shift-list button[data-resource="${engine.id}"]`).tap();
  await team.locator("#duty .call-sign", { hasText: engine.call_sign }).waitFor();
  await admin("POST", `/api/incidents/${sentTo.id}/dispatch`, { resource_id: engine.id });
  await team.locator(`#mine .incident-card.mine[data-id="${sentTo.id}"]`).waitFor();
  assert.match(await team.textContent("#incidents"), /chỉ hiện các vụ việc/);
  assert.equal(await team.locator(`.incident-card[data-id="${elsewhere.id}"]`).count(), 0);
  assert.deepEqual(team.errors, []);
  await context.close();
});

/** Makes the patrol available again, whatever the earlier tests left it doing. */
async function release() {
  const r = await admin("GET", `/api/resources/${patrol}`);
  if (r.body.status === "available") return;
  const body = { status: "available" };
  if (r.body.incident_id != null) body.incident_id = r.body.incident_id;
  const done = await admin("POST", `/api/resources/${patrol}/status`, body);
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

/** Width and height of a JPEG, from its start-of-frame segment. */
function jpegSize(buf) {
  let i = 2;
  while (i < buf.length) {
    const marker = buf[i + 1];
    const length = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return null;
}
