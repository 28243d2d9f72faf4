/**
 * Vitest globalSetup: compiles src/ once per test run, so that tests which start the program
 * as a process run what a household runs (`node dist/main.js`) and do not pay tsx's start-up
 * for every spawn. Test files find the result through `builtMain()` in ./cli.ts.
 *
 * Each run builds into its own folder under node_modules/.cache (not the project's dist/):
 * several people run tests in this working tree at once, and one run rebuilding dist/ must not
 * pull files from under another's running program. node_modules/.cache resolves the program's
 * dependencies like dist/ does; a copy of package.json beside it gives `--version`.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { PROJECT_ROOT } from "./projectRoot.js";

const BUILDS = join(PROJECT_ROOT, "node_modules", ".cache", "voip-callerid-tests");

declare module "vitest" {
  export interface ProvidedContext {
    /** The compiled program's main.js for this run. */
    builtMain: string;
  }
}

/** Several projects list this setup; the first one builds, the last teardown removes. */
interface SharedBuild {
  main: Promise<string>;
  users: number;
}
const SHARED = Symbol.for("voip-callerid.testBuild");
const registry = globalThis as { [SHARED]?: SharedBuild };

export default async function setup(project: TestProject): Promise<() => void> {
  const shared = registry[SHARED] ?? { main: Promise.resolve().then(build), users: 0 };
  registry[SHARED] = shared;
  shared.users++;
  project.provide("builtMain", await shared.main);
  // Watch mode: the sources may have changed since, so build again before each rerun.
  project.onTestsRerun(async () => {
    shared.main = Promise.resolve().then(build);
    project.provide("builtMain", await shared.main);
  });
  return () => {
    if (--shared.users > 0) return;
    delete registry[SHARED];
    rmSync(runFolder(process.pid), { recursive: true, force: true });
  };
}

function runFolder(pid: number): string {
  return join(BUILDS, String(pid));
}

function build(): string {
  removeLeftovers();
  const folder = runFolder(process.pid);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  copyFileSync(join(PROJECT_ROOT, "package.json"), join(folder, "package.json"));
  const tsc = join(PROJECT_ROOT, "node_modules", ".bin", "tsc");
  const outDir = join(folder, "dist");
  const result = spawnSync(tsc, ["-p", "tsconfig.build.json", "--outDir", outDir], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  const main = join(outDir, "main.js");
  if (!existsSync(main))
    throw new Error(`building the program failed: ${result.stdout}${result.stderr}`);
  // The panel's page beside the compiled server, as `npm run build` puts it in dist/panel/.
  const vite = join(PROJECT_ROOT, "node_modules", ".bin", "vite");
  const page = spawnSync(vite, ["build", "--config", "panel-ui/vite.config.ts"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, PANEL_OUT_DIR: join(outDir, "panel") },
  });
  if (!existsSync(join(outDir, "panel", "index.html")))
    throw new Error(`building the panel's page failed: ${page.stdout}${page.stderr}`);
  // tsc still emits on type errors, as tsx would still run the sources: the tests say what
  // breaks, `npm run typecheck` says why. Say it here too, briefly.
  if (result.status !== 0)
    console.warn(`buildProgram: tsc reported type errors (emitted anyway):\n${result.stdout}`);
  return main;
}

/** Folders of earlier runs that died before their teardown (their process is gone). */
function removeLeftovers(): void {
  if (!existsSync(BUILDS)) return;
  for (const name of readdirSync(BUILDS)) {
    const pid = Number(name);
    if (Number.isInteger(pid) && !processExists(pid))
      rmSync(runFolder(pid), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
