"""What a server process does once, after Django is set up and before it serves: import every view (the URL
configuration, the API's schemas) and move what is then alive into the garbage collector's permanent generation.

Why: a dashboard request builds ~80 querysets, so the collector runs often, and every full (generation-2)
collection walked the ~230,000 objects that live as long as the process — modules, URL patterns, pydantic
schemas — for ~130 ms. One request in eight or so paid it: the district dashboard at scale 100 had p50 ~245 ms
and p95 ~400 ms. Frozen, those objects are never walked again: p95 ~265 ms (bench/README.md, session 12).
Called from ``wsgi.py`` (each gunicorn worker, or the master with ``--preload``: frozen pages are not copied on
write by the collector) and by the in-process benchmarks, which measure what the server does.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def freeze() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  # imports every app's urls, views and API routers
    resolver.reverse_dict  # noqa: B018  # the reverse maps every page's links use
    gc.collect()
    gc.freeze()
