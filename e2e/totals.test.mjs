// Browser test of totals with more than a page of data: the incident queue loads one page of
// open incidents (500), and its count must still be the server's total, saying that the list
// shows part of it; closing an incident the board has not loaded lowers the total after a
// reload. Its own server, so that the 510 incidents do not weigh on the other tests. Run with
// `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, openAs, apiSession, ADMIN_PASSWORD } from "./lib/harness.mjs";

// Ba Đình (00004), in the centre.
const BA_DINH = { code: "00004", lat: 21.0385, lon: 105.838 };
const OPEN = 510;

let server;
let browser;
let admin;
let oldest;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  for (let n = 0; n < OPEN; n++) {
    const r = await admin("POST", "/api/incidents", {
      kind: "crime",
      crime_subtype: "theft",
      channel: "hotline_113",
      description: `Mất trộm số ${n}`,
      lat: BA_DINH.lat + n * 1e-5,
      lon: BA_DINH.lon,
      unit_code: BA_DINH.code,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    if (n === 0) oldest = r.body;
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the queue's count is the server's total when more incidents are open than it loads", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/");
  const count = page.getByTestId("queue-count");
  await page.waitForFunction(() => /\d/.test(document.querySelector("[data-testid=queue-count]")?.textContent || ""));
  assert.equal(await count.textContent(), `Hiển thị 500 / ${OPEN} vụ việc đang mở (các vụ cũ hơn không hiện ở đây)`);
  // The oldest is beyond the loaded page; cancelling it lowers the total.
  const r = await admin("POST", `/api/incidents/${oldest.id}/transitions`, { to: "cancelled", reason: "Báo nhầm", version: oldest.version });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await page.reload();
  await page.waitForFunction((want) => document.querySelector("[data-testid=queue-count]")?.textContent === want, `Hiển thị 500 / ${OPEN - 1} vụ việc đang mở (các vụ cũ hơn không hiện ở đây)`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
