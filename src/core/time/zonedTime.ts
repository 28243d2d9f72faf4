/**
 * Wall-clock readings of an instant in a named IANA time zone ("Europe/Zurich", "UTC"). The
 * zone is a value the caller passes in (the composition root reads the process's zone once),
 * so that the core never depends on the TZ of whatever process runs it.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function partsIn(at: number, timeZone: string): Record<string, number> {
  // The zone the process runs in (TZ, which the Supervisor sets): Date's local fields are its
  // wall clock, read without ICU's formatting data, which Intl.DateTimeFormat pages in (8 MB
  // resident). Same readings either way; any other zone goes through Intl.
  if (timeZone === processZone()) {
    const date = new Date(at);
    return {
      year: date.getFullYear(),
      month: date.getMonth() + 1,
      day: date.getDate(),
      hour: date.getHours(),
      minute: date.getMinutes(),
    };
  }
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(at))
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  return parts;
}

/** Minutes past local midnight in `timeZone`, 0–1439. */
export function localMinutesOfDay(at: number, timeZone: string): number {
  const { hour = 0, minute = 0 } = partsIn(at, timeZone);
  return (hour % 24) * 60 + minute;
}

/** The calendar month of an instant in `timeZone`, as YYYY-MM. */
export function monthOf(at: number, timeZone: string): string {
  const { year = 0, month = 0 } = partsIn(at, timeZone);
  return `${year}-${String(month).padStart(2, "0")}`;
}

/** TZ when it names an IANA zone ("Europe/Zurich", "UTC"); a POSIX rule or a path is not one. */
export function processZone(): string | undefined {
  const tz = typeof process === "undefined" ? undefined : process.env.TZ;
  return tz !== undefined && IANA_ZONE.test(tz) ? tz : undefined;
}

const IANA_ZONE = /^(?:UTC|[A-Z][A-Za-z_]*(?:\/[A-Za-z0-9_+-]+)+)$/;
