"""`python -m gateway`: the web server on $GATEWAY_HOST:$GATEWAY_PORT with JSON logs."""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="Eventlet is deprecated")  # nameko imports it; we do not patch

import uvicorn  # noqa: E402

from gateway.api.app import create_app  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from kit.logs import logging_config  # noqa: E402


def main() -> None:
    settings = Settings()
    uvicorn.run(
        create_app(),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=logging_config("gateway-web", settings.log_level.upper()),
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
