/**
 * setupFile of every project: before the test file is even imported, waits for a turn in its
 * project's queue (./turns.ts) and keeps it until the file's last afterAll has run.
 */
import { connect } from "node:net";
import { afterAll, inject } from "vitest";

const turn = connect(inject("turnSocket"));
turn.write(JSON.stringify(inject("turnQueue")));
await new Promise<void>((resolve, reject) => {
  turn.once("data", () => resolve());
  turn.once("error", reject);
});

// Registered before the file's own hooks, so it runs after all of them.
afterAll(() => {
  turn.end();
});
