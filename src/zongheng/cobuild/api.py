"""一横 in the JSON API: units and councils, agreements and pairings, the three lists (one router each)."""

from ninja import Router

from . import api_agreements, api_lists, api_units

router = Router()
router.add_router("", api_units.router)
router.add_router("", api_agreements.router)
router.add_router("", api_lists.router)
