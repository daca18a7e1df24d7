"""The background tasks of a running service, owned in one place so closing it stops every one.

The loops themselves live with what they do (`housekeeping`, the queue worker, the webhook
dispatcher); the composition root decides which of them this process runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

__all__ = ["BackgroundTasks"]


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` until it ends or `aclose` cancels it."""
        self._tasks.append(asyncio.create_task(work, name=name))

    async def aclose(self) -> None:
        """Cancel every task and wait for each to end (their errors are theirs to log)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
