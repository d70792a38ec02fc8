# syntax=docker/dockerfile:1
# The web image: the demo shop page with the chat widget and the agent console
# (`python -m bot web`), and the jobs that need no Rasa: `python -m bot crm migrate` and
# `python -m bot events consume`. Build from the project root:
#
#   docker build -f deploy/docker/web.Dockerfile -t northwind-support/web .

# 1. The widget's JavaScript, bundled from npm as `make install` does (no CDN at run time).
FROM node:20-bookworm-slim AS widget
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p vendor \
 && cp node_modules/socket.io-client/dist/socket.io.min.js vendor/

# 2. Python 3.10 (the lock's version) with only what these processes import.
FROM python:3.10-slim-bookworm

ENV PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
WORKDIR /app

COPY requirements.lock deploy/docker/requirements-web.txt /tmp/requirements/
RUN pip install --no-cache-dir -c /tmp/requirements/requirements.lock -r /tmp/requirements/requirements-web.txt \
 && python -c 'import sanic, sqlalchemy, psycopg2, alembic, jwt, yaml, aio_pika' \
 && rm -rf /tmp/requirements

COPY support.yml alembic.ini ./
COPY migrations/ migrations/
COPY bot/ bot/
COPY --from=widget /build/vendor/ bot/web/static/vendor/

# The same unprivileged user as Rasa's images (uid 1001, group 0).
RUN useradd --system --uid 1001 --gid 0 --home-dir /app --no-create-home northwind \
 && chgrp -R 0 /app && chmod -R g=u /app
USER 1001

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/health', timeout=3)"]
CMD ["python", "-m", "bot", "web", "--port", "8000"]
