// Browser end-to-end tests of the console against the real server: sign-in, the city and unit
// views, the offline map, intake with live jurisdiction, the live queue across two browsers,
// dispatch, DC-09 fire alarms and unit isolation. Run with `e2e/run.sh`.
//
// Tests whose API is not on this server yet (incidents, resources, facilities, devices, the
// live feed) skip themselves, naming the missing route; they run once those routes exist.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  launchBrowser,
  newPage,
  signIn,
  openAs,
  apiSession,
  hasRoute,
  mapPoint,
  shot,
  ADMIN_PASSWORD,
} from "./lib/harness.mjs";
import { sendFireAlarm } from "./lib/dc09.mjs";

let server;
let browser;
let admin;
let officer;
const OFFICER = { username: "cb.badinh", password: "mat-khau-can-bo-1" };
const OTHER_OFFICER = { username: "cb.ngocha", password: "mat-khau-can-bo-2" };
const features = {};

// Ba Đình (00004) and Ngọc Hà (00008): neighbouring wards in the centre.
const BA_DINH = { code: "00004", name: "Phường Ba Đình", lat: 21.0385, lon: 105.838 };
const NGOC_HA = { code: "00008", name: "Phường Ngọc Hà", lat: 21.0381, lon: 105.816 };

before(async () => {
  server = await startServer({ dc09: !!process.env.E2E_DC09 });
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  for (const [who, unit] of [
    [OFFICER, BA_DINH.code],
    [OTHER_OFFICER, NGOC_HA.code],
  ]) {
    const r = await admin("POST", "/api/users", { username: who.username, display_name: `Cán bộ ${unit}`, role: "unit_officer", unit_code: unit, password: who.password });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  officer = await apiSession(server.url, OFFICER.username, OFFICER.password);
  features.incidents = await hasRoute(admin, "GET", "/api/incidents?status=open");
  features.resources = await hasRoute(admin, "GET", "/api/resources");
  features.devices = await hasRoute(admin, "GET", "/api/devices");
  features.feed = await hasRoute(admin, "GET", "/api/feed");
  if (features.resources) {
    const fleet = await admin("POST", "/api/resources/demo-fleet");
    assert.equal(fleet.status, 200, JSON.stringify(fleet.body));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Skips `t` unless every named feature exists on this server. */
function needs(t, ...names) {
  const missing = names.filter((n) => !features[n]);
  if (missing.length) {
    t.skip(`needs the ${missing.join(", ")} API, not on this server yet`);
    return false;
  }
  return true;
}

test("the console is served from the binary, offline, with a JSON 404 for unknown API routes", async () => {
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get("content-type"), /^text\/html/);
  assert.match(index.headers.get("content-security-policy"), /default-src 'self'/);
  const etag = index.headers.get("etag");
  assert.ok(etag);
  const again = await fetch(`${server.url}/`, { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  const deep = await fetch(`${server.url}/incidents/12345`);
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), await (await fetch(`${server.url}/`)).text());
  const leaflet = await fetch(`${server.url}/vendor/leaflet-1.9.4/leaflet.js`);
  assert.equal(leaflet.status, 200);
  assert.match(leaflet.headers.get("content-type"), /javascript/);
  assert.match(leaflet.headers.get("cache-control"), /immutable/);
  const api404 = await fetch(`${server.url}/api/definitely-not-here`);
  assert.equal(api404.status, 404);
  assert.match(api404.headers.get("content-type"), /application\/json/);
  assert.equal((await api404.json()).error.code, "not_found");
});

test("sign-in: a wrong password is refused, then the city view shows the 126 units and the queue in Vietnamese", async () => {
  const page = await newPage(browser);
  const outside = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) outside.push(r.url());
  });
  await page.goto(`${server.url}/`);
  await page.waitForSelector(".login-card");
  await shot(page, "login");
  await page.getByLabel("Tên đăng nhập").fill("admin");
  await page.getByLabel("Mật khẩu").fill("sai-mat-khau");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.getByText("Sai tên đăng nhập hoặc mật khẩu.").waitFor();
  await page.getByLabel("Mật khẩu").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.getByRole("heading", { name: "Toàn thành phố" }).waitFor();
  await page.getByRole("heading", { name: "Hàng đợi vụ việc" }).waitFor();
  // Every unit boundary is drawn (one SVG path per unit), with no tile layer.
  await page.waitForFunction(() => document.querySelectorAll("#board-map path.leaflet-interactive").length >= 126);
  assert.equal(await page.locator(".leaflet-tile").count(), 0);
  assert.equal(await page.locator("#unit-select option").count(), 127);
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  // Zooming in shows unit names as labels.
  assert.equal(await page.locator(".unit-label").count(), 0);
  await page.evaluate(() => document.querySelector("#board-map").binhyenMap.setView([21.0385, 105.838], 13, { animate: false }));
  await page.locator(".unit-label", { hasText: "Ba Đình" }).first().waitFor();
  await page.evaluate(() => document.querySelector("#board-map").binhyenMap.fitBounds([[20.53, 105.28], [21.39, 106.02]], { animate: false }));
  await page.waitForTimeout(300);
  await shot(page, "city-view");
  // English and back.
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { name: "Incident queue" }).waitFor();
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.getByRole("button", { name: "Tiếng Việt" }).click();
  await page.getByRole("heading", { name: "Hàng đợi vụ việc" }).waitFor();
  assert.deepEqual(outside, [], "the console must not reach outside the server");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the center switches to a unit: its boundary is highlighted and the map zooms to it", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.selectOption("#unit-select", BA_DINH.code);
  await page.waitForURL(`**/units/${BA_DINH.code}`);
  await page.getByRole("heading", { name: "Công an phường Ba Đình" }).waitFor();
  // The highlighted boundary is drawn thicker in the brand colour.
  await page.waitForFunction(() => [...document.querySelectorAll("#board-map path.leaflet-interactive")].some((p) => p.getAttribute("stroke") === "#0b3d91" && p.getAttribute("stroke-width") === "3.5"));
  const zoom = await page.evaluate(() => document.querySelector("#board-map").binhyenMap.getZoom());
  assert.ok(zoom >= 13, `zoomed to the unit (zoom ${zoom})`);
  await page.locator(".unit-label", { hasText: "Ba Đình" }).first().waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("intake: clicking the map shows the owning unit, and typing an old ward name finds the new unit", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.keyboard.press("Alt+N");
  await page.waitForURL("**/intake");
  await page.getByRole("heading", { name: "Tiếp nhận tin báo" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "in-kind", "the type comes first");
  await page.waitForFunction(() => document.querySelectorAll("#intake-map path.leaflet-interactive").length >= 126);
  await page.evaluate(({ lat, lon }) => document.querySelector("#intake-map").binhyenMap.setView([lat, lon], 14, { animate: false }), NGOC_HA);
  const p = await mapPoint(page, "#intake-map", NGOC_HA.lat, NGOC_HA.lon);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, NGOC_HA.code);
  assert.match(await page.textContent("#in-unit"), /Phường Ngọc Hà/);
  assert.match(await page.textContent("[data-testid=intake-coords]"), /21\.03/);
  // A fresh form: type an address naming a pre-2025 ward; the unit shows while typing.
  await page.keyboard.press("Escape");
  await page.locator("#in-kind").press("1");
  assert.equal(await page.inputValue("#in-kind"), "fire");
  assert.equal(await page.evaluate(() => document.activeElement.id), "in-address");
  const expected = await admin("GET", `/api/jurisdiction?address=${encodeURIComponent("số 5 phố Hàng Bông, phường Hàng Trống cũ")}`);
  await page.keyboard.type("số 5 phố Hàng Bông, phường Hàng Trống cũ", { delay: 5 });
  // Lookups run while typing; the unit settles on the full address's answer.
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, expected.body.matches[0].code);
  assert.match(await page.textContent("#in-unit"), /Tên cũ/);
  await page.fill("#in-desc", "Khói bốc ra từ tầng 3 nhà dân");
  await page.fill("#in-caller", "Nguyễn Văn A");
  await page.fill("#in-phone", "0912345678");
  await shot(page, "intake");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a unit officer lands on their own unit and cannot open another unit's view", async () => {
  const page = await newPage(browser);
  await signIn(page, server.url, OFFICER.username, OFFICER.password);
  await page.waitForURL(`**/units/${BA_DINH.code}`);
  await page.getByRole("heading", { name: "Công an phường Ba Đình" }).waitFor();
  assert.equal(await page.locator("#unit-select").isDisabled(), true);
  assert.equal(await page.locator("#unit-select option").count(), 1);
  await page.waitForFunction(() => document.querySelectorAll("#board-map path.leaflet-interactive").length >= 126);
  await page.waitForTimeout(300);
  await shot(page, "unit-view");
  await page.goto(`${server.url}/units/${NGOC_HA.code}`);
  await page.getByText("Bạn chỉ xem được địa bàn của đơn vị mình.").waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the clock shows Hanoi time whatever the browser's time zone", async () => {
  const page = await newPage(browser, { timezoneId: "America/New_York" });
  await openAs(page, server.url, admin);
  const [shown, now] = await page.evaluate(() => [document.getElementById("clock").textContent, Date.now()]);
  const hanoi = new Date(now + 7 * 3600 * 1000);
  const expected = [hanoi.getUTCHours(), hanoi.getUTCMinutes()].map((n) => String(n).padStart(2, "0")).join(":");
  assert.equal(shown.slice(0, 5), expected);
  await page.context().close();
});

