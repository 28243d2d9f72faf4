/*
 * Big-endian ("network byte order", RFC 791 Appendix B) reads from captured bytes.
 *
 *   u16 at i:  | bytes[i]:8 | bytes[i+1]:8 |
 *   u32 at i:  | bytes[i]:8 | bytes[i+1]:8 | bytes[i+2]:8 | bytes[i+3]:8 |
 *
 * Callers check bounds first; the `?? 0` only satisfies noUncheckedIndexedAccess (V8 folds it
 * away for in-bounds loads) and keeps an out-of-range read harmless instead of NaN.
 */

export function u8(bytes: Uint8Array, index: number): number {
  return bytes[index] ?? 0;
}

export function u16(bytes: Uint8Array, index: number): number {
  return ((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0);
}

export function u32(bytes: Uint8Array, index: number): number {
  return (
    (((bytes[index] ?? 0) << 24) |
      ((bytes[index + 1] ?? 0) << 16) |
      ((bytes[index + 2] ?? 0) << 8) |
      (bytes[index + 3] ?? 0)) >>>
    0
  );
}
