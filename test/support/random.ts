/**
 * mulberry32: a tiny, fast, seeded 32-bit PRNG (public domain, by Tommy Ettinger). Tests use it
 * so that "random" inputs are the same on every run and a failure can be replayed from its seed.
 * Returns a function yielding floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
