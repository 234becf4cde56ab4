"""Server-rendered pages (Jinja2 templates, a little plain JavaScript) for founders, clerks and the public.

`mount(app)` adds every page router and the static files (`/static/web`). Another module adds its
pages by registering a router before `create_app` runs (e.g. at import time of `gateway.web`):

    # gateway/web/stats.py
    from gateway.web.pages import page_router, render     # HTML errors, login/CSRF dependencies
    router = page_router()
    @router.get("/stats")
    def stats(request: Request): return render(request, "stats.html", {...})

    # and one line in PAGE_MODULES below: "gateway.web.stats"

Templates extend `base.html` and fill its blocks: `title`, `head` (extra CSS/meta), `main` (the page),
`scripts` (extra JS at the end of body). `extra_routers` is for routers built elsewhere at runtime.
"""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.web.pages import HERE, STATIC_URL

# modules with a module-level `router`, included in this order
PAGE_MODULES = ["gateway.web.accounts", "gateway.web.founder", "gateway.web.clerk", "gateway.web.public"]
PAGE_MODULES.append("gateway.web.stats")  # the public performance dashboard /stats
extra_routers: list[APIRouter] = []


def register(router: APIRouter) -> APIRouter:
    """Add a page router from anywhere before the app is created; returns it (usable as a one-liner)."""
    extra_routers.append(router)
    return router


def mount(app: FastAPI) -> None:
    for name in PAGE_MODULES:
        app.include_router(import_module(name).router)
    for router in extra_routers:
        app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=str(HERE / "static")), name="web-static")
