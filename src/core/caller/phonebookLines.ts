/**
 * A phonebook file's text arrives in pieces (a large file is read a slice at a time, so that
 * reading it never holds up a ringing call); this cuts the pieces into the lines a whole-text
 * `split(/\r\n|\r|\n/)` would give, numbered from 1, whatever piece a line or its CRLF was
 * split across. A byte order mark at the very start is dropped.
 */
export class LineSplitter {
  readonly #onLine: (line: string, lineNumber: number) => void;
  #partial = "";
  #lineNumber = 0;
  #started = false;
  /** A piece ended on CR: whether it was CRLF is only known from the next piece. */
  #pendingCr = false;

  constructor(onLine: (line: string, lineNumber: number) => void) {
    this.#onLine = onLine;
  }

  push(piece: string): void {
    if (piece === "") return;
    let text = piece;
    if (!this.#started) {
      this.#started = true;
      text = text.replace(/^\uFEFF/, "");
    }
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (text.startsWith("\n")) text = text.slice(1);
    }
    let start = 0;
    // Each search runs again only once passed, so a piece is scanned in linear time.
    let lf = text.indexOf("\n");
    let cr = text.indexOf("\r");
    for (;;) {
      if (lf >= 0 && lf < start) lf = text.indexOf("\n", start);
      if (cr >= 0 && cr < start) cr = text.indexOf("\r", start);
      const end = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
      if (end < 0) break;
      this.#emit(this.#partial + text.slice(start, end));
      this.#partial = "";
      if (end === cr) {
        if (cr + 1 === text.length) {
          this.#pendingCr = true;
          return;
        }
        start = text[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else {
        start = lf + 1;
      }
    }
    this.#partial += text.slice(start);
  }

  /** The last line, also when empty, as split() gives it after a final line break. */
  end(): void {
    this.#emit(this.#partial);
    this.#partial = "";
  }

  #emit(line: string): void {
    this.#lineNumber += 1;
    this.#onLine(line, this.#lineNumber);
  }
}

/** A text read in pieces, handed on in order: the shape of every phonebook format's reader. */
export interface PieceReader<Result> {
  /** The next piece of the text; pieces may cut lines, CRLFs and quoted fields anywhere. */
  push(piece: string): void;
  /** The text has ended. */
  end(): Result;
  /**
   * end() a step at a time, for a format whose work can only start at the end (a JSON text
   * means something only whole): the file edge lets other work run between the steps.
   */
  endInSteps?(): Generator<void, Result, void>;
}

/** Runs steps made to let other work in between (endInSteps, buildInSteps) all at once. */
export function finishSteps<Result>(steps: Generator<void, Result, void>): Result {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
