/**
 * The command line, parsed into a typed command. Pure: argv in, a command or a message out.
 */
import { parseArgs } from "node:util";
import { parseMac } from "../core/capture/bpfFilter.js";
import { DEFAULT_MGCP_PORTS } from "../core/pipeline.js";

export interface CaptureOptions {
  readonly mgcpPorts: readonly number[];
  readonly adapterMac: Uint8Array | undefined;
  readonly ringTimeoutMs: number;
}

export type Command =
  | { readonly name: "help" }
  | { readonly name: "version" }
  | { readonly name: "replay"; readonly files: readonly string[]; readonly capture: CaptureOptions }
  | { readonly name: "listen"; readonly interfaceName: string; readonly capture: CaptureOptions };

export type ParsedCommandLine = { ok: true; command: Command } | { ok: false; message: string };

export const USAGE = `Usage:
  voip-callerid replay FILE… [options]        call events from pcap/pcapng files, as JSON lines
  voip-callerid listen --interface IF [options] call events from a live interface, as JSON lines

Options:
  --interface, -i IF     network interface to capture on ("any" for all)
  --mgcp-port PORT       UDP port carrying MGCP; repeat for several (default ${DEFAULT_MGCP_PORTS.join(", ")})
  --adapter-mac MAC      only frames to or from the telephone adapter's MAC (Ethernet; a Linux
                         cooked capture keeps only senders' addresses: frames from it)
  --ring-timeout SEC     a ringing call with no signalling for this long is missed (default 180)
  --help, -h             this text
  --version              the program's version

Each call event is one JSON object per line on stdout; a summary goes to stderr.`;

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        interface: { type: "string", short: "i" },
        "mgcp-port": { type: "string", multiple: true },
        "adapter-mac": { type: "string" },
        "ring-timeout": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    }));
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (values.help) return { ok: true, command: { name: "help" } };
  if (values.version) return { ok: true, command: { name: "version" } };

  const [name, ...rest] = positionals;
  const capture = parseCaptureOptions(values);
  if (typeof capture === "string") return { ok: false, message: capture };

  if (name === "replay") {
    if (rest.length === 0) return { ok: false, message: "replay needs at least one capture file" };
    if (values.interface !== undefined)
      return { ok: false, message: "replay reads files; --interface is for listen" };
    return { ok: true, command: { name: "replay", files: rest, capture } };
  }
  if (name === "listen") {
    if (rest.length > 0)
      return { ok: false, message: `listen takes no files (got ${rest.join(" ")})` };
    const interfaceName = values.interface;
    if (typeof interfaceName !== "string" || interfaceName === "") {
      return { ok: false, message: "listen needs --interface IF (for example eth0, or any)" };
    }
    return { ok: true, command: { name: "listen", interfaceName, capture } };
  }
  if (name === undefined) return { ok: true, command: { name: "help" } };
  return { ok: false, message: `unknown command "${name}"` };
}

function parseCaptureOptions(values: Record<string, unknown>): CaptureOptions | string {
  const portTexts = (values["mgcp-port"] as string[] | undefined) ?? [];
  const mgcpPorts: number[] = [];
  for (const text of portTexts) {
    const port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
      return `--mgcp-port must be a UDP port from 1 to 65535, got "${text}"`;
    }
    mgcpPorts.push(port);
  }

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
    adapterMac,
    ringTimeoutMs: ringTimeoutS * 1000,
  };
}
