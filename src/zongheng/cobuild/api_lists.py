"""一横 in the JSON API — lists (mounted by ``cobuild.api``)."""

from ninja import Router

router = Router(tags=["一横"])
