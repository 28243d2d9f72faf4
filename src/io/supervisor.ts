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

/** The broker the Supervisor offers, or why there is none (no broker add-on, no access). */
export async function fetchMqttService(
  token: string,
  baseUrl = "http://supervisor",
  timeoutMs = 5000,
): Promise<{ ok: true; service: MqttService } | { ok: false; message: string }> {
  try {
    const response = await fetch(`${baseUrl}/services/mqtt`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as {
      result?: string;
      message?: string;
      data?: { host?: string; port?: number; ssl?: boolean; username?: string; password?: string };
    } | null;
    if (!response.ok || body?.result !== "ok" || !body.data?.host) {
      return { ok: false, message: body?.message ?? `the Supervisor answered ${response.status}` };
    }
    const { host, port, ssl, username, password } = body.data;
    return {
      ok: true,
      service: {
        url: `${ssl ? "mqtts" : "mqtt"}://${host}:${port ?? (ssl ? 8883 : 1883)}`,
        username: username ?? "",
        password: password ?? "",
      },
    };
  } catch (error) {
    return { ok: false, message: `cannot reach the Supervisor: ${(error as Error).message}` };
  }
}

/** The port the Supervisor's ingress proxy connects to (`data.ingress_port` of addons/self/info). */
export async function fetchIngressPort(
  token: string,
  baseUrl = "http://supervisor",
  timeoutMs = 5000,
): Promise<{ ok: true; port: number } | { ok: false; message: string }> {
  try {
    const response = await fetch(`${baseUrl}/addons/self/info`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as {
      result?: string;
      message?: string;
      data?: { ingress?: boolean; ingress_port?: unknown };
    } | null;
    if (!response.ok || body?.result !== "ok") {
      return { ok: false, message: body?.message ?? `the Supervisor answered ${response.status}` };
    }
    const port = body.data?.ingress_port;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { ok: false, message: "the Supervisor names no ingress port for the add-on" };
    }
    return { ok: true, port };
  } catch (error) {
    return { ok: false, message: `cannot reach the Supervisor: ${(error as Error).message}` };
  }
}
