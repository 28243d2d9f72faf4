/** The panel's language, chosen once from the browser's preferences. */
import { pickLanguage, translator } from "./i18n/index.js";

const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
export const language = pickLanguage(preferred);
/** Dates and times as the browser's own variant of that language writes them (de-CH, en-GB). */
export const locale =
  preferred.find((tag) => tag.toLowerCase().split("-")[0] === language) ?? language;
export const t = translator(language);
document.documentElement.lang = language;
