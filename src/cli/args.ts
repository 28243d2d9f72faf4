/**
 * The command line, parsed into a typed command. Pure: argv in, a command or a message out.
 * Each command accepts only its own options, so a misplaced one is named rather than ignored.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { parseMac } from "../core/capture/bpfFilter.js";
import { DEFAULT_MGCP_PORTS, DEFAULT_SIP_PORTS } from "../core/pipeline.js";

export interface CaptureOptions {
  readonly mgcpPorts: readonly number[];
  /** SIP over UDP, TCP, WebSocket and SCTP; empty with --no-sip. */
  readonly sipPorts: readonly number[];
  /** SIP: addresses of the household's adapters/phones, to tell incoming from outgoing. */
  readonly sip: { readonly ownAddresses: readonly string[] };
  readonly adapterMac: Uint8Array | undefined;
  readonly ringTimeoutMs: number;
}

/** `lookup`'s flags; each overrides the option of the same meaning from --config. */
export interface LookupFlags {
  readonly configFile: string | undefined;
  readonly phonebookFiles: readonly string[];
  readonly country: string | undefined;
  readonly lang: string | undefined;
  readonly online: boolean | undefined;
  readonly searchUrl: string | undefined;
  readonly json: boolean;
}

export type Command =
  | { readonly name: "help" }
  | { readonly name: "version" }
  | { readonly name: "replay"; readonly files: readonly string[]; readonly capture: CaptureOptions }
  | { readonly name: "listen"; readonly interfaceName: string; readonly capture: CaptureOptions }
  | { readonly name: "lookup"; readonly number: string; readonly flags: LookupFlags }
  | {
      readonly name: "run";
      readonly configFile: string | undefined;
      readonly replayFiles: readonly string[];
      readonly speed: number;
    }
  | { readonly name: "calls"; readonly flags: CallsFlags }
  | { readonly name: "bridge"; readonly flags: BridgeFlags };

export interface BridgeFlags {
  readonly externalInterface: string;
  readonly internalInterface: string;
  readonly adapterMac: Uint8Array;
  readonly rewriteDhcpDestination: boolean;
  readonly protectHost: boolean;
  readonly json: boolean;
  /** How often the counters are printed. */
  readonly statusIntervalMs: number;
}

export interface CallsFlags {
  readonly configFile: string | undefined;
  readonly limit: number;
  readonly missedOnly: boolean;
  readonly line: string | undefined;
  readonly json: boolean;
}

export type ParsedCommandLine = { ok: true; command: Command } | { ok: false; message: string };

export const USAGE = `Usage:
  voip-callerid run [--config FILE] [--replay FILE… [--speed N]]  the add-on's daemon (npm start)
  voip-callerid calls [--config FILE] [--limit N] [--missed] [--line NAME] [--json]  recent calls
  voip-callerid replay FILE… [capture options]         call events from pcap/pcapng files, as JSON lines
  voip-callerid listen --interface IF [capture options] call events from a live interface, as JSON lines
  voip-callerid lookup NUMBER [lookup options]          who a number belongs to, and what would be said
  voip-callerid bridge --external IF --internal IF --mac MAC [bridge options]
                                                        pass the telephone adapter's frames through

Capture options:
  --interface, -i IF     network interface to capture on ("any" for all)
  --mgcp-port PORT       UDP port carrying MGCP; repeat for several (default ${DEFAULT_MGCP_PORTS.join(", ")})
  --sip-port PORT        port carrying SIP (UDP, TCP, WebSocket, SCTP); repeat (default ${DEFAULT_SIP_PORTS.join(", ")})
  --no-sip               MGCP only
  --own-address IP       a SIP adapter's or phone's address: INVITEs to it are incoming, from
                         it outgoing; repeat for several (without it every call is incoming)
  --adapter-mac MAC      only frames to or from the telephone adapter's MAC (Ethernet; a Linux
                         cooked capture keeps only senders' addresses: frames from it)
  --ring-timeout SEC     a ringing call with no signalling for this long is missed (default 180)

Run options:
  --config FILE          the options as YAML or JSON (default: /data/options.json under the
                         Supervisor, else every option's default)
  --replay FILE          feed the daemon capture files instead of an interface; repeat for
                         several; it stops once they are played and every output is delivered
  --speed N              replay pace: 1 = as recorded (default), 2 = twice as fast, 0 = at once

Lookup options:
  --config FILE          the add-on's options as YAML or JSON (directory.*, announce.*, data_dir)
  --phonebook FILE       a phonebook (.txt/.tsv, .csv, .vcf); repeat for several
  --country CC           the home country for numbers (default CH)
  --lang LANG            de, en, fr or it: the announcement's language (default de)
  --no-online            never ask search.ch
  --search-url URL       the search.ch API address (default https://search.ch/tel/api/)
  --json                 one JSON object instead of text

Bridge options:
  --external IF          the interface towards the ISP (the cable modem)
  --internal IF          the interface the telephone adapter is plugged into
  --mac MAC              the adapter's MAC address; only its frames cross
  --no-rewrite-dhcp      pass the ISP's broadcast DHCP replies on unchanged (default: address
                         them to the adapter, which some adapters need)
  --no-protect-host      do not install the firewall rule that makes this host ignore the
                         adapter's frames on the internal interface
  --status-interval SEC  print the counters this often (default 60)
  --json                 the state and counters as one JSON object per line on stdout

  --help, -h             this text
  --version              the program's version

replay and listen print each call event as one JSON object per line on stdout and a summary on
stderr.`;

