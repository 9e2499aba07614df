"""The address of a URL name without arguments, made once per process.

``reverse()`` costs ~40 µs (namespace walk, pattern substitution, quoting): a page's header and footer
name six to twenty fixed addresses, and the public form's confirmation spent a fifth of its CPU on them.
An address without arguments is the same for every request that shares the URL configuration, the
script prefix, the current application namespace and the language, so it is kept under exactly those
(``functools.lru_cache``: a miss, or a name that does not resolve, goes to ``reverse`` as before).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

Where = tuple[Any, str, str | None]


def where() -> Where:
    """What an address depends on besides its name: the URL configuration, the script prefix, the language
    (each read from a context-local: a page that names many addresses reads them once, ``FixedURLNode``)."""
    return get_urlconf(), get_script_prefix(), get_language()


@lru_cache(maxsize=1024)
def _fixed(name: str, current_app: str | None, at: Where) -> str:
    return reverse(name, urlconf=at[0], current_app=current_app)


def fixed_url(name: str, current_app: str | None = None, at: Where | None = None) -> str:
    """``reverse(name)`` for a URL name that takes no arguments, kept per configuration (see above)."""
    return _fixed(name, current_app, at or where())
