/**
 * What the views share in fetching and changing: a view's data loaded when it is shown and
 * again once typing pauses, and a failure shown as the views all word it.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { t } from "../locale.js";

/** Loads a view's data when it is shown; `soon` loads again, at once or after a pause. */
export class ViewLoader implements ReactiveController {
  private waiting: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly load: () => Promise<void>,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.load();
  }

  /** A load still waiting for typing to pause is dropped with the view. */
  hostDisconnected(): void {
    clearTimeout(this.waiting);
  }

  /** Loads now, or after `delayMs` unless asked again before then (typing). */
  soon(delayMs = 0): void {
    clearTimeout(this.waiting);
    if (delayMs === 0) void this.load();
    else this.waiting = setTimeout(() => void this.load(), delayMs);
  }
}

/** Runs a request for the view; while it runs no failure shows, after it the one it met. */
export async function attempt(
  view: { failure: string },
  run: () => Promise<unknown>,
): Promise<void> {
  view.failure = "";
  try {
    await run();
  } catch (error) {
    view.failure = t("error.text", { message: (error as Error).message });
  }
}
