/**
 * tellows' answer about one number, as its partner API gives it (peers: callblocker's
 * onlinecheck_tellows_de.py and a 3CX script read it the same way):
 *
 *   GET https://www.tellows.de/basic/num/0041445551212?xml=1&partner=<partner>&apikey=<key>
 *
 *   <tellows>
 *     <score>8</score>                 1 (trustworthy) … 5 (neutral, also: unknown) … 9 (harmful)
 *     <searches>…</searches>           other elements, not read
 *     <callertypes>
 *       <caller><name>Werbung</name><count>…</count></caller>   the type most reported first
 *     </callertypes>
 *   </tellows>
 *
 * Only the first <score> and the first caller type's text are read, whatever the root's name.
 * The number goes in as 00 and the E.164 digits (io/tellowsClient.ts). Pure: text in, an answer or a coded error out.
 */
import { load } from "cheerio/slim";
import { cleanLabel } from "./nuisanceEntries.js";

export type TellowsAnswer =
  | { readonly kind: "score"; readonly score: number; readonly callerType: string | null }
  | { readonly kind: "invalid"; readonly message: string };

export function parseTellowsAnswer(xml: string): TellowsAnswer {
  const $ = load(xml, { xml: true });
  const scoreText = $("score").first().text().trim();
  if (!/^\d$/.test(scoreText)) {
    return {
      kind: "invalid",
      message:
        scoreText === ""
          ? "no <score> in the answer"
          : `<score> is not 1 to 9: ${JSON.stringify(scoreText.slice(0, 20))}`,
    };
  }
  const score = Number(scoreText);
  if (score < 1) return { kind: "invalid", message: `<score> is not 1 to 9: "${scoreText}"` };
  const caller = $("callertypes > caller").first().children().first().text();
  return { kind: "score", score, callerType: cleanLabel(caller) };
}
