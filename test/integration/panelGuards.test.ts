/**
 * What the panel refuses, against the running daemon's real parts over real HTTP: changes
 * without the panel's header or without JSON, bodies too large or malformed, a damaged
 * household phonebook (kept, not overwritten), bad queries; and the page under HA's ingress
 * prefix with <base href> from X-Ingress-Path.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOUSEHOLD_PHONEBOOK_FILE } from "../../src/io/householdPhonebook.js";
import { freePort } from "../support/mosquitto.js";
import { change, panelDaemonPerTest, panelJson } from "../support/panelDaemon.js";

const T0 = Date.UTC(2026, 2, 14, 18, 0, 0);

const panel = panelDaemonPerTest(T0);

describe("the household's phonebook file damaged", () => {
  it("keeps the file and answers 503 with why, and too large or bad bodies get 413 and 400", async () => {
    writeFileSync(join(panel.dir, HOUSEHOLD_PHONEBOOK_FILE), '{"version":1,"entries":[');
    const d = await panel.start();
    const refused = await panelJson(
      d,
      "api/phonebook",
      change("POST", { number: "0791112233", name: "X" }),
    );
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      error: "phonebook-unavailable",
      message: expect.stringMatching(/could not be read at start; not overwriting it$/),
    });
    expect(readFileSync(join(panel.dir, HOUSEHOLD_PHONEBOOK_FILE), "utf8")).toBe(
      '{"version":1,"entries":[',
    );
    const noName = await panelJson(d, "api/phonebook", change("POST", { number: "0791112233" }));
    expect(noName.status).toBe(400);
    const huge = await panelJson(
      d,
      "api/phonebook",
      change("POST", { number: "0791112233", name: "x".repeat(2 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
  });
});

describe("the panel's guards", () => {
  it("refuses changes without the panel's header (403) or without JSON (415), and sends no CORS headers", async () => {
    const d = await panel.start();
    const url = new URL("api/phonebook", d.url);
    const body = JSON.stringify({ number: "0791112233", name: "Forged" });
    const noHeader = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body,
    });
    expect(noHeader.status).toBe(403);
    expect(await noHeader.json()).toMatchObject({ error: "missing-header" });
    expect(noHeader.headers.get("access-control-allow-origin")).toBeNull();
    const form = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-voip-callerid": "1" },
      body,
    });
    expect(form.status).toBe(415);
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect((await panelJson(d, "api/phonebook")).body.entries).toEqual([]);
  });

  it("serves the page under HA's ingress prefix: <base href> from X-Ingress-Path, any view's path gives the page", async () => {
    const d = await panel.start();
    const prefix = "/api/hassio_ingress/Xy12_ab-CD";
    for (const path of ["", "calls/deep/link"]) {
      const page = await fetch(new URL(path, d.url), { headers: { "x-ingress-path": prefix } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await page.text();
      expect(html).toMatch(new RegExp(`<head[^>]*><base href="${prefix}/">`));
      expect(html).not.toMatch(/(src|href)="\/assets/);
    }
    const odd = await (
      await fetch(d.url, { headers: { "x-ingress-path": '/x"><script>alert(1)</script>' } })
    ).text();
    expect(odd).toContain('<base href="/">');
    expect(odd).not.toContain("<script>alert");
    expect((await fetch(new URL("assets/gone-1234.js", d.url))).status).toBe(404);
    expect((await fetch(new URL("favicon.ico", d.url))).status).toBe(404);
    const html = await (await fetch(d.url)).text();
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    if (script) {
      const asset = await fetch(new URL(script, d.url));
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    const api = await panelJson(d, "api/nothing-here");
    expect(api.status).toBe(404);
    expect(api.body.error).toBe("not-found");
    const server = await fetch(new URL("server/server.js", d.url));
    expect(await server.text()).not.toContain("createPanelServer");
  });

  it("answers bad queries with a JSON error", async () => {
    const d = await panel.start();
    for (const query of ["limit=0", "limit=abc", "before=nonsense", "direction=sideways"]) {
      const answer = await panelJson(d, `api/calls?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error, query).toBe("bad-query");
    }
  });
});

describe("the panel's port", () => {
  it("as an add-on, is the one the Supervisor chose for its ingress proxy", async () => {
    const ingressPort = await freePort();
    const asked: string[] = [];
    const daemon = await panel.start(
      { panel: { port: 1 } },
      {
        port: ingressPort,
        env: { SUPERVISOR_TOKEN: "supervisor-token" },
        adapters: {
          fetchIngressPort: async (token) => {
            asked.push(token);
            return { ok: true, port: ingressPort };
          },
          fetchMqttService: async () => ({ ok: false, message: "no broker in this test" }),
        },
      },
    );
    expect(asked).toEqual(["supervisor-token"]);
    expect((await panelJson(daemon, "api/state")).status).toBe(200);
    expect(daemon.logLines.some((l) => l.includes(`panel on port ${ingressPort}`))).toBe(true);
  });

  it("is off, and says why, when the Supervisor names none, or when panel.enabled is false", async () => {
    const addOn = await panel.start(
      {},
      {
        env: { SUPERVISOR_TOKEN: "t" },
        adapters: {
          fetchIngressPort: async () => ({ ok: false, message: "Invalid token" }),
          fetchMqttService: async () => ({ ok: false, message: "no broker in this test" }),
        },
        waitForPanel: false,
      },
    );
    expect(addOn.logLines).toContainEqual(
      expect.stringContaining(
        "the panel is off: the Supervisor names no ingress port (Invalid token)",
      ),
    );
    await panel.stop();
    const disabled = await panel.start({ panel: { enabled: false } });
    expect(disabled.logLines).toContainEqual(
      expect.stringContaining("the panel is off (panel.enabled)"),
    );
  });
});
