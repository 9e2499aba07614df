"""Permission-matrix rows of 标准化建设 (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` its secretary (the owner: list.view and standard.assess on the community) scores an assessed
indicator of a grid below it, with an evidence file. Cards, the ranking and the framework need list.view (an
auditor has none); a card, the assessment form and the evidence out of the holder's subtree answer 404. Scoring
through the API is a write, exercised by test_standards_*."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zongheng.core.indicators import Quarter
from zongheng.lists import actions_standards, standards_default
from zongheng.lists.models_standards import StandardIndicator


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    standards_default.ensure()
    indicator = StandardIndicator.objects.get(kind__framework__active=True, kind__code="grid", code="r03")
    quarter = Quarter.of(timezone.localdate())
    assessment = actions_standards.do_assess(owner, grid, quarter, indicator, {
        "score": "12", "evidence": "网格党支部书记兼任网格长",
        "evidence_file": SimpleUploadedFile("佐证.pdf", b"%PDF-1.4 x")})
    return {"std_assessment": assessment, "std_indicator": indicator}


def routes(Route: Any) -> list[Any]:
    card = lambda o: {"pk": o["org"].pk}  # noqa: E731
    grid = lambda o: {"pk": o["grid"].pk}  # noqa: E731
    return [
        Route("lists:standard_ranking"),
        Route("lists:standard_ranking_export"),
        Route("lists:standard_framework"),
        Route("lists:standard_card", card),
        Route("lists:standard_assess", grid),
        Route("lists:standard_evidence", lambda o: {"pk": o["std_assessment"].pk}),
        Route("api:std_framework", api=True),
        Route("api:std_cards", api=True),
        Route("api:std_card", lambda o: {"id": o["org"].pk}, api=True),
        Route("api:std_assess", lambda o: {"id": o["grid"].pk}, method="post", api=True, in_scope=None),
    ]


BODIES = {
    "api:std_assess": lambda o: {"period": Quarter.of(timezone.localdate()).key,
                                 "indicator": o["std_indicator"].pk if o else 1, "score": "10", "evidence": "复核"},
}
