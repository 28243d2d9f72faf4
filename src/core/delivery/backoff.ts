/**
 * How long to wait before the next connection attempt: `initialMs` doubling per failure up to
 * `maxMs`, scaled by a random factor in [1 - jitter, 1 + jitter] (below 1/3 it keeps growing),
 * and never more than `urgentMaxMs` while something waits that is only worth saying soon
 * (a call ringing): Home Assistant coming back must not find us asleep for half a minute.
 */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: number;
  readonly urgentMaxMs: number;
}

/** `failures` so far (0 before the first retry); `random` in [0, 1). */
export function retryDelayMs(
  failures: number,
  settings: BackoffSettings,
  random: number,
  urgent: boolean,
): number {
  const base = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.min(failures, 20));
  const delay = Math.round(base * (1 - settings.jitter + 2 * settings.jitter * random));
  return urgent ? Math.min(delay, settings.urgentMaxMs) : delay;
}
