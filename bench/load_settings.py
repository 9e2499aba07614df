"""Settings for ``bench/load.py`` only: the base settings (DEBUG off, persistent connections) plus, when
``ZONGHENG_BENCH_TIMING=1``, a middleware that reports the worker's CPU time and query count of each
request in response headers. Never used outside the benchmark; the app itself never emits them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from zongheng.settings.base import *  # noqa: F403
from zongheng.settings.base import MIDDLEWARE


class TimingMiddleware:
    """``X-Bench-Cpu`` (ms of process CPU, ``time.process_time``) and ``X-Bench-Queries`` of one request.

    A sync gunicorn worker serves one request at a time, so the process CPU over the call is the
    request's (Python and template work; the database server's own CPU is not in it).
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.db import connection

        count = [0]

        def counter(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        start = time.process_time()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()
        response["X-Bench-Cpu"] = f"{(time.process_time() - start) * 1000:.2f}"
        response["X-Bench-Queries"] = str(count[0])
        return response


if os.environ.get("ZONGHENG_BENCH_TIMING") == "1":
    MIDDLEWARE = ["load_settings.TimingMiddleware", *MIDDLEWARE]
