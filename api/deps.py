"""What route handlers receive: the app's parts, the clock, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from scheduler.access import Permission, Principal
from service.parts import Parts
from store import admin


def client_of(request: Request) -> str:
    """The client's address (the proxy's word for it when `--forwarded-allow-ips` trusts the proxy): whose budget."""
    return request.client.host if request.client else "unknown"


def get_parts(request: Request) -> Parts:
    parts: Parts = request.app.state.parts
    return parts


PartsDep = Annotated[Parts, Depends(get_parts)]
_bearer = HTTPBearer(auto_error=False, description="A token from `loket token create` or `POST /api/login`")


async def resolve(parts: Parts, secret: str | None) -> Principal:
    if not secret:
        raise ApiError(
            401,
            "unauthorized",
            "this needs a token: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = admin.digest(secret)
    principal = parts.tokens.get(key)
    if principal is None:
        principal = await run_in_threadpool(admin.principal_for, parts.db, secret, parts.clock())
        if principal is not None:
            parts.tokens.put(key, principal)
    if principal is None:
        raise ApiError(
            401, "invalid_token", "the token is unknown, expired or revoked", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


async def get_principal(
    parts: PartsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    return await resolve(parts, credentials.credentials if credentials else None)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(principal: Principal, permission: Permission, office: str) -> None:
    if not principal.may(permission, office):
        what = {
            Permission.READ: "see this office",
            Permission.ISSUE: "issue tickets here",
            Permission.SERVE: "serve at this office",
            Permission.MANAGE: "manage this office",
            Permission.MODERATE: "moderate this office's ideas",
            Permission.MEASURE: "register or see this office's measures",
        }[permission]
        raise ApiError(
            403,
            "forbidden",
            f"a {principal.role.value} token for office {principal.office or 'any'} may not {what} ({office})",
        )
