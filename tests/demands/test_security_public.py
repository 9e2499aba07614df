"""Issue 12, residents' side: a stranger who joins a demand cannot decide it; the similar step shows
only what recognises the problem; tracking codes are stored hashed and kept out of every log line
(and api_key too); web and Open311 share one anonymous bucket; wrong codes are rate limited;
notices go only to people who may open the demand; public endpoints answer 4xx for bad input."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import user_with_post
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.demands import actions, sms
from zongheng.demands.choices import Status
from zongheng.demands.logredact import redact
from zongheng.demands.models import Category, Demand, DemandFollower, Notification, hash_code

NEW = reverse("demands:submit")
TRACK = reverse("demands:track")
RATE = reverse("demands:rate")
REOPEN = reverse("demands:reopen")
LAMP = "小区 3 栋门口的路灯坏了，晚上很黑"


def code_of(response) -> str:
    return re.search(r'id="tracking-code"[^>]*>([^<]+)<', response.content.decode()).group(1)


def fields(world, **kw):
    data = {"step": "send", "description": LAMP, "address": "幸福小区 3 栋", "grid": world.tree.grids[0].pk,
            "category": Category.objects.get(code="municipal").pk, "phone": "", "contact_name": ""}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def _original(world, *, phone="13812345678"):
    """The resident's own demand, with a name, a phone, an address and a photo."""
    demand, code = world.submit(category="municipal", phone=phone, description=LAMP)
    Demand.objects.filter(pk=demand.pk).update(contact_name="王秀英", address="幸福小区 3 栋 2 单元 301 室")
    return Demand.objects.get(pk=demand.pk), code


def _stranger_joins(world, demand, remote="10.9.9.9") -> str:
    """A stranger, from another address, joins the demand through the public form's similar step."""
    stranger = Client(REMOTE_ADDR=remote)
    page = stranger.post(NEW, fields(world, step="where"))
    assert demand.ref in page.content.decode()  # offered on the similar step
    done = stranger.post(NEW, fields(world, follow=demand.ref))
    assert done.status_code == 200
    return code_of(done)


def _answer(world, demand):
    actions.do_accept(world.grid_leader, demand)
    actions.do_answer(world.grid_leader, demand, "路灯已于今天下午修好，感谢反映。")


# ---------------------------------------------------------------- item 3: the stranger's rating


def test_a_stranger_who_joined_rates_five_stars_and_the_demand_stays_open_for_its_resident(client, world):
    demand, code = _original(world)
    stranger_code = _stranger_joins(world, demand)
    _answer(world, demand)
    page = client.post(RATE, {"code": stranger_code, "rating": "5", "comment": "好"})
    assert page.status_code == 200 and "最初反映这个问题的居民决定" in page.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.ANSWERED and demand.rating is None and demand.closed_at is None
    joiner = actions.follower_by_code(stranger_code)
    assert joiner.rating == 5 and not joiner.is_submitter()  # kept apart, not counted
    # The stranger cannot ask to redo it either.
    refused = client.post(REOPEN, {"code": stranger_code, "reason": "不满意"})
    assert refused.status_code == 400 and "最初反映" in refused.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Status.ANSWERED

    # The resident still decides: asks to redo it, then rates the second answer.
    own = client.post(TRACK, {"code": code}).content.decode()
    assert "不满意，要求重新办理" in own and "请您评价" in own
    assert client.post(REOPEN, {"code": code, "reason": "还是不亮"}).status_code == 200
    assert Demand.objects.get(pk=demand.pk).status == Status.ASSIGNED
    _answer(world, demand)
    assert client.post(RATE, {"code": code, "rating": "4"}).status_code == 200
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.rating == 4


