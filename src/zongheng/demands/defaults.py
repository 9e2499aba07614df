"""Default categories and deadlines, in the spirit of Beijing's 接诉即办.

urgent: answer within 2 hours (natural time); utilities (市政设施): 24 hours; ordinary: 7
working days; complex: 15 working days. A working day is 9 hours (08:30–17:30).
"""

from __future__ import annotations

from typing import Any

H = 60  # minutes in an hour
WD = 9 * H  # minutes in a working day

# (code, name, keywords)
CATEGORIES = [
    ("sanitation", "环境卫生", "垃圾 卫生 清扫 保洁 污水 臭 脏 蚊蝇 化粪池 绿化"),
    ("property", "物业管理", "物业 电梯 门禁 小区 业委会 物业费 保安 楼道"),
    ("municipal", "市政设施", "路灯 井盖 道路 坑 停水 停电 水管 燃气 下水道 自来水 暖气 积水"),
    ("neighbour", "邻里纠纷", "邻居 纠纷 吵架 漏水 占用 矛盾 楼上 楼下"),
    ("elderly", "养老服务", "老人 养老 独居 助餐 孤寡 高龄 失能 护理"),
    ("parking", "停车", "停车 车位 乱停 占道 电动车 充电"),
    ("noise", "噪音", "噪音 吵 施工 广场舞 音响 夜间"),
    ("safety", "安全隐患", "隐患 安全 消防 火 电线 私拉 危房 坠落 倒塌"),
    ("employment", "就业", "就业 工作 招聘 培训 失业 社保"),
    ("other", "其他", ""),
]

# urgency: (clock, response minutes, resolution minutes)
RULES = {
    "urgent": ("natural", 2 * H, 24 * H),
    "normal": ("working", 4 * H, 7 * WD),
    "complex": ("working", 1 * WD, 15 * WD),
}
# Utilities answer within 24 hours even when not urgent.
OVERRIDES = {("municipal", "normal"): ("natural", 2 * H, 24 * H)}


def rule_rows() -> list[tuple[str, str, str, int, int]]:
    rows = []
    for code, _name, _kw in CATEGORIES:
        for urgency, (clock, response, resolution) in RULES.items():
            clock, response, resolution = OVERRIDES.get((code, urgency), (clock, response, resolution))
            rows.append((code, urgency, clock, response, resolution))
    return rows


def install(category_model: Any, rule_model: Any, calendar_model: Any) -> None:
    """Creates the default categories, rules and calendar where missing (idempotent).

    Takes the model classes so that the data migration can pass its historical models.
    """
    from .calendar_data import calendar_rows

    for order, (code, name, keywords) in enumerate(CATEGORIES):
        category_model.objects.get_or_create(code=code, defaults={"name": name, "keywords": keywords, "order": order})
    categories = {c.code: c for c in category_model.objects.all()}
    for code, urgency, clock, response, resolution in rule_rows():
        rule_model.objects.get_or_create(
            category=categories[code], urgency=urgency,
            defaults={"clock": clock, "response_minutes": response, "resolution_minutes": resolution},
        )
    for day, is_workday, note in calendar_rows():
        calendar_model.objects.get_or_create(date=day, defaults={"is_workday": is_workday, "note": note})


def ensure_installed() -> None:
    """The defaults with the current models (tests whose database was flushed call this)."""
    from .models import CalendarDay, Category, DeadlineRule

    if not Category.objects.exists():
        install(Category, DeadlineRule, CalendarDay)
