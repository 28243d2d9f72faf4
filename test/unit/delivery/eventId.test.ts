import { describe, expect, it } from "vitest";
import { callEventId } from "../../../src/core/delivery/eventId.js";

describe("event_id", () => {
  it("is the same for the same event of a call, and differs by type, call and start", () => {
    const ringing = { callId: "c1", type: "ringing", startedAt: 1_773_511_200_000 };
    expect(callEventId(ringing)).toBe("c1-ringing-1773511200000");
    expect(callEventId({ ...ringing })).toBe(callEventId(ringing));
    const others = [
      { ...ringing, type: "missed" },
      { ...ringing, callId: "c2" },
      // c1 again after a restart
      { ...ringing, startedAt: ringing.startedAt + 86_400_000 },
    ];
    expect(new Set([ringing, ...others].map(callEventId)).size).toBe(4);
  });
});
