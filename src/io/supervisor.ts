/**
 * The Home Assistant Supervisor, seen from inside the add-on: its token in SUPERVISOR_TOKEN,
 * the options it validated in /data/options.json, and the MQTT broker it knows
 * (`GET http://supervisor/services/mqtt`, which needs `services: [mqtt:want]` in config.yaml),
 * and the port its ingress proxy expects the panel on (`GET /addons/self/info`: with
 * `ingress_port: 0` the Supervisor chooses one, so the add-on must ask).
 */
export const SUPERVISOR_OPTIONS_FILE = "/data/options.json";

export function supervisorToken(env: NodeJS.ProcessEnv): string | null {
  return env.SUPERVISOR_TOKEN || env.HASSIO_TOKEN || null;
}

export interface MqttService {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

type SupervisorAnswer<T> = ({ ok: true } & T) | { ok: false; message: string };

/**
 * `GET url` with the add-on's token: the answer's `data` when the Supervisor says
 * `result: "ok"` and `usable(data)` holds, else the Supervisor's own message (or its status).
 */
async function askSupervisor<Data>(
  token: string,
  url: string,
  timeoutMs: number,
  usable: (data: Data | undefined) => data is Data,
): Promise<SupervisorAnswer<{ data: Data }>> {
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as {
      result?: string;
      message?: string;
      data?: Data;
    } | null;
    if (!response.ok || body?.result !== "ok" || !usable(body.data)) {
      return { ok: false, message: body?.message ?? `the Supervisor answered ${response.status}` };
    }
    return { ok: true, data: body.data };
  } catch (error) {
    return { ok: false, message: `cannot reach the Supervisor: ${(error as Error).message}` };
  }
}

interface MqttServiceData {
  host: string;
  port?: number;
  ssl?: boolean;
  username?: string;
  password?: string;
}

/** The broker the Supervisor offers, or why there is none (no broker add-on, no access). */
export async function fetchMqttService(
  token: string,
  baseUrl = "http://supervisor",
  timeoutMs = 5000,
): Promise<SupervisorAnswer<{ service: MqttService }>> {
  const answer = await askSupervisor(
    token,
    `${baseUrl}/services/mqtt`,
    timeoutMs,
    (data: Partial<MqttServiceData> | undefined): data is MqttServiceData => !!data?.host,
  );
  if (!answer.ok) return answer;
  const { host, port, ssl, username, password } = answer.data;
  return {
    ok: true,
    service: {
      url: `${ssl ? "mqtts" : "mqtt"}://${host}:${port ?? (ssl ? 8883 : 1883)}`,
      username: username ?? "",
      password: password ?? "",
    },
  };
}

interface IngressInfo {
  ingress?: boolean;
  ingress_port?: unknown;
}

/** The port the Supervisor's ingress proxy connects to (`data.ingress_port` of addons/self/info). */
export async function fetchIngressPort(
  token: string,
  baseUrl = "http://supervisor",
  timeoutMs = 5000,
): Promise<SupervisorAnswer<{ port: number }>> {
  // Every answer is usable here: a missing port is named below, not as the Supervisor's refusal.
  const answer = await askSupervisor<IngressInfo | undefined>(
    token,
    `${baseUrl}/addons/self/info`,
    timeoutMs,
    (_data): _data is IngressInfo | undefined => true,
  );
  if (!answer.ok) return answer;
  const port = answer.data?.ingress_port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, message: "the Supervisor names no ingress port for the add-on" };
  }
  return { ok: true, port };
}
