/**
 * Home Assistant's look (its default theme's colours, cards with rounded corners, a header in
 * the primary colour) in light and dark after the system's choice, and narrow enough for a
 * phone (360 px) in the companion app.
 */
import { css } from "lit";

export const theme = css`
  :host {
    --primary: #03a9f4;
    --accent: #ff9800;
    --bg: #fafafa;
    --card: #ffffff;
    --text: #212121;
    --muted: #727272;
    --divider: rgba(0, 0, 0, 0.12);
    --header-bg: #03a9f4;
    --header-text: #ffffff;
    --ok: #0f9d58;
    --warn: #ff9800;
    --bad: #db4437;
    --ringing: #ff9800;
    --talking: #0f9d58;
    --dialing: #03a9f4;
    --input-bg: #f5f5f5;
    color-scheme: light dark;
    display: block;
    min-height: 100vh;
    background: var(--bg);
    color: var(--text);
    font-family: Roboto, "Noto Sans", system-ui, -apple-system, sans-serif;
    font-size: 14px;
    line-height: 1.45;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --bg: #111111;
      --card: #1c1c1c;
      --text: #e1e1e1;
      --muted: #9b9b9b;
      --divider: rgba(225, 225, 225, 0.12);
      --header-bg: #101e24;
      --header-text: #e1e1e1;
      --input-bg: #2a2a2a;
    }
  }
`;

export const shared = css`
  * {
    box-sizing: border-box;
  }
  .card {
    background: var(--card);
    border-radius: 12px;
    box-shadow:
      0 2px 1px -1px rgba(0, 0, 0, 0.2),
      0 1px 1px 0 rgba(0, 0, 0, 0.14),
      0 1px 3px 0 rgba(0, 0, 0, 0.12);
    padding: 16px;
    margin: 0 0 12px;
  }
  h2 {
    font-size: 18px;
    font-weight: 500;
    margin: 0 0 12px;
  }
  .muted {
    color: var(--muted);
  }
  .error {
    color: var(--bad);
  }
  .note {
    color: var(--ok);
  }
  button,
  .button {
    font: inherit;
    font-weight: 500;
    border: none;
    border-radius: 8px;
    padding: 8px 12px;
    background: var(--primary);
    color: #ffffff;
    cursor: pointer;
    text-decoration: none;
    display: inline-block;
    white-space: nowrap;
  }
  button.secondary,
  .button.secondary {
    background: transparent;
    color: var(--primary);
    border: 1px solid var(--divider);
  }
  button.danger {
    background: var(--bad);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  input,
  select {
    font: inherit;
    color: var(--text);
    background: var(--input-bg);
    border: 1px solid var(--divider);
    border-radius: 6px;
    padding: 7px 8px;
    min-width: 0;
    max-width: 100%;
  }
  label {
    display: inline-flex;
    gap: 6px;
    align-items: center;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  .chip {
    display: inline-block;
    border-radius: 10px;
    padding: 0 8px;
    font-size: 12px;
    background: var(--divider);
  }
  .chip.nuisance {
    background: var(--bad);
    color: #ffffff;
  }
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 4px 12px;
    margin: 0;
  }
  dt {
    color: var(--muted);
  }
  dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
`;
