/**
 * The command line, parsed into a typed command. Pure: argv in, a command or a message out.
 * Each command accepts only its own options, so a misplaced one is named rather than ignored.
 * A flag that sets an option is checked by the option schema, its default is the option's
 * (src/config/commandLine.ts); here are only the command's shape and what each flag sets.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  checkCommandLine,
  FLAG_SETTINGS_SCHEMA,
  type FlagSettings,
  type FlagText,
} from "../config/commandLine.js";
import { OPTIONS_SCHEMA, type Options } from "../config/schema.js";
import { formatMac, parseMac } from "../core/capture/bpfFilter.js";
import { type NuisanceCommand, nuisanceCommand } from "./nuisanceArgs.js";

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
  | ({ readonly name: "nuisance" } & NuisanceCommand)
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

const CAPTURE_DEFAULTS = OPTIONS_SCHEMA.properties.capture.properties;
const DIRECTORY_DEFAULTS = OPTIONS_SCHEMA.properties.directory.properties;
const SETTING_DEFAULTS = FLAG_SETTINGS_SCHEMA.properties;

export const USAGE = `Usage:
  voip-callerid run [--config FILE] [--replay FILE… [--speed N]]  the add-on's daemon (npm start)
  voip-callerid calls [--config FILE] [--limit N] [--missed] [--line NAME] [--json]  recent calls
  voip-callerid replay FILE… [capture options]         call events from pcap/pcapng files, as JSON lines
  voip-callerid listen --interface IF [capture options] call events from a live interface, as JSON lines
  voip-callerid lookup NUMBER [lookup options]          who a number belongs to, and what would be said
  voip-callerid nuisance add|remove NUMBER [--label TEXT] [--allow] [--config FILE]
  voip-callerid nuisance list [--json] [--config FILE]  the household's own nuisance marks
  voip-callerid bridge --external IF --internal IF --mac MAC [bridge options]
                                                        pass the telephone adapter's frames through

Capture options:
  --interface, -i IF     network interface to capture on ("any" for all)
  --mgcp-port PORT       UDP port carrying MGCP; repeat for several (default ${CAPTURE_DEFAULTS.mgcp_ports.default.join(", ")})
  --sip-port PORT        port carrying SIP (UDP, TCP, WebSocket, SCTP); repeat (default ${CAPTURE_DEFAULTS.sip_ports.default.join(", ")})
  --no-sip               MGCP only
  --own-address IP       a SIP adapter's or phone's address: INVITEs to it are incoming, from
                         it outgoing; repeat for several (without it every call is incoming)
  --adapter-mac MAC      only frames to or from the telephone adapter's MAC (Ethernet; a Linux
                         cooked capture keeps only senders' addresses: frames from it)
  --ring-timeout SEC     a ringing call with no signalling for this long is missed (default ${SETTING_DEFAULTS["ring-timeout"].default})

Run options:
  --config FILE          the options as YAML or JSON (default: /data/options.json under the
                         Supervisor, else every option's default)
  --replay FILE          feed the daemon capture files instead of an interface; repeat for
                         several; it stops once they are played and every output is delivered
  --speed N              replay pace: 1 = as recorded (default), 2 = twice as fast, 0 = at once

Lookup options:
  --config FILE          the add-on's options as YAML or JSON (directory.*, announce.*, data_dir)
  --phonebook FILE       a phonebook (.txt/.tsv, .csv, .vcf); repeat for several
  --country CC           the home country for numbers (default ${DIRECTORY_DEFAULTS.country.default})
  --lang LANG            de, en, fr or it: the announcement's language (default ${OPTIONS_SCHEMA.properties.announce.properties.language.default})
  --no-online            never ask search.ch
  --search-url URL       the search.ch API address (default ${DIRECTORY_DEFAULTS.search_ch_url.default})
  --json                 one JSON object instead of text

Nuisance marks (data_dir/nuisance-marks.json, as the panel's; the add-on applies them at once):
  NUMBER                 any written form, or a prefix ending in * ("0906*", "+41 90 1*")
  --label TEXT           shown and said with the warning, e.g. "Lotto Versand"
  --allow                mark the number as never flagged instead, whatever a list says

Bridge options:
  --external IF          the interface towards the ISP (the cable modem)
  --internal IF          the interface the telephone adapter is plugged into
  --mac MAC              the adapter's MAC address; only its frames cross
  --no-rewrite-dhcp      pass the ISP's broadcast DHCP replies on unchanged (default: address
                         them to the adapter, which some adapters need)
  --no-protect-host      do not install the firewall rule that makes this host ignore the
                         adapter's frames on the internal interface
  --status-interval SEC  print the counters this often (default ${SETTING_DEFAULTS["status-interval"].default})
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
  nuisance: {
    config: { type: "string" },
    label: { type: "string" },
    allow: { type: "boolean" },
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

/** The option each flag sets, by command. */
const CAPTURE_FLAG_OPTIONS = {
  interface: "capture.interface",
  "mgcp-port": "capture.mgcp_ports",
  "sip-port": "capture.sip_ports",
  "own-address": "capture.adapter_addresses",
  "adapter-mac": "capture.adapter_mac",
} as const;
const BRIDGE_FLAG_OPTIONS = {
  external: "bridge.external_interface",
  internal: "bridge.internal_interface",
  mac: "capture.adapter_mac",
} as const;

export async function parseCommandLine(argv: readonly string[]): Promise<ParsedCommandLine> {
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
    case "nuisance":
      return nuisanceCommand(rest, values);
    default:
      return { ok: false, message: `unknown command "${name}"` };
  }
}

/**
 * The given flags as the options and settings they set, checked; the rest from the defaults.
 * `optionOf` names the option each flag sets; the flags in `settings` are the command's own.
 */
