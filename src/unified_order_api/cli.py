"""`unified-order-api serve | demo | sandbox | migrate | dispatcher | check-config`."""

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
from pydantic import ValidationError

from .app import create_app
from .bootstrap import (
    ConfigurationError,
    bootstrap_dispatcher,
    check_production_settings,
    check_webhook_settings,
    target_guard,
    xentral_instances,
)
from .config import ApiClient, Settings, describe_errors, load_settings
from .configcheck import ConfigFinding, check_settings, findings_table
from .logging_setup import configure_logging
from .metrics import Metrics
from .server import server_config
from .store import migrate


def _run(settings: Settings, host: str, port: int) -> None:
    app = create_app(settings, check_config_at_start=True)
    # On SIGTERM uvicorn stops accepting, answers what is in flight within the grace time, then shuts the app down.
    grace = math.ceil(settings.shutdown_grace_seconds)
    uvicorn.Server(server_config(app, settings.limits, host=host, port=port, timeout_graceful_shutdown=grace)).run()


def _settings(command: str) -> Settings:
    """The configuration; exit status 2 after saying on stderr what is wrong with it (never a value)."""
    try:
        return load_settings()
    except ValidationError as error:
        problems = describe_errors(error, Settings)
        print(f"unified-order-api {command}: invalid configuration: {problems}", file=sys.stderr)
        raise SystemExit(2) from None


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
    findings = asyncio.run(_check(settings))
    print(findings_table(findings))
    problems = sum(1 for finding in findings if not finding.ok)
    print(f"\n{len(findings)} settings checked, {problems} problem{'s' if problems != 1 else ''}.")
    return 1 if problems else 0


async def _check(settings: Settings) -> list[ConfigFinding]:
    instances = xentral_instances(settings, Metrics())
    try:
        return await check_settings(
            settings,
            {name: instance.uncached for name, instance in instances.items()},
            target_guard(settings),
            urls={name: instance.url for name, instance in instances.items()},
        )
    finally:
        for instance in instances.values():
            await instance.aclose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unified-order-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, port: int) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=port)
        return sub

    add("serve", "run the service against the configured Xentral (UOA_* settings)", 8000).set_defaults(run=serve)
    demo_parser = add("demo", "run the service against an embedded Xentral sandbox with seed data", 8000)
    demo_parser.add_argument("--api-key", default=None, help="demo API key (default: a random one)")
    demo_parser.add_argument("--admin-key", default=None, help="admin API and console key (default: a random one)")
    demo_parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file per run")
    demo_parser.add_argument("--seed", default=None, help="JSON file of products, customers, methods, projects")
    demo_parser.set_defaults(run=demo)
    sandbox_parser = add("sandbox", "run the Xentral sandbox alone", 8765)
    sandbox_parser.add_argument("--token", default="sandbox-token")
    sandbox_parser.add_argument("--rate-limit", type=int, default=100, help="requests per minute")
    sandbox_parser.add_argument("--no-rate-limit", action="store_true")
    sandbox_parser.add_argument("--seed", default=None, help="JSON file of products, customers, methods, projects")
    sandbox_parser.set_defaults(run=sandbox)
    commands.add_parser("migrate", help="bring the database to the newest schema").set_defaults(run=migrate_command)
    commands.add_parser(
        "check-config",
        help="check every configured id against Xentral and each webhook target; non-zero exit on any problem",
    ).set_defaults(run=check_config_command)
    commands.add_parser(
        "dispatcher", help="deliver webhooks from the outbox (with UOA_WEBHOOKS__RUN_IN_SERVICE=false)"
    ).set_defaults(run=dispatcher)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
