/**
 * Calls: the call log, newest first, a page at a time by the server's cursor (so 100,000 calls
 * cost what one page costs), with filters for missed calls, line, direction and a name or
 * number. A row opens the call's actions. The first page follows the live state: when a
 * line's state changes, it is fetched again.
 */
import { css, html, LitElement, nothing } from "lit";
import { api, type Call, type CallFilter, type PanelState } from "../api.js";
import {
  callerTitle,
  callOutcome,
  formatCallTime,
  isMissed,
  RENDERED_MARK,
  sourceLabel,
} from "../format.js";
import { locale, t } from "../locale.js";
import { shared } from "../styles.js";
import "./callActions.js";
import { ViewLoader } from "./viewLoading.js";

const PAGE_SIZE = 50;

export class VciCalls extends LitElement {
  static properties = {
    panelState: { attribute: false },
    calls: { state: true },
    page: { state: true },
    next: { state: true },
    open: { state: true },
    failure: { state: true },
    loading: { state: true },
  };
  declare panelState: PanelState | null;
  declare calls: Call[] | null;
  declare page: number;
  declare next: string | null;
  declare open: string | null;
  declare failure: string;
  declare loading: boolean;
  private filter: CallFilter = {};
  /** The cursor of every page seen so far: page n was fetched with cursors[n]. */
  private cursors: (string | null)[] = [null];
  private lineStates = "";
  private readonly seenLines = new Map<string, string>();
  private readonly loader = new ViewLoader(this, () => this.load());
  private request = 0;

  constructor() {
    super();
    this.panelState = null;
    this.calls = null;
    this.page = 0;
    this.next = null;
    this.open = null;
    this.failure = "";
    this.loading = false;
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (!changed.has("panelState") || !this.panelState) return;
    const states = this.panelState.lines.map((line) => `${line.key}=${line.state}`).join(",");
    if (states !== this.lineStates) {
      const first = this.lineStates === "";
      this.lineStates = states;
      if (!first && this.page === 0) void this.load();
    }
  }

  /** The first rows on screen, as a mark on the page's timeline (the panel benchmark reads it). */
  override updated(): void {
    if (this.calls !== null && performance.getEntriesByName(RENDERED_MARK).length === 0)
      performance.mark(RENDERED_MARK);
  }

  /** Fetches the current page; an answer to an older request is dropped. */
  private async load(): Promise<void> {
    const request = ++this.request;
    this.loading = true;
    try {
      const answer = await api.calls(this.filter, PAGE_SIZE, this.cursors[this.page] ?? null);
      if (request !== this.request) return;
      this.calls = answer.calls;
      this.next = answer.next;
      this.failure = "";
    } catch (error) {
      if (request !== this.request) return;
      this.failure = t("error.text", { message: (error as Error).message });
    } finally {
      if (request === this.request) this.loading = false;
    }
  }

  private setFilter(change: Partial<CallFilter>, delayMs = 0): void {
    this.filter = { ...this.filter, ...change };
    this.cursors = [null];
    this.page = 0;
    this.loader.soon(delayMs);
  }

  /** The household's lines, and those of the calls seen so far (a line may be quiet today). */
  private lineChoices(): [string, string][] {
    for (const line of this.panelState?.lines ?? []) this.seenLines.set(line.key, line.label);
    for (const call of this.calls ?? [])
      if (!this.seenLines.has(call.line))
        this.seenLines.set(call.line, call.line_name ?? call.line);
    return [...this.seenLines].sort((a, b) => a[1].localeCompare(b[1]));
  }

  private older(): void {
    if (this.next === null) return;
    this.cursors[this.page + 1] = this.next;
    this.page++;
    this.open = null;
    void this.load();
  }

  private newer(): void {
    if (this.page === 0) return;
    this.page--;
    this.open = null;
    void this.load();
  }

