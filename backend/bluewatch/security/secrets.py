"""Random tokens and their stored digests. Tokens are shown once and kept only hashed.

API keys and session tokens carry 256 bits of randomness, so a fast SHA-256 digest
is enough to store them (no dictionary to guess from); passwords, which people
choose, get argon2id in ``passwords``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "bwk"


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def same_digest(token: str, stored: bytes) -> bool:
    return hmac.compare_digest(digest(token), stored)


def new_api_key() -> tuple[str, str]:
    """(prefix, token): the prefix is public and finds the key; the token is the secret."""
    prefix = f"{KEY_PREFIX}_{secrets.token_hex(4)}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def prefix_of(token: str) -> str | None:
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
        return None
    return f"{parts[0]}_{parts[1]}"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)
