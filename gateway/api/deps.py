"""FastAPI dependencies: the Gateway (services) and the calling principal from a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from gateway.auth import Principal
from gateway.context import Gateway

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/tokens", auto_error=False)


def get_gateway(request: Request) -> Gateway:
    return request.app.state.gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


def get_principal(gateway: GatewayDep, token: Annotated[str | None, Depends(oauth2)]) -> Principal:
    return gateway.accounts.principal(token)


Who = Annotated[Principal, Depends(get_principal)]
Token = Annotated[str | None, Depends(oauth2)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