test("screens whose API is missing say 'chưa có dữ liệu' instead of breaking", async (t) => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  for (const [path, name] of [
    ["/devices", "devices"],
    ["/stats", "stats"],
    ["/incidents/999999", "incident"],
  ]) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector("main .panel, main .empty, main table");
    await page.waitForFunction(() => !document.querySelector("main").textContent.includes("Đang tải…"));
    const text = await page.textContent("main");
    assert.doesNotMatch(text, /Có lỗi xảy ra/, `${name} shows an error`);
    if (name === "devices") await shot(page, "devices");
  }
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard and labels: every form control has an accessible name", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  for (const path of ["/", "/intake", "/devices", "/assistant"]) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector("#main > *");
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => {
          const labelled = el.labels && el.labels.length > 0;
          return !labelled && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby") && !(el.textContent || "").trim();
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, [], `${path}: controls without a name`);
  }
  await page.context().close();
});

// ---- Tests that need the incidents, resources, feed and alarm APIs ----

/** Creates an incident through the intake form by clicking the map; returns its id. */
async function createByMapClick(page, place, description) {
  await page.goto(`${server.url}/intake`);
  await page.waitForFunction(() => document.querySelectorAll("#intake-map path.leaflet-interactive").length >= 126);
  await page.selectOption("#in-kind", "traffic_accident");
  await page.evaluate(({ lat, lon }) => document.querySelector("#intake-map").binhyenMap.setView([lat, lon], 14, { animate: false }), place);
  const p = await mapPoint(page, "#intake-map", place.lat, place.lon);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, place.code);
  await page.fill("#in-desc", description);
  await page.keyboard.press("Control+Enter");
  await page.waitForURL("**/incidents/*");
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
}

