/**
 * The panel's page, bundled at build time into dist/panel/ (index.html + assets/), which the
 * daemon's panel server serves. Every URL relative (`base: "./"`), so the page works under
 * Home Assistant's ingress prefix; nothing is fetched from elsewhere at run time.
 *
 * dist/panel/ also holds the compiled server (dist/panel/server/, from tsc), so only the page's
 * own files are replaced, never the whole folder. PANEL_OUT_DIR builds elsewhere (the tests'
 * own build folder).
 */
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.env.PANEL_OUT_DIR ?? join(here, "..", "dist", "panel"));

/** Removes the previous page's index.html and assets before a build writes the new ones. */
function replacePageOnly(): Plugin {
  return {
    name: "replace-page-only",
    apply: "build",
    buildStart() {
      rmSync(join(outDir, "assets"), { recursive: true, force: true });
      rmSync(join(outDir, "index.html"), { force: true });
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  logLevel: "warn",
  plugins: [replacePageOnly()],
  build: {
    outDir,
    emptyOutDir: false,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    modulePreload: false,
    reportCompressedSize: false,
  },
});
