# VoIP Caller ID add-on image, built by the Supervisor from this repository (the whole
# repository is the build context: .dockerignore keeps it to what the build needs).
# No build.yaml: the base is pinned here, and it is the same in both stages, so the native
# modules (cap against libpcap, better-sqlite3) are compiled for the musl and the Node.js
# that run them. The HA base images have no Node.js: Alpine's nodejs package provides it.

FROM ghcr.io/home-assistant/base:3.23 AS build
RUN apk add --no-cache nodejs npm build-base python3 libpcap-dev
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm ci compiles the native modules (node-gyp) and, through `prepare`, the TypeScript; the
# explicit build keeps the image right if `prepare` ever goes. TypeScript 7's tsc is a
# statically linked binary per CPU (@typescript/typescript-linux-x64 / -arm64), so it runs
# on musl. Then only the production modules stay.
RUN npm ci --no-audit --no-fund \
    && npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && test -f dist/main.js

FROM ghcr.io/home-assistant/base:3.23
# nftables: the MAC bridge's host protection rule (bridge.protect_host), in the host's
# network namespace (host_network, NET_ADMIN); ethtool: the bridge turns its ports' offloads
# off while it runs.
RUN apk add --no-cache nodejs libpcap nftables ethtool
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
