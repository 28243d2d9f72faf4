/**
 * Phonebook: the household's own entries (add, edit, delete), beside the read-only ones from
 * the options and phonebook files, each with its source; a vCard/CSV/TSV import shown first as
 * a preview that lists the lines it cannot take; export as vCard or CSV.
 */
import { css, html, LitElement, nothing } from "lit";
import { api, type ImportPreview, type PhonebookEntry } from "../api.js";
import { sourceLabel } from "../format.js";
import { t } from "../locale.js";
import { shared } from "../styles.js";
import { attempt, ViewLoader } from "./viewLoading.js";

interface PendingImport {
  filename: string;
  text: string;
  preview: ImportPreview;
}

export class VciPhonebook extends LitElement {
  static properties = {
    entries: { state: true },
    editing: { state: true },
    pending: { state: true },
    message: { state: true },
    failure: { state: true },
    search: { state: true },
    truncated: { state: true },
  };
  declare entries: PhonebookEntry[] | null;
  declare editing: string | null;
  declare pending: PendingImport | null;
  declare message: string;
  declare failure: string;
  declare search: string;
  /** The server sent only part of the options/file entries: a search finds the others. */
  declare truncated: boolean;
  private readonly loader = new ViewLoader(this, () => this.load());

  constructor() {
    super();
    this.entries = null;
    this.editing = null;
    this.pending = null;
    this.message = "";
    this.failure = "";
    this.search = "";
    this.truncated = false;
  }

  private async load(): Promise<void> {
    await this.attempt(async () => {
      const page = await api.phonebook(this.search);
      this.entries = page.entries;
      this.truncated = page.truncated === true;
    });
  }

  private attempt(run: () => Promise<void>): Promise<void> {
    return attempt(this, run);
  }

  private fields(form: HTMLFormElement): { number: string; name: string } {
    const data = new FormData(form);
    return {
      number: String(data.get("number") ?? "").trim(),
      name: String(data.get("name") ?? "").trim(),
    };
  }

  private add(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const { number, name } = this.fields(form);
    return this.attempt(async () => {
      await api.addEntry(number, name);
      form.reset();
      await this.load();
    });
  }

  private save(event: SubmitEvent, entry: PhonebookEntry): Promise<void> {
    event.preventDefault();
    const { number, name } = this.fields(event.target as HTMLFormElement);
    return this.attempt(async () => {
      await api.editEntry(entry.id, number, name);
      this.editing = null;
      await this.load();
    });
  }

  private deleteEntry(entry: PhonebookEntry): Promise<void> {
    if (!confirm(t("book.confirmDelete", { name: entry.name }))) return Promise.resolve();
    return this.attempt(async () => {
      await api.deleteEntry(entry.id);
      await this.load();
    });
  }

  private async choose(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this.message = "";
    await this.attempt(async () => {
      const text = await file.text();
      this.pending = {
        filename: file.name,
        text,
        preview: await api.previewImport(file.name, text),
      };
    });
    input.value = "";
  }

  private importNow(): Promise<void> {
    const pending = this.pending;
    if (!pending) return Promise.resolve();
    return this.attempt(async () => {
      const result = await api.runImport(pending.filename, pending.text);
      this.pending = null;
      this.message = t("book.imported", { n: result.added });
      await this.load();
    });
  }

  override render() {
    return html`
      <section class="card">
        <form class="row" data-testid="add" @submit=${this.add}>
          <input name="number" required placeholder=${t("book.number")} aria-label=${t("book.number")}
            inputmode="tel" autocomplete="off" />
          <input name="name" required placeholder=${t("book.name")} aria-label=${t("book.name")}
            autocomplete="off" />
          <button>${t("book.add")}</button>
        </form>
      </section>
      <section class="card">
        <div class="row">
          <label class="button secondary">${t("book.import")}
            <input type="file" name="import" accept=".vcf,.vcard,.csv,.tsv,.txt,text/vcard,text/csv"
              hidden @change=${this.choose} />
          </label>
          <span class="muted">${t("book.importHint")}</span>
          <span class="spacer"></span>
          <a class="button secondary" href="api/phonebook/export.vcf" download="phonebook.vcf"
            >${t("book.export", { format: "vCard" })}</a>
          <a class="button secondary" href="api/phonebook/export.csv" download="phonebook.csv"
            >${t("book.export", { format: "CSV" })}</a>
        </div>
        ${this.pending ? this.preview(this.pending) : nothing}
        ${this.message ? html`<p class="note" role="status">${this.message}</p>` : nothing}
      </section>
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
      ${this.list()}
    `;
  }

