"""The server process freezes what lives as long as it does (``core.warmup``): full garbage collections then no
longer walk the modules, URL patterns and API schemas — ~130 ms that one dashboard request in eight paid."""

from __future__ import annotations

import gc
import importlib


def test_the_wsgi_module_freezes_what_is_alive_once_the_views_are_loaded():
    gc.unfreeze()
    try:
        import zongheng.wsgi

        importlib.reload(zongheng.wsgi)
        assert gc.get_freeze_count() > 50_000  # the apps, the URL configuration and the API's schemas
    finally:
        gc.unfreeze()
