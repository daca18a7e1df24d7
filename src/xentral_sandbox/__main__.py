"""`python -m xentral_sandbox [--host H] [--port P] [--token T] [--rate-limit N|0] [--rate-window S]
[--reading NAME=VALUE ...] [--limited-token TOKEN=SCOPE,SCOPE ...]`."""

from __future__ import annotations

import argparse

from .config import DEFAULT_TOKEN, SandboxConfig
from .readings import Readings
from .server import serve


def parse_config(argv: list[str] | None = None) -> tuple[str, int, SandboxConfig]:
    """(host, port, config) from the command line; a bad reading or token exits with the parser's message."""
    parser = argparse.ArgumentParser(prog="xentral_sandbox", description="Local stand-in for Xentral's REST API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limit", type=int, default=100, help="requests per window; 0 switches it off")
    parser.add_argument("--rate-window", type=float, default=60.0, help="window length in seconds")
    parser.add_argument("--reject-duplicate-external-order-number", action="store_true")
    parser.add_argument("--allow-locked-products", action="store_true")
    parser.add_argument(
        "--reading",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="switch a contested point to another reading, e.g. discount_scale=percent (readings.py)",
    )
    parser.add_argument(
        "--limited-token",
        action="append",
        default=[],
        metavar="TOKEN=SCOPE,SCOPE",
        help="a further token holding only these scopes, e.g. read-only=customer:read,product:read",
    )
    args = parser.parse_args(argv)
    chosen = dict(_pair(parser, item) for item in args.reading)
    if args.reject_duplicate_external_order_number:
        chosen.setdefault("repeated_reference", "refused-400")
    try:
        readings = Readings.from_json(chosen)
    except ValueError as error:
        parser.error(str(error))
    tokens: dict[str, frozenset[str]] = {}
    for item in args.limited_token:
        token, scopes = _pair(parser, item)
        tokens[token] = frozenset(scope for scope in scopes.split(",") if scope)
    config = SandboxConfig(
        token=args.token,
        limited_tokens=tokens,
        rate_limit=args.rate_limit or None,
        rate_window_seconds=args.rate_window,
        readings=readings,
        refuse_locked_products=not args.allow_locked_products,
    )
    return args.host, args.port, config


def main(argv: list[str] | None = None) -> None:
    host, port, config = parse_config(argv)
    serve(host, port, config)


def _pair(parser: argparse.ArgumentParser, item: str) -> tuple[str, str]:
    name, sign, value = item.partition("=")
    if not sign or not name:
        parser.error(f"expected NAME=VALUE, got {item!r}")
    return name, value


if __name__ == "__main__":
    main()
