"""Prometheus's own promtool (Debian's prometheus package) as the judge of an exposition."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def check_metrics(exposition: str) -> None:
    """``promtool check metrics``: no errors and no lint warnings."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: scripts/bootstrap --browser installs prometheus")
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=exposition.encode(),
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    assert checked.stdout.strip() == b"" and checked.stderr.strip() == b"", checked
