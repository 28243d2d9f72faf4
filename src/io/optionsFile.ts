/** The add-on's options from a file: `/data/options.json` under the Supervisor, or --config. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

export function readOptionsFile(
  path: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "not found"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    return { ok: false, message: `cannot read the options file ${path}: ${why}` };
  }
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    const value: unknown = parse(text, { prettyErrors: true }) ?? {};
    if (typeof value !== "object" || Array.isArray(value)) {
      return { ok: false, message: `${path}: the options must be a mapping of names to values` };
    }
    return { ok: true, value };
  } catch (error) {
    return {
      ok: false,
      message: `${path} is not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`,
    };
  }
}

/**
 * The folder for the cache and other state: the configured one, except that outside the
 * add-on — where /data does not exist and nobody configured it — the user's state folder.
 */
export function stateFolder(configured: string): string {
  if (configured !== "/data" || existsSync("/data")) return configured;
  const base = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "voip-callerid");
}
