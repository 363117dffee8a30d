"""A principal is whoever a request acts for: a person signed in, or an API key."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bluewatch.classification import Classification


class Role(enum.StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True)
class Principal:
    name: str  # "alice" for a user, "key:ingest-bot" for an API key
    role: Role
    clearance: Classification
    session_csrf: str | None = None  # set when authenticated by the session cookie

    def may_see(self, classification: Classification) -> bool:
        return classification.rank <= self.clearance.rank


@dataclass(frozen=True)
class Actor:
    """A principal in the context of one request, as the audit log records it."""

    principal: Principal
    request_id: str | None = None
    address: str | None = None


SYSTEM = Principal("system", Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL)
# Whoever calls a public route; public routes serve no classified data.
ANONYMOUS = Principal("anonymous", Role.VIEWER, Classification.UNCLASSIFIED)
