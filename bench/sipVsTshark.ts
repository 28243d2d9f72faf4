/**
 * Benchmark (a report, not a timed test): SIP caller-id extraction from a ≥ 1,000,000-packet
 * capture — RTP with SIP calls among it — by `voip-callerid replay`, against
 * `tshark -r FILE -Y sip.Method==INVITE -T fields -e sip.from.user` on the same file.
 *
 *   npm run bench:sip      (builds first; BENCH_PACKETS=2000000 for a larger capture)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { udpFrame } from "../test/support/frameBuilder.js";
import { writeMixedCapture } from "./mixedCapture.js";
import { median, timed } from "./statistics.js";

const PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const CALL_EVERY = 5_000;
const RUNS = 3;
const T0 = Date.parse("2026-03-14T18:00:00Z");
const PROVIDER = { ip: "198.51.100.5", mac: "02:00:5e:00:00:01" };
const ATA = { ip: "192.0.2.10", mac: "00:90:f8:00:00:10" };

function callMessages(n: number): { from: "provider" | "ata"; text: string }[] {
  const callId = `bench-${n}@provider.example`;
  const caller = `0449${String(100000 + n).padStart(6, "0")}`;
  const head = (start: string, method: string, cseq: number, toTag = "") =>
    [
      start,
      `Via: SIP/2.0/UDP ${PROVIDER.ip}:5060;branch=z9hG4bK${n}`,
      `From: "Caller ${n}" <sip:${caller}@provider.example>;tag=f${n}`,
      `To: <sip:0441112233@ata.example>${toTag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
  return [
    { from: "provider", text: head("INVITE sip:0441112233@ata.example SIP/2.0", "INVITE", 1) },
    { from: "ata", text: head("SIP/2.0 100 Trying", "INVITE", 1) },
    { from: "ata", text: head("SIP/2.0 180 Ringing", "INVITE", 1, ";tag=t1") },
    { from: "ata", text: head("SIP/2.0 200 OK", "INVITE", 1, ";tag=t1") },
    { from: "provider", text: head("ACK sip:0441112233@ata.example SIP/2.0", "ACK", 1, ";tag=t1") },
    { from: "provider", text: head("BYE sip:0441112233@ata.example SIP/2.0", "BYE", 2, ";tag=t1") },
    { from: "ata", text: head("SIP/2.0 200 OK", "BYE", 2, ";tag=t1") },
  ];
}

function generate(path: string): number {
  return writeMixedCapture(path, {
    packets: PACKETS,
    callEvery: CALL_EVERY,
    t0: T0,
    adapter: ATA,
    farEnd: PROVIDER,
    callFrames: (n) =>
      callMessages(n).map(({ from, text }) => {
        const [src, dst] = from === "provider" ? [PROVIDER, ATA] : [ATA, PROVIDER];
        return udpFrame({
          src: src.ip,
          dst: dst.ip,
          srcPort: 5060,
          dstPort: 5060,
          payload: text,
          srcMac: src.mac,
          dstMac: dst.mac,
        });
      }),
  });
}

const dir = mkdtempSync(join(tmpdir(), "voip-callerid-bench-sip-"));
const file = join(dir, "sip.pcap");
try {
  const calls = generate(file);
  console.log(
    `capture: ${PACKETS.toLocaleString("en")} packets, ${(statSync(file).size / 1e6).toFixed(0)} MB, ${calls} SIP calls`,
  );
  const ours: number[] = [];
  let callers = 0;
  for (let run = 0; run < RUNS; run++) {
    const { ms, value } = timed(() =>
      spawnSync(process.execPath, ["dist/main.js", "replay", file], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
      }),
    );
    if (value.status !== 0) throw new Error(`replay failed: ${value.stderr}`);
    callers = value.stdout
      .split("\n")
      .filter((l) => l.includes('"type":"ringing"') && l.includes('"number":"0449')).length;
    ours.push(ms);
  }
  const tshark = timed(() =>
    spawnSync(
      "tshark",
      ["-r", file, "-Y", "sip.Method==INVITE", "-T", "fields", "-e", "sip.from.user"],
      { encoding: "utf8", maxBuffer: 1 << 28 },
    ),
  );
  if (tshark.value.status !== 0) throw new Error(`tshark failed: ${tshark.value.stderr}`);
  const tsharkCallers = tshark.value.stdout.split("\n").filter((l) => l.startsWith("0449")).length;
  const ourMs = median(ours);
  console.log(
    `voip-callerid replay (whole process, median of ${RUNS}): ${ourMs.toFixed(0)} ms, ${(((PACKETS / ourMs) * 1000) / 1e6).toFixed(2)} M packets/s, ${callers} callers`,
  );
  console.log(
    `tshark -Y sip.Method==INVITE -e sip.from.user (whole process): ${tshark.ms.toFixed(0)} ms, ${tsharkCallers} callers`,
  );
  console.log(`ratio tshark / voip-callerid: ${(tshark.ms / ourMs).toFixed(1)}x (target >= 20x)`);
  if (callers !== calls || tsharkCallers !== calls) {
    console.log(
      `WARNING: callers differ: generated ${calls}, replay ${callers}, tshark ${tsharkCallers}`,
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
