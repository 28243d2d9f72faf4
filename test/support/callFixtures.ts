/**
 * The call events and callers the output tests describe, with one set of defaults: an incoming
 * call from Hans Muster (044 123 45 67) on line 1. Each test overrides only what it is about.
 */
import type { CallerResolution } from "../../src/core/caller/resolveCaller.js";
import type { CallEvent, CallEventType } from "../../src/core/calls/callEvent.js";
import type { SipParty } from "../../src/core/sip/identity.js";

/** 044 123 45 67 as the number normaliser gives it (test/unit/caller/numbers.test.ts). */
export const HANS_NUMBER: CallerResolution["number"] = Object.freeze({
  kind: "number",
  key: "+41441234567",
  e164: "+41441234567",
  display: "044 123 45 67",
  spoken: "0 4 4, 1 2 3, 4 5, 6 7",
  domestic: true,
});

/** Hans Muster from the phonebook; `fields` replace any of it. */
export function hansMuster(fields: Partial<CallerResolution> = {}): CallerResolution {
  return {
    number: HANS_NUMBER,
    name: "Hans Muster",
    source: "phonebook",
    occupation: null,
    city: null,
    canton: null,
    directoryEntries: 0,
    kind: "known",
    announcement: "Anruf von Hans Muster",
    lookup: "not-needed",
    ...fields,
  };
}

/** An event of an incoming call from 0441234567 on aaln/1@gw, at 2023-11-14T22:13:20Z. */
export function callEvent(
  type: CallEventType,
  callId: string,
  fields: Partial<CallEvent> = {},
): CallEvent {
  const at = fields.at ?? 1_700_000_000_000;
  return {
    type,
    callId,
    line: "aaln/1@gw",
    direction: "incoming",
    number: "0441234567",
    name: null,
    anonymous: false,
    unavailable: false,
    waiting: false,
    networkTime: null,
    at,
    startedAt: at,
    answeredAt: null,
    endedAt: null,
    reason: null,
    ...fields,
  };
}

/** A SIP caller as identity.ts reads it: nobody in particular, from the From header. */
export function sipParty(fields: Partial<SipParty>): SipParty {
  return {
    number: null,
    user: null,
    name: null,
    anonymous: false,
    unavailable: false,
    source: "from",
    ...fields,
  };
}
