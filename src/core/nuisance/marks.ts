/**
 * The household's own nuisance and allow marks (the panel's "mark as nuisance / allowed", the
 * `voip-callerid nuisance add|remove` command), kept in data_dir so they are in the add-on's
 * backup. The store behind this interface lives in src/io; the panel and the CLI use only this.
 */

export type MarkKind = "nuisance" | "allow";

export interface HouseholdMark {
  /** E.164 (`+41901234567`), or a prefix in E.164 ending in `*` (`+41901*`). */
  readonly number: string;
  readonly kind: MarkKind;
  /** The household's label ("Lotto Versand"), or null. */
  readonly label: string | null;
  /** When it was marked, ISO 8601. */
  readonly at: string;
}

export type MarkResult =
  | { readonly ok: true; readonly mark: HouseholdMark }
  | { readonly ok: false; readonly message: string };

export interface HouseholdMarks {
  list(): readonly HouseholdMark[];
  /** `number` in any written form (or a prefix ending in `*`); replaces an earlier mark of it. */
  mark(input: { number: string; kind: MarkKind; label?: string | null }): MarkResult;
  /** Removes the mark of the number (any written form); false when there was none. */
  unmark(number: string): boolean;
}