def test_the_follower_page_offers_no_redo_and_the_figures_count_only_the_residents_rating(client, world):
    from zongheng.demands import figures  # noqa: F401 - the figures read Demand.rating only

    demand, code = _original(world)
    stranger_code = _stranger_joins(world, demand)
    _answer(world, demand)
    page = client.post(TRACK, {"code": stranger_code}).content.decode()
    assert "不满意，要求重新办理" not in page and "请您评价" in page and "等待最初反映的居民评价" in page
    actions.do_rate(stranger_code, 1)
    actions.do_rate(code, 5)
    demand.refresh_from_db()
    assert demand.rating == 5 and demand.status == Status.CLOSED
    assert list(Demand.objects.filter(rating__isnull=False).values_list("rating", flat=True)) == [5]


def test_the_similar_step_shows_only_what_recognises_the_problem(client, world):
    demand, _ = world.submit(category="municipal", phone="13812345678",
                             description="路灯坏了，我是王秀英，身份证 340102199001011234，电话 13811112222，"
                                         "请尽快修理，晚上孩子放学回家路过那里很不安全，谢谢")
    Demand.objects.filter(pk=demand.pk).update(contact_name="王秀英", address="幸福小区 3 栋 2 单元 301 室")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG")
    demand.photos.create(image=SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg"))
    actions.do_accept(world.grid_leader, demand)
    actions.do_start(world.grid_leader, demand, note="内部备注：联系电工")
    html = client.post(NEW, fields(world, step="where")).content.decode()
    assert "附近已有类似的问题" in html and demand.ref in html
    assert "市政" in html or Category.objects.get(code="municipal").name in html
    assert world.tree.grids[0].name in html and "年" in html  # grid and date
    for secret in ("340102199001011234", "13811112222", "13812345678", "138****5678", "301 室",
                   "内部备注", "孩子放学", "/photos/", ".jpg"):
        assert secret not in html, secret


# ---------------------------------------------------------------- codes hashed, out of logs


def test_tracking_codes_are_stored_only_as_hashes_and_found_by_them(client, world):
    demand, code = _original(world)
    stranger_code = _stranger_joins(world, demand)
    for c in (code, stranger_code):
        row = DemandFollower.objects.get(code_hash=hash_code(c))
        assert row.code_prefix == c.replace("-", "")[:4] and c not in str(list(DemandFollower.objects.values()))
    assert demand.code_hash == hash_code(code) and code not in str(list(Demand.objects.values()))
    assert client.post(TRACK, {"code": code}).status_code == 200
    assert client.post(TRACK, {"code": hash_code(code)}).status_code == 404  # the hash is no code


def test_no_audit_row_holds_any_part_of_a_code(world, client):
    demand, code = _original(world)
    stranger_code = _stranger_joins(world, demand)
    _answer(world, demand)
    actions.do_rate(stranger_code, 5)
    actions.do_rate(code, 2)
    rows = str(list(AuditLog.objects.values()))
    assert "demand.receive" in rows
    for c in (code, stranger_code):
        assert c[:6] not in rows and c[-6:] not in rows


def test_the_done_page_posts_the_code_and_old_links_do_not_look_it_up(client, world):
    done = client.post(NEW, fields(world))
    code = code_of(done)
    html = done.content.decode()
    assert re.search(rf'<form method="post" action="{TRACK}"', html)
    assert not re.search(rf'href="[^"]*{re.escape(code)}', html) and f"/{code}" not in html
    old = client.get(reverse("demands:track_code", kwargs={"code": code}))
    assert old.status_code == 200 and "查询码不再放在网址里" in old.content.decode()
    assert Demand.objects.get().ref not in old.content.decode()


def test_codes_and_api_keys_are_masked_in_request_and_sms_logs(caplog, world):
    code = "Ab3_dEf-GhIjKlMnOpQrSt"
    key = "zh_" + "k" * 43
    with caplog.at_level(logging.INFO):
        logging.getLogger("django.server").info('"%s" %s %s', f"GET /demands/track/{code}/ HTTP/1.1", 200, 10)
        logging.getLogger("django.server").info('"%s" %s %s',
                                                f"GET /open311/v2/requests.json?api_key={key}&x=1 HTTP/1.1", 200, 9)
        logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s', {
            "h": "1.2.3.4", "r": f"GET /open311/v2/requests.json?status=open&api_key={key} HTTP/1.1", "s": "200"})
        logging.getLogger("django.request").warning("Not Found: %s", f"/demands/track/{code}/")
        sms.log_backend("13812345678", f"【纵横】您的诉求 MX20180000001 已受理，查询码：{code}，请妥善保存。")
    assert code not in caplog.text and key not in caplog.text and "13812345678" not in caplog.text
    assert "api_key=***" in caplog.text and "/demands/track/***/" in caplog.text and "MX20180000001" in caplog.text
    assert redact("GET /open311/v2/requests.json?service_code=noise HTTP/1.1").endswith("service_code=noise HTTP/1.1")


