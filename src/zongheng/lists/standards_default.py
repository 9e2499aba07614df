"""The district's default "1+9" standards framework (标准化建设), as data.

The migration ``0003_standards`` installs it (with the historical models); ``install`` is also what the demo
and the tests call on a database whose tables were flushed. A deployment edits the rows afterwards — the
code reads only the rows. Computed indicators name a ``core.indicators`` code; the rest are assessed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

NAME = "城市基层党建“1+9”标准化建设标准"

C, A = "computed", "assessed"

# (code, name, general, levels, unit_types, org_kinds, indicators: (code, name, max, method, source, guidance))
KINDS: list[tuple[str, str, bool, list[str], list[str], list[str], list[tuple[str, str, int, str, str, str]]]] = [
    ("general", "通用标准", True, [], [], [], [
        ("g01", "会议按期召开", 15, C, "meeting.on_time", ""),
        ("g02", "通知及时回执", 10, C, "notice.ack", ""),
        ("g03", "任务清单推进", 15, C, "list.task_progress", ""),
        ("g04", "组织设置规范", 10, A, "", "组织按期换届、班子配备齐全、制度上墙"),
        ("g05", "党员教育管理", 10, A, "", "三会一课记录完整、党员教育培训落实"),
    ]),
    ("street", "街道党工委", False, ["street", "township"], [], [], [
        ("s01", "大工委运行", 10, A, "", "大工委成员单位参与议事、认领项目落实"),
        ("s02", "诉求办结", 10, C, "demand.resolution", ""),
        ("s03", "群众满意", 10, C, "demand.satisfaction", ""),
        ("s04", "结对共建", 10, C, "cobuild.pairing_pace", ""),
    ]),
    ("community", "社区党组织", False, ["community", "village"], [], [], [
        ("c01", "诉求办结", 10, C, "demand.resolution", ""),
        ("c02", "群众满意", 10, C, "demand.satisfaction", ""),
        ("c03", "结对共建", 10, C, "cobuild.pairing_pace", ""),
        ("c04", "联系户走访", 10, C, "member.visit_coverage", ""),
        ("c05", "党群服务中心规范化", 10, A, "", "阵地面积达标、服务事项公开、全天候开放"),
    ]),
    ("grid", "网格党组织", False, ["grid"], [], [], [
        ("r01", "联系户走访", 15, C, "member.visit_coverage", ""),
        ("r02", "群众满意", 10, C, "demand.satisfaction", ""),
        ("r03", "网格党支部建设", 15, A, "", "网格党支部书记兼任网格长、挂牌亮相"),
    ]),
    ("household", "党员中心户", False, ["household"], [], [], [
        ("h01", "联系户走访", 20, C, "member.visit_coverage", ""),
        ("h02", "中心户亮身份", 20, A, "", "户主公开承诺、联系户知晓"),
    ]),
    ("agency", "机关党组织", False, ["unit"], ["agency", "institution"], [], [
        ("a01", "在职党员到社区报到", 20, A, "", "在职党员报到率、参加社区活动情况"),
        ("a02", "共驻共建履职", 20, A, "", "认领项目推进、参加大工委议事"),
    ]),
    ("state_enterprise", "国有企业党组织", False, ["unit"], ["state_enterprise"], [], [
        ("e01", "党建工作进章程", 20, A, "", "党组织研究讨论前置"),
        ("e02", "履行社会责任", 20, A, "", "结对帮扶、资源联享"),
    ]),
    ("private_enterprise", "非公企业党组织", False, ["unit"], ["private_enterprise"], [], [
        ("p01", "党的组织和工作覆盖", 20, A, "", "党组织应建尽建、党建指导员到位"),
        ("p02", "服务企业发展", 20, A, "", "党建带群建、助推生产经营"),
    ]),
    ("social", "社会组织党组织", False, ["unit"], ["social"], [], [
        ("o01", "党的组织和工作覆盖", 20, A, "", "党组织应建尽建、党建工作纳入章程"),
        ("o02", "参与社区治理", 20, A, "", "承接社区服务项目、志愿服务"),
    ]),
    ("building", "商务楼宇（商圈）党组织", False, [], [], ["functional"], [
        ("b01", "楼宇党建阵地", 20, A, "", "楼宇党群服务站点建设和开放"),
        ("b02", "楼宇党员活动", 20, A, "", "组织楼宇党员、白领开展活动"),
    ]),
]


def install(framework_model: Any, kind_model: Any, indicator_model: Any) -> Any:
    """Create the default framework unless one exists; returns the active framework."""
    existing = framework_model.objects.filter(active=True).order_by("id").first()
    if existing is not None:
        return existing
    framework = framework_model.objects.create(name=NAME, active=True)
    for order, (code, name, general, levels, unit_types, org_kinds, items) in enumerate(KINDS):
        kind = kind_model.objects.create(framework=framework, code=code, name=name, general=general, levels=levels,
                                         unit_types=unit_types, org_kinds=org_kinds, order=order)
        indicator_model.objects.bulk_create([
            indicator_model(kind=kind, code=i_code, name=i_name, max_score=Decimal(max_score), method=method,
                            source=source, guidance=guidance, order=i_order)
            for i_order, (i_code, i_name, max_score, method, source, guidance) in enumerate(items)])
    return framework


def ensure() -> Any:
    """The active framework, installing the default one when there is none (demo, tests)."""
    from .models_standards import StandardFramework, StandardIndicator, StandardKind

    return install(StandardFramework, StandardKind, StandardIndicator)
