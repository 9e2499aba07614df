"""What 一横 registers with the ground (``CobuildConfig.ready``): each part (units and councils, agreements
and pairings, the lists) registers its navigation, landing, warning rules, to-do items, figures and audit
labels from its own ``hooks_*`` module."""

from __future__ import annotations

from . import hooks_agreements, hooks_lists, hooks_units


def register() -> None:
    hooks_units.register()
    hooks_agreements.register()
    hooks_lists.register()
