/**
 * `npm run gen:config`: rewrites config.yaml's `options:` and `schema:` from
 * src/config/schema.ts. With `--check` it only says whether config.yaml is current.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateAddonConfig } from "./addonConfig.js";

const path = fileURLToPath(new URL("../config.yaml", import.meta.url));
const current = readFileSync(path, "utf8");
const generated = generateAddonConfig(current);
if (process.argv.includes("--check")) {
  if (generated !== current) {
    console.error("config.yaml is not current: run npm run gen:config");
    process.exitCode = 1;
  }
} else if (generated !== current) {
  writeFileSync(path, generated);
  console.log("config.yaml: options and schema regenerated");
} else {
  console.log("config.yaml: already current");
}