async function checkFlags(
  values: Values,
  optionOf: Readonly<Record<string, string>>,
  settings: readonly (keyof FlagSettings)[],
  fixed: Readonly<Record<string, FlagText>> = {},
): Promise<{ options: Options; settings: FlagSettings } | string> {
  const options: Record<string, FlagText> = { ...fixed };
  const flagOf: Record<string, string> = {};
  for (const [flag, option] of Object.entries(optionOf)) {
    flagOf[option] = `--${flag}`;
    const value = values[flag];
    if (value !== undefined) options[option] = value;
  }
  const typed = settings.flatMap((flag) => {
    const value = values[flag];
    return typeof value === "string" ? [[flag, value] as const] : [];
  });
  const checked = await checkCommandLine({ options, settings: Object.fromEntries(typed), flagOf });
  return checked.ok ? checked : checked.problems.join("; ");
}

/** A MAC in any form parseMac reads, in the one form the option schema takes. */
function normalMac(text: Values[string]): Values[string] {
  const bytes = typeof text === "string" ? parseMac(text) : null;
  return bytes ? formatMac(bytes) : text;
}

async function captureCommand(
  name: "replay" | "listen",
  rest: string[],
  values: Values,
): Promise<ParsedCommandLine> {
  if (name === "replay" && rest.length === 0) {
    return { ok: false, message: "replay needs at least one capture file" };
  }
  if (name === "listen") {
    if (rest.length > 0)
      return { ok: false, message: `listen takes no files (got ${rest.join(" ")})` };
    if (typeof values.interface !== "string" || values.interface === "") {
      return { ok: false, message: "listen needs --interface IF (for example eth0, or any)" };
    }
  }
  const checked = await checkFlags(
    { ...values, "adapter-mac": normalMac(values["adapter-mac"]) },
    CAPTURE_FLAG_OPTIONS,
    ["ring-timeout"],
    values["no-sip"] ? { "capture.protocols": ["mgcp"] } : {},
  );
  if (typeof checked === "string") return { ok: false, message: checked };
  const { capture: options } = checked.options;
  const capture: CaptureOptions = {
    mgcpPorts: options.mgcp_ports,
    sipPorts: options.protocols.includes("sip") ? options.sip_ports : [],
    sip: { ownAddresses: options.adapter_addresses },
    adapterMac: parseMac(options.adapter_mac) ?? undefined,
    ringTimeoutMs: checked.settings["ring-timeout"] * 1000,
  };
  return name === "replay"
    ? { ok: true, command: { name, files: rest, capture } }
    : { ok: true, command: { name, interfaceName: options.interface, capture } };
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

async function runCommand(rest: string[], values: Values): Promise<ParsedCommandLine> {
  if (rest.length > 0)
    return {
      ok: false,
      message: `run takes no arguments (capture files go after --replay): ${rest.join(" ")}`,
    };
  const replayFiles = (values.replay as string[] | undefined) ?? [];
  if (values.speed !== undefined && replayFiles.length === 0)
    return { ok: false, message: "--speed needs --replay FILE" };
  const checked = await checkFlags(values, {}, ["speed"]);
  if (typeof checked === "string") return { ok: false, message: checked };
  return {
    ok: true,
    command: {
      name: "run",
      configFile: values.config as string | undefined,
      replayFiles,
      speed: checked.settings.speed,
    },
  };
}

async function callsCommand(rest: string[], values: Values): Promise<ParsedCommandLine> {
  if (rest.length > 0) return { ok: false, message: `calls takes no arguments: ${rest.join(" ")}` };
  const checked = await checkFlags(values, {}, ["limit"]);
  if (typeof checked === "string") return { ok: false, message: checked };
  return {
    ok: true,
    command: {
      name: "calls",
      flags: {
        configFile: values.config as string | undefined,
        limit: checked.settings.limit,
        missedOnly: values.missed === true,
        line: values.line as string | undefined,
        json: values.json === true,
      },
    },
  };
}

async function bridgeCommand(rest: string[], values: Values): Promise<ParsedCommandLine> {
  if (rest.length > 0)
    return { ok: false, message: `bridge takes no arguments: ${rest.join(" ")}` };
  if (typeof values.external !== "string" || values.external === "") {
    return { ok: false, message: "bridge needs --external IF (the interface towards the ISP)" };
  }
  if (typeof values.internal !== "string" || values.internal === "") {
    return { ok: false, message: "bridge needs --internal IF (the adapter's interface)" };
  }
  if (typeof values.mac !== "string" || values.mac === "") {
    return { ok: false, message: "bridge needs --mac MAC (the telephone adapter's MAC address)" };
  }
  const checked = await checkFlags(
    { ...values, mac: normalMac(values.mac) },
    BRIDGE_FLAG_OPTIONS,
    ["status-interval"],
    {
      "bridge.enabled": true,
      "bridge.rewrite_dhcp_destination": values["no-rewrite-dhcp"] !== true,
      "bridge.protect_host": values["no-protect-host"] !== true,
    },
  );
  if (typeof checked === "string") return { ok: false, message: checked };
  const { bridge, capture } = checked.options;
  return {
    ok: true,
    command: {
      name: "bridge",
      flags: {
        externalInterface: bridge.external_interface,
        internalInterface: bridge.internal_interface,
        // The schema has checked the form, which is parseMac's.
        adapterMac: parseMac(capture.adapter_mac) as Uint8Array,
        rewriteDhcpDestination: bridge.rewrite_dhcp_destination,
        protectHost: bridge.protect_host,
        json: values.json === true,
        statusIntervalMs: Math.round(checked.settings["status-interval"] * 1000),
      },
    },
  };
}
