/**
 * The panel's HTTP API against the running daemon's real parts: calls go in as MGCP frames,
 * the call log is SQLite, the phonebooks are files, and every question is a real HTTP
 * request to the panel's port — what the panel's page (and a household) sees.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOUSEHOLD_PHONEBOOK_FILE } from "../../src/io/householdPhonebook.js";
import { rqnt } from "../support/daemonInProcess.js";
import { change, panelDaemonPerTest, panelJson } from "../support/panelDaemon.js";

const T0 = Date.UTC(2026, 2, 14, 18, 0, 0);

const panel = panelDaemonPerTest(T0);

describe("the panel's API", () => {
  it("shows a call in api/state while it rings, then in api/calls as missed, with the phonebook's name", async () => {
    const d = await panel.start({
      directory: { online_lookup: false, phonebook: [{ number: "044 123 45 67", name: "Hans" }] },
    });
    d.clock.advanceTo(T0);
    d.app.handleFrame(rqnt(1, T0, 'L/rg,L/ci(03/14/19/00,"0441234567",)'));
    await d.app.settle();
    const ringing = await panelJson(d, "api/state");
    expect(ringing.status).toBe(200);
    expect(ringing.body.lines).toEqual([
      expect.objectContaining({
        key: "aaln/1@mta.example",
        label: "Home",
        state: "ringing",
        caller: expect.objectContaining({ name: "Hans", number_display: "044 123 45 67" }),
      }),
    ]);

    d.clock.advanceTo(T0 + 20_000);
    d.app.handleFrame(rqnt(2, T0 + 20_000, ""));
    await d.app.idle();
    const calls = await panelJson(d, "api/calls?missed=1");
    expect(calls.body.next).toBeNull();
    expect(calls.body.calls).toEqual([
      expect.objectContaining({
        line: "aaln/1@mta.example",
        line_name: "Home",
        direction: "incoming",
        outcome: "missed",
        answered: false,
        number: "+41441234567",
        number_display: "044 123 45 67",
        name: "Hans",
        name_source: "phonebook",
        announcement: "Anruf von Hans",
      }),
    ]);
    const state = await panelJson(d, "api/state");
    expect(state.body.lines[0]).toMatchObject({ state: "idle", caller: null, missedCalls: 1 });
  });

  it("resets a line's missed calls and turns its announcements off, as the MQTT entities do", async () => {
    const d = await panel.start();
    await d.missedCall("0791112233", T0);
    const key = encodeURIComponent("aaln/1@mta.example");
    expect((await panelJson(d, "api/state")).body.lines[0].missedCalls).toBe(1);
    const reset = await panelJson(d, `api/lines/${key}/reset-missed-calls`, change("POST", {}));
    expect(reset.body).toMatchObject({ key: "aaln/1@mta.example", missedCalls: 0 });
    const off = await panelJson(d, `api/lines/${key}/announcements`, change("PUT", { on: false }));
    expect(off.body).toMatchObject({ announcements: false });
    expect((await panelJson(d, "api/state")).body.lines[0]).toMatchObject({
      missedCalls: 0,
      announcements: false,
    });
    const unknown = await panelJson(d, "api/lines/nope/announcements", change("PUT", { on: true }));
    expect(unknown.status).toBe(404);
  });

  it("streams the state as server-sent events: at once, and again when a call rings", async () => {
    const d = await panel.start();
    const controller = new AbortController();
    const response = await fetch(new URL("api/events", d.url), { signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const nextEvent = async () => {
      for (;;) {
        const end = text.indexOf("\n\n");
        if (end >= 0) {
          const event = text.slice(0, end);
          text = text.slice(end + 2);
          if (event.startsWith("event: state")) return JSON.parse(event.split("\ndata: ")[1] ?? "");
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += decoder.decode(value, { stream: true });
      }
    };
    expect((await nextEvent()).lines).toEqual([]);
    d.clock.advanceTo(T0);
    d.app.handleFrame(rqnt(1, T0, 'L/rg,L/ci(03/14/19/00,"0791112233",)'));
    const ringing = await nextEvent();
    expect(ringing.lines[0]).toMatchObject({
      state: "ringing",
      caller: { number_display: "079 111 22 33", name: null },
    });
    controller.abort();
  });

  it("names an unknown caller in the household's phonebook, and the next call from that number rings with the name, without a restart", async () => {
    const d = await panel.start();
    await d.missedCall("0791112233", T0);
    const before = await panelJson(d, "api/calls");
    expect(before.body.calls[0]).toMatchObject({ name: null, number: "+41791112233" });

    const added = await panelJson(
      d,
      "api/phonebook",
      change("POST", { number: before.body.calls[0].number, name: "Zahnarzt Meier" }),
    );
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      number: "+41791112233",
      number_display: "079 111 22 33",
      name: "Zahnarzt Meier",
      source: "household",
      editable: true,
    });
    const saved = JSON.parse(readFileSync(join(panel.dir, HOUSEHOLD_PHONEBOOK_FILE), "utf8"));
    expect(saved.entries).toEqual([
      { id: added.body.id, number: "+41791112233", name: "Zahnarzt Meier" },
    ]);

    await d.missedCall("079 111 22 33", T0 + 60_000);
    const after = await panelJson(d, "api/calls?limit=1");
    expect(after.body.calls[0]).toMatchObject({
      name: "Zahnarzt Meier",
      name_source: "phonebook",
      announcement: "Anruf von Zahnarzt Meier",
    });

    const renamed = await panelJson(
      d,
      `api/phonebook/${added.body.id}`,
      change("PUT", { number: "079 111 22 33", name: "Dr. Meier" }),
    );
    expect(renamed.status).toBe(200);
    await d.missedCall("0791112233", T0 + 120_000);
    expect((await panelJson(d, "api/calls?limit=1")).body.calls[0].name).toBe("Dr. Meier");

    const deleted = await fetch(new URL(`api/phonebook/${added.body.id}`, d.url), change("DELETE"));
    expect(deleted.status).toBe(204);
    await d.missedCall("0791112233", T0 + 180_000);
    expect((await panelJson(d, "api/calls?limit=1")).body.calls[0].name).toBeNull();
  });

  it("lists the household's own entries beside the options' and the files', and the household's name wins", async () => {
    const file = join(panel.dir, "phonebook.csv");
    writeFileSync(file, "Name,Number\nFile Person,044 555 66 77\nOld Name,079 111 22 33\n");
    const d = await panel.start({
      directory: {
        online_lookup: false,
        phonebook: [{ number: "044 123 45 67", name: "Option Person" }],
        phonebook_files: [file],
      },
    });
    const own = await panelJson(
      d,
      "api/phonebook",
      change("POST", { number: "0791112233", name: "New Name" }),
    );
    const listing = await panelJson(d, "api/phonebook");
    expect(listing.body.entries).toEqual([
      {
        id: own.body.id,
        number: "0791112233",
        number_display: "079 111 22 33",
        name: "New Name",
        source: "household",
        file: null,
        editable: true,
        overridden: false,
      },
      expect.objectContaining({ name: "File Person", source: "file", file, editable: false }),
      expect.objectContaining({ name: "Old Name", source: "file", overridden: true }),
      expect.objectContaining({
        id: "options:+41441234567",
        name: "Option Person",
        source: "options",
        file: null,
        editable: false,
      }),
    ]);
    await d.missedCall("0791112233", T0);
    expect((await panelJson(d, "api/calls")).body.calls[0].name).toBe("New Name");

    const readOnly = await panelJson(
      d,
      "api/phonebook/options:+41441234567",
      change("PUT", { number: "044 123 45 67", name: "x" }),
    );
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error).toBe("read-only");

    const vcf = await fetch(new URL("api/phonebook/export.vcf", d.url));
    expect(vcf.headers.get("content-type")).toBe("text/vcard; charset=utf-8");
    const cards = await vcf.text();
    expect(cards).toContain("FN:New Name\r\n");
    expect(cards).toContain("TEL;TYPE=VOICE:+41791112233\r\n");
    expect(cards).not.toContain("Old Name");
    const csv = await (await fetch(new URL("api/phonebook/export.csv", d.url))).text();
    expect(csv.split("\r\n")).toEqual([
      "Name,Number",
      "New Name,+41791112233",
      "File Person,+41445556677",
      "Option Person,+41441234567",
      "",
    ]);
  });

  it("previews an import with the lines it cannot take, and adds only on commit", async () => {
    const d = await panel.start();
    const text = [
      "BEGIN:VCARD",
      "VERSION:3.0",
      "FN:Erna Import",
      "TEL:+41 44 987 65 43",
      "END:VCARD",
      "BEGIN:VCARD",
      "VERSION:3.0",
      "FN:No Number",
      "END:VCARD",
      "BEGIN:VCARD",
      "VERSION:3.0",
      "FN:Bad Number",
      "TEL:hello",
      "END:VCARD",
      "",
    ].join("\r\n");
    const preview = await panelJson(
      d,
      "api/phonebook/import?preview=1",
      change("POST", { filename: "C:\\Users\\x\\contacts.vcf", text }),
    );
    expect(preview.status).toBe(200);
    expect(preview.body.entries).toEqual([
      { number: "+41 44 987 65 43", number_display: "044 987 65 43", name: "Erna Import" },
    ]);
    // A contact without a telephone number is no problem (an address book has many).
    expect(preview.body.problems).toEqual([
      { line: 13, message: 'contacts.vcf line 13: "hello" is not a phone number, in "TEL:hello"' },
    ]);
    expect((await panelJson(d, "api/phonebook")).body.entries).toEqual([]);

    const committed = await panelJson(
      d,
      "api/phonebook/import",
      change("POST", { filename: "contacts.vcf", text }),
    );
    expect(committed.body).toMatchObject({ added: 1 });
    expect(preview.body.total).toBe(1);
    expect((await panelJson(d, "api/phonebook")).body.entries).toEqual([
      expect.objectContaining({ name: "Erna Import", source: "household" }),
    ]);
  });
});
