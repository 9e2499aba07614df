"""一横 in the JSON API — agreements (mounted by ``cobuild.api``)."""

from ninja import Router

router = Router(tags=["一横"])
