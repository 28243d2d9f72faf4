import { describe, expect, it } from "vitest";
import {
  ingressPrefix,
  isAllowedHost,
  isAllowedPeer,
  stateChangeRefusal,
} from "../../../src/panel/server/guard.js";
import { servedType, withBase } from "../../../src/panel/server/staticFiles.js";

describe("who the panel answers", () => {
  it("answers HA's ingress proxy and loopback, in IPv4, IPv6 and IPv4-mapped form", () => {
    for (const peer of [
      "172.30.32.2",
      "::ffff:172.30.32.2",
      "127.0.0.1",
      "127.8.9.10",
      "::1",
      "::ffff:127.0.0.1",
    ]) {
      expect(isAllowedPeer(peer), peer).toBe(true);
    }
  });

  it("refuses every other address, neighbours of the proxy included", () => {
    for (const peer of [
      "172.30.32.1",
      "172.30.32.20",
      "172.30.33.2",
      "192.168.1.10",
      "10.0.0.1",
      "::ffff:192.168.1.10",
      "fe80::1",
      "::2",
      "128.0.0.1",
      "127.0.0.1.evil",
      "",
      undefined,
    ]) {
      expect(isAllowedPeer(peer), String(peer)).toBe(false);
    }
  });
});

describe("the name a browser on this machine asked for", () => {
  it("is this machine's: another site's name pointed at 127.0.0.1 (DNS rebinding) is refused", () => {
    for (const host of [
      "localhost:8099",
      "127.0.0.1:8099",
      "127.0.0.1",
      "[::1]:8099",
      "LOCALHOST",
    ]) {
      expect(isAllowedHost("127.0.0.1", host), host).toBe(true);
      expect(isAllowedHost("::1", host), host).toBe(true);
    }
    for (const host of ["evil.example:8099", "127.0.0.1.evil.example", "", undefined]) {
      expect(isAllowedHost("127.0.0.1", host), String(host)).toBe(false);
    }
  });

  it("is not checked for HA's proxy, which passes on the name Home Assistant is reached by", () => {
    expect(isAllowedHost("172.30.32.2", "homeassistant.local:8123")).toBe(true);
    expect(isAllowedHost("::ffff:172.30.32.2", undefined)).toBe(true);
  });
});

describe("which requests may change something", () => {
  const json = { "content-type": "application/json", "x-voip-callerid": "1" };

  it("lets reads through without the header", () => {
    expect(stateChangeRefusal("GET", {})).toBeNull();
    expect(stateChangeRefusal("HEAD", {})).toBeNull();
  });

  it("needs the panel's header on every change: 403 without it", () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      expect(stateChangeRefusal(method, { "content-type": "application/json" })).toMatchObject({
        status: 403,
        error: "missing-header",
      });
      expect(stateChangeRefusal(method, { ...json, "x-voip-callerid": "0" })?.status).toBe(403);
    }
  });

  it("needs JSON: a form or plain text (what another site can send without asking) is 415", () => {
    for (const type of [
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "text/plain",
      undefined,
    ]) {
      expect(stateChangeRefusal("POST", { ...json, "content-type": type })?.status, type).toBe(415);
    }
    expect(
      stateChangeRefusal("POST", { ...json, "content-type": "application/json; charset=utf-8" }),
    ).toBeNull();
    expect(stateChangeRefusal("DELETE", json)).toBeNull();
  });
});

describe("the ingress prefix", () => {
  it("takes HA's prefix, without a trailing slash", () => {
    expect(ingressPrefix("/api/hassio_ingress/AbC-12_x")).toBe("/api/hassio_ingress/AbC-12_x");
    expect(ingressPrefix("/api/hassio_ingress/AbC/")).toBe("/api/hassio_ingress/AbC");
  });

  it("ignores a header that is missing or could break out of the attribute", () => {
    for (const header of [
      undefined,
      "",
      "/",
      'x"><script>',
      "/a b",
      "//evil.example/x",
      "javascript:alert(1)",
      ["/a", "/b"],
    ]) {
      expect(ingressPrefix(header), String(header)).toBe("");
    }
  });

  it("puts <base href> first in the head", () => {
    expect(withBase('<html><head lang="x"><title>t</title></head></html>', "/p/")).toBe(
      '<html><head lang="x"><base href="/p/"><title>t</title></head></html>',
    );
    expect(withBase("<p>no head</p>", "/")).toBe('<base href="/"><p>no head</p>');
  });
});

describe("the UI's files", () => {
  it("serves plain file names of known types only", () => {
    expect(servedType("index-QP7-3u-s.js")).toBe("text/javascript; charset=utf-8");
    expect(servedType("favicon.svg")).toBe("image/svg+xml");
    for (const name of [
      "..",
      "../server.js",
      ".env",
      "server",
      "x.map",
      "x.ts",
      "a/b.js",
      "x.js\u0000",
    ]) {
      expect(servedType(name), name).toBeNull();
    }
  });
});
