"""Mutants killed per module, from ``mutmut results --all true``; survivors listed."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

KILLED = {"killed", "timeout", "segfault"}


def main(results: Path) -> int:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: list[str] = []
    for line in results.read_text().splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = name.split(".x_")[0].split(".x\u01c1")[0]
        counts[module][status] += 1
        if status not in KILLED:
            survivors.append(f"  {status:10} {name}")
    print(f"{'module':32} {'killed':>7} {'total':>6} {'score':>6}")
    for module in sorted(counts):
        statuses = counts[module]
        total = sum(statuses.values())
        killed = sum(n for status, n in statuses.items() if status in KILLED)
        print(f"{module:32} {killed:7} {total:6} {killed / total:6.0%}")
    print("not killed:")
    print("\n".join(survivors) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
