"""Working folders for uploads and file exports, and clearing what dead processes left.

Every folder lives under one spool root (``BLUEWATCH_SPOOL_DIR``, by default
``<temp>/bluewatch-spool``) and is named ``<pid>-<purpose>-<random>``. A process killed
while importing (kill -9, OOM) cannot remove its folder; the next process to start
removes every folder whose process no longer runs, so an upload never stays for ever.
Folders of processes still running (other API workers) are left alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / "bluewatch-spool"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def clear_leftovers(root: Path) -> list[Path]:
    """Remove the folders of processes that are gone; returns what was removed."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        owner, _, _ = folder.name.partition("-")
        if owner.isascii() and owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def new_folder(root: Path, purpose: str) -> Path:
    """A private folder of this process; the caller removes it when done."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-{purpose}-", dir=root))


@contextlib.contextmanager
def working_folder(root: Path, purpose: str) -> Iterator[Path]:
    """A private folder for one request, removed when the request ends."""
    folder = new_folder(root, purpose)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
