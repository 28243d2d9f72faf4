/**
 * What every HTTP client of the add-on (search.ch, tellows) needs around `fetch`: one time-out
 * for the whole exchange, a body read with a cap, an error said with its cause, and a secret
 * that never reaches a message.
 */

/**
 * Runs an exchange whose signal is aborted after `timeoutMs` — the body's reading included,
 * so a server that trickles bytes cannot hold a ringing phone hostage — and aborted at the end
 * in any case, which tears down a connection whose body was not read to the end. A throw
 * becomes `failed(error, timedOut)`.
 */
export async function withinTimeout<T>(
  timeoutMs: number,
  exchange: (signal: AbortSignal) => Promise<T>,
  failed: (error: unknown, timedOut: boolean) => T,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    return await exchange(controller.signal);
  } catch (error) {
    return failed(error, timedOut);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/**
 * The body as UTF-8 text, or null once it passes the cap: a Content-Length over it is refused
 * before a byte is read, and a body that trickles past it is cancelled there.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    return declared > maxBytes ? null : "";
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

/** An error's message with its cause (fetch says "fetch failed", the cause says why). */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${error.message}: ${code ?? cause.message}`;
  }
  return error.message;
}

/** Replaces a secret, as written and URL-encoded, with *** in a text. */
export function secretMasker(secret: string | undefined): (text: string) => string {
  if (secret === undefined) return (text) => text;
  const forms = [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ k: secret }).toString().slice(2),
    ]),
  ];
  return (text) => forms.reduce((masked, form) => masked.replaceAll(form, "***"), text);
}
