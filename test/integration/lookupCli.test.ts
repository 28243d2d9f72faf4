/** `voip-callerid lookup` as a user runs it: a phonebook file, an options file, search.ch. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "../support/cli.js";
import { type FakeSearchCh, startFakeSearchCh } from "../support/fakeSearchCh.js";

let server: FakeSearchCh;
let dir: string;

beforeAll(async () => {
  server = await startFakeSearchCh({
    key: "secret-key-123",
    answers: {
      "044 123 45 67": {
        kind: "person",
        name: "Muster",
        firstName: "Hans",
        occupation: "Schreiner",
        city: "Zürich",
        canton: "ZH",
      },
      "026 111 11 11": { kind: "status", status: 500 },
    },
  });
  dir = mkdtempSync("/tmp/voip-callerid-lookup-");
  writeFileSync(
    `${dir}/phonebook.tsv`,
    "# Familie\n079 111 22 33\tMami\nP\tUnbekannt\nbroken line without tab\n",
  );
  writeFileSync(
    `${dir}/options.yaml`,
    `directory:\n  search_ch_url: ${server.url}\n  search_ch_key: secret-key-123\n  lookup_timeout_ms: 800\n  phonebook:\n    - number: "+41 31 999 88 77"\n      name: Büro\ndata_dir: ${dir}/data\n`,
  );
});
afterAll(() => server.close());

const lookup = (args: string[]) => spawnCli(["lookup", ...args]);

describe("voip-callerid lookup", () => {
  it("finds a directory entry and says it in the seed's words, as JSON", async () => {
    const result = await lookup(["0441234567", "--config", `${dir}/options.yaml`, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      number_e164: "+41441234567",
      number_display: "044 123 45 67",
      number_kind: "number",
      name: "Hans Muster",
      source: "search.ch",
      occupation: "Schreiner",
      city: "Zürich",
      canton: "ZH",
      directory_entries: 1,
      lookup: "asked",
      nuisance: false,
      nuisance_label: null,
      nuisance_source: null,
      nuisance_score: null,
      announcement: "Anruf von Hans Muster. Schreiner. Stadt Zürich",
    });
    expect(result.stderr).not.toContain("secret-key-123");
  });

  it("the second time from the cache in data_dir, without a request", async () => {
    const before = server.requests.length;
    const result = await lookup([
      "+41 44 123 45 67",
      "--config",
      `${dir}/options.yaml`,
      "--lang",
      "fr",
    ]);
    expect(result.stdout).toBe(
      [
        "number:       044 123 45 67 (+41441234567)",
        "name:         Hans Muster",
        "source:       cache",
        "occupation:   Schreiner",
        "place:        Zürich, ZH",
        "search.ch:    cached",
        "announcement: Appel de Hans Muster. Schreiner. Ville de Zürich",
        "",
      ].join("\n"),
    );
    expect(server.requests.length).toBe(before);
  });

  it("phonebook files and option entries come first; a bad line is reported with file and line", async () => {
    const result = await lookup([
      "0791112233",
      "--config",
      `${dir}/options.yaml`,
      "--phonebook",
      `${dir}/phonebook.tsv`,
      "--json",
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: "Mami",
      source: "phonebook",
      lookup: "not-needed",
    });
    expect(result.stderr).toMatch(new RegExp(`warning: ${dir}/phonebook.tsv line 4: `));
    const office = await lookup(["031 999 88 77", "--config", `${dir}/options.yaml`, "--json"]);
    expect(JSON.parse(office.stdout)).toMatchObject({ name: "Büro", source: "phonebook" });
    const withheld = await lookup(["P", "--phonebook", `${dir}/phonebook.tsv`, "--no-online"]);
    expect(withheld.stdout).toContain("announcement: Anruf von Unbekannt");
  });

  it("directory down: the number, and a warning", async () => {
    const result = await lookup([
      "026 111 11 11",
      "--config",
      `${dir}/options.yaml`,
      "--lang",
      "en",
    ]);
    expect(result.stdout).toContain(
      "announcement: Directory not reachable. 0 2 6, 1 1 1, 1 1, 1 1",
    );
    expect(result.stderr).toMatch(/warning: search.ch lookup failed \(http-error\)/);
  });

  it("offline, foreign numbers and short numbers stay in the house", async () => {
    const before = server.requests.length;
    for (const number of ["0441234567", "+49 30 1234567", "117"]) {
      const result = await lookup([number, "--no-online", "--search-url", server.url, "--json"]);
      expect(result.code).toBe(0);
    }
    expect(server.requests.length).toBe(before);
  });

  it("names every bad option and starts nothing", async () => {
    writeFileSync(
      `${dir}/bad.yaml`,
      "directory:\n  country: CHE\n  lookup_timeout_ms: 1\nannounce:\n  language: es\n",
    );
    const result = await lookup(["0441234567", "--config", `${dir}/bad.yaml`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      'voip-callerid: option directory.country: "CHE" is not two capital letters such as CH',
      "voip-callerid: option directory.lookup_timeout_ms: must be a number of milliseconds from 100 to 10000, got 1",
      'voip-callerid: option announce.language: must be one of "de", "en", "fr", "it"',
    ]);
    const missing = await lookup(["0441234567", "--config", `${dir}/nope.yaml`]);
    expect(missing.stderr).toBe(
      `voip-callerid: cannot read the options file ${dir}/nope.yaml: not found\n`,
    );
    writeFileSync(`${dir}/broken.yaml`, "directory: [unclosed\n");
    expect((await lookup(["1", "--config", `${dir}/broken.yaml`])).stderr).toMatch(
      /broken.yaml is not valid YAML or JSON/,
    );
    expect((await lookup(["1", "2"])).stderr).toMatch(/lookup needs one number/);
  });
});
