"""Text every reader can carry: no control characters but tab, LF and CR.

XML 1.0 (CAP, Atom, KML) cannot hold U+0000-U+0008, U+000B, U+000C, U+000E-U+001F,
lone surrogates or U+FFFE/U+FFFF: one such character in a name made those documents
not well-formed for every reader. C1 controls (U+0080-U+009F) and DEL are refused too:
no mission text needs them and terminals act on them. Input with any of them is refused;
renderers replace any that older data still holds.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MESSAGE = "must not contain control characters other than tab, line feed and carriage return"


def check_plain(value: str) -> str:
    if _UNCARRIABLE.search(value):
        raise ValueError(MESSAGE)
    return value


def xml_safe(value: str) -> str:
    """``value`` with every character XML cannot carry replaced by U+FFFD."""
    return _UNCARRIABLE.sub("\ufffd", value)


# A string field that refuses what XML and terminals cannot carry.
PlainText = Annotated[str, AfterValidator(check_plain)]
