import { describe, expect, it } from "vitest";
import {
  chooseDirectoryHit,
  type DirectoryEntry,
  parseSearchChResponse,
  type SearchChResult,
} from "../../../src/core/caller/searchChResponse.js";
import { mulberry32 } from "../../support/random.js";

/** A feed as search.ch writes it (design notes §3.4); `head` goes before the entries. */
function feed(entries: string, head = "<openSearch:totalResults>1</openSearch:totalResults>") {
  return `<?xml version="1.0" encoding="utf-8" ?>
<feed xml:lang="de" xmlns="http://www.w3.org/2005/Atom"
      xmlns:openSearch="http://a9.com/-/spec/opensearchrss/1.0/"
      xmlns:tel="http://tel.search.ch/api/spec/result/1.0/">
  <id>https://tel.search.ch/api/0441234567</id>
  <title type="text">tel.search.ch API Search Results</title>
  <generator version="1.0" uri="https://tel.search.ch">tel.search.ch</generator>
  <updated>2026-01-15T08:00:00Z</updated>
  <link href="https://tel.search.ch/api/?was=0441234567&amp;key=secret" rel="self" type="application/atom+xml"/>
  ${head}
  <openSearch:startIndex>1</openSearch:startIndex>
  <openSearch:itemsPerPage>10</openSearch:itemsPerPage>
  <openSearch:Query role="request" searchTerms="0441234567" startPage="1"/>
  ${entries}
</feed>
`;
}

const PERSON = `<entry>
    <id>urn:uuid:0123456789abcdef</id>
    <updated>2026-01-15T08:00:00Z</updated>
    <title type="text">Muster, Hans</title>
    <content type="text">Muster, Hans
    Seestrasse 12
    8000 Zürich/ZH
    *044 123 45 67</content>
    <author><name>tel.search.ch</name></author>
    <link href="https://search.ch/tel/zuerich/seestrasse-12/hans-muster" rel="alternate" type="text/html"/>
    <tel:pos>1</tel:pos>
    <tel:id>0123456789abcdef</tel:id>
    <tel:type>Person</tel:type>
    <tel:name>Muster</tel:name>
    <tel:firstname>Hans</tel:firstname>
    <tel:occupation></tel:occupation>
    <tel:street>Seestrasse</tel:street>
    <tel:streetno>12</tel:streetno>
    <tel:zip>8000</tel:zip>
    <tel:city>Zürich</tel:city>
    <tel:canton>ZH</tel:canton>
    <tel:nopromo>*</tel:nopromo>
    <tel:phone>+41441234567</tel:phone>
  </entry>`;

const BUSINESS = `<entry>
    <id>urn:uuid:fedcba9876543210</id>
    <title type="text">Muster Haustechnik AG</title>
    <content type="text">Muster Haustechnik AG
    Sanitär, Heizung
    Industriestrasse 4a
    3000 Bern/BE
    031 987 65 43</content>
    <tel:type>Organisation</tel:type>
    <tel:name>Muster Haustechnik AG</tel:name>
    <tel:occupation>Sanitär, Heizung</tel:occupation>
    <tel:street>Industriestrasse</tel:street>
    <tel:streetno>4a</tel:streetno>
    <tel:zip>3000</tel:zip>
    <tel:city>Bern</tel:city>
    <tel:canton>BE</tel:canton>
    <tel:phone>+41319876543</tel:phone>
    <tel:category>Sanitäranlagen</tel:category>
    <tel:category>Heizungen</tel:category>
    <tel:extra type="fax">+41319876544</tel:extra>
    <tel:extra type="website">Website: https://muster.example</tel:extra>
    <tel:extra type="email">info@muster.example</tel:extra>
  </entry>`;

/** A keyless answer: only title and content (§3.2). */
function keyless(title: string, content: string): string {
  return `<entry><id>urn:uuid:0000000000000001</id><title type="text">${title}</title>
    <content type="text">${content}</content><author><name>tel.search.ch</name></author></entry>`;
}

