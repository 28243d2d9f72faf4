/** The panel's language, chosen once from the browser's preferences. */
import { pickLanguage, translator } from "./i18n/index.js";

export const language = pickLanguage(
  navigator.languages?.length ? navigator.languages : [navigator.language],
);
export const t = translator(language);
document.documentElement.lang = language;
