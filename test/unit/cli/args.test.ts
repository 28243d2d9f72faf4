/**
 * The command line onto the options: each flag sets its option (or the command's own setting),
 * the option schema checks it and gives the defaults, and a problem names the flag.
 */
import { describe, expect, it } from "vitest";
import { parseCommandLine, USAGE } from "../../../src/cli/args.js";
import { checkCommandLine } from "../../../src/config/commandLine.js";
import { validateOptions } from "../../../src/config/validateOptions.js";

const EXAMPLE = "examples/incoming-call.pcap";
const MAC = [0x00, 0x90, 0xf8, 0x12, 0x34, 0x56];

async function command(argv: string[]) {
  const parsed = await parseCommandLine(argv);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.command;
}

async function refusal(argv: string[]) {
  const parsed = await parseCommandLine(argv);
  return parsed.ok ? "accepted" : parsed.message;
}

describe("capture flags", () => {
  it("take the options' defaults when none is given", async () => {
    expect(await command(["replay", EXAMPLE])).toEqual({
      name: "replay",
      files: [EXAMPLE],
      capture: {
        mgcpPorts: [2427, 2727],
        sipPorts: [5060],
        sip: { ownAddresses: [] },
        adapterMac: undefined,
        ringTimeoutMs: 180_000,
      },
    });
  });

  it("set capture's options: ports, protocols, addresses, the adapter's MAC in any form", async () => {
    const listen = await command([
      ...["listen", "-i", "eth1", "--mgcp-port", "2427", "--no-sip", "--sip-port", "5062"],
      ...["--own-address", "192.0.2.20", "--own-address", "2001:db8::20"],
      ...["--adapter-mac", "0090.F812.3456", "--ring-timeout", "2.5"],
    ]);
    expect(listen).toEqual({
      name: "listen",
      interfaceName: "eth1",
      capture: {
        mgcpPorts: [2427],
        sipPorts: [],
        sip: { ownAddresses: ["192.0.2.20", "2001:db8::20"] },
        adapterMac: new Uint8Array(MAC),
        ringTimeoutMs: 2500,
      },
    });
  });

  it("are refused in the options' words, naming each flag and what was typed", async () => {
    expect(
      await refusal([
        ...["replay", EXAMPLE, "--mgcp-port", "2427", "--mgcp-port", "x1", "--sip-port", "65536"],
        ...["--own-address", "host.lan", "--adapter-mac", "00:90-f8:12:34:56"],
        ...["--ring-timeout", "0"],
      ]),
    ).toBe(
      [
        '--adapter-mac: "00:90-f8:12:34:56" is not a MAC address such as 00:90:f8:12:34:56',
        '--mgcp-port: must be a port from 1 to 65535, got "x1"',
        '--sip-port: must be a port from 1 to 65535, got "65536"',
        '--own-address: "host.lan" is not an IP address such as 192.168.1.20',
        '--ring-timeout: must be a number of seconds from 1 to 3600, got "0"',
      ].join("; "),
    );
  });

  it("keep the command's own shape checks first", async () => {
    expect(await refusal(["replay"])).toBe("replay needs at least one capture file");
    expect(await refusal(["listen", "--mgcp-port", "0"])).toMatch(/^listen needs --interface IF/);
  });
});

describe("bridge flags", () => {
  const base = ["bridge", "--external", "eth0", "--internal", "eth1"];

  it("set the bridge's options, with capture.adapter_mac from --mac", async () => {
    expect(await command([...base, "--mac", "00-90-f8-12-34-56", "--no-protect-host"])).toEqual({
      name: "bridge",
      flags: {
        externalInterface: "eth0",
        internalInterface: "eth1",
        adapterMac: new Uint8Array(MAC),
        rewriteDhcpDestination: true,
        protectHost: false,
        json: false,
        statusIntervalMs: 60_000,
      },
    });
  });

  it("name --mac and --status-interval in their problems", async () => {
    expect(await refusal([...base, "--mac", "00:90:f8", "--status-interval", "0.05"])).toBe(
      '--mac: "00:90:f8" is not a MAC address such as 00:90:f8:12:34:56; ' +
        '--status-interval: must be a number of seconds from 0.1 to 86400, got "0.05"',
    );
    expect(await refusal([...base, "--mac", ""])).toMatch(/^bridge needs --mac MAC/);
  });
});

describe("the commands' own settings", () => {
  it("have their defaults and ranges in one schema", async () => {
    expect(await command(["calls"])).toMatchObject({ flags: { limit: 20 } });
    expect(await command(["run", "--replay", EXAMPLE, "--speed", "0"])).toMatchObject({
      speed: 0,
    });
    expect(await command(["run"])).toMatchObject({ speed: 1, replayFiles: [] });
    expect(await refusal(["calls", "--limit", "2.5"])).toBe(
      '--limit: must be a whole number from 1 to 100000, got "2.5"',
    );
    expect(await refusal(["run", "--replay", EXAMPLE, "--speed", "fast"])).toBe(
      '--speed: must be a number from 0 to 10000, got "fast"',
    );
    expect(await refusal(["run", "--speed", "2"])).toBe("--speed needs --replay FILE");
  });
});

describe("checkCommandLine", () => {
  it("without flags gives the same defaults as the options' validation", async () => {
    const checked = await checkCommandLine({ options: {}, settings: {}, flagOf: {} });
    const validated = validateOptions({});
    expect(checked.ok && validated.ok && checked.options).toEqual(
      validated.ok && validated.options,
    );
  });

  it("names the option where no flag is known for it", async () => {
    expect(
      await checkCommandLine({ options: { "directory.country": "ch" }, settings: {}, flagOf: {} }),
    ).toEqual({
      ok: false,
      problems: ['directory.country: "ch" is not two capital letters such as CH'],
    });
  });
});

it("the usage text gives the schema's defaults", () => {
  expect(USAGE).toContain("repeat for several (default 2427, 2727)");
  expect(USAGE).toContain("repeat (default 5060)");
  expect(USAGE).toContain("this long is missed (default 180)");
  expect(USAGE).toContain("--country CC           the home country for numbers (default CH)");
  expect(USAGE).toContain("(default https://search.ch/tel/api/)");
  expect(USAGE).toContain("print the counters this often (default 60)");
});
