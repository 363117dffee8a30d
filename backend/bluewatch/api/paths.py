"""The app's paths as OpenAPI declares them: which template a request path falls under,
and which methods that resource takes. Built once per app, from its own definition."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI


@dataclass(frozen=True)
class _Path:
    pattern: re.Pattern[str]
    template: str
    methods: frozenset[str]


class PathTable:
    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._paths: list[_Path] | None = None

    def _table(self) -> list[_Path]:
        if self._paths is None:
            found = [
                _Path(
                    re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))),
                    template,
                    frozenset(method.upper() for method in operations),
                )
                for template, operations in self._app.openapi()["paths"].items()
            ]
            # A literal segment beats a placeholder: /alerts/stream before /alerts/{id}.
            self._paths = sorted(found, key=lambda p: p.template.count("{"))
        return self._paths

    def template(self, path: str) -> str | None:
        return next((p.template for p in self._table() if p.pattern.fullmatch(path)), None)

    def methods(self, path: str) -> set[str]:
        """Every method some route takes at ``path``, and HEAD wherever GET is."""
        methods: set[str] = set()
        for known in self._table():
            if known.pattern.fullmatch(path):
                methods |= known.methods
        if "GET" in methods:
            methods.add("HEAD")
        return methods
