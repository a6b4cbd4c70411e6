"""Every refusal as a 4xx with `{"error": code, "detail": text}`; a 503 when the database is unreachable; a 500
only for real bugs."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from scheduler.errors import Conflict, DomainError, Forbidden, IllegalTransition, Invalid, NotFound, Throttled
from store.failures import DATABASE_ERRORS, database_unavailable

log = logging.getLogger("loket.api")

_STATUS: list[tuple[type[DomainError], int]] = [
    (Throttled, 429),
    (Forbidden, 403),
    (NotFound, 404),
    (IllegalTransition, 409),
    (Conflict, 409),
    (Invalid, 422),
]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


#: Seconds a client is asked to wait before retrying while the database is unreachable.
RETRY_AFTER_S = 5
#: Websocket close code for "try again later" (RFC 6455 registry): clients reconnect with `?since=`.
CLOSE_TRY_AGAIN = 1013


class ApiError(Exception):
    """A refusal decided at the edge (authentication, permissions), not by a rule of the office."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def error_body(code: str, detail: str, **extra: object) -> dict[str, object]:
    return {"error": code, "detail": detail, **extra}


async def send_refusal(send: Send, status: int, code: str, detail: str) -> None:
    """A refusal in the usual JSON, straight from an ASGI middleware (before any route runs)."""
    body = json.dumps(error_body(code, detail)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def status_of(exc: DomainError) -> int:
    return next((status for cls, status in _STATUS if isinstance(exc, cls)), 400)


def refusal_of(exc: DomainError | ApiError) -> tuple[int, dict[str, str]]:
    """The HTTP status and headers of a refusal, whichever layer made it (pages answer both in words)."""
    if isinstance(exc, ApiError):
        return exc.status, dict(exc.headers or {})
    if isinstance(exc, Throttled):
        return 429, {"Retry-After": str(exc.retry_after_s)}
    return status_of(exc), {}


def _describe(errors: list[dict[str, object]]) -> str:
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]  # type: ignore[attr-defined]
        where = ".".join(loc) or "body"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        status, headers = refusal_of(exc)
        return JSONResponse(error_body(exc.code, exc.detail, **exc.extra), status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.detail), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [dict(e) for e in exc.errors()]
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("malformed_json", "the request body is not valid JSON"), status_code=400)
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "problem": str(e.get("msg"))}
            for e in errors
        ]
        return JSONResponse(error_body("invalid_request", _describe(errors), problems=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        return JSONResponse(error_body(code, detail), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "something went wrong on our side"), status_code=500)

    async def database_error(conn: Request | WebSocket, exc: Exception) -> JSONResponse | None:
        if not database_unavailable(exc):
            if isinstance(conn, WebSocket):
                raise exc
            return await bug(conn, exc)
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("database unavailable (%s): %s", type(exc).__name__, first_line[:200])
        if isinstance(conn, WebSocket):
            # The client reconnects (with ?since=) and gets what it missed once the database is back.
            with contextlib.suppress(Exception):
                await conn.close(code=CLOSE_TRY_AGAIN, reason="database_unavailable")
            return None
        return JSONResponse(
            error_body("database_unavailable", f"the database is unavailable; try again in {RETRY_AFTER_S} s"),
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, database_error)  # type: ignore[arg-type]


#: What every refusal looks like, as documented in /openapi.json (FastAPI would document its own 422 shape).
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "A stable machine code, e.g. slot_full"},
        "detail": {"type": "string", "description": "What went wrong, in words"},
        "problems": {
            "type": "array",
            "description": "For invalid_request: each problem and where",
            "items": {
                "type": "object",
                "properties": {"where": {"type": "string"}, "problem": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def document(app: FastAPI) -> None:
    """Make /openapi.json describe the refusals as they are: every 4xx/5xx answer is an `Error`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status[:1] in "45" and set(response.get("content", {})) <= {"application/json"}:
                        response["content"] = error
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
