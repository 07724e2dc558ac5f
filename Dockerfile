# AI Advisor container image: `docker build -t ai-advisor .` (docs/production.md).
# Slack in HTTP or Socket Mode on port 3000 (probes and metrics there in both modes), data under /data,
# running as the unprivileged user 10001.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY prompts ./prompts
COPY knowledge ./knowledge
COPY slack ./slack
# With the postgres extra: the same image runs on SQLite or, with DATABASE_URL, on PostgreSQL (deploy/, compose.yaml).
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ADVISOR_DATA_DIR=/data
RUN groupadd --system --gid 10001 advisor \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin advisor \
    && mkdir /data && chown 10001:10001 /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels 'ai-advisor[postgres]' && rm -rf /wheels
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["ai-advisor"]
CMD ["serve", "--port", "3000", "--health-port", "3000"]
