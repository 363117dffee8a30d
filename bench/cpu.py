"""Who used the machine's CPU during a run: the API process, PostgreSQL, the delivery
worker, the bench's own clients, and anything else.

Read from Linux's /proc: a process's user and system time; PostgreSQL's as the sum over
its live processes plus what the postmaster collected from backends that ended
(``cutime``/``cstime``); the bench's clients as this process and its children (the
POSTing loop, the SSE clients, the webhook sink) less the API and worker processes it
started; "other" as the machine's busy time (/proc/stat) less all of those.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Account:
    """CPU seconds so far (busy seconds of all cores for ``machine``)."""

    api: float
    postgres: float
    worker: float
    clients: float
    machine: float

    def __sub__(self, earlier: Account) -> Account:
        return Account(*(getattr(self, f.name) - getattr(earlier, f.name) for f in fields(Account)))

    @property
    def other(self) -> float:
        return self.machine - self.api - self.postgres - self.worker - self.clients


@dataclass(frozen=True)
class _Process:
    pid: int
    parent: int
    name: str
    own: float  # CPU seconds
    children: float  # of ended children it waited for
    command: str


def _process(pid: int) -> _Process:
    text = Path(f"/proc/{pid}/stat").read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    stat = text.rpartition(")")[2].split()  # from field 3, the state
    command = (
        Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    )
    return _Process(
        pid,
        int(stat[1]),
        name,
        (int(stat[11]) + int(stat[12])) / TICK,  # utime, stime
        (int(stat[13]) + int(stat[14])) / TICK,  # cutime, cstime
        command,
    )


def _processes() -> list[_Process]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append(_process(int(entry.name)))
            except (OSError, ValueError, IndexError):  # ended meanwhile
                continue
    return found


def _machine() -> float:
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def account(api_pid: int) -> Account:
    me = os.getpid()
    api = postgres = worker = clients = 0.0
    for process in _processes():
        if process.pid == api_pid:
            api += process.own
        elif process.name == "postgres":
            postgres += process.own + process.children
        elif "bluewatch worker" in process.command:
            worker += process.own
        elif me in (process.pid, process.parent):
            clients += process.own
    return Account(api, postgres, worker, clients, _machine())
