"""Permission-matrix rows of 一张网: the dashboard, the rows behind a figure, and their API.

In scope: the community secretary's own community; out of scope: another street's community (404).
"""

from __future__ import annotations

from typing import Any


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    return {}


def _org(o: dict[str, Any]) -> dict[str, Any]:
    return {"org_id": o["org"].pk}


def _rows(o: dict[str, Any]) -> dict[str, Any]:
    return {"org_id": o["org"].pk, "code": "tree.grids"}


def routes(Route: Any) -> list[Any]:
    return [
        Route("net:home", in_scope=302),  # to the dashboard of the viewer's top organisation
        Route("net:dashboard", _org),
        Route("net:rows", _rows),
        Route("net:map", _org),  # the grid map's table (page; an htmx fragment under the dashboard's map)
        Route("net:map_data", _org),  # the grid map's GeoJSON
        Route("api:net_figures", _org, api=True),
        Route("api:net_rows", _rows, api=True),
    ]
