/**
 * A frozen Home Assistant for the stand-in (fakeHomeAssistant.ts), as `kill -STOP` leaves the
 * real one: the process runs nothing, but the kernel keeps its sockets.
 * - every TCP socket stops being read, so what a client writes piles up in the kernel's
 *   receive buffer, acknowledged but unread; when the process wakes it reads all of it, and
 *   only then the end of a connection the client closed or reset meanwhile (Linux keeps
 *   received bytes on RST: the reader gets them before ECONNRESET) — so whatever was written
 *   to a frozen Home Assistant is carried out when it wakes;
 * - new connections are accepted by the kernel but not served: their sockets are paused too;
 * - nothing is sent and no timer's work runs; what was due runs on thaw, in order, before
 *   anything read after it — as a resumed process first runs its overdue timers and reads.
 */
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

export class FakeFreeze {
  #frozen = false;
  #thawTimer: NodeJS.Timeout | undefined;
  readonly #held: (() => void)[] = [];

  constructor(
    private readonly sockets: () => Iterable<Socket>,
    private readonly websockets: () => Iterable<WebSocket>,
    private readonly changed: () => void,
  ) {}

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Runs `work` now, or at thaw while frozen. */
  run(work: () => void): void {
    if (this.#frozen) this.#held.push(work);
    else work();
  }

  /** A new TCP connection: the kernel takes it, a frozen process does not read it. */
  accepted(socket: Socket): void {
    if (this.#frozen) stopReading(socket);
  }

  /** Freezes now; with `forMs`, thaws by itself after it. */
  freeze(forMs?: number): void {
    this.#frozen = true;
    for (const ws of this.websockets()) ws.pause();
    for (const socket of this.sockets()) stopReading(socket);
    clearTimeout(this.#thawTimer);
    if (forMs !== undefined) this.#thawTimer = setTimeout(() => this.thaw(), forMs);
    this.changed();
  }

  thaw(): void {
    if (!this.#frozen) return;
    clearTimeout(this.#thawTimer);
    this.#frozen = false;
    for (const work of this.#held.splice(0)) work();
    for (const ws of this.websockets()) ws.resume();
    for (const socket of this.sockets()) startReading(socket);
    this.changed();
  }
}

type SocketHandle = { reading: boolean; readStop(): number; readStart(): number };

/**
 * pause() alone only stops the stream's flow: Node keeps reading from the kernel into the
 * stream's buffer up to its high-water mark, which a stopped process would not. So the handle
 * stops reading too, as net.Socket#pause does for its own buffered sockets, and starts again
 * on thaw (resume() does not restart a read the stream believes in progress).
 */
function stopReading(socket: Socket): void {
  socket.pause();
  const handle = handleOf(socket);
  if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

function startReading(socket: Socket): void {
  socket.resume();
  const handle = handleOf(socket);
  if (handle && !handle.reading && !socket.destroyed) {
    handle.reading = true;
    handle.readStart();
  }
}

function handleOf(socket: Socket): SocketHandle | undefined {
  return (socket as unknown as { _handle?: SocketHandle })._handle ?? undefined;
}
