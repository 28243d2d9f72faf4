/**
 * The HTTP edge to tellows' partner API (core/nuisance/tellowsAnswer.ts has the answer's
 * layout): one GET per number, bounded by a time-out that covers the body too, no redirects
 * followed (the key travels in the query string and must not be carried elsewhere), the body
 * capped. Every failure is an outcome, never a throw, and the key never appears in a message.
 */
import type { TellowsAnswer } from "../core/nuisance/tellowsAnswer.js";
import { describeFetchError, readCapped, secretMasker, withinTimeout } from "./httpBody.js";

export interface TellowsClientOptions {
  /** e.g. `https://www.tellows.de/basic/num/`; the number is appended. */
  readonly baseUrl: string;
  readonly partner: string;
  readonly key: string;
  readonly timeoutMs: number;
}

export type TellowsOutcome =
  | Extract<TellowsAnswer, { kind: "score" }>
  | { readonly kind: "failed"; readonly message: string };

export interface TellowsClient {
  /** The score of a number given as tellows writes it (`0041…`). */
  check(number: string): Promise<TellowsOutcome>;
}

/**
 * The number as tellows' URL takes it: `+41445551212` → `0041445551212`. Here, not beside the
 * answer's parser, so that the daemon can name a number without loading cheerio (7 MB of heap).
 */
export function tellowsNumber(e164: string): string {
  return `00${e164.slice(1)}`;
}

/** A real answer is well under 10 kB. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The answer's parser (cheerio), loaded only when a client is made: tellows is off by default,
 * and the daemon makes a client only for a configured key.
 */
let parser: Promise<typeof import("../core/nuisance/tellowsAnswer.js")> | null = null;
function loadParser(): Promise<typeof import("../core/nuisance/tellowsAnswer.js")> {
  parser ??= import("../core/nuisance/tellowsAnswer.js");
  return parser;
}

export function createTellowsClient(options: TellowsClientOptions): TellowsClient {
  const base = new URL(options.baseUrl);
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new Error(`tellows URL must be http(s), not ${base.protocol}`);
  }
  const mask = secretMasker(options.key);
  // Loaded now, in the background, as search.ch's parser is, so that a ringing call's check
  // does not spend its time budget on loading modules; a failure surfaces at that check.
  loadParser().catch(() => undefined);
  return {
    async check(number) {
      const url = new URL(encodeURIComponent(number), base);
      url.searchParams.set("xml", "1");
      url.searchParams.set("partner", options.partner);
      url.searchParams.set("apikey", options.key);
      return withinTimeout<TellowsOutcome>(
        options.timeoutMs,
        async (signal) => {
          const response = await fetch(url, {
            signal,
            redirect: "manual",
            headers: { accept: "application/xml, text/xml;q=0.9, */*;q=0.1" },
          });
          if (response.status < 200 || response.status >= 300) {
            const message = `HTTP ${response.status} ${response.statusText}`.trim();
            return { kind: "failed", message };
          }
          const body = await readCapped(response, MAX_BODY_BYTES);
          if (body === null) return { kind: "failed", message: "answer too large" };
          const answer = (await loadParser()).parseTellowsAnswer(body);
          return answer.kind === "score"
            ? answer
            : { kind: "failed", message: mask(answer.message) };
        },
        (error, timedOut) => ({
          kind: "failed",
          message: timedOut
            ? `no complete answer within ${options.timeoutMs} ms`
            : mask(describeFetchError(error)),
        }),
      );
    },
  };
}
