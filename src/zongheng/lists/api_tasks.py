"""This part of 一清单 in the JSON API (added by ``lists.api``)."""

from ninja import Router

router = Router(tags=["一清单"])
