import { describe, expect, it } from "vitest";
import {
  buildDiscovery,
  type DiscoveryContext,
  lineDiscovery,
  stableJson,
} from "../../../src/core/discovery/buildDiscovery.js";

const CTX: DiscoveryContext = {
  discoveryPrefix: "homeassistant",
  baseTopic: "voip_callerid",
  swVersion: "1.2.3",
  lines: [{ key: "aaln/1@mta-1.example", label: "Home" }],
};

const AVAILABILITY = [{ topic: "voip_callerid/availability" }];
const ORIGIN = { name: "VoIP Caller ID", sw_version: "1.2.3" };
const ADDON_DEVICE = {
  identifiers: ["voip_callerid"],
  name: "VoIP Caller ID",
  manufacturer: "VoIP Caller ID",
  model: "Home Assistant add-on",
  sw_version: "1.2.3",
};
const LINE_DEVICE = {
  identifiers: ["voip_callerid_aaln_1_mta_1_example"],
  name: "Home",
  manufacturer: "VoIP Caller ID",
  model: "Telephone line",
  via_device: "voip_callerid",
};

function diagnostic(key: string, extra: Record<string, unknown>) {
  return {
    topic: `homeassistant/sensor/voip_callerid/${key}/config`,
    payload: {
      availability: AVAILABILITY,
      default_entity_id: `sensor.voip_callerid_${key}`,
      device: ADDON_DEVICE,
      entity_category: "diagnostic",
      origin: ORIGIN,
      qos: 1,
      state_topic: "voip_callerid/diagnostics",
      unique_id: `voip_callerid_${key}`,
      value_template: `{{ value_json.${key} }}`,
      ...extra,
    },
  };
}

/** The add-on device's own sensor that is not a diagnostic and reads a topic of its own. */
function withoutDiagnosticFields(payload: Record<string, unknown>): Record<string, unknown> {
  const { entity_category: _category, value_template: _template, ...rest } = payload;
  return rest;
}

function lineEntity(component: string, key: string, extra: Record<string, unknown>) {
  return {
    topic: `homeassistant/${component}/voip_callerid_aaln_1_mta_1_example/${key}/config`,
    payload: {
      availability: AVAILABILITY,
      default_entity_id: `${component}.home_${key}`,
      device: LINE_DEVICE,
      origin: ORIGIN,
      qos: 1,
      unique_id: `voip_callerid_aaln_1_mta_1_example_${key}`,
      ...extra,
    },
  };
}

