import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DAEMON_NODE_FLAGS, MEMORY_ENVIRONMENT } from "../../../src/nodeFlags.js";
import { PROJECT_ROOT } from "../../support/projectRoot.js";

const RUN_SH = readFileSync(join(PROJECT_ROOT, "addon/run.sh"), "utf8");

describe("the add-on's start script", () => {
  it("starts the daemon with the node flags the program and its tests use", () => {
    const exec = RUN_SH.split("\n").filter((line) => line.startsWith("exec "));
    expect(exec).toEqual([`exec node ${DAEMON_NODE_FLAGS.join(" ")} /app/dist/main.js run`]);
  });

  it("sets the memory environment the workers are forked with", () => {
    for (const [name, value] of Object.entries(MEMORY_ENVIRONMENT))
      expect(RUN_SH).toContain(`\nexport ${name}=${value}\n`);
  });
});