function entriesOf(result: SearchChResult): DirectoryEntry[] {
  if (result.kind !== "entries") throw new Error(`expected entries, got ${JSON.stringify(result)}`);
  return result.entries;
}

function person(name: string, firstName: string, city: string | null = "Zürich"): DirectoryEntry {
  return {
    type: "person",
    name,
    firstName,
    displayName: `${firstName} ${name}`,
    occupation: null,
    categories: [],
    street: null,
    streetNo: null,
    zip: null,
    city,
    canton: city === null ? null : "ZH",
    phone: "+41441234567",
  };
}

describe("parseSearchChResponse: document shapes", () => {
  it("reads a person with a key (the documented sample)", () => {
    const result = parseSearchChResponse(feed(PERSON));
    expect(result).toEqual({
      kind: "entries",
      totalResults: 1,
      entries: [
        {
          type: "person",
          name: "Muster",
          firstName: "Hans",
          displayName: "Hans Muster",
          occupation: null,
          categories: [],
          street: "Seestrasse",
          streetNo: "12",
          zip: "8000",
          city: "Zürich",
          canton: "ZH",
          phone: "+41441234567",
        },
      ],
    });
  });

  it("reads a business with categories and extras", () => {
    const [entry] = entriesOf(parseSearchChResponse(feed(BUSINESS)));
    expect(entry).toEqual({
      type: "organisation",
      name: "Muster Haustechnik AG",
      firstName: null,
      displayName: "Muster Haustechnik AG",
      occupation: "Sanitär, Heizung",
      categories: ["Sanitäranlagen", "Heizungen"],
      street: "Industriestrasse",
      streetNo: "4a",
      zip: "3000",
      city: "Bern",
      canton: "BE",
      phone: "+41319876543",
    });
  });

  it("derives a keyless person from title and content", () => {
    const doc = feed(
      keyless(
        "Muster, Hans",
        "Muster, Hans\n    Seestrasse 12\n    8000 Zürich/ZH\n    *044 123 45 67",
      ),
    );
    expect(entriesOf(parseSearchChResponse(doc))).toEqual([
      {
        type: "unknown",
        name: "Muster",
        firstName: "Hans",
        displayName: "Hans Muster",
        occupation: null,
        categories: [],
        street: "Seestrasse",
        streetNo: "12",
        zip: "8000",
        city: "Zürich",
        canton: "ZH",
        phone: "+41441234567",
      },
    ]);
  });

  it("keeps a keyless business title as it stands, and takes an extra line as occupation", () => {
    const doc = feed(
      keyless(
        "Meier, Müller &amp; Partner AG",
        "Meier, Müller &amp; Partner AG\nTreuhand\nBahnhofplatz 1\n6003 Luzern/LU\n041 210 00 00",
      ),
    );
    const [entry] = entriesOf(parseSearchChResponse(doc));
    expect(entry).toMatchObject({
      type: "unknown",
      name: "Meier, Müller & Partner AG",
      firstName: null,
      displayName: "Meier, Müller & Partner AG",
      occupation: "Treuhand",
      street: "Bahnhofplatz",
      streetNo: "1",
      city: "Luzern",
      canton: "LU",
      phone: "+41412100000",
    });
  });

  it("copes with a keyless content block that lacks lines", () => {
    const [entry] = entriesOf(
      parseSearchChResponse(feed(keyless("Beispiel GmbH", "Beispiel GmbH"))),
    );
    expect(entry).toMatchObject({ displayName: "Beispiel GmbH", street: null, zip: null });
    expect(entry?.phone).toBeNull();
    const [noTitle] = entriesOf(
      parseSearchChResponse(
        feed("<entry><content>Muster, Anna\n9000 St. Gallen/SG</content></entry>"),
      ),
    );
    expect(noTitle).toMatchObject({ displayName: "Anna Muster", city: "St. Gallen", street: null });
  });

  it("reads several entries in document order", () => {
    const doc = feed(
      `${PERSON}${BUSINESS}`,
      "<openSearch:totalResults>2</openSearch:totalResults>",
    );
    const result = parseSearchChResponse(doc);
    expect(result).toMatchObject({ kind: "entries", totalResults: 2 });
    expect(entriesOf(result).map((entry) => entry.displayName)).toEqual([
      "Hans Muster",
      "Muster Haustechnik AG",
    ]);
  });

  it("treats an empty feed with a correction as not found, exposing the suggestion", () => {
    const doc = feed(
      "",
      `<openSearch:totalResults>0</openSearch:totalResults>
       <openSearch:Query role="correction" searchTerms="032 321 61 **" totalResults="3"/>`,
    );
    expect(parseSearchChResponse(doc)).toEqual({
      kind: "entries",
      entries: [],
      totalResults: 0,
      correction: "032 321 61 **",
    });
    expect(parseSearchChResponse(feed("", ""))).toEqual({
      kind: "entries",
      entries: [],
      totalResults: 0,
    });
  });

  it("keeps a larger totalResults (paging) and falls back to the entry count", () => {
    const many = feed(PERSON, "<openSearch:totalResults>57</openSearch:totalResults>");
    expect(parseSearchChResponse(many)).toMatchObject({ totalResults: 57 });
    const bad = feed(PERSON, "<openSearch:totalResults>lots</openSearch:totalResults>");
    expect(parseSearchChResponse(bad)).toMatchObject({ totalResults: 1 });
  });

  it("honours the document's own namespace prefixes", () => {
    const doc = feed(PERSON)
      .replace(
        'xmlns:tel="http://tel.search.ch/api/spec/result/1.0/"',
        'xmlns:t="http://tel.search.ch/api/spec/result/1.0/"',
      )
      .replaceAll("<tel:", "<t:")
      .replaceAll("</tel:", "</t:");
    expect(entriesOf(parseSearchChResponse(doc))[0]).toMatchObject({
      type: "person",
      firstName: "Hans",
      zip: "8000",
    });
  });

  it("drops an entry from which no name can be read", () => {
    const doc = feed(
      `<entry><id>urn:uuid:1</id><tel:phone>+41441234567</tel:phone></entry>${PERSON}`,
    );
    expect(entriesOf(parseSearchChResponse(doc)).map((entry) => entry.displayName)).toEqual([
      "Hans Muster",
    ]);
  });

  it("reads the 403 document of a rejected key", () => {
    const doc = `<?xml version="1.0" encoding="utf-8" ?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:tel="http://tel.search.ch/api/spec/result/1.0/">
  <title type="text">tel.search.ch API Search Results</title>
  <tel:errorCode>403</tel:errorCode>
  <tel:errorReason>Forbidden</tel:errorReason>
  <tel:errorMessage>The submitted API-Key is invalid or blocked</tel:errorMessage>
</feed>`;
    expect(parseSearchChResponse(doc)).toEqual({
      kind: "error",
      code: "forbidden",
      message: "The submitted API-Key is invalid or blocked (403 Forbidden)",
    });
  });

  it.each([
    ["an empty body", ""],
    ["white space", "  \n "],
    ["an HTML page", "<!DOCTYPE html><html><body><h1>Muster, Hans</h1></body></html>"],
    ["plain text", "Request limit exceeded."],
    ["garbage", "\u0000\u0001<<<>>>&&&"],
    ["a feed cut off", feed(PERSON).slice(0, 900)],
    ["a feed cut off inside an entry", feed(PERSON).replace("</feed>", "<entry><title>Mu")],
    ["an RSS document", '<rss version="2.0"><channel><title>x</title></channel></rss>'],
    [
      "a feed in another namespace",
      '<feed xmlns="urn:other"><entry><title>A</title></entry></feed>',
    ],
    ["two roots", `${feed(PERSON)}<feed></feed>`],
  ])("calls %s an invalid document", (_, body) => {
    const result = parseSearchChResponse(body);
    expect(result).toMatchObject({ kind: "error", code: "invalid-document" });
  });

  it("never throws on random bytes and mangled feeds", () => {
    const random = mulberry32(0x5ea2c4);
    const sample = feed(`${PERSON}${BUSINESS}`);
    for (let round = 0; round < 300; round++) {
      const chars = Array.from({ length: Math.floor(random() * 300) }, () =>
        String.fromCharCode(Math.floor(random() * 0x2fff)),
      ).join("");
      const cut = Math.floor(random() * sample.length);
      const mangled = sample.slice(0, cut) + chars.slice(0, 20) + sample.slice(cut + 5);
      for (const body of [chars, mangled]) {
        expect(() => parseSearchChResponse(body)).not.toThrow();
      }
    }
  });
});

