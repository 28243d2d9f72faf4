/**
 * Whether a caller is a likely nuisance (cold call, scam), and which list said so. A passive
 * listener cannot block a call; the verdict changes what the household hears and sees.
 */

/**
 * `list`: the options; `file`: a nuisance file; `household`: the household's own marks;
 * `tellows`: the online source (optional, the user's own key).
 */
export type NuisanceSource = "list" | "file" | "household" | "tellows";

export interface NuisanceVerdict {
  readonly flagged: boolean;
  /** The list's label ("Lotto Versand"), cleaned; null when none was given or not flagged. */
  readonly label: string | null;
  readonly source: NuisanceSource | null;
  /** An online source's score (tellows: 1 trustworthy … 9 harmful); absent for the lists. */
  readonly score?: number;
}

export const NOT_FLAGGED: NuisanceVerdict = { flagged: false, label: null, source: null };
