"""`python -m xentral_sandbox [--host H] [--port P] [--token T] [--rate-limit N|0] [--rate-window S]`."""

from __future__ import annotations

import argparse

from .config import DEFAULT_TOKEN, SandboxConfig
from .readings import Readings, RepeatedReference
from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xentral_sandbox", description="Local stand-in for Xentral's REST API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limit", type=int, default=100, help="requests per window; 0 switches it off")
    parser.add_argument("--rate-window", type=float, default=60.0, help="window length in seconds")
    parser.add_argument("--reject-duplicate-external-order-number", action="store_true")
    parser.add_argument("--allow-locked-products", action="store_true")
    parser.add_argument(
        "--v1-customers", action="store_true", help="temporary: serve the 2024 v1 customer routes as well"
    )
    args = parser.parse_args(argv)
    repeated: RepeatedReference = "refused-400" if args.reject_duplicate_external_order_number else "accepted"
    config = SandboxConfig(
        token=args.token,
        rate_limit=args.rate_limit or None,
        rate_window_seconds=args.rate_window,
        readings=Readings(repeated_reference=repeated),
        refuse_locked_products=not args.allow_locked_products,
        v1_customers=args.v1_customers,
    )
    serve(args.host, args.port, config)


if __name__ == "__main__":
    main()
