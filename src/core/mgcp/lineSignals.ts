/**
 * What a signal list (S:) or an observed event (O:) means for a telephone line, in the terms of
 * the Line package (RFC 3660 §2.3; facts file §5). Items may come with or without their package
 * prefix (`L/rg`, `rg`); ringback is sometimes put in the G package (`G/rt`).
 *
 *   rg, r0..r7    ringing (distinctive)            TO, default 180 s; `rg(to=30000)` sets it
 *   wt, wt1..wt4  call-waiting tone                second caller while off-hook
 *   ci(…)         caller id                         see callerId.ts
 *   rt            ringback toward the caller        the far end is alerting
 *   D/0..9 * # A..D, NCS `L/5` or bare `5`         a dialled digit
 */
import { type CallerId, parseCallerId } from "./callerId.js";
import type { MgcpEventItem } from "./eventList.js";

export interface LineSignals {
  readonly ring: boolean;
  readonly callWaiting: boolean;
  /** The caller id carried by a `ci` signal, or null when the list has none. */
  readonly callerId: CallerId | null;
  readonly ringback: boolean;
  /** The ring's own time-out in ms (`rg(to=…)`), when the call agent set one. */
  readonly ringTimeoutMs: number | null;
}

const RING = /^(rg|r[0-7])$/;
const CALL_WAITING = /^wt[1-4]?$/;
const DIGIT = /^[0-9*#a-d]$/;
const TIMEOUT_PARAMETER = /(?:^|,)\s*to\s*=\s*(\d+)/i;

export function readLineSignals(items: readonly MgcpEventItem[]): LineSignals {
  const ring = items.find((s) => RING.test(s.name) && isLinePackage(s));
  const ci = items.find((s) => s.name === "ci" && isLinePackage(s));
  const timeout = ring?.args ? TIMEOUT_PARAMETER.exec(ring.args) : null;
  const timeoutMs = timeout ? Number(timeout[1]) : 0;
  return {
    ring: ring !== undefined,
    callWaiting: items.some((s) => CALL_WAITING.test(s.name) && isLinePackage(s)),
    callerId: ci ? parseCallerId(ci.args ?? "") : null,
    ringback: items.some((s) => s.name === "rt"),
    ringTimeoutMs: timeoutMs > 0 ? timeoutMs : null,
  };
}

/** The digit an observed event reports (`D/5`, NCS `L/5` or `5`), or null. */
export function dialledDigit(item: MgcpEventItem): string | null {
  const inDigitPackage = item.pkg === null || item.pkg === "d" || item.pkg === "l";
  return inDigitPackage && DIGIT.test(item.name) ? item.name : null;
}

function isLinePackage(item: MgcpEventItem): boolean {
  return item.pkg === null || item.pkg === "l";
}
