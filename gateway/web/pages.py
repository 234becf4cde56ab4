"""What every page router shares: templates, the session, the logged-in principal, CSRF, and turning
errors into HTML pages instead of the API's JSON.

    from gateway.web.pages import page_router, render, Founder, CsrfChecked
    router = page_router()                  # an APIRouter whose errors render error.html

    @router.get("/things")
    def things(request: Request, who: Founder): return render(request, "things.html", {...})
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from contracts.rpc import Forbidden, OneStopError
from gateway.auth import Principal
from gateway.context import Gateway
from gateway.errors import Unauthenticated
from gateway.web import session as sessions
from gateway.web import texts

HERE = Path(__file__).resolve().parent
STATIC_URL = "/static/web"

env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.globals.update(texts.TEMPLATE_GLOBALS)
env.filters.update(texts.TEMPLATE_FILTERS)
templates = Jinja2Templates(env=env)


class LoginRequired(Exception):
    """Raised by the principal dependencies: the route class answers with a redirect to the login page."""


class CsrfFailed(Exception):
    pass


def gateway_of(request: Request) -> Gateway:
    return request.app.state.gateway


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    sess = sessions.load(request)
    who = getattr(request.state, "principal", None)
    if who is None and sess.token:
        try:
            who = gateway_of(request).accounts.principal(sess.token)
        except Unauthenticated:
            who = None
    ctx = {"who": who, "csrf_token": sess.csrf, "static": STATIC_URL, **(context or {})}
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return sessions.save(request, response)


def redirect(request: Request, url: str) -> Response:
    return sessions.save(request, RedirectResponse(url, status_code=303))


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


class PageRoute(APIRoute):
    """Errors become pages: not logged in -> the login page; a typed error -> error.html with its status."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (LoginRequired, Unauthenticated):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(request, f"/login?next={quote(target)}")
            except CsrfFailed:
                return error_page(request, 403, "页面已过期或请求来源不明（缺少安全令牌）。请返回上一页刷新后重试。")
            except OneStopError as exc:
                return error_page(request, exc.status, exc.message)
            except (RpcTimeout, UnknownService):
                return error_page(request, 503, "相关部门系统暂时无法响应，请稍后再试")
            except RemoteError:
                return error_page(request, 502, "相关部门系统处理出错，请稍后再试")

        return page_handler


def page_router(**kwargs: Any) -> APIRouter:
    """An APIRouter for pages: HTML errors, not in the OpenAPI document."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **kwargs)


# ---- dependencies ---------------------------------------------------------------------------------


def current_principal(request: Request) -> Principal | None:
    token = sessions.load(request).token
    if not token:
        return None
    try:
        who = gateway_of(request).accounts.principal(token)
    except Unauthenticated:
        return None
    request.state.principal = who
    return who


def require_login(request: Request) -> Principal:
    who = current_principal(request)
    if who is None:
        raise LoginRequired()
    return who


def require_founder(who: Annotated[Principal, Depends(require_login)]) -> Principal:
    if who.role == "clerk":
        raise Forbidden("工作人员账号不能办理企业开办申请，请用创业者账号登录")
    return who


def require_clerk(who: Annotated[Principal, Depends(require_login)]) -> Principal:
    if who.role != "clerk":
        raise Forbidden("只有部门工作人员可以进入办理后台")
    return who


async def check_csrf(request: Request) -> None:
    """Every page POST carries the session's CSRF token (form field or X-CSRF-Token header), else 403."""
    given = request.headers.get(sessions.CSRF_HEADER)
    if not given:
        form = await request.form()
        value = form.get(sessions.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not sessions.load(request).csrf_ok(given):
        raise CsrfFailed()


Viewer = Annotated[Principal | None, Depends(current_principal)]
LoggedIn = Annotated[Principal, Depends(require_login)]
Founder = Annotated[Principal, Depends(require_founder)]
Clerk = Annotated[Principal, Depends(require_clerk)]
GatewayDep = Annotated[Gateway, Depends(gateway_of)]
CsrfChecked = Depends(check_csrf)