  private preview(pending: PendingImport) {
    const { entries, problems } = pending.preview;
    const total = pending.preview.total ?? entries.length;
    return html`<div class="preview" data-testid="preview">
      <h2>${t("book.previewTitle", { n: total })}</h2>
      <ul>
        ${entries.map(
          (entry) =>
            html`<li><span>${entry.name}</span> <span class="muted">${entry.number_display ?? entry.number}</span></li>`,
        )}
        ${total > entries.length ? html`<li class="muted">${t("book.more", { n: total - entries.length })}</li>` : nothing}
      </ul>
      ${
        problems.length > 0
          ? html`<h2>${t("book.problems")}</h2>
            <ul class="problems" data-testid="problems">
              ${problems.map((problem) => html`<li class="error">${problem.message}</li>`)}
            </ul>`
          : nothing
      }
      <div class="row">
        <button data-action="import" ?disabled=${total === 0} @click=${this.importNow}
          >${t("book.importNow", { n: total })}</button>
        <button class="secondary" @click=${() => {
          this.pending = null;
        }}>${t("book.cancel")}</button>
      </div>
    </div>`;
  }

  private list() {
    if (this.entries === null) return html`<p class="muted">${t("loading")}</p>`;
    const needle = this.search.trim().toLowerCase();
    const digits = needle.replace(/\D/g, "");
    const shown = this.entries.filter(
      (entry) =>
        needle === "" ||
        entry.name.toLowerCase().includes(needle) ||
        (digits !== "" && entry.number.replace(/\D/g, "").includes(digits)),
    );
    return html`<section class="card">
      <input type="search" class="filter" placeholder=${t("book.filter")} aria-label=${t("book.filter")}
        @input=${(e: Event) => {
          this.search = (e.target as HTMLInputElement).value;
          // Shown at once from what is here; asked anew, as a large book is sent only in part.
          this.loader.soon(300);
        }} />
      ${this.truncated ? html`<p class="muted" data-testid="truncated">${t("book.truncated")}</p>` : nothing}
      ${
        shown.length === 0
          ? html`<p class="muted">${t("book.empty")}</p>`
          : html`<ul class="entries" data-testid="entries">${shown.map((entry) => this.entry(entry))}</ul>`
      }
    </section>`;
  }

  private entry(entry: PhonebookEntry) {
    const source = entry.file
      ? `${sourceLabel(entry.source, t)}: ${entry.file}`
      : sourceLabel(entry.source, t);
    if (this.editing === entry.id)
      return html`<li class="entry" data-entry=${entry.id}>
        <form class="row" @submit=${(e: SubmitEvent) => this.save(e, entry)}>
          <input name="number" required .value=${entry.number} aria-label=${t("book.number")} />
          <input name="name" required .value=${entry.name} aria-label=${t("book.name")} />
          <button>${t("book.save")}</button>
          <button type="button" class="secondary" @click=${() => {
            this.editing = null;
          }}>${t("book.cancel")}</button>
        </form>
      </li>`;
    return html`<li class="entry" data-entry=${entry.id} data-source=${entry.source}>
      <span class="name">${entry.name}</span>
      <span class="number">${entry.number_display ?? entry.number}</span>
      <span class="muted source">${source}</span>
      <span class="actions">
        ${
          entry.editable
            ? html`<button class="secondary" data-action="edit" @click=${() => {
                this.editing = entry.id;
              }}>${t("book.edit")}</button>
              <button class="secondary" data-action="delete" @click=${() => this.deleteEntry(entry)}
                >${t("book.delete")}</button>`
            : html`${entry.overridden ? html`<span class="chip">${t("book.overridden")}</span>` : nothing}
              <span class="chip">${t("book.readOnly")}</span>`
        }
      </span>
    </li>`;
  }

  static styles = [
    shared,
    css`
      form input {
        flex: 1 1 140px;
      }
      .spacer {
        flex: 1;
      }
      .filter {
        width: 100%;
        margin-bottom: 8px;
      }
      .entries,
      .preview ul {
        list-style: none;
        margin: 0 0 8px;
        padding: 0;
      }
      .entry {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 2px 8px;
        padding: 8px 0;
        border-top: 1px solid var(--divider);
        overflow-wrap: anywhere;
      }
      .entry:first-child {
        border-top: none;
      }
      .entry form {
        grid-column: 1 / -1;
      }
      .name {
        font-weight: 500;
      }
      .number {
        font-variant-numeric: tabular-nums;
      }
      .actions {
        grid-column: 2;
        grid-row: 1 / span 2;
        display: flex;
        gap: 6px;
        align-items: center;
      }
      .source {
        grid-column: 1;
        font-size: 12px;
      }
      .preview {
        margin-top: 12px;
      }
      .preview h2 {
        font-size: 15px;
      }
    `,
  ];
}

customElements.define("vci-phonebook", VciPhonebook);
