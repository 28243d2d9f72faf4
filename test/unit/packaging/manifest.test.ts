/**
 * config.yaml's top-level keys and repository.yaml as the Supervisor reads them, and what its
 * store scan would take for an add-on. (The `options:`/`schema:` blocks: addonConfig.test.ts.)
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readYaml(path: string): Tree {
  const value: unknown = parse(readFileSync(join(ROOT, path), "utf8"));
  if (!isTree(value)) throw new Error(`${path} is not a YAML mapping`);
  return value;
}

const config = readYaml("config.yaml");

/** Keys of _SCHEMA_APP_CONFIG (supervisor/apps/validate.py); the Supervisor drops others silently. */
const MANIFEST_KEYS = new Set(
  `name version slug description arch machine url startup boot init stage ports ports_description
  watchdog webui ingress ingress_port ingress_entry ingress_stream panel_icon panel_title
  panel_admin homeassistant host_network host_pid host_ipc host_uts host_dbus devices udev tmpfs
  map environment privileged apparmor full_access audio video gpio usb uart devicetree
  kernel_modules realtime hassio_api hassio_role homeassistant_api stdin legacy docker_api auth_api
  services discovery backup_exclude backup_pre backup_post backup options schema ulimits timeout
  journald breaking_versions`.split(/\s+/),
);

describe("manifest", () => {
  it("config.yaml: the add-on as built from this repository", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(config.version).toBe(pkg.version);
    expect(config).toMatchObject({
      name: "VoIP Caller ID",
      slug: "voip_callerid",
      init: false,
      host_network: true,
      homeassistant_api: true,
      apparmor: true,
      startup: "application",
      boot: "auto",
      stage: "experimental",
    });
    expect(config.slug).toMatch(/^[-_.A-Za-z0-9]+$/);
    expect(config.description).toMatch(/^[^\n]{10,120}$/);
    expect(config.arch).toEqual(["amd64", "aarch64"]);
    expect(config.privileged).toEqual(["NET_ADMIN", "NET_RAW"]);
    expect(config.services).toEqual(["mqtt:want"]);
    expect(config.map).toEqual(["homeassistant_config:ro"]);
    expect(config).not.toHaveProperty("image"); // the Supervisor builds the Dockerfile
    expect(Object.keys(config).filter((key) => !MANIFEST_KEYS.has(key))).toEqual([]);
  });

  it("repository.yaml: a name and the maintainer, nothing the Supervisor would drop", () => {
    const repository = readYaml("repository.yaml");
    expect(repository).toMatchObject({
      name: "VoIP Caller ID",
      maintainer: "VoIP Caller ID maintainers",
    });
    expect(
      Object.keys(repository).filter((key) => !["name", "url", "maintainer"].includes(key)),
    ).toEqual([]);
  });
});

/** StoreData's `glob("**\/config.*")`: a config suffix, outside dot-folders and `rootfs`. */
function isAddonCandidate(path: string): boolean {
  const parts = path.split("/");
  const name = parts.at(-1) ?? "";
  return (
    /^config\.(?:.*\.)?(?:yaml|yml|json)$/.test(name) &&
    !parts.some((part) => part.startsWith(".") || part === "rootfs")
  );
}

describe("the Supervisor's store scan", () => {
  it("finds one add-on, the root config.yaml: no other config.yaml|yml|json in the repository", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "--cached", "--others", "--exclude-standard", "-z"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    )
      .split("\0")
      .filter((file) => file !== "");
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter(isAddonCandidate)).toEqual(["config.yaml"]);
  });

  it("would take the files the Supervisor takes", () => {
    expect(
      [
        "config.yaml",
        "a/config.json",
        "a/config.local.yml",
        "a/config.ts",
        ".devcontainer/config.json",
      ].map(isAddonCandidate),
    ).toEqual([true, true, true, false, false]);
    expect(isAddonCandidate("addon/rootfs/etc/config.yaml")).toBe(false);
    expect(isAddonCandidate("test/fixtures/options.fixture.yaml")).toBe(false);
  });
});
