"""`unified-order-api serve | demo | sandbox | migrate | dispatcher | check-config | subscribe-xentral |
verify-xentral`.

Settings come from `UOA_*` environment variables (nested ones with `__`, e.g. `UOA_DEFAULTS__PROJECT_ID`;
lists and maps as JSON) and from the TOML file `UOA_CONFIG_FILE` names; the environment wins. A mistake
in them, or a database or Redis that cannot be used, ends the command with a line saying what to fix
(`startup_errors`) and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import secrets
import signal
import sys
import tempfile
from collections.abc import Coroutine, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import uvicorn

from .app import create_app
from .backing_checks import check_backing_services, ping_redis
from .bootstrap import (
    ConfigurationError,
    bootstrap_dispatcher,
    check_production_settings,
    check_webhook_settings,
    shop_apis,
    subscription_keepers,
    target_guard,
    verify_clients,
    xentral_instances,
)
from .config import DEFAULT_INSTANCE, ApiClient, Settings, load_settings
from .config.rules import dispatcher_problems
from .configcheck import ConfigFinding, check_settings, findings_table
from .logging_setup import configure_logging
from .metrics import Metrics
from .server import server_config
from .startup_errors import explain
from .store import migrate
from .subscription_check import check_subscriptions


def _run(settings: Settings, host: str, port: int) -> None:
    app = create_app(settings, check_config_at_start=True)
    # On SIGTERM uvicorn stops accepting, answers what is in flight within the grace time, then shuts the app down.
    grace = math.ceil(settings.shutdown_grace_seconds)
    server = uvicorn.Server(server_config(app, settings.limits, host=host, port=port, timeout_graceful_shutdown=grace))
    server.run()
    if not server.started:
        raise SystemExit(1)  # uvicorn said why (the port taken, the start-up failed)


def _settings(command: str) -> Settings:
    """The configuration; a mistake in it propagates to `main`, which says what is wrong (never a value)."""
    return load_settings()


def _ready_to_serve(settings: Settings) -> None:
    """The database at the newest schema and Redis answering, before the server starts: a mistake there is
    then one line from `main`, not a traceback from inside the server's start-up (which migrates again, a no-op)."""
    asyncio.run(ping_redis(settings))
    migrate.upgrade(settings.database_url)


def production(settings: Settings) -> Settings:
    """`serve`'s defaults where the settings leave a choice open: `/metrics` only with the admin key."""
    if settings.metrics.expose is not None:
        return settings
    return settings.model_copy(update={"metrics": settings.metrics.model_copy(update={"expose": "admin_key"})})


def serve(args: argparse.Namespace) -> int:
    settings = production(_settings("serve"))
    configure_logging(settings.log_level, settings.log_json)
    try:
        check_production_settings(settings)
    except ConfigurationError as error:
        print(f"unified-order-api serve: {error}", file=sys.stderr)
        print("(To try the service without a Xentral, run `unified-order-api demo`.)", file=sys.stderr)
        return 2
    try:
        asyncio.run(check_webhook_settings(settings, target_guard(settings)))
    except ConfigurationError as error:
        print(f"unified-order-api serve: {error}", file=sys.stderr)
        return 2
    _ready_to_serve(settings)
    _run(settings, args.host, args.port)
    return 0


