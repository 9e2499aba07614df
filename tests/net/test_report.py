"""一张网's annual work report: generated in the background (run synchronously here), laid out like the article,
every figure equal to a direct count, the lists of the scope and year, scoped reads (404 outside), bad input refused
in Chinese with nothing created, every request and download audited."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.cobuild.factories_units import make_activity, make_agreement, make_pairing, make_unit
from tests.factories import Tree, user_with_post
from zongheng.accounts.actions import do_create_token
from zongheng.cobuild.choices import AgreementState, PartnerKind, UnitType
from zongheng.cobuild.models import Agreement, Pairing
from zongheng.core import metrics as mx
from zongheng.core.models import AuditLog
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.lists.models import Brand
from zongheng.net import actions, article, exports, report
from zongheng.net.models import ReportJob
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org

pytestmark = pytest.mark.django_db

HEADINGS = ["一、基本情况", "二、做法与成效", "（一）一条“纵轴”抓联动", "（二）一条“横线”促融合",
            "（三）一套“清单”抓推进", "三、成效", "四、经验与启示"]


@dataclass
class World:
    tree: Tree
    agreements: list[Agreement]
    pairings: list[Pairing]
    brands: list[Brand]


@pytest.fixture
def world(tree: Tree) -> World:
    """Agreements, pairings and brands on both streets, inside and outside 2018's windows."""
    c0, c1, c2 = tree.communities[0], tree.communities[1], tree.communities[2]
    agency = make_unit(c0, "区民政局", type=UnitType.AGENCY)
    firm = make_unit(c2, "振发锻件公司", type=UnitType.PRIVATE_ENTERPRISE)
    agreements = [
        make_agreement(c0, agency, title="民政局认领书2018", signed_on=dt.date(2018, 3, 1)),
        make_agreement(c2, firm, title="振发认领书2017", signed_on=dt.date(2017, 6, 1), starts_on=dt.date(2017, 6, 1)),
        make_agreement(c0, agency, title="旧认领书2016", signed_on=dt.date(2016, 5, 1), starts_on=dt.date(2016, 5, 1)),
        make_agreement(c0, agency, title="草拟认领书", state=AgreementState.DRAFT),
    ]
    pairings = [
        make_pairing(c0, agency, starts_on=dt.date(2017, 1, 1)),
        make_pairing(c2, firm, starts_on=dt.date(2018, 6, 1)),
        Pairing.objects.create(org=c1, org_path=c1.path, partner_kind=PartnerKind.OUTSIDE, partner_name="某先进社区",
                               partner_region="江苏", starts_on=dt.date(2016, 1, 1), ends_on=dt.date(2017, 12, 31)),
    ]
    for day in (dt.date(2017, 12, 1), dt.date(2018, 4, 1), dt.date(2018, 9, 1)):
        make_activity(pairings[0], day)
    brands = [Brand.objects.create(name="阳光360", slug="sun360", org=c0, org_path=c0.path, summary="为民服务",
                                   named_on=dt.date(2018, 12, 28)),
              Brand.objects.create(name="常青藤志愿服务", slug="ivy", org=c2, org_path=c2.path, summary="志愿服务",
                                   named_on=dt.date(2019, 2, 1))]
    return World(tree, agreements, pairings, brands)


def _generate(user: Any, org: Org, year: int, capture: Any) -> ReportJob:
    """Asks for the report as the page does; the worker's task runs when the transaction commits."""
    with capture(execute=True):
        job = actions.do_request_report(user, org.pk, year)
    job.refresh_from_db()
    assert job.status == ReportJob.DONE, job.error
    return job


def _docx(job: ReportJob) -> Any:
    from docx import Document

    with job.docx.open("rb") as fh:
        return Document(io.BytesIO(fh.read()))


def _tables(doc: Any) -> dict[str, list[list[str]]]:
    """The document's tables by their caption (the paragraph above each), the header row first."""
    out: dict[str, list[list[str]]] = {}
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert len(captions) == len(doc.tables)
    for caption, table in zip(captions, doc.tables, strict=True):
        out[re.sub(r"^表\d+\u3000", "", caption)] = [[c.text for c in row.cells] for row in table.rows]
    return out


