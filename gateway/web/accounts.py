"""Sign up, log in, log out: the gateway's AccountService behind a cookie session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.form import pydantic_field_errors
from contracts.rpc import Conflict, Invalid
from gateway.api.deps import client_address
from gateway.auth import ChallengeRequired, SignUp
from gateway.errors import TooManyRequests, Unauthenticated
from gateway.web import session as sessions
from gateway.web.formdata import errors_by_field
from gateway.web.pages import CsrfChecked, GatewayDep, LoggedIn, Viewer, page_router, redirect, render

router = page_router()


def _home_of(role: str) -> str:
    return "/staff" if role == "clerk" else "/applications"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def home(request: Request, who: Viewer):
    return render(request, "home.html")


@router.get("/login")
def login_page(request: Request, who: Viewer, next: str | None = None):
    if who is not None:
        return redirect(request, _safe_next(next) or _home_of(who.role))
    return render(request, "login.html", {"next": _safe_next(next) or "", "login": ""})


@router.post("/login", dependencies=[CsrfChecked])
def log_in(request: Request, gateway: GatewayDep, login: Annotated[str, Form(max_length=200)] = "",
           password: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form()] = "",
           challenge_id: Annotated[str, Form(max_length=64)] = "",
           challenge_answer: Annotated[str, Form(max_length=20)] = ""):
    client = client_address(request)
    try:
        token, _ = gateway.accounts.log_in(login, password, client, challenge_id or None, challenge_answer or None)
    except (Unauthenticated, TooManyRequests) as exc:
        values = {"error": exc.message, "login": login, "next": _safe_next(next) or ""}
        if not isinstance(exc, TooManyRequests) and gateway.accounts.challenge_due(login, client):
            try:  # the next attempt needs an answer: ask the question now
                values["challenge"] = gateway.accounts.issue_challenge(client)
                if not isinstance(exc, ChallengeRequired):
                    values["error"] = f"{exc.message}。登录失败次数较多，请同时回答下面的验证题"
            except TooManyRequests as limited:
                values["error"] = limited.message
        return render(request, "login.html", values, status_code=exc.status)
    sessions.load(request).log_in(token)
    who = gateway.accounts.principal(token)
    return redirect(request, _safe_next(next) or _home_of(who.role))


@router.post("/logout", dependencies=[CsrfChecked])
def log_out(request: Request, gateway: GatewayDep):
    sess = sessions.load(request)
    if sess.token:
        gateway.accounts.log_out(sess.token)
    sess.log_out()
    return redirect(request, "/")


@router.get("/signup")
def signup_page(request: Request, who: Viewer):
    return render(request, "signup.html", {"values": {}, "errors": {}})


@router.post("/signup", dependencies=[CsrfChecked])
async def sign_up(request: Request, gateway: GatewayDep):
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "resident_id", "email", "mobile")}
    password = str(form.get("password", ""))
    return await run_in_threadpool(_sign_up, request, gateway, values, password)


def _sign_up(request: Request, gateway, values: dict[str, str], password: str):
    message = "注册信息有误，请按提示修改"
    try:
        data = SignUp(**{k: v or None for k, v in values.items() if k in ("email", "mobile")},
                      name=values["name"], resident_id=values["resident_id"], password=password)
        gateway.accounts.sign_up(data, client_address(request))
        token, _ = gateway.accounts.log_in(values["email"] or values["mobile"], password, client_address(request))
    except ValidationError as exc:
        errors = errors_by_field(pydantic_field_errors(exc))
    except (Invalid, Conflict) as exc:
        errors = errors_by_field(exc.field_errors) or {"login": [exc.message]}
        message = exc.message
    else:
        sessions.load(request).log_in(token)
        return redirect(request, "/apply")
    if "login" in errors:  # the email or mobile is taken
        errors.setdefault("email" if values["email"] else "mobile", []).extend(errors.pop("login"))
    return render(request, "signup.html", {"values": values, "errors": errors, "error": message},
                  status_code=422)


@router.get("/account")
def account(request: Request, who: LoggedIn):
    return redirect(request, _home_of(who.role))
