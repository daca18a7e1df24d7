"""The operator console at `/console`: the orders journal, retries, redeliveries, health, configuration."""

from .app import PREFIX, create_console

__all__ = ["PREFIX", "create_console"]