def test_the_data_migration_hashes_existing_codes(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate([("demands", "0003_client_hit")])
    old = executor.loader.project_state([("demands", "0003_client_hit")]).apps
    from tests.factories import build_tree

    tree = build_tree()
    category = old.get_model("demands", "Category").objects.create(code="x", name="测试")
    grid = old.get_model("orgs", "Org").objects.get(pk=tree.grids[0].pk)
    from django.utils import timezone

    now = timezone.now()
    d = old.get_model("demands", "Demand").objects.create(
        ref="MX1", code="old-clear-code-123456", channel="web", category=category, description="x", address="y",
        grid=grid, grid_path=grid.path, org=grid, org_path=grid.path, received_at=now,
        first_response_due_at=now, response_due_at=now, resolution_due_at=now)
    old.get_model("demands", "DemandFollower").objects.create(demand=d, code="old-clear-code-123456")
    old.get_model("demands", "DemandFollower").objects.create(demand=d, code="joiner-code-abcdefgh")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    demand = Demand.objects.get(ref="MX1")
    assert demand.code_hash == hash_code("old-clear-code-123456") and demand.code_prefix == "old-cl"
    assert actions.follower_by_code("old-clear-code-123456").is_submitter()
    assert not actions.follower_by_code("joiner-code-abcdefgh").is_submitter()


# ---------------------------------------------------------------- one bucket, lookup limit


def test_web_form_and_open311_count_in_one_bucket_per_client(world, settings):
    settings.DEMAND_PUBLIC_PER_HOUR = 3
    c = Client(REMOTE_ADDR="10.1.1.1")
    o311 = {"service_code": "noise", "description": "噪音扰民", "address_string": "y",
            "attribute[grid]": str(world.tree.grids[0].pk)}
    assert c.post(reverse("open311:requests", kwargs={"fmt": "json"}), o311).status_code == 201
    assert c.post(reverse("open311:requests", kwargs={"fmt": "json"}), o311).status_code == 201
    assert c.post(NEW, fields(world)).status_code == 200
    web = c.post(NEW, fields(world))
    assert web.status_code == 400 and "一小时内已经提交了 3 次" in web.content.decode()
    refused = c.post(reverse("open311:requests", kwargs={"fmt": "json"}), o311)
    assert refused.status_code == 400 and "一小时内" in refused.json()[0]["description"]
    assert Demand.objects.count() == 3
    # Another client is not affected.
    assert Client(REMOTE_ADDR="10.1.1.2").post(NEW, fields(world)).status_code == 200


def test_behind_a_proxy_residents_are_counted_and_audited_by_the_address_the_proxy_passes(world, settings):
    """All residents reach the app from the proxy's address: with ``CLIENT_IP_HEADER`` each is counted by
    the address in the proxy's header (one resident's limit leaves the next one free), and the audit row
    of the submission records that address, not the proxy's."""
    settings.DEMAND_PUBLIC_PER_HOUR = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = Client(**proxy, HTTP_X_REAL_IP="203.0.113.7").post(NEW, fields(world))
    assert first.status_code == 200
    again = Client(**proxy, HTTP_X_REAL_IP="203.0.113.7").post(NEW, fields(world))
    assert again.status_code == 400 and "一小时内已经提交了 1 次" in again.content.decode()
    assert Client(**proxy, HTTP_X_REAL_IP="203.0.113.8, 10.0.0.1").post(NEW, fields(world)).status_code == 200
    # A header that holds no address (a proxy passing on what the client sent) counts as the peer's address.
    assert Client(**proxy, HTTP_X_REAL_IP="<script>, 1.2.3.4").post(NEW, fields(world)).status_code == 200
    received = AuditLog.objects.filter(action="demand.receive").order_by("pk")
    assert [log.ip for log in received] == ["203.0.113.7", "203.0.113.8", "10.0.0.1"]
    # Without the setting the proxy's address is every resident's: already used up by the one above.
    settings.CLIENT_IP_HEADER = ""
    refused = Client(**proxy, HTTP_X_REAL_IP="203.0.113.9").post(NEW, fields(world))
    assert refused.status_code == 400 and "一小时内已经提交了 1 次" in refused.content.decode()


def test_wrong_codes_are_limited_per_client_with_a_chinese_429(world, settings):
    settings.DEMAND_TRACK_FAILS_PER_HOUR = 5
    demand, code = _original(world)
    guesser = Client(REMOTE_ADDR="10.6.6.6")
    statuses = [guesser.post(TRACK, {"code": f"guess-{i:02d}-aaaaaaaaaaaaaa"}).status_code for i in range(5)]
    assert statuses == [404] * 5
    blocked = guesser.post(TRACK, {"code": code})  # even the right code, for the rest of the hour
    assert blocked.status_code == 429 and "一小时内输错查询码已超过 5 次" in blocked.content.decode()
    assert demand.ref not in blocked.content.decode()
    assert guesser.post(RATE, {"code": code, "rating": "5"}).status_code == 429
    assert Demand.objects.get(pk=demand.pk).status != Status.CLOSED
    assert Client(REMOTE_ADDR="10.6.6.7").post(TRACK, {"code": code}).status_code == 200


# ---------------------------------------------------------------- notices only to who may open the demand


def test_an_auditor_at_the_grid_receives_no_demand_notice_and_sees_none(client, world,
                                                                       django_capture_on_commit_callbacks):
    auditor = user_with_post(world.tree.grids[0], Role.AUDITOR, "gridauditor")
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = world.submit(description="楼道里有人摆摊，住户王秀英的电话 13811112222")
    assert Notification.objects.filter(user=world.grid_leader, demand=demand).exists()
    assert not Notification.objects.filter(user=auditor).exists()
    # A notice left from before (or a demand that left the user's scope) is not listed nor counted.
    Notification.objects.create(user=auditor, demand=demand, text=f"新诉求 {demand.ref}：楼道里有人摆摊")
    client.force_login(auditor)
    page = client.get(reverse("demands:notifications"))
    assert page.status_code in (200, 403)
    assert "楼道里有人摆摊" not in page.content.decode()
    from zongheng.core.nav import badges
    from zongheng.demands.selectors import notifications_for

    badge = next(b for b in badges() if b.url_name == "demands:notifications")
    assert badge.count(auditor) == 0 and badge.count(world.grid_leader) == 1

    assert not notifications_for(auditor).exists()
    assert notifications_for(world.grid_leader).filter(demand=demand).exists()


# ---------------------------------------------------------------- item 5: examples that raised 500


@pytest.mark.parametrize("params,words", [
    ({"start_date": "2018-13-45T00:00:00+08:00"}, "start_date"),
    ({"end_date": "2018-02-30T00:00:00+08:00"}, "end_date"),
    ({"start_date": "9999-12-31T23:59:59-23:59"}, "start_date"),
    ({"start_date": "0001-01-01T00:00:00+23:59"}, "start_date"),
    ({"end_date": "2018-02-28T25:61:00"}, "end_date"),
    ({"service_request_id": "MX1\x00"}, "空字符"),
])
def test_open311_get_answers_400_in_chinese_for_malformed_input(client, world, params, words):
    for fmt in ("json", "xml"):
        response = client.get(reverse("open311:requests", kwargs={"fmt": fmt}), params)
        assert response.status_code == 400, (params, response.content)
    response = client.get(reverse("open311:requests", kwargs={"fmt": "json"}), params)
    error = response.json()[0]
    assert error["code"] == 400 and words in error["description"]
    assert re.search(r"[\u4e00-\u9fff]", error["description"])


@pytest.mark.parametrize("lat,long", [
    ("NaN", "117"), ("nan", "117"), ("sNaN", "117"), ("inf", "117"), ("-Infinity", "117"), ("1e999", "117"),
    ("31", "181"), ("31", "-1e-999999999999"), ("91", "117"), ("31", "0x10"), ("３１", "117"),
])
def test_open311_post_refuses_impossible_coordinates(client, world, lat, long):
    response = client.post(reverse("open311:requests", kwargs={"fmt": "json"}), {
        "service_code": "noise", "description": "噪音", "lat": lat, "long": long,
        "attribute[grid]": str(world.tree.grids[0].pk)})
    assert 400 <= response.status_code < 500 or response.status_code == 201, response.content
    if response.status_code != 201:
        assert re.search(r"[\u4e00-\u9fff]", response.json()[0]["description"])


@pytest.mark.parametrize("extra", [
    {"attribute[grid]": "²"}, {"attribute[grid]": "99999999999999999999999"}, {"service_code": "noise\x00"},
    {"description": "噪音\x00"}, {"phone": "1" * 500}, {"attribute[urgency]": "\x00"},
])
def test_open311_post_refuses_odd_fields_with_a_4xx(client, world, extra):
    data = {"service_code": "noise", "description": "噪音", "address_string": "y",
            "attribute[grid]": str(world.tree.grids[0].pk), **extra}
    response = client.post(reverse("open311:requests", kwargs={"fmt": "json"}), data)
    assert 400 <= response.status_code < 500, response.content
    assert re.search(r"[\u4e00-\u9fff]", response.json()[0]["description"])
    assert not Demand.objects.exists()


@pytest.mark.parametrize("data", [
    {"step": "where", "grid": "99999999999999999999999", "category": "1"},
    {"step": "where", "category": "99999999999999999999999"},
    {"step": "send", "description": "路灯坏了\x00"},
    {"step": "contact", "follow": "\x00"},
    {"step": "send", "follow": "MX" + "9" * 5000},
])
def test_public_form_steps_answer_400_for_odd_values(client, world, data):
    response = client.post(NEW, {**fields(world), **data})
    assert response.status_code in (200, 400), response.status_code
    # (compared in Python: PostgreSQL refuses a NUL even inside a query's parameter)
    assert not any("\x00" in text for text in Demand.objects.values_list("description", flat=True))


def test_non_utf8_bodies_and_queries_get_no_500(client, world):
    bad = b"description=\xff\xfe\xfa&address=\xc3\x28&step=what"
    assert client.post(NEW, bad, content_type="application/x-www-form-urlencoded").status_code in (200, 400)
    assert client.post(TRACK, b"code=\xff\xfe", content_type="application/x-www-form-urlencoded").status_code < 500
    assert client.get(reverse("open311:requests", kwargs={"fmt": "json"}) + "?start_date=%ff%fe").status_code == 400
    assert client.post(reverse("open311:requests", kwargs={"fmt": "xml"}), b"service_code=%ff%00",
                       content_type="application/x-www-form-urlencoded").status_code == 400


def test_staff_find_a_demand_by_the_first_characters_of_a_code_the_resident_reads_out(world):
    from zongheng.demands import selectors

    demand, code = _original(world)
    other, _ = world.submit(description="另一件事：井盖松动")
    joiner = actions.do_follow_demand(demand)
    for typed in (code[:6], code, joiner[:8]):
        found = list(selectors.queue(world.community_secretary, {"q": typed}))
        assert demand in found and other not in found, typed
    assert list(selectors.queue(world.other_community_secretary, {"q": code[:6]})) == []  # scope still holds
    assert list(selectors.queue(world.community_secretary, {"grid": "²", "category": "²"}))  # ignored, no 500
