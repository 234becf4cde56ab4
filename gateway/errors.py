"""One JSON error shape for every failure: {"code", "message", "errors": [{"field", "message"}]}.

Typed errors from `contracts.rpc` (raised here or rebuilt from a bureau's RPC reply) carry their own
HTTP status; anything unexpected is logged with its stack and answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.form import pydantic_field_errors
from contracts.rpc import FieldError, OneStopError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "INVALID",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
}


class ErrorBody(BaseModel):
    """The body of every error response (documented in the OpenAPI components)."""

    code: str
    message: str
    errors: list[FieldError] = []


class Unauthenticated(OneStopError):
    code, status = "UNAUTHENTICATED", 401


class TooManyRequests(OneStopError):
    code, status = "TOO_MANY_REQUESTS", 429

    def __init__(self, message: str = "", retry_after: int = 900):
        super().__init__(message)
        self.retry_after = retry_after  # seconds, the Retry-After header


def error_response(status: int, code: str, message: str, errors: list[FieldError] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(code=code, message=message, errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _one_stop(request: Request, exc: OneStopError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if exc.status == 429:
        headers = {"Retry-After": str(max(1, int(getattr(exc, "retry_after", 900))))}
    return error_response(exc.status, exc.code, exc.message or HTTP_CODES.get(exc.status, ""),
                          exc.field_errors, headers)


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    rows: list[dict[str, Any]] = list(exc.errors())
    if any(row.get("type") == "json_invalid" for row in rows):
        return error_response(400, "MALFORMED_JSON", "请求体不是有效的 JSON")
    errors = []
    for row in rows:
        loc = [str(p) for p in row.get("loc", ()) if p not in ("body", "query", "path", "header")]
        # contracts' founder-readable messages for the same pydantic error types
        message = pydantic_field_errors_message(row)
        errors.append(FieldError(field=".".join(loc) or "body", message=message))
    return error_response(422, "INVALID", "请求内容有误", errors)


def pydantic_field_errors_message(row: dict[str, Any]) -> str:
    from pydantic_core import InitErrorDetails, ValidationError

    try:
        detail = InitErrorDetails(type=row["type"], loc=tuple(row.get("loc", ())), input=row.get("input"),
                                  ctx=row.get("ctx") or {})
        exc = ValidationError.from_exception_data("request", [detail])
        return pydantic_field_errors(exc)[0].message
    except Exception:  # an error type pydantic cannot rebuild: its own message is fine
        return str(row.get("msg", "invalid"))


def _http(request: Request, exc: StarletteHTTPException) -> Response:
    if _wants_page(request) and exc.status_code in (404, 405):
        from gateway.web.pages import error_page  # the pages import this module

        return error_page(request, exc.status_code, "没有这个页面，请检查网址，或从首页进入")
    code = HTTP_CODES.get(exc.status_code, "ERROR")
    message = exc.detail if isinstance(exc.detail, str) else code
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


def _wants_page(request: Request) -> bool:
    """A person's browser asking for a non-API address gets a page, not the API's JSON."""
    path = request.url.path
    return not path.startswith(("/api/", "/openapi", "/docs", "/redoc")) and "text/html" in request.headers.get("accept", "")


def _timeout(request: Request, exc: Exception) -> JSONResponse:
    log.warning("bureau unavailable: %s %s", type(exc).__name__, exc)
    return error_response(503, "UNAVAILABLE", "相关部门系统暂时无法响应，请稍后再试")


def _remote(request: Request, exc: RemoteError) -> JSONResponse:
    log.error("bureau failed: %s", exc)
    return error_response(502, "BAD_GATEWAY", "相关部门系统处理出错，请稍后再试")


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "INTERNAL", "服务器内部错误，请稍后再试")


def install(app: FastAPI) -> None:
    app.add_exception_handler(OneStopError, _one_stop)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RpcTimeout, _timeout)
    app.add_exception_handler(UnknownService, _timeout)
    app.add_exception_handler(RemoteError, _remote)
    app.add_exception_handler(Exception, _unexpected)
