/** The caller resolver's settings as the options give them; `lookup` and the daemon share it. */
import type { CountryCode } from "../core/caller/numbers.js";
import type { ResolverSettings } from "../core/caller/resolveCaller.js";
import type { Options } from "./schema.js";

export function resolverSettings(options: Options): ResolverSettings {
  const { directory, announce } = options;
  return {
    // validateOptions has checked that libphonenumber knows the country.
    country: directory.country as CountryCode,
    lang: announce.language,
    templates: {
      known: announce.template_known,
      directory: announce.template_directory,
      unknown: announce.template_unknown,
      anonymous: announce.template_anonymous,
      unavailable: announce.template_unavailable,
      unreachable: announce.template_unreachable,
    },
    onlineLookup: directory.online_lookup,
    monthlyQuota: directory.monthly_quota,
  };
}
