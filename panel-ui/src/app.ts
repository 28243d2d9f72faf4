/**
 * The panel's frame: Home Assistant-like header, the four views as hash routes (`#/now`,
 * `#/calls`, `#/phonebook`, `#/try`, so a reload under the ingress prefix keeps the view), and
 * the one live connection (`api/events`) whose state every view may read.
 */
import { css, html, LitElement } from "lit";
import type { PanelState } from "./api.js";
import { ROUTES, type Route, routeOf } from "./format.js";
import { t } from "./locale.js";
import { shared, theme } from "./styles.js";
import "./views/now.js";
import "./views/calls.js";
import "./views/phonebook.js";
import "./views/try.js";

const TAB_KEYS = {
  now: "nav.now",
  calls: "nav.calls",
  phonebook: "nav.phonebook",
  try: "nav.try",
} as const;

export class VciApp extends LitElement {
  static properties = {
    route: { state: true },
    panelState: { state: true },
    live: { state: true },
  };
  declare route: Route;
  declare panelState: PanelState | null;
  declare live: boolean;
  private events: EventSource | null = null;
  private readonly onHash = () => {
    this.route = routeOf(location.hash);
  };

  constructor() {
    super();
    this.route = routeOf(location.hash);
    this.panelState = null;
    this.live = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("hashchange", this.onHash);
    this.listen();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("hashchange", this.onHash);
    this.events?.close();
  }

  /** EventSource reconnects by itself; the header says whether the picture is live. */
  private listen(): void {
    const events = new EventSource("api/events");
    this.events = events;
    events.addEventListener("state", (event) => {
      try {
        this.panelState = JSON.parse((event as MessageEvent<string>).data) as PanelState;
        this.live = true;
      } catch {
        // A malformed message changes nothing; the next one will.
      }
    });
    events.addEventListener("open", () => {
      this.live = true;
    });
    events.addEventListener("error", () => {
      this.live = false;
    });
  }

  override render() {
    return html`
      <header>
        <h1>${t("title")}</h1>
        <span class="live ${this.live ? "on" : "off"}" data-testid="live"
          >${this.live ? t("live.on") : t("live.off")}</span
        >
      </header>
      <nav>
        ${ROUTES.map(
          (route) =>
            html`<a href="#/${route}" class=${route === this.route ? "active" : ""}
              >${t(TAB_KEYS[route])}</a
            >`,
        )}
      </nav>
      <main>${this.view()}</main>
    `;
  }

  private view() {
    switch (this.route) {
      case "calls":
        return html`<vci-calls .panelState=${this.panelState}></vci-calls>`;
      case "phonebook":
        return html`<vci-phonebook></vci-phonebook>`;
      case "try":
        return html`<vci-try></vci-try>`;
      default:
        return html`<vci-now .panelState=${this.panelState}></vci-now>`;
    }
  }

  static styles = [
    theme,
    shared,
    css`
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
        background: var(--header-bg);
        color: var(--header-text);
        padding: 0 16px;
        height: 56px;
      }
      h1 {
        font-size: 20px;
        font-weight: 400;
        margin: 0;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .live {
        font-size: 12px;
        border-radius: 10px;
        padding: 2px 8px;
        background: rgba(255, 255, 255, 0.2);
      }
      .live.off {
        background: var(--warn);
        color: #000000;
      }
      nav {
        display: flex;
        background: var(--header-bg);
        overflow-x: auto;
      }
      nav a {
        flex: 1 1 auto;
        text-align: center;
        color: var(--header-text);
        opacity: 0.75;
        text-decoration: none;
        padding: 10px 6px;
        border-bottom: 2px solid transparent;
        text-transform: uppercase;
        font-size: 13px;
        font-weight: 500;
        letter-spacing: 0.02em;
        white-space: nowrap;
      }
      nav a.active {
        opacity: 1;
        border-bottom-color: var(--header-text);
      }
      main {
        padding: 12px;
        max-width: 1000px;
        margin: 0 auto;
      }
    `,
  ];
}

customElements.define("vci-app", VciApp);
