"""`check-config`'s look at what the service keeps its state in: the database and Redis.

Without it a missing database or a dead Redis showed "0 problems" and then `serve` failed. The
database must answer and be at this version's schema (`serve` migrates at start, but a database
migrated by a separate owner role, or by a newer version, would not be); Redis, when configured,
must answer a PING. Only reads: nothing is created or migrated. URLs are shown without passwords.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from .config import Settings
from .configcheck import ConfigFinding
from .redis_breaker import redis_client
from .startup_errors import explain
from .store.migrate import schema_state

__all__ = ["SERVICE", "check_backing_services", "ping_redis", "shown_url"]

SERVICE = "(service)"
"""The client column of findings that belong to the whole service, not to one client."""


async def check_backing_services(settings: Settings) -> list[ConfigFinding]:
    """One finding for the database and, with `redis_url`, one for Redis."""
    findings = [await asyncio.to_thread(_database, settings)]
    if settings.redis_url:
        findings.append(await _redis(settings.redis_url, settings.redis_timeout_seconds))
    return findings


async def ping_redis(settings: Settings) -> None:
    """Raise the `RedisError` of a configured Redis that does not answer (`serve` before it starts)."""
    if settings.redis_url:
        client = redis_client(settings.redis_url, settings.redis_timeout_seconds)
        try:
            await client.ping()
        finally:
            await client.aclose()


def shown_url(url: str) -> str:
    """`url` with its password replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}"))


def _database(settings: Settings) -> ConfigFinding:
    url = settings.database_url
    finding = ConfigFinding(SERVICE, "-", "database_url", shown_url(url))
    migrate = "run `unified-order-api migrate` (`serve` migrates at start when its user may)"
    try:
        state = schema_state(url, settings.database_timeout_seconds)
    except SQLAlchemyError as error:
        return _with(finding, problem=_first_line(error))
    if state is None:
        return _with(finding, problem=f"the SQLite file does not exist yet: {migrate}")
    at = ", ".join(state.current) or "empty"
    if state.at_head:
        return _with(finding, xentral_name=f"schema at {at} (newest)")
    if set(state.current) - set(state.head):
        return _with(finding, problem=f"the schema ({at}) is newer than this version's ({', '.join(state.head)})")
    return _with(finding, problem=f"the schema is at {at}, not at {', '.join(state.head)}: {migrate}")


async def _redis(url: str, timeout_seconds: float) -> ConfigFinding:
    finding = ConfigFinding(SERVICE, "-", "redis_url", shown_url(url))
    client = redis_client(url, timeout_seconds)
    try:
        await client.ping()
    except RedisError as error:
        return _with(finding, problem=_first_line(error))
    finally:
        await client.aclose()
    return _with(finding, xentral_name="answers PING")


def _first_line(error: BaseException) -> str:
    """The words `startup_errors` has for it, without the setting's name (the table's column says it)."""
    text = explain(error) or " ".join(str(error).split())
    return text.splitlines()[0].removeprefix("UOA_DATABASE_URL: ").removeprefix("UOA_REDIS_URL: ")


def _with(finding: ConfigFinding, *, problem: str | None = None, xentral_name: str | None = None) -> ConfigFinding:
    return ConfigFinding(finding.client, finding.instance, finding.setting, finding.value, xentral_name, problem)
