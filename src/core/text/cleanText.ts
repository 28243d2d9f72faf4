/**
 * Text from the network — caller names from MGCP or SIP, directory answers — is data: before
 * it is logged, published or spoken, control and format characters (NUL, ESC, bidi overrides),
 * lone surrogates (a name cut in the middle of a pair) and markup (tags and stray angle
 * brackets) go, white space is folded and the length is capped (at a character
 * boundary, not inside a surrogate pair), so that nothing downstream gets surprises.
 */
export function cleanText(text: string, maxLength: number): string {
  const folded = text
    .replace(/<[^<>]*>/g, " ")
    .replace(/[\p{Cc}\p{Cf}\p{Cs}<>]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return Array.from(folded).slice(0, maxLength).join("").trim();
}

/** Longest line id kept: endpoint names (`aaln/1@gw.example`) and SIP users are far shorter. */
const MAX_LINE_ID_LENGTH = 128;
/** Printable ASCII but `<` and `>`, within the cap: what cleanText would return unchanged. */
const PLAIN_LINE_ID = new RegExp(`^[!-;=?-~]{1,${MAX_LINE_ID_LENGTH}}$`);

/**
 * A line's id from the network (an MGCP endpoint name, the user of a SIP To / Request-URI),
 * lower-cased and cleaned like a caller name: it names devices, topics and log entries. Plain
 * printable ASCII without angle brackets, the usual case, takes the fast way.
 */
export function cleanLineId(text: string): string {
  const lower = text.toLowerCase();
  return PLAIN_LINE_ID.test(lower) ? lower : cleanText(lower, MAX_LINE_ID_LENGTH);
}
