"""述职评议 results: the ONE place a round's figures are computed (pages, API, exports, hub and bench call it).

For each subject (述职人) and rater group: the mean of the group's vote totals (a vote's total is the sum of its
item scores). The weighted total is Σ weight·mean over the groups that voted on that subject, divided by the sum
of those groups' weights — a group with no votes for a subject is left out and the other weights renormalised
(so a subject nobody of a group rated is neither punished nor rewarded); a subject without any vote has no total,
grade or rank. The total is rounded half-up to 0.01; the grade is the highest band whose minimum it reaches; the
rank is the competition rank inside the round (ties share a rank: 1, 1, 3). Arithmetic is exact (fractions)
until that one rounding.

Five queries for a whole round whatever its size (groups, bands, subjects, score sums and vote counts GROUPed BY
subject and group). Nothing is stored: a published round is recomputed on each read from its frozen votes (a
round's votes and formula cannot change once it is closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from django.db.models import Count, Sum

from .models_evaluations import EvalBand, EvalGroup, EvalRound, EvalScore, EvalSubject, EvalVote


@dataclass
class GroupMean:
    group_id: int
    name: str
    weight: Decimal
    votes: int
    mean: Decimal | None  # rounded to 0.01 for display; the total uses the exact mean


@dataclass
class SubjectResult:
    subject_id: int
    person_id: int
    name: str
    org_name: str
    groups: list[GroupMean] = field(default_factory=list)
    votes: int = 0
    total: Decimal | None = None
    grade: str = ""
    rank: int | None = None


@dataclass
class RoundResults:
    round_id: int
    groups: list[tuple[int, str, Decimal]]
    bands: list[tuple[str, Decimal]]
    rows: list[SubjectResult]  # ranked first (by rank, then name), unrated last

    def for_subject(self, subject_id: int) -> SubjectResult | None:
        return next((r for r in self.rows if r.subject_id == subject_id), None)


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    scale = 10 ** places
    return Decimal(floor(value * scale + Fraction(1, 2))) / Decimal(scale)


def grade_for(total: Decimal | None, bands: list[tuple[str, Decimal]]) -> str:
    """The highest band (``bands`` sorted by minimum, highest first) whose minimum ``total`` reaches."""
    if total is None:
        return ""
    return next((label for label, minimum in bands if total >= minimum), "")


def competition_ranks(totals: dict[int, Decimal]) -> dict[int, int]:
    """{key: rank} with ties sharing a rank and the next rank skipped (1, 1, 3)."""
    ordered = sorted(totals.values(), reverse=True)
    first: dict[Decimal, int] = {}
    for i, value in enumerate(ordered):
        first.setdefault(value, i + 1)
    return {key: first[value] for key, value in totals.items()}


def results(round_: EvalRound) -> RoundResults:
    groups = list(EvalGroup.objects.filter(round=round_).order_by("order", "id").values_list("pk", "name", "weight"))
    bands = list(EvalBand.objects.filter(round=round_).order_by("-min_score").values_list("label", "min_score"))
    subjects = list(EvalSubject.objects.filter(round=round_).order_by("org_path", "pk")
                    .values_list("pk", "person_id", "person__name", "org__name"))
    sums = {(s, g): total for s, g, total in EvalScore.objects.filter(vote__round=round_)
            .values_list("vote__subject_id", "vote__group_id").annotate(total=Sum("score")).order_by()}
    counts = {(s, g): n for s, g, n in EvalVote.objects.filter(round=round_)
              .values_list("subject_id", "group_id").annotate(n=Count("pk")).order_by()}
    rows: list[SubjectResult] = []
    for subject_id, person_id, name, org_name in subjects:
        row = SubjectResult(subject_id, person_id, name, org_name)
        weighted, weights = Fraction(0), Fraction(0)
        for group_id, group_name, weight in groups:
            n = counts.get((subject_id, group_id), 0)
            mean = Fraction(sums.get((subject_id, group_id)) or 0) / n if n else None
            row.groups.append(GroupMean(group_id, group_name, weight, n,
                                        round_half_up(mean) if mean is not None else None))
            row.votes += n
            if mean is not None:
                weighted += Fraction(weight) * mean
                weights += Fraction(weight)
        if weights:
            row.total = round_half_up(weighted / weights)
            row.grade = grade_for(row.total, bands)
        rows.append(row)
    ranks = competition_ranks({r.subject_id: r.total for r in rows if r.total is not None})
    for r in rows:
        r.rank = ranks.get(r.subject_id)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.org_name, r.subject_id))
    return RoundResults(round_.pk, groups, bands, rows)


def comments_for(subject_id: int) -> list[str]:
    """The comments on one subject, without who wrote them or in which order they came (sorted by text)."""
    return sorted(c for c in EvalVote.objects.filter(subject_id=subject_id).exclude(comment="")
                  .values_list("comment", flat=True))


def comments_by_subject(round_: EvalRound) -> dict[int, list[str]]:
    """Every subject's comments (sorted, without authors) in one query."""
    out: dict[int, list[str]] = {}
    for subject_id, comment in (EvalVote.objects.filter(round=round_).exclude(comment="")
                                .values_list("subject_id", "comment")):
        out.setdefault(subject_id, []).append(comment)
    return {k: sorted(v) for k, v in out.items()}


def sheet_total(round_: EvalRound) -> Decimal:
    """The score sheet's full marks (the sum of its items' maxima)."""
    return round_.items.aggregate(total=Sum("max_score"))["total"] or Decimal("0")


def vote_progress(round_: EvalRound) -> dict[str, Any]:
    """Online raters who voted, paper sheets entered, votes cast (four queries)."""
    return {"raters": round_.raters.count(),
            "voted": round_.votes.filter(rater__isnull=False).values("rater_id").distinct().count(),
            "sheets": round_.sheets.count(), "votes": round_.votes.count()}
