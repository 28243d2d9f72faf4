/**
 * Every output the daemon knows, in the order they are started (and handed each call); the
 * call log is not among them: the app writes it before any output hears of a call.
 */
import { announcer } from "./announcer.js";
import { consoleOutput } from "./console.js";
import { homeAssistantEvents } from "./homeAssistantEvents.js";
import { mqttEntities } from "./mqtt.js";
import type { OutputDefinition } from "./output.js";
import { panelOutput } from "./panel.js";

export const OUTPUTS: readonly OutputDefinition[] = [
  homeAssistantEvents,
  announcer,
  mqttEntities,
  panelOutput,
  // Last: it asks which outputs run, to know whether it is the only one.
  consoleOutput,
];
