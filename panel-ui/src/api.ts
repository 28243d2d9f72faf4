/**
 * The panel's HTTP API (CONTRACTS.md, "Panel HTTP API"), as the browser calls it. Every path is
 * relative, so the same page works on the add-on's own port and under Home Assistant's ingress
 * prefix (`/api/hassio_ingress/<token>/`). Only JSON goes in and out; state-changing requests
 * carry the custom header the server insists on, which another web site cannot send.
 */

export type LineStateName = "idle" | "ringing" | "talking" | "dialing";

export interface LineCaller {
  name: string | null;
  number: string | null;
  number_display: string | null;
  name_source: string | null;
  nuisance?: boolean;
  nuisance_label?: string | null;
}

export interface Line {
  key: string;
  label: string;
  state: LineStateName;
  missedCalls: number;
  announcements: boolean;
  caller: LineCaller | null;
  /** The line's latest call, open or ended (an idle line shows who called last). */
  lastCall?: (LineCaller & { started_at: string | null; type: string | null }) | null;
}

export interface CaptureHealth {
  state: string;
  /** Why it is in that state, in the daemon's (English) words; "" when there is nothing to say. */
  detail?: string;
  interface: string | null;
  lastPacketAgeS: number | null;
  packets: number;
  parseErrors: number;
}

export interface PanelState {
  version: string;
  lines: Line[];
  capture: CaptureHealth;
  bridge: ({ state: string; detail?: string; frames?: number } & Record<string, unknown>) | null;
  directory: { searchChUsedThisMonth: number; searchChQuota: number | null; onlineLookup: boolean };
}

export interface Call {
  call_id: string;
  started_at: string;
  line: string;
  line_name: string | null;
  direction: "incoming" | "outgoing";
  outcome: string | null;
  answered: boolean;
  duration_s: number | null;
  number: string | null;
  number_display: string | null;
  name: string | null;
  name_source: string | null;
  anonymous: boolean;
  announcement: string | null;
  nuisance?: boolean;
  nuisance_label?: string | null;
  nuisance_source?: string | null;
}

export interface CallPage {
  calls: Call[];
  next: string | null;
}

export interface CallFilter {
  missed?: boolean;
  line?: string;
  direction?: "incoming" | "outgoing" | "";
  q?: string;
}

export interface PhonebookEntry {
  id: string;
  number: string;
  number_display: string | null;
  name: string;
  source: "household" | "options" | "file";
  file: string | null;
  editable: boolean;
  /** An options/file entry whose number the household's own phonebook names otherwise. */
  overridden?: boolean;
}

export interface PhonebookPage {
  entries: PhonebookEntry[];
  /** More options/file entries than were sent: search to see them. */
  truncated?: boolean;
}

export interface ImportPreview {
  /** The first entries (the server lists up to 1,000); `total` counts all the file has. */
  entries: { number: string; number_display: string | null; name: string }[];
  total?: number;
  /** The server's own words name the file and the line (`line` is null for the whole file). */
  problems: { line: number | null; message: string }[];
}

export interface Entity {
  entity_id: string;
  name: string | null;
}

export interface Speakers {
  media_players: Entity[];
  tts: Entity[];
  satellites: Entity[];
}

/** A number or a past call; said on `speaker` (media player or satellite) with voice `tts`. */
export interface AnnounceRequest {
  number?: string;
  call_id?: string;
  speaker?: string;
  tts?: string;
}

/** A refusal from the server, with its human text when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The calls query string: only the filters that are set, plus the page size and cursor. */
export function callsPath(filter: CallFilter, limit: number, before: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== null) query.set("before", before);
  if (filter.missed) query.set("missed", "1");
  if (filter.line) query.set("line", filter.line);
  if (filter.direction) query.set("direction", filter.direction);
  const text = filter.q?.trim();
  if (text) query.set("q", text);
  return `api/calls?${query}`;
}

/** tel.search.ch's page for a number: its own search, fed the number as data. */
export function telSearchUrl(number: string): string {
  return `https://tel.search.ch/?was=${encodeURIComponent(number)}`;
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const problem = (body ?? {}) as { error?: string; message?: string };
    throw new ApiError(
      response.status,
      problem.error ?? String(response.status),
      problem.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return body as T;
}

async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { Accept: "application/json" } }));
}

async function sendJson<T>(
  method: "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method,
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-VoIP-CallerID": "1",
      },
      body: JSON.stringify(body ?? {}),
    }),
  );
}

export const api = {
  state: () => getJson<PanelState>("api/state"),
  calls: (filter: CallFilter, limit: number, before: string | null) =>
    getJson<CallPage>(callsPath(filter, limit, before)),
  /** All household entries, and options/file entries up to the server's limit (`truncated`). */
  phonebook: (q = "") =>
    getJson<PhonebookPage>(
      q.trim() ? `api/phonebook?q=${encodeURIComponent(q.trim())}` : "api/phonebook",
    ),
  addEntry: (number: string, name: string) =>
    sendJson<PhonebookEntry>("POST", "api/phonebook", { number, name }),
  editEntry: (id: string, number: string, name: string) =>
    sendJson<PhonebookEntry>("PUT", `api/phonebook/${encodeURIComponent(id)}`, { number, name }),
  deleteEntry: (id: string) => sendJson<void>("DELETE", `api/phonebook/${encodeURIComponent(id)}`),
  previewImport: (filename: string, text: string) =>
    sendJson<ImportPreview>("POST", "api/phonebook/import?preview=1", { filename, text }),
  runImport: (filename: string, text: string) =>
    sendJson<{ added: number; problems: ImportPreview["problems"] }>(
      "POST",
      "api/phonebook/import",
      { filename, text },
    ),
  mark: (number: string, kind: "nuisance" | "allow", label: string | null) =>
    sendJson<unknown>("POST", "api/marks", { number, kind, label }),
  speakers: () => getJson<Speakers>("api/speakers"),
  resetMissedCalls: (line: string) =>
    sendJson<Line>("POST", `api/lines/${encodeURIComponent(line)}/reset-missed-calls`, {}),
  setAnnouncements: (line: string, on: boolean) =>
    sendJson<Line>("PUT", `api/lines/${encodeURIComponent(line)}/announcements`, { on }),
  announce: (request: AnnounceRequest) =>
    sendJson<{
      sentence: string;
      spoken?: boolean;
      nuisance?: boolean;
      nuisance_label?: string | null;
    }>("POST", "api/announce", request),
};
