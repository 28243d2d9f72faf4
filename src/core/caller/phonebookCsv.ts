/**
 * A contacts export as CSV (RFC 4180) with a header row, from a spreadsheet, Outlook, Google
 * Contacts or a router:
 *
 *   Vorname;Nachname;Firma;Telefon geschäftlich;Mobiltelefon;E-Mail
 *   Hans;Muster;;044 123 45 67;"079 123 45 67";hans@example.ch
 *   "Muster, Anna";…
 *
 * Columns are found by their header names (de/en/fr/it, case and accents ignored); every
 * number column of a row becomes an entry under the row's name; other columns are ignored.
 * The delimiter is "," or ";" (Excel writes ";" where "," is the decimal mark), taken from the
 * header line. Quoted fields may hold delimiters, quotes ("") and line breaks (RFC 4180 §2).
 */
import { type CsvError, type Options, Parser } from "csv-parse";
import type { CountryCode } from "./numbers.js";
import {
  type EntrySink,
  type ParsedPhonebook,
  PhonebookCollector,
  quoted,
} from "./phonebookEntries.js";
import { LineSplitter, type PieceReader } from "./phonebookLines.js";

/** Header words (lower case, accents removed) that make a column a phone number column. */
const NUMBER_WORDS = new Set([
  "number",
  "nummer",
  "rufnummer",
  "telefonnummer",
  "telefon",
  "telephone",
  "telefono",
  "phone",
  "tel",
  "numero",
  "mobile",
  "mobil",
  "mobiltelefon",
  "handy",
  "natel",
  "cell",
  "cellulare",
  "portable",
]);
/** Google's "Phone 1 - Type" sits beside "Phone 1 - Value": the kind of number, not a number. */
const NOT_NUMBER_WORDS = new Set(["type", "typ", "tipo", "label", "fax"]);

const FULL_NAME = new Set([
  "name",
  "full name",
  "display name",
  "anzeigename",
  "nom",
  "nom complet",
  "nome",
  "nome completo",
  "kontakt",
  "contact",
]);
const FIRST_NAME = new Set(["first name", "firstname", "given name", "vorname", "prenom"]);
const LAST_NAME = new Set([
  "last name",
  "lastname",
  "surname",
  "family name",
  "nachname",
  "familienname",
  "nom de famille",
  "cognome",
]);
const COMPANY = new Set([
  "company",
  "organization",
  "organisation",
  "firma",
  "unternehmen",
  "societe",
  "entreprise",
  "azienda",
  "societa",
]);

type ColumnKind = "number" | "full" | "first" | "last" | "company";

interface Columns {
  numbers: number[];
  full: number | null;
  first: number | null;
  last: number | null;
  company: number | null;
}

function headerWords(header: string): string {
  return header
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

export function classifyHeader(header: string): ColumnKind | null {
  const words = headerWords(header);
  if (FULL_NAME.has(words)) return "full";
  if (FIRST_NAME.has(words)) return "first";
  if (LAST_NAME.has(words)) return "last";
  if (COMPANY.has(words)) return "company";
  const tokens = words.split(" ");
  if (tokens.some((t) => NOT_NUMBER_WORDS.has(t))) return null;
  return tokens.some((t) => NUMBER_WORDS.has(t)) ? "number" : null;
}

/** The delimiter of a header line: whichever of ";" and "," occurs more outside quotes. */
export function csvDelimiter(headerLine: string): "," | ";" {
  const unquoted = headerLine.replace(/"[^"]*"/g, "");
  const count = (c: string) => unquoted.split(c).length - 1;
  return count(";") > count(",") ? ";" : ",";
}

function findColumns(header: readonly string[]): Columns {
  const columns: Columns = { numbers: [], full: null, first: null, last: null, company: null };
  header.forEach((cell, index) => {
    const kind = classifyHeader(cell);
    if (kind === "number") columns.numbers.push(index);
    else if (kind !== null && columns[kind] === null) columns[kind] = index;
  });
  // "Name" beside "Vorname" (German) or "Nom" beside "Prénom" (French) is the family name;
  // "Nome" beside "Cognome" (Italian) is the given name.
  if (columns.full !== null && columns.first !== null && columns.last === null) {
    columns.last = columns.full;
    columns.full = null;
  } else if (columns.full !== null && columns.last !== null && columns.first === null) {
    columns.first = columns.full;
    columns.full = null;
  }
  return columns;
}

function rowName(row: readonly string[], columns: Columns): string {
  const cell = (index: number | null) => (index === null ? "" : (row[index] ?? "").trim());
  const full = cell(columns.full);
  if (full !== "") return full;
  const joined = [cell(columns.first), cell(columns.last)].filter((p) => p !== "").join(" ");
  return joined !== "" ? joined : cell(columns.company);
}

interface CsvRow {
  fields: string[];
  line: number;
  raw: string;
}

function leadingLineBreaks(raw: string): number {
  return /^\n*/.exec(raw)?.[0].length ?? 0;
}

/** The rows' callbacks, from the header row on, and the parser options that call them. */
function csvReading<Result>(collector: EntrySink<Result>) {
  let header: { columns: Columns } | { noNumbers: true } | null = null;
  // csv-parse counts the line a record ends on; one starts after the previous one's end and
  // the empty lines that csv-parse skipped (they lead the record's raw text).
  let endOfPrevious = 0;
  const startLine = (raw: string) => endOfPrevious + 1 + leadingLineBreaks(raw);

  const onRow = (row: CsvRow) => {
    if (header === null) {
      const columns = findColumns(row.fields);
      if (columns.numbers.length > 0) {
        header = { columns };
        return;
      }
      header = { noNumbers: true };
      collector.problem(
        row.line,
        `no phone number column in the header ${quoted(row.raw)}; expected a column named` +
          ` e.g. "Number", "Telefon", "Phone", "Numéro" or "Numero"`,
      );
    }
    if (!("columns" in header)) return;
    addRow(row, header.columns, collector);
  };

  const options = (delimiter: string): Options => ({
    delimiter,
    bom: true,
    raw: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field (`Hans "Hausi" Muster`) is taken literally
    // rather than losing the row: lenient where RFC 4180 §2.5 is strict.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: unknown, context) => {
      const { record: fields, raw } = record as { record: string[]; raw: string };
      const line = startLine(raw);
      endOfPrevious = context.lines;
      onRow({ fields, line, raw: raw.replace(/\n+$/, "") });
      return null; // taken here: no list of records is made
    },
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      const reason =
        error?.code === "CSV_QUOTE_NOT_CLOSED"
          ? "a quote opened here is never closed, so the rest of the file is lost"
          : (error?.message ?? "unreadable");
      collector.problem(startLine(raw ?? ""), `cannot read ${quoted(raw ?? "")}: ${reason}`);
      if (typeof error?.lines === "number") endOfPrevious = error.lines;
      return undefined;
    },
  });

  const fail = (error: unknown) => {
    const detail = error instanceof Error ? error.message : String(error);
    collector.problem(null, `cannot read the rest of the file as CSV: ${detail}`);
  };

  return { collector, options, fail };
}

