"""The one place where failures become RFC 9457 problem responses.

Domain errors map to a status through ``PROBLEMS``; database errors are
translated by SQLSTATE; anything else is a generic 500 whose detail goes to the
log only. No response repeats the client's input, SQL or a stack trace.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import Response

from bluewatch.api.paths import PathTable
from bluewatch.api.responses import problem
from bluewatch.errors import (
    BluewatchError,
    Conflict,
    Forbidden,
    InvalidGeometry,
    InvalidInput,
    InvalidParameter,
    MalformedBody,
    NotFound,
    PayloadTooLarge,
    RangeNotSatisfiable,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

PROBLEMS: dict[type[BluewatchError], tuple[int, str, str]] = {
    InvalidParameter: (400, "invalid-parameter", "Invalid query parameter"),
    MalformedBody: (400, "malformed-body", "Malformed request body"),
    Unauthorized: (401, "unauthorized", "Authentication required"),
    Forbidden: (403, "forbidden", "Not allowed"),
    NotFound: (404, "not-found", "Not found"),
    RangeNotSatisfiable: (416, "range-not-satisfiable", "Range not satisfiable"),
    Conflict: (409, "conflict", "Conflict"),
    PayloadTooLarge: (413, "payload-too-large", "Request body too large"),
    UnsupportedMediaType: (415, "unsupported-media-type", "Unsupported media type"),
    InvalidGeometry: (422, "invalid-geometry", "Invalid geometry"),
    InvalidInput: (422, "invalid-input", "Invalid input"),
    TooManyRequests: (429, "too-many-requests", "Too many requests"),
    ServiceUnavailable: (503, "unavailable", "Service unavailable"),
}

# SQLSTATE classes the database raises for bad data that slipped past validation.
SQLSTATE_PROBLEMS: dict[str, tuple[int, str, str, str]] = {
    "23505": (409, "conflict", "Conflict", "A record with the same unique key already exists."),
    "23503": (409, "conflict", "Conflict", "The change refers to a record that does not exist."),
    "23514": (422, "invalid-input", "Invalid input", "A value breaks a rule of the data model."),
    "23502": (422, "invalid-input", "Invalid input", "A required value is missing."),
    "22": (422, "invalid-input", "Invalid input", "A value is out of range or malformed."),
    "XX": (422, "invalid-geometry", "Invalid geometry", "PostGIS could not use the geometry."),
    "42501": (403, "forbidden", "Not allowed", "The database refused this change."),
    "57014": (503, "timeout", "Query timed out", "The query took too long; narrow the filters."),
    "40001": (503, "retry", "Concurrent update", "A concurrent change collided; retry."),
    "40P01": (503, "retry", "Concurrent update", "A concurrent change collided; retry."),
}

# Connection failures (08), the server shutting down or starting (57P01-57P03), and a
# connection lost with no SQLSTATE at all: the database is away, not the request wrong.
UNREACHABLE_SQLSTATES = ("08", "57P")
RETRY_AFTER_SECONDS = 5

HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}


def domain_problem(error: BluewatchError) -> Response:
    for cls in type(error).__mro__:
        if cls in PROBLEMS:
            status, slug, title = PROBLEMS[cls]
            errors = [{"pointer": e.pointer, "message": e.message} for e in error.errors]
            response = problem(status, slug, title, error.detail, errors, error.extensions)
            response.headers.update(error.headers)  # Retry-After, WWW-Authenticate, ...
            return response
    return internal_error()


def internal_error() -> Response:
    return problem(500, "internal", "Internal server error", "The server failed; it is logged.")


def database_unavailable() -> Response:
    response = problem(
        503, "database-unavailable", "Service unavailable",
        "The database cannot be reached; try again shortly.",
    )  # fmt: skip
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _sqlstate_problem(error: DBAPIError) -> Response:
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if isinstance(error, OperationalError | InterfaceError) and (
        not sqlstate or sqlstate.startswith(UNREACHABLE_SQLSTATES)
    ):
        log.warning("database unreachable: %s", type(error.orig).__name__)
        return database_unavailable()
    if not sqlstate and isinstance(error, DataError):
        # Refused by the driver before reaching the server (e.g. a NUL in text).
        return problem(422, "invalid-input", "Invalid input", "A value cannot be stored as given.")
    entry = SQLSTATE_PROBLEMS.get(sqlstate) or SQLSTATE_PROBLEMS.get(sqlstate[:2])
    if entry is None:
        log.exception("database error %s", sqlstate, exc_info=error)
        return internal_error()
    status, slug, title, detail = entry
    log.info("database refused a request: sqlstate %s", sqlstate)
    return problem(status, slug, title, detail)


def install(app: FastAPI) -> None:
    async def on_domain_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, BluewatchError)
        return domain_problem(error)

    async def on_request_validation(_: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = []
        for detail in error.errors():
            where = "/".join(str(part) for part in detail.get("loc", ()))
            errors.append({"pointer": f"/{where}", "message": str(detail.get("msg", "invalid"))})
        return problem(
            400, "invalid-parameter", "Invalid request", "The request is malformed.", errors
        )

    async def on_http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        title = HTTP_TITLES.get(error.status_code, "Request refused")
        response = problem(error.status_code, f"http-{error.status_code}", title, title + ".")
        if error.headers:
            response.headers.update(error.headers)
        if error.status_code == 405:
            paths: PathTable = request.app.state.paths
            response.headers["Allow"] = ", ".join(sorted(paths.methods(request.url.path)))
        return response

    async def on_database_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, DBAPIError)
        return _sqlstate_problem(error)

    async def on_unreachable(_: Request, error: Exception) -> Response:
        # No connection could be had: the pool timed out, or the socket was refused.
        log.warning("database unreachable: %s", type(error).__name__)
        return database_unavailable()

    async def on_unexpected(_: Request, error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return internal_error()

    app.add_exception_handler(BluewatchError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(PoolTimeout, on_unreachable)
    app.add_exception_handler(ConnectionError, on_unreachable)
    app.add_exception_handler(Exception, on_unexpected)
