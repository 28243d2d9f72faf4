# Two stages on the same pinned Home Assistant base (same musl and Node ABI): build, then run.
FROM ghcr.io/home-assistant/base:3.23 AS build
RUN apk add --no-cache nodejs npm build-base python3 libpcap-dev
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci && npm prune --omit=dev

FROM ghcr.io/home-assistant/base:3.23
RUN apk add --no-cache nodejs libpcap
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY addon/run.sh /run.sh
CMD ["/run.sh"]
