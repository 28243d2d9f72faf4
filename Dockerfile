# VoIP Caller ID add-on image, built by the Supervisor from this repository (the whole
# repository is the build context: .dockerignore keeps it to what the build needs).
# No build.yaml: the Supervisor builds with this default BUILD_FROM, Home Assistant's Debian
# base (multi-arch; s6-overlay's /init is its ENTRYPOINT), pinned to a dated tag. The image
# test (npm run test:image) hands in nothing: it tags a stand-in with this very name.
ARG BUILD_FROM=ghcr.io/home-assistant/base-debian:trixie-2026.08.0

FROM ${BUILD_FROM} AS build
# The native modules (cap against libpcap, better-sqlite3) compile against the headers of the
# very Node.js that runs them (libnode-dev, npm_config_nodedir): nothing is downloaded but
# the npm packages; better-sqlite3 falls back to compiling when no prebuilt binary comes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        nodejs npm libnode-dev python3 make g++ libpcap-dev
ENV npm_config_nodedir=/usr
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# The panel's page (Lit), bundled by vite into dist/panel/ by the same build.
COPY panel-ui ./panel-ui
# npm ci compiles the native modules and, through `prepare`, the TypeScript; the explicit
# build keeps the image right if `prepare` ever goes. Then only the production modules stay,
# and of the native modules only their compiled .node files and JavaScript (better-sqlite3
# alone brings 10 MB of SQLite sources, and node-gyp leaves object files and a static
# library), and no type declarations, source maps or read-me files (20 MB that nothing reads
# at run time); the check at the end loads both native modules from what is left.
RUN npm ci --no-audit --no-fund \
    && npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && test -f dist/main.js && test -f dist/panel/index.html \
    && for module in node_modules/better-sqlite3 node_modules/cap; do \
        find "$module/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
        && find "$module/build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} + ; \
    done \
    && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
        node_modules/better-sqlite3/build/Release/test_extension.node node_modules/@types \
    && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.[cm]ts' -o -name '*.map' \
        -o -name '*.md' \) -delete \
    && node -e 'require("better-sqlite3")(":memory:").close(); require("cap")'

FROM ${BUILD_FROM}
# nodejs runs the add-on; tcpdump is the caller-id capture (a process of ~8 MB that drops
# root to its own user); libpcap the MAC bridge's capture; nftables the bridge's host
# protection rule (bridge.protect_host, in the host's network namespace: host_network,
# NET_ADMIN); ethtool turns the bridge ports' offloads off while it runs. apt's lists and
# downloaded .deb files go in the same RUN: HA's base does not clean them by itself.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs libpcap0.8t64 tcpdump nftables ethtool \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY addon/run.sh /run.sh
RUN chmod a+x /run.sh
# The base image's ENTRYPOINT is s6-overlay's /init (config.yaml: init: false); it runs this
# as the container's main program, and the add-on stops when it exits.
CMD ["/run.sh"]
