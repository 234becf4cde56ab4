# syntax=docker/dockerfile:1
# OneStop bank bureau service (Nameko). Build from the repository root:
#   docker build -f docker/bank.Dockerfile -t onestop/bank:0.1.0 .
# No secrets are built in: AMQP_URI, MONGO_URI etc. come from the environment at run time.

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY kit ./kit
COPY services ./services
RUN /opt/venv/bin/pip install .

FROM python:3.11.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 onestop \
    && useradd --system --uid 10001 --gid onestop --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin onestop
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY services/bank/config.yml services/bank/config.yml
COPY docker/healthcheck.py healthcheck.py
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_LEVEL=INFO
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["python", "/app/healthcheck.py", "bank"]
STOPSIGNAL SIGTERM
CMD ["nameko", "run", "--config", "services/bank/config.yml", "services.bank.service"]
