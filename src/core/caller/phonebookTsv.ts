/**
 * The seed's plain-text phonebook (seed README §2; the original article's phone.db), one entry
 * a line, number and text separated by a tab (IANA text/tab-separated-values, without a
 * header row):
 *
 *   # comment
 *   P<TAB>Anonymer Anruf
 *   0123456789<TAB>Anruf von Hans Muster
 *   +41 44 123 45 67<TAB><TAB>Anruf von Peter Mustermann
 *
 * Strict on purpose: splitting on spaces or ";" would guess wrong for texts that contain
 * them, so a line without a tab is reported with the expected shape instead. Several tabs
 * count as one, because people line the texts up with tabs.
 */
import type { CountryCode } from "./numbers.js";
import {
  type EntrySink,
  type ParsedPhonebook,
  PhonebookCollector,
  quoted,
} from "./phonebookEntries.js";
import { LineSplitter, type PieceReader } from "./phonebookLines.js";

export const LINE_BREAK = /\r\n|\r|\n/;

/** A tab-separated phonebook (the seed's format), read in pieces. */
export function tsvPhonebookReader(
  source: string,
  country: CountryCode,
): PieceReader<ParsedPhonebook> {
  return tsvReader(new PhonebookCollector(source, country), PHONEBOOK_LINES);
}

/** What a line of a list holds, for its problems; whether the text after a tab may be left out. */
export interface TsvLines {
  readonly shape: string;
  readonly numberAlone: boolean;
}

const PHONEBOOK_LINES: TsvLines = { shape: "number<TAB>text to speak", numberAlone: false };

/** The lines' number/text pairs, each handed to `collector` with its line number. */
export function tsvReader<Result>(
  collector: EntrySink<Result>,
  { shape, numberAlone }: TsvLines,
): PieceReader<Result> {
  const lines = new LineSplitter((line, lineNumber) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const tab = line.indexOf("\t");
    if (tab < 0 && numberAlone) {
      collector.add(line, "", lineNumber, () => quoted(line));
      return;
    }
    if (tab < 0) {
      collector.problem(lineNumber, `expected "${shape}", found no tab in ${quoted(line)}`);
      return;
    }
    const number = line.slice(0, tab);
    const name = line.slice(tab + 1);
    if (number.trim() === "") {
      collector.problem(
        lineNumber,
        `expected "${shape}", found no number before the tab in ${quoted(line)}`,
      );
      return;
    }
    collector.add(number, name, lineNumber, () => quoted(line));
  });
  return {
    push: (piece) => lines.push(piece),
    end: () => {
      lines.end();
      return collector.result();
    },
  };
}