const CAPTURE_FLAGS = {
  "mgcp-port": { type: "string", multiple: true },
  "sip-port": { type: "string", multiple: true },
  "no-sip": { type: "boolean" },
  "own-address": { type: "string", multiple: true },
  "adapter-mac": { type: "string" },
  "ring-timeout": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

const COMMAND_FLAGS = {
  replay: CAPTURE_FLAGS,
  listen: { ...CAPTURE_FLAGS, interface: { type: "string", short: "i" } },
  run: {
    config: { type: "string" },
    replay: { type: "string", multiple: true },
    speed: { type: "string" },
  },
  calls: {
    config: { type: "string" },
    limit: { type: "string" },
    missed: { type: "boolean" },
    line: { type: "string" },
    json: { type: "boolean" },
  },
  bridge: {
    external: { type: "string" },
    internal: { type: "string" },
    mac: { type: "string" },
    "no-rewrite-dhcp": { type: "boolean" },
    "no-protect-host": { type: "boolean" },
    "status-interval": { type: "string" },
    json: { type: "boolean" },
  },
  lookup: {
    config: { type: "string" },
    phonebook: { type: "string", multiple: true },
    country: { type: "string" },
    lang: { type: "string" },
    "no-online": { type: "boolean" },
    "search-url": { type: "string" },
    json: { type: "boolean" },
  },
} as const satisfies Record<string, ParseArgsConfig["options"]>;

const GENERAL_FLAGS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

type Values = Record<string, string | boolean | string[] | undefined>;

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  // The command comes first: `voip-callerid replay FILE --mgcp-port 2427`.
  const name = argv[0] !== undefined && !argv[0].startsWith("-") ? argv[0] : undefined;
  const flags =
    name !== undefined && name in COMMAND_FLAGS
      ? COMMAND_FLAGS[name as keyof typeof COMMAND_FLAGS]
      : {};
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...GENERAL_FLAGS, ...flags },
    }) as { values: Values; positionals: string[] });
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, message: name ? `${name}: ${message}` : message };
  }
  if (values.help) return { ok: true, command: { name: "help" } };
  if (values.version) return { ok: true, command: { name: "version" } };
  const rest = positionals.slice(1);

  switch (name) {
    case undefined:
      return { ok: true, command: { name: "help" } };
    case "replay":
    case "listen":
      return captureCommand(name, rest, values);
    case "lookup":
      return lookupCommand(rest, values);
    case "run":
      return runCommand(rest, values);
    case "calls":
      return callsCommand(rest, values);
    case "bridge":
      return bridgeCommand(rest, values);
    default:
      return { ok: false, message: `unknown command "${name}"` };
  }
}

function captureCommand(
  name: "replay" | "listen",
  rest: string[],
  values: Values,
): ParsedCommandLine {
  const capture = parseCaptureOptions(values);
  if (typeof capture === "string") return { ok: false, message: capture };
  if (name === "replay") {
    if (rest.length === 0) return { ok: false, message: "replay needs at least one capture file" };
    return { ok: true, command: { name, files: rest, capture } };
  }
  if (rest.length > 0)
    return { ok: false, message: `listen takes no files (got ${rest.join(" ")})` };
  const interfaceName = values.interface;
  if (typeof interfaceName !== "string" || interfaceName === "") {
    return { ok: false, message: "listen needs --interface IF (for example eth0, or any)" };
  }
  return { ok: true, command: { name, interfaceName, capture } };
}

function lookupCommand(rest: string[], values: Values): ParsedCommandLine {
  if (rest.length !== 1) {
    return {
      ok: false,
      message: 'lookup needs one number, e.g. lookup "044 123 45 67" (quote it when it has spaces)',
    };
  }
  const text = (key: string) =>
    typeof values[key] === "string" ? (values[key] as string) : undefined;
  const flags: LookupFlags = {
    configFile: text("config"),
    phonebookFiles: (values.phonebook as string[] | undefined) ?? [],
    country: text("country")?.toUpperCase(),
    lang: text("lang"),
    online: values["no-online"] ? false : undefined,
    searchUrl: text("search-url"),
    json: values.json === true,
  };
  return { ok: true, command: { name: "lookup", number: rest[0] as string, flags } };
}