describe("parseSearchChResponse: hostile text", () => {
  function one(entryXml: string): DirectoryEntry {
    const [entry] = entriesOf(parseSearchChResponse(feed(entryXml)));
    if (!entry) throw new Error("no entry");
    return entry;
  }

  it("removes control characters and folds white space", () => {
    const entry = one(
      "<entry><tel:type>Person</tel:type><tel:name>Mus\u0007ter&#x1b;[31m</tel:name>" +
        "<tel:firstname>\n\t Hans\u200b\u202e  Peter </tel:firstname></entry>",
    );
    expect(entry.name).toBe("Mus ter [31m");
    expect(entry.firstName).toBe("Hans Peter");
    expect(entry.displayName).toBe("Hans Peter Mus ter [31m");
  });

  it("removes markup, escaped, as CDATA, or as real elements", () => {
    const entry = one(
      "<entry><tel:type>Person</tel:type>" +
        "<tel:name>&lt;script&gt;alert(1)&lt;/script&gt;Muster</tel:name>" +
        "<tel:firstname><![CDATA[<img src=x onerror=alert(1)>Hans]]></tel:firstname>" +
        "<tel:city>Z<b>ü</b>rich</tel:city><tel:occupation>a &lt; b &gt; c</tel:occupation></entry>",
    );
    expect(entry.name).toBe("alert(1) Muster");
    expect(entry.firstName).toBe("Hans");
    expect(entry.city).toBe("Zürich");
    expect(entry.occupation).toMatch(/^a .*c$/);
    for (const text of [entry.name, entry.firstName, entry.displayName, entry.occupation]) {
      expect(text).not.toMatch(/[<>]/);
    }
  });

  it("caps a 10 kB name at 120 and other fields at 80 characters", () => {
    const long = "Ä".repeat(10_000);
    const entry = one(
      `<entry><tel:type>Person</tel:type><tel:name>${long}</tel:name><tel:firstname>${long}</tel:firstname>` +
        `<tel:occupation>${long}</tel:occupation><tel:city>${long}</tel:city>` +
        `<tel:category>${long}</tel:category></entry>`,
    );
    expect(entry.name).toHaveLength(120);
    expect(entry.firstName).toHaveLength(120);
    expect(entry.displayName).toHaveLength(120);
    expect(entry.occupation).toHaveLength(80);
    expect(entry.city).toHaveLength(80);
    expect(entry.categories[0]).toHaveLength(80);
    const title = one(keyless("Z".repeat(10_000), "x"));
    expect(title.displayName).toHaveLength(120);
  });

  it("accepts only a two-letter canton and a real phone number", () => {
    const entry = one(
      "<entry><tel:type>Person</tel:type><tel:name>Muster</tel:name>" +
        "<tel:canton>Zürich</tel:canton><tel:phone>call me</tel:phone></entry>",
    );
    expect(entry.canton).toBeNull();
    expect(entry.phone).toBeNull();
    expect(
      one("<entry><tel:name>Muster</tel:name><tel:canton>zh</tel:canton></entry>").canton,
    ).toBe("ZH");
  });

  it("cleans the correction text and the error message", () => {
    const doc = feed(
      "",
      '<openSearch:Query role="correction" searchTerms="&lt;b&gt;032\u0001 321"/>',
    );
    expect(parseSearchChResponse(doc)).toMatchObject({ correction: "032 321" });
  });
});

