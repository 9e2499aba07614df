"""驻区单位名册 import (.xlsx): all or nothing, with row-by-row errors in Chinese.

The shape of the member roster import (``orgs.importer``), kept small: the header row is found among the
first rows by the template's column names (and a few synonyms); every row is normalised and checked —
its street/community looked up among the importer's scope (``cobuild.configure``) by code or full name,
its unit matched by name (an existing unit in scope is updated, a new one created with its tree node
through ``do_create_unit``). Any refused row: nothing is written and every problem is listed with row,
column, value and reason. The export (``exports_units.units_xlsx``) writes the same columns, so a list
exported, edited and imported again updates the units.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.importer import parse_date
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import resolve_orgs_by_text
from zongheng.orgs.roster import norm_text

from .actions_units import EDITABLE, build_unit, clean_unit, do_create_unit, do_update_unit
from .choices import PartyManagement, UnitLevel, UnitType
from .models import Unit
from .resolve import side_org_choices

MAX_ROWS = 2000
HEADER_SCAN_ROWS = 10
SHEET_NAME = "驻区单位"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str
    synonyms: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", True, "必填，不超过 100 字；与已有单位同名的，更新该单位", ("驻区单位", "单位", "名称")),
    Column("credit_code", "统一社会信用代码", False, "18 位，请设为文本格式", ("信用代码", "社会信用代码")),
    Column("type", "单位类型", True, "、".join(UnitType.labels), ("类型", "单位性质")),
    Column("level", "隶属层级", True, "、".join(UnitLevel.labels), ("层级", "隶属关系")),
    Column("place", "所在街道/社区", True, "街道（乡镇）或社区（村）的组织代码或全称",
           ("所在社区", "所在街道", "所在街道（社区）", "所在街道(社区)", "街道/社区")),
    Column("address", "地址", False, "不超过 200 字", ("单位地址", "详细地址")),
    Column("party_management", "党组织管理方式", False, "属地管理 或 系统管理；不填为属地管理", ("管理方式",)),
    Column("party_org_name", "党组织名称", False, "如：中共××公司支部委员会", ("党组织",)),
    Column("secretary_name", "党组织书记", False, "姓名", ("书记", "书记姓名", "党组织书记姓名")),
    Column("members_count", "党员人数", False, "整数", ("党员数",)),
    Column("joined_on", "加入共建日期", False, "如 2018-03-01", ("加入日期", "共建日期")),
)
HEADERS = [c.header for c in COLUMNS]
_BY_HEADER = {norm_text(name): c for c in COLUMNS for name in (c.header, *c.synonyms)}
_TYPES = {label: value for value, label in UnitType.choices} | {v: v for v in UnitType.values}
_TYPES |= {"国企": UnitType.STATE_ENTERPRISE, "民营企业": UnitType.PRIVATE_ENTERPRISE,
           "非公": UnitType.PRIVATE_ENTERPRISE}
_LEVELS = {label: value for value, label in UnitLevel.choices} | {v: v for v in UnitLevel.values}
_MANAGEMENT = {"属地管理": PartyManagement.LOCAL, "属地": PartyManagement.LOCAL, "系统管理": PartyManagement.SYSTEM,
               "系统": PartyManagement.SYSTEM} | {label: value for value, label in PartyManagement.choices}


@dataclass
class Problem:
    row: int | None
    column: str
    value: str
    message: str


@dataclass
class Plan:
    """What a file would do: rows to create and to update, and the problems (any problem: nothing is written)."""

    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, Unit, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def template_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = bold
        ws.column_dimensions[cell.column_letter].width = 24 if col.key in ("name", "place", "address") else 14
        if col.key == "credit_code":
            for row in range(2, 502):
                ws.cell(row=row, column=i).number_format = "@"
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "说明"])
    for c in help_ws[1]:
        c.font = bold
    for col in COLUMNS:
        help_ws.append([col.header, "必填" if col.required else "选填", col.help])
    help_ws.append([])
    help_ws.append(["注意", "", "全部行无误才导入；有问题的行会逐行列出原因，一行也不写入。与已有单位同名的行更新该单位"
                    "（所在街道/社区不变）。"])
    help_ws.column_dimensions["C"].width = 70
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return norm_text(str(value))


def read_rows(fh: IO[bytes]) -> tuple[dict[int, Column], list[tuple[int, list[Any]]]]:
    """The header (column index → column) and the data rows (row number, cells) of the first sheet that has one."""
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
        raise ActionError("无法读取该文件，请上传用 Excel 或 WPS 保存的 .xlsx 文件") from exc
    try:
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True, max_row=MAX_ROWS + HEADER_SCAN_ROWS + 1))
            for h, row in enumerate(rows[:HEADER_SCAN_ROWS]):
                header = {i: _BY_HEADER[_text(v)] for i, v in enumerate(row or ()) if _text(v) in _BY_HEADER}
                if sum(1 for c in header.values() if c.required) >= 3:
                    body = [(h + 2 + n, list(r)) for n, r in enumerate(rows[h + 1:])
                            if r and any(_text(v) for v in r)]
                    if len(body) > MAX_ROWS:
                        raise ActionError(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入")
                    return header, body
    finally:
        wb.close()
    raise ActionError("没有找到表头：第一行应为“单位名称、单位类型、隶属层级、所在街道/社区”等列名（可下载模板）")


def analyse(user: Any, fh: IO[bytes]) -> Plan:
    """Reads and checks every row; writes nothing. Four queries whatever the number of rows."""
    plan = Plan()
    try:
        header, body = read_rows(fh)
    except ActionError as exc:
        plan.problems.append(Problem(None, "", "", exc.message))
        return plan
    missing = [c.header for c in COLUMNS if c.required and c not in header.values()]
    if missing:
        plan.problems.append(Problem(None, "", "", "缺少必填列：" + "、".join(missing)))
        return plan
    raw = [(n, {header[i].key: cells[i] for i in header if i < len(cells)}) for n, cells in body]
    if not raw:
        plan.problems.append(Problem(None, "", "", "文件中没有数据行"))
        return plan
    choices = side_org_choices(user, Perm.COBUILD_CONFIGURE)
    places = resolve_orgs_by_text(choices, {_text(r.get("place")) for _, r in raw})
    names = Counter(_text(r.get("name")) for _, r in raw)
    existing = {u.name: u for u in Unit.objects.filter(name__in=[n for n in names if n])
                .select_related("org", "place")}
    in_scope = set(Unit.objects.restrict(user, Perm.COBUILD_CONFIGURE).filter(name__in=list(existing))
                   .values_list("pk", flat=True))
    codes = Counter(_text(r.get("credit_code")).upper() for _, r in raw if _text(r.get("credit_code")))
    taken = {code: name for code, name in Unit.objects.filter(credit_code__in=list(codes))
             .values_list("credit_code", "name") if code}
    for n, row in raw:
        _check_row(plan, n, row, places, names, existing, in_scope, codes, taken)
    return plan


def _check_row(plan: Plan, n: int, row: dict[str, Any], places: dict[str, list[Org]], names: Counter[str],
               existing: dict[str, Unit], in_scope: set[int], codes: Counter[str], taken: dict[str, str]) -> None:
    def bad(key: str, message: str) -> None:
        header = next(c.header for c in COLUMNS if c.key == key)
        plan.problems.append(Problem(n, header, _text(row.get(key))[:60], message))

    before = len(plan.problems)
    data: dict[str, Any] = {}
    name = _text(row.get("name"))
    if not name:
        bad("name", "请填写单位名称")
    elif names[name] > 1:
        bad("name", "文件中有多行同名单位，请合并为一行")
    data["name"] = name
    for key, table, label in (("type", _TYPES, "单位类型"), ("level", _LEVELS, "隶属层级")):
        text = _text(row.get(key))
        if not text:
            bad(key, f"请填写{label}")
        elif text not in table:
            bad(key, f"{label}应为：" + "、".join(dict.fromkeys(k for k in table if not k.isascii())))
        else:
            data[key] = table[text]
    management = _text(row.get("party_management"))
    if management and management not in _MANAGEMENT:
        bad("party_management", "党组织管理方式应为“属地管理”或“系统管理”")
    data["party_management"] = _MANAGEMENT.get(management, PartyManagement.LOCAL)
    for key in ("credit_code", "address", "party_org_name", "secretary_name"):
        data[key] = _text(row.get(key))
    code = data["credit_code"].upper()
    if code and codes[code] > 1:
        bad("credit_code", "文件中有多行使用同一统一社会信用代码")
    elif code and code in taken and taken[code] != name:
        bad("credit_code", f"该代码已被驻区单位“{taken[code]}”使用")
    count = row.get("members_count")
    if _text(count):
        try:
            data["members_count"] = int(float(_text(count)))
        except ValueError:
            bad("members_count", "党员人数应为整数")
    else:
        data["members_count"] = None
    joined = row.get("joined_on")
    if _text(joined):
        day = parse_date(joined)
        if day is None:
            bad("joined_on", "日期无法识别，应写成 2018-03-01")
        data["joined_on"] = day
    else:
        data["joined_on"] = None
    place_text = _text(row.get("place"))
    found = places.get(place_text, [])
    unit = existing.get(name)
    if unit is not None and unit.pk not in in_scope:
        bad("name", "已有同名驻区单位，但不在您的管辖范围内，不能更新")
    elif unit is None:
        if not place_text:
            bad("place", "请填写所在街道或社区")
        elif not found:
            bad("place", "找不到该街道或社区，或它不在您的管辖范围内（可填组织代码）")
        elif len(found) > 1:
            bad("place", f"有 {len(found)} 个同名组织，请改填组织代码")
    elif place_text and not any(o.pk == unit.place_id for o in found) and place_text != unit.place.code:
        bad("place", f"该单位登记在“{unit.place.name}”，导入不能改变所在街道/社区（请在组织树中调整）")
    if len(plan.problems) > before:
        return
    try:
        cleaned = clean_unit(data)
    except ActionError as exc:
        for message in exc.errors or [exc.message]:
            plan.problems.append(Problem(n, "", "", message))
        return
    if unit is not None:
        plan.updates.append((n, unit, {k: v for k, v in cleaned.items() if k in EDITABLE}))
    else:
        try:
            build_unit(found[0], cleaned)
        except ActionError as exc:
            bad("place", exc.message)
            return
        plan.creates.append((n, cleaned | {"place": found[0]}))


@transaction.atomic
def do_import_units(user: Any, fh: IO[bytes], file_name: str = "") -> Plan:
    """Analyses the file and, when every row is good, creates and updates the units in one transaction —
    all or nothing. Returns the plan (with its problems when refused: then nothing was written)."""
    plan = analyse(user, fh)
    if not plan.ok:
        return plan
    try:
        for n, data in plan.creates:
            try:
                do_create_unit(user, data)
            except ActionError as exc:
                plan.problems.append(Problem(n, "", "", exc.message))
        for n, unit, data in plan.updates:
            try:
                do_update_unit(user, unit, data)
            except ActionError as exc:
                plan.problems.append(Problem(n, "", "", exc.message))
        if plan.problems:
            raise _Rollback
        audit.record(user, "cobuild.unit_import", None, object_type="cobuild.unit", object_repr=file_name[:100],
                     after={"file": file_name[:100], "created": len(plan.creates), "updated": len(plan.updates)})
    except _Rollback:
        transaction.set_rollback(True)
    return plan


class _Rollback(Exception):
    pass