def _number(text: str) -> Decimal | None:
    """A printed figure read back: "8个" → 8, "52.34万元" → 523400, "暂无记录" → None."""
    if text == "暂无记录":
        return None
    m = re.match(r"^(-?\d+(?:\.\d+)?)(万?)", text)
    assert m, text
    return Decimal(m[1]) * (10_000 if m[2] else 1)


def _standing_grids(path: str, year: int) -> int:
    """Regular grids open at some time in ``year`` (written as a plain filter, not through the registry)."""
    return Org.objects.filter(
        Q(opened_on__isnull=True) | Q(opened_on__lt=dt.date(year + 1, 1, 1)),
        Q(closed_on__isnull=True) | Q(closed_on__gte=dt.date(year, 1, 1)),
        path__startswith=path, level__code="grid", kind=OrgKind.REGULAR).count()


def test_a_street_secretary_generates_the_report_and_downloads_its_three_files(
        client, world: World, django_capture_on_commit_callbacks) -> None:
    street = world.tree.streets[0]
    secretary = user_with_post(street, Role.SECRETARY)
    client.force_login(secretary)
    page = client.get(reverse("net:report", args=[street.pk]))
    assert page.status_code == 200 and "生成年度工作报告" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("net:report", args=[street.pk]), {"year": "2018"})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("net:report_job", args=[job.pk])
    assert (job.org, job.year, job.status, job.requested_by) == (street, 2018, ReportJob.DONE, secretary)
    status = client.get(reverse("net:report_job_status", args=[job.pk])).content.decode()
    assert "hx-get" not in status and "已完成" in status  # finished: the polling stops
    for fmt, (mime, _) in {"docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""),
                           "pdf": ("application/pdf", ""),
                           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "")}.items():
        got = client.get(reverse("net:report_file", args=[job.pk, fmt]))
        assert got.status_code == 200 and got["Content-Type"] == mime
        assert "attachment" in got["Content-Disposition"]
    listed = client.get(reverse("net:report", args=[street.pk])).content.decode()
    assert reverse("net:report_job", args=[job.pk]) in listed  # the earlier reports are listed
    audit = list(AuditLog.objects.filter(object_type="net.reportjob", object_id=str(job.pk))
                 .values_list("action", flat=True))
    assert sorted(audit) == sorted(["net.report.request", "net.report.generated"] + ["net.report.download"] * 3)


