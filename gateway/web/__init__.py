"""Server-rendered pages (Jinja2 templates, a little plain JavaScript) for founders, clerks and the public.

`mount(app)` adds every page router and the static files (`/static/web`). A module adds its pages
with a module-level router and one line in PAGE_MODULES:

    # gateway/web/stats.py
    from gateway.web.pages import page_router, render     # HTML errors, login/CSRF dependencies
    router = page_router()
    @router.get("/stats")
    def stats(request: Request): return render(request, "stats.html", {...})

    # and one line in PAGE_MODULES below: "gateway.web.stats"

Templates extend `base.html` and fill its blocks: `title`, `head` (extra CSS/meta), `main` (the page),
`scripts` (extra JS at the end of body).
"""

from __future__ import annotations

from importlib import import_module

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.web.pages import HERE, STATIC_URL

# modules with a module-level `router`, included in this order
PAGE_MODULES = ["gateway.web.accounts", "gateway.web.founder", "gateway.web.clerk", "gateway.web.public"]
PAGE_MODULES.append("gateway.web.stats")  # the public performance dashboard /stats
PAGE_MODULES.append("gateway.web.changes")  # a company's changes of details
PAGE_MODULES.append("gateway.web.closing")  # closing the company (简易注销)
PAGE_MODULES.append("gateway.web.confirmations")  # a person named on a form confirms it
PAGE_MODULES.append("gateway.web.creditor_objections")  # the public objection form during a notice
PAGE_MODULES.append("gateway.web.ratings")  # 好差评: the founder rates each finished step


def mount(app: FastAPI) -> None:
    for name in PAGE_MODULES:
        app.include_router(import_module(name).router)
    app.mount(STATIC_URL, StaticFiles(directory=str(HERE / "static")), name="web-static")
