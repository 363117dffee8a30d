"""A principal is whoever a request acts for: a person signed in, or an API key."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bluewatch.layers.spec import Classification


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
    name: str
    role: Role
    clearance: Classification

    def may_see(self, classification: Classification) -> bool:
        return classification.rank <= self.clearance.rank
