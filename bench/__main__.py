"""``python -m bench [--quick] [--runs N] [--only rules,ingest,stream,routing]``.

Builds the synthetic data set, runs each workload beside its baseline in the same
run, and prints a table (also written to bench/out/latest.md). Figures are medians
over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench import exports, harness, ingest, page, peers, routing, rules, stream, webhooks

WORKLOADS = ("rules", "ingest", "stream", "webhooks", "exports", "peers", "page", "routing")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k incidents: a smoke run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    incidents = 10_000 if args.quick else 1_000_000
    report = harness.Report()
    try:
        measure(args, chosen, incidents, report)
    finally:  # a workload that fails still leaves the others' figures
        write(report, incidents, args.runs)


def measure(
    args: argparse.Namespace, chosen: set[str], incidents: int, report: harness.Report
) -> None:
    with harness.world(incidents, camps=100, routes=200) as world:
        if "rules" in chosen:
            batch, sample = (2_000, 200) if args.quick else (10_000, 500)
            asyncio.run(rules.measure(world, report, batch, sample, args.runs))
        if "routing" in chosen:  # a grid of side by side: 2 side (side - 1) road segments
            routing.measure(world, report, 60 if args.quick else 224, args.runs)
        if chosen & {"ingest", "stream", "webhooks", "exports", "peers", "page"}:
            with harness.api_process(world.url) as base:
                if "ingest" in chosen:
                    batches, seconds = (5, 3) if args.quick else (20, 10)
                    ingest.measure(world, base, report, batches, 1_000, seconds, args.runs)
                if "stream" in chosen:
                    rates, seconds = ((100,), 3) if args.quick else ((10, 100, 1_000), 10)
                    stream.measure(world, base, report, rates, seconds, args.runs)
                if "webhooks" in chosen:
                    webhooks.measure(world, report, 100 if args.quick else 1_000, args.runs)
                if "exports" in chosen:
                    exports.measure(world, base, report, args.runs)
                if "peers" in chosen:
                    peers.measure(world, base, report, 3 if args.quick else 15, args.runs)
                if "page" in chosen:
                    page.measure(world, base, report, 3 if args.quick else 10, args.runs)


def write(report: harness.Report, incidents: int, runs: int) -> None:
    header = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, {incidents:,} incidents, runs={runs}"
    )
    table = report.table()
    print(f"\n{header}\n\n{table}")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(f"{header}\n\n{table}\n")


if __name__ == "__main__":
    main()
