/**
 * Now: every line with its state and current caller, the capture's health, the MAC bridge
 * when it runs, and the search.ch requests used this month — all from the live state the app
 * receives over `api/events`.
 */
import { css, html, LitElement, nothing } from "lit";
import { api, type Line, type PanelState } from "../api.js";
import { formatCallTime, known, sourceLabel } from "../format.js";
import { locale, t } from "../locale.js";
import { shared } from "../styles.js";
import { attempt } from "./viewLoading.js";

export class VciNow extends LitElement {
  static properties = { panelState: { attribute: false }, failure: { state: true } };
  declare panelState: PanelState | null;
  declare failure: string;

  constructor() {
    super();
    this.panelState = null;
    this.failure = "";
  }

  override render() {
    const state = this.panelState;
    if (!state) return html`<p class="muted">${t("loading")}</p>`;
    return html`
      <section class="card" data-testid="lines">
        <h2>${t("now.lines")}</h2>
        ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
        ${
          state.lines.length === 0
            ? html`<p class="muted">${t("now.noLines")}</p>`
            : html`<ul class="lines">${state.lines.map((line) => this.line(line))}</ul>`
        }
      </section>
      <div class="grid">
        ${this.capture(state)} ${this.bridge(state)} ${this.directory(state)}
      </div>
      <p class="muted version">v${state.version}</p>
    `;
  }

  private line(line: Line) {
    const caller = line.caller;
    const who = caller?.name ?? caller?.number_display ?? caller?.number ?? null;
    return html`<li class="line" data-line=${line.key} data-state=${line.state}>
      <div class="head">
        <span class="label">${line.label}</span>
        <span class="state ${line.state}">${t(`state.${line.state}`)}</span>
      </div>
      ${
        caller && line.state !== "idle"
          ? html`<div class="caller">
              <strong>${who ?? t("calls.withheld")}</strong>
              ${caller.name && caller.number_display ? html`<span>${caller.number_display}</span>` : nothing}
              ${caller.name_source ? html`<span class="muted">${sourceLabel(caller.name_source, t)}</span>` : nothing}
              ${caller.nuisance ? html`<span class="chip nuisance">${caller.nuisance_label ?? t("calls.nuisance")}</span>` : nothing}
            </div>`
          : this.lastCall(line)
      }
      <div class="row small controls">
        ${
          line.missedCalls > 0
            ? html`<span class="missed">${t("now.missed", { n: line.missedCalls })}</span>
              <button class="secondary" data-action="reset-missed"
                @click=${() => this.change(() => api.resetMissedCalls(line.key))}
                >${t("now.resetMissed")}</button>`
            : nothing
        }
        <label class="muted"><input type="checkbox" name="announcements" .checked=${line.announcements}
          @change=${(e: Event) =>
            this.change(() =>
              api.setAnnouncements(line.key, (e.target as HTMLInputElement).checked),
            )}
          />${t("now.announcements")}</label>
      </div>
    </li>`;
  }

  /** A change to a line; its new state comes back over the live connection. */
  private change(run: () => Promise<unknown>): Promise<void> {
    return attempt(this, run);
  }

  /** An idle line says who called last, and when. */
  private lastCall(line: Line) {
    const last = line.lastCall;
    if (!last) return nothing;
    const who = last.name ?? last.number_display ?? last.number ?? t("calls.withheld");
    const when = last.started_at ? formatCallTime(last.started_at, locale, new Date()) : "";
    return html`<div class="muted last" data-testid="last-call">
      ${t("now.last")}: <span>${who}</span> ${when ? html`<span>· ${when}</span>` : nothing}
    </div>`;
  }

  private capture(state: PanelState) {
    const capture = state.capture;
    // The age comes with the daemon's periodic diagnostics: packets may be counted before it.
    const age =
      capture.lastPacketAgeS !== null
        ? t("now.ago", { s: Math.round(capture.lastPacketAgeS) })
        : capture.packets > 0
          ? "—"
          : t("now.never");
    return html`<section class="card" data-testid="capture">
      <h2>${t("now.capture")}</h2>
      <dl>
        <dt>${t("now.state")}</dt>
        <dd>${known("status", capture.state, t)}</dd>
        ${capture.detail ? html`<dt></dt><dd class="muted">${capture.detail}</dd>` : nothing}
        ${capture.interface ? html`<dt>${t("now.interface")}</dt><dd>${capture.interface}</dd>` : nothing}
        <dt>${t("now.lastPacket")}</dt>
        <dd>${age}</dd>
        <dt>${t("now.packets")}</dt>
        <dd>${capture.packets}</dd>
        <dt>${t("now.parseErrors")}</dt>
        <dd>${capture.parseErrors}</dd>
      </dl>
    </section>`;
  }

  /** The bridge's counters as it names them: numbers and short texts only. */
  private bridge(state: PanelState) {
    const bridge = state.bridge;
    if (!bridge) return nothing;
    const counters = Object.entries(bridge).filter(
      ([key, value]) => key !== "state" && key !== "detail" && typeof value === "number",
    );
    return html`<section class="card" data-testid="bridge">
      <h2>${t("now.bridge")}</h2>
      <dl>
        <dt>${t("now.state")}</dt>
        <dd>${known("status", bridge.state, t)}</dd>
        ${bridge.detail ? html`<dt></dt><dd class="muted">${String(bridge.detail)}</dd>` : nothing}
        ${counters.map(([key, value]) => html`<dt>${known("bridge", key, t)}</dt><dd>${String(value)}</dd>`)}
      </dl>
    </section>`;
  }

  private directory(state: PanelState) {
    const directory = state.directory;
    const used =
      directory.searchChQuota === null
        ? String(directory.searchChUsedThisMonth)
        : `${directory.searchChUsedThisMonth} / ${directory.searchChQuota}`;
    return html`<section class="card" data-testid="directory">
      <h2>${t("now.directory")}</h2>
      <dl>
        <dt>${t("now.used")}</dt>
        <dd>${used}</dd>
      </dl>
      ${directory.onlineLookup ? nothing : html`<p class="muted">${t("now.lookupOff")}</p>`}
    </section>`;
  }

  static styles = [
    shared,
    css`
      .lines {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .line {
        padding: 10px 0;
        border-top: 1px solid var(--divider);
      }
      .line:first-child {
        border-top: none;
      }
      .head {
        display: flex;
        justify-content: space-between;
        gap: 8px;
        align-items: center;
      }
      .label {
        font-weight: 500;
        overflow-wrap: anywhere;
      }
      .state {
        border-radius: 12px;
        padding: 2px 10px;
        font-size: 13px;
        background: var(--divider);
        white-space: nowrap;
      }
      .state.ringing {
        background: var(--ringing);
        color: #000000;
      }
      .state.talking {
        background: var(--talking);
        color: #ffffff;
      }
      .state.dialing {
        background: var(--dialing);
        color: #ffffff;
      }
      .caller {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 10px;
        margin-top: 4px;
        font-size: 16px;
        overflow-wrap: anywhere;
      }
      .last {
        margin-top: 2px;
        overflow-wrap: anywhere;
      }
      .controls {
        margin-top: 4px;
      }
      .controls button {
        padding: 2px 8px;
        font-size: 12px;
      }
      .missed {
        color: var(--bad);
      }
      .small {
        font-size: 12px;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
        gap: 0 12px;
      }
      .version {
        text-align: right;
        font-size: 12px;
      }
    `,
  ];
}

customElements.define("vci-now", VciNow);
