/**
 * Try an announcement: a number, or one of the last calls, and a speaker (Home Assistant's
 * media players, TTS entities and Assist satellites); the sentence is shown, and spoken when a
 * speaker is chosen.
 */
import { css, html, LitElement, nothing } from "lit";
import { api, type Call, type Speakers } from "../api.js";
import { callerTitle, formatCallTime } from "../format.js";
import { locale, t } from "../locale.js";
import { speakerOptions, speakers, voiceSelect } from "../speakers.js";
import { shared } from "../styles.js";

export class VciTry extends LitElement {
  static properties = {
    recent: { state: true },
    speakerList: { state: true },
    sentence: { state: true },
    failure: { state: true },
    busy: { state: true },
  };
  declare recent: Call[];
  declare speakerList: Speakers | null;
  declare sentence: string;
  declare failure: string;
  declare busy: boolean;

  constructor() {
    super();
    this.recent = [];
    this.speakerList = null;
    this.sentence = "";
    this.failure = "";
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void speakers().then((list) => {
      this.speakerList = list;
    });
    api.calls({}, 20, null).then(
      (page) => {
        this.recent = page.calls;
      },
      () => undefined,
    );
  }

  private async hear(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const number = String(data.get("number") ?? "").trim();
    const callId = String(data.get("call") ?? "");
    const speaker = String(data.get("speaker") ?? "");
    const tts = String(data.get("tts") ?? "");
    this.busy = true;
    this.failure = "";
    this.sentence = "";
    try {
      const said = await api.announce({
        ...(number ? { number } : callId ? { call_id: callId } : {}),
        ...(speaker ? { speaker } : {}),
        ...(tts ? { tts } : {}),
      });
      this.sentence = said.sentence;
    } catch (error) {
      this.failure = t("error.text", { message: (error as Error).message });
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const now = new Date();
    return html`<section class="card">
      <p class="muted">${t("try.intro")}</p>
      <form @submit=${this.hear}>
        <label>${t("try.number")}
          <input name="number" inputmode="tel" autocomplete="off" placeholder="044 123 45 67" />
        </label>
        <label>${t("try.pastCall")}
          <select name="call">
            <option value="">${t("try.choose")}</option>
            ${this.recent.map(
              (call) =>
                html`<option value=${call.call_id}>${formatCallTime(call.started_at, locale, now)} · ${callerTitle(call, t)}</option>`,
            )}
          </select>
        </label>
        <label>${t("try.speaker")}
          <select name="speaker">
            <option value="">${t("try.noSpeaker")}</option>
            ${this.speakerList ? speakerOptions(this.speakerList) : nothing}
          </select>
        </label>
        ${
          this.speakerList?.tts.length
            ? html`<label>${t("speakers.tts")} ${voiceSelect(this.speakerList)}</label>`
            : nothing
        }
        <div><button ?disabled=${this.busy}>${t("try.hear")}</button></div>
      </form>
      ${
        this.sentence
          ? html`<h2>${t("try.sentence")}</h2><blockquote data-testid="sentence">${this.sentence}</blockquote>`
          : nothing
      }
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
    </section>`;
  }

  static styles = [
    shared,
    css`
      form {
        display: grid;
        gap: 12px;
        max-width: 480px;
      }
      label {
        display: grid;
        gap: 4px;
      }
      blockquote {
        font-size: 18px;
        margin: 0;
        padding: 8px 12px;
        border-left: 4px solid var(--primary);
        overflow-wrap: anywhere;
      }
      h2 {
        margin-top: 16px;
      }
    `,
  ];
}

customElements.define("vci-try", VciTry);
