#
# alicloud-config-emulator image. See docs/docker.md.
#
#   docker build -t alicloud-config-emulator .
#   docker run --rm -p 8080:8080 alicloud-config-emulator
#
# Three stages:
#   deps   production node_modules only; better-sqlite3 is compiled from source here (python3, make, g++)
#   build  all dependencies (install scripts skipped: tsc needs no native addon) and `npm run build`
#   final  node:20-bookworm-slim + dist/src + fixtures + production node_modules, running as `node`

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped and better-sqlite3 is compiled explicitly with node-gyp (bundled with npm):
# no prebuilt-binary download (reproducible, works offline) and independent of npm's install-script
# policy. No other production dependency has an install script. Then keep only the compiled addon
# (drop the SQLite/C++ sources and object files, ~25 MB), prove that it loads, and drop what no
# server needs at run time (type declarations, source maps, READMEs, packages' tests/docs/examples).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && npm run build-release \
 && strip --strip-unneeded build/Release/better_sqlite3.node \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/ \
 && cd /app \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
 && npm cache clean --force \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
      -o \( -iname '*.md' ! -iname 'license*' \) \) -delete \
 && find node_modules -type d \( -name test -o -name tests -o -name __tests__ -o -name benchmark \
      -o -name benchmarks -o -name example -o -name examples -o -name docs \) -prune -exec rm -rf {} +

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# tsconfig*.json: the glob keeps the build working whether or not a root tsconfig exists
COPY package.json tsconfig*.json ./
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="alicloud-config-emulator" \
      org.opencontainers.image.description="Local emulator of the Alibaba Cloud Config API (2020-09-07): aggregators, compliance packs, config rules, evaluation and downloadable reports." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/node:20-bookworm-slim"

# The official image ships a `node` user (uid 1000); create it when a base image lacks it.
RUN if ! id -u node >/dev/null 2>&1; then \
      groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/sh --create-home node; \
    fi \
 && mkdir -p /data \
 && chown node:node /data

WORKDIR /app
ENV NODE_ENV=production \
    CONFIG_EMULATOR_HOST=0.0.0.0 \
    CONFIG_EMULATOR_PORT=8080

# Application files stay owned by root (read-only for the server); only /data is writable.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY fixtures ./fixtures

USER node
EXPOSE 8080
# For a persistent database: -e CONFIG_EMULATOR_DB=/data/config.db -v emulator-data:/data
VOLUME /data

# No curl in the slim image: node's own fetch. Follows CONFIG_EMULATOR_PORT, and switches to HTTPS
# (without verifying the usually self-signed certificate) when CONFIG_EMULATOR_TLS_CERT is set.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "const e=process.env,s=e.CONFIG_EMULATOR_TLS_CERT?'https':'http';if(s=='https')e.NODE_TLS_REJECT_UNAUTHORIZED='0';fetch(s+'://127.0.0.1:'+(e.CONFIG_EMULATOR_PORT||8080)+'/_emulator/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# The server handles SIGTERM/SIGINT itself (graceful close + WAL checkpoint), so node runs as PID 1.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
