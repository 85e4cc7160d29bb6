// Test harness: starts the real `binhyen serve` on a free port with a temporary data folder
// and the Hanoi reference data, launches Debian's Chromium through playwright-core, and offers
// small API helpers to set up accounts and data the way an integrator would.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "../..");
export const ADMIN_PASSWORD = "mat-khau-quan-tri-e2e";
export const SCREENSHOTS = process.env.E2E_SCREENSHOTS ? path.join(REPO, "docs/screenshots") : null;

/** The binhyen binary to test: $BINHYEN_BIN, else the debug build in the cargo target dir. */
export function binaryPath() {
  if (process.env.BINHYEN_BIN) return process.env.BINHYEN_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(REPO, "target");
  return path.join(target, "debug", "binhyen");
}

/** The reference geography: $BINHYEN_UNITS, else ../shared/data/hanoi beside the repository. */
export function unitsPath() {
  return process.env.BINHYEN_UNITS || path.resolve(REPO, "../shared/data/hanoi");
}

/** The receiver's start-up line: `listening for DC-09 alarms (tcp and udp) local=ADDR:PORT`. */
const DC09_LINE = /listening for DC-09 alarms[^\n]*?local=([\d.]+):(\d+)/;

/**
 * Starts a server. Resolves to {url, port, dc09, dataDir, stop(), log()} once it listens.
 * `dc09: true` also opens a DC-09 listener on a free port. `dataDir` and `port` start it again
 * on what an earlier one left (after `stop({ keepData: true })`), as after an outage.
 */
export async function startServer({ dc09 = false, dataDir = null, port: wanted = 0 } = {}) {
  const bin = binaryPath();
  if (!existsSync(bin)) throw new Error(`binhyen binary not found at ${bin}: build it with cargo build -p server`);
  dataDir = dataDir || mkdtempSync(path.join(tmpdir(), "binhyen-e2e-"));
  const args = ["serve", "--http", `127.0.0.1:${wanted}`, "--data-dir", dataDir, "--units", unitsPath()];
  if (dc09) args.push("--dc09", "127.0.0.1:0");
  const proc = spawn(bin, args, {
    env: { ...process.env, BINHYEN_ADMIN_PASSWORD: ADMIN_PASSWORD, BINHYEN_LOG: "info", NO_COLOR: "1", RUST_LOG_STYLE: "never" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${output}`)), 60000);
    const onData = (chunk) => {
      output += strip(chunk.toString());
      const http = output.match(/listening for HTTP\s+http=([\d.]+):(\d+)/) || output.match(/http=([\d.]+):(\d+)\s*.*listening for HTTP/);
      if (http && (!dc09 || DC09_LINE.test(output))) {
        clearTimeout(timer);
        resolve(Number(http[2]));
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const port = await ready;
  const dc09Port = dc09 ? Number((output.match(DC09_LINE) || [])[2]) : null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dc09: dc09Port,
    dataDir,
    log: () => output,
    async stop({ keepData = false } = {}) {
      proc.kill("SIGTERM");
      await new Promise((r) => (proc.exitCode != null ? r() : proc.once("exit", r)));
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium with this machine's flags (no network beyond loopback, no GPU). Playwright gives
 * every launch a fresh temporary profile (`--user-data-dir`) of its own and removes it on close.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** A new page at 1366×768 in Hanoi's language, optionally in another time zone. */
export async function newPage(browser, { timezoneId = "Asia/Ho_Chi_Minh", viewport = { width: 1366, height: 768 } } = {}) {
  const context = await browser.newContext({ viewport, timezoneId, locale: "vi-VN" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  // 404s of routes a server does not have yet are expected (the screens say so); so are the
  // browser's own messages about a live-feed endpoint that is missing.
  const expected = /Failed to load resource|WebSocket connection to .*\/api\/feed|EventSource/;
  page.on("console", (m) => m.type() === "error" && !expected.test(m.text()) && page.errors.push(m.text()));
  return page;
}

/** Signs in through the form and waits for the console. */
export async function signIn(page, url, username, password) {
  await page.goto(`${url}/login`);
  await page.getByLabel("Tên đăng nhập").fill(username);
  await page.getByLabel("Mật khẩu").fill(password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForSelector("#topbar:not([hidden])");
}

/** Signs in over the API; resolves to a function calling the API with that session. */
export async function apiSession(url, username, password) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const { token } = await res.json();
  const call = async (method, p, body) => {
    const r = await fetch(`${url}${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    // The live feed answers a plain GET with an endless event stream: its status is enough.
    if ((r.headers.get("content-type") || "").startsWith("text/event-stream")) {
      await r.body?.cancel();
      return { status: r.status, body: null };
    }
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: r.status, body: json };
  };
  call.token = token;
  return call;
}

/**
 * Opens the console in `page` already signed in with an API session's token (the sign-in
 * form is tested once; the server rate-limits sign-ins per address, so the other tests reuse
 * sessions).
 */
export async function openAs(page, url, call, path = "/") {
  await page.context().addCookies([{ name: "binhyen_session", value: call.token, url }]);
  await page.goto(`${url}${path}`);
  await page.waitForSelector("#topbar:not([hidden])");
}

/** Whether the server has a route (a 404 "no such route" means the feature is not built in). */
export async function hasRoute(call, method, p, body) {
  const r = await call(method, p, body);
  return !(r.status === 404 && r.body?.error?.message === "no such route");
}

/** The pixel position, in page coordinates, of a lat/lon on the map inside `selector`. */
export async function mapPoint(page, selector, lat, lon) {
  return page.evaluate(
    ({ selector, lat, lon }) => {
      const el = document.querySelector(selector);
      const p = el.binhyenMap.latLngToContainerPoint([lat, lon]);
      const box = el.getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
    { selector, lat, lon },
  );
}

/** Saves a screenshot to docs/screenshots when E2E_SCREENSHOTS is set. */
export async function shot(page, name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