function runCommand(rest: string[], values: Values): ParsedCommandLine {
  if (rest.length > 0)
    return {
      ok: false,
      message: `run takes no arguments (capture files go after --replay): ${rest.join(" ")}`,
    };
  const speedText = values.speed as string | undefined;
  const speed = speedText === undefined ? 1 : Number(speedText);
  if (!Number.isFinite(speed) || speed < 0 || speed > 10_000) {
    return {
      ok: false,
      message: `--speed must be a number from 0 (at once) to 10000, got "${speedText}"`,
    };
  }
  const replayFiles = (values.replay as string[] | undefined) ?? [];
  if (speedText !== undefined && replayFiles.length === 0)
    return { ok: false, message: "--speed needs --replay FILE" };
  return {
    ok: true,
    command: { name: "run", configFile: values.config as string | undefined, replayFiles, speed },
  };
}

function callsCommand(rest: string[], values: Values): ParsedCommandLine {
  if (rest.length > 0) return { ok: false, message: `calls takes no arguments: ${rest.join(" ")}` };
  const limitText = values.limit as string | undefined;
  const limit = limitText === undefined ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
    return {
      ok: false,
      message: `--limit must be a whole number from 1 to 100000, got "${limitText}"`,
    };
  }
  return {
    ok: true,
    command: {
      name: "calls",
      flags: {
        configFile: values.config as string | undefined,
        limit,
        missedOnly: values.missed === true,
        line: values.line as string | undefined,
        json: values.json === true,
      },
    },
  };
}

function bridgeCommand(rest: string[], values: Values): ParsedCommandLine {
  if (rest.length > 0)
    return { ok: false, message: `bridge takes no arguments: ${rest.join(" ")}` };
  const external = values.external;
  const internal = values.internal;
  if (typeof external !== "string" || external === "") {
    return { ok: false, message: "bridge needs --external IF (the interface towards the ISP)" };
  }
  if (typeof internal !== "string" || internal === "") {
    return { ok: false, message: "bridge needs --internal IF (the adapter's interface)" };
  }
  const macText = values.mac;
  if (typeof macText !== "string") {
    return { ok: false, message: "bridge needs --mac MAC (the telephone adapter's MAC address)" };
  }
  const adapterMac = parseMac(macText);
  if (adapterMac === null) {
    return { ok: false, message: `--mac must look like 00:90:f8:12:34:56, got "${macText}"` };
  }
  const intervalText = values["status-interval"] as string | undefined;
  const intervalS = intervalText === undefined ? 60 : Number(intervalText);
  if (!Number.isFinite(intervalS) || intervalS < 0.1 || intervalS > 86_400) {
    return {
      ok: false,
      message: `--status-interval must be a number of seconds from 0.1 to 86400, got "${intervalText}"`,
    };
  }
  return {
    ok: true,
    command: {
      name: "bridge",
      flags: {
        externalInterface: external,
        internalInterface: internal,
        adapterMac,
        rewriteDhcpDestination: values["no-rewrite-dhcp"] !== true,
        protectHost: values["no-protect-host"] !== true,
        json: values.json === true,
        statusIntervalMs: Math.round(intervalS * 1000),
      },
    },
  };
}

function parsePorts(values: Values, flag: string): number[] | string {
  const ports: number[] = [];
  for (const text of (values[flag] as string[] | undefined) ?? []) {
    const port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
      return `--${flag} must be a port from 1 to 65535, got "${text}"`;
    }
    ports.push(port);
  }
  return ports;
}

function parseCaptureOptions(values: Values): CaptureOptions | string {
  const mgcpPorts = parsePorts(values, "mgcp-port");
  if (typeof mgcpPorts === "string") return mgcpPorts;
  const sipPorts = parsePorts(values, "sip-port");
  if (typeof sipPorts === "string") return sipPorts;

  const macText = values["adapter-mac"] as string | undefined;
  const adapterMac = macText === undefined ? undefined : parseMac(macText);
  if (adapterMac === null) {
    return `--adapter-mac must look like 00:90:f8:12:34:56, got "${macText}"`;
  }

  const timeoutText = values["ring-timeout"] as string | undefined;
  const ringTimeoutS = timeoutText === undefined ? 180 : Number(timeoutText);
  if (!Number.isFinite(ringTimeoutS) || ringTimeoutS < 1 || ringTimeoutS > 3600) {
    return `--ring-timeout must be a number of seconds from 1 to 3600, got "${timeoutText}"`;
  }
  return {
    mgcpPorts: mgcpPorts.length > 0 ? mgcpPorts : DEFAULT_MGCP_PORTS,
    sipPorts: values["no-sip"] ? [] : sipPorts.length > 0 ? sipPorts : DEFAULT_SIP_PORTS,
    sip: { ownAddresses: (values["own-address"] as string[] | undefined) ?? [] },
    adapterMac,
    ringTimeoutMs: ringTimeoutS * 1000,
  };
}
