/**
 * The panel's scripts (bench/panel.ts, test/browser/screenshots.ts) run as plain programs:
 * a browser beside the running lab, both stopped at the end, and a failure that exits 1.
 */
import { launchBrowser, type PanelBrowser } from "./browser.js";
import type { PanelLab } from "./panelLab.js";

/** Launches a browser for `use`; afterwards, or when it fails, the browser and the lab stop. */
export async function withBrowser(
  lab: PanelLab,
  use: (browser: PanelBrowser) => Promise<void>,
): Promise<void> {
  const browser = await launchBrowser();
  try {
    await use(browser);
  } finally {
    await browser.close();
    await lab.stop();
  }
}

/** Runs the script's main: a failure is printed and the process exits 1. */
export function runScript(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