def demo_settings(
    xentral_url: str, xentral_token: str, api_key: str, database_url: str, *, admin_key: str | None = None
) -> Settings:
    """The demo's configuration, against the sandbox and its seed data (it passes `check-config`)."""
    return load_settings(
        xentral_url=xentral_url,
        xentral_token=xentral_token,
        database_url=database_url,
        clients=[ApiClient(name="demo", api_key=api_key)],
        admin_api_key=admin_key,
        shipping_map={"dhl_standard": "1", "dhl": "1", "gls": "2", "pickup": "3", "dpd": "4"},
        payment_map={"paypal": "2", "invoice": "1", "prepayment": "3", "amazon": "6"},
        # The seed's shipping-cost, discount and fee products (SHIP-001, DISC-001, FEE-001).
        defaults={"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
        log_json=False,
    )


def demo(args: argparse.Namespace) -> int:
    from xentral_sandbox.config import SandboxConfig
    from xentral_sandbox.testing import running_sandbox

    seed = _seed_path(args, "demo")
    api_key = args.api_key or f"demo-{secrets.token_urlsafe(16)}"
    admin_key = args.admin_key or f"admin-{secrets.token_urlsafe(16)}"
    # The sandbox starts from its seed every time, so the order store must start empty too:
    # a store kept from an earlier run would replay orders the new sandbox never saw.
    scratch = tempfile.TemporaryDirectory(prefix="uoa-demo-")
    database_url = args.database_url or f"sqlite+aiosqlite:///{scratch.name}/demo.db"
    with scratch, running_sandbox(SandboxConfig(seed_path=seed)) as sandbox:
        settings = demo_settings(sandbox.base_url, sandbox.token, api_key, database_url, admin_key=admin_key)
        configure_logging(settings.log_level, json_lines=False)
        _ready_to_serve(settings)
        base = f"http://{args.host}:{args.port}"
        print(_demo_banner(base, api_key, admin_key, sandbox.base_url, database_url), flush=True)
        _run(settings, args.host, args.port)
    return 0


def _demo_banner(base: str, api_key: str, admin_key: str, sandbox_url: str, database_url: str) -> str:
    body = (
        '{"reference": "SHOP-12345", "customer": {"email": "kunde@example.com", "name": "Max Mustermann", '
        '"street": "Musterstraße 1", "zip": "12345", "city": "Musterstadt", "country": "DE"}, '
        '"items": [{"sku": "ART-001", "quantity": 2}, {"sku": "ART-002", "quantity": 1}], '
        '"shipping": "dhl_standard", "payment": "paypal"}'
    )
    return f"""
Unified Order API — demo mode (embedded Xentral sandbox at {sandbox_url}, store {database_url})

  API docs:  {base}/docs
  API key:   {api_key}
  Console:   {base}/console/  (sign in with the admin key: {admin_key})

Create an order:

  curl -sS -X POST {base}/api/orders \\
    -H 'Authorization: Bearer {api_key}' -H 'Content-Type: application/json' \\
    -d '{body}'

Then look it up:  curl -sS {base}/api/orders/SHOP-12345 -H 'Authorization: Bearer {api_key}'
"""


def _seed_path(args: argparse.Namespace, command: str) -> Path | None:
    """The `--seed` file, checked before anything starts (exit status 2, saying why, when it cannot be used)."""
    from xentral_sandbox.state import load_seed

    if args.seed is None:
        return None
    path = Path(args.seed)
    try:
        seed = load_seed(path)
    except ValueError as error:
        print(f"unified-order-api {command}: --seed {error}", file=sys.stderr)
        raise SystemExit(2) from None
    counts = ", ".join(f"{len(seed.get(name, []))} {name}" for name in ("products", "customers", "projects"))
    print(f"Sandbox seed from {path}: {counts}", flush=True)
    return path


def sandbox(args: argparse.Namespace) -> int:
    from xentral_sandbox.config import SandboxConfig
    from xentral_sandbox.server import serve as serve_sandbox

    seed = _seed_path(args, "sandbox")
    config = SandboxConfig(
        token=args.token,
        rate_limit=None if args.no_rate_limit else args.rate_limit,
        seed_path=seed,
    )
    print(f"Xentral sandbox on http://{args.host}:{args.port} (token: {args.token})", flush=True)
    serve_sandbox(args.host, args.port, config)
    return 0


def migrate_command(args: argparse.Namespace) -> int:
    settings = _settings("migrate")
    if "database_url" not in settings.model_fields_set:
        print(
            "unified-order-api migrate: no database is configured: set UOA_DATABASE_URL (e.g. "
            "postgresql+psycopg://owner@host/name) or database_url in UOA_CONFIG_FILE.",
            file=sys.stderr,
        )
        return 2
    migrate.upgrade(settings.database_url)
    print("database is at the newest schema")
    return 0


async def until_terminated(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` until SIGTERM (systemd's stop, a container's) cancels it, so its cleanup runs
    as after Ctrl-C: claims end, connections close, the exit status is 0."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _deliver_webhooks(settings: Settings) -> None:
    """Deliver webhooks from the outbox until cancelled, without the HTTP API."""
    async with AsyncExitStack() as resources:
        dispatcher = await bootstrap_dispatcher(settings, resources)
        await dispatcher.run_forever()


def dispatcher(args: argparse.Namespace) -> int:
    settings = _settings("dispatcher")
    problems = dispatcher_problems(settings, database_configured="database_url" in settings.model_fields_set)
    if problems:
        print(f"unified-order-api dispatcher: Cannot start: {'; '.join(problems)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_json)
    try:
        asyncio.run(until_terminated(_deliver_webhooks(settings)))
    except ConfigurationError as error:
        print(f"unified-order-api dispatcher: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def check_config_command(args: argparse.Namespace) -> int:
    """Exit 0 when every setting checks out, 1 on any problem, 2 when the configuration cannot run at all."""
    settings = _settings("check-config")
    configure_logging("WARNING", json_lines=False)
    try:
        check_production_settings(settings)
    except ConfigurationError as error:
        print(f"unified-order-api check-config: {error}", file=sys.stderr)
        return 2
    findings = asyncio.run(_check(settings)) + asyncio.run(check_backing_services(settings))
    findings += asyncio.run(_check_events(settings))
    print(findings_table(findings))
    problems = sum(1 for finding in findings if not finding.ok)
    print(f"\n{len(findings)} settings checked, {problems} problem{'s' if problems != 1 else ''}.")
    return 1 if problems else 0


async def _check(settings: Settings) -> list[ConfigFinding]:
    instances = xentral_instances(settings, Metrics())
    apis = shop_apis(settings)
    try:
        return await check_settings(
            settings,
            {name: instance.uncached for name, instance in instances.items()},
            target_guard(settings),
            urls={name: instance.url for name, instance in instances.items()},
            shop_apis=apis,
        )
    finally:
        for instance in instances.values():
            await instance.aclose()
        for api in apis.values():
            await api.aclose()


async def _check_events(settings: Settings) -> list[ConfigFinding]:
    """Each instance's Xentral event subscription (subscription_check.py)."""
    instances = xentral_instances(settings, Metrics())
    try:
        return await check_subscriptions(settings, {name: instance.client for name, instance in instances.items()})
    finally:
        for instance in instances.values():
            await instance.aclose()


_SOURCES = """\
Settings: UOA_* environment variables (nested with __, e.g. UOA_DEFAULTS__PROJECT_ID=1; lists and maps
as JSON, e.g. UOA_CLIENTS='[{"name": "shop", "api_key": "..."}]') over the TOML file named by
UOA_CONFIG_FILE. Every setting: docs/reference/settings.md; the commands: docs/reference/cli.md.
Exit status 2 (one line saying what to fix) when the settings, the database or Redis cannot be used."""


async def _subscribe(settings: Settings, only: str | None) -> int:
    """Create or repair each instance's subscription (xentral_events/subscription.py); problems counted."""
    from .store.database import create_engine
    from .store.subscriptions import SqlSubscriptionStore

    if settings.xentral_events.public_url is None:
        print("unified-order-api subscribe-xentral: set xentral_events.public_url first", file=sys.stderr)
        return 2
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    engine = create_engine(settings.database_url, timeout_seconds=settings.database_timeout_seconds)
    instances = xentral_instances(settings, Metrics())
    problems = 0
    try:
        store = SqlSubscriptionStore(engine)
        clients = {name: instance.client for name, instance in instances.items()}
        for keeper in subscription_keepers(settings, clients, store):
            name = keeper.instance
            if only is not None and name != only:
                continue
            try:
                report = await keeper.ensure()
            except Exception as error:  # each instance on its own; the error names no key
                problems += 1
                print(f"{name}: problem: {type(error).__name__}: {error}")
                continue
            removed = f", removed {', '.join(report.removed)}" if report.removed else ""
            print(
                f"{name}: {report.action} subscription {report.webhook_id} → {report.url} "
                f"({len(report.events)} events{removed})"
            )
    finally:
        for instance in instances.values():
            await instance.aclose()
        await engine.dispose()
    return 1 if problems else 0


def subscribe_command(args: argparse.Namespace) -> int:
    """Exit 0 when every instance's subscription is as wanted, 1 on a problem, 2 when it cannot run."""
    settings = _settings("subscribe-xentral")
    configure_logging("WARNING", json_lines=False)
    return asyncio.run(_subscribe(settings, args.instance))


def verify_command(args: argparse.Namespace) -> int:
    """Exit 0 when every finding agrees and every test order was cancelled, 1 on a finding to look at or an
    order left (or not found), 2 when it cannot run (no test project named, the settings, an unknown project),
    130 when interrupted (Ctrl-C: the checks stop, the cleanup runs and is printed)."""
    if not args.project:
        print(
            "unified-order-api verify-xentral: name a test project with --project ID (its test orders are "
            "imported there, held, and cancelled); refusing to run without one",
            file=sys.stderr,
        )
        return 2
    settings = _settings("verify-xentral")
    configure_logging("WARNING", json_lines=False)
    instance = args.instance or DEFAULT_INSTANCE
    endpoints = settings.xentral_endpoints()
    if instance not in endpoints:
        known = ", ".join(sorted(endpoints)) or "none: set UOA_XENTRAL_URL and UOA_XENTRAL_TOKEN"
        print(
            f"unified-order-api verify-xentral: no Xentral instance {instance!r} (configured: {known})", file=sys.stderr
        )
        return 2
    limited = None
    if args.limited_token_file is not None:
        try:
            limited = Path(args.limited_token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            print(f"unified-order-api verify-xentral: --limited-token-file: {error.strerror}", file=sys.stderr)
            return 2
    run_id = secrets.token_hex(4).upper()
    try:
        return asyncio.run(_verify(settings, instance, args, limited or None, run_id))
    except KeyboardInterrupt:  # Ctrl-C before the checks began, or a second one during the cleanup
        print(
            f"unified-order-api verify-xentral: interrupted before the report; a test order this run made "
            f"carries a reference starting VERIFY-{run_id}- in project {args.project}: cancel it by hand",
            file=sys.stderr,
        )
        return 130


async def _verify(
    settings: Settings, instance: str, args: argparse.Namespace, limited_token: str | None, run_id: str
) -> int:
    from .xentral_verify import TargetRefused, VerifySession, configured, find_target, report_lines, run_checks

    client, limited = verify_clients(settings, instance, limited_token)
    assumptions = configured(settings, instance)
    try:
        try:
            target = await find_target(
                client,
                args.project,
                customer_id=args.customer,
                product_id=args.product,
                discount_product_id=args.discount_product or assumptions.discount_product_id,
            )
        except TargetRefused as refused:
            print(f"unified-order-api verify-xentral: {refused}", file=sys.stderr)
            return 2
        print(
            f"Verifying Xentral instance {instance!r} in project {target.project_id} (customer {target.customer_id}, "
            f"product {target.product_id}); every test order is held and cancelled at the end.\n",
            flush=True,
        )
        session = VerifySession(client, target, assumptions, run_id=run_id, limited=limited)
        report = await run_checks(session)
        print("\n".join(report_lines(report, target, run_id)))
        return report.exit_status
    finally:
        await client.aclose()
        if limited is not None:
            await limited.aclose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unified-order-api",
        description="One API call per order in front of Xentral: the service, its sandbox and their tools.",
        epilog=_SOURCES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
        """Each option's default shown, the epilog kept as written."""

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help_text, description=description, epilog=_SOURCES, formatter_class=Formatter
        )

    def listening(sub: argparse.ArgumentParser, port: int) -> argparse.ArgumentParser:
        sub.add_argument("--host", default="127.0.0.1", help="the address to listen on")
        sub.add_argument("--port", type=int, default=port, help="the port to listen on")
        return sub

    listening(
        command(
            "serve",
            "run the service against the configured Xentral",
            "Run the HTTP API (and, by default, the queue worker and webhook dispatcher) against the Xentral "
            "instances of the settings. Needs UOA_XENTRAL_URL, UOA_XENTRAL_TOKEN and UOA_CLIENTS (or a Xentral "
            "per client); migrates the database at start.",
        ),
        8000,
    ).set_defaults(run=serve)
    demo_parser = listening(
        command(
            "demo",
            "run the service against an embedded Xentral sandbox with seed data",
            "Run the service with an embedded Xentral sandbox, a demo client and an admin key, and print a "
            "ready curl command. Needs no settings.",
        ),
        8000,
    )
    demo_parser.add_argument("--api-key", default=None, help="the demo client's API key (default: a random one)")
    demo_parser.add_argument("--admin-key", default=None, help="admin API and console key (default: a random one)")
    demo_parser.add_argument("--database-url", default=None, help="the store (default: a fresh SQLite file per run)")
    demo_parser.add_argument("--seed", default=None, help="JSON file of products, customers, methods, projects")
    demo_parser.set_defaults(run=demo)
    sandbox_parser = listening(
        command(
            "sandbox",
            "run the Xentral sandbox alone",
            "Run the stand-in Xentral (its v1/v2 API subset, with seed data) on its own; takes no UOA_* settings.",
        ),
        8765,
    )
    sandbox_parser.add_argument("--token", default="sandbox-token", help="the token the sandbox accepts")
    sandbox_parser.add_argument("--rate-limit", type=int, default=100, help="requests per minute")
    sandbox_parser.add_argument("--no-rate-limit", action="store_true", help="allow any number of requests")
    sandbox_parser.add_argument("--seed", default=None, help="JSON file of products, customers, methods, projects")
    sandbox_parser.set_defaults(run=sandbox)
    command(
        "migrate",
        "bring the database to the newest schema",
        "Bring the database of UOA_DATABASE_URL to the newest schema and exit (serve does this at start too); "
        "refuses to run when no database is configured.",
    ).set_defaults(run=migrate_command)
    command(
        "check-config",
        "check the settings against Xentral, the database and Redis; non-zero exit on any problem",
        "Check every configured id against its Xentral instance, each webhook target, the Xentral token's expiry, "
        "the database (reachable, at the newest schema) and Redis (answers). Prints one table; exit status 0: "
        "all OK, 1: a problem, 2: the settings cannot run at all.",
    ).set_defaults(run=check_config_command)
    subscribe_parser = command(
        "subscribe-xentral",
        "create or repair our webhook subscription at each Xentral instance",
        "Create or repair this service's webhook subscription at each Xentral instance (idempotent, safe from "
        "several machines at once; the signature key is never shown). Needs UOA_XENTRAL_EVENTS__PUBLIC_URL.",
    )
    subscribe_parser.add_argument("--instance", default=None, help="only this instance (default: every one)")
    subscribe_parser.set_defaults(run=subscribe_command)
    verify_parser = command(
        "verify-xentral",
        "check, on a test project, what Xentral's documents leave open; non-zero exit on a finding to act on",
        "Against the test project named with --project, import held test orders, read what Xentral booked and "
        "answered, and cancel them: the discount scale, net or gross price.amount, rounding against setTotalAmount, "
        "the discount position's sign, the Location form, a repeated reference, a page above 50, the end of a "
        "customer cursor, a missing scope and the rate-limit headers. Each finding is printed with the setting to "
        "change when it contradicts the configuration (docs/xentral.md). Exit status 0: all agree and all was "
        "cancelled, 1: a finding to act on or an order left, 2: cannot run (no --project, the settings), "
        "130: interrupted (Ctrl-C: the test orders so far are cancelled first).",
    )
    verify_parser.add_argument(
        "--project", metavar="ID", default=None, help="the Xentral id of the test project (required)"
    )
    verify_parser.add_argument(
        "--instance", metavar="NAME", default=None, help="the Xentral instance (default: the default one)"
    )
    verify_parser.add_argument(
        "--customer", metavar="ID", default=None, help="the test customer's id (default: one is created)"
    )
    verify_parser.add_argument(
        "--product", metavar="ID", default=None, help="the product id to order (default: the first orderable)"
    )
    verify_parser.add_argument(
        "--discount-product",
        metavar="ID",
        default=None,
        help="discount positions' product (default: defaults.discount_product_id)",
    )
    verify_parser.add_argument(
        "--limited-token-file",
        metavar="PATH",
        default=None,
        help="a file with a token lacking one read scope (default: not checked)",
    )
    verify_parser.set_defaults(run=verify_command)
    command(
        "dispatcher",
        "deliver webhooks from the outbox (with UOA_WEBHOOKS__RUN_IN_SERVICE=false)",
        "Deliver the webhooks serve writes to the outbox, without the HTTP API; several may run on PostgreSQL. "
        "Needs UOA_CLIENTS and UOA_DATABASE_URL (the same settings as serve).",
    ).set_defaults(run=dispatcher)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Exception as error:
        message = explain(error)
        if message is None:
            raise  # not a mistake of the settings: a bug, with its traceback
        print(f"unified-order-api {args.command}: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
