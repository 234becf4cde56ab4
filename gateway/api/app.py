"""The FastAPI application: routers, error shapes, body limit, OpenAPI and offline docs."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from contracts.form import ApplicationForm
from gateway import errors, replies, web
from gateway.api import (
    accounts,
    applications,
    companies,
    confirmations,
    drafts,
    licences,
    public,
    ratings,
    receipts,
    seals,
    stats,
    tasks,
    trust,
    webhooks,
)
from gateway.api import metrics as metrics_api
from gateway.api.headers import SecurityHeaders
from gateway.api.limits import BodyLimit
from gateway.context import Gateway
from gateway.errors import ErrorBody
from gateway.metrics import Metrics, MetricsMiddleware
from gateway.rpc import PrincipalScope
from kit.startup import configure_from_env

log = logging.getLogger(__name__)

DOCS_ASSETS = "/static/docs"
ERROR_RESPONSES = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503)}


def create_app(gateway: Gateway | None = None) -> FastAPI:
    """`gateway` given: use it (tests). None: build the real one from the environment at start-up."""
    configure_from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = gateway is None
        if owned:
            from gateway.settings import Settings

            app.state.gateway = Gateway.from_settings(Settings())
            _log_start(app.state.gateway.settings)
        yield
        if owned:
            app.state.gateway.close()

    settings_limit = gateway.settings.gateway_max_body_bytes if gateway else _env_limit()
    app = FastAPI(
        title="OneStop API",
        version="1",
        description="企业开办 一网通办: one form for registration, seals, tax and social security.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    if gateway is not None:
        app.state.gateway = gateway
    errors.install(app)
    app.add_middleware(PrincipalScope)  # who bureau calls are made for (gateway/rpc.py)
    # a correction may carry its reply's file (gateway/replies.py): the form plus that much
    app.add_middleware(BodyLimit, max_bytes=settings_limit,
                       uploads={"/correction": replies.MAX_BYTES + settings_limit})
    app.add_middleware(SecurityHeaders)  # outside BodyLimit: its 413 carries them too
    app.state.metrics = Metrics(lambda: app.state.gateway)  # /metrics (gateway/metrics.py)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)  # outermost: times everything
    app.include_router(metrics_api.router)
    for module in (accounts, applications, drafts, confirmations, companies, tasks, public):
        app.include_router(module.router)
    app.include_router(confirmations.changes)  # a change of details naming someone new
    for module in (licences, trust, seals, stats, ratings, webhooks, receipts):  # beyond the portals
        app.include_router(module.router)
    _offline_docs(app)
    web.mount(app)  # server-rendered pages and their static files (gateway/web)
    app.openapi = lambda: _openapi(app)
    return app


def _log_start(settings) -> None:
    from kit.mongo import redact_uri

    log.info("gateway web uses database %s at %s and broker %s", settings.database,
             redact_uri(settings.mongo_uri), redact_uri(settings.amqp_uri))


def _env_limit() -> int:
    from gateway.settings import Settings

    return Settings().gateway_max_body_bytes


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from assets installed with the package: the docs work with no internet."""
    assets = resources.files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="OneStop API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="OneStop API",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False)


def _openapi(app: FastAPI) -> dict:
    """FastAPI's document plus the ApplicationForm schema, which the submit endpoints take as raw JSON
    (so that contracts.form.validate_form reports every field error in one 422)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    form = ApplicationForm.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in form.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["ApplicationForm"] = form
    app.openapi_schema = schema
    return schema
