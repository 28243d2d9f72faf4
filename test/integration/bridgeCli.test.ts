/**
 * `voip-callerid bridge` at its edges: what it says about bad arguments, missing permissions
 * and a missing interface, before it bridges anything. (Bridging itself: bridgeEndToEnd.)
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI_COMMAND, PROJECT_ROOT, runCli } from "../support/cli.js";

const AS_NOBODY =
  process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
const MAC = "00:90:f8:12:34:56";

describe("voip-callerid bridge", () => {
  it.each([
    [["bridge", "--internal", "eth1", "--mac", MAC], "bridge needs --external IF"],
    [["bridge", "--external", "eth0", "--mac", MAC], "bridge needs --internal IF"],
    [["bridge", "--external", "eth0", "--internal", "eth1"], "bridge needs --mac MAC"],
    [
      ["bridge", "--external", "eth0", "--internal", "eth1", "--mac", "00:90:f8"],
      '--mac: "00:90:f8" is not a MAC address such as 00:90:f8:12:34:56',
    ],
    [
      ["bridge", "--external", "a", "--internal", "b", "--mac", MAC, "--status-interval", "0"],
      '--status-interval: must be a number of seconds from 0.1 to 86400, got "0"',
    ],
    [
      ["bridge", "--external", "a", "--internal", "b", "--mac", MAC, "extra"],
      "bridge takes no arguments",
    ],
  ])("refuses %j with a usage message", (args, message) => {
    const result = runCli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("Bridge options:");
  });

  it.each([
    [
      ["--external", "eth0", "--internal", "eth0", "--mac", MAC],
      "the external and internal interfaces must differ (both are eth0)",
    ],
    [
      ["--external", "eth0", "--internal", "eth1", "--mac", "01:00:5e:00:00:01"],
      "01:00:5e:00:00:01 is a multicast or broadcast address, not an adapter's MAC",
    ],
  ])("refuses settings that cannot bridge: %j", (args, message) => {
    const result = runCli(["bridge", ...args]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`voip-callerid: bridge: ${message}`);
  });

  it("says what it needs when the firewall rule cannot be installed, and starts nothing", () => {
    const result = runCli(["bridge", "--external", "lo", "--internal", "eth0", "--mac", MAC], {
      prefix: AS_NOBODY,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/voip-callerid: bridge: .*bridge\.protect_host: false/);
    expect(result.stderr).not.toContain("bridging");
  });

  it("gives up at once without capture permission, saying so", () => {
    const result = runCli(
      ["bridge", "--external", "lo", "--internal", "eth0", "--mac", MAC, "--no-protect-host"],
      { prefix: AS_NOBODY },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities/);
  });

  it("waits for an interface that does not exist yet, and stops cleanly", async () => {
    const [command, ...rest] = CLI_COMMAND;
    const child = spawn(
      command as string,
      [
        ...rest,
        "bridge",
        "--external",
        "vcinone0",
        "--internal",
        "lo",
        "--mac",
        MAC,
        "--no-protect-host",
        "--json",
      ],
      { cwd: PROJECT_ROOT },
    );
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const deadline = Date.now() + 15_000;
    while (!stdout.includes("\n") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const states = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(states[0]).toMatchObject({ state: "waiting", detail: "vcinone0 does not exist" });
    expect(states.at(-1)).toMatchObject({ state: "stopped", restarts: 0 });
  }, 30_000);
});
