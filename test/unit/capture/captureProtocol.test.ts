import { describe, expect, it } from "vitest";
import { filtersByLinkType } from "../../../src/capture/captureProtocol.js";
import { LINKTYPE } from "../../../src/core/capture/frame.js";

describe("the capture's filter table", () => {
  const filters = filtersByLinkType((linkType) => {
    if (linkType === LINKTYPE.LINUX_SLL) throw new Error("no destination addresses");
    return `filter for ${linkType}`;
  });

  it("answers for every link type the decoder knows, refusals included", () => {
    expect(filters).toHaveLength(Object.keys(LINKTYPE).length);
    expect(filters).toContainEqual({ linkType: LINKTYPE.ETHERNET, filter: "filter for 1" });
    expect(filters).toContainEqual({
      linkType: LINKTYPE.LINUX_SLL,
      problem: "no destination addresses",
    });
  });
});
