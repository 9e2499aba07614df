"""The handler's side of issue 13, item 11: an over-long answer keeps the typed text and says the limit
in plain words; the holder of a demand may call the resident back through an audited reveal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.demands import actions
from zongheng.demands.models import Demand


def _act(client, demand, action, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-version"] = Demand.objects.get(pk=demand.pk).version
    return client.post(reverse("demands:act", args=[demand.pk, action]), data)


def test_an_over_long_answer_keeps_the_text_and_says_the_limit_in_plain_words(client, world):
    demand, _ = world.submit()
    actions.do_accept(world.grid_leader, demand)
    client.force_login(world.grid_leader)
    long = "已联系物业，" + "处理经过" * 1100  # 4406 characters
    response = _act(client, demand, "answer", answer=long)
    html = response.content.decode()
    assert response.status_code == 400
    assert long in html  # the typed text is still in the textarea
    assert "最多 4000 个字" in html and f"现在是 {len(long)} 个字" in html
    assert "确保" not in html and "variable" not in html
    assert Demand.objects.get(pk=demand.pk).answer == ""
    # The textarea has no maxlength (a browser would cut a pasted text silently); the limit is said instead.
    page = client.get(reverse("demands:detail", args=[demand.pk]), {"form": "answer"}).content.decode()
    assert 'name="answer-answer"' in page and "最多 4000 个字" in page
    assert not [t for t in page.split("<textarea")[1:] if "maxlength" in t.split(">")[0]]


def test_an_answer_refused_as_stale_keeps_the_text(client, world):
    demand, _ = world.submit()
    actions.do_accept(world.grid_leader, demand)
    client.force_login(world.grid_leader)
    data = {"answer-answer": "已清理完毕", "answer-version": Demand.objects.get(pk=demand.pk).version}
    actions.do_start(world.community_secretary, demand)  # someone else moves it meanwhile
    response = client.post(reverse("demands:act", args=[demand.pk, "answer"]), data)
    assert response.status_code == 400 and "已清理完毕" in response.content.decode()
    assert "刷新" in response.content.decode()


def test_the_holder_calls_the_resident_back_through_an_audited_reveal(client, world):
    demand, _ = world.submit(phone="13812345678")
    client.force_login(world.grid_leader)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page and "回访居民" in page
    response = client.post(reverse("demands:reveal_phone", args=[demand.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    row = AuditLog.objects.get(action="demand.reveal_phone")
    assert row.object_id == str(demand.pk) and "13812345678" not in str(row.__dict__)
    # Those above the holder may too.
    client.force_login(world.street_secretary)
    assert client.post(reverse("demands:reveal_phone", args=[demand.pk])).status_code == 200


def test_the_grid_it_left_and_strangers_may_not_reveal(client, world):
    demand, _ = world.submit(phone="13812345678")
    actions.do_escalate(world.grid_leader, demand, reason="需要社区协调")
    with pytest.raises(ActionError):
        actions.do_reveal_resident_phone(world.grid_leader, Demand.objects.get(pk=demand.pk))
    client.force_login(world.grid_leader)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "回访居民" not in page
    assert client.post(reverse("demands:reveal_phone", args=[demand.pk])).status_code == 403
    client.force_login(world.other_community_secretary)
    assert client.post(reverse("demands:reveal_phone", args=[demand.pk])).status_code == 404
    assert not AuditLog.objects.filter(action="demand.reveal_phone").exists()


def test_the_reveal_has_a_chinese_name_in_the_audit_log():
    from zongheng.core.audit_display import action_label

    assert action_label("demand.reveal_phone") == "查看居民完整电话（回访）"


def test_an_over_long_report_keeps_the_text_too(client, world):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    demand, _ = world.submit()
    unit = world.tree.communities[2]
    summons = actions.do_whistle(world.street_secretary, demand, [unit])[0]
    client.force_login(user_with_post(unit, Role.SECRETARY, "unitsec"))
    long = "到场处置" * 1001
    response = _act(client, demand, "report", report=long, summons=summons.pk)
    html = response.content.decode()
    assert response.status_code == 400 and long in html and "最多 4000 个字" in html
