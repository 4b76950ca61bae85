# Nhắc việc: build with `docker compose build` (or `docker build -t nhacviec .`).

# ---- builder: a virtualenv with the project and its pinned dependencies ----
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
COPY db ./db
COPY jobs ./jobs
# The package as a wheel, installed without extras: the code, bot/samples and db/migrations go
# into /venv. tests/test_installed.py runs these same commands in a fresh virtualenv.
RUN pip wheel --no-deps --wheel-dir dist . \
 && pip install -c requirements.lock dist/nhacviec-*.whl

# ---- runtime ----
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libreoffice-writer-nogui && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 nhacviec \
 && useradd --system --uid 10001 --gid nhacviec --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin nhacviec
COPY --from=builder /venv /venv
WORKDIR /app
COPY config.toml /app/config.toml
# Inside the container the Telegram webhook listens where the published port reaches it; on a
# plain machine the shipped config keeps it on loopback behind a proxy. The grep fails the build
# if the line ever changes shape.
RUN sed -i 's/^webhook_listen = "127.0.0.1"$/webhook_listen = "0.0.0.0"/' /app/config.toml \
 && grep -q '^webhook_listen = "0.0.0.0"$' /app/config.toml
# Evidence files, reports and (without DATABASE_URL) the SQLite database live here.
RUN mkdir -p /app/data && chown nhacviec:nhacviec /app/data
ENV NHACVIEC_CONFIG=/app/config.toml PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH
VOLUME ["/app/data"]
USER nhacviec
# 8080: health check and Zalo webhook; 8443: Telegram webhook.
EXPOSE 8080 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
# `run` applies the migrations before it starts; the bot stops cleanly on SIGTERM.
CMD ["python", "-m", "bot", "run"]
