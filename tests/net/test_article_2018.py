"""The article regenerated (issue 11, item 4): on the full demo district (``manage.py demo``, seed 2018, built ONCE
for the module inside a transaction rolled back at the end), every figure of the seed article computes, for the
district and 2018, within the range the article's words allow — and the generated 2018 report prints exactly those
values.

The first test fails while a figure's metric is not registered yet (its module registers it in
``<app>/metrics.py``): the failure names each such figure. It is not skipped: the article is the acceptance test.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from tests.factories import module_transaction, user_with_post
from zongheng.core.permissions import Role
from zongheng.net import actions, article
from zongheng.net.models import ReportJob
from zongheng.orgs.models import Org

YEAR = 2018


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("demo", seed=2018, year=YEAR, live=False, stdout=io.StringIO())
            root = Org.objects.select_related("level").get(depth=1, name="迎江区")
        yield root


@pytest.fixture
def job(district: Org, db: Any, django_capture_on_commit_callbacks: Any) -> ReportJob:
    user = user_with_post(district, Role.ORG_DEPT)
    with django_capture_on_commit_callbacks(execute=True):
        made = actions.do_request_report(user, district.pk, YEAR)
    made.refresh_from_db()
    assert made.status == ReportJob.DONE, made.error
    return made


def test_every_article_figure_of_2018_computes_within_the_article_s_range(district: Org, db: Any) -> None:
    from django.utils import timezone

    values = article.compute(district.path, YEAR, timezone.now())
    outside = [f"{fig.code}={values[fig.code]!s} (文章：{fig.words}，应在 {fig.low}–{fig.high})"
               for fig in article.FIGURES
               if values[fig.code] is None or not fig.low <= values[fig.code] <= fig.high]  # type: ignore[operator]
    missing = [fig.code for fig in article.FIGURES if values[fig.code] is None]
    assert not outside, f"{len(outside)} figure(s) off the article (unregistered: {missing}):\n" + "\n".join(outside)


def _number(text: str) -> Decimal | None:
    if text == "暂无记录":
        return None
    m = re.match(r"^(-?\d+(?:\.\d+)?)(万?)", text)
    assert m, text
    return Decimal(m[1]) * (10_000 if m[2] else 1)


def test_the_2018_report_prints_each_article_figure_as_computed(district: Org, job: ReportJob) -> None:
    from docx import Document
    from pypdf import PdfReader

    with job.docx.open("rb") as fh:
        doc = Document(io.BytesIO(fh.read()))
    assert doc.paragraphs[0].text == "迎江区2018年城市基层党建工作报告"
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    summary = doc.tables[next(i for i, c in enumerate(captions) if "主要数字一览" in c)]
    rows = [[c.text for c in row.cells] for row in summary.rows][1:]
    values = article.compute(district.path, YEAR, job.as_of)
    assert len(rows) == len(article.FIGURES)
    for fig, row in zip(article.FIGURES, rows, strict=True):
        expected = values[fig.code]
        assert _number(row[3]) == (Decimal(expected) if expected else None), (fig.code, row)
        assert job.figures[fig.code] == row[3]
    body = "".join(p.text for p in doc.paragraphs)
    assert "网格党组织264个" in body  # the tree's figures stand in the article's sentences
    with job.pdf.open("rb") as fh:
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages))
    assert "迎江区2018年城市基层党建工作报告" in text and "网格党组织264个" in text
