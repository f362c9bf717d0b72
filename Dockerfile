# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript (src/ and strategies/) to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY strategies ./strategies
RUN npm run build

# Runtime stage: production dependencies and compiled output only, as a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/src ./src
COPY --from=build /build/dist/strategies ./strategies
COPY strategies/README.md ./strategies/README.md
COPY config.yaml ./config.yaml
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OPS_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# The app handles SIGTERM itself: it deletes its quotes and exits 0 (not npm, which would not forward it cleanly).
CMD ["node", "src/main.js"]
