import { describe, expect, it } from "vitest";
import {
  isCountryCode,
  isSameNumber,
  normalizeNumber,
  spokenDigits,
} from "../../../src/core/caller/numbers.js";

describe("normalizeNumber for Switzerland", () => {
  it.each([
    "+41 44 123 45 67",
    "0041441234567",
    "0041 44 123 45 67",
    "044 123 45 67",
    "044/123.45.67",
    "0441234567",
    "41441234567",
    "441234567", // the network dropped the trunk 0
    "+41 (0)44 123 45 67",
  ])("%s → one key", (raw) => {
    expect(normalizeNumber(raw, "CH")).toEqual({
      kind: "number",
      key: "+41441234567",
      e164: "+41441234567",
      display: "044 123 45 67",
      spoken: "0 4 4, 1 2 3, 4 5, 6 7",
      domestic: true,
    });
  });

  it.each([
    ["mobile", "079 123 45 67", "+41791234567", "079 123 45 67", true],
    ["Lucerne without its trunk 0", "411234567", "+41411234567", "041 123 45 67", true],
    ["toll-free service number", "0800 123 456", "+41800123456", "0800 123 456", true],
    ["premium service number", "0900123456", "+41900123456", "0900 123 456", true],
    ["German number", "0049 30 1234567", "+49301234567", "+49 30 1234567", false],
    ["US number", "+12675941249", "+12675941249", "+1 267 594 1249", false],
  ])("%s", (_, raw, key, display, domestic) => {
    expect(normalizeNumber(raw, "CH")).toMatchObject({
      kind: "number",
      key,
      e164: key,
      display,
      domestic,
    });
  });

  it.each([
    ["emergency short number", "117", "1 1 7"],
    ["short service number", "1818", "1 8 1 8"],
    ["a code with star and hash", "*31#", "* 3 1 #"],
    ["too short to be a number", "12345", "1 2 3 4 5"],
  ])("%s keeps its digits unchanged", (_, raw, spoken) => {
    expect(normalizeNumber(raw, "CH")).toEqual({
      kind: "number",
      key: raw,
      e164: null,
      display: raw,
      spoken,
      domestic: false,
    });
  });

  it("withheld, unavailable and missing numbers are kinds, not numbers", () => {
    expect(normalizeNumber(null, "CH", { anonymous: true })).toEqual({ kind: "anonymous" });
    expect(normalizeNumber(null, "CH", { unavailable: true })).toEqual({ kind: "unavailable" });
    expect(normalizeNumber(null, "CH")).toEqual({ kind: "none" });
    expect(normalizeNumber(" - ", "CH")).toEqual({ kind: "none" });
  });

  it("an overlong digit string is cut, never parsed whole", () => {
    const result = normalizeNumber("9".repeat(10_000), "CH");
    expect(result.kind === "number" && result.key.length).toBe(32);
  });
});

describe("other countries", () => {
  it("the same written forms map to one key for Germany", () => {
    for (const raw of ["030 1234567", "+49 30 1234567", "0049301234567"]) {
      expect(normalizeNumber(raw, "DE")).toMatchObject({
        key: "+49301234567",
        display: "030 1234567",
        domestic: true,
      });
    }
    expect(normalizeNumber("+41 44 123 45 67", "DE")).toMatchObject({
      domestic: false,
      display: "+41 44 123 45 67",
    });
  });

  it("knows country codes", () => {
    expect(isCountryCode("CH")).toBe(true);
    expect(isCountryCode("XX")).toBe(false);
    expect(isCountryCode("ch")).toBe(false);
  });
});

it("spoken digits follow the written groups", () => {
  expect(spokenDigits("+41 44 123 45 67")).toBe("+ 4 1, 4 4, 1 2 3, 4 5, 6 7");
  expect(spokenDigits("(267) 594-1249")).toBe("2 6 7, 5 9 4, 1 2 4 9");
});

it("isSameNumber compares lines by their national significant digits", () => {
  expect(isSameNumber("+41 44 111 22 33", "0441112233")).toBe(true);
  expect(isSameNumber("0041441112233", "sip-user 044/111.22.33")).toBe(true);
  expect(isSameNumber("0441112233", "0441112234")).toBe(false);
  expect(isSameNumber("147", "147")).toBe(false);
});