def test_a_running_report_shows_its_progress_and_polls_until_it_is_done(client, world: World) -> None:
    street = world.tree.streets[0]
    client.force_login(user_with_post(street, Role.SECRETARY))
    job = ReportJob.objects.create(org=street, year=2018, status=ReportJob.RUNNING, stage=actions.STEPS[2], done=2,
                                   total=len(actions.STEPS))
    page = client.get(reverse("net:report_job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("net:report_job_status", args=[job.pk])}"' in page
    assert "生成 Word 文档" in page and "第 3 / 5 步" in page
    assert client.get(reverse("net:report_file", args=[job.pk, "docx"])).status_code == 404  # not finished yet


def test_the_docx_is_laid_out_like_the_article_and_prints_every_figure_as_computed(
        world: World, django_capture_on_commit_callbacks) -> None:
    district = world.tree.district
    Org.objects.filter(pk=world.tree.grids[0].pk).update(closed_on=dt.date(2017, 6, 30))  # not standing in 2018
    job = _generate(user_with_post(district, Role.ORG_DEPT), district, 2018, django_capture_on_commit_callbacks)
    doc = _docx(job)
    assert doc.paragraphs[0].text == "测试区2018年城市基层党建工作报告"
    assert doc.paragraphs[0].style.name == "Title"
    assert [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")] == HEADINGS
    tables = _tables(doc)
    summary = tables["主要数字一览（测试区，2018年）"]
    assert len(summary) == 1 + len(article.FIGURES)
    computed = article.compute(district.path, 2018, job.as_of)
    for fig, row in zip(article.FIGURES, summary[1:], strict=True):
        assert _number(row[3]) == (Decimal(computed[fig.code]) if computed[fig.code] else None), fig.code
    # the two figures the tree registers, against plain counts
    grids = _standing_grids(district.path, 2018)
    assert grids == len(world.tree.grids) - 1
    printed = {row[1]: row[3] for row in summary[1:]}
    assert _number(printed["网格党组织"]) == grids
    assert _number(printed["党员中心户"]) == Org.objects.filter(path__startswith=district.path,
                                                          level__code="household").count()
    body = "\n".join(p.text for p in doc.paragraphs)
    assert f"网格党组织{grids}个" in body
    for fig in article.FIGURES:  # a figure without a metric is printed as having no records, never as a number
        if mx.metric(fig.code) is None:
            assert printed[report.LABELS[fig.code]] == "暂无记录"
    # the panel tables: every registered metric of the year, with the year before
    coverage = tables["组织覆盖（测试区，2018年）"]
    assert coverage[0] == ["指标", "2018年", "2017年", "口径"]
    by_label = {row[0]: row for row in coverage[1:]}
    assert _number(by_label["网格"][1]) == grids
    assert _number(by_label["网格"][2]) == _standing_grids(district.path, 2017) == len(world.tree.grids)
    assert set(by_label) == {m.label for m in mx.metrics("tree")}


def test_the_lists_hold_the_agreements_pairings_and_brands_of_the_scope_and_the_article_s_window(
        world: World, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    district = world.tree.district
    content = report.build(Org.objects.select_related("level").get(pk=district.pk), 2018, now)
    doc_tables = {t.title.split("\u3000", 1)[1]: t for t in exports.tables_of(content)}
    agreements = doc_tables["项目认领书（测试区，2018年）"]
    # signed 2017–2018 ("2017年以来"), not a draft, anywhere in the district
    expected = (Agreement.objects.filter(org_path__startswith=district.path, signed_on__year__in=[2017, 2018])
                .exclude(state="draft").order_by("signed_on"))
    assert [row[3] for row in agreements.rows] == [a.title for a in expected] == ["振发认领书2017", "民政局认领书2018"]
    assert agreements.note == "共 2 份。"
    pairings = doc_tables["结对共建（测试区，2018年）"]
    # the pairings standing in 2018, with their activities of 2018
    assert [(row[2], row[4]) for row in pairings.rows] == [("区民政局", "2"), ("振发锻件公司", "0")]
    brands = doc_tables["党建品牌（测试区，2018年）"]
    assert [row[0] for row in brands.rows] == ["阳光360"]  # the other was named in 2019
    street = Org.objects.select_related("level").get(pk=world.tree.streets[1].pk)
    other = {t.title.split("\u3000", 1)[1]: t for t in exports.tables_of(report.build(street, 2018, now))}
    assert [row[3] for row in other[f"项目认领书（{street.name}，2018年）"].rows] == ["振发认领书2017"]
    assert other[f"党建品牌（{street.name}，2018年）"].note == "暂无记录。"


def test_a_list_shows_the_rows_its_registered_figure_counts(world: World, monkeypatch) -> None:
    """When the article's agreements figure is registered, the list is exactly its rows (the total then agrees with
    the figure printed beside it)."""
    monkeypatch.setattr(mx, "_SOURCES", dict(mx._SOURCES))
    monkeypatch.setattr(mx, "_METRICS", dict(mx._METRICS))
    mx.register_source("test.agreement",
                       lambda period, now: Agreement.objects.filter(period.q_dates("signed_on")),
                       path="org_path", perm="cobuild.view", show=lambda a: mx.Row(a.title))
    mx.register_metric("horizontal.agreements", "horizontal", "认领书（含草拟）", source="test.agreement", unit="份")
    content = report.build(Org.objects.select_related("level").get(pk=world.tree.district.pk), 2018, timezone.now())
    listing = content.listings["agreements"]
    assert listing.source == "figures"
    assert sorted(row[3] for row in listing.rows) == ["振发认领书2017", "民政局认领书2018", "草拟认领书"]
    assert content.figures["horizontal.agreements"].text == f"{listing.total}份" == "3份"


def test_the_xlsx_has_a_sheet_per_panel_with_each_figure_and_its_rows_capped(world: World, monkeypatch) -> None:
    from openpyxl import load_workbook

    monkeypatch.setattr(report, "XLSX_ROWS", 3)
    district = Org.objects.select_related("level").get(pk=world.tree.district.pk)
    content = report.build(district, 2018, timezone.now())
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(content)), read_only=True)
    panels = [label for key, label in mx.PANELS if mx.metrics(key)]
    assert book.sheetnames == ["说明", "文章数字", *panels, "项目认领书", "结对共建", "党建品牌"]
    rows = [list(r) for r in book["组织覆盖"].iter_rows(values_only=True)]
    assert rows[0][:2] == ["指标", "2018年"]
    assert rows[1][:2] == ["网格", len(world.tree.grids)]
    start = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("【记录】网格"))
    assert f"共 {len(world.tree.grids)} 条，此处列出前 3 条" in rows[start][0]
    listed = rows[start + 2:start + 5]
    assert [r[0] for r in listed] == [1, 2, 3]
    assert not any(rows[start + 5]) or str(rows[start + 5][0]).startswith("【记录】")  # three rows, then the next
    assert {r[1] for r in listed} <= {g.name for g in world.tree.grids}
    figures = [list(r) for r in book["文章数字"].iter_rows(values_only=True)]
    assert [r[6] for r in figures[1:]] == [f.code for f in article.FIGURES]


def test_the_pdf_carries_the_same_report(world: World) -> None:
    from pypdf import PdfReader

    street = Org.objects.select_related("level").get(pk=world.tree.streets[0].pk)
    data = exports.pdf_bytes(report.build(street, 2018, timezone.now()))
    assert data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", "", text)
    assert f"{street.name}2018年城市基层党建工作报告" in text
    assert "一、基本情况" in text and "四、经验与启示" in text and "民政局认领书2018" in text


def test_generating_the_same_report_twice_gives_the_same_figures(world: World, django_capture_on_commit_callbacks
                                                                 ) -> None:
    district = world.tree.district
    user = user_with_post(district, Role.ORG_DEPT)
    first = _generate(user, district, 2018, django_capture_on_commit_callbacks)
    second = _generate(user, district, 2018, django_capture_on_commit_callbacks)
    assert first.pk != second.pk
    assert first.figures == second.figures
    assert first.figures["tree.grids"] == f"{len(world.tree.grids)}个"
    assert first.figures["list:agreements"] == "2"


def test_a_request_while_the_same_report_is_being_made_returns_that_job(world: World) -> None:
    street = world.tree.streets[0]
    user = user_with_post(street, Role.SECRETARY)
    running = ReportJob.objects.create(org=street, year=2018, status=ReportJob.RUNNING)
    assert actions.do_request_report(user, street.pk, 2018) == running
    assert ReportJob.objects.count() == 1


def test_another_street_s_report_page_job_and_files_answer_404(client, world: World) -> None:
    mine, theirs = world.tree.streets
    job = ReportJob.objects.create(org=theirs, year=2018, status=ReportJob.DONE)
    user = user_with_post(mine, Role.SECRETARY)
    client.force_login(user)
    assert client.get(reverse("net:report", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("net:report", args=[theirs.pk]), {"year": "2018"}).status_code == 404
    for name, args in [("net:report_job", [job.pk]), ("net:report_job_status", [job.pk]),
                       ("net:report_file", [job.pk, "docx"])]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    _, key = do_create_token(user, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(f"/api/v1/net/reports/{job.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/net/reports/{job.pk}/pdf", **auth).status_code == 404
    assert client.get(f"/api/v1/net/{theirs.pk}/reports", **auth).status_code == 404
    response = client.post("/api/v1/net/reports", json.dumps({"org": theirs.pk, "year": 2018}),
                           content_type="application/json", **auth)
    assert response.status_code == 404
    assert ReportJob.objects.count() == 1


def test_a_bad_year_or_a_forged_org_is_answered_in_chinese_and_nothing_is_created(client, world: World) -> None:
    street = world.tree.streets[0]
    user = user_with_post(street, Role.SECRETARY)
    client.force_login(user)
    response = client.post(reverse("net:report", args=[street.pk]), {"year": "1800"})
    assert response.status_code == 400
    assert "报告年度应在 2000 年至" in response.content.decode()
    assert client.post(reverse("net:report", args=[street.pk]), {"year": "二〇一八"}).status_code == 400
    assert client.post(reverse("net:report", args=[999999]), {"year": "2018"}).status_code == 404
    _, key = do_create_token(user, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    bad = client.post("/api/v1/net/reports", json.dumps({"org": street.pk, "year": 1800}),
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and "报告年度应在" in bad.json()["detail"]
    future = client.post("/api/v1/net/reports", json.dumps({"org": street.pk, "year": timezone.now().year + 1}),
                         content_type="application/json", **auth)
    assert future.status_code == 400
    forged = client.post("/api/v1/net/reports", json.dumps({"org": 999999, "year": 2018}),
                         content_type="application/json", **auth)
    assert forged.status_code == 404 and forged.json()["detail"] == "未找到，或不在您的管辖范围内"
    grid = client.post("/api/v1/net/reports", json.dumps({"org": world.tree.grids[0].pk, "year": 2018}),
                       content_type="application/json", **auth)
    assert grid.status_code == 404  # a grid has no annual report of its own
    assert not ReportJob.objects.exists()
    assert not AuditLog.objects.filter(action="net.report.request").exists()


def test_a_viewer_without_the_report_right_reads_the_reports_but_cannot_generate_one(client, world: World) -> None:
    street = world.tree.streets[0]
    client.force_login(user_with_post(street, Role.COMMITTEE_MEMBER))  # net.view, not net.report
    page = client.get(reverse("net:report", args=[street.pk]))
    assert page.status_code == 200 and "生成年度工作报告</button>" not in page.content.decode()
    assert client.post(reverse("net:report", args=[street.pk]), {"year": "2018"}).status_code == 403
    assert not ReportJob.objects.exists()


def test_the_api_requests_a_report_and_follows_it_to_its_files(client, world: World,
                                                               django_capture_on_commit_callbacks) -> None:
    street = world.tree.streets[1]
    user = user_with_post(street, Role.SECRETARY)
    _, key = do_create_token(user, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/net/reports", json.dumps({"org": street.pk, "year": 2018}),
                              content_type="application/json", **auth)
    assert created.status_code == 201
    job_id = created.json()["id"]
    status = client.get(f"/api/v1/net/reports/{job_id}", **auth).json()
    assert (status["status"], status["percent"], status["org"]["id"], status["year"]) == ("done", 100, street.pk, 2018)
    assert status["title"] == f"{street.name}2018年城市基层党建工作报告"
    pdf = client.get(status["files"]["pdf"], **auth)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    listed = client.get(f"/api/v1/net/{street.pk}/reports", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == job_id
    assert AuditLog.objects.filter(action="net.report.download", object_id=str(job_id)).count() == 1


def test_a_failed_generation_says_so_and_offers_no_file(client, world: World, monkeypatch,
                                                        django_capture_on_commit_callbacks) -> None:
    def broken(content: Any) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(exports, "pdf_bytes", broken)
    street = world.tree.streets[0]
    user = user_with_post(street, Role.SECRETARY)
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.do_request_report(user, street.pk, 2018)
    job.refresh_from_db()
    assert job.status == ReportJob.FAILED and job.error == "生成失败：RuntimeError" and not job.docx
    client.force_login(user)
    assert "生成失败" in client.get(reverse("net:report_job", args=[job.pk])).content.decode()
    assert client.get(reverse("net:report_file", args=[job.pk, "docx"])).status_code == 404


def test_the_year_offered_is_the_last_full_year_with_data(client, world: World, monkeypatch) -> None:
    """With a dated source: the latest year before this one that has rows (this year's rows do not count).
    The registry holds that one source only, so the years are those of the agreements made here."""
    monkeypatch.setattr(mx, "_SOURCES", {})
    mx.register_source("test.agreement", lambda period, now: Agreement.objects.filter(period.q_dates("signed_on")),
                       path="org_path", perm="cobuild.view", show=lambda a: mx.Row(a.title), dated="signed_on")
    street = world.tree.streets[0]
    make_agreement(world.tree.communities[0], world.agreements[0].unit, signed_on=timezone.localdate())
    client.force_login(user_with_post(street, Role.SECRETARY))
    assert client.get(reverse("net:report", args=[street.pk])).context["chosen"] == "2018"
    assert report.default_year(world.tree.streets[1], timezone.now()) == 2017
    monkeypatch.setattr(mx, "_SOURCES", {})  # no dated rows at all: last year
    assert report.default_year(street, timezone.now()) == Period.current("year").year - 1


def test_the_report_page_runs_a_constant_number_of_queries(client, world: World) -> None:
    street = world.tree.streets[0]
    user = user_with_post(street, Role.SECRETARY)
    client.force_login(user)
    ReportJob.objects.create(org=street, year=2018, status=ReportJob.DONE, requested_by=user)
    url = reverse("net:report", args=[street.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for year in range(2010, 2018):
        ReportJob.objects.create(org=street, year=year, status=ReportJob.DONE, requested_by=user)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
