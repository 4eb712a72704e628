# Setkeeper's image: `docker compose up -d` runs it with PostgreSQL (see docs/admins/container.md).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The bot finds its migrations beside its source (bot/db/migrate.py), so the source stays in /app and is installed
# in place; relative paths in the settings (data/setkeeper.db, data/setkeeper.key) land in /app/data.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
RUN pip install --editable . \
    && useradd --create-home --uid 10001 --user-group setkeeper \
    && mkdir -p /app/data \
    && chown setkeeper:setkeeper /app/data

# The key file (when ENCRYPTION_KEYS is not set) and a SQLite database (when DATABASE_URL is not set) live here.
VOLUME ["/app/data"]
USER setkeeper

CMD ["python", "-m", "bot"]
