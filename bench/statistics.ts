/** What the benchmark scripts share: timing a call, and order statistics of samples. */

export function timed<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** The p-quantile (0..1) of the samples, by the nearest-rank rule; they need not be sorted. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 0.5);
