# syntax=docker/dockerfile:1
# The Puente hub. docker build -t puente .   Running it: docs/running-in-production.md.
# Linted by hadolint (test/unit/deployment-files.test.ts); no image was built where this was
# written (no container engine there).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY server ./server
COPY scripts ./scripts
# `npm ci` compiles to dist/ (the prepare script); the compiler is a development dependency, so
# prune only afterwards.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# The embedded PostgreSQL, the default backend, needs the server binaries: Debian's keep them in
# /usr/lib/postgresql/15/bin, where the hub looks. The hub makes its own cluster in
# PUENTE_DATA_DIR, so the package's default cluster is not created. Versions are not pinned:
# Debian security updates replace the exact versions, and a pin would break the next build.
# hadolint ignore=DL3008
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/puente.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 puente \
 && useradd --system --uid 10001 --gid puente --home-dir /data --no-create-home --shell /usr/sbin/nologin puente \
 && mkdir /data \
 && chown puente:puente /data \
 && chmod 0700 /data

# The hub listens on every address of the container. It still refuses plain HTTP off loopback:
# give PUENTE_TLS_CERT/PUENTE_TLS_KEY, or PUENTE_TRUST_PROXY for a TLS-terminating proxy.
# /data is the volume of the embedded PostgreSQL (unused with MONGODB_URI or PUENTE_POSTGRES_URL).
ENV NODE_ENV=production \
    PUENTE_HOST=0.0.0.0 \
    PUENTE_PORT=6100 \
    PUENTE_DATA_DIR=/data

WORKDIR /app
# Owned by root: the hub cannot change its own code. It writes only /data (a volume) and /tmp
# (a tmpfs), so the container runs with a read-only root filesystem.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY reference ./reference
COPY console ./console
COPY scripts/puente.sh ./scripts/puente.sh
COPY deploy/healthcheck.js ./deploy/healthcheck.js

USER 10001:10001
EXPOSE 6100
# The first start runs initdb (a few seconds) before the hub answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "deploy/healthcheck.js"]
STOPSIGNAL SIGTERM
# node directly, as `npm start` execs it (same flags): it is PID 1 and receives docker stop's SIGTERM.
CMD ["node", "--max-semi-space-size=64", "--enable-source-maps", "dist/server/main.js"]
