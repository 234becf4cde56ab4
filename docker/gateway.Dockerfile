# syntax=docker/dockerfile:1
# OneStop gateway: one image, two processes. The default command is the web server
# (`python -m gateway`, uvicorn on $GATEWAY_HOST:$GATEWAY_PORT); the event tracker runs from the same
# image with the command `nameko run --config gateway/config.yml gateway.tracker`.
# Build from the repository root:  docker build -f docker/gateway.Dockerfile -t onestop/gateway:0.1.0 .
# No secrets are built in: GATEWAY_SECRET_KEY, AMQP_URI, MONGO_URI come from the environment.

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY kit ./kit
COPY services ./services
COPY gateway ./gateway
RUN /opt/venv/bin/pip install '.[gateway]'

FROM python:3.11.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 onestop \
    && useradd --system --uid 10001 --gid onestop --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin onestop \
    && mkdir -p /app/var/pki && chown 10001:10001 /app/var/pki
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY gateway/config.yml gateway/config.yml
COPY docker/healthcheck.py healthcheck.py
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_LEVEL=INFO \
    GATEWAY_HOST=0.0.0.0 GATEWAY_PORT=8000
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/healthcheck.py", "--http", "/healthz/live"]
STOPSIGNAL SIGTERM
CMD ["python", "-m", "gateway"]
