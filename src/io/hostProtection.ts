/**
 * Installs and removes the bridge's host protection rule (what and why: see
 * core/bridge/hostProtectionRules.ts): the one place that runs nft / iptables. Every program
 * runs through execFile, never a shell, killed after COMMAND_TIMEOUT_MS, through a
 * CommandRunner the tests replace (to run inside a network namespace, or not at all).
 *
 * Never throws: every outcome is a value, failures carry a message a user can act on, quoting
 * the tool's own error. "auto" takes nftables where `nft list tables` works, else iptables;
 * it does not switch to iptables when nft works but the install fails (say, a missing
 * interface), since that would hide the real problem behind weaker, IP-only protection. A
 * half-done iptables install is rolled back, so a failure leaves nothing of ours behind.
 */
import {
  type Command,
  describeProtection,
  type Firewall,
  type HostProtectionTarget,
  type IptablesTool,
  iptablesInstallSteps,
  iptablesProbe,
  iptablesRemoveSteps,
  NFT_PROBE,
  nftInstallSteps,
  nftRemoveSteps,
  type Step,
  targetProblem,
} from "../core/bridge/hostProtectionRules.js";

import { type CommandOutput, type CommandRunner, runCommand } from "./commands.js";

export type { Firewall } from "../core/bridge/hostProtectionRules.js";
export {
  COMMAND_TIMEOUT_MS,
  type CommandOutput,
  type CommandRunner,
  runCommand,
} from "./commands.js";

export type RemoveOutcome = { ok: true } | { ok: false; message: string };

export interface HostProtection {
  readonly firewall: Firewall;
  /** For the log, e.g. "nftables table netdev voip_callerid_bridge (drops 00:90:f8:… on eth1)". */
  readonly description: string;
  /** Takes the rule out again; safe to call twice, or after someone else removed it. */
  remove(): Promise<RemoveOutcome>;
}

export type InstallOutcome =
  | { ok: true; protection: HostProtection }
  | { ok: false; message: string };

export interface InstallOptions {
  interfaceName: string;
  adapterMac: Uint8Array;
  /** Default "auto": nftables where nft works, else iptables. */
  firewall?: Firewall | "auto";
  run?: CommandRunner;
}

/** Bounds "delete while present", should a tool keep reporting a rule it claims to delete. */
const MAX_REPEATS = 32;
const OPT_OUT = "or set bridge.protect_host: false to run the bridge without it";

