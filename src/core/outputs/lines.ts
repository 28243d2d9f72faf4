/**
 * The user's `lines` option: a label (and speakers) per telephone line. A line is named by its
 * endpoint, where `*` stands for any run of characters (`aaln/1@*` matches line 1 of any
 * gateway), or by one of the household's own numbers (SIP: the called number).
 */
import { isSameNumber } from "../caller/numbers.js";
import type { LineSettings } from "./callReport.js";

export interface LineOption {
  readonly id: string;
  readonly name: string;
  readonly media_players: readonly string[];
  readonly satellites?: readonly string[];
}

export function lineSettings(line: string, options: readonly LineOption[]): LineSettings {
  const match = options.find((option) => matches(option.id, line));
  return {
    name: match?.name || line,
    mediaPlayers: match?.media_players ?? [],
    satellites: match?.satellites ?? [],
  };
}

/** Whether the user named this line in the `lines` option (by endpoint pattern or number). */
export function isConfiguredLine(line: string, options: readonly LineOption[]): boolean {
  return options.some((option) => matches(option.id, line));
}

function matches(pattern: string, line: string): boolean {
  // A SIP line is the household's number (`sip:0441112233`): an option may name it in any
  // written form.
  if (line.startsWith("sip:") && /^\+?[\d\s/.-]+$/.test(pattern))
    return isSameNumber(pattern, line.slice(4));
  const escaped = pattern
    .toLowerCase()
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${escaped}$`).test(line.toLowerCase());
}

/** A name for entity ids and topics: `Home` → `home`, `aaln/1@mta-1.example` → `aaln_1_mta_1_example`. */
export function slug(text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return folded || "line";
}
