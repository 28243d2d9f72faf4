/**
 * The panel in a real browser (Debian's chromium driven by playwright-core) against the real
 * daemon: it captures live MGCP on a veth pair from a call agent's network namespace, tells
 * the Home Assistant stand-in, and serves the panel built for this run. What a household does
 * on the screen, step by step (the steps build on each other):
 * - a call appears in Now while it rings, then in Calls; a line's announcements switched;
 * - an unknown caller named from Calls: the next call from that number rings with that name
 *   (the event and the spoken announcement at Home Assistant);
 * - the log paged by cursor and filtered (missed, direction, line, a name or digits);
 * - that call's announcement said again on a chosen speaker, and its number marked as nuisance;
 * - a vCard import, with its preview listing the line it cannot take; household entries edited,
 *   deleted and exported;
 * - the panel through an ingress proxy under `/api/hassio_ingress/<token>/` with
 *   `X-Ingress-Path`, reloaded on a view, in German on a 360 px phone;
 * - a peer from another address gets 403 and no data.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_COMMAND } from "../support/cli.js";
import {
  chromiumMissing,
  describeWithBrowser,
  launchBrowser,
  type PanelBrowser,
} from "./support/browser.js";
import { type IngressProxy, startIngressProxy } from "./support/ingressProxy.js";
import { SEEDED, seededCall, VCARD } from "./support/panelFixtures.js";
import { ADAPTER_IP, CALL_AGENT_IP, mgcp, PanelLab } from "./support/panelLab.js";
import { seedCallLog } from "./support/seedCalls.js";

const HOME = "aaln/1@ata.example";
type PanelStateLines = { lines: { label: string; announcements: boolean }[] };
const UNKNOWN = "0449876543";
const UNKNOWN_DISPLAY = "044 987 65 43";
const STEP_MS = 90_000;

describeWithBrowser("the panel in a browser, against the daemon capturing live", () => {
  let lab: PanelLab;
  let browser: PanelBrowser;
  let page: Page;
  let proxy: IngressProxy | undefined;

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing !== null) throw new Error(missing);
    lab = await PanelLab.start({
      program: CLI_COMMAND.slice(1),
      seed: (dataDir) => seedCallLog(dataDir, SEEDED, seededCall),
    });
    browser = await launchBrowser();
    page = await browser.page({ locale: "en-GB" });
  }, STEP_MS);

  afterAll(async () => {
    await proxy?.close();
    await browser?.close();
    await lab?.stop();
  });

  const homeLine = () => page.locator("vci-now li.line", { hasText: "Home" });

  it(
    "shows a call in Now while it rings, then in Calls",
    async () => {
      await page.goto(`${lab.url}#/now`);
      await expect.poll(() => page.locator("[data-testid=live]").textContent()).toBe("live");
      await lab.send([mgcp.ring(HOME, 100, UNKNOWN)]);
      await homeLine().locator(".state", { hasText: "Ringing" }).waitFor({ timeout: 15_000 });
      expect(await homeLine().locator(".caller").textContent()).toContain(UNKNOWN_DISPLAY);
      await lab.send([mgcp.offHook(HOME, 101, 100), mgcp.onHook(HOME, 102, 100)]);
      await homeLine().locator(".state", { hasText: "Idle" }).waitFor({ timeout: 15_000 });
      // The line's announcements switched off and on again from Now: the household has it.
      const announcements = async () =>
        ((await (await fetch(`${lab.url}api/state`)).json()) as PanelStateLines).lines.find(
          (line) => line.label === "Home",
        )?.announcements;
      await homeLine().locator("input[name=announcements]").uncheck();
      await expect.poll(announcements).toBe(false);
      await homeLine().locator("input[name=announcements]").check();
      await expect.poll(announcements).toBe(true);
      expect(await homeLine().locator("input[name=announcements]").isChecked()).toBe(true);

      await page.getByRole("link", { name: "Calls" }).click();
      const first = page.locator("vci-calls li.call").first();
      await first.waitFor();
      expect(await first.textContent()).toContain(UNKNOWN_DISPLAY);
      expect(await first.locator(".outcome").textContent()).toMatch(/^answered · 0:0\d$/);
      expect(await first.locator(".line").textContent()).toBe("Home");
    },
    STEP_MS,
  );

  it(
    "names an unknown caller from Calls: the next call from that number rings with that name",
    async () => {
      await page.locator("vci-calls li.call", { hasText: UNKNOWN_DISPLAY }).first().click();
      await page.locator("vci-call-actions input[name=name]").fill("Erika Beispiel");
      await page.getByRole("button", { name: "Save name" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: "the next call from this number rings with this name" })
        .waitFor();

      lab.ha.clearRecords();
      await page.getByRole("link", { name: "Now" }).click();
      await lab.send([mgcp.ring(HOME, 200, UNKNOWN)]);
      const ringing = await lab.ha.waitFor(
        () =>
          lab.ha.firedEvents.find(
            (e) => e.eventType === "voip_callerid_call" && e.data?.type === "ringing",
          ),
        15_000,
        "the ringing event",
      );
      expect(ringing.data).toMatchObject({ name: "Erika Beispiel", name_source: "phonebook" });
      const spoken = await lab.ha.waitFor(
        () => lab.ha.serviceCalls.find((c) => c.domain === "tts" && c.service === "speak"),
        15_000,
        "the announcement",
      );
      expect(String(spoken.serviceData?.message)).toContain("Erika Beispiel");
      await homeLine().locator(".caller", { hasText: "Erika Beispiel" }).waitFor();
      await lab.send([mgcp.offHook(HOME, 201, 200), mgcp.onHook(HOME, 202, 200)]);
      await homeLine().locator(".state", { hasText: "Idle" }).waitFor({ timeout: 15_000 });
    },
    STEP_MS,
  );

  it(
    "pages through the log by cursor and filters missed calls, direction, line, a name or digits",
    async () => {
      const rows = page.locator("vci-calls li.call");
      const pageLabel = page.locator("vci-calls [data-testid=page]");
      const older = page.getByRole("button", { name: "Older" });
      const newer = page.getByRole("button", { name: "Newer" });
      const settled = () => page.locator("vci-calls ul.calls[aria-busy=false]").waitFor();
      await page.getByRole("link", { name: "Calls" }).click();
      await rows.first().waitFor();
      // 120 seeded calls and the 2 live ones: 50, 50 and 22.
      await older.click();
      await expect.poll(() => pageLabel.textContent()).toBe("Page 2");
      await settled();
      expect(await rows.count()).toBe(50);
      await older.click();
      await expect.poll(() => pageLabel.textContent()).toBe("Page 3");
      await expect.poll(() => rows.count()).toBe(22);
      expect(await rows.last().textContent()).toContain("Seeded Caller 119");
      expect(await older.isDisabled()).toBe(true);
      await newer.click();
      await expect.poll(() => pageLabel.textContent()).toBe("Page 2");

      await page.locator("vci-calls input[name=missed]").check();
      await expect.poll(() => pageLabel.textContent()).toBe("Page 1");
      // Every third seeded call, but for the outgoing ones among them (15, 45, 75, 105).
      await expect.poll(() => rows.count()).toBe(36);
      expect(new Set(await rows.locator(".outcome").allTextContents())).toEqual(
        new Set(["missed"]),
      );
      await page.locator("vci-calls input[name=missed]").uncheck();

      await page.locator("vci-calls select[name=direction]").selectOption("outgoing");
      await expect.poll(() => rows.count()).toBe(12);
      expect(
        new Set(
          await rows
            .locator(".direction")
            .evaluateAll((all) => all.map((e) => e.getAttribute("title"))),
        ),
      ).toEqual(new Set(["Outgoing"]));
      await page.locator("vci-calls select[name=direction]").selectOption("");

      await page.locator("vci-calls select[name=line]").selectOption({ label: "Office" });
      await expect.poll(() => rows.count()).toBe(15);
      expect(new Set(await rows.locator(".line").allTextContents())).toEqual(new Set(["Office"]));
      await page.locator("vci-calls select[name=line]").selectOption("");

      const search = page.locator("vci-calls input[name=q]");
      await search.fill("Seeded Caller 77");
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain("043 555 00 77");
      await search.fill("5550042");
      await expect
        .poll(() => rows.allTextContents())
        .toEqual([expect.stringContaining("Seeded Caller 42")]);
      await search.fill("");
      await expect.poll(() => rows.count()).toBe(50);
    },
    STEP_MS,
  );

  it(
    "says a call's announcement again on a chosen speaker, and marks its number as nuisance",
    async () => {
      // Calls anew, without the filters of the step before.
      await page.getByRole("link", { name: "Now" }).click();
      await page.getByRole("link", { name: "Calls" }).click();
      await page.locator("vci-calls li.call", { hasText: "Erika Beispiel" }).first().click();
      const actions = page.locator("vci-call-actions");
      await actions.locator("select[name=speaker] option", { hasText: "Kitchen" }).waitFor({
        state: "attached",
      });
      await actions.locator("select[name=speaker]").selectOption("media_player.kitchen");
      lab.ha.clearRecords();
      await actions.getByRole("button", { name: "Say again" }).click();
      await actions.getByRole("status").filter({ hasText: "Said: " }).waitFor();
      expect(await actions.getByRole("status").textContent()).toContain("Erika Beispiel");
      const spoken = await lab.ha.waitFor(
        () => lab.ha.serviceCalls.find((c) => c.domain === "tts" && c.service === "speak"),
        15_000,
        "the announcement said again",
      );
      expect(spoken.serviceData?.media_player_entity_id).toEqual(["media_player.kitchen"]);
      expect(String(spoken.serviceData?.message)).toContain("Erika Beispiel");

      expect(
        await actions.getByRole("link", { name: "Open on tel.search.ch" }).getAttribute("href"),
      ).toBe("https://tel.search.ch/?was=%2B41449876543");
      await actions.locator("input[name=label]").fill("Keine Werbung");
      await actions.getByRole("button", { name: "Mark as nuisance" }).click();
      await actions.getByRole("status").filter({ hasText: "Marked." }).waitFor();
      const marks = (await (await fetch(`${lab.url}api/marks`)).json()) as {
        marks: { number: string; kind: string; label: string | null }[];
      };
      expect(marks.marks).toContainEqual(
        expect.objectContaining({
          number: "+41449876543",
          kind: "nuisance",
          label: "Keine Werbung",
        }),
      );
    },
    STEP_MS,
  );

  it(
    "imports a vCard after a preview that lists the entry it cannot take",
    async () => {
      await page.getByRole("link", { name: "Phonebook" }).click();
      const options = page.locator("vci-phonebook li.entry", { hasText: "Hans Muster" });
      await options.waitFor();
      expect(await options.getAttribute("data-source")).toBe("options");
      expect(await options.textContent()).toContain("read-only");

      await page.locator("vci-phonebook input[type=file]").setInputFiles({
        name: "contacts.vcf",
        mimeType: "text/vcard",
        buffer: Buffer.from(VCARD),
      });
      const preview = page.locator("[data-testid=preview]");
      await preview.waitFor();
      expect(await preview.locator("h2").first().textContent()).toBe("2 entries to import");
      expect(await preview.textContent()).toContain("Erna Import");
      expect(await preview.textContent()).toContain("Paul Zweiter");
      expect(await preview.locator("[data-testid=problems] li").count()).toBe(1);
      expect(await preview.locator("[data-testid=problems] li").textContent()).toContain(
        'line 14: "abc" is not a phone number',
      );

      await page.getByRole("button", { name: "Import 2 entries" }).click();
      await page.getByRole("status").filter({ hasText: "2 entries added." }).waitFor();
      for (const name of ["Erna Import", "Paul Zweiter", "Erika Beispiel"]) {
        const entry = page.locator("vci-phonebook li.entry", { hasText: name });
        await entry.waitFor();
        expect(await entry.getAttribute("data-source")).toBe("household");
      }
      expect(await page.locator("vci-phonebook li.entry", { hasText: "Ohne Nummer" }).count()).toBe(
        0,
      );
    },
    STEP_MS,
  );

  it(
    "edits and deletes household entries, and exports what the household sees as vCard and CSV",
    async () => {
      const paul = page.locator("vci-phonebook li.entry", { hasText: "Paul Zweiter" });
      await paul.getByRole("button", { name: "Edit" }).click();
      const editing = page.locator("vci-phonebook li.entry form");
      await editing.locator("input[name=name]").fill("Paul Zweiter-Meier");
      await editing.getByRole("button", { name: "Save" }).click();
      await page.locator("vci-phonebook li.entry", { hasText: "Paul Zweiter-Meier" }).waitFor();

      page.once("dialog", (dialog) => void dialog.accept());
      const erna = page.locator("vci-phonebook li.entry", { hasText: "Erna Import" });
      await erna.getByRole("button", { name: "Delete" }).click();
      await erna.waitFor({ state: "detached" });

      const exported = async (name: string) => {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("link", { name }).click(),
        ]);
        const chunks: Buffer[] = [];
        for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString("utf8");
      };
      const vcard = await exported("Export vCard");
      expect(vcard).toContain("FN:Paul Zweiter-Meier");
      expect(vcard).toContain("FN:Hans Muster");
      expect(vcard).not.toContain("Erna Import");
      const csv = await exported("Export CSV");
      expect(csv).toContain("Erika Beispiel");
      expect(csv).not.toContain("Erna Import");
    },
    STEP_MS,
  );

  it(
    "works through the ingress proxy's prefix, after a reload too, in German on a 360 px phone",
    async () => {
      proxy = await startIngressProxy(lab.url, "0123456789abcdef");
      // A phone in the companion app: German, 360 px wide.
      const german = await browser.page({ locale: "de-CH", width: 360, height: 740 });
      const fitsWidth = async () =>
        expect(await german.evaluate("document.documentElement.scrollWidth")).toBe(360);
      await german.goto(`${proxy.url}#/calls`);
      const row = german.locator("vci-calls li.call", { hasText: "Erika Beispiel" }).first();
      await row.waitFor();
      await german.reload();
      await row.waitFor();
      await row.click();
      await german.locator("vci-call-actions").waitFor();
      await fitsWidth();
      expect(await german.getByRole("link", { name: "Anrufe" }).getAttribute("class")).toBe(
        "active",
      );
      // Live state over server-sent events through the proxy.
      await german.getByRole("link", { name: "Jetzt" }).click();
      await expect.poll(() => german.locator("[data-testid=live]").textContent()).toBe("live");
      await fitsWidth();
      // A change through the proxy: a phonebook entry added.
      await german.getByRole("link", { name: "Telefonbuch" }).click();
      await german
        .locator("vci-phonebook form[data-testid=add] input[name=number]")
        .fill("044 222 33 44");
      await german
        .locator("vci-phonebook form[data-testid=add] input[name=name]")
        .fill("Über den Proxy");
      await german.getByRole("button", { name: "Hinzufügen" }).click();
      await german.locator("vci-phonebook li.entry", { hasText: "Über den Proxy" }).waitFor();
      await fitsWidth();

      expect(proxy.outside).toEqual([]);
      expect(proxy.forwarded).toContain("/api/events");
      expect(proxy.forwarded.some((path) => path.startsWith("/assets/"))).toBe(true);
    },
    STEP_MS,
  );

  it(
    "answers a peer from another address with 403 and no data",
    async () => {
      // The adapter's address on this machine's end, reachable from the call agent only.
      await lab.sandbox.ip(null, ["address", "add", `${ADAPTER_IP}/32`, "dev", lab.captured.name]);
      await lab.sandbox.ip(null, ["route", "add", `${CALL_AGENT_IP}/32`, "dev", lab.captured.name]);
      const port = new URL(lab.url).port;
      const script = `
        (async () => {
          const out = [];
          for (const path of ["api/state", "api/calls", "api/phonebook", "", "#/calls"]) {
            const response = await fetch("http://${ADAPTER_IP}:${port}/" + path);
            out.push([path, response.status, await response.text()]);
          }
          console.log(JSON.stringify(out));
        })().catch((e) => { console.error(e.message); process.exit(1); });`;
      const result = await lab.sandbox.exec(lab.callAgent, process.execPath, ["-e", script]);
      expect(result.code, result.stderr).toBe(0);
      const answers = JSON.parse(result.stdout) as [string, number, string][];
      for (const [path, status, body] of answers) {
        expect(status, path).toBe(403);
        for (const secret of ["Erika", "Hans", "4498", "vci-app", "Home"])
          expect(body, path).not.toContain(secret);
      }
    },
    STEP_MS,
  );
});
