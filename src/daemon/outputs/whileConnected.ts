/**
 * A replay's pace (an output's settle): what was sent to Home Assistant is confirmed, or Home
 * Assistant is away. While it is away its deliveries wait in the connection's queue and the
 * replay plays on: a replay must not stall on a Home Assistant that is not there.
 */
import type { HomeAssistantOutput } from "../../io/homeAssistant.js";

export function whileConnected(
  ha: Pick<HomeAssistantOutput, "connected" | "onStatus">,
  confirmed: () => Promise<void>,
): Promise<void> {
  if (!ha.connected) return Promise.resolve();
  let unsubscribe = () => {};
  const away = new Promise<void>((resolve) => {
    unsubscribe = ha.onStatus((status) => {
      if (status !== "connected") resolve();
    });
  });
  return Promise.race([confirmed(), away]).finally(() => unsubscribe());
}
