// Browser test of live positions on the dispatcher's map: a vehicle tracker mapped to a fire
// engine reports over the OsmAnd protocol and the engine's marker moves on the open console
// without a reload; a position older than five minutes is drawn as stale with the time it was
// reported; clicking the marker draws its trail. Run with `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, openAs, apiSession, mapPoint, ADMIN_PASSWORD } from "./lib/harness.mjs";

let server;
let browser;
let admin;
let engine;
let patrol;
let token;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  const make = async (body) => {
    const r = await admin("POST", "/api/resources", body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  engine = await make({ call_sign: "CC-AVL-1", kind: "fire_engine", name: "Xe chữa cháy thử", station: "PCCC Thử", home_lat: 21.02, home_lon: 105.84 });
  patrol = await make({ call_sign: "TT-AVL-2", kind: "patrol", name: "Tổ tuần tra thử", unit_code: "00004", home_lat: 21.035, home_lon: 105.835 });
  const r = await admin("PUT", `/api/resources/${engine}/tracker`, { device_id: "xe-avl-1" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  token = r.body.token;
  // The patrol's phone last reported ten minutes ago.
  const at = new Date(Date.now() - 10 * 60 * 1000).toISOString();
  const p = await admin("POST", `/api/resources/${patrol}/position`, { lat: 21.037, lon: 105.836, at, source: "app" });
  assert.equal(p.status, 202, JSON.stringify(p.body));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function osmand(query) {
  return fetch(`${server.url}/api/avl/osmand?${query}&token=${token}`);
}

/** The marker's centre on the page, or null when it is not drawn. */
function markerCentre(page, callSign) {
  return page.evaluate((callSign) => {
    const el = document.querySelector("#board-map");
    const map = el.binhyenMap;
    let found = null;
    map.eachLayer((layer) => {
      const tip = layer.getTooltip?.();
      if (!tip || !layer.getLatLng) return;
      const content = typeof tip._content === "function" ? tip._content(layer) : tip._content;
      if (String(content).startsWith(callSign)) found = layer;
    });
    if (!found) return null;
    const { lat, lng } = found.getLatLng();
    return { lat, lon: lng, className: found.options.icon.options.className };
  }, callSign);
}

test("a tracker's report moves the engine on the open map, old positions are stale, a click draws the trail", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/");
  await page.waitForFunction(() => document.querySelectorAll("#board-map .resource-marker").length >= 2);

  const atHome = await markerCentre(page, "CC-AVL-1");
  assert.deepEqual([atHome.lat, atHome.lon], [21.02, 105.84]);
  assert.match(atHome.className, /at-home/);
  const stale = await markerCentre(page, "TT-AVL-2");
  assert.match(stale.className, /\bstale\b/, "ten minutes old");

  const now = Math.floor(Date.now() / 1000);
  let r = await osmand(`id=xe-avl-1&lat=21.0301&lon=105.8402&timestamp=${now - 20}&speed=20`);
  assert.equal(r.status, 200, await r.text());
  r = await osmand(`id=xe-avl-1&lat=21.0322&lon=105.8431&timestamp=${now}`);
  assert.equal(r.status, 200, await r.text());
  // No reload: the feed's positions event moves the marker.
  await page.waitForFunction(() => {
    const layers = [];
    document.querySelector("#board-map").binhyenMap.eachLayer((l) => layers.push(l));
    return layers.some((l) => l.getLatLng && Math.abs(l.getLatLng().lat - 21.0322) < 1e-9);
  });
  const moved = await markerCentre(page, "CC-AVL-1");
  assert.deepEqual([moved.lat, moved.lon], [21.0322, 105.8431]);
  assert.doesNotMatch(moved.className, /stale|at-home/);

  // The stale patrol says when it last reported.
  const tip = await page.evaluate(() => {
    let text = "";
    document.querySelector("#board-map").binhyenMap.eachLayer((l) => {
      const t = l.getTooltip?.();
      const c = t && (typeof t._content === "function" ? t._content(l) : t._content);
      if (String(c).startsWith("TT-AVL-2")) text = String(c);
    });
    return text;
  });
  assert.match(tip, /vị trí cũ, báo lúc \d\d:\d\d/);

  // A click on the engine draws its trail through both reports.
  await page.evaluate(() => document.querySelector("#board-map").binhyenMap.setView([21.031, 105.842], 16));
  const at = await mapPoint(page, "#board-map", 21.0322, 105.8431);
  await page.mouse.click(at.x, at.y - 6);
  await page.waitForSelector("#board-map path.resource-trail");
  const points = await page.evaluate(() => {
    let n = 0;
    document.querySelector("#board-map").binhyenMap.eachLayer((l) => {
      if (l.options?.className === "resource-trail") n = l.getLatLngs().length;
    });
    return n;
  });
  assert.equal(points, 2);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