/** The runner's answer, even if an injected runner rejects. */
async function runSafely(run: CommandRunner, command: Command): Promise<CommandOutput> {
  try {
    return await run(command.file, [...command.args], command.input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { code: null, stdout: "", stderr: `cannot run ${command.file}: ${reason}` };
  }
}

async function succeeds(run: CommandRunner, command: Command): Promise<boolean> {
  return (await runSafely(run, command)).code === 0;
}

function failure(command: Command, output: CommandOutput): string {
  const status = output.code === null ? "did not finish" : `exited with ${output.code}`;
  const said = (output.stderr.trim() || output.stdout.trim()).split("\n").slice(0, 3).join(" / ");
  return `"${[command.file, ...command.args].join(" ")}" ${status}: ${said.slice(0, 400)}`;
}

/** Runs steps in order; null when all succeeded, else what failed. */
async function runSteps(run: CommandRunner, steps: readonly Step[]): Promise<string | null> {
  for (const step of steps) {
    if (step.kind === "unless" && (await succeeds(run, step.check))) continue;
    if (step.kind === "while") {
      let repeats = 0;
      while (await succeeds(run, step.check)) {
        const output = await runSafely(run, step.command);
        if (output.code !== 0) return failure(step.command, output);
        if (++repeats >= MAX_REPEATS) {
          return `"${step.check.args.join(" ")}" still matches after ${MAX_REPEATS} deletions`;
        }
      }
      continue;
    }
    const output = await runSafely(run, step.command);
    if (output.code === 0) continue;
    if (step.kind === "run" && step.alreadyDone?.test(output.stderr)) continue;
    return failure(step.command, output);
  }
  return null;
}

/** The firewall to use, or why none works (each tool's own error). */
async function probeFirewall(run: CommandRunner): Promise<Firewall | string[]> {
  const unusable: string[] = [];
  for (const [firewall, probe] of [
    ["nftables", NFT_PROBE],
    ["iptables", iptablesProbe("iptables")],
  ] as const) {
    const output = await runSafely(run, probe);
    if (output.code === 0) return firewall;
    unusable.push(failure(probe, output));
  }
  return unusable;
}

/** Which firewall this host lets us use: nftables if nft works, else iptables, else null. */
export async function detectFirewall(run: CommandRunner = runCommand): Promise<Firewall | null> {
  const found = await probeFirewall(run);
  return typeof found === "string" ? found : null;
}

function protection(
  firewall: Firewall,
  description: string,
  removeSteps: readonly Step[],
  run: CommandRunner,
): HostProtection {
  return {
    firewall,
    description,
    async remove() {
      const problem = await runSteps(run, removeSteps);
      if (problem === null) return { ok: true };
      return { ok: false, message: `could not remove the host protection rule: ${problem}` };
    },
  };
}

async function installNftables(
  target: HostProtectionTarget,
  run: CommandRunner,
): Promise<InstallOutcome> {
  const problem = await runSteps(run, nftInstallSteps(target));
  if (problem !== null) {
    return { ok: false, message: `installing the nftables rule failed: ${problem}` };
  }
  const description = describeProtection("nftables", target);
  return { ok: true, protection: protection("nftables", description, nftRemoveSteps(), run) };
}

async function installIptables(
  target: HostProtectionTarget,
  run: CommandRunner,
): Promise<InstallOutcome> {
  // ip6tables is optional: a host without it (or without IPv6) has no IPv6 to protect.
  const ip6 = await succeeds(run, iptablesProbe("ip6tables"));
  const tools: IptablesTool[] = ip6 ? ["iptables", "ip6tables"] : ["iptables"];
  const removeSteps = tools.flatMap((tool) => iptablesRemoveSteps(tool));
  for (const tool of tools) {
    const problem = await runSteps(run, iptablesInstallSteps(tool, target));
    if (problem === null) continue;
    const rollback = await runSteps(run, removeSteps);
    const leftover = rollback === null ? "" : `; removing the partial rule failed too: ${rollback}`;
    return { ok: false, message: `installing the ${tool} rule failed: ${problem}${leftover}` };
  }
  const description = describeProtection("iptables", target, tools);
  return { ok: true, protection: protection("iptables", description, removeSteps, run) };
}

/**
 * Makes the host ignore the adapter's frames on `interfaceName`. Idempotent: installing again
 * (also after a crash left the rule behind) still leaves exactly one rule.
 */
export async function installHostProtection(options: InstallOptions): Promise<InstallOutcome> {
  const target: HostProtectionTarget = {
    interfaceName: options.interfaceName,
    adapterMac: options.adapterMac,
  };
  const problem = targetProblem(target);
  if (problem !== null) return { ok: false, message: `cannot protect the host: ${problem}` };
  const run = options.run ?? runCommand;
  const requested = options.firewall ?? "auto";
  const firewall = requested === "auto" ? await probeFirewall(run) : requested;
  if (typeof firewall !== "string") {
    const why = firewall.join("; ");
    return {
      ok: false,
      message: `neither nft nor iptables works here: install nftables, ${OPT_OUT} (${why})`,
    };
  }
  const outcome =
    firewall === "nftables"
      ? await installNftables(target, run)
      : await installIptables(target, run);
  return outcome.ok ? outcome : { ok: false, message: `${outcome.message} (${OPT_OUT})` };
}
