/**
 * Endpoint names, RFC 3435 §2.1.1–§2.1.2: `local-name@domain`, the local name a `/`-separated
 * path such as `aaln/1` or `AALN/S2/1`. Local names are case-insensitive and real gateways mix
 * `aaln/` and `AALN/`, so calls are keyed by the lower-cased name. Wildcards: `*` (all of) and
 * `$` (any of), e.g. `*@vg224` in an RSIP that restarts every line of the gateway.
 * The name is network text: its key is cleaned (control characters, markup) and capped, since
 * it names the line in events, devices and topics.
 */
import { cleanLineId } from "../text/cleanText.js";

export function lineKey(endpoint: string): string {
  return cleanLineId(endpoint);
}

export function isWildcard(endpoint: string): boolean {
  const at = endpoint.lastIndexOf("@");
  const local = at === -1 ? endpoint : endpoint.slice(0, at);
  return local.includes("*") || local.includes("$");
}

/** Whether a (possibly wildcarded) endpoint name covers a concrete line key. */
export function endpointCovers(pattern: string, line: string): boolean {
  const patternKey = lineKey(pattern);
  const [patternLocal, patternDomain] = splitDomain(patternKey);
  const [lineLocal, lineDomain] = splitDomain(line);
  if (patternDomain !== lineDomain) return false;
  const want = patternLocal.split("/");
  const have = lineLocal.split("/");
  for (let i = 0; i < want.length; i++) {
    const term = want[i];
    // A trailing "*" covers every remaining term of the path.
    if (term === "*" && i === want.length - 1) return have.length >= want.length;
    if (i >= have.length) return false;
    if (term !== "*" && term !== "$" && term !== have[i]) return false;
  }
  return have.length === want.length;
}

function splitDomain(endpoint: string): [string, string] {
  const at = endpoint.lastIndexOf("@");
  return at === -1 ? [endpoint, ""] : [endpoint.slice(0, at), endpoint.slice(at + 1)];
}
