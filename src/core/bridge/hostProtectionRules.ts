/*
 * The firewall rule that keeps the host's own network stack away from the telephone adapter's
 * frames on the internal interface, as exact commands. Pure: it only builds argv arrays (and
 * nft's standard-input script); src/io/hostProtection.ts runs them, never through a shell.
 *
 * Why the host must ignore those frames: the bridge copies them in user space (libpcap), but
 * the host's kernel receives them too. Left alone it would answer the adapter's ARP and DHCP,
 * or route its traffic itself, and the adapter would talk to the host instead of the ISP.
 * Capture must still see the frames, or there is nothing to bridge.
 *
 * nftables (preferred): a netdev table of our own with an ingress base chain on the internal
 * interface. Netdev ingress runs after the AF_PACKET taps (so pcap still sees every frame) but
 * before ARP and IP, so it drops ARP too. Priority -500 only puts it early: a drop in any base
 * chain is final, whatever other chains on the same hook accept. The install script declares
 * the table, deletes it and declares it anew in ONE transaction: atomic, idempotent, and it
 * replaces a leftover of a crashed run (even one for another interface). Nobody else's table
 * is touched; removal deletes ours whole.
 *
 * iptables (fallback, as the seed article did): a chain of our own in the filter table of
 * iptables and, where present, ip6tables, matching `-m mac --mac-source`, jumped to from the
 * top of INPUT and FORWARD. It covers IP only: ARP never passes iptables, so the host still
 * answers the adapter's ARP requests (arptables would be a third tool to depend on). Install
 * creates the chain (tolerating "exists"), flushes it, adds the one rule, and inserts each
 * jump only if absent; removal deletes every copy of the jumps, then flushes and deletes the
 * chain. Other chains and rules are never listed, rewritten or flushed.
 */

import { formatMac } from "../capture/bpfFilter.js";

export type Firewall = "nftables" | "iptables";
export type IptablesTool = "iptables" | "ip6tables";

export interface HostProtectionTarget {
  readonly interfaceName: string;
  readonly adapterMac: Uint8Array;
}

/** One program run, never through a shell; `input` is written to its standard input. */
export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly input?: string;
}

export type Step =
  /** Run it; a failure whose stderr matches `alreadyDone` counts as success. */
  | { readonly kind: "run"; readonly command: Command; readonly alreadyDone?: RegExp }
  /** Run `command` only if `check` fails: adds what is not there yet. */
  | { readonly kind: "unless"; readonly check: Command; readonly command: Command }
  /** Run `command` for as long as `check` succeeds: removes every copy of a rule. */
  | { readonly kind: "while"; readonly check: Command; readonly command: Command };

export const NFT_TABLE = "voip_callerid_bridge";
export const IPTABLES_CHAIN = "VOIP_CALLERID_BRIDGE";
/** The built-in chains that jump to ours: traffic for the host, and traffic it would route. */
export const HOOKED_CHAINS = ["INPUT", "FORWARD"] as const;
export const RULE_COMMENT = "VoIP Caller ID bridge: the host ignores the telephone adapter";

/** Linux's own limit (IFNAMSIZ - 1). */
const MAX_INTERFACE_NAME = 15;
/**
 * Stricter than the kernel, which refuses only "/", ":" and whitespace: the name goes into an
 * nft script between double quotes, and iptables gives "+" (wildcard) and "!" (negation) a
 * meaning, so anything beyond letters, digits, "_", "." and "-" is refused. A leading "-"
 * would look like an option.
 */
const INTERFACE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;

export function validInterfaceName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= MAX_INTERFACE_NAME &&
    name !== "." &&
    name !== ".." &&
    INTERFACE_NAME.test(name)
  );
}

/** Why a target cannot be turned into commands, or null when it can. */
export function targetProblem(target: HostProtectionTarget): string | null {
  if (!validInterfaceName(target.interfaceName)) {
    return `"${target.interfaceName}" is not a usable interface name (1-15 letters, digits, "_", "." or "-")`;
  }
  if (target.adapterMac.length !== 6) {
    return `the adapter's MAC address has ${target.adapterMac.length} bytes, not 6`;
  }
  return null;
}

/** The builders' guard: io/hostProtection.ts reports targetProblem() before calling them. */
function checked(target: HostProtectionTarget): { device: string; mac: string } {
  const problem = targetProblem(target);
  if (problem !== null) throw new RangeError(problem);
  return { device: target.interfaceName, mac: formatMac(target.adapterMac) };
}

// ---- nftables ----------------------------------------------------------------------------

/** `nft list tables` exits 0 where nft runs and the kernel lets us use nf_tables. */
export const NFT_PROBE: Command = { file: "nft", args: ["list", "tables"] };

