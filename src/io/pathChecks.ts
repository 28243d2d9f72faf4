/**
 * The path options, checked before anything starts, so that a wrong path is one clear line
 * naming the option instead of a hang or a failure minutes later. The reason this exists:
 * Node 20's recursive mkdir loops forever at 100 % CPU under /proc (`mkdir` there answers
 * ENOENT for the parent it has just been told to create) and the process no longer sees
 * SIGTERM. Folders are therefore created here one level at a time, never recursively.
 *
 *   data_dir                    a folder on disk that can be created and written to
 *   directory.phonebook_files,  each a file that could be read: a regular file, not a folder,
 *   directory.nuisance_files    a FIFO or a device; a file not there (yet) is only a warning
 *                               later, when it is read, as before
 *
 * Refused for both: a NUL in the path, more than PATH_MAX bytes or a name over NAME_MAX, a
 * place under /proc, /sys or /dev (kernel file systems, also when reached through a symbolic
 * link), and a path whose parent is a file. Everything here is a handful of stat calls.
 */
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  realpathSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { dirname, join, parse, resolve, sep } from "node:path";
import type { Options } from "../config/schema.js";
import type { OptionsResult } from "../config/validateOptions.js";
import { stateFolder } from "./optionsFile.js";

/** Linux limits (limits.h): a whole path, including its final NUL, and one name in it. */
const PATH_MAX = 4096;
const NAME_MAX = 255;
const KERNEL_FILE_SYSTEMS = ["/proc", "/sys", "/dev"];

/** Valid options, unless a path option is wrong: then its problems, as the schema's are. */
export function withPathChecks(result: OptionsResult): OptionsResult {
  if (!result.ok) return result;
  const problems = pathOptionProblems(result.options);
  return problems.length > 0 ? { ok: false, problems } : result;
}

/** Every problem with the path options, each naming its option; empty when all is well. */
export function pathOptionProblems(options: Options): string[] {
  const problems: string[] = [];
  const dataDir = stateFolder(options.data_dir);
  const folder = folderProblem(dataDir);
  if (folder) problems.push(`data_dir: ${quoted(dataDir)} ${folder}`);
  for (const option of ["phonebook_files", "nuisance_files"] as const) {
    options.directory[option].forEach((file, index) => {
      const problem = readableFileProblem(file);
      if (problem) problems.push(`directory.${option}[${index}]: ${quoted(file)} ${problem}`);
    });
  }
  return problems;
}

/**
 * Creates `path` and its missing parents one level at a time, after the same checks as
 * data_dir. A replacement for mkdirSync(path, { recursive: true }), which never returns under
 * /proc. @throws Error saying what is wrong with the path.
 */
export function makeFolder(path: string): void {
  const problem = folderProblem(path, { probeWrite: false });
  if (problem) throw new Error(`${quoted(path)} ${problem}`);
}

/** Why `path` cannot be a folder to keep state in (it is created on the way), or null. */
export function folderProblem(path: string, { probeWrite = true } = {}): string | null {
  const shape = shapeProblem(path, "folder");
  if (shape) return shape;
  const absolute = resolve(path);
  const walked = walk(absolute);
  if (typeof walked === "string") return walked;
  if (walked.missing === null) {
    if (!walked.isFolder) return "is a file, not a folder";
  } else {
    const created = createDownTo(walked.missing, absolute);
    if (created) return created;
  }
  return probeWrite ? writeProblem(absolute) : null;
}

/** Creates `first` (the first missing part) and each level below it down to `absolute`. */
function createDownTo(first: string, absolute: string): string | null {
  const below = absolute.slice(first.length).split(sep).filter(Boolean);
  let current = first;
  for (const name of ["", ...below]) {
    current = join(current, name);
    try {
      // Not recursive: one system call that either works or fails at once.
      mkdirSync(current);
    } catch (error) {
      if (code(error) !== "EEXIST") return `cannot be created: ${because(error, current)}`;
    }
  }
  return null;
}

