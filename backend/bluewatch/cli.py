"""The ``bluewatch`` command: a stable interface for operators and scripts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.db.local import LocalCluster, LocalClusterError
from bluewatch.errors import BluewatchError
from bluewatch.io import IMPORT_FORMATS
from bluewatch.layers import LAYERS
from bluewatch.security.principal import Role
from bluewatch.settings import Settings

T = TypeVar("T")


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

    if args.synthetic:
        count = synthetic.load(database_url(settings), args.synthetic, seed=args.random_seed)
        print(f"loaded {count} synthetic incidents (seed {args.random_seed})")
    else:
        report = _with_database(settings, lambda db: scenario.load_into(db, settings))
        print(scenario.describe(report))
    return 0


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one async use case against the configured (or local) database."""

    async def run() -> T:
        database = Database(database_url(settings), settings)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import a file into a layer with a progress bar; prints the report as JSON."""
    import getpass

    import orjson
    from rich.console import Console
    from rich.progress import Progress

    from bluewatch.io import imports, readers
    from bluewatch.security.principal import Actor, Principal

    path = Path(args.file)
    if not path.is_file():
        print(f"bluewatch: no such file: {path}", file=sys.stderr)
        return 2
    fmt = args.format or next(
        (f for f in IMPORT_FORMATS if path.name.lower().endswith(f".{f}")),
        "shp.zip" if path.suffix.lower() == ".zip" else "",
    )
    fmt = readers.detect_format("", fmt or "unknown")
    spec = LAYERS[args.layer]
    reading = readers.read(path, fmt, spec.name, settings.read_limits())
    options = imports.ImportOptions(
        dry_run=args.dry_run,
        atomic=not args.partial,
        source=args.source,
        classification=Classification(args.classification) if args.classification else None,
        mission_area=settings.mission_area,
    )
    clearance = Classification.STRICTLY_CONFIDENTIAL  # the operator holds the database itself
    operator = Principal(f"cli:{getpass.getuser()}", Role.ADMIN, clearance)
    refused: imports.ImportRefused | None = None
    # The progress bar ends (and is left on stderr) before the report is printed.
    with Progress(console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(f"importing {path.name} into {spec.name}", total=None)

        def advance(rows: int) -> None:
            progress.update(task, advance=rows)

        try:
            report = _with_database(
                settings,
                lambda db: imports.run(
                    db, spec, reading, fmt, options, Actor(operator),
                    settings.geometry_limits(), advance,
                ),
            )  # fmt: skip
        except imports.ImportRefused as error:
            refused = error
    if refused is not None:
        print(refused.detail, file=sys.stderr)
        print(orjson.dumps(refused.extensions["report"], option=orjson.OPT_INDENT_2).decode())
        return 1
    summary = report.as_dict()
    if report.outside_mission_area:
        print(
            f"warning: {report.outside_mission_area} feature(s) outside the mission area "
            "(see 'warnings')",
            file=sys.stderr,
        )
    print(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
    return 0


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from bluewatch.security import admin_cli

    if args.action == "create":
        token = _with_database(
            settings,
            lambda db: admin_cli.create_key(
                db, args.name, Role(args.role), Classification(args.clearance), args.expires
            ),
        )
        print(token)
    elif args.action == "list":
        for key in _with_database(settings, admin_cli.list_keys):
            state = "revoked" if key["revoked_at"] else "active"
            expires = key["expires_at"].isoformat() if key["expires_at"] else "never"
            print(
                f"{key['id']}\t{key['prefix']}\t{key['name']}\t{key['role']}\t"
                f"{key['clearance']}\texpires {expires}\t{state}"
            )
    else:
        record = _with_database(settings, lambda db: admin_cli.revoke_key(db, args.key))
        print(f"revoked {record['prefix']} ({record['name']})")
    return 0


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    from bluewatch.security import admin_cli

    if not args.password_stdin:
        print("give the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    record = _with_database(
        settings,
        lambda db: admin_cli.create_user(
            db, args.username, password, Role(args.role), Classification(args.clearance)
        ),
    )
    print(f"created user {record['username']} ({record['role']}, {record['clearance']})")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from bluewatch.db import migrate
    from bluewatch.security import admin_cli
    from bluewatch.seed import scenario

    url = database_url(settings)
    if settings.database_url is None:
        print(f"local PostGIS: {_redacted(url)} (stop it with 'bluewatch db down')")
    configured = settings.model_copy(update={"database_url": SecretStr(url)})
    local = settings.database_url is None

    async def prepare(database: Database) -> str | None:
        """Seed an empty database and make sure someone can sign in."""
        if not args.no_seed:
            report = await scenario.load_if_empty(database, settings)
            if report is not None:
                print(scenario.describe(report))
        return await admin_cli.ensure_first_admin(database, settings, local)

    with migrate.startup_lock(url):  # replicas starting together take turns
        migrate.upgrade(settings, url)
        sign_in = _with_database(configured, prepare)
    host = settings.host if args.host is None else args.host
    port = settings.port if args.port is None else args.port
    workers = settings.workers if args.workers is None else args.workers
    print(f"Bluewatch at http://{host}:{port}/ ({workers} API process(es))")
    if sign_in:
        print(f"  {sign_in}")
    # Each API process builds its app from the environment: hand it the database found
    # here (the local cluster's URL is not in the environment otherwise).
    os.environ["BLUEWATCH_DATABASE_URL"] = url
    uvicorn.run(
        "bluewatch.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # Alert streams never end by themselves; their clients resume with Last-Event-ID.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    return 0


def _between(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(raw: str) -> int:
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise argparse.ArgumentTypeError(f"a whole number from {low} to {high}")
        return int(raw)

    return parse


def _aware_datetime(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC offset, e.g. 2027-01-01T00:00:00Z")
    return value


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from bluewatch.webhooks.metrics import WebhookMetrics, keep_queue_current
    from bluewatch.webhooks.worker import DeliveryWorker, queue_state

    url = database_url(settings)

    async def run() -> None:
        database = Database(url, settings)
        metrics = WebhookMetrics()
        tasks = [DeliveryWorker(database, url, settings, metrics, loops=args.workers).run()]
        if args.metrics_port is not None:
            metrics.serve(args.metrics_host, args.metrics_port)
            print(f"metrics on http://{args.metrics_host}:{args.metrics_port}/", flush=True)
            tasks.append(keep_queue_current(metrics, lambda: queue_state(database), 5.0))
        try:
            await asyncio.gather(*tasks)
        finally:
            await database.dispose()

    print(f"delivering webhooks with {args.workers} worker(s)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def cmd_openapi(settings: Settings, args: argparse.Namespace) -> int:
    """Print the API's OpenAPI document (what /openapi.json serves), for code generators."""
    import json

    from bluewatch.app import create_app, openapi_definition

    # The app is built, never started: no database is reached, any URL will do.
    unused = SecretStr("postgresql://openapi@localhost/unused")
    app = create_app(settings.model_copy(update={"database_url": unused}))
    document = openapi_definition(app)
    print(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bluewatch", description=(__doc__ or "").replace("``", "")
    )
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

    load = commands.add_parser(
        "import", help="import a file (GeoJSON, GeoJSONSeq, ACLED CSV, GPKG, KML, SHP zip)"
    )
    load.add_argument("file", help="the file to import")
    load.add_argument("--layer", required=True, choices=list(LAYERS))
    load.add_argument(
        "--format",
        choices=IMPORT_FORMATS,
        help="the format, when the file name does not say it: " + ", ".join(IMPORT_FORMATS),
    )
    load.add_argument("--dry-run", action="store_true", help="report without storing")
    load.add_argument("--partial", action="store_true", help="store valid rows despite rejects")
    load.add_argument("--source", default="import", help="external_source for rows without one")
    load.add_argument("--classification", choices=[c.value for c in Classification])
    load.set_defaults(handler=cmd_import)

    keys = commands.add_parser("keys", help="API keys for machines and scripts")
    key_actions = keys.add_subparsers(dest="action", required=True)
    create_key = key_actions.add_parser("create", help="print a new key's token (shown once)")
    create_key.add_argument("--name", required=True)
    create_key.add_argument("--role", required=True, choices=[r.value for r in Role])
    create_key.add_argument("--clearance", required=True, choices=[c.value for c in Classification])
    create_key.add_argument("--expires", type=_aware_datetime, help="ISO 8601 with offset")
    key_actions.add_parser("list", help="list keys (never their tokens)")
    revoke = key_actions.add_parser("revoke", help="revoke a key by id or prefix")
    revoke.add_argument("key")
    keys.set_defaults(handler=cmd_keys)

    users = commands.add_parser("users", help="people who sign in")
    user_actions = users.add_subparsers(dest="action", required=True)
    create_user = user_actions.add_parser("create", help="create a user")
    create_user.add_argument("--username", required=True)
    create_user.add_argument("--role", required=True, choices=[r.value for r in Role])
    create_user.add_argument(
        "--clearance", required=True, choices=[c.value for c in Classification]
    )
    create_user.add_argument("--password-stdin", action="store_true", required=True)
    users.set_defaults(handler=cmd_users)

    worker = commands.add_parser("worker", help="deliver webhooks (besides the API's own)")
    worker.add_argument("--workers", type=int, default=2, help="concurrent delivery loops")
    worker.add_argument(
        "--metrics-port", type=int, help="serve Prometheus metrics of this worker on this port"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1", help="address for the metrics")
    worker.set_defaults(handler=cmd_worker)

    definition = commands.add_parser("openapi", help="print the API's OpenAPI document")
    definition.set_defaults(handler=cmd_openapi)

    serve = commands.add_parser("serve", help="migrate, seed an empty database and serve")
    serve.add_argument("--host", help="address to bind (BLUEWATCH_HOST, default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_between(1, 65535), help="port (BLUEWATCH_PORT, default 8000)"
    )
    serve.add_argument(
        "--workers",
        type=_between(1, 64),
        help="API processes on that port (BLUEWATCH_WORKERS, default 1)",
    )
    serve.add_argument("--no-seed", action="store_true", help="do not load the sample scenario")
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler: Callable[[Settings, argparse.Namespace], int] = args.handler
    try:
        sys.exit(handler(Settings(), args))
    except (LocalClusterError, BluewatchError) as error:
        print(f"bluewatch: {error}", file=sys.stderr)
        sys.exit(1)
