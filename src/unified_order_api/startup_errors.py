"""A mistake that stops a command from starting, said in one or two lines: the setting, what is wrong, the fix.

Every command (`serve`, `dispatcher`, `migrate`, `check-config`, `demo`, `sandbox`) ends through
`cli.main`, which prints `explain(error)` and exits 2 instead of a traceback when the error is a
mistake of the configuration or of what it points to: invalid settings, JSON or TOML that does
not parse (with line and column), a configuration file that is not there, a database that is
unreachable, missing or newer than this version, a Redis that does not answer. Anything else is
a bug and keeps its traceback. No line repeats a setting's value: it may hold a key or a password.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping

from alembic.util.exc import CommandError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from redis.exceptions import AuthenticationError as RedisAuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

from .bootstrap import ConfigurationError
from .config import CONFIG_FILE_ENV, Settings, describe_errors
from .config.keys import ENV_DELIMITER, env_name
from .config.settings import ConfigFileMissing

__all__ = ["explain"]

_FIELD = re.compile(r'field "(?P<field>[A-Za-z0-9_]+)"')


def explain(error: BaseException, environ: Mapping[str, str] | None = None) -> str | None:
    """The lines to print for a start-up mistake, or None when `error` is not one (a bug: let it show)."""
    environ = os.environ if environ is None else environ
    if isinstance(error, ConfigurationError):
        return str(error)
    if isinstance(error, ValidationError):
        return f"invalid configuration: {describe_errors(error, Settings)}"
    if isinstance(error, SettingsError):
        return _settings_error(error, environ)
    if isinstance(error, ConfigFileMissing):
        return str(error)
    if isinstance(error, tomllib.TOMLDecodeError):
        path = environ.get(CONFIG_FILE_ENV, "the configuration file")
        return f"{CONFIG_FILE_ENV}: {path} is not valid TOML: {error}; correct it there (https://toml.io)."
    if isinstance(error, DBAPIError):
        return _database_error(error)
    if isinstance(error, CommandError):
        return _migration_error(error)
    if isinstance(error, RedisAuthenticationError):
        return "UOA_REDIS_URL: Redis refused the login; correct the user and password in UOA_REDIS_URL."
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return (
            f"UOA_REDIS_URL: Redis does not answer ({_one_line(str(error))}).\n"
            "Start Redis or correct UOA_REDIS_URL; without Redis, unset it (each process then paces itself alone)."
        )
    return None


def _settings_error(error: SettingsError, environ: Mapping[str, str]) -> str:
    """A value that pydantic-settings could not decode: JSON in an environment variable."""
    cause = error.__cause__
    found = _FIELD.search(str(error))
    if not isinstance(cause, json.JSONDecodeError) or found is None:
        return f"invalid configuration: {error}"
    field = found.group("field")
    name, decode = _broken_json(field, environ) or (env_name(field), cause)
    comma = decode.doc[: decode.pos].rstrip().endswith(",")
    hint = " (a trailing comma? JSON allows none)" if comma else ""
    return (
        f"{name} is not valid JSON: {decode.msg} at line {decode.lineno}, column {decode.colno}{hint}.\n"
        f"Correct the value of {name} (JSON: names and strings in double quotes, no comma after the last entry)."
    )


def _broken_json(field: str, environ: Mapping[str, str]) -> tuple[str, json.JSONDecodeError] | None:
    """The variable of `field` (itself or one nested below it, `UOA_CONSOLE__OPERATORS`) whose JSON does not parse."""
    own = env_name(field)
    for name in sorted(environ):
        if name.upper() != own and not name.upper().startswith(own + ENV_DELIMITER):
            continue
        value = environ[name]
        if not value.strip().startswith(("[", "{")):
            continue
        try:
            json.loads(value)
        except json.JSONDecodeError as decode:
            return name, decode
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _database_error(error: DBAPIError) -> str:
    """The driver's own words (they name host, port and database, never the password) and the fix."""
    detail = _one_line(str(error.orig)).removeprefix("connection failed: ")
    lowered = detail.lower()
    if "does not exist" in lowered and "database" in lowered:
        fix = "create the database (e.g. `createdb -O <user> <name>`) or correct its name in UOA_DATABASE_URL."
    elif "password authentication failed" in lowered or "no password supplied" in lowered:
        fix = "correct the user and password in UOA_DATABASE_URL."
    elif "unable to open database file" in lowered:
        fix = "the SQLite file's folder must exist and be writable by this user; correct UOA_DATABASE_URL."
    elif any(word in lowered for word in ("refused", "timeout", "timed out", "translate host", "resolve")):
        fix = "start the database server or correct the host and port in UOA_DATABASE_URL."
    else:
        fix = "check UOA_DATABASE_URL and that the database server is running."
    return f"UOA_DATABASE_URL: the database cannot be used: {detail}\n{fix[0].upper()}{fix[1:]}"


def _migration_error(error: CommandError) -> str:
    """Alembic's refusal: mostly a database migrated by a newer version of the service."""
    detail = _one_line(str(error))
    if "Can't locate revision" in detail:
        return (
            f"UOA_DATABASE_URL: the database's schema is newer than this version knows ({detail}).\n"
            "Run the version that migrated it, or restore a backup taken before."
        )
    return f"UOA_DATABASE_URL: the schema could not be migrated: {detail}"
