"""Reading numbers from text that anyone may send (query strings, headers, files)."""

from __future__ import annotations

BIGINT_MAX = 2**63 - 1


def whole_number(raw: str | bytes, upper: int = BIGINT_MAX) -> int | None:
    """``raw`` as an int in 0..upper, or None.

    Only ASCII digits count ("²".isdigit() is true, int("²") fails), and the length is
    checked before int(), which refuses more than 4,300 digits.
    """
    digits = raw.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(upper)):
        return None
    value = int(digits)
    return value if value <= upper else None
