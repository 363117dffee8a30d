"""UN information sensitivity levels (ST/SGB/2007/6), lowest first."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Classification(enum.StrEnum):
    UNCLASSIFIED = "unclassified"
    CONFIDENTIAL = "confidential"
    STRICTLY_CONFIDENTIAL = "strictly_confidential"

    @property
    def rank(self) -> int:
        return _RANKS[self]  # looked up for every event and stream: not searched for

    @classmethod
    def highest(cls, levels: Iterable[Classification]) -> Classification:
        """The most sensitive of ``levels``; unclassified when there are none."""
        return max(levels, key=lambda level: level.rank, default=cls.UNCLASSIFIED)

    @property
    def marking(self) -> str:
        """The marking as printed on documents: "UN CONFIDENTIAL"."""
        return "UNCLASSIFIED" if self is Classification.UNCLASSIFIED else (
            "UN " + self.value.replace("_", " ").upper()
        )  # fmt: skip


_RANKS = {level: number for number, level in enumerate(Classification)}
