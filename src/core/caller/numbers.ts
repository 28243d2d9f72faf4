/**
 * A caller's number in the forms the household meets it: one key to look it up by, the way it
 * is written at home, and the way it is said. The network delivers numbers in any form — `+41
 * 44 123 45 67`, `0041441234567`, `044 123 45 67`, `41441234567`, or `441234567` with the trunk
 * 0 dropped — and a phonebook holds them in others; all of these become the E.164 key
 * `+41441234567` for the configured country, through libphonenumber-js (Google's metadata).
 *
 * What is not a valid number (short numbers such as 117 or 1818, codes with * or #) keeps its
 * digits as received — a key without "+", so it never collides with an E.164 one — instead
 * of being forced into a shape it does not have. Foreign numbers keep their own country.
 */
import {
  type CountryCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";

export type { CountryCode };

export type CallerNumber =
  | { readonly kind: "anonymous" } // withheld by the caller (MGCP "P", SIP Privacy: id)
  | { readonly kind: "unavailable" } // the network could not deliver it (MGCP "O")
  | { readonly kind: "none" } // nothing was delivered at all
  | {
      readonly kind: "number";
      /** E.164 when the number is valid, else the digits as received. */
      readonly key: string;
      readonly e164: string | null;
      /** National format for numbers of the configured country (`044 123 45 67`), else international. */
      readonly display: string;
      /** Digits one by one, in the display's groups: `0 4 4, 1 2 3, 4 5, 6 7`. */
      readonly spoken: string;
      /** A valid number of the configured country: the only kind that may be looked up online. */
      readonly domestic: boolean;
    };

export interface NumberFlags {
  readonly anonymous?: boolean;
  readonly unavailable?: boolean;
}

/** Longest digit string taken from the network; anything longer is not a telephone number. */
const MAX_DIGITS = 32;

export function normalizeNumber(
  raw: string | null,
  country: CountryCode,
  flags: NumberFlags = {},
): CallerNumber {
  if (flags.anonymous) return { kind: "anonymous" };
  if (flags.unavailable) return { kind: "unavailable" };
  const digits = (raw ?? "").replace(/[^0-9+*#]/g, "").slice(0, MAX_DIGITS);
  if (!/[0-9*#]/.test(digits)) return { kind: "none" };

  const parsed = /[*#]/.test(digits) ? undefined : parsePhoneNumberFromString(digits, country);
  if (parsed?.isValid()) {
    const domestic = parsed.country === country;
    const display = domestic ? parsed.formatNational() : parsed.formatInternational();
    return {
      kind: "number",
      key: parsed.number,
      e164: parsed.number,
      display,
      spoken: spokenDigits(display),
      domestic,
    };
  }
  return {
    kind: "number",
    key: digits,
    e164: null,
    display: digits,
    spoken: spokenDigits(digits),
    domestic: false,
  };
}

/**
 * Says a number digit by digit, pausing between the groups it is written in, so that text to
 * speech does not read "441234567" as four hundred and forty-one million.
 */
export function spokenDigits(display: string): string {
  return display
    .split(/[\s\-/().]+/)
    .filter((group) => group !== "")
    .map((group) => Array.from(group).join(" "))
    .join(", ");
}

/** Whether a text names a country libphonenumber has numbering plans for, e.g. "CH". */
export function isCountryCode(text: string): text is CountryCode {
  return isSupportedCountry(text);
}

/**
 * Whether two written numbers are the same line without knowing their country: the last nine
 * digits (the national significant number of Swiss and most European plans) must agree, so
 * "+41 44 111 22 33", "0041441112233" and "044 111 22 33" match. Both need six digits or more.
 */
export function isSameNumber(a: string, b: string): boolean {
  const digitsA = a.replace(/\D/g, "");
  const digitsB = b.replace(/\D/g, "");
  return digitsA.length >= 6 && digitsB.length >= 6 && digitsA.slice(-9) === digitsB.slice(-9);
}
