"""People are listed by the pinyin of their names, as a clerk looks for them (issue 13, item 11)."""

from django.urls import reverse

from tests.factories import make_person, user_with_post
from zongheng.core.permissions import Role
from zongheng.orgs.models import Person

NAMES = ["张三", "安娜", "王五", "李四", "赵六", "陈七"]  # code point order: 安 张 李 王 赵 陈
PINYIN = ["安娜", "陈七", "李四", "王五", "张三", "赵六"]


def test_people_come_in_pinyin_order_in_the_database_and_on_the_list_page(client, tree):
    grid = tree.grids[0]
    for name in NAMES:
        make_person(grid, name)
    assert list(Person.objects.filter(org=grid).values_list("name", flat=True)) == PINYIN
    client.force_login(user_with_post(grid, Role.GRID_LEADER))
    body = client.get(reverse("orgs:people")).content.decode()
    positions = [body.index(name) for name in PINYIN]
    assert positions == sorted(positions)
