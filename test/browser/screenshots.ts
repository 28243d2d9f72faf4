/**
 * The screenshots in DOCS.md (docs/screenshots/*.png): each view of the panel, light and dark
 * at a desktop width in English, and at a phone's 360 px in German, taken in Debian's chromium
 * from the real daemon (dist/, so `npm run build` first) capturing on a veth pair, with a
 * household's call log, phonebook and a call ringing on the Home line.
 *
 * `npm run screenshots:panel` (as root: network namespaces).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { PROJECT_ROOT } from "../support/projectRoot.js";
import type { PageOptions } from "./support/browser.js";
import { runScript, withBrowser } from "./support/labScript.js";
import { mgcp, PanelLab } from "./support/panelLab.js";
import { type SeedCall, seedCallLog, seedReport } from "./support/seedCalls.js";

const OUT = join(PROJECT_ROOT, "docs", "screenshots");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const VARIANTS: [string, PageOptions][] = [
  ["light", { locale: "en-GB", colorScheme: "light", width: 1000, height: 680 }],
  ["dark", { locale: "en-GB", colorScheme: "dark", width: 1000, height: 680 }],
  ["phone", { locale: "de-CH", colorScheme: "light", width: 360, height: 720 }],
];

function household(now: number): SeedCall[] {
  const call = (
    agoMs: number,
    line: SeedCall["line"],
    direction: SeedCall["direction"],
    talkS: number | null,
    number: string | null,
    name: string | null,
    source: SeedCall["source"],
  ): SeedCall => ({
    id: `shot-${agoMs}`,
    startedAt: now - agoMs,
    line,
    direction,
    talkS,
    number,
    name,
    source,
  });
  const home = "aaln/1@ata.example";
  const office = "aaln/2@ata.example";
  return [
    call(26 * 24 * HOUR, home, "incoming", 95, "0627778899", "Grosi", "phonebook"),
    call(50 * HOUR, office, "incoming", 125, "0443210011", "Praxis Dr. Huber", "search.ch"),
    call(28 * HOUR, home, "incoming", 1510, "0627778899", "Grosi", "phonebook"),
    call(26 * HOUR, home, "incoming", null, "0445550199", null, null),
    call(5 * HOUR, home, "outgoing", 44, "0795551234", "Anna Meier", "phonebook"),
    call(3 * HOUR, home, "incoming", null, null, null, null),
    call(2 * HOUR, office, "outgoing", 760, "0315556677", "Schreinerei Keller", "search.ch"),
    call(HOUR, home, "incoming", null, "0449876543", null, null),
    call(12 * MINUTE, home, "incoming", 192, "0795551234", "Anna Meier", "phonebook"),
  ];
}

async function post(base: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-VoIP-CallerID": "1" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300); // fonts and the last render settle
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const now = Date.now();
  const calls = household(now);
  const lab = await PanelLab.start({
    program: [join(PROJECT_ROOT, "dist", "main.js")],
    seed: (dataDir) => seedCallLog(dataDir, calls.length, (i) => seedReport(calls[i] as SeedCall)),
  });
  await withBrowser(lab, async (browser) => {
    await post(lab.url, "api/phonebook", { number: "079 555 12 34", name: "Anna Meier" });
    await post(lab.url, "api/phonebook", { number: "062 777 88 99", name: "Grosi" });
    await post(lab.url, "api/phonebook", { number: "044 987 65 43", name: "Velo Müller" });
    // A short call and a missed one on the Office line, so that it shows; then Hans Muster
    // (the options' phonebook) is ringing on Home while the pictures are taken.
    const office = "aaln/2@ata.example";
    await lab.send([
      mgcp.ring(office, 400, "0315556677"),
      mgcp.offHook(office, 401, 400),
      mgcp.onHook(office, 402, 400),
      // A ring that stops unanswered: a missed call on Office.
      mgcp.ring(office, 410, "0445550199"),
      `RQNT 411 ${office} MGCP 1.0\nX: 411\nR: L/hd(N)\nS: \n`,
      mgcp.ring("aaln/1@ata.example", 500, "0441234567"),
    ]);
    for (const [variant, options] of VARIANTS) {
      const page = await browser.page(options);
      await page.goto(`${lab.url}#/now`);
      await page.locator("vci-now li.line[data-state=ringing]").waitFor();
      await shoot(page, `now-${variant}`);

      await page.goto(`${lab.url}#/calls`);
      await page.locator("vci-calls li.call").nth(8).waitFor();
      await page.locator("vci-calls li.call").nth(1).locator("button.summary").click();
      await page.locator("vci-call-actions").waitFor();
      await shoot(page, `calls-${variant}`);

      await page.goto(`${lab.url}#/phonebook`);
      await page.locator("vci-phonebook li.entry", { hasText: "Velo Müller" }).waitFor();
      await shoot(page, `phonebook-${variant}`);

      await page.goto(`${lab.url}#/try`);
      await page.locator("vci-try input[name=number]").fill("044 987 65 43");
      await page.locator("vci-try select[name=speaker]").selectOption("media_player.kitchen");
      await page.locator("vci-try form button").click();
      await page.locator("[data-testid=sentence]").waitFor();
      await shoot(page, `try-${variant}`);
      await page.context().close();
    }
  });
}

runScript(main);