/**
 * A CSV phonebook read in pieces: csv-parse's stream parser takes each piece at once
 * (its record callbacks run inside write()), and each row becomes entries as it is read, so
 * no list of all rows is ever held. The text before the first complete non-blank line is
 * held back until it is there: that line chooses the delimiter.
 */
export function csvPhonebookReader(
  source: string,
  country: CountryCode,
): PieceReader<ParsedPhonebook> {
  return csvReader(new PhonebookCollector(source, country));
}

/** The rows' number/name pairs, each handed to `collector` with the row's first line. */
export function csvReader<Result>(collector: EntrySink<Result>): PieceReader<Result> {
  const reading = csvReading(collector);
  const lineBreaks = new LfLineBreaks();
  let held = "";
  let parser: Parser | null = null;
  const open = (delimiter: string): Parser => {
    const opened = new Parser(reading.options(delimiter));
    // Only a throwing callback gets here (skip_records_with_error turns parse errors into
    // on_skip); it stops the parser, and the rows read before it are kept.
    opened.on("error", reading.fail);
    return opened;
  };

  const write = (text: string) => {
    if (text === "" || parser === null || parser.destroyed) return;
    parser.write(text);
  };

  return {
    push: (piece) => {
      const text = lineBreaks.push(piece);
      if (parser !== null) return write(text);
      held += text;
      const headerLine = firstNonBlankLine(held, false);
      if (headerLine === undefined) return;
      parser = open(csvDelimiter(headerLine));
      write(held);
      held = "";
    },
    end: () => {
      const rest = lineBreaks.end();
      if (parser === null) {
        held += rest;
        if (held === "") return collector.result();
        parser = open(csvDelimiter(firstNonBlankLine(held, true) ?? ""));
        write(held);
        held = "";
      } else {
        write(rest);
      }
      if (!parser.destroyed) parser.end();
      return collector.result();
    },
  };
}

function addRow<Result>(row: CsvRow, columns: Columns, collector: EntrySink<Result>): void {
  if (row.fields.every((field) => field.trim() === "")) return;
  const name = rowName(row.fields, columns);
  const numbers = columns.numbers
    .map((index) => row.fields[index] ?? "")
    .filter((number) => number.trim() !== "");
  if (numbers.length === 0) {
    collector.problem(row.line, `no number in ${quoted(row.raw)}`);
    return;
  }
  for (const number of numbers) collector.add(number, name, row.line, () => quoted(row.raw));
}

/** The first line with more than white space; the last, unfinished line only at the end. */
function firstNonBlankLine(text: string, ended: boolean): string | undefined {
  const lines = text.split("\n");
  if (!ended) lines.pop();
  return lines.find((line) => line.trim() !== "");
}

/**
 * csv-parse counts a CRLF inside a quoted field as two lines; with LF alone its line
 * numbers are the file's (every CRLF or CR is one LF), and names do not mind the change.
 * The lines are cut by the TSV reader's LineSplitter, so a CRLF split across pieces is one
 * line break here too; the text is handed on a whole line at a time.
 */
class LfLineBreaks {
  #text = "";
  readonly #lines = new LineSplitter((line) => {
    this.#text += `${line}\n`;
  });

  push(piece: string): string {
    this.#lines.push(piece);
    return this.#take();
  }

  /** The last line, without the line break the splitter's end() gives it. */
  end(): string {
    this.#lines.end();
    return this.#take().slice(0, -1);
  }

  #take(): string {
    const text = this.#text;
    this.#text = "";
    return text;
  }
}
