"""Residents on the public pages: raise a demand in three short steps, join a similar one, track it by
its code, rate the answer with one tap, ask to redo it — and see nothing of anybody else."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.demands.conftest import MONDAY
from zongheng.core.models import AuditLog
from zongheng.demands import actions
from zongheng.demands.actions_public import limit
from zongheng.demands.choices import Status
from zongheng.demands.models import Category, ClientHit, Demand, DemandPhoto
from zongheng.orgs.models import Org

NEW = reverse("demands:submit")
TRACK = reverse("demands:track")
LAMP = "小区 3 栋门口的路灯坏了，晚上很黑"


def jpeg_with_gps(size=(64, 48)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    exif[0x8825] = {1: "N", 2: (30.0, 31.0, 0.0), 3: "E", 4: (117.0, 3.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()


def fields(world, **kw):
    data = {"step": "send", "description": LAMP, "address": "幸福小区 3 栋", "grid": world.tree.grids[0].pk,
            "category": Category.objects.get(code="municipal").pk, "phone": "", "contact_name": ""}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def send(client, world, *, REMOTE_ADDR="127.0.0.1", **kw):
    return client.post(NEW, fields(world, **kw), REMOTE_ADDR=REMOTE_ADDR)


def code_of(response) -> str:
    return re.search(r'id="tracking-code"[^>]*>([^<]+)<', response.content.decode()).group(1)


def test_a_resident_raises_a_demand_in_three_steps_and_it_lands_in_the_grid_with_deadlines(client, world):
    grid = world.tree.grids[0]
    page = client.get(NEW)
    assert page.status_code == 200 and "我要反映问题" in page.content.decode()
    step2 = client.post(NEW, {"step": "what", "description": LAMP, "address": f"{grid.name}幸福小区 3 栋"})
    html = step2.content.decode()
    assert step2.status_code == 200 and f"推荐：<strong>{grid.name}</strong>" in html
    municipal = Category.objects.get(code="municipal")
    assert re.search(rf'<option value="{municipal.pk}" selected>', html)  # 路灯 → 市政设施
    step3 = client.post(NEW, {"step": "where", "description": LAMP, "address": "幸福小区 3 栋",
                              "grid": grid.pk, "category": municipal.pk})
    assert step3.status_code == 200 and "留下联系方式" in step3.content.decode()
    done = send(client, world, phone="139 1234 5678", contact_name="李阿姨")
    assert done.status_code == 200 and "请把查询码抄下来或截图保存" in done.content.decode()
    code = code_of(done)
    demand = actions.follower_by_code(code).demand
    assert demand.status == Status.ASSIGNED and demand.org == grid and demand.grid == grid
    assert demand.channel == "web" and demand.category == municipal and demand.contact_name == "李阿姨"
    assert demand.response_due_at > demand.received_at and demand.resolution_due_at >= demand.response_due_at
    assert demand.phone_masked == "139****5678" and "13912345678" not in done.content.decode()
    # "查看办理进度" posts the code: it is in no link
    assert f'action="{TRACK}"' in done.content.decode() and f"/{code}" not in done.content.decode()
    assert done["Referrer-Policy"] == "same-origin" and "no-store" in done["Cache-Control"]


def test_the_grid_and_category_are_suggested_from_the_address_and_the_description(world):
    from zongheng.demands import suggest

    community = world.tree.communities[1]
    grids = list(Org.objects.get_children(community))
    Org.objects.filter(pk=grids[1].pk).update(closed_on=dt.date(2000, 1, 1))
    assert suggest.suggest_grid(f"{community.name}8号楼") == grids[0]
    assert suggest.suggest_grid("月球背面") is None
    Org.objects.filter(pk=world.tree.grids[4].pk).update(address="长江路 88 号")
    assert suggest.suggest_grid("长江路 88 号 2 单元") == world.tree.grids[4]
    assert suggest.suggest_category("工地夜间施工噪音太大，睡不着").code == "noise"
    assert suggest.suggest_category("小区 3 栋门口的路灯坏了，晚上很黑，老人出门不方便").code == "municipal"
    assert suggest.suggest_category("楼道里垃圾堆了好几天").code == "sanitation"
    assert suggest.suggest_category("你好") is None


@pytest.mark.parametrize(("case", "message"), [
    ("no_description", "请说说遇到了什么问题"),
    ("bad_phone", "手机号码格式不正确"),
    ("text_named_jpg", "不是 JPG 或 PNG 格式的照片"),
    ("six_megabytes", "超过 5 MB"),
    ("forged_grid", "请从列表中选择网格"),
    ("not_a_grid", "请从列表中选择网格"),
    ("four_photos", "最多上传 3 张照片"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(client, world, case, message):
    kw: dict = {}
    if case == "no_description":
        kw["description"] = ""
    elif case == "bad_phone":
        kw["phone"] = "12345"
    elif case == "text_named_jpg":
        kw["photos"] = SimpleUploadedFile("lamp.jpg", b"<?php echo 'hi'; ?>" * 10, content_type="image/jpeg")
    elif case == "six_megabytes":
        big = jpeg_with_gps() + b"\0" * (6 * 1024 * 1024)
        kw["photos"] = SimpleUploadedFile("big.jpg", big, content_type="image/jpeg")
    elif case == "forged_grid":
        kw["grid"] = Org.objects.order_by("-pk").first().pk + 999
    elif case == "not_a_grid":
        kw["grid"] = world.tree.communities[0].pk
    elif case == "four_photos":
        kw["photos"] = [SimpleUploadedFile(f"p{n}.png", png_bytes(), content_type="image/png") for n in range(4)]
    response = send(client, world, **kw)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Demand.objects.exists() and not DemandPhoto.objects.exists() and not ClientHit.objects.exists()


def test_photos_are_stored_re_encoded_without_exif_or_gps(client, world):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the phone's photo does carry EXIF
    response = send(client, world, photos=[
        SimpleUploadedFile("IMG_0001.JPG", original, content_type="image/jpeg"),
        SimpleUploadedFile("shot.png", png_bytes(), content_type="application/octet-stream"),
    ])
    assert response.status_code == 200
    demand = actions.follower_by_code(code_of(response)).demand
    stored = list(demand.photos.order_by("pk"))
    assert len(stored) == 2
    with stored[0].image.open("rb") as f:
        img = Image.open(io.BytesIO(f.read()))
        assert img.format == "JPEG" and not img.getexif() and "exif" not in img.info
        assert img.size == (64, 48)
    assert stored[1].image.name.endswith(".png") and "IMG_0001" not in stored[0].image.name
    assert AuditLog.objects.filter(action="demand.photos", object_id=str(demand.pk)).exists()


def test_a_client_may_submit_a_few_times_an_hour_then_gets_a_friendly_message(client, world):
    for _ in range(limit()):
        assert send(client, world).status_code == 200
    refused = send(client, world)
    assert refused.status_code == 400 and "请过一会儿再试" in refused.content.decode()
    assert Demand.objects.count() == limit()
    assert send(client, world, REMOTE_ADDR="10.9.8.7").status_code == 200  # another client is not held back
    ClientHit.objects.update(at=timezone.now() - dt.timedelta(hours=2))
    assert send(client, world).status_code == 200  # an hour later


def test_the_rate_limit_is_counted_from_stored_rows_that_keep_no_address(world):
    for n in range(limit()):
        response = Client(REMOTE_ADDR="10.0.0.1").post(NEW, fields(world, description=f"路灯坏了 {n} 号"))
        assert response.status_code == 200
    assert ClientHit.objects.count() == limit()
    assert Client(REMOTE_ADDR="10.0.0.1").post(NEW, fields(world)).status_code == 400  # a fresh client object
    assert not ClientHit.objects.filter(client__contains="10.0.0.1").exists()  # the address itself is not stored


def test_similar_open_demands_are_offered_and_joining_one_gives_a_new_code_for_the_same_demand(client, world):
    earlier, first_code = world.submit(category="municipal", phone="13811112222",
                                       description="3 栋门口路灯不亮，联系我 13811112222 张三")
    other_grid, _ = world.submit(world.tree.grids[1], category="municipal", description="另一个网格的路灯坏了")
    page = client.post(NEW, {"step": "where", "description": LAMP, "address": "幸福小区",
                             "grid": world.tree.grids[0].pk, "category": Category.objects.get(code="municipal").pk})
    html = page.content.decode()
    assert "附近已有类似的问题" in html and earlier.ref in html and other_grid.ref not in html
    assert "13811112222" not in html and "138****2222" in html  # a phone typed into the text is masked
    join = client.post(NEW, {**fields(world), "step": "contact", "follow": earlier.ref})
    assert "加入并获取查询码" in join.content.decode()
    done = send(client, world, follow=earlier.ref, phone="13900001111")
    assert done.status_code == 200
    code = code_of(done)
    assert code != first_code and actions.follower_by_code(code).demand == earlier
    assert Demand.objects.count() == 2  # nothing new was created
    assert ClientHit.objects.count() == 1


def test_joining_a_demand_that_was_not_offered_is_refused(client, world):
    elsewhere, _ = world.submit(world.tree.grids[5], category="municipal", description="路灯坏了")
    response = send(client, world, follow=elsewhere.ref)
    assert response.status_code == 400 and "不能再加入" in response.content.decode()
    assert elsewhere.followers.count() == 1


def _answered(world, phone="13812345678"):
    demand, code = world.submit(category="municipal", phone=phone, description=LAMP)
    actions.do_accept(world.grid_leader, demand)
    actions.do_start(world.grid_leader, demand, note="内部备注：联系电工老王")
    actions.do_answer(world.grid_leader, demand, "路灯已于今天下午修好，感谢反映。")
    return Demand.objects.get(pk=demand.pk), code


def test_the_tracking_page_shows_status_timeline_and_answer_but_no_phone_or_staff_names(client, world):
    demand, code = _answered(world)
    response = client.post(TRACK, {"code": code})
    html = response.content.decode()
    assert response.status_code == 200
    assert demand.ref in html and "已经答复，请您评价" in html and "路灯已于今天下午修好" in html
    assert f"{world.tree.grids[0].name}接单" in html and "诉求已受理" in html
    assert "内部备注" not in html  # a staff working note stays inside
    assert world.grid_leader.display_name() not in html
    assert "13812345678" not in html and "138****5678" not in html
    assert '<meta name="referrer" content="same-origin">' in html
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    by_link = client.get(reverse("demands:track_code", kwargs={"code": code}))  # an old saved link
    assert by_link.status_code == 200 and demand.ref not in by_link.content.decode()  # the form, no lookup


def test_one_tap_on_five_stars_closes_the_demand(client, world):
    demand, code = _answered(world)
    response = client.post(reverse("demands:rate"), {"code": code, "rating": "5", "comment": "很及时"})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.rating == 5 and demand.rating_comment == "很及时"
    assert "已办结" in response.content.decode()
    again = client.post(reverse("demands:rate"), {"code": code, "rating": "1"})
    assert again.status_code == 400 and Demand.objects.get(pk=demand.pk).rating == 5


def test_a_resident_can_ask_to_redo_within_the_window_but_not_after(client, world):
    demand, code = _answered(world)
    page = client.post(TRACK, {"code": code}).content.decode()
    assert "不满意，要求重新办理" in page
    empty = client.post(reverse("demands:reopen"), {"code": code, "reason": ""})
    assert empty.status_code == 400 and "请说明哪里不满意" in empty.content.decode()
    response = client.post(reverse("demands:reopen"), {"code": code, "reason": "路灯晚上还是不亮"})
    assert response.status_code == 200 and "已要求重新办理" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.ASSIGNED and demand.reopens == 1
    assert "路灯晚上还是不亮" in response.content.decode()  # the resident's own reason is in the timeline

    late, late_code = _answered(world)
    Demand.objects.filter(pk=late.pk).update(answered_at=timezone.now() - dt.timedelta(days=30))
    page = client.post(TRACK, {"code": late_code}).content.decode()
    assert "不满意，要求重新办理" not in page
    refused = client.post(reverse("demands:reopen"), {"code": late_code, "reason": "还是不行"})
    assert refused.status_code == 400 and "不能再要求重办" in refused.content.decode()
    assert Demand.objects.get(pk=late.pk).status == Status.ANSWERED


def test_a_wrong_code_reveals_nothing_and_is_not_written_to_the_log(client, world, caplog):
    demand, code = _answered(world)
    wrong = code[:-2] + ("AA" if code[-2:] != "AA" else "BB")
    for response in (client.post(TRACK, {"code": wrong}),
                     client.post(reverse("demands:rate"), {"code": wrong, "rating": "5"}),
                     client.post(reverse("demands:reopen"), {"code": wrong, "reason": "x"})):
        html = response.content.decode()
        assert response.status_code == 404 and "查询码不正确" in html
        assert demand.ref not in html and "路灯" not in html
    assert Demand.objects.get(pk=demand.pk).status == Status.ANSWERED
    assert wrong not in caplog.text


def test_the_tracking_page_costs_the_same_queries_however_long_the_history(client, world):
    short, short_code = world.submit()
    long, long_code = _answered(world)
    actions.do_reopen(long_code, "还是不亮")
    actions.do_accept(world.grid_leader, long)
    actions.do_answer(world.grid_leader, long, "已更换灯泡")

    def count(code):
        with CaptureQueriesContext(connection) as ctx:
            assert client.post(TRACK, {"code": code}).status_code == 200
        return len(ctx.captured_queries)

    assert long.events.count() > short.events.count() + 4
    assert count(short_code) == count(long_code)


def test_every_resident_form_needs_the_csrf_token(world):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(NEW, fields(world)).status_code == 403
    assert not Demand.objects.exists()
    demand, code = world.submit()
    assert strict.post(TRACK, {"code": code}).status_code == 403
    assert strict.post(reverse("demands:rate"), {"code": code, "rating": "5"}).status_code == 403
    assert Demand.objects.get(pk=demand.pk).rating is None


def test_the_submitted_demand_uses_the_now_of_the_request(client, world):
    # Deadlines are stored from the time of submission (working-time rules), not computed on display.
    demand, _ = world.submit(now=MONDAY)
    assert demand.first_response_due_at == demand.response_due_at > MONDAY