describe("buildDiscovery", () => {
  it("produces exactly these configs for one line", () => {
    expect(buildDiscovery(CTX)).toStrictEqual([
      diagnostic("last_packet_age", {
        name: "Last signalling packet age",
        device_class: "duration",
        state_class: "measurement",
        unit_of_measurement: "s",
      }),
      diagnostic("packets", {
        name: "Signalling packets",
        icon: "mdi:counter",
        state_class: "total_increasing",
      }),
      diagnostic("parse_errors", {
        name: "Parse errors",
        icon: "mdi:alert-circle-outline",
        state_class: "total_increasing",
      }),
      diagnostic("mgcp_messages", {
        name: "MGCP messages",
        icon: "mdi:message-text-outline",
        state_class: "total_increasing",
      }),
      diagnostic("call_events", {
        name: "Call events",
        icon: "mdi:phone-log",
        state_class: "total_increasing",
      }),
      diagnostic("search_ch_quota_used", {
        name: "search.ch quota used this month",
        icon: "mdi:gauge",
        state_class: "measurement",
      }),
      diagnostic("nuisance_calls_this_month", {
        name: "Nuisance calls this month",
        icon: "mdi:phone-alert",
        state_class: "measurement",
      }),
      diagnostic("last_directory_problem", {
        name: "Last directory problem",
        icon: "mdi:book-alert-outline",
      }),
      diagnostic("capture_status", { name: "Capture status", icon: "mdi:lan-connect" }),
      diagnostic("bridge_status", {
        name: "Bridge status",
        icon: "mdi:bridge",
        json_attributes_topic: "voip_callerid/diagnostics/bridge",
      }),
      // Not a diagnostic: the household's own list of calls, for dashboards.
      {
        topic: "homeassistant/sensor/voip_callerid/recent_calls/config",
        payload: {
          ...withoutDiagnosticFields(diagnostic("recent_calls", {}).payload),
          name: "Recent calls",
          icon: "mdi:phone-log",
          device_class: "timestamp",
          state_topic: "voip_callerid/recent_calls",
          json_attributes_topic: "voip_callerid/recent_calls/attributes",
        },
      },
      lineEntity("sensor", "phone", {
        name: "Phone",
        icon: "mdi:phone",
        device_class: "enum",
        options: ["idle", "ringing", "talking", "dialing"],
        state_topic: "voip_callerid/aaln_1_mta_1_example/phone",
        json_attributes_topic: "voip_callerid/aaln_1_mta_1_example/phone/attributes",
      }),
      lineEntity("sensor", "last_caller", {
        name: "Last caller",
        icon: "mdi:phone-incoming",
        state_topic: "voip_callerid/aaln_1_mta_1_example/last_caller",
        json_attributes_topic: "voip_callerid/aaln_1_mta_1_example/last_caller/attributes",
      }),
      lineEntity("event", "call", {
        name: "Call",
        icon: "mdi:phone-ring",
        event_types: ["ringing", "answered", "missed", "ended", "outgoing"],
        state_topic: "voip_callerid/aaln_1_mta_1_example/call",
      }),
      lineEntity("sensor", "missed_calls", {
        name: "Missed calls",
        icon: "mdi:phone-missed",
        state_class: "total_increasing",
        state_topic: "voip_callerid/aaln_1_mta_1_example/missed_calls",
      }),
      lineEntity("button", "reset_missed_calls", {
        name: "Reset missed calls",
        icon: "mdi:phone-remove",
        command_topic: "voip_callerid/aaln_1_mta_1_example/missed_calls/reset",
      }),
      lineEntity("switch", "announcements", {
        name: "Announcements",
        icon: "mdi:bullhorn",
        entity_category: "config",
        state_topic: "voip_callerid/aaln_1_mta_1_example/announcements",
        command_topic: "voip_callerid/aaln_1_mta_1_example/announcements/set",
      }),
    ]);
  });

  it("keeps topics and unique_ids when a line is renamed; the label seeds entity ids only", () => {
    const before = lineDiscovery(CTX, { key: "aaln/1@mta-1.example", label: "Home" });
    const after = lineDiscovery(CTX, { key: "aaln/1@mta-1.example", label: "Büro Zürich" });
    expect(after.map((m) => m.topic)).toStrictEqual(before.map((m) => m.topic));
    expect(after.map((m) => m.payload.unique_id)).toStrictEqual(
      before.map((m) => m.payload.unique_id),
    );
    expect(after.map((m) => m.payload.default_entity_id)).toStrictEqual([
      "sensor.buro_zurich_phone",
      "sensor.buro_zurich_last_caller",
      "event.buro_zurich_call",
      "sensor.buro_zurich_missed_calls",
      "button.buro_zurich_reset_missed_calls",
      "switch.buro_zurich_announcements",
    ]);
    expect(after[0]?.payload.device.name).toBe("Büro Zürich");
  });

  it("gives every entity of two lines its own unique_id and a topic HA accepts", () => {
    const messages = buildDiscovery({
      ...CTX,
      lines: [
        { key: "aaln/1@mta-1.example", label: "Home" },
        { key: "aaln/2@mta-1.example", label: "Office" },
      ],
    });
    expect(messages).toHaveLength(10 + 1 + 6 + 6);
    const ids = messages.map((m) => m.payload.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    // HA's discovery topic: <prefix>/<component>/[<node_id>/]<object_id>/config, ids [a-zA-Z0-9_-]
    for (const { topic } of messages) {
      expect(topic).toMatch(
        /^homeassistant\/(sensor|event|button|switch)\/[\w-]+\/[\w-]+\/config$/,
      );
    }
  });

  it("uses the configured prefix and base topic", () => {
    const [first] = buildDiscovery({ ...CTX, discoveryPrefix: "ha", baseTopic: "phones" });
    expect(first?.topic).toBe("ha/sensor/voip_callerid/last_packet_age/config");
    expect(first?.payload.state_topic).toBe("phones/diagnostics");
    expect(first?.payload.availability).toStrictEqual([{ topic: "phones/availability" }]);
  });
});

describe("stableJson", () => {
  it("sorts keys at every level, so equal configs give equal strings", () => {
    const a = { b: 1, a: { d: [{ z: 1, y: 2 }], c: null } };
    const b = { a: { c: null, d: [{ y: 2, z: 1 }] }, b: 1 };
    expect(stableJson(a)).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
    expect(stableJson(b)).toBe(stableJson(a));
  });

  it("serialises every config of the golden list with sorted keys", () => {
    for (const { payload } of buildDiscovery(CTX)) {
      const keys = Object.keys(JSON.parse(stableJson(payload)) as object);
      expect(keys).toStrictEqual([...keys].sort());
    }
  });
});
