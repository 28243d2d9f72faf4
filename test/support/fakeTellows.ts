/**
 * A local stand-in for tellows' partner API, on 127.0.0.1 with a free port, answering in the
 * format its peers read (callblocker's onlinecheck_tellows_de.py, a 3CX script):
 *
 *   GET /basic/num/<00 number>?xml=1&partner=<partner>&apikey=<key>
 *   200 <tellows><score>N</score>…<callertypes><caller><name>TYPE</name>…</caller></callertypes></tellows>
 *
 * A number it has no reports on gets the neutral score 5 without caller types. A wrong partner
 * or key gets 403 with a short text (an assumption: the peers only treat a non-200 as a failure).
 * Per number an answer can also be slow. Every request is recorded, so a test can assert which
 * numbers left the house.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTellowsReport {
  readonly score: number;
  readonly callerType?: string;
  /** Answer only after this long. */
  readonly delayMs?: number;
}

export interface FakeTellows {
  /** The base URL to configure (`directory.tellows_url`). */
  readonly url: string;
  /** Request paths and queries, in order. */
  readonly requests: URL[];
  close(): Promise<void>;
}

export async function startFakeTellows(options: {
  partner: string;
  key: string;
  reports: Readonly<Record<string, FakeTellowsReport>>;
}): Promise<FakeTellows> {
  const requests: URL[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    requests.push(url);
    const number = /^\/basic\/num\/(\d+)$/.exec(url.pathname)?.[1];
    if (number === undefined || url.searchParams.get("xml") !== "1") {
      response.writeHead(404).end("not found");
      return;
    }
    const partner = url.searchParams.get("partner");
    const key = url.searchParams.get("apikey");
    if (partner !== options.partner || key !== options.key) {
      response.writeHead(403, { "content-type": "text/plain" }).end("wrong partner or key");
      return;
    }
    const report = options.reports[number];
    const answer = () =>
      response.writeHead(200, { "content-type": "text/xml; charset=utf-8" }).end(xml(report));
    if (report?.delayMs) setTimeout(answer, report.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/basic/num/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function xml(report: FakeTellowsReport | undefined): string {
  const types =
    report?.callerType === undefined
      ? ""
      : `<callertypes><caller><name>${report.callerType}</name><count>12</count></caller>` +
        "<caller><name>Unbekannt</name><count>3</count></caller></callertypes>";
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n<tellows>' +
    `<score>${report?.score ?? 5}</score><searches>42</searches><comments>7</comments>` +
    `${types}</tellows>\n`
  );
}
