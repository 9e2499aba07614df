"""What 一横 registers with the ground (``CobuildConfig.ready``): navigation, landing for liaisons,
the pairing pace warning rule, to-do items, figures and audit labels."""

from __future__ import annotations

from zongheng.core.audit_display import register_actions

AUDIT_ACTIONS: dict[str, str] = {}


def register() -> None:
    register_actions(AUDIT_ACTIONS)
