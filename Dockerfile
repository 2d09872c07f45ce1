# syntax=docker/dockerfile:1
#
# Recall Assistant: the backend and the task pane it serves, run by
# `recall-assistant serve --no-tls` behind a proxy that terminates TLS (deploy/compose.yaml).
# Build from the repository root:   docker build -t recall-assistant .
# Configuration comes from the environment (README, "Configuration"; deploy/.env.example).

# -- MSAL.js, which the task pane signs in with: the one npm package the server ships -----------
FROM node:22-slim AS msal
WORKDIR /src
COPY package.json package-lock.json ./
# Only "dependencies" (MSAL.js), as pinned in package-lock.json; no install scripts run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# -- The Python package, built and installed into a virtual environment ------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
# setup.cfg reads README.md (long_description); the package lives under backend/.
COPY setup.cfg pyproject.toml README.md ./
COPY backend ./backend
# The redis extra: several replicas share their rate-limit counters in Redis.
RUN python -m venv /opt/recall-assistant \
 && /opt/recall-assistant/bin/pip install ".[redis]"

# -- The image that runs ------------------------------------------------------------------------
FROM python:3.11-slim
LABEL org.opencontainers.image.title="Recall Assistant" \
      org.opencontainers.image.description="Outlook add-in backend: recall eligibility, recall, corrections"

# The package is installed, not a source tree, so it is told where the front end is
# (RA_FRONTEND_DIR); MSAL.js is looked for in node_modules/ beside that folder.
ENV PATH=/opt/recall-assistant/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RA_FRONTEND_DIR=/app/frontend \
    RA_DATA_DIR=/var/lib/recall-assistant

# A system user without a login shell. Its data folder only matters for the embedded SQLite
# database (one instance without PostgreSQL): mount a volume there.
RUN groupadd --system --gid 10001 recall \
 && useradd --system --uid 10001 --gid recall --no-create-home \
            --home-dir /var/lib/recall-assistant --shell /usr/sbin/nologin recall \
 && install -d -o recall -g recall -m 0750 /var/lib/recall-assistant

COPY --from=build /opt/recall-assistant /opt/recall-assistant
COPY frontend /app/frontend
COPY --from=msal /src/node_modules/@azure/msal-browser/lib/msal-browser.min.js \
     /app/node_modules/@azure/msal-browser/lib/msal-browser.min.js

USER 10001:10001
WORKDIR /var/lib/recall-assistant
EXPOSE 8000

# Liveness only (the process answers); /readyz, which also asks the database and Entra ID, is for
# the proxy or orchestrator to decide where traffic goes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# gunicorn is PID 1: SIGTERM (docker stop) lets workers finish their requests for
# RA_GRACEFUL_TIMEOUT_S seconds (30 by default; give docker stop more than that).
CMD ["recall-assistant", "serve", "--no-tls", "--host", "0.0.0.0", "--port", "8000"]
