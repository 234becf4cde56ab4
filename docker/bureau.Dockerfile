# syntax=docker/dockerfile:1
# OneStop bureau service (Nameko): one image definition for every bureau of contracts/bureaus.py, the
# bureau given as a build arg. Build from the repository root:
#   docker build -f docker/bureau.Dockerfile --build-arg BUREAU=tax -t onestop/tax:0.1.0 .
# (docker-compose.yml passes the arg; `python -m deploy.generate` writes that part from the manifest.)
# No secrets are built in: AMQP_URI, MONGO_URI etc. come from the environment at run time.

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY kit ./kit
COPY services ./services
# the same layers for every bureau: the build stage is cached once and shared by all their images
RUN /opt/venv/bin/pip install .

FROM python:3.11.11-slim-bookworm AS runtime
# the service module and config are services/$BUREAU/...: no default, so a build without it fails at the COPY
ARG BUREAU

# Every bureau issues PDFs (kit.pdf, which refuses to start without its font) signed with the bureau's
# round seal (kit.pdfsign, drawn with WenQuanYi Zen Hei, as seal images are): AR PL UMing (a 宋体-like
# serif, fonts-arphic-uming) and fonts-wqy-zenhei in every image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei fonts-arphic-uming \
    && rm -rf /var/lib/apt/lists/*
# /app/var/pki: the signing certificates (kit/pki.py), a volume owned by the service user
RUN groupadd --system --gid 10001 onestop \
    && useradd --system --uid 10001 --gid onestop --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin onestop \
    && mkdir -p /app/var/pki && chown 10001:10001 /app/var/pki
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY services/${BUREAU}/config.yml services/${BUREAU}/config.yml
COPY docker/healthcheck.py healthcheck.py
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_LEVEL=INFO \
    ONESTOP_SERVICE=${BUREAU}
USER 10001:10001
# healthcheck.py checks $ONESTOP_SERVICE when given no service
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]
STOPSIGNAL SIGTERM
# exec: nameko replaces the shell, so SIGTERM reaches it (an exec-form CMD cannot expand the variable)
CMD ["sh", "-c", "exec nameko run --config \"services/$ONESTOP_SERVICE/config.yml\" \"services.$ONESTOP_SERVICE.service\""]
