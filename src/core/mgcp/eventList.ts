/**
 * Event and signal lists: the values of S: (SignalRequests), R: (RequestedEvents) and
 * O: (ObservedEvents). RFC 3435 §3.2.2.4, §3.2.2.6; facts file §3.
 *
 *   list = item *( "," [WSP] item )
 *   item = [ package "/" ] name [ "@" connection ] [ "(" parameters ")" ]
 *
 *   S: L/rg,L/ci(10/14/17/26,"555 1212",somebody)
 *   R: L/hd(A, E(S(L/dl),R(L/oc,L/hu,D/[0-9#*T](D))))
 *   O: L/hd,D/9,D/1         O: 1,0,0,1  (NCS, no package)
 *
 * Items are split on commas at nesting depth 0 — counting (), [] — and never inside a quoted
 * string, where `""` stands for one quote and commas are data (caller names).
 */

export interface MgcpEventItem {
  /** Lower-cased package name, or null when the item has none (the endpoint's default). */
  readonly pkg: string | null;
  /** Lower-cased event or signal name, e.g. `rg`, `ci`, `hd`, `5`. */
  readonly name: string;
  /** Connection the item is scoped to (`@0A3F58`, `$`, `*`), or null. */
  readonly connection: string | null;
  /** Raw text inside the item's outermost parentheses, or null when it has none. */
  readonly args: string | null;
}

/** Splits on commas outside quotes and outside (), [] nesting. Never throws. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // `""` inside a quoted string is an escaped quote: toggling twice keeps us inside.
      inQuotes = !inQuotes;
    } else if (inQuotes) {
    } else if (c === 0x28 /* ( */ || c === 0x5b /* [ */) {
      depth++;
    } else if ((c === 0x29 /* ) */ || c === 0x5d) /* ] */ && depth > 0) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function parseEventList(value: string): MgcpEventItem[] {
  const items: MgcpEventItem[] = [];
  for (const raw of splitTopLevel(value)) {
    const item = parseItem(raw.trim());
    if (item) items.push(item);
  }
  return items;
}

function parseItem(text: string): MgcpEventItem | null {
  if (text === "") return null;
  const open = findOpenParenthesis(text);
  const head = open === -1 ? text : text.slice(0, open);
  const args = open === -1 ? null : argsInside(text, open);

  const at = head.indexOf("@");
  const qualified = (at === -1 ? head : head.slice(0, at)).trim();
  const connection = at === -1 ? null : head.slice(at + 1).trim();
  const slash = qualified.indexOf("/");
  const pkg = slash === -1 ? null : qualified.slice(0, slash).toLowerCase();
  const name = (slash === -1 ? qualified : qualified.slice(slash + 1)).toLowerCase();
  if (name === "") return null;
  return { pkg, name, connection, args };
}

/** The first "(" that is not part of a digit-map range such as `[0-9#*T](D)`. */
function findOpenParenthesis(text: string): number {
  let brackets = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") brackets++;
    else if (c === "]" && brackets > 0) brackets--;
    else if (c === "(" && brackets === 0) return i;
    else if (c === '"') return -1;
  }
  return -1;
}

/** Text between the "(" at `open` and its matching ")"; the rest of the item if unbalanced. */
function argsInside(text: string, open: number): string {
  let depth = 0;
  let inQuotes = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}
