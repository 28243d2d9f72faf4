/*
 * IP addresses as text, built only for datagrams that are actually returned (never on the
 * skip path).
 *
 *   IPv4 (RFC 791 §3.1):  | a:8 | b:8 | c:8 | d:8 |                       -> "a.b.c.d"
 *   IPv6 (RFC 8200 §3):   | g0:16 | g1:16 | ... | g7:16 |               -> RFC 5952 text
 *
 * RFC 5952 canonical form: lower-case hex (§4.3), leading zeros dropped (§4.1), the longest
 * run of two or more zero groups replaced by "::", the first such run on a tie (§4.2), and
 * IPv4-mapped addresses written with a dotted-quad tail (§5).
 */

/** Dotted-quad text of the 4 bytes at `offset`. The caller guarantees they were captured. */
export function ipv4Text(bytes: Uint8Array, offset: number): string {
  const a = byteAt(bytes, offset);
  const b = byteAt(bytes, offset + 1);
  const c = byteAt(bytes, offset + 2);
  const d = byteAt(bytes, offset + 3);
  return `${a}.${b}.${c}.${d}`;
}

/** RFC 5952 text of the 16 bytes at `offset`. The caller guarantees they were captured. */
export function ipv6Text(bytes: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((byteAt(bytes, offset + i) << 8) | byteAt(bytes, offset + i + 1));
  }

  if (isIpv4Mapped(groups)) return `::ffff:${ipv4Text(bytes, offset + 12)}`;

  const [runStart, runLength] = longestZeroRun(groups);
  // A single zero group is never shortened to "::" (RFC 5952 §4.2.2).
  if (runLength < 2) return groups.map(hex).join(":");

  const head = groups.slice(0, runStart).map(hex).join(":");
  const tail = groups
    .slice(runStart + runLength)
    .map(hex)
    .join(":");
  return `${head}::${tail}`;
}

function byteAt(bytes: Uint8Array, index: number): number {
  return bytes[index] ?? 0;
}

function hex(group: number): string {
  return group.toString(16);
}

function isIpv4Mapped(groups: readonly number[]): boolean {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return false;
  return groups[5] === 0xffff;
}

/** [start, length] of the first longest run of zero groups; length 0 when there is none. */
function longestZeroRun(groups: readonly number[]): [number, number] {
  let bestStart = 0;
  let bestLength = 0;
  let runStart = -1;
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === 0) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0 && i - runStart > bestLength) {
      bestStart = runStart;
      bestLength = i - runStart;
    }
    runStart = -1;
  }
  return [bestStart, bestLength];
}
