/**
 * Home Assistant's `voip_callerid_call` event for every call event, and a logbook entry when a
 * call ends, through the shared websocket connection. The connection keeps them in order
 * and delivers them once Home Assistant is there; this output only waits for them at idle.
 */
import { callEventId } from "../../core/delivery/eventId.js";
import { callEventData } from "../../core/outputs/callReport.js";
import { logbookServiceCall } from "../../core/outputs/homeAssistantCalls.js";
import type { OutputDefinition } from "./output.js";
import { whileConnected } from "./whileConnected.js";

/** A logbook entry is still worth writing an hour late (Home Assistant was restarting). */
const LOGBOOK_WITHIN_MS = 3_600_000;

async function delivered(deliveries: Set<Promise<unknown>>): Promise<void> {
  while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
}

export const homeAssistantEvents: OutputDefinition = {
  name: "home assistant",
  logName: "homeassistant",
  // The connection says why it is off, for this output and the announcer at once.
  enabled: ({ homeAssistant }) => (homeAssistant ? true : ""),
  create({ homeAssistant, clock, options }) {
    if (!homeAssistant) return { off: "" };
    const ha = homeAssistant;
    const deliveries = new Set<Promise<unknown>>();
    const track = (promise: Promise<unknown>) => {
      deliveries.add(promise);
      void promise.finally(() => deliveries.delete(promise));
    };
    return {
      name: "home assistant",
      handleCall(report) {
        const data = { ...callEventData(report), event_id: callEventId(report.event) };
        track(ha.fireEvent("voip_callerid_call", data));
        const logbook = logbookServiceCall(report, options.announce.language);
        if (logbook) track(ha.callService(logbook, { notAfter: clock.now() + LOGBOOK_WITHIN_MS }));
      },
      ready: () =>
        new Promise<void>((resolve) => {
          if (ha.connected) return resolve();
          const unsubscribe = ha.onStatus((status) => {
            if (status !== "connected") return;
            unsubscribe();
            resolve();
          });
        }),
      settle: () => whileConnected(ha, () => delivered(deliveries)),
      idle: () => delivered(deliveries),
    };
  },
};
