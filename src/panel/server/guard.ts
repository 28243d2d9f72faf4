/**
 * Who may talk to the panel, and which requests may change something. Pure: the server's
 * hooks (server.ts) ask these for every request.
 *
 * - The Supervisor's ingress proxy reaches the add-on from 172.30.32.2 (the add-on runs on the
 *   host network and listens on every address); loopback is the same machine (a developer's
 *   browser outside the Supervisor, the tests). Every other peer gets 403 and nothing else.
 * - From loopback, only requests naming this machine (`localhost`, 127.x, [::1]) as Host.
 * - A request that changes something must carry `X-VoIP-CallerID: 1` and a JSON body type: a
 *   form or an image tag on another web site can send neither without a CORS preflight, and
 *   the panel answers no preflight (no CORS headers at all), so it cannot be forged.
 */

/** The Supervisor's ingress proxy, as documented for add-ons using ingress. */
const INGRESS_PROXY_ADDRESS = "172.30.32.2";
const CSRF_HEADER = "x-voip-callerid";

const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** An IPv4 peer of a dual-stack socket (`::ffff:a.b.c.d`) as its IPv4 address. */
function unmapped(address: string): string {
  return address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
}

/** Whether a peer's socket address may be answered. */
export function isAllowedPeer(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = unmapped(address);
  if (plain === INGRESS_PROXY_ADDRESS || plain === "::1") return true;
  return LOOPBACK_IPV4.test(plain);
}

/**
 * A browser on this machine asked by its own name (DNS rebinding: another site's name made
 * to point at 127.0.0.1 would otherwise be the panel's own origin, custom header and all).
 * The ingress proxy passes on whatever name Home Assistant is reached by: not checked there.
 */
export function isAllowedHost(peer: string | undefined, host: string | undefined): boolean {
  if (peer !== undefined && unmapped(peer) === INGRESS_PROXY_ADDRESS) return true;
  const name = (host ?? "").toLowerCase().replace(/:\d+$/, "");
  return name === "localhost" || name === "[::1]" || LOOPBACK_IPV4.test(name);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface Refusal {
  readonly status: 403 | 415;
  readonly error: string;
  readonly message: string;
}

/** Why a state-changing request is refused, or null when it may go on. */
export function stateChangeRefusal(
  method: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Refusal | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  if (headers[CSRF_HEADER] !== "1") {
    return {
      status: 403,
      error: "missing-header",
      message: "changes need the header X-VoIP-CallerID: 1",
    };
  }
  const type = headers["content-type"];
  const mediaType = (typeof type === "string" ? type : "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return { status: 415, error: "not-json", message: "changes are sent as application/json" };
  }
  return null;
}

/**
 * The ingress prefix HA's proxy names in `X-Ingress-Path` (`/api/hassio_ingress/<token>`),
 * checked so that it can go into the page's `<base href>`; "" when absent or not of that shape.
 */
export function ingressPrefix(header: string | string[] | undefined): string {
  const value = typeof header === "string" ? header.trim().replace(/\/+$/, "") : "";
  return /^(\/[A-Za-z0-9._~-]+)+$/.test(value) ? value : "";
}
