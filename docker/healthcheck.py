"""Container health check for OneStop processes. Imports nameko only, never service code.

    python healthcheck.py <service>        call <service>.health() over RabbitMQ (HEALTHCHECK_AMQP_URI:
                                           the probe user, which may call health only; else AMQP_URI)
    python healthcheck.py                  the same for $ONESTOP_SERVICE (set by docker/bureau.Dockerfile)
    python healthcheck.py --http <path>    GET http://127.0.0.1:$GATEWAY_PORT<path> (the gateway web)

Exit status 0 = healthy, 1 = unhealthy (the reason goes to stdout, which Docker keeps in
`docker inspect`). The RPC check proves that the service answers through the broker with a working
database; RabbitMQ hands the call to any instance of the service, so with `--scale tax=3` it checks
the service as a whole, not this one container (see docs/operations.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"


def check_rpc(service: str, timeout: float) -> str | None:
    """None when `service.health()` reports ok, else the reason."""
    import warnings

    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    uri = os.environ.get("HEALTHCHECK_AMQP_URI") or os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    config = {"AMQP_URI": uri, "serializer": "json"}
    try:
        with eventlet.Timeout(timeout + 5), ClusterRpcProxy(config, timeout=timeout) as cluster:
            result = getattr(cluster, service).health()
    except BaseException as exc:  # noqa: BLE001 - any failure (broker, timeout, remote) is "unhealthy"
        return f"{service}.health() failed: {type(exc).__name__}: {exc}"
    if not isinstance(result, dict) or result.get("status") != "ok":
        return f"{service}.health() answered {result!r}"
    return None


def check_http(path: str, timeout: float) -> str | None:
    url = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed local URL
            if response.status == 200:
                return None
            return f"GET {url} answered {response.status}"
    except (OSError, urllib.error.URLError) as exc:
        return f"GET {url} failed: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthcheck.py")
    parser.add_argument("service", nargs="?", help="Nameko service name, e.g. tax")
    parser.add_argument("--http", metavar="PATH", help="check the local HTTP server instead")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    if not args.service and not args.http:
        args.service = os.environ.get("ONESTOP_SERVICE")
    if bool(args.service) == bool(args.http):
        parser.error("give exactly one of SERVICE (or $ONESTOP_SERVICE) or --http PATH")
    problem = check_http(args.http, args.timeout) if args.http else check_rpc(args.service, args.timeout)
    if problem:
        print(problem)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
