import { describe, expect, it } from "vitest";
import { OPTIONS_SCHEMA, schemaDefaults } from "../../../src/config/schema.js";
import { validateOptions } from "../../../src/config/validateOptions.js";

describe("options", () => {
  it("nothing configured: every default, from the schema alone", () => {
    const result = validateOptions({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.options.capture).toEqual({
      interface: "eth0",
      adapter_mac: "",
      protocols: ["mgcp", "sip"],
      mgcp_ports: [2427, 2727],
      sip_ports: [5060],
      adapter_addresses: [],
    });
    expect(result.options.directory).toMatchObject({
      country: "CH",
      online_lookup: true,
      lookup_timeout_ms: 1500,
      cache_days_hit: 90,
      cache_days_miss: 7,
      monthly_quota: 1000,
      search_ch_url: "https://search.ch/tel/api/",
    });
    expect(result.options.announce).toMatchObject({
      language: "de",
      repeat: 2,
      repeat_delay_s: 3,
      enabled: true,
    });
    expect(result.options).toMatchObject({ data_dir: "/data", log_level: "info", lines: [] });
  });

  it("does not change what it was given", () => {
    const input = { directory: { country: "DE" } };
    validateOptions(input);
    expect(input).toEqual({ directory: { country: "DE" } });
  });

  it("names every problem at once, each by its option", () => {
    const result = validateOptions({
      capture: { adapter_mac: "zz", mgcp_ports: [0] },
      directory: {
        country: "XX",
        lookup_timeout_ms: 5,
        colour: "blue",
        phonebook: [{ number: "044" }],
      },
      announce: { language: "es", media_players: ["kitchen"], quiet_hours_start: "25:00" },
      bridge: { enabled: true },
      mqtt: { url: "http://broker" },
      surprise: true,
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        "surprise: unknown option",
        'capture.adapter_mac: "zz" is not a MAC address such as 00:90:f8:12:34:56',
        "capture.mgcp_ports.0: must be a port from 1 to 65535, got 0",
        "directory.colour: unknown option",
        "directory.phonebook.0: must have required property 'name'",
        "directory.lookup_timeout_ms: must be a number of milliseconds from 100 to 10000, got 5",
        'announce.media_players.0: "kitchen" is not a media player such as media_player.kitchen',
        'announce.language: must be one of "de", "en", "fr", "it"',
        'announce.quiet_hours_start: "25:00" is not a time such as 22:00',
        'mqtt.url: "http://broker" is not a URL such as mqtt://192.168.1.10:1883',
        'directory.country: "XX" is not a country with a numbering plan (e.g. CH, DE, FR)',
        "bridge: enabled, so external_interface and internal_interface must both be set",
      ],
    });
  });

  it("names satellites that are not assist_satellite entities, and an unknown nuisance mode", () => {
    const result = validateOptions({
      lines: [{ id: "aaln/1@*", satellites: ["media_player.kitchen"] }],
      announce: { satellites: ["assist_satellite.hall", "kitchen"], nuisance: "block" },
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        'lines.0.satellites.0: "media_player.kitchen" is not an Assist satellite such as assist_satellite.kitchen',
        'announce.satellites.1: "kitchen" is not an Assist satellite such as assist_satellite.kitchen',
        'announce.nuisance: must be one of "warn", "silent", "normal"',
      ],
    });
  });

  it("asks a bridge for two different ports and the adapter's MAC", () => {
    const bridge = { enabled: true, external_interface: "eth0", internal_interface: "eth0" };
    expect(validateOptions({ bridge })).toEqual({
      ok: false,
      problems: [
        "bridge: external_interface and internal_interface must be two different ports (both are eth0)",
        "bridge: enabled, so capture.adapter_mac must be set: only the adapter's frames cross",
      ],
    });
    const complete = validateOptions({
      capture: { adapter_mac: "00:90:f8:12:34:56" },
      bridge: { ...bridge, internal_interface: "eth1" },
    });
    expect(complete.ok).toBe(true);
  });

  it("fills in the same defaults without ajv, for the commands that have nothing to check", () => {
    expect(validateOptions({})).toEqual({ ok: true, options: schemaDefaults(OPTIONS_SCHEMA) });
  });

  it("takes a MAC with one separator throughout, as the capture reads it", () => {
    for (const mac of ["00:90:f8:12:34:56", "00-90-F8-12-34-56"]) {
      expect(validateOptions({ capture: { adapter_mac: mac } }).ok).toBe(true);
    }
    expect(validateOptions({ capture: { adapter_mac: "00:90-f8:12:34:56" } })).toEqual({
      ok: false,
      problems: [
        'capture.adapter_mac: "00:90-f8:12:34:56" is not a MAC address such as 00:90:f8:12:34:56',
      ],
    });
  });

  it("names the range of a number, and what was given instead", () => {
    expect(
      validateOptions({ announce: { repeat: "twice", repeat_delay_s: 61 }, call_log_days: 1.5 }),
    ).toEqual({
      ok: false,
      problems: [
        'announce.repeat: must be a whole number from 1 to 10, got "twice"',
        "announce.repeat_delay_s: must be a number of seconds from 0 to 60, got 61",
        "call_log_days: must be a number of days from 1 to 3650, got 1.5",
      ],
    });
  });
});
