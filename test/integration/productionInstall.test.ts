/**
 * The package as a household's machine gets it: `npm pack`, then the tarball installed with
 * production dependencies only into an empty folder, and the installed command run on the
 * bundled example — so that no dev dependency, source file or build step is missing.
 *
 * A minute of `npm pack` and `npm install`: not part of `npm test` but a command of its own,
 * `npm run test:install`, which CI runs after `npm test`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/projectRoot.js";

const INSTALL_TIMEOUT_MS = 600_000;
let folder: string;
let bin: string;

beforeAll(() => {
  const packDir = mkdtempSync("/tmp/voip-callerid-pack-");
  execFileSync("npm", ["pack", "--pack-destination", packDir, "--silent"], {
    cwd: PROJECT_ROOT,
    stdio: "pipe",
  });
  const tarball = readdirSync(packDir).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack made no tarball");
  folder = mkdtempSync("/tmp/voip-callerid-install-");
  writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "household", private: true }));
  execFileSync(
    "npm",
    ["install", "--omit=dev", "--no-audit", "--no-fund", join(packDir, tarball)],
    { cwd: folder, stdio: "pipe", timeout: INSTALL_TIMEOUT_MS },
  );
  bin = join(folder, "node_modules", ".bin", "voip-callerid");
}, INSTALL_TIMEOUT_MS);

const run = (args: string[]) =>
  spawnSync(bin, args, {
    cwd: folder,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, HOME: folder },
  });

describe("installed from the packed tarball, production dependencies only", () => {
  it("has no development dependency and no sources", () => {
    const modules = readdirSync(join(folder, "node_modules"));
    // (@types packages may still come in: mqtt lists two as its own dependencies.)
    for (const dev of ["typescript", "vitest", "vite", "tsx", "@biomejs"])
      expect(modules).not.toContain(dev);
    const packaged = readdirSync(join(folder, "node_modules", "voip-callerid"));
    expect(packaged.sort()).toEqual(["README.md", "dist", "examples", "package.json"]);
  });

  it("carries the panel's page, built, with relative URLs and nothing from elsewhere", () => {
    const panel = join(folder, "node_modules", "voip-callerid", "dist", "panel");
    const page = readFileSync(join(panel, "index.html"), "utf8");
    const urls = [...page.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^\.\//);
    for (const url of urls) expect(existsSync(join(panel, url as string)), url).toBe(true);
  });

  it("replays the bundled example", () => {
    const result = run(["replay", "node_modules/voip-callerid/examples/incoming-call.pcap"]);
    expect(result.stderr).toBe(
      "replay: 14 packets, 14 MGCP messages, 0 retransmissions, 5 call events; parse errors: none\n",
    );
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).type),
    ).toEqual(["ringing", "answered", "ended", "ringing", "missed"]);
  });

  it("runs the daemon on it, resolves a number, lists the call log", () => {
    writeFileSync(
      join(folder, "options.yaml"),
      `directory:\n  online_lookup: false\n  phonebook:\n    - number: "044 123 45 67"\n      name: Hans Muster\ndata_dir: ${folder}/data\n`,
    );
    const daemon = run([
      "run",
      "--config",
      "options.yaml",
      "--replay",
      "node_modules/voip-callerid/examples/incoming-call.pcap",
      "--speed",
      "0",
    ]);
    expect(daemon.status).toBe(0);
    expect(daemon.stdout).toContain('Hans Muster — "Anruf von Hans Muster"');
    const lookup = run(["lookup", "0441234567", "--config", "options.yaml", "--json"]);
    expect(JSON.parse(lookup.stdout)).toMatchObject({ name: "Hans Muster", source: "phonebook" });
    const calls = run(["calls", "--config", "options.yaml", "--json"]);
    expect(JSON.parse(calls.stdout)).toHaveLength(2);
  });
});
