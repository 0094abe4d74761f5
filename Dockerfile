# rectrack: migrations, then uvicorn. Point RECTRACK_DATABASE_URL at PostgreSQL.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/rectrack
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# Compile the message catalogues first: the package ships the .mo files, not the .po sources.
RUN pip install "babel>=2.18,<3" \
 && pybabel compile -d app/i18n/locales \
 && pip install . \
 && useradd --system --uid 10001 --home-dir /srv/rectrack --no-create-home rectrack

USER rectrack
ENV RECTRACK_DATABASE_URL=postgresql://rectrack@db:5432/rectrack \
    WEB_CONCURRENCY=2
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
CMD ["sh", "-c", "rectrack migrate && exec rectrack serve --host 0.0.0.0 --port 8000 --workers \"$WEB_CONCURRENCY\""]
