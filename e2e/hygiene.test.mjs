// Browser test of hostile text: markup planted through the API in every user-editable field
// (facility name, address, contacts and notes; resource call sign and name; incident
// description, address, caller and notes; task title and description; an account's display
// name) must show as text in every console view that draws it — the queue, the incident
// page, the map's tooltips, the devices board, the facility page and the task list — and never
// become an element or run a script. Run with `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, openAs, apiSession, ADMIN_PASSWORD } from "./lib/harness.mjs";

// Two kinds of injection: a script through an event handler, and a plain link. The console's
// Content Security Policy blocks inline handlers, so the link is what proves markup was parsed.
const MARKUP = `<img src=x onerror="window.__pwned=1"><a href=//evil class=pwn>x</a>`;
const planted = (field) => `${field} ${MARKUP}`;

// Ba Đình (00004), in the centre.
const BA_DINH = { code: "00004", lat: 21.0385, lon: 105.838 };

let server;
let browser;
let admin;
const made = {};

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  const ok = (r, what) => assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);

  const owner = await admin("POST", "/api/users", {
    username: "cb.hygiene",
    display_name: planted("owner"),
    role: "unit_officer",
    unit_code: BA_DINH.code,
    password: "mat-khau-can-bo-hygiene",
  });
  ok(owner, "account");

  const facility = await admin("POST", "/api/facilities", {
    name: planted("facility"),
    address: planted("facility address"),
    lat: BA_DINH.lat + 0.002,
    lon: BA_DINH.lon + 0.002,
    unit_code: BA_DINH.code,
    kind: "warehouse",
    contacts: [{ name: planted("contact"), phone: "0912345678", role: planted("role") }],
    hazards: planted("hazards"),
    water_sources: planted("water"),
    access_notes: planted("access"),
  });
  ok(facility, "facility");
  made.facility = facility.body.id;

  const device = await admin("POST", "/api/devices", { account: "7E57AC", facility_id: made.facility, allow_plain: true });
  ok(device, "device");

  const resource = await admin("POST", "/api/resources", {
    call_sign: `TT<a href=//evil class=pwn>x</a>`,
    kind: "patrol",
    name: planted("resource"),
    unit_code: BA_DINH.code,
    home_lat: BA_DINH.lat - 0.002,
    home_lon: BA_DINH.lon - 0.002,
  });
  ok(resource, "resource");

  const incident = await admin("POST", "/api/incidents", {
    kind: "fire",
    channel: "hotline_114",
    description: planted("description"),
    address: planted("address"),
    lat: BA_DINH.lat,
    lon: BA_DINH.lon,
    unit_code: BA_DINH.code,
    caller_name: planted("caller"),
    caller_phone: "0912345678",
  });
  ok(incident, "incident");
  made.incident = (incident.body.incident ?? incident.body).id;
  ok(await admin("POST", `/api/incidents/${made.incident}/notes`, { text: planted("note") }), "note");

  const task = await admin("POST", "/api/tasks", {
    title: planted("task"),
    description: planted("task description"),
    owner_id: owner.body.id,
    deadline: new Date(Date.now() + 3 * 86400000).toISOString(),
    expected_result: planted("expected"),
  });
  ok(task, "task");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Elements the planted markup would have made, and whether its script ran. */
async function injected(page) {
  return page.evaluate(() => ({
    elements: [...document.querySelectorAll('img[src="x"], a[href="//evil"], .pwn')].map((e) => e.outerHTML),
    pwned: window.__pwned,
  }));
}

async function assertClean(page, view) {
  const found = await injected(page);
  assert.deepEqual(found.elements, [], `${view}: planted markup became elements`);
  assert.equal(found.pwned, undefined, `${view}: planted script ran`);
}

/** Waits until the main area shows `text` (so the view did draw the planted fields). */
async function shows(page, text) {
  await page.waitForFunction((t) => document.querySelector("main")?.textContent.includes(t), text, { timeout: 15000 });
}

/** Opens every tooltip of the map inside `selector`; resolves to their texts. */
async function openTooltips(page, selector) {
  return page.evaluate((selector) => {
    const map = document.querySelector(selector).binhyenMap;
    map.eachLayer((layer) => {
      if (layer.getTooltip && layer.getTooltip() && layer.getLatLng) layer.openTooltip(layer.getLatLng());
    });
    return [...document.querySelectorAll(`${selector} .leaflet-tooltip`)].map((t) => t.textContent);
  }, selector);
}

test("the unit board: the queue and the map tooltips of incidents, facilities and resources show markup as text", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/units/${BA_DINH.code}`);
  await page.locator(`#queue li[data-id="${made.incident}"]`).waitFor();
  await page.evaluate(({ lat, lon }) => document.querySelector("#board-map").binhyenMap.setView([lat, lon], 15, { animate: false }), BA_DINH);
  // Facilities and resources arrive after the queue.
  await page.waitForFunction(() => document.querySelectorAll("#board-map .facility-marker, #board-map .resource-marker").length >= 2);
  const tips = await openTooltips(page, "#board-map");
  assert.ok(tips.some((t) => t.includes(`facility ${MARKUP}`)), `facility tooltip: ${JSON.stringify(tips)}`);
  assert.ok(tips.some((t) => t.includes("TT<a href=//evil class=pwn>x</a>")), `resource tooltip: ${JSON.stringify(tips)}`);
  await assertClean(page, "unit board");
  await page.context().close();
});

test("the incident page shows description, address, caller and notes as text", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${made.incident}`);
  await shows(page, `note ${MARKUP}`);
  await shows(page, `description ${MARKUP}`);
  if (await page.locator("#incident-map").count()) await openTooltips(page, "#incident-map");
  await assertClean(page, "incident page");
  await page.context().close();
});

test("the devices board and the facility page show the facility's fields as text", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/devices");
  await shows(page, `facility ${MARKUP}`);
  await assertClean(page, "devices board");
  await page.goto(`${server.url}/facilities/${made.facility}`);
  await shows(page, `facility address ${MARKUP}`);
  await shows(page, `contact ${MARKUP}`);
  await assertClean(page, "facility page");
  await page.context().close();
});

test("the task list shows titles and owners as text", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/tasks");
  await shows(page, `task ${MARKUP}`);
  await assertClean(page, "task list");
  assert.deepEqual(page.errors.filter((e) => !/Content Security Policy/.test(e)), []);
  await page.context().close();
});
