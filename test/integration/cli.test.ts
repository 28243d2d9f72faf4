/** The command line as a user meets it: output on stdout, messages on stderr, exit codes. */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI_COMMAND, PROJECT_ROOT, runCli } from "../support/cli.js";
import { udpFrame } from "../support/frameBuilder.js";
import { writePcap } from "../support/pcapWriter.js";

const EXAMPLE = "examples/incoming-call.pcap";

describe("voip-callerid replay", () => {
  it("prints the bundled example's call events as JSON lines and a summary", () => {
    const result = runCli(["replay", EXAMPLE]);
    expect(result.status).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e) => [e.type, e.call_id, e.number, e.name, e.anonymous])).toEqual([
      ["ringing", "c1", "0441234567", "Hans Muster", false],
      ["answered", "c1", "0441234567", "Hans Muster", false],
      ["ended", "c1", "0441234567", "Hans Muster", false],
      ["ringing", "c2", null, null, true],
      ["missed", "c2", null, null, true],
    ]);
    expect(result.stderr).toBe(
      "replay: 14 packets, 14 MGCP messages, 0 retransmissions, 5 call events; parse errors: none\n",
    );
  });

  it("counts what it skipped, by code", () => {
    const dir = mkdtempSync("/tmp/voip-callerid-cli-");
    // One MGCP frame cut short by the snap length: the summary names the error, nothing is printed.
    const frame = udpFrame({
      src: "192.0.2.1",
      dst: "192.0.2.10",
      srcPort: 2727,
      dstPort: 2427,
      payload: "RQNT 1 aaln/1@gw MGCP 1.0\nS: L/rg\n",
    });
    writeFileSync(
      `${dir}/short.pcap`,
      writePcap([{ data: frame.subarray(0, 40), originalLength: frame.length, timestampMs: 0 }]),
    );
    const result = runCli(["replay", `${dir}/short.pcap`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^replay: 1 packet, 0 MGCP messages, .*parse errors: ipv4-truncated 1\n$/,
    );
  });

  it.each([
    [
      "a missing file",
      ["replay", "/nonexistent/calls.pcap"],
      /capture file not found: \/nonexistent\/calls.pcap/,
    ],
    ["a directory", ["replay", "examples"], /examples is a directory/],
    [
      "a file that is no capture",
      ["replay", "package.json"],
      /package.json is not a pcap or pcapng capture file/,
    ],
    ["no file at all", ["replay"], /replay needs at least one capture file/],
    [
      "a bad port",
      ["replay", EXAMPLE, "--mgcp-port", "70000"],
      /--mgcp-port: must be a port from 1 to 65535, got "70000"/,
    ],
    [
      "a bad MAC",
      ["replay", EXAMPLE, "--adapter-mac", "00:90:f8"],
      /--adapter-mac: "00:90:f8" is not a MAC address such as 00:90:f8:12:34:56/,
    ],
    ["an unknown option", ["replay", EXAMPLE, "--colour"], /Unknown option '--colour'/],
    ["an unknown command", ["decode", EXAMPLE], /unknown command "decode"/],
  ])("explains %s and exits non-zero", (_, args, message) => {
    const result = runCli(args);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  it("explains a file it may not read", () => {
    const dir = mkdtempSync("/tmp/voip-callerid-cli-");
    chmodSync(dir, 0o755);
    writeFileSync(`${dir}/locked.pcap`, writePcap([]));
    chmodSync(`${dir}/locked.pcap`, 0o000);
    // Root reads every file whatever its mode, so as root the program runs as user nobody.
    const asUser =
      process.getuid?.() === 0
        ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        : [];
    const result = runCli(["replay", `${dir}/locked.pcap`], { prefix: asUser });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `voip-callerid: cannot read capture file ${dir}/locked.pcap: permission denied\n`,
    );
  });

  it("takes only the adapter's frames when given its MAC", () => {
    const own = runCli(["replay", EXAMPLE, "--adapter-mac", "00:90:f8:00:00:10"]);
    expect(own.stdout.trim().split("\n")).toHaveLength(5);
    const other = runCli(["replay", EXAMPLE, "--adapter-mac", "00-90-F8-99-99-99"]);
    expect(other.stdout).toBe("");
    expect(other.stderr).toMatch(/^replay: 14 packets, 0 MGCP messages/);
  });

  it("prints usage with --help and the version with --version", () => {
    expect(runCli(["--help"]).stdout).toMatch(
      /^Usage:\n {2}voip-callerid run .*\n {2}voip-callerid calls .*\n {2}voip-callerid replay FILE/,
    );
    expect(runCli(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("voip-callerid listen", () => {
  it("waits for an interface that does not exist yet, naming those there are", async () => {
    // A USB adapter may be plugged in later; a typo shows in the list.
    const [command, ...args] = CLI_COMMAND;
    const child = spawn(command as string, [...args, "listen", "--interface", "nosuch0"], {
      cwd: PROJECT_ROOT,
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    while (!/interfaces here: .*\blo\b/.test(stderr) && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill("SIGTERM");
    expect(await closed).toBe(0);
    expect(stderr).toMatch(/^waiting: nosuch0 does not exist\ninterfaces here: .*\blo\b/);
  });

  it("needs an interface", () => {
    const result = runCli(["listen"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/listen needs --interface IF/);
  });
});
