# rectrack: migrations, then uvicorn. Point RECTRACK_DATABASE_URL at PostgreSQL as the runtime role, and migrate
# as the owner role (RECTRACK_MIGRATION_DATABASE_URL; README: "PostgreSQL in production: two roles").
# BASE_IMAGE: a Debian-based image with Python 3.11 and its venv module (the lock files are for 3.11):
# python:3.11-slim from a registry, or rectrack-base:bookworm built from Debian's packages by docker/base.sh
# where no registry is reachable (`make docker-check` does that).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# PATH in full: an image made with `docker import` has none to extend.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RECTRACK_DATABASE_URL=postgresql://rectrack@db:5432/rectrack \
    RECTRACK_DATA_DIR=/var/lib/rectrack \
    WEB_CONCURRENCY=2 \
    HOST=0.0.0.0 \
    PORT=8000

# A venv, the same on both bases: Debian's python3 refuses system-wide pip installs (PEP 668).
# Dependencies come from the hashed lock in a layer of their own, rebuilt only when the lock changes.
COPY docker/system-packages.sh /tmp/system-packages.sh
RUN /tmp/system-packages.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/system-packages.sh
COPY requirements.lock /tmp/requirements.lock
RUN python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "rectrack images need Python 3.11")' \
 && python3 -m venv /opt/venv \
 && pip install --quiet --require-hashes -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock \
 && useradd --system --uid 10001 --home-dir /srv/rectrack --no-create-home rectrack \
 && install -d -m 0700 -o rectrack -g rectrack /var/lib/rectrack

# Settled before the sources are copied, so a change of code rebuilds only the steps below.
# Keys live in the data directory: mount a volume on /var/lib/rectrack (or set RECTRACK_SECRET_KEY) so they
# outlive the container and every instance shares them. Outside production the CMD creates missing ones before
# the workers start; with RECTRACK_ENV=production a missing key stops the server instead.
# `rectrack migrate` runs as RECTRACK_MIGRATION_DATABASE_URL when it is set, else as RECTRACK_DATABASE_URL: as
# the runtime role it succeeds only when nothing is left to migrate. Better, migrate in a one-off container
# that alone gets the owner's URL; if this one gets it anyway, the server starts without it in its environment.
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/readyz'; sys.exit(urllib.request.urlopen(url, timeout=2).status != 200)"]
CMD ["sh", "-c", "if [ \"$RECTRACK_ENV\" != production ]; then rectrack keys create; fi && rectrack migrate && exec env -u RECTRACK_MIGRATION_DATABASE_URL rectrack serve --host \"$HOST\" --port \"$PORT\" --workers \"$WEB_CONCURRENCY\""]
WORKDIR /srv/rectrack

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# The package ships compiled message catalogues (.mo), not the .po sources: compile them first (babel is locked).
RUN pybabel -q compile -d app/i18n/locales \
 && pip install --quiet --no-deps . \
 && pip check \
 && rm -rf build ./*.egg-info
USER rectrack
