/**
 * The caller-id signal of the Line package: `ci(time, number, name)` — RFC 3660 §2.3 (signal
 * `ci`, type BR), facts file §4. Shapes seen from real implementations (§4.2):
 *
 *   L/ci(10/14/17/26,5551234567,John Doe)        Asterisk: unquoted, no spaces
 *   L/ci(10/14/17/26,,)                          Asterisk: nothing known
 *   ci(02/16/08/29, "3035550002","Ale Sipura 2") Sipura/Linksys ATA: no package, quoted
 *   ci(01/01/01/01,O,O)                          PacketCable test set: unavailable
 *   ci(10/14/17/26, "555 1212", somebody)        RFC example: spaces inside quotes ignored
 *
 *   time   = MM/DD/HH/MM, local time of the call agent, no year and no zone
 *   number = digits (at most 32 kept); "P" = private (withheld), "O" = out of area   GR-30-CORE
 *   name   = text; the same "P" and "O"; an unquoted name may itself contain commas
 */
import { cleanText } from "../text/cleanText.js";
import { splitTopLevel } from "./eventList.js";

export interface CallerIdTime {
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

export interface CallerId {
  /** Digits (and + * #) as received, or null when absent, withheld or unavailable. */
  readonly number: string | null;
  /** The network-supplied name, cleaned; null when absent, withheld or unavailable. */
  readonly name: string | null;
  /** The caller withheld the number ("P"). */
  readonly anonymous: boolean;
  /** The network could not deliver the number ("O"). */
  readonly unavailable: boolean;
  /** The time field as received, or null when empty. */
  readonly timeText: string | null;
  /** The time field when it is a valid MM/DD/HH/MM, else null. */
  readonly time: CallerIdTime | null;
}

/** Longest name kept; Bellcore caller-id names have at most 15 characters, so this is generous. */
const MAX_NAME_LENGTH = 64;
/** Longer digit strings are not telephone numbers (the same cap as caller/numbers.ts). */
const MAX_DIGITS = 32;
const TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{1,2})\/(\d{1,2})$/;

/** Parses the text inside `ci( … )`. Never throws; missing fields are simply absent. */
export function parseCallerId(args: string): CallerId {
  const fields = splitTopLevel(args);
  const timeField = unquote(fields[0] ?? "");
  const numberField = unquote(fields[1] ?? "");
  // An unquoted name with commas arrives as several fields: they all belong to the name.
  const nameField = unquote(fields.slice(2).join(","));

  const numberMark = presentationMark(numberField);
  const nameMark = presentationMark(nameField);
  const digits = numberMark ? "" : numberField.replace(/[^0-9+*#]/g, "");
  // Thousands of digits are no telephone number: dropped, as the odd field, not cut to a wrong one.
  const number = digits === "" || digits.length > MAX_DIGITS ? null : digits;
  const anonymous = numberMark === "P" || (number === null && nameMark === "P");
  const unavailable = !anonymous && (numberMark === "O" || (number === null && nameMark === "O"));
  const cleanName = nameMark ? "" : cleanText(nameField, MAX_NAME_LENGTH);

  return {
    number,
    name: cleanName === "" ? null : cleanName,
    anonymous,
    unavailable,
    timeText: timeField === "" ? null : timeField,
    time: parseTime(timeField),
  };
}

/**
 * The caller-id time with its year taken from the packet's (UTC) date: a December caller id in
 * a January packet belongs to the year before, a January one in a December packet to the next.
 * Returns local wall-clock text `YYYY-MM-DDTHH:MM`, since the field carries no zone.
 */
export function callerIdDateTime(time: CallerIdTime, packetTimeMs: number): string {
  const packetDate = new Date(packetTimeMs);
  let year = packetDate.getUTCFullYear();
  const packetMonth = packetDate.getUTCMonth() + 1;
  if (time.month === 12 && packetMonth === 1) year--;
  else if (time.month === 1 && packetMonth === 12) year++;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${year}-${two(time.month)}-${two(time.day)}T${two(time.hour)}:${two(time.minute)}`;
}

function parseTime(text: string): CallerIdTime | null {
  const match = TIME.exec(text);
  if (!match) return null;
  const [month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number];
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59;
  return valid ? { month, day, hour, minute } : null;
}

function presentationMark(field: string): "P" | "O" | null {
  const upper = field.toUpperCase();
  return upper === "P" || upper === "O" ? upper : null;
}

/** Trims, and removes one level of double quotes, turning `""` back into `"`. */
function unquote(field: string): string {
  const trimmed = field.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    return trimmed.slice(1, -1).replaceAll('""', '"').trim();
  }
  return trimmed;
}
