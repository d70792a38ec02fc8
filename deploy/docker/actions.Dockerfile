# syntax=docker/dockerfile:1
# The action server: Rasa's official SDK image plus actions/ and the services in bot/ they call.
# Build from the project root:
#
#   docker build -f deploy/docker/actions.Dockerfile -t northwind-support/actions .
#
# Stateless: run as many as the load needs behind one address (compose's DNS, a Kubernetes
# Service). The recommender model is read from RECOMMENDER_MODEL_DIR (mounted); without one,
# each server fits a model in memory from the CRM at its first recommendation.

ARG RASA_SDK_IMAGE=rasa/rasa-sdk:3.6.2
FROM ${RASA_SDK_IMAGE}

USER root
WORKDIR /app

# Our code is written for Python 3.10, the version of the lock and of the SDK image's Ubuntu 22.04.
RUN python -c 'import sys; assert sys.version_info[:2] == (3, 10), sys.version'

# The lock as constraints: what actions/ and bot/ need, at the versions `make install` tests
# (rasa-sdk's own dependencies included, so the image matches the development environment).
COPY requirements.lock deploy/docker/requirements-actions.txt /tmp/requirements/
RUN pip install --no-cache-dir -c /tmp/requirements/requirements.lock -r /tmp/requirements/requirements-actions.txt \
 && python -c 'import rasa_sdk, sqlalchemy, psycopg2, jwt, sklearn, yaml' \
 && rm -rf /tmp/requirements

COPY support.yml ./
COPY bot/ bot/
COPY actions/ actions/
RUN mkdir -p /app/models && chgrp -R 0 /app && chmod -R g=u /app

ENV PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RECOMMENDER_MODEL_DIR=/app/models/recommender

USER 1001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:5055/health', timeout=3)"]
# The image's entrypoint (./entrypoint.sh) turns `start` into `python -m rasa_sdk`.
CMD ["start", "--actions", "actions", "--port", "5055"]
