"""The 八带头 items and the points rule sets a deployment starts with (shipped by the data migration 0002).

A deployment edits them (``members:rules``, right ``member.configure`` at the root); the figures here are a
starting point, not typed totals: every point is still earned by a confirmed deed.
"""

from __future__ import annotations

from typing import Any

ITEMS = [
    ("study", "带头学习提高", 10),
    ("service", "带头服务群众", 20),
    ("volunteer", "带头志愿服务", 30),
    ("duty", "带头急难险重", 40),
    ("civilized", "带头文明创建", 50),
    ("harmony", "带头化解矛盾", 60),
    ("law", "带头遵纪守法", 70),
    ("governance", "带头参与治理", 80),
]

# deed → (item, points, cap, cap period), per rule set
_BASE = {
    "activity": ("volunteer", 2, 20, "quarter"),
    "duty": ("duty", 5, 60, "year"),
    "demand": ("service", 3, 30, "quarter"),
    "visit": ("harmony", 1, 10, "month"),
    "claim": ("governance", 2, 12, "quarter"),
}
RULE_SETS: list[tuple[str, str, str, dict[str, tuple[str, int, int, str]]]] = [
    ("registered", "双联双管（在职到社区报到）党员积分办法",
     "到居住地社区报到的在职党员：参加社区活动、认领值守和走访联系户计分",
     {**_BASE, "activity": ("volunteer", 3, 24, "quarter")}),
    ("employed", "在职党员积分办法", "在职党员：以服务群众、急难险重任务为重点", _BASE),
    ("retired", "离退休党员积分办法", "离退休党员：以志愿服务、化解矛盾为重点，量力而行",
     {**_BASE, "activity": ("volunteer", 2, 30, "quarter"), "visit": ("harmony", 1, 15, "month"),
      "duty": ("duty", 3, 30, "year")}),
    ("mobile", "流动党员积分办法", "流动党员：在流入地参加活动和值守同样计分", _BASE),
    ("other", "其他党员积分办法", "学生党员、无固定职业党员等", _BASE),
]


def install(PointItem: Any, RuleSet: Any, PointRule: Any) -> None:
    items = {}
    for code, name, order in ITEMS:
        items[code], _ = PointItem.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for member_type, name, note, rules in RULE_SETS:
        rule_set, created = RuleSet.objects.get_or_create(member_type=member_type,
                                                          defaults={"name": name, "note": note})
        if created:
            PointRule.objects.bulk_create([
                PointRule(rule_set=rule_set, deed=deed, item=items[item], points=points, cap=cap, cap_period=period)
                for deed, (item, points, cap, period) in rules.items()])


def ensure_installed() -> None:
    """The default items and rule sets (a transactional test's flush removes the migration's rows)."""
    from .models import PointItem, PointRule, RuleSet

    install(PointItem, RuleSet, PointRule)
