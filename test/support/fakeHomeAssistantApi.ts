/**
 * What the Home Assistant stand-in (fakeHomeAssistant.ts) offers a test: its options, its
 * records (connections, frames, fired events, service calls) and the faults it can play.
 */
import type {
  FakeService,
  FakeState,
  FiredEvent,
  RecordedServiceCall,
} from "./fakeHomeAssistantCommands.js";

export interface FakeHomeAssistantOptions {
  token?: string;
  haVersion?: string;
  /** "domain.service" → behaviour; default tts.speak, tts.cloud_say, logbook.log. */
  services?: Record<string, FakeService>;
  states?: FakeState[];
  authTimeoutMs?: number;
}

export interface FakeConnection {
  id: number;
  /** When the upgrade request arrived (epoch ms). */
  at: number;
  state: "refused" | "authenticating" | "authenticated" | "auth-invalid" | "auth-timeout";
  /** The HTTP status a refused upgrade was answered with. */
  refusedWith?: number;
  authenticatedAt?: number;
  closedAt?: number;
}

export interface ReceivedFrame {
  at: number;
  connection: number;
  /** The parsed JSON (an array when commands were sent together), or the raw text. */
  message: unknown;
}

export interface FakeHomeAssistant {
  readonly port: number;
  /** http://127.0.0.1:<port>, what a user puts in homeassistant.url */
  readonly url: string;
  /** ws://127.0.0.1:<port>/api/websocket */
  readonly websocketUrl: string;
  readonly running: boolean;
  /** Authenticated connections open now. */
  readonly openConnections: number;
  readonly connections: readonly FakeConnection[];
  readonly received: readonly ReceivedFrame[];
  readonly firedEvents: readonly FiredEvent[];
  readonly serviceCalls: readonly RecordedServiceCall[];
  /** Listens again, on the same port. */
  start(): Promise<void>;
  /** As HA shutting down: close frames to every client, then the port is closed (refused). */
  stop(): Promise<void>;
  /** Destroys every connection's TCP socket without a close frame. */
  killConnections(): void;
  /**
   * The connections open now stop answering (frames are still recorded), as a hung HA or a
   * half-open TCP connection would; new connections are served normally.
   */
  stallConnections(): void;
  /**
   * As `kill -STOP`: no socket is read, nothing is sent, no timer's work runs, until thaw()
   * (or after `forMs`); what piled up is then read and carried out, unless the client reset
   * its connection meanwhile (the kernel drops unread bytes on RST).
   */
  freeze(forMs?: number): void;
  /** As `kill -CONT`. */
  thaw(): void;
  readonly frozen: boolean;
  setToken(token: string): void;
  setAuthDelay(ms: number): void;
  /** Answer upgrade requests with this HTTP status (e.g. 502), or null to accept again. */
  setUpgradeStatus(status: number | null): void;
  /** Adds, changes or (null) removes a service. */
  setService(name: string, service: FakeService | null): void;
  setStates(states: FakeState[]): void;
  /** An event fired inside HA (not by a client): delivered to subscribers. */
  fireEvent(eventType: string, data?: Record<string, unknown>): void;
  /** Resolves with check()'s first truthy value, re-checked whenever something is recorded. */
  waitFor<T>(
    check: () => T | null | undefined | false,
    timeoutMs?: number,
    what?: string,
  ): Promise<T>;
  clearRecords(): void;
}