test("an incident created by clicking the map gets the right unit and appears live in a second browser's queue", async (t) => {
  if (!needs(t, "incidents", "feed")) return;
  const watcher = await newPage(browser);
  await openAs(watcher, server.url, admin);
  await watcher.waitForSelector("#queue");
  await watcher.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  const id = await createByMapClick(page, NGOC_HA, "Va chạm xe máy trước số 25 Liễu Giai");
  const created = await admin("GET", `/api/incidents/${id}`);
  assert.equal(created.status, 200);
  const unit = created.body.unit_code ?? created.body.assignment?.primary_unit ?? created.body.location?.unit_code;
  assert.equal(unit, NGOC_HA.code);
  // The watcher never reloaded: the row arrives through the feed.
  const row = watcher.locator(`#queue li[data-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Tai nạn giao thông/);
  assert.match(await row.textContent(), /Phường Ngọc Hà/);
  await shot(page, "incident-detail");
  await watcher.context().close();
  await page.context().close();
});

test("dispatching a recommended resource and moving it to on scene", async (t) => {
  if (!needs(t, "incidents", "resources")) return;
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  const id = await createByMapClick(page, BA_DINH, "Đánh nhau tại ngõ 12");
  const first = page.locator("#recommendations button[data-resource]").first();
  await first.waitFor();
  await first.click();
  const assigned = page.locator("#assigned li").first();
  await assigned.waitFor();
  await page.locator("#assigned button[data-next=en_route]").first().click();
  await page.locator("#assigned button[data-next=on_scene]").first().click();
  await page.locator("#assigned .chip.rs-on_scene").first().waitFor();
  const inc = await admin("GET", `/api/incidents/${id}`);
  assert.ok(["on_scene", "en_route", "dispatched"].includes(inc.body.status), inc.body.status);
  await shot(page, "incident-detail");
  await page.context().close();
});

test("a DC-09 fire alarm opens an incident that raises an audible alert needing acknowledgement", async (t) => {
  if (!needs(t, "incidents", "devices", "feed")) return;
  if (!server.dc09) return t.skip("set E2E_DC09=1 once the server has a DC-09 listener");
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  await sendFireAlarm(server, admin);
  const banner = page.locator("#alarm-banner");
  await banner.waitFor({ state: "visible" });
  assert.match(await banner.textContent(), /BÁO CHÁY MỚI/);
  await page.waitForFunction(() => Number(document.getElementById("alarm-banner").dataset.beeps) >= 1);
  const id = await banner.getAttribute("data-incident");
  await page.locator(`#queue li[data-id="${id}"]`).waitFor();
  await shot(page, "alarm");
  await page.getByTestId("alarm-ack").click();
  await banner.waitFor({ state: "hidden" });
  await page.context().close();
});

test("a unit officer's browser never shows another unit's incident", async (t) => {
  if (!needs(t, "incidents", "feed")) return;
  const officerPage = await newPage(browser);
  const frames = [];
  officerPage.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
  officerPage.on("response", async (r) => {
    if (r.url().includes("/api/incidents")) frames.push(await r.text().catch(() => ""));
  });
  await openAs(officerPage, server.url, officer);
  await officerPage.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  const other = await createByMapClick(page, NGOC_HA, "Mất trộm xe máy (đơn vị khác)");
  const own = await createByMapClick(page, BA_DINH, "Cháy nhỏ tại chợ (đơn vị mình)");
  await officerPage.locator(`#queue li[data-id="${own}"]`).waitFor();
  assert.equal(await officerPage.locator(`#queue li[data-id="${other}"]`).count(), 0);
  assert.ok(!frames.some((f) => f.includes("Mất trộm xe máy")), "the other unit's incident reached the officer's browser");
  await officerPage.goto(`${server.url}/incidents/${other}`);
  await officerPage.waitForSelector("main .empty");
  assert.doesNotMatch(await officerPage.textContent("main"), /Mất trộm xe máy/);
  await officerPage.context().close();
  await page.context().close();
});

test("the residence-data page shows the four rates with their definitions and the work list", async () => {
  const created = await officer("POST", "/api/persons", {
    id: "E2E-P1",
    pin: "003190000002",
    full_name: "Trần Thị Bình",
    date_of_birth: "1990-05-01",
    sex: "female",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await officer("POST", "/api/quality/run");
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const page = await newPage(browser);
  await signIn(page, server.url, OFFICER.username, OFFICER.password);
  await page.getByRole("link", { name: "Dữ liệu cư trú" }).click();
  await page.waitForURL("**/quality");
  for (const d of ["Đúng", "Đủ", "Sạch", "Sống"]) await page.getByRole("heading", { name: d, exact: true }).waitFor();
  assert.match(await page.textContent('[data-dimension="correct"] .quality-definition'), /Đúng = /);
  await page.locator("table", { hasText: "pin.province_code" }).waitFor();
  assert.ok(await page.locator('a[href*="format=xlsx"]').count());
  await shot(page, "quality");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
