/**
 * Debian's chromium (`apt-get install chromium`, /usr/bin/chromium) driven by playwright-core:
 * no browser is downloaded. The flags are those this machine needs: as root there is no
 * sandbox, and without the background-networking flags chromium keeps dialling Google's hosts,
 * which the closed network refuses. playwright starts each browser with a fresh empty profile.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { describe } from "vitest";
import { describeIfRoot } from "../../support/root.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Why the browser tests cannot run here, or null. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install -y chromium)`;
}

/**
 * describe() for suites that need chromium and root (network namespaces): without chromium
 * they are skipped with the reason, except under CI=true, where they run and fail saying so.
 */
export function describeWithBrowser(name: string, fn: () => void): void {
  const missing = chromiumMissing();
  if (missing !== null && process.env.CI !== "true") {
    console.warn(`${name}: skipped: ${missing}`);
    describe.skip(`${name} (skipped: ${missing})`, fn);
    return;
  }
  describeIfRoot(name, fn);
}

export interface PanelBrowser {
  readonly browser: Browser;
  /** A new page in its own context: language, colour scheme and width as given. */
  page(options?: PageOptions): Promise<Page>;
  close(): Promise<void>;
}

export interface PageOptions {
  locale?: string;
  colorScheme?: "light" | "dark";
  width?: number;
  height?: number;
}

export async function launchBrowser(): Promise<PanelBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async page(options = {}) {
      const context = await browser.newContext({
        locale: options.locale ?? "en-GB",
        colorScheme: options.colorScheme ?? "light",
        viewport: { width: options.width ?? 1024, height: options.height ?? 768 },
        timezoneId: "Europe/Zurich",
      });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}