  override render() {
    const lines = this.lineChoices();
    return html`
      <section class="card filters row">
        <label><input type="checkbox" name="missed"
          @change=${(e: Event) => this.setFilter({ missed: (e.target as HTMLInputElement).checked })} />
          ${t("calls.missedOnly")}</label>
        <select name="line" aria-label=${t("calls.allLines")}
          @change=${(e: Event) => this.setFilter({ line: (e.target as HTMLSelectElement).value })}>
          <option value="">${t("calls.allLines")}</option>
          ${lines.map(([key, label]) => html`<option value=${key}>${label}</option>`)}
        </select>
        <select name="direction" aria-label=${t("calls.bothDirections")}
          @change=${(e: Event) =>
            this.setFilter({
              direction: (e.target as HTMLSelectElement).value as CallFilter["direction"],
            })}>
          <option value="">${t("calls.bothDirections")}</option>
          <option value="incoming">${t("calls.incoming")}</option>
          <option value="outgoing">${t("calls.outgoing")}</option>
        </select>
        <input type="search" name="q" placeholder=${t("calls.search")} aria-label=${t("calls.search")}
          @input=${(e: Event) => this.setFilter({ q: (e.target as HTMLInputElement).value }, 300)} />
      </section>
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
      ${this.list()}
      <div class="row pager">
        <button class="secondary" data-action="newer" ?disabled=${this.page === 0}
          @click=${() => this.newer()}>${t("calls.newer")}</button>
        <span class="muted" data-testid="page">${t("calls.page", { n: this.page + 1 })}</span>
        <button class="secondary" data-action="older" ?disabled=${this.next === null}
          @click=${() => this.older()}>${t("calls.older")}</button>
      </div>
    `;
  }

  private list() {
    if (this.calls === null) return html`<p class="muted">${t("loading")}</p>`;
    if (this.calls.length === 0) return html`<p class="card muted">${t("calls.none")}</p>`;
    const now = new Date();
    return html`<ul class="card calls" data-testid="calls" aria-busy=${this.loading}>
      ${this.calls.map((call) => this.row(call, now))}
    </ul>`;
  }

  private row(call: Call, now: Date) {
    const open = this.open === call.call_id;
    const missed = isMissed(call);
    const numberShown = call.name ? (call.number_display ?? call.number) : null;
    return html`<li class="call ${missed ? "missed" : ""}" data-call=${call.call_id}>
      <button class="summary" aria-expanded=${open}
        @click=${() => {
          this.open = open ? null : call.call_id;
        }}>
        <span class="direction" title=${t(call.direction === "incoming" ? "calls.incoming" : "calls.outgoing")}
          >${call.direction === "incoming" ? "↙" : "↗"}</span>
        <span class="who">
          <span class="name">${callerTitle(call, t)}</span>
          ${call.nuisance ? html`<span class="chip nuisance">${call.nuisance_label ?? t("calls.nuisance")}</span>` : nothing}
          <span class="detail muted">
            ${numberShown ? html`<span class="number">${numberShown}</span>` : nothing}
            ${call.name_source ? html`<span class="source">${sourceLabel(call.name_source, t)}</span>` : nothing}
          </span>
        </span>
        <span class="when">
          <span>${formatCallTime(call.started_at, locale, now)}</span>
          <span class="muted outcome">${callOutcome(call, t)}</span>
          <span class="muted line">${call.line_name ?? call.line}</span>
        </span>
      </button>
      ${open ? html`<vci-call-actions .call=${call} @changed=${() => this.load()}></vci-call-actions>` : nothing}
    </li>`;
  }

  static styles = [
    shared,
    css`
      .filters input[type="search"] {
        flex: 1 1 140px;
      }
      .calls {
        list-style: none;
        padding: 0 12px;
      }
      .call {
        border-top: 1px solid var(--divider);
      }
      .call:first-child {
        border-top: none;
      }
      .summary {
        all: unset;
        box-sizing: border-box;
        cursor: pointer;
        display: grid;
        grid-template-columns: 20px 1fr auto;
        gap: 8px;
        width: 100%;
        padding: 10px 0;
        color: var(--text);
      }
      .summary:focus-visible {
        outline: 2px solid var(--primary);
      }
      .direction {
        color: var(--muted);
        font-size: 16px;
      }
      .missed .direction,
      .missed .outcome {
        color: var(--bad);
      }
      .who {
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .name {
        font-weight: 500;
        margin-right: 6px;
      }
      .detail {
        display: flex;
        flex-wrap: wrap;
        gap: 0 8px;
        font-size: 13px;
      }
      .when {
        display: flex;
        flex-direction: column;
        align-items: flex-end;
        font-size: 13px;
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .pager {
        justify-content: center;
        margin-bottom: 16px;
      }
    `,
  ];
}

customElements.define("vci-calls", VciCalls);
