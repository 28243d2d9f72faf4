/**
 * What the household can do with one call: give the number a name in its own phonebook (the
 * next call from it rings with that name), mark it as nuisance or allowed, look it up on
 * tel.search.ch, and have the announcement said again on a chosen speaker.
 */
import { css, html, LitElement, nothing } from "lit";
import { ApiError, api, type Call, type Speakers, telSearchUrl } from "../api.js";
import { t } from "../locale.js";
import { speakerOptions, speakers, voiceSelect } from "../speakers.js";
import { shared } from "../styles.js";

export class VciCallActions extends LitElement {
  static properties = {
    call: { attribute: false },
    message: { state: true },
    failure: { state: true },
    busy: { state: true },
    speakerList: { state: true },
  };
  declare call: Call;
  declare message: string;
  declare failure: string;
  declare busy: boolean;
  declare speakerList: Speakers | null;

  constructor() {
    super();
    this.message = "";
    this.failure = "";
    this.busy = false;
    this.speakerList = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void speakers().then((list) => {
      this.speakerList = list;
    });
  }

  private value(name: string): string {
    const input = this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(
      `[name="${name}"]`,
    );
    return input?.value.trim() ?? "";
  }

  /** Runs one action, saying what came of it; the list is told to refresh. */
  private async act(run: () => Promise<string>): Promise<void> {
    this.busy = true;
    this.message = "";
    this.failure = "";
    try {
      this.message = await run();
      this.dispatchEvent(new CustomEvent("changed", { bubbles: true, composed: true }));
    } catch (error) {
      const text = error instanceof ApiError || error instanceof Error ? error.message : "";
      this.failure = t("error.text", { message: text });
    } finally {
      this.busy = false;
    }
  }

  private readonly onSaveName = (event: Event) => {
    event.preventDefault();
    void this.saveName();
  };

  /** Added to the household's phonebook; the server renames the number's entry if it has one. */
  private saveName(): Promise<void> {
    const number = this.call.number ?? "";
    const name = this.value("name");
    return this.act(async () => {
      await api.addEntry(number, name);
      return t("calls.saved");
    });
  }

  private mark(kind: "nuisance" | "allow"): Promise<void> {
    const label = this.value("label");
    return this.act(async () => {
      await api.mark(this.call.number ?? "", kind, label === "" ? null : label);
      return t("calls.marked");
    });
  }

  private sayAgain(): Promise<void> {
    const speaker = this.value("speaker");
    const tts = this.value("tts");
    return this.act(async () => {
      const said = await api.announce({
        call_id: this.call.call_id,
        ...(speaker ? { speaker } : {}),
        ...(tts ? { tts } : {}),
      });
      return t("calls.said", { sentence: said.sentence });
    });
  }

  override render() {
    const call = this.call;
    const number = call.number;
    const currentName = call.name_source === "phonebook" ? (call.name ?? "") : "";
    return html`
      ${
        number
          ? html`
            <form class="row" @submit=${this.onSaveName}>
              <label>${t("calls.nameInPhonebook")}
                <input name="name" required .value=${currentName} autocomplete="off" />
              </label>
              <button ?disabled=${this.busy} data-action="save-name">${t("calls.saveName")}</button>
            </form>
            <div class="row">
              <input name="label" placeholder=${t("calls.label")} aria-label=${t("calls.label")} />
              <button class="secondary" ?disabled=${this.busy} data-action="nuisance"
                @click=${() => this.mark("nuisance")}>${t("calls.markNuisance")}</button>
              <button class="secondary" ?disabled=${this.busy} data-action="allow"
                @click=${() => this.mark("allow")}>${t("calls.markAllowed")}</button>
              <a class="button secondary" href=${telSearchUrl(number)} target="_blank"
                rel="noopener noreferrer">${t("calls.openSearchCh")}</a>
            </div>`
          : nothing
      }
      <div class="row">
        <select name="speaker" aria-label=${t("try.speaker")}>
          <option value="">${t("try.noSpeaker")}</option>
          ${this.speakerList ? speakerOptions(this.speakerList) : nothing}
        </select>
        ${voiceSelect(this.speakerList)}
        <button class="secondary" ?disabled=${this.busy} data-action="say"
          @click=${() => this.sayAgain()}>${t("calls.sayAgain")}</button>
      </div>
      ${this.message ? html`<p class="note" role="status">${this.message}</p>` : nothing}
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
    `;
  }

  static styles = [
    shared,
    css`
      :host {
        display: grid;
        gap: 8px;
        padding: 8px 0 4px;
      }
      p {
        margin: 0;
        overflow-wrap: anywhere;
      }
      label {
        flex-wrap: wrap;
      }
    `,
  ];
}

customElements.define("vci-call-actions", VciCallActions);
