"""Who may call a route. Every route declares a ``Policy``; the app refuses to start
with one that does not (deny by default), and the role-matrix test checks each.

    PUBLIC            anyone (health, sign-in)
    Policy(VIEWER)    any signed-in principal: read and stream
    Policy(ANALYST)   + write incidents and routes, alerts, import, export
    Policy(ADMIN)     + camps, rules, webhooks, keys, users, deletes
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, routing
from fastapi.routing import APIRoute, RouteContext

from bluewatch.api.authentication import authenticate
from bluewatch.errors import Forbidden, TooManyRequests
from bluewatch.security import audit
from bluewatch.security.principal import ANONYMOUS, Actor, Principal, Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"


def request_actor(request: Request, principal: Principal) -> Actor:
    return Actor(
        principal=principal,
        request_id=getattr(request.state, "request_id", None),
        address=request.client.host if request.client else None,
    )


class Policy:
    """A dependency that authenticates, checks role and CSRF, and rate-limits."""

    def __init__(self, minimum: Role | None) -> None:
        self.minimum = minimum  # None: public

    def __repr__(self) -> str:
        return f"Policy({self.minimum.value if self.minimum else 'public'})"

    def depends(self) -> Any:
        """For ``dependencies=[...]`` on routes that do not need the actor."""
        return Depends(self)

    async def __call__(self, request: Request) -> Actor:
        if self.minimum is None:
            return request_actor(request, ANONYMOUS)
        principal = await authenticate(request)
        actor = request_actor(request, principal)
        if not principal.role.includes(self.minimum):
            await audit.record_alone(
                request.app.state.database,
                actor,
                "authorization.denied",
                result="denied",
                details={"method": request.method, "route": _route_path(request)},
            )
            raise Forbidden(f"This needs the {self.minimum.value} role.")
        if principal.session_csrf is not None and request.method not in SAFE_METHODS:
            proof = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(proof.encode(), principal.session_csrf.encode()):
                await audit.record_alone(
                    request.app.state.database, actor, "csrf.refused", result="denied"
                )
                raise Forbidden(f"Cookie-authenticated changes need the {CSRF_HEADER} header.")
        wait = request.app.state.rate_limiter.retry_after(principal.name)
        if wait is not None:
            raise TooManyRequests("Too many requests; slow down.", retry_after=wait)
        return actor


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


PUBLIC = Policy(None)
VIEWER = Policy(Role.VIEWER)
ANALYST = Policy(Role.ANALYST)
ADMIN = Policy(Role.ADMIN)

ViewerDep = Annotated[Actor, Depends(VIEWER)]
AnalystDep = Annotated[Actor, Depends(ANALYST)]
AdminDep = Annotated[Actor, Depends(ADMIN)]


def routes(app: FastAPI) -> list[RouteContext]:
    """Every route the app serves, with included routers expanded."""
    return list(routing.iter_route_contexts(app.routes))


def route_policy(route: RouteContext) -> Policy | None:
    """The policy a route declares, found among its dependencies."""
    if not isinstance(route.original_route, APIRoute):
        policy = getattr(route.original_route, "policy", None)
        return policy if isinstance(policy, Policy) else None
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Policy):
            return dependency.call
        pending.extend(dependency.dependencies)
    return None


def require_policies(app: FastAPI) -> None:
    """Refuse to build an app with a route that declares no policy."""
    missing = [str(route.path) for route in routes(app) if route_policy(route) is None]
    if missing:
        raise RuntimeError(f"Routes without an access policy: {', '.join(missing)}")
