"""Debian's GDAL command-line tools as an independent reader of what we write and serve."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

FEATURE_COUNT = re.compile(r"^Layer name: (?P<layer>.+?)$|^Feature Count: (?P<count>\d+)$", re.M)


def ogrinfo(
    dataset: str | Path,
    *args: str,
    headers: str | None = None,
    summary: bool = True,
    layers: tuple[str, ...] = (),
) -> str:
    """``ogrinfo -ro -al [-so]`` on a file or connection string (all its layers, or
    ``layers``); its text output."""
    env = dict(os.environ)
    if headers is not None:
        env["GDAL_HTTP_HEADERS"] = headers
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", *(["-so"] if summary else []), *args, str(dataset), *layers],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def feature_counts(
    dataset: str | Path, *args: str, headers: str | None = None, layers: tuple[str, ...] = ()
) -> dict[str, int]:
    """Features per layer, as ogrinfo counts them."""
    counts: dict[str, int] = {}
    layer = ""
    for match in FEATURE_COUNT.finditer(ogrinfo(dataset, *args, headers=headers, layers=layers)):
        if match["layer"]:
            layer = match["layer"]
        else:
            counts[layer] = int(match["count"])
    return counts
