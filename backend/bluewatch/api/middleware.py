"""Response headers every reply carries: a request id, and the security headers."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


class RequestHeaders:
    """Give each request an id (``X-Request-ID``, kept when sane) and secure every reply."""

    def __init__(self, app: ASGIApp, extra_csp_sources: str = "") -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if extra_csp_sources:
            self.headers["content-security-policy"] = CONTENT_SECURITY_POLICY.replace(
                "img-src 'self'", f"img-src 'self' {extra_csp_sources}"
            ).replace("connect-src 'self'", f"connect-src 'self' {extra_csp_sources}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD wherever GET works (RFC 9110 §9.3.2): the GET is run and its body dropped, so
    the status and headers (Content-Length included) are the GET's. Endless streams
    (Server-Sent Events) are left out: a HEAD there would never end, so it answers 405."""

    def __init__(self, app: ASGIApp, endless: tuple[str, ...] = ()) -> None:
        self.app = app
        self.endless = endless

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "HEAD"
            or scope["path"].endswith(self.endless)
        ):
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_headers_only(message: Message) -> None:
            nonlocal finished
            if finished:
                return
            if message["type"] == "http.response.body":
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(dict(scope, method="GET"), receive, send_headers_only)
