import { describe, expect, it } from "vitest";
import { ipv4Text, ipv6Text } from "../../../src/core/packet/ipAddress.js";
import { parseIpAddress } from "../../support/frameBuilder.js";

function v6(text: string): string {
  return ipv6Text(parseIpAddress(text), 0);
}

describe("ipv4Text", () => {
  it("writes a dotted quad at any offset", () => {
    expect(ipv4Text(Uint8Array.of(9, 192, 168, 0, 255), 1)).toBe("192.168.0.255");
    expect(ipv4Text(new Uint8Array(4), 0)).toBe("0.0.0.0");
  });
});

describe("ipv6Text (RFC 5952)", () => {
  it.each([
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"], // §4.1 leading zeros, §4.2.1
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // §4.2.3 first of equal runs
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // §4.2.3 longest run
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // §4.2.2 one zero group stays
    ["2001:DB8::ABCD", "2001:db8::abcd"], // §4.3 lower case
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["fe80::1:2", "fe80::1:2"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"], // §5 IPv4-mapped
    ["::ffff:0:1", "::ffff:0.0.0.1"],
  ])("%s -> %s", (input, expected) => {
    expect(v6(input)).toBe(expected);
  });

  it("reads at an offset", () => {
    const bytes = new Uint8Array(20);
    bytes.set(parseIpAddress("2001:db8::7"), 4);
    expect(ipv6Text(bytes, 4)).toBe("2001:db8::7");
  });
});
