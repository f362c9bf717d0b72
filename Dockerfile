# syntax=docker/dockerfile:1
#
# kalshi-rfq-maker. With no arguments and no environment it runs the demo: the bot against its
# embedded simulator. With KALSHI_ENV=demo|production, KALSHI_API_KEY_ID and a key mounted at
# KALSHI_PRIVATE_KEY_PATH it trades on Kalshi. SIGTERM deletes every live quote and exits 0;
# give it a stop grace above quoting.shutdownTimeoutMs (20 s): docker run --stop-timeout 30.

# Build: every dependency, compile src/ and strategies/ to dist/ (JS only: no .d.ts, no maps),
# plus the dashboard page (HTML, CSS, browser JS) beside its module; uPlot comes from node_modules.
# tsc needs no native addon, so install scripts are skipped here (better-sqlite3 builds in deps).
FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-dashboard-page.mjs scripts/bundle-dist.mjs scripts/bundler.mjs ./scripts/
COPY src ./src
COPY strategies ./strategies
RUN npm run build && find dist \( -name '*.d.ts' -o -name '*.map' \) -delete

# Production dependencies only, in their own stage so the npm cache and the compilers never reach
# the image. esbuild is one of them: it compiles .ts strategy plugins mounted at run time.
# better-sqlite3 (the journal) compiles its addon here with node-gyp, against the headers the
# official node image carries in /usr/local/include/node (no download).
FROM node:20-bookworm-slim AS deps
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

# Runtime: compiled output and production dependencies, root-owned and read-only to the app.
FROM node:20-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="kalshi-rfq-maker" \
      org.opencontainers.image.description="Market maker answering RFQs on Kalshi (demo: embedded simulator)"
# The live heap is ~40 MB at 10,000 tracked RFQs; a bounded old space makes V8 collect before
# RSS grows past ~200 MB (see docs/performance.md). Override NODE_OPTIONS to change it.
ENV NODE_ENV=production \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=9464 \
    NODE_OPTIONS=--max-old-space-size=192
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /build/dist/src ./src
COPY --from=build /build/dist/strategies ./strategies
# Relative paths in config.yaml: strategies.dir and the kill file resolve against /app (the
# config's folder), the fair-value-feed source against the working directory (also /app).
COPY strategies/README.md strategies/fair-values.example.json ./strategies/
COPY config.yaml ./config.yaml
# The journal (journal.path ./data/journal.db): the one folder the app writes; mount a volume here
# to keep it across containers.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
VOLUME ["/app/data"]
# Numeric, so that Kubernetes' runAsNonRoot can verify it (uid 1000 is "node" in the base image).
USER 1000:1000
EXPOSE 9464
# No curl in the image: node's fetch. OPS_PORT may be overridden at run time.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OPS_PORT || 9464) + '/healthz', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# tini is PID 1 and passes SIGTERM on to node, which deletes its quotes and exits 0 (npm would
# not forward it cleanly). Node as PID 1 would ignore a SIGTERM sent while it is still loading
# (PID 1 has no default signal action), start quoting anyway and be SIGKILLed after the grace
# period; under tini such an early SIGTERM ends it before it has sent anything, and -e 143 maps
# that exit (128 + SIGTERM) to 0.
ENTRYPOINT ["/usr/bin/tini", "-e", "143", "--"]
CMD ["node", "src/main.js"]
