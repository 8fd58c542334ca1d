# syntax=docker/dockerfile:1
# acervo API image. Build: docker build -t acervo .   Run: docker run -p 3000:3000 -v acervo-data:/app/data acervo
# Stages: deps (all dependencies) -> build (nest build) ; prod-deps (runtime dependencies only) -> runtime.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# .npmrc (ignore-scripts=true: no dependency install scripts run) must be in place before npm ci.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
# Code and config stay owned by root (read-only to the app); only the data dir is writable.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The config loader resolves <app root>/config from dist/shared/config, so config/ sits beside dist/.
COPY config ./config
# The web UI's static files (HTML, CSS, ES modules; no build step), resolved like config/ from dist/shared/http.
COPY ui ./ui
# Embedded PGlite database (DATA_DIR/pg) and the model cache (DATA_DIR/models) live here.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Liveness only: the image alone should report healthy without its database or embedder being reachable.
# docker-compose.yml overrides this with /health/ready. node -e because the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
