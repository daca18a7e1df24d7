"""Database failures in the store's own words: `StoreUnavailable`, never a driver exception.

A lost connection, a lock or statement timeout, an exhausted pool, a locked, read-only or
vanished SQLite file: each means "the store cannot answer now", which the HTTP edge reports
as 503 with Retry-After. Integrity errors are not failures of the database but answers the
store acts on, so they pass through.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..orders.attempts import Attempt, StoreUnavailable

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def database_failures(*, order_may_exist: bool = False) -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        raise
    except (DBAPIError, PoolTimeout, OSError) as error:
        raise StoreUnavailable(_describe(error), order_may_exist=order_may_exist) from error


def translated(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Wrap a store method: a database failure becomes `StoreUnavailable`, telling whether the
    attempt being written may already have its order in Xentral."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        attempt = next((value for value in (*args, *kwargs.values()) if isinstance(value, Attempt)), None)
        with database_failures(order_may_exist=attempt is not None and attempt.may_have_order):
            return await method(*args, **kwargs)

    return wrapper


def _describe(error: BaseException) -> str:
    """The kind of failure, without the statement or its parameters (they may hold customer data)."""
    if isinstance(error, PoolTimeout):
        return "no database connection became free in time"
    if isinstance(error, DBAPIError):
        original = error.orig
        text = str(original).splitlines()[0] if original is not None and str(original) else type(error).__name__
        return f"{type(original).__name__ if original is not None else type(error).__name__}: {text[:200]}"
    return f"{type(error).__name__}: {error}"
