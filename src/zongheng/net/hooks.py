"""What 一张网 registers with the ground: its navigation entry (the figures themselves are registered by the
modules that own them, ``<app>/metrics.py``)."""

from __future__ import annotations

from zongheng.core.nav import register_nav
from zongheng.core.permissions import Perm


def register() -> None:
    register_nav(5, "net:home", "一张网", Perm.NET_VIEW)