describe("chooseDirectoryHit", () => {
  it("has nothing to say about no entries", () => {
    expect(chooseDirectoryHit([], "de")).toBeNull();
  });

  it("takes a single entry as it is", () => {
    const [business] = entriesOf(parseSearchChResponse(feed(BUSINESS)));
    expect(chooseDirectoryHit(business ? [business] : [], "de")).toEqual({
      name: "Muster Haustechnik AG",
      occupation: "Sanitär, Heizung",
      city: "Bern",
      canton: "BE",
      entries: 1,
      rule: "single",
    });
  });

  it.each([
    ["de", "Familie Muster"],
    ["en", "the Muster family"],
    ["fr", "famille Muster"],
    ["it", "famiglia Muster"],
  ] as const)("names a household in %s: %s", (lang, name) => {
    const household = [person("Muster", "Hans"), person("MUSTER", "Anna"), person("muster", "Lea")];
    expect(chooseDirectoryHit(household, lang)).toEqual({
      name,
      occupation: null,
      city: "Zürich",
      canton: "ZH",
      entries: 3,
      rule: "household",
    });
  });

  it("gives a household no city when its members differ", () => {
    const hit = chooseDirectoryHit(
      [person("Muster", "Hans"), person("Muster", "Anna", "Bern")],
      "de",
    );
    expect(hit).toMatchObject({ rule: "household", city: null, canton: "ZH" });
    const unknownCity = chooseDirectoryHit(
      [person("Muster", "Hans", null), person("Muster", "Anna")],
      "de",
    );
    expect(unknownCity).toMatchObject({ rule: "household", city: null, canton: null });
  });

  it("recognises a keyless household from its titles", () => {
    const doc = feed(
      keyless("Muster, Hans", "Muster, Hans\n8000 Zürich/ZH") +
        keyless("Muster, Anna", "Muster, Anna\n8000 Zürich/ZH"),
    );
    const hit = chooseDirectoryHit(entriesOf(parseSearchChResponse(doc)), "fr");
    expect(hit).toMatchObject({ name: "famille Muster", rule: "household", city: "Zürich" });
  });

  it.each(["de", "en", "fr", "it"] as const)(
    "names the first of several different names in %s, with the count",
    (lang) => {
      const hit = chooseDirectoryHit(
        [person("Muster", "Hans"), person("Beispiel", "Anna", "Bern"), person("Test", "Max")],
        lang,
      );
      expect(hit).toEqual({
        name: "Hans Muster",
        occupation: null,
        city: "Zürich",
        canton: "ZH",
        entries: 3,
        rule: "first-of-several",
      });
    },
  );

  it("does not make a household of a person and a business of the same name", () => {
    const business: DirectoryEntry = {
      ...person("Muster", "x"),
      type: "organisation",
      firstName: null,
      displayName: "Muster",
      occupation: "Garage",
    };
    const hit = chooseDirectoryHit([business, person("Muster", "Hans")], "de");
    expect(hit).toMatchObject({ name: "Muster", occupation: "Garage", rule: "first-of-several" });
  });

  it("does not make a household of keyless business titles", () => {
    const doc = feed(keyless("Muster AG", "Muster AG") + keyless("Muster AG", "Muster AG"));
    const hit = chooseDirectoryHit(entriesOf(parseSearchChResponse(doc)), "de");
    expect(hit).toMatchObject({ name: "Muster AG", rule: "first-of-several", entries: 2 });
  });
});