/** Why `path` can never be read as a file, or null (also when it is simply not there yet). */
export function readableFileProblem(path: string): string | null {
  const shape = shapeProblem(path, "file");
  if (shape) return shape;
  const walked = walk(resolve(path));
  if (typeof walked === "string") return walked;
  if (walked.missing !== null) return null;
  if (walked.isFolder) return "is a folder, not a file";
  if (!walked.isFile)
    return "is not a regular file (a device, FIFO or socket cannot be read whole)";
  return null;
}

/** What is wrong with the text of the path itself, and where it leads. */
function shapeProblem(path: string, what: "folder" | "file"): string | null {
  if (path.includes("\0")) return "contains a NUL character";
  const absolute = resolve(path);
  const bytes = Buffer.byteLength(absolute);
  if (bytes >= PATH_MAX) return `is ${bytes} bytes long; a path may have at most ${PATH_MAX - 1}`;
  const longName = absolute.split(sep).find((name) => Buffer.byteLength(name) > NAME_MAX);
  if (longName !== undefined) {
    return `has a name of ${Buffer.byteLength(longName)} bytes ("${longName.slice(0, 16)}…"); a name may have at most ${NAME_MAX}`;
  }
  const kernel = kernelFileSystem(absolute) ?? kernelFileSystem(realpathOfExisting(absolute));
  if (kernel) {
    const example = what === "folder" ? "a folder such as /data" : "a file under /config or /share";
    return `is under ${kernel}, a kernel file system, not a place on disk: choose ${example}`;
  }
  return null;
}

function kernelFileSystem(absolute: string): string | null {
  return (
    KERNEL_FILE_SYSTEMS.find((top) => absolute === top || absolute.startsWith(`${top}/`)) ?? null
  );
}

/** The real path of the deepest part of `absolute` that exists (symbolic links resolved). */
function realpathOfExisting(absolute: string): string {
  for (let current = absolute; ; current = dirname(current)) {
    try {
      return join(realpathSync(current), absolute.slice(current.length));
    } catch {
      if (current === parse(current).root) return absolute;
    }
  }
}

type Walked =
  | { missing: null; isFolder: boolean; isFile: boolean }
  /** The first part of the path that does not exist; everything above it is a folder. */
  | { missing: string };

/** From the root down: the first missing part, or what the whole path is. */
function walk(absolute: string): Walked | string {
  const names = absolute.split(sep).filter(Boolean);
  let current = parse(absolute).root;
  for (const [index, name] of names.entries()) {
    current = join(current, name);
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(current);
    } catch (error) {
      if (code(error) === "ENOENT") return { missing: current };
      return `cannot be reached: ${because(error, current)}`;
    }
    const last = index === names.length - 1;
    if (last) return { missing: null, isFolder: info.isDirectory(), isFile: info.isFile() };
    if (!info.isDirectory()) return `cannot be reached: ${current} is a file, not a folder`;
  }
  return { missing: null, isFolder: true, isFile: false }; // the root itself
}

/** Creating and removing a file proves what access(2) cannot: a read-only mount, a full disk. */
function writeProblem(folder: string): string | null {
  const probe = join(folder, `.voip-callerid-write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
    unlinkSync(probe);
    return null;
  } catch (error) {
    return `is not writable: ${because(error, folder)}`;
  }
}

function because(error: unknown, where: string): string {
  switch (code(error)) {
    case "EACCES":
    case "EPERM":
      return `permission denied in ${where}`;
    case "EROFS":
      return `${where} is on a read-only file system`;
    case "ENOSPC":
    case "EDQUOT":
      return `no space left in ${where}`;
    case "ENOTDIR":
      return `a part of ${where} is a file, not a folder`;
    case "ELOOP":
      return `${where} has a loop of symbolic links`;
    default:
      return `${where}: ${(error as Error).message}`;
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** Quoted as JSON, so that control characters in a path cannot garble the message. */
function quoted(path: string): string {
  const shown = path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-40)}` : path;
  return JSON.stringify(shown);
}
