"""Read workloads driven by wrk (Debian's package), a C load generator: on two cores a
Python client saturates before the server does, so the side-by-side read figures (W4
bbox pages, W6 tiles, ours and tipg's) come from wrk.

A Lua script cycles through the URLs' paths, adds the credential, and prints
requests/s, the p50/p95/p99 latency and the error count (any 4xx/5xx answer, socket
error or timeout, which fails the run) as JSON when done.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

THREADS = 2  # one per core of the reference machine
SCRIPT = """
local paths = {%(paths)s}
local counter = 0
local auth = %(auth)s

request = function()
  counter = counter + 1
  local headers = {}
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Result:
    rate: float  # requests/s
    p50: float  # ms
    p95: float
    p99: float


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(urls: list[str], headers: dict[str, str], seconds: float, connections: int) -> Result:
    """Load ``urls`` (one origin) round-robin for ``seconds`` over ``connections``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is missing: scripts/bootstrap --browser installs it")
    origin = urlsplit(urls[0])
    paths = [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
             for u in urls]  # fmt: skip
    script = SCRIPT % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "auth": _lua_string(headers.get("Authorization", "")),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(
            [wrk, f"-t{min(THREADS, connections)}", f"-c{connections}",
             f"-d{max(1, round(seconds))}s", "--timeout", "120s", "-s", handle.name,
             f"{origin.scheme}://{origin.netloc}"],
            capture_output=True, text=True, check=False, timeout=seconds + 300,
        )  # fmt: skip
    finally:
        Path(handle.name).unlink(missing_ok=True)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed: {completed.stderr[-500:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    failed = int(figures["errors"])
    if failed:
        raise RuntimeError(f"wrk: {figures['requests']} requests, {failed} failed")
    if figures["requests"] == 0:  # none finished in time: the rate is below one a run
        return Result(rate=0.0, p50=math.inf, p95=math.inf, p99=math.inf)
    return Result(
        rate=figures["requests"] / figures["seconds"],
        p50=figures["p50"],
        p95=figures["p95"],
        p99=figures["p99"],
    )
