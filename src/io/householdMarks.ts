/**
 * The household's own nuisance and allow marks, kept in `<data_dir>/nuisance-marks.json`
 * (so they are in the add-on's backup), behind the HouseholdMarks interface the panel and the
 * command line use. Two processes write the file — the daemon (the panel) and
 * `voip-callerid nuisance add` — so each access looks at the file's identity (inode, size,
 * mtime) first and reads it again when it changed: a mark made on the command line applies to
 * the daemon's next call. Writes are atomic (a temporary file renamed over the old one).
 *
 * A bad file is not lost: it is renamed aside (`nuisance-marks.json.bad-<time>`), said once,
 * and the marks that could be read are written back, so the household keeps what it had.
 */
import { renameSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CountryCode } from "../core/caller/numbers.js";
import {
  type MarkPattern,
  makeMark,
  markList,
  markNumber,
  marksFileValue,
  readMarks,
} from "../core/nuisance/householdList.js";
import type { HouseholdMark, HouseholdMarks, MarkResult } from "../core/nuisance/marks.js";
import type { NumberList } from "../core/nuisance/numberList.js";
import { parseNumberPattern } from "../core/nuisance/numberPattern.js";
import { readJsonFile, writeJsonFileAtomic } from "./jsonFile.js";

export const MARKS_FILE = "nuisance-marks.json";

export interface HouseholdMarksStore extends HouseholdMarks {
  /** The marks as a list to match callers against (read again when the file changed). */
  matcher(): NumberList<MarkPattern>;
}

export interface HouseholdMarksSettings {
  /** data_dir, or its fallback outside the Supervisor. */
  readonly folder: string;
  readonly country: CountryCode;
  readonly now: () => number;
  /** A problem with the file, said once per change of it (never with numbers). */
  readonly warn: (message: string) => void;
}

export function openHouseholdMarks(settings: HouseholdMarksSettings): HouseholdMarksStore {
  const { country, now, warn } = settings;
  const path = join(settings.folder, MARKS_FILE);
  let marks: HouseholdMark[] = [];
  let matcher: NumberList<MarkPattern> | null = null;
  /** The identity of the file last read or written; null before the first look. */
  let seen: string | null = null;
  /** Why the file cannot be read now (no permission): it is then never written over. */
  let unreadable: string | null = null;

  const identity = (): string => {
    try {
      const info = statSync(path);
      return `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch {
      return "missing";
    }
  };

  const save = (next: HouseholdMark[]): string | null => {
    try {
      writeJsonFileAtomic(path, marksFileValue(next));
    } catch (error) {
      return `cannot save ${path}: ${(error as Error).message}`;
    }
    marks = next;
    matcher = null;
    seen = identity();
    return null;
  };

  const setAside = (reason: string, kept: HouseholdMark[]) => {
    const aside = `${path}.bad-${new Date(now()).toISOString().replace(/[:.]/g, "-")}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      warn(`${reason}; cannot set it aside (${(error as Error).message})`);
      return;
    }
    const failed = save(kept);
    warn(
      `${reason}; kept as ${aside}, going on with the ${kept.length} marks that could be read` +
        (failed ? ` (${failed})` : ""),
    );
  };

  const refresh = () => {
    const current = identity();
    if (current === seen) return;
    seen = current;
    matcher = null;
    marks = [];
    unreadable = null;
    if (current === "missing") return;
    const read = readJsonFile(path);
    if (!read.ok) {
      if (read.reason === "invalid") {
        setAside(read.message, []);
        return;
      }
      unreadable = read.message;
      warn(`${read.message}; no household marks until it can be read`);
      return;
    }
    const parsed = readMarks(read.value);
    if (parsed.problems.length > 0) {
      setAside(`${path}: ${parsed.problems.slice(0, 3).join("; ")}`, parsed.marks);
      return;
    }
    marks = parsed.marks;
  };

  const keyOf = (number: string): string | null => {
    const parsed = parseNumberPattern(number, country);
    return parsed.ok ? markNumber(parsed.pattern) : null;
  };

  return {
    list() {
      refresh();
      return marks;
    },
    matcher() {
      refresh();
      matcher ??= markList(marks);
      return matcher;
    },
    mark(input): MarkResult {
      refresh();
      if (unreadable !== null) return { ok: false, message: `${unreadable}; nothing changed` };
      const made = makeMark(input, country, new Date(now()).toISOString());
      if (!made.ok) return made;
      const next = [...marks.filter((m) => m.number !== made.mark.number), made.mark];
      const failed = save(next);
      return failed === null ? made : { ok: false, message: failed };
    },
    unmark(number) {
      refresh();
      if (unreadable !== null) return false;
      const key = keyOf(number);
      if (key === null || !marks.some((m) => m.number === key)) return false;
      const failed = save(marks.filter((m) => m.number !== key));
      if (failed !== null) warn(failed);
      return failed === null;
    },
  };
}
