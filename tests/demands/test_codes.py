"""Tracking codes a resident can read out and type, and the tracking page that shows what they reported
(issue 13, item 11).

Codes are 12 characters from an alphabet without look-alikes, grouped by four (``K7MP-4XQ2-9HTR``),
stored as a keyed hash only, accepted with or without dashes, in any case, full-width or not, and
sent by SMS when the resident gives a phone.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from zongheng.demands import actions, codes, selectors
from zongheng.demands.models import Demand, DemandFollower

TRACK = reverse("demands:track")
FORMAT = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){2}$")


def test_a_code_is_twelve_unambiguous_characters_in_groups_of_four(world):
    seen = {codes.new_code() for _ in range(300)}
    assert len(seen) == 300
    for code in seen:
        assert FORMAT.match(code), code
        assert not set(code) & set("0O1IlL")
    _, code = world.submit()
    assert FORMAT.match(code)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_the_code_is_found_with_or_without_dashes_in_any_case_and_full_width(client, world):
    demand, code = world.submit()
    plain = code.replace("-", "")
    variants = [code, plain, code.lower(), " ".join(code.split("-")), f" {plain.lower()} ", _fullwidth(code),
                code.replace("-", "－"), code.replace("-", "—")]
    assert unicodedata.normalize("NFKC", _fullwidth(code)) == code
    for typed in variants:
        response = client.post(TRACK, {"code": typed})
        assert response.status_code == 200, typed
        assert demand.ref in response.content.decode()
        follower = actions.follower_by_code(typed)
        assert follower is not None and follower.demand_id == demand.pk
    assert client.post(TRACK, {"code": plain[:-1] + ("2" if plain[-1] != "2" else "3")}).status_code == 404
    # A resident may rate with the code as they typed it.
    actions.do_accept(world.grid_leader, demand)
    actions.do_answer(world.grid_leader, demand, "已修好")
    actions.do_rate(code.lower().replace("-", " "), 5)
    assert Demand.objects.get(pk=demand.pk).rating == 5


def test_codes_are_stored_only_as_a_keyed_hash_with_a_four_character_prefix(world):
    demand, code = world.submit()
    joiner = actions.do_follow_demand(demand)
    for c in (code, joiner):
        plain = c.replace("-", "")
        row = DemandFollower.objects.get(code_prefix=plain[:4], demand=demand)
        stored = str(list(DemandFollower.objects.values())) + str(list(Demand.objects.values()))
        assert plain not in stored and c not in stored and plain[:5] not in stored
        # Not an unkeyed hash: a copy of the database alone does not let anyone try codes offline.
        for unkeyed in (hashlib.sha256(plain.encode()).hexdigest(),
                        hashlib.sha256(f"zongheng-demand-code:{plain}".encode()).hexdigest(),
                        hashlib.sha256(f"zongheng-demand-code:{c}".encode()).hexdigest()):
            assert row.code_hash != unkeyed


def test_codes_of_the_older_format_keep_working(client, world):
    from zongheng.demands.models import hash_code

    demand, _ = world.submit()
    old = "AbCdEfGhIjKlMnOpQrStUv"  # 22 URL-safe characters, issued before issue 13
    DemandFollower.objects.create(demand=demand, code_hash=hash_code(old), code_prefix=old[:6])
    assert client.post(TRACK, {"code": old}).status_code == 200
    assert client.post(TRACK, {"code": old.lower()}).status_code == 404  # those were case-sensitive


def test_staff_find_the_demand_by_the_first_characters_read_out_in_any_form(world):
    demand, code = world.submit()
    other, _ = world.submit(description="井盖松动")
    for typed in (code[:4], code[:6].lower(), code, code.replace("-", " ")):
        found = list(selectors.queue(world.community_secretary, {"q": typed}))
        assert demand in found and (other not in found or other.code_prefix == demand.code_prefix), typed


def test_the_code_is_sent_by_sms_when_a_phone_is_given(world, settings, django_capture_on_commit_callbacks):
    sent: list[tuple[str, str]] = []
    settings.SMS_BACKEND = "tests.demands.test_codes.collect"
    COLLECTED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demand, code = world.submit(phone="13812345678")
    sent = list(COLLECTED)
    assert any(phone == "13812345678" and code in text and demand.ref in text for phone, text in sent)
    COLLECTED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        world.submit()
    assert COLLECTED == []  # no phone, no SMS
    with django_capture_on_commit_callbacks(execute=True):
        joiner = actions.do_follow_demand(demand, "13900001111")
    assert any(phone == "13900001111" and joiner in text for phone, text in COLLECTED)


COLLECTED: list[tuple[str, str]] = []


def collect(phone: str, text: str) -> None:
    COLLECTED.append((phone, text))


def test_the_done_page_shows_the_grouped_code_with_a_copy_button(client, world):
    from tests.demands.test_public import send

    response = send(client, world)
    html = response.content.decode()
    code = re.search(r'id="tracking-code"[^>]*>([^<]+)<', html)[1]
    assert FORMAT.match(code)
    assert 'data-copy="tracking-code"' in html and "复制查询码" in html


# ---------------------------------------------------------------- the tracking page shows what was reported


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def reported(world):
    demand, code = world.submit(description="幸福小区 3 栋门口的路灯坏了，晚上很黑，电话 13811112222")
    Demand.objects.filter(pk=demand.pk).update(address="幸福小区 3 栋 2 单元门口")
    demand.photos.create(image=_jpeg())
    return demand, code


def test_the_submitter_sees_what_they_reported_with_photo_thumbnails(client, world, reported):
    demand, code = reported
    html = client.post(TRACK, {"code": code}).content.decode()
    assert "您反映的问题" in html
    assert "幸福小区 3 栋门口的路灯坏了" in html and "幸福小区 3 栋 2 单元门口" in html
    assert world.tree.grids[0].name in html and demand.category.name in html
    assert "年" in html  # the date
    thumbs = re.findall(r'<img src="(data:image/jpeg;base64,[^"]+)"', html)
    assert len(thumbs) == 1 and "/photos/" not in html  # a thumbnail in the page, no link that could leak


def test_a_resident_who_joined_sees_the_masked_excerpt_and_no_photo(client, world, reported):
    demand, _ = reported
    joiner = actions.do_follow_demand(demand)
    html = client.post(TRACK, {"code": joiner}).content.decode()
    assert "反映的问题" in html and "路灯坏了" in html
    assert "13811112222" not in html and "2 单元门口" not in html
    assert "data:image" not in html
