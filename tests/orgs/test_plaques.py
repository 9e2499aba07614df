"""挂牌亮相 plaques: a PDF per grid (public) and per community/street/district (staff), with a QR code
that opens the demand form with the grid chosen."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import make_person, make_post, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.orgs import plaques
from zongheng.orgs.models import GridPlace, PlaqueJob


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def staffed(tree):
    grid = tree.grids[0]
    secretary = make_person(grid, "王书记", phone="13812345678")
    make_post(secretary, grid, Role.SECRETARY)
    leader = make_person(grid, "李网格", phone="13987654321")
    make_post(leader, grid, Role.GRID_LEADER)
    head = make_person(tree.households[0], "赵户主", phone="13700001111")
    make_post(head, tree.households[0], Role.HOUSEHOLD_HEAD)
    GridPlace.objects.create(grid=grid, kind="compound", name="幸福小区", number_from=1, number_to=6)
    return tree


def test_a_grid_plaque_is_public_and_shows_what_the_directory_shows_with_masked_phones(client, staffed):
    grid = staffed.grids[0]
    response = client.get(reverse("orgs:grid_plaque", args=[grid.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages, text = pdf_text(response.content)
    assert pages == 1
    flat = re.sub(r"\s+", "", text)
    for words in (grid.name, "王书记", "李网格", "赵户主", "幸福小区1–6栋", "138****5678", "扫码向本网格反映问题"):
        assert words in flat, words
    assert "13812345678" not in flat and "13987654321" not in flat and "13700001111" not in flat
    assert "网格长" in flat and "党员中心户" in flat
    assert unquote(response["Content-Disposition"]).endswith(f"{grid.name}-挂牌.pdf")


def test_the_qr_code_opens_the_form_with_the_grid_chosen_at_this_sites_address(client, staffed):
    grid = staffed.grids[0]
    url = f"http://testserver/demands/new/?grid={grid.pk}"
    [plaque] = plaques.plaques([grid], lambda path: "http://testserver" + path)
    assert plaque.url == url
    assert plaque.qr_svg == plaques.qr_data_uri(url)
    html = plaques.html([plaque], "a4", "t")
    assert plaque.qr_svg in html  # the SVG drawn on the plaque is the QR code of that URL
    import segno

    assert segno.make(url, error="m").designator  # a valid symbol for that payload
    # …and the URL opens the form with that grid filled in
    page = client.get(f"/demands/new/?grid={grid.pk}")
    assert f'name="grid" value="{grid.pk}"' in page.content.decode()
    assert f"您正在向<strong>{grid.name}</strong>反映问题" in page.content.decode()


def test_the_card_layout_puts_eight_grids_on_a_page(client, staffed, settings):
    holder = user_with_post(staffed.district, Role.ORG_DEPT, "dept")
    client.force_login(holder)
    response = client.get(reverse("orgs:org_plaques", args=[staffed.district.pk]) + "?layout=card")
    assert response.status_code == 200
    pages, text = pdf_text(response.content)
    assert pages == 1  # 8 grids, one page of cards
    flat = re.sub(r"\s+", "", text)
    assert all(g.name in flat for g in staffed.grids)


def test_a_wrong_layout_is_refused_in_chinese(client, staffed):
    response = client.get(reverse("orgs:grid_plaque", args=[staffed.grids[0].pk]) + "?layout=poster")
    assert response.status_code == 400
    assert "版式不正确" in response.content.decode()


def test_only_grids_have_a_public_plaque(client, staffed):
    for org in (staffed.communities[0], staffed.households[0], staffed.district):
        assert client.get(reverse("orgs:grid_plaque", args=[org.pk])).status_code == 404


def test_staff_print_every_grid_of_their_scope_and_nothing_outside(client, staffed):
    community = staffed.communities[0]
    url = reverse("orgs:org_plaques", args=[community.pk])
    assert client.get(url).status_code == 302  # anonymous: log in
    client.force_login(make_user(None, "nobody"))
    assert client.get(url).status_code == 403
    client.force_login(user_with_post(staffed.communities[2], Role.SECRETARY, "other"))
    assert client.get(url).status_code == 404
    client.force_login(user_with_post(community, Role.SECRETARY, "sec"))
    response = client.get(url)
    assert response.status_code == 200
    pages, text = pdf_text(response.content)
    assert pages == 2  # its two grids, one A4 page each
    assert staffed.grids[0].name in text and staffed.grids[1].name in text and staffed.grids[2].name not in text


def test_a_district_prints_in_the_background_with_progress(client, staffed, monkeypatch):
    monkeypatch.setattr(plaques, "INLINE_MAX", 3)
    monkeypatch.setattr(plaques, "CHUNK", 8)
    dept = user_with_post(staffed.district, Role.ORG_DEPT, "dept")
    client.force_login(dept)
    response = client.get(reverse("orgs:org_plaques", args=[staffed.district.pk]))
    job = PlaqueJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orgs:plaque_job", args=[job.pk])
    job.refresh_from_db()  # the test settings run tasks at once
    assert job.status == PlaqueJob.DONE and job.done == job.total == 8
    page = client.get(reverse("orgs:plaque_job", args=[job.pk])).content.decode()
    assert "已完成" in page and reverse("orgs:plaque_job_pdf", args=[job.pk]) in page
    pdf = client.get(reverse("orgs:plaque_job_pdf", args=[job.pk]))
    pages, text = pdf_text(pdf.content)
    assert pages == 8 and all(g.name in text for g in staffed.grids)
    assert "http://testserver/demands/new/?grid=" in text  # the QR's URL printed under it
    # another staff member (even above) does not see someone else's job
    client.force_login(user_with_post(staffed.district, Role.ORG_DEPT, "dept2"))
    assert client.get(reverse("orgs:plaque_job_pdf", args=[job.pk])).status_code == 404


def test_the_job_page_polls_while_running(client, staffed):
    dept = user_with_post(staffed.district, Role.ORG_DEPT, "dept")
    job = PlaqueJob.objects.create(org=staffed.district, layout="a4", requested_by=dept, base_url="http://x",
                                   status=PlaqueJob.RUNNING, total=264, done=48)
    client.force_login(dept)
    page = client.get(reverse("orgs:plaque_job_status", args=[job.pk])).content.decode()
    assert "hx-trigger" in page and "48 / 264" in page
    assert client.get(reverse("orgs:plaque_job_pdf", args=[job.pk])).status_code == 404  # not ready


def test_the_directory_links_every_grid_to_the_form_with_the_grid_chosen(client, staffed):
    community = staffed.communities[0]
    page = client.get(reverse("orgs:directory_org", args=[community.pk])).content.decode()
    for grid in staffed.grids[:2]:
        assert f'href="/demands/new/?grid={grid.pk}"' in page
        assert "向本网格反映" in page
    grid_page = client.get(reverse("orgs:directory_org", args=[staffed.grids[0].pk])).content.decode()
    assert f'href="/demands/new/?grid={staffed.grids[0].pk}"' in grid_page
    assert reverse("orgs:grid_plaque", args=[staffed.grids[0].pk]) in grid_page
    assert "幸福小区 1–6 栋" in grid_page
    found = client.get(reverse("orgs:directory"), {"q": "第1网格"}).content.decode()
    assert f'href="/demands/new/?grid={staffed.grids[0].pk}"' in found


def test_an_organisation_without_grids_says_so(client, staffed):
    household = staffed.households[0]
    client.force_login(user_with_post(staffed.district, Role.ORG_DEPT, "dept"))
    response = client.get(reverse("orgs:org_plaques", args=[household.pk]))
    assert response.status_code == 404 and "没有可打印的网格" in response.content.decode()


def test_a_plaque_is_drawn_once_for_what_it_shows_and_anew_when_that_changes(client, staffed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    grid = staffed.grids[0]
    url = reverse("orgs:grid_plaque", args=[grid.pk])
    first = client.get(url).content
    cached = list((tmp_path / "plaques" / "cache").iterdir())
    assert len(cached) == 1 and cached[0].read_bytes() == first
    assert client.get(url).content == first  # a stranger asking again costs no second drawing
    assert len(list((tmp_path / "plaques" / "cache").iterdir())) == 1
    make_post(make_person(grid, "新网格长", phone="13600002222"), grid, Role.GRID_LEADER)
    _, text = pdf_text(client.get(url).content)
    assert "新网格长" in re.sub(r"\s+", "", text)
    assert len(list((tmp_path / "plaques" / "cache").iterdir())) == 2
