# backend-bot as a container: slim, runs as a non-root user, healthy only while /healthz says so.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    BOT_DATABASE=/data/backend-bot.db KNOWLEDGE_PATH=/knowledge PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install ".[postgres]" && useradd --create-home --uid 10001 bot && mkdir -p /data /knowledge && chown bot /data

USER bot
# /data holds the SQLite database (unless BOT_DATABASE is a postgresql:// URL); /knowledge takes the team's own YAML files (mount a folder there).
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["backend-bot", "health"]
CMD ["backend-bot", "serve"]
