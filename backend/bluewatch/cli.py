"""The ``bluewatch`` command: a stable interface for operators and scripts."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from pydantic import SecretStr

from bluewatch.db.local import LocalCluster, LocalClusterError
from bluewatch.settings import Settings


def local_cluster(settings: Settings) -> LocalCluster:
    return LocalCluster(
        home=settings.resolved_data_dir,
        port=settings.local_db_port,
        install_postgis=settings.local_db_install_postgis,
    )


def database_url(settings: Settings) -> str:
    """The configured database, or the local cluster (started when needed)."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return local_cluster(settings).up()


def _redacted(url: str) -> str:
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    if settings.database_url is not None:
        print("BLUEWATCH_DATABASE_URL is set; the local cluster is not used.", file=sys.stderr)
        return 2
    cluster = local_cluster(settings)
    if args.action == "up":
        print(cluster.up())
    elif cluster.down():
        print(f"stopped the local cluster in {cluster.pgdata}")
    else:
        print("the local cluster was not running")
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from bluewatch.db import migrate

    migrate.upgrade(settings, database_url(settings), args.revision)
    print(f"database at revision {args.revision}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from bluewatch.seed import scenario, synthetic

    url = database_url(settings)
    if args.synthetic:
        count = synthetic.load(url, args.synthetic, seed=args.random_seed)
        print(f"loaded {count} synthetic incidents (seed {args.random_seed})")
    else:
        report = asyncio.run(scenario.load(settings, url))
        print(scenario.describe(report))
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from bluewatch.app import create_app
    from bluewatch.db import migrate
    from bluewatch.seed import scenario

    url = database_url(settings)
    if settings.database_url is None:
        print(f"local PostGIS: {_redacted(url)} (stop it with 'bluewatch db down')")
    migrate.upgrade(settings, url)
    if not args.no_seed:
        report = asyncio.run(scenario.load_if_empty(settings, url))
        if report is not None:
            print(scenario.describe(report))
    configured = settings.model_copy(update={"database_url": SecretStr(url)})
    print(f"Bluewatch at http://{args.host}:{args.port}/api/v1/incidents")
    uvicorn.run(
        create_app(configured),
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bluewatch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="the local PostGIS cluster under .data/")
    db.add_argument("action", choices=["up", "down"])
    db.set_defaults(handler=cmd_db)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=cmd_migrate)

    seed = commands.add_parser("seed", help="load the sample scenario, or synthetic incidents")
    seed.add_argument("--synthetic", type=int, metavar="N", help="load N synthetic incidents")
    seed.add_argument("--random-seed", type=int, default=20261122)
    seed.set_defaults(handler=cmd_seed)

    serve = commands.add_parser("serve", help="migrate, seed an empty database and serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-seed", action="store_true", help="do not load the sample scenario")
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler: Callable[[Settings, argparse.Namespace], int] = args.handler
    try:
        sys.exit(handler(Settings(), args))
    except LocalClusterError as error:
        print(f"bluewatch: {error}", file=sys.stderr)
        sys.exit(1)
