/** The speakers Home Assistant has, asked once per page load and shared by the views. */
import { html } from "lit";
import { api, type Entity, type Speakers } from "./api.js";
import { t } from "./locale.js";

let asked: Promise<Speakers> | null = null;

export function speakers(): Promise<Speakers> {
  asked ??= api.speakers().catch(() => {
    asked = null;
    return { media_players: [], tts: [], satellites: [] };
  });
  return asked;
}

/** `<option>`s grouped by kind; the entity's name shown, its id the value. */
export function speakerOptions(list: Speakers) {
  const group = (label: string, entities: Entity[]) =>
    entities.length === 0
      ? null
      : html`<optgroup label=${label}>
          ${entities.map(
            (entity) =>
              html`<option value=${entity.entity_id}>${entity.name ?? entity.entity_id}</option>`,
          )}
        </optgroup>`;
  return [
    group(t("speakers.media"), list.media_players),
    group(t("speakers.tts"), list.tts),
    group(t("speakers.satellites"), list.satellites),
  ];
}
