"""Running calls at the same moment in threads (PostgreSQL concurrency tests): one helper for every module."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from zongheng.core.errors import ActionError


def race(calls: list[Callable[[], Any]]) -> list[str]:
    """Starts every call together (a barrier) in its own thread and connection; returns the Chinese messages
    of the calls an action refused. Any other exception fails the test."""
    barrier = threading.Barrier(len(calls))
    refused: list[str] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
        except ActionError as exc:
            refused.append(exc.message)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return refused
