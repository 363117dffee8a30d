"""The hostile-file corpus (tests/corpus/) against a real ``bluewatch serve`` (issue 14).

Every file is imported and, when it is GeoJSON, posted as a write too. Each answer is a
4xx ``application/problem+json`` (or, for a partial import, a report that rejects the
row), never a 500, never the raw input echoed, and nothing is stored. The import bombs,
too large to keep as files, are built by tests/hostile.py in tests/test_import_bombs.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import RoleKeys, bearer
from tests.processes import api_process

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).parent / "corpus"
MEDIA = {".geojson": "application/geo+json", ".csv": "text/csv"}
FILES = sorted(CORPUS.iterdir())
# What each file must not bring back in an answer.
ECHOES = [b"\x0b", b"\\u000b", b"\xff", b"\x00", b"\\u0000", b"9999-12-31", b"99999999"]


@pytest.fixture(scope="module")
def server(database_url: str) -> object:
    with api_process(database_url, {}) as base:
        yield base


def _stored(base: str, headers: dict[str, str]) -> int:
    return sum(
        len(httpx.get(f"{base}/api/v1/{layer}", headers=headers).json()["features"])
        for layer in ("incidents", "camps")
    )


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 8, FILES


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
@pytest.mark.parametrize("atomic", ["true", "false"])
def test_each_hostile_file_is_refused_cleanly(
    server: str, role_keys: RoleKeys, db: object, path: Path, atomic: str
) -> None:
    admin = bearer(role_keys.admin)
    layer = path.name.split("-")[0]
    headers = admin | {"Content-Type": MEDIA[path.suffix]}
    before = _stored(server, admin)
    assert before == 0  # the db fixture emptied the tables: what follows can only add
    answers = [
        httpx.post(
            f"{server}/api/v1/import/{layer}",
            params={"atomic": atomic},
            content=path.read_bytes(),
            headers=headers,
            timeout=60,
        )
    ]
    if path.suffix == ".geojson":
        answers.append(
            httpx.post(f"{server}/api/v1/{layer}", content=path.read_bytes(), headers=headers)
        )
    for answer in answers:
        if answer.status_code == 200:  # a partial import: the row is reported, not stored
            report = answer.json()
            assert atomic == "false"
            assert (report["rejected"], report["created"]) == (1, 0), report
        else:
            assert 400 <= answer.status_code < 500, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        for echo in ECHOES:
            assert echo not in answer.content, (echo, answer.text)
    assert _stored(server, admin) == 0
