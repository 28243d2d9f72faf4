import { describe, expect, it } from "vitest";
import {
  disableArguments,
  parseOffloads,
  restoreArguments,
} from "../../../src/core/bridge/offloads.js";

/** `ethtool -k` of an Intel NIC (igb), shortened; the feature names are ethtool 6.1's. */
const IGB = `Features for eth0:
rx-checksumming: on
tx-checksumming: on
	tx-checksum-ipv4: off [fixed]
scatter-gather: on
tcp-segmentation-offload: on
	tx-tcp-segmentation: on
	tx-tcp6-segmentation: on
generic-segmentation-offload: on
generic-receive-offload: on
large-receive-offload: off [fixed]
rx-vlan-offload: on
rx-gro-hw: off [fixed]
rx-udp-gro-forwarding: off
`;

describe("NIC offloads", () => {
  it("reads the offloads that merge or split frames, and whether they can change", () => {
    expect(Object.fromEntries(parseOffloads(IGB))).toEqual({
      tso: "on",
      gso: "on",
      gro: "on",
      lro: "fixed",
      "rx-gro-hw": "fixed",
    });
  });

  it("turns off what is on, and later back on exactly that", () => {
    const features = parseOffloads(IGB);
    expect(disableArguments(features)).toEqual(["tso", "off", "gso", "off", "gro", "off"]);
    expect(restoreArguments(features)).toEqual(["tso", "on", "gso", "on", "gro", "on"]);
  });

  it("has nothing to do where everything is off already, or ethtool says nothing it knows", () => {
    const off = parseOffloads("generic-receive-offload: off\ntcp-segmentation-offload: off\n");
    expect(disableArguments(off)).toEqual([]);
    expect(restoreArguments(off)).toEqual([]);
    expect(parseOffloads("no such device\n").size).toBe(0);
  });
});
