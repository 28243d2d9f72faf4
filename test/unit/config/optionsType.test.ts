/**
 * The `Options` type is derived from the schema (json-schema-to-ts): it must keep the shape the
 * rest of the program was written against. Checked by the type checker (npm run typecheck).
 */
import { expectTypeOf, it } from "vitest";
import type { FlagSettings } from "../../../src/config/commandLine.js";
import type { Options } from "../../../src/config/schema.js";

/** The shape as it was written by hand before it was derived. */
interface ExpectedOptions {
  capture: {
    interface: string;
    adapter_mac: string;
    protocols: ("mgcp" | "sip")[];
    mgcp_ports: number[];
    sip_ports: number[];
    adapter_addresses: string[];
  };
  bridge: {
    enabled: boolean;
    external_interface: string;
    internal_interface: string;
    rewrite_dhcp_destination: boolean;
    protect_host: boolean;
  };
  lines: { id: string; name: string; media_players: string[]; satellites: string[] }[];
  directory: {
    country: string;
    phonebook: { number: string; name: string }[];
    phonebook_files: string[];
    nuisance: { number: string; label: string }[];
    nuisance_files: string[];
    allow: string[];
    tellows_key: string;
    tellows_partner: string;
    tellows_min_score: number;
    tellows_url: string;
    online_lookup: boolean;
    search_ch_key: string;
    search_ch_url: string;
    lookup_timeout_ms: number;
    cache_days_hit: number;
    cache_days_miss: number;
    monthly_quota: number;
  };
  announce: {
    enabled: boolean;
    tts_entity: string;
    tts_service: string;
    media_players: string[];
    satellites: string[];
    preannounce: boolean;
    language: "de" | "en" | "fr" | "it";
    repeat: number;
    repeat_delay_s: number;
    quiet_hours_start: string;
    quiet_hours_end: string;
    known_callers_only: boolean;
    command: string[];
    template_known: string;
    template_directory: string;
    template_unknown: string;
    template_anonymous: string;
    template_unavailable: string;
    template_unreachable: string;
    nuisance: "warn" | "silent" | "normal";
    template_nuisance: string;
  };
  mqtt: {
    url: string;
    username: string;
    password: string;
    discovery_prefix: string;
    base_topic: string;
  };
  homeassistant: { url: string; token: string };
  panel: { enabled: boolean; port: number };
  data_dir: string;
  call_log_days: number;
  log_level: "debug" | "info" | "warning" | "error";
}

it("Options is the documented shape, every defaulted option present", () => {
  expectTypeOf<Options>().toEqualTypeOf<ExpectedOptions>();
  expectTypeOf<Options["announce"]["language"]>().not.toEqualTypeOf<string>();
});

it("the commands' own settings are numbers, each present", () => {
  expectTypeOf<FlagSettings>().toEqualTypeOf<{
    "ring-timeout": number;
    speed: number;
    limit: number;
    "status-interval": number;
  }>();
});
