/**
 * The add-on's log: one line per message on stdout (the add-on log page), with level and
 * namespace. Caller numbers and names go only into debug messages, which take a function so
 * that nothing is formatted when debug is off; secrets are never passed in.
 */
export type LogLevel = "debug" | "info" | "warning" | "error";

export interface Logger {
  debug(message: () => string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(namespace: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  namespace = "voip",
  now: () => Date = () => new Date(),
): Logger {
  const emit = (lineLevel: LogLevel, message: string) => {
    if (RANK[lineLevel] < RANK[level]) return;
    write(`${now().toISOString()} ${lineLevel.toUpperCase().padEnd(7)} [${namespace}] ${message}`);
  };
  return {
    debug: (message) => {
      if (RANK[level] === 0) emit("debug", message());
    },
    info: (message) => emit("info", message),
    warn: (message) => emit("warning", message),
    error: (message) => emit("error", message),
    child: (name) => createLogger(level, write, `${namespace}:${name}`, now),
  };
}
