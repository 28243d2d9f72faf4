import { expect, it } from "vitest";
import { TransactionWindow } from "../../../src/core/calls/transactionWindow.js";

it("remembers for the history only, and forgets the oldest beyond its size", () => {
  const window = new TransactionWindow<string>(30_000, 3);
  window.remember("a", 0, "A");
  window.remember("b", 10_000, "B");
  expect(window.get("a", 30_000)).toBe("A");
  expect(window.get("a", 30_001)).toBeUndefined();
  expect(window.size).toBe(1);
  window.remember("c", 30_001, "C");
  window.remember("d", 30_002, "D");
  window.remember("e", 30_003, "E");
  expect([window.get("b", 30_003), window.get("c", 30_003), window.get("e", 30_003)]).toEqual([
    undefined,
    "C",
    "E",
  ]);
  expect(window.take("c", 30_004)).toBe("C");
  expect(window.get("c", 30_004)).toBeUndefined();
  expect(window.size).toBe(2);
});

it("stays small on a long run: a day of one transaction a second holds 30 s of them", () => {
  const window = new TransactionWindow<true>();
  for (let second = 0; second < 86_400; second++)
    window.remember(`t${second}`, second * 1000, true);
  expect(window.size).toBe(31);
});
