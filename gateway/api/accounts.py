from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from gateway.api.deps import GatewayDep, Token, Who, client_address
from gateway.api.schemas import AccountOut, ChallengeOut, TokenOut
from gateway.auth import PasswordChange, SignUp, public_account
from gateway.contact_verification import CodeAnswer, CodeRequest

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/accounts", status_code=201, response_model=AccountOut, summary="Sign up as a founder")
def sign_up(body: SignUp, request: Request, gateway: GatewayDep) -> dict:
    """Founders sign up with a checked resident ID and an email and/or mobile number (either logs in).
    Sign-ups are limited per client address and in all, per hour (429). A verification code goes to the
    email (else the mobile) at once: answer it (POST /api/v1/me/verification) before submitting or
    confirming (403 until then)."""
    created = gateway.accounts.sign_up(body, client_address(request))
    gateway.contact.send(created["id"])
    return created


@router.post("/me/verification-code", status_code=202, summary="Send (again) a code to my email or mobile")
def send_code(who: Who, gateway: GatewayDep, body: CodeRequest | None = None) -> dict:
    """Valid 10 minutes, 5 wrong answers; one send a minute and 5 an hour (429). The embedded sender
    (`outbox_file`) sends nothing: it writes to the operator's outbox file (`sender` says which)."""
    return gateway.contact.send(who.id, body.channel if body else None)


@router.post("/me/verification", response_model=AccountOut, summary="Answer the code: my contact is verified")
def verify_code(body: CodeAnswer, who: Who, gateway: GatewayDep) -> dict:
    return public_account(gateway.contact.confirm(who.id, body.code))


@router.post("/tokens", response_model=TokenOut, summary="Log in (OAuth2 password flow)")
def log_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, gateway: GatewayDep,
           challenge_id: Annotated[str | None, Form(max_length=64)] = None,
           challenge_answer: Annotated[str | None, Form(max_length=20)] = None) -> dict:
    """username = email, mobile or staff login. After a few failures (per username or per client) a log-in
    must carry `challenge_id` and `challenge_answer` (401 CHALLENGE_REQUIRED: get one from
    POST /api/v1/login-challenges); after more, attempts from that client wait, growing (429, Retry-After)."""
    token, expires = gateway.accounts.log_in(form.username, form.password, client_address(request),
                                             challenge_id, challenge_answer)
    return {"access_token": token, "token_type": "bearer", "expires_at": expires}


@router.post("/login-challenges", status_code=201, response_model=ChallengeOut,
             summary="A log-in challenge (embedded: simple arithmetic, NOT a CAPTCHA service)")
def new_challenge(request: Request, gateway: GatewayDep) -> dict:
    return asdict(gateway.accounts.issue_challenge(client_address(request)))


@router.delete("/tokens/current", status_code=204, summary="Log out (revoke this token)")
def log_out(who: Who, token: Token, gateway: GatewayDep) -> Response:
    gateway.accounts.log_out(token)
    return Response(status_code=204)


@router.delete("/tokens", status_code=204, summary="Log out everywhere (revoke every token of my account)")
def log_out_everywhere(who: Who, gateway: GatewayDep) -> Response:
    gateway.accounts.log_out_everywhere(who.id)
    return Response(status_code=204)


@router.put("/me/password", response_model=TokenOut, summary="Change my password (ends every other session)")
def change_password(body: PasswordChange, who: Who, request: Request, gateway: GatewayDep) -> dict:
    """Every token of the account is revoked; the answer is a new token for this client."""
    token, expires = gateway.accounts.change_password(who, body, client_address(request))
    return {"access_token": token, "token_type": "bearer", "expires_at": expires}


@router.get("/me", response_model=AccountOut, summary="The logged-in account")
def me(who: Who, gateway: GatewayDep) -> dict:
    return public_account(gateway.store.account(who.id))