/** Our table as nft prints it back (`nft list table netdev voip_callerid_bridge`). */
export function nftTable(target: HostProtectionTarget): string {
  const { device, mac } = checked(target);
  return [
    `table netdev ${NFT_TABLE} {`,
    "\tchain ingress {",
    `\t\ttype filter hook ingress device "${device}" priority -500; policy accept;`,
    `\t\tether saddr ${mac} drop comment "${RULE_COMMENT}"`,
    "\t}",
    "}",
    "",
  ].join("\n");
}

/** Declare (so the delete cannot fail), delete, declare anew: one atomic transaction. */
export function nftInstallScript(target: HostProtectionTarget): string {
  return [`table netdev ${NFT_TABLE}`, `delete table netdev ${NFT_TABLE}`, nftTable(target)].join(
    "\n",
  );
}

export function nftInstallSteps(target: HostProtectionTarget): Step[] {
  const input = nftInstallScript(target);
  return [{ kind: "run", command: { file: "nft", args: ["-f", "-"], input } }];
}

export function nftRemoveSteps(): Step[] {
  const command: Command = { file: "nft", args: ["delete", "table", "netdev", NFT_TABLE] };
  return [{ kind: "run", command, alreadyDone: /No such file or directory/ }];
}

/** Exits 0 while our table exists. */
export function nftCheckCommands(): Command[] {
  return [{ file: "nft", args: ["list", "table", "netdev", NFT_TABLE] }];
}

// ---- iptables / ip6tables ----------------------------------------------------------------

/** `-w`: wait for the xtables lock rather than fail when another program holds it. */
const xt = (tool: IptablesTool, ...args: string[]): Command => ({
  file: tool,
  args: ["-w", ...args],
});

const CHAIN_EXISTS = /Chain already exists/i;
/** Legacy says "No chain/target/match by that name", the nf_tables variant "does not exist". */
const NO_CHAIN = /No chain\/target\/match by that name|does not exist/i;
const jumpArgs = (chain: string) => [chain, "-j", IPTABLES_CHAIN];

function dropArgs(target: HostProtectionTarget): string[] {
  const { device, mac } = checked(target);
  return [IPTABLES_CHAIN, "-i", device, "-m", "mac", "--mac-source", mac, "-j", "DROP"];
}

/** Exits 0 where the tool runs and may read the filter table. */
export function iptablesProbe(tool: IptablesTool): Command {
  return xt(tool, "-L", "-n");
}

export function iptablesInstallSteps(tool: IptablesTool, target: HostProtectionTarget): Step[] {
  return [
    { kind: "run", command: xt(tool, "-N", IPTABLES_CHAIN), alreadyDone: CHAIN_EXISTS },
    { kind: "run", command: xt(tool, "-F", IPTABLES_CHAIN) },
    { kind: "run", command: xt(tool, "-A", ...dropArgs(target)) },
    ...HOOKED_CHAINS.map(
      (chain): Step => ({
        kind: "unless",
        check: xt(tool, "-C", ...jumpArgs(chain)),
        command: xt(tool, "-I", chain, "1", "-j", IPTABLES_CHAIN),
      }),
    ),
  ];
}

export function iptablesRemoveSteps(tool: IptablesTool): Step[] {
  return [
    ...HOOKED_CHAINS.map(
      (chain): Step => ({
        kind: "while",
        check: xt(tool, "-C", ...jumpArgs(chain)),
        command: xt(tool, "-D", ...jumpArgs(chain)),
      }),
    ),
    { kind: "run", command: xt(tool, "-F", IPTABLES_CHAIN), alreadyDone: NO_CHAIN },
    { kind: "run", command: xt(tool, "-X", IPTABLES_CHAIN), alreadyDone: NO_CHAIN },
  ];
}

/** All exit 0 while the drop rule and both jumps are in place. */
export function iptablesCheckCommands(tool: IptablesTool, target: HostProtectionTarget): Command[] {
  return [
    xt(tool, "-C", ...dropArgs(target)),
    ...HOOKED_CHAINS.map((chain) => xt(tool, "-C", ...jumpArgs(chain))),
  ];
}

// ---- for people ---------------------------------------------------------------------------

/** One line for the log: what was installed, and what it does. */
export function describeProtection(
  firewall: Firewall,
  target: HostProtectionTarget,
  tools: readonly IptablesTool[] = ["iptables"],
): string {
  const { device, mac } = checked(target);
  if (firewall === "nftables") {
    return `nftables table netdev ${NFT_TABLE} (drops ${mac} on ${device})`;
  }
  const families = tools.includes("ip6tables") ? "IPv4 and IPv6" : "IPv4";
  return `${tools.join(" and ")} chain ${IPTABLES_CHAIN} from ${HOOKED_CHAINS.join(" and ")} (drops ${families} from ${mac} on ${device}; not ARP)`;
}
