"""Who used the machine's CPU during a run: the API process, PostgreSQL, everything else.

Read from Linux's /proc: a process's user and system time, PostgreSQL's as the sum over
its live processes plus what the postmaster collected from backends that ended
(``cutime``/``cstime``), and the machine's busy time from /proc/stat. "Everything else"
is the machine's busy time less those two: the bench's load generators, its SSE
clients and webhook sink, the delivery worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Account:
    api: float  # CPU seconds
    postgres: float
    machine: float  # busy seconds, all cores

    def __sub__(self, earlier: Account) -> Account:
        return Account(
            self.api - earlier.api,
            self.postgres - earlier.postgres,
            self.machine - earlier.machine,
        )

    @property
    def rest(self) -> float:
        return self.machine - self.api - self.postgres


def _times(pid: str) -> tuple[str, float, float]:
    """(command name, own CPU seconds, CPU seconds of ended children it waited for)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text.rpartition(")")[2].split()  # from field 3, the state
    own = int(fields[11]) + int(fields[12])  # utime, stime
    children = int(fields[13]) + int(fields[14])  # cutime, cstime
    return name, own / TICK, children / TICK


def _postgres() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, own, children = _times(entry.name)
        except (OSError, ValueError, IndexError):  # ended meanwhile
            continue
        if name == "postgres":
            total += own + children
    return total


def _machine() -> float:
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def account(api_pid: int) -> Account:
    return Account(_times(str(api_pid))[1], _postgres(), _machine())
