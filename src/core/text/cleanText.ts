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
