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
from gateway.contact_verification import CODE_MINUTES, is_verified
from gateway.errors import TooManyRequests, Unauthenticated
from gateway.web import session as sessions
from gateway.web.formdata import errors_by_field
from gateway.web.pages import (
    CsrfChecked,
    Founder,
    GatewayDep,
    LoggedIn,
    Viewer,
    page_router,
    redirect,
    render,
)

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
        created = gateway.accounts.sign_up(data, client_address(request))
        gateway.contact.send(created["id"])  # the code goes out at once; the next page asks for it
        token, _ = gateway.accounts.log_in(values["email"] or values["mobile"], password, client_address(request))
    except ValidationError as exc:
        errors = errors_by_field(pydantic_field_errors(exc))
    except (Invalid, Conflict) as exc:
        errors = errors_by_field(exc.field_errors) or {"login": [exc.message]}
        message = exc.message
    else:
        sessions.load(request).log_in(token)
        return redirect(request, "/account/verify")
    if "login" in errors:  # the email or mobile is taken
        errors.setdefault("email" if values["email"] else "mobile", []).extend(errors.pop("login"))
    return render(request, "signup.html", {"values": values, "errors": errors, "error": message},
                  status_code=422)


@router.get("/account")
def account(request: Request, who: LoggedIn):
    return redirect(request, _home_of(who.role))


# ---- the email or mobile answers a code before the account may submit (gateway/contact_verification.py)


def _verify_page(request: Request, gateway, who, status_code: int = 200, **values):
    account = gateway.store.account(who.id) or {}
    return render(request, "verify_contact.html", {
        "verified": is_verified(account), "pending": gateway.contact.pending(who.id), "minutes": CODE_MINUTES,
        "has_email": bool(account.get("email")), "has_mobile": bool(account.get("mobile")),
        "sender": gateway.contact.sender.name, **values}, status_code=status_code)


@router.get("/account/verify")
def verify_page(request: Request, who: Founder, gateway: GatewayDep):
    return _verify_page(request, gateway, who)


@router.post("/account/verify", dependencies=[CsrfChecked])
def verify_code(request: Request, who: Founder, gateway: GatewayDep, code: Annotated[str, Form(max_length=12)] = ""):
    try:
        gateway.contact.confirm(who.id, code.strip())
    except Invalid as exc:
        return _verify_page(request, gateway, who, status_code=422, error=exc.message)
    return redirect(request, "/apply?verified=1")


@router.post("/account/verify/resend", dependencies=[CsrfChecked])
def resend_code(request: Request, who: Founder, gateway: GatewayDep,
                channel: Annotated[str, Form(max_length=10)] = ""):
    try:
        gateway.contact.send(who.id, channel if channel in ("email", "mobile") else None)
    except (Invalid, TooManyRequests) as exc:
        return _verify_page(request, gateway, who, status_code=exc.status, error=exc.message)
    return _verify_page(request, gateway, who, sent=True)
