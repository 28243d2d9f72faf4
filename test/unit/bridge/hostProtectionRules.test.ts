/**
 * The host protection commands, golden: these exact argv arrays and nft scripts are what runs
 * as root on a user's host, so any change to them should show up here as a deliberate diff.
 * Their behaviour against real nft / iptables is checked in
 * test/integration/hostProtection.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  describeProtection,
  iptablesCheckCommands,
  iptablesInstallSteps,
  iptablesProbe,
  iptablesRemoveSteps,
  NFT_PROBE,
  nftCheckCommands,
  nftInstallScript,
  nftInstallSteps,
  nftRemoveSteps,
  nftTable,
  targetProblem,
  validInterfaceName,
} from "../../../src/core/bridge/hostProtectionRules.js";

const target = {
  interfaceName: "eth1",
  adapterMac: Uint8Array.from([0x00, 0x90, 0xf8, 0x0a, 0xbc, 0x01]),
};

describe("nftables commands", () => {
  it("installs with one atomic script: declare, delete, declare anew", () => {
    expect(nftInstallScript(target)).toBe(
      [
        "table netdev voip_callerid_bridge",
        "delete table netdev voip_callerid_bridge",
        "table netdev voip_callerid_bridge {",
        "\tchain ingress {",
        '\t\ttype filter hook ingress device "eth1" priority -500; policy accept;',
        '\t\tether saddr 00:90:f8:0a:bc:01 drop comment "VoIP Caller ID bridge: the host ignores the telephone adapter"',
        "\t}",
        "}",
        "",
      ].join("\n"),
    );
    expect(nftInstallSteps(target)).toEqual([
      {
        kind: "run",
        command: { file: "nft", args: ["-f", "-"], input: nftInstallScript(target) },
      },
    ]);
  });

  it("the script ends with the table exactly as nft lists it", () => {
    expect(nftInstallScript(target).endsWith(nftTable(target))).toBe(true);
  });

  it("removes by deleting the table, a missing table counting as removed", () => {
    const steps = nftRemoveSteps();
    expect(steps).toEqual([
      {
        kind: "run",
        command: { file: "nft", args: ["delete", "table", "netdev", "voip_callerid_bridge"] },
        alreadyDone: expect.any(RegExp),
      },
    ]);
    const [step] = steps;
    const alreadyDone = step?.kind === "run" ? step.alreadyDone : undefined;
    expect(alreadyDone?.test("Error: Could not process rule: No such file or directory")).toBe(
      true,
    );
    expect(alreadyDone?.test("Error: Could not process rule: Operation not permitted")).toBe(false);
  });

  it("probes and checks by listing", () => {
    expect(NFT_PROBE).toEqual({ file: "nft", args: ["list", "tables"] });
    expect(nftCheckCommands()).toEqual([
      { file: "nft", args: ["list", "table", "netdev", "voip_callerid_bridge"] },
    ]);
  });
});

describe("iptables commands", () => {
  const drop = ["VOIP_CALLERID_BRIDGE", "-i", "eth1", "-m", "mac"];
  const dropRule = [...drop, "--mac-source", "00:90:f8:0a:bc:01", "-j", "DROP"];

  it.each(["iptables", "ip6tables"] as const)(
    "%s: own chain, rule, jumps only if absent",
    (tool) => {
      const cmd = (...args: string[]) => ({ file: tool, args: ["-w", ...args] });
      expect(iptablesInstallSteps(tool, target)).toEqual([
        {
          kind: "run",
          command: cmd("-N", "VOIP_CALLERID_BRIDGE"),
          alreadyDone: /Chain already exists/i,
        },
        { kind: "run", command: cmd("-F", "VOIP_CALLERID_BRIDGE") },
        { kind: "run", command: cmd("-A", ...dropRule) },
        {
          kind: "unless",
          check: cmd("-C", "INPUT", "-j", "VOIP_CALLERID_BRIDGE"),
          command: cmd("-I", "INPUT", "1", "-j", "VOIP_CALLERID_BRIDGE"),
        },
        {
          kind: "unless",
          check: cmd("-C", "FORWARD", "-j", "VOIP_CALLERID_BRIDGE"),
          command: cmd("-I", "FORWARD", "1", "-j", "VOIP_CALLERID_BRIDGE"),
        },
      ]);
    },
  );

  it.each(["iptables", "ip6tables"] as const)("%s: every jump, then the chain", (tool) => {
    const cmd = (...args: string[]) => ({ file: tool, args: ["-w", ...args] });
    const noChain = /No chain\/target\/match by that name|does not exist/i;
    expect(iptablesRemoveSteps(tool)).toEqual([
      {
        kind: "while",
        check: cmd("-C", "INPUT", "-j", "VOIP_CALLERID_BRIDGE"),
        command: cmd("-D", "INPUT", "-j", "VOIP_CALLERID_BRIDGE"),
      },
      {
        kind: "while",
        check: cmd("-C", "FORWARD", "-j", "VOIP_CALLERID_BRIDGE"),
        command: cmd("-D", "FORWARD", "-j", "VOIP_CALLERID_BRIDGE"),
      },
      { kind: "run", command: cmd("-F", "VOIP_CALLERID_BRIDGE"), alreadyDone: noChain },
      { kind: "run", command: cmd("-X", "VOIP_CALLERID_BRIDGE"), alreadyDone: noChain },
    ]);
    expect(iptablesProbe(tool)).toEqual(cmd("-L", "-n"));
    expect(iptablesCheckCommands(tool, target)).toEqual([
      cmd("-C", ...dropRule),
      cmd("-C", "INPUT", "-j", "VOIP_CALLERID_BRIDGE"),
      cmd("-C", "FORWARD", "-j", "VOIP_CALLERID_BRIDGE"),
    ]);
  });

  it("recognises both the legacy and the nf_tables wording of a missing chain", () => {
    const [, , flush] = iptablesRemoveSteps("iptables");
    const alreadyDone = flush?.kind === "run" ? flush.alreadyDone : undefined;
    expect(alreadyDone?.test("iptables: No chain/target/match by that name.")).toBe(true);
    expect(alreadyDone?.test("iptables v1.8.9 (nf_tables): Chain 'X' does not exist")).toBe(true);
    expect(alreadyDone?.test("iptables: Too many links.")).toBe(false);
  });
});

describe("validInterfaceName", () => {
  it.each([
    ["eth0", true],
    ["enp0s31f6", true],
    ["end0", true],
    ["eth0.100", true],
    ["br-lan", true],
    ["veth_x", true],
    [".hidden", true],
    ["a", true],
    ["abcdefghijklmno", true], // 15
    ["abcdefghijklmnop", false], // 16
    ["", false],
    [".", false],
    ["..", false],
    ["eth/0", false],
    ["eth 0", false],
    ["eth0\n", false],
    ["\teth0", false],
    ["eth0:1", false],
    ['eth0"', false],
    ["eth+", false],
    ["!eth0", false],
    ["-i", false],
    ["eth0;reboot", false],
    ["$(reboot)", false],
    ["ethé", false],
  ])("%j → %s", (name, valid) => {
    expect(validInterfaceName(name)).toBe(valid);
  });
});

describe("targets the builders refuse", () => {
  it("an odd interface name or a MAC that is not 6 bytes", () => {
    expect(targetProblem(target)).toBeNull();
    expect(targetProblem({ ...target, interfaceName: "eth 1" })).toMatch(/not a usable interface/);
    expect(targetProblem({ ...target, adapterMac: new Uint8Array(5) })).toMatch(/5 bytes, not 6/);
    expect(() => nftInstallScript({ ...target, interfaceName: 'x" ; flush ruleset' })).toThrow(
      RangeError,
    );
    expect(() => iptablesInstallSteps("iptables", { ...target, interfaceName: "eth+" })).toThrow(
      RangeError,
    );
  });
});

describe("MAC formatting and descriptions", () => {
  it("lower-case, zero-padded, colon-separated", () => {
    const mac = Uint8Array.from([0x00, 0x0a, 0xff, 0x01, 0xb0, 0x0c]);
    const text = nftInstallScript({ interfaceName: "eth1", adapterMac: mac });
    expect(text).toContain("ether saddr 00:0a:ff:01:b0:0c drop");
    const [, , append] = iptablesInstallSteps("iptables", {
      interfaceName: "eth1",
      adapterMac: mac,
    });
    expect(append?.kind === "run" && append.command.args).toContain("00:0a:ff:01:b0:0c");
  });

  it("say what was installed and what it drops", () => {
    expect(describeProtection("nftables", target)).toBe(
      "nftables table netdev voip_callerid_bridge (drops 00:90:f8:0a:bc:01 on eth1)",
    );
    expect(describeProtection("iptables", target, ["iptables", "ip6tables"])).toBe(
      "iptables and ip6tables chain VOIP_CALLERID_BRIDGE from INPUT and FORWARD (drops IPv4 and IPv6 from 00:90:f8:0a:bc:01 on eth1; not ARP)",
    );
    expect(describeProtection("iptables", target, ["iptables"])).toBe(
      "iptables chain VOIP_CALLERID_BRIDGE from INPUT and FORWARD (drops IPv4 from 00:90:f8:0a:bc:01 on eth1; not ARP)",
    );
  });
});
