/** What the panel's browser test starts from: a call log before the daemon, a vCard to import. */
import { seedReport } from "./seedCalls.js";

/**
 * Calls in the log before the daemon starts: a day apart, every third missed, every tenth
 * outgoing, every eighth on the Office line.
 */
export const SEEDED = 120;
export function seededCall(i: number) {
  const outgoing = i % 10 === 5;
  return seedReport({
    id: `seeded-${i}`,
    startedAt: Date.now() - (i + 1) * 86_400_000,
    line: i % 8 === 3 ? "aaln/2@ata.example" : "aaln/1@ata.example",
    direction: outgoing ? "outgoing" : "incoming",
    talkS: !outgoing && i % 3 === 0 ? null : 30 + i,
    number: `043555${String(i).padStart(4, "0")}`,
    name: `Seeded Caller ${i}`,
    source: "search.ch",
  });
}

/** Three contacts; the third one's TEL (line 14) is not a number. */
const card = (name: string, tel: string) => [
  "BEGIN:VCARD",
  "VERSION:3.0",
  `FN:${name}`,
  tel,
  "END:VCARD",
];
export const VCARD = [
  ...card("Erna Import", "TEL;TYPE=cell:079 555 12 34"),
  ...card("Paul Zweiter", "TEL:+41 31 555 66 77"),
  ...card("Ohne Nummer", "TEL:abc"),
  "",
].join("\r\n");
