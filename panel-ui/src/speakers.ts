/**
 * What Home Assistant can speak on, asked once per page load and shared by the views: speakers
 * (media players and Assist satellites, where the sentence is said) and voices (TTS entities;
 * none chosen = the add-on's own announce.tts_entity).
 */
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

const options = (entities: Entity[]) =>
  entities.map(
    (entity) => html`<option value=${entity.entity_id}>${entity.name ?? entity.entity_id}</option>`,
  );

/** `<option>`s for where to say it: media players, then Assist satellites. */
export function speakerOptions(list: Speakers) {
  const group = (label: string, entities: Entity[]) =>
    entities.length === 0 ? null : html`<optgroup label=${label}>${options(entities)}</optgroup>`;
  return [
    group(t("speakers.media"), list.media_players),
    group(t("speakers.satellites"), list.satellites),
  ];
}

/** A voice select, when Home Assistant has TTS entities; its value goes as `tts`. */
export function voiceSelect(list: Speakers | null) {
  if (!list || list.tts.length === 0) return null;
  return html`<select name="tts" aria-label=${t("speakers.tts")}>
    <option value="">${t("speakers.defaultVoice")}</option>
    ${options(list.tts)}
  </select>`;
}
