/** The add-on's options from a file: `/data/options.json` under the Supervisor, or --config. */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

/** Far more than any options file; a path to a disk image or /dev/zero is not read whole. */
const MAX_OPTIONS_BYTES = 1024 * 1024;

export function readOptionsFile(
  path: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO (or /dev/stdin) named by mistake must not hang the start.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = fstatSync(fd);
    if (!info.isFile()) {
      return { ok: false, message: `cannot read the options file ${path}: not a regular file` };
    }
    if (info.size > MAX_OPTIONS_BYTES) {
      return {
        ok: false,
        message: `cannot read the options file ${path}: ${info.size} bytes, more than ${MAX_OPTIONS_BYTES}`,
      };
    }
    text = readFileSync(fd, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "not found"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    return { ok: false, message: `cannot read the options file ${path}: ${why}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  try {
    const value: unknown = parseOptions(text) ?? {};
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
 * The Supervisor writes /data/options.json, which JSON.parse reads; anything else goes to the
 * YAML parser (YAML 1.2 is a superset of JSON, so it also says what is wrong with bad JSON),
 * loaded only then: the add-on does not keep its 1 MB of code in memory for nothing.
 */
function parseOptions(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {
    // Not JSON: YAML, or a mistake the YAML parser describes.
  }
  const yaml: typeof import("yaml") = createRequire(import.meta.url)("yaml");
  return yaml.parse(text, { prettyErrors: true });
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
