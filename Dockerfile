# syntax=docker/dockerfile:1
# evalai-autoscaler in a container: build with the dev dependencies, run with the production ones only.
#   docker build -t evalai-autoscaler:0.1.0 .
#   docker run --rm -e API_HOST_URL=https://eval.ai -e AUTH_TOKEN_FILE=/run/secrets/staff.token \
#     -v /etc/evalai/staff.token:/run/secrets/staff.token:ro evalai-autoscaler:0.1.0 scale-workers --dry-run
# Docker cannot build on the project's machines: test/examples/dockerfile.test.ts lints this file
# (dockerfile-utils) and checks what it copies exists; see docs/operations.md.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# npm ci runs the "prepare" script, which is the build (tsc to dist/).
RUN npm ci --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    EVALAI_AUTOSCALER_STATE_DIR=/var/lib/evalai-autoscaler
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force \
    && mkdir -p /var/lib/evalai-autoscaler \
    && chown node:node /var/lib/evalai-autoscaler
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY docs ./docs
# The node image's unprivileged user (uid 1000), as the Kubernetes examples expect.
USER node
VOLUME ["/var/lib/evalai-autoscaler"]
ENTRYPOINT ["node", "/app/bin/evalai-autoscaler.js"]
CMD ["--help"]
