/**
 * A number as a nuisance list writes it: a whole number in any written form (`+41 90 123 45
 * 67`, `0901 234 567`), or a prefix ending in `*` (`+41 90 1*`, `0906*`). Both are compared
 * in E.164, so `090 1*` and `+41901*` are the same prefix and `0906 123 456` is the number a
 * call delivers as `906123456`. A whole number takes normalizeNumber's key; a prefix has no
 * whole number to parse, so libphonenumber reads it as typed so far (AsYouType, the same
 * metadata): the trunk 0, the international 00 and a dropped 0 are read as in a whole number.
 */

import { AsYouType } from "libphonenumber-js/max";
import { type CountryCode, normalizeNumber } from "../caller/numbers.js";

export interface NumberPattern {
  /** normalizeNumber's key of a whole number; the E.164 start (`+41901`) of a prefix. */
  readonly key: string;
  readonly prefix: boolean;
}

export type PatternResult =
  | { readonly ok: true; readonly pattern: NumberPattern }
  | { readonly ok: false; readonly message: string };

/** A prefix of fewer digits would take in a whole region or country by mistake. */
const MIN_PREFIX_DIGITS = 3;

export function parseNumberPattern(written: string, country: CountryCode): PatternResult {
  const text = written.trim();
  if (!text.endsWith("*")) {
    const number = normalizeNumber(text, country);
    if (number.kind !== "number" || /[*#]/.test(number.key)) {
      return { ok: false, message: `"${text}" is not a phone number or a prefix ending in *` };
    }
    return { ok: true, pattern: { key: number.key, prefix: false } };
  }
  const body = text.slice(0, -1);
  if (/[^0-9+\s\-/().]/.test(body) || body.lastIndexOf("+") > 0) {
    return { ok: false, message: `"${text}" is not a prefix: only digits may come before the *` };
  }
  const digits = body.replace(/[^0-9+]/g, "");
  if (digits.replace("+", "").length < MIN_PREFIX_DIGITS) {
    return {
      ok: false,
      message: `"${text}" is too short a prefix: at least ${MIN_PREFIX_DIGITS} digits before the *`,
    };
  }
  return { ok: true, pattern: { key: prefixKey(digits, country), prefix: true } };
}

/**
 * The E.164 start of a prefix's digits (`0906` → `+41906`); the digits as written when
 * libphonenumber cannot place them. Also used on a call's number that is not a valid one
 * (a short number), so that it meets the prefixes written the same way.
 */
export function prefixKey(digits: string, country: CountryCode): string {
  const typed = new AsYouType(country);
  typed.input(digits);
  return typed.getNumberValue() ?? digits;
}
