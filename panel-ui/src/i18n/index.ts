/**
 * The panel speaks the browser's language when it is one of the add-on's four (de, en, fr,
 * it), English otherwise. Texts are looked up by key; `{name}` placeholders are filled with
 * the values given, as plain text (the templates render them escaped).
 */
import { de } from "./de.js";
import { en, type MessageKey, type Messages } from "./en.js";
import { fr } from "./fr.js";
import { it } from "./it.js";

export type { MessageKey };
export type Language = "de" | "en" | "fr" | "it";

const CATALOGUES: Record<Language, Messages> = { de, en, fr, it };

/** The first of the browser's preferred languages the panel has ("de-CH" → "de"). */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "de" || base === "en" || base === "fr" || base === "it") return base;
  }
  return "en";
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const messages = CATALOGUES[language];
  return (key, values) => {
    const text: string = messages[key] ?? en[key] ?? key;
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in values ? String(values[name]) : whole,
    );
  };
}
