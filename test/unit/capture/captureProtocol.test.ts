import { describe, expect, it } from "vitest";
import {
  asCaptureWorkerMessage,
  filterFor,
  filtersByLinkType,
  parseCaptureWorkerConfig,
} from "../../../src/capture/captureProtocol.js";
import { LINKTYPE } from "../../../src/core/capture/frame.js";

describe("the capture worker's configuration", () => {
  const filters = filtersByLinkType((linkType) => {
    if (linkType === LINKTYPE.LINUX_SLL) throw new Error("no destination addresses");
    return `filter for ${linkType}`;
  });

  it("answers for every link type the decoder knows, refusals included", () => {
    expect(filters).toHaveLength(Object.keys(LINKTYPE).length);
    expect(filterFor(filters, LINKTYPE.ETHERNET)).toBe("filter for 1");
    expect(() => filterFor(filters, LINKTYPE.LINUX_SLL)).toThrow("no destination addresses");
    expect(() => filterFor(filters, 127)).toThrow("no capture filter for link type 127");
  });

  it("travels as JSON and is checked on arrival", () => {
    const config = { interfaceName: "eth0", filters };
    expect(parseCaptureWorkerConfig(JSON.stringify(config))).toEqual(config);
    expect(parseCaptureWorkerConfig(undefined)).toMatch(/needs its configuration as JSON/);
    expect(parseCaptureWorkerConfig('{"interfaceName":"eth0"}')).toMatch(/incomplete/);
    expect(parseCaptureWorkerConfig('{"interfaceName":"eth0","filters":[{"linkType":1}]}')).toMatch(
      /incomplete/,
    );
  });
});

describe("messages from the capture worker", () => {
  const frame = { linkType: 1, data: new Uint8Array(60), timestampMs: 5.5, originalLength: 60 };

  it("accepts frames, ready and failed in their shapes", () => {
    for (const message of [
      { type: "frames", frames: [frame, frame], dropped: 0 },
      { type: "ready", linkType: 1, filter: "udp" },
      { type: "failed", failure: "retry", message: "That device is not up" },
    ]) {
      expect(asCaptureWorkerMessage(message)).toBe(message);
    }
  });

  it("drops anything else, never trusting it", () => {
    for (const value of [
      null,
      "frames",
      { type: "frames", frames: [{ ...frame, data: [1, 2] }], dropped: 0 },
      { type: "frames", frames: frame, dropped: 0 },
      { type: "frames", frames: [frame] },
      { type: "ready", filter: "udp" },
      { type: "failed", failure: "maybe", message: "x" },
      { type: "counters" },
    ]) {
      expect(asCaptureWorkerMessage(value)).toBeNull();
    }
  });
});
