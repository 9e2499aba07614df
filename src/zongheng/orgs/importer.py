"""Member import (党员名册导入): read the roster, preview it, then write what the clerk confirmed.

Two steps on one ImportJob:

1. **Preview** (``analyse``): the roster is read (``roster``: header block, synonyms, merged
   and hidden cells, totals and footers), each row normalised and checked, each organisation
   matched, each person matched by ID number. Nothing is written; the job stores what it
   found (``job.preview``): which column maps to which field and which are dropped, how many
   rows will be created, updated, left unchanged, skipped or refused, the fields that change,
   the organisations it could not match with the nearest ones to pick. The clerk may change
   a mapping, pick organisations, choose the sheet, include hidden rows, or choose to skip
   existing people — each change analyses the file again.
2. **Confirm** (``do_import_people``): the file is analysed once more (the database may have
   changed) and, if the counts still match the preview, every create and update is written
   in one transaction — all or nothing for what was confirmed. Refused rows are listed with
   row, column, value and what to do, and download as .xlsx with their original cells.

The organisation lookups go through ``orgs.resolve`` (the one scoped lookup per kind):
candidates come from ``org_choices(user, person.import)`` and a clerk's pick from
``resolve_org``, so nothing outside the importer's scope is ever matched or named.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel

from zongheng.core import audit, crypto
from zongheng.core.access import in_scope, scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.masking import (
    mask_address,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from zongheng.core.permissions import Perm

from .actions import build_person
from .choices import Gender, MemberType, Standing
from .models import ImportJob, ImportMapping, ImportStatus, Org, OrgAlias, Person
from .resolve import org_choices, registered_org_choices, resolve_org, resolve_orgs_by_text
from .roster import (
    FIELD_BY_KEY,
    FIELDS,
    TEMPLATE_FIELDS,
    Header,
    ImportFileError,
    RawSheet,
    choose_sheet,
    column_letter,
    count_rows,
    dropped_reason,
    field_for_header,
    find_header,
    is_footer,
    read_sheets,
)

__all__ = ["ImportFileError", "count_rows"]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
BATCH_SIZE = 1000
PROGRESS_EVERY = 200
MAX_ERRORS = 200  # the problems kept on a job (the first ones, by row); the rest are counted in one line
MAX_LISTED = 200  # updates, skips and warnings listed in a preview
MAX_REFUSED_KEPT = 5000  # refused rows kept (encrypted) for their .xlsx
MAX_SUGGESTED = 50  # unmatched organisation names given nearest matches (the preview lists 50)
SHEET_NAME = "党员名册"
COLUMNS = TEMPLATE_FIELDS
HEADERS = {f.header: f for f in TEMPLATE_FIELDS}

_GENDERS = {label: value for value, label in Gender.choices} | {"男性": "M", "女性": "F"}
_MEMBER_TYPES = {label: value for value, label in MemberType.choices}
_MEMBER_TYPES.update({label.removesuffix("党员"): value for value, label in MemberType.choices})
_MEMBER_TYPES.update({"离休": "retired", "退休": "retired", "离退休": "retired", "离休党员": "retired",
                      "退休党员": "retired", "无职业": "unemployed", "无固定职业": "unemployed"})
_STANDINGS = {"正式党员": Standing.FULL, "正式": Standing.FULL, "中共党员": Standing.FULL,
              "预备党员": Standing.PROBATIONARY, "预备": Standing.PROBATIONARY,
              "中共预备党员": Standing.PROBATIONARY}
_YES = {"是", "党员", "Y", "YES", "1", "TRUE", "中共党员", "中共预备党员", "正式党员", "预备党员", "中国共产党党员"}
_NO = {"否", "非党员", "N", "NO", "0", "FALSE", "群众", "共青团员", "团员", "民主党派", "无党派人士", "无党派"}
_GONE = re.compile(r"转出|去世|死亡|病故|逝世|出党|开除|除名|停止党籍|退党|注销")
_MASKED = "*"
_ID_LIKE = re.compile(r"[0-9]{15}")
ETHNIC_GROUPS = {f"{name}族" for name in (  # the 56 民族, so 汉 reads as 汉族 and 其他 stays 其他
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 "
    "佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 "
    "锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 "
    "赫哲 门巴 珞巴 基诺 "
).split()}

FIELD_LABELS = {f.key: f.header for f in FIELDS}
UPDATABLE = ("name", "gender", "birth_year", "phone", "is_party_member", "member_type", "standing", "joined_on",
             "confirmed_on", "org", "registered_org", "ethnicity", "education", "workplace", "address")


def crosscheck_level() -> str:
    """How an ID number that contradicts the row's gender or birth is reported: "error" or "warning"."""
    return getattr(settings, "IMPORT_ID_CROSSCHECK", "error")


# ---------------------------------------------------------------- template


def template_bytes() -> bytes:
    """The blank roster (first sheet) and a sheet explaining every column."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    for i, col in enumerate(TEMPLATE_FIELDS, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = bold
        wide = col.key in ("id_number", "org", "registered_org", "workplace", "address")
        ws.column_dimensions[cell.column_letter].width = 22 if wide else 14
        if col.key in ("phone", "id_number", "org_code"):
            for row in range(2, 2002):  # text format, so long numbers keep every digit
                ws.cell(row=row, column=i).number_format = "@"
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "说明", "也认得的列名"])
    for c in help_ws[1]:
        c.font = bold
    for col in FIELDS:
        help_ws.append([col.header, "必填" if col.required else "选填", col.help, "、".join(col.synonyms)])
    help_ws.append([])
    help_ws.append(["注意", "", "上传后先预览：显示每列对应的字段、不导入的列，以及将新增、更新、跳过和有问题的行数；"
                    "确认后才写入。已有人员按身份证号码对应，可选择更新或跳过。"])
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["C"].width = 70
    help_ws.column_dimensions["D"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- cell parsing


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月?)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def parse_date(value: Any) -> dt.date | None:
    """Excel dates, 2018-07-01, 2018/7/1, 2018.7.1, 2018年7月1日, 20180701, and year-month forms
    (2001.07, 2001年7月, 2001-7, 200107: the first of the month); None when unreadable.

    A number cell such as 2001.1 is how Excel keeps a typed "2001.10", so it reads as October.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and 1900 < value < 2200 and not value.is_integer():
        year, frac = f"{value:.2f}".split(".")
        month = int(frac) if frac[1] != "0" else int(frac[0]) * 10 if frac[0] == "1" else int(frac[0])
        try:
            return dt.date(int(year), month, 1)
        except ValueError:
            return None
    if isinstance(value, int | float):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))
        elif 190001 <= value <= 210012 and float(value).is_integer():
            value = str(int(value))
        elif 1 <= value < 80000:  # an Excel serial day number
            try:
                result = from_excel(value)
            except (ValueError, OverflowError):
                return None
            return result.date() if isinstance(result, dt.datetime) else None
        else:
            return None
    text = _text(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif re.fullmatch(r"\d{6}", text):
        text = f"{text[:4]}-{text[4:]}"
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        return None


def id_birth(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    return Gender.MALE if int(number[16]) % 2 else Gender.FEMALE


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- organisations

_ORG_WORDS = ("中国共产党", "中共", "党总支部委员会", "党支部委员会", "总支部委员会", "支部委员会", "党委员会",
              "委员会", "党总支部", "党总支", "党支部", "总支部", "党委", "支部", "党组织", "党小组")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}


def _cn_number(text: str) -> str:
    """第八 → 第8, 第十二 → 第12, 第二十 → 第20 (1–99)."""
    def repl(m: re.Match[str]) -> str:
        s = m.group(1)
        if "十" in s:
            tens, _, ones = s.partition("十")
            value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
        else:
            value = int("".join(str(_CN_DIGITS[c]) for c in s))
        return f"第{value}"

    return re.sub(r"第([零〇一二两三四五六七八九十]+)", repl, text)


def org_key(text: str) -> str:
    """A name with the parts rosters vary in removed: spaces, punctuation, full-width forms,
    中共/党委/党支部/支部委员会 …, and Chinese numerals after 第 as digits."""
    key = re.sub(r"[\s()（）\[\]【】·•.,，、\-—_:：\"“”'‘’]", "", crypto_nfkc(text))
    for word in _ORG_WORDS:
        key = key.replace(word, "")
    return _cn_number(key)


def crypto_nfkc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text or "")


@dataclass
class OrgMatch:
    org: Org | None
    how: str = ""  # 代码 / 名称 / 别名 / 规范化名称 / 所选
    message: str = ""
    suggestions: list[Org] = field(default_factory=list)


class OrgMatcher:
    """所在组织: by code, exact name, the clerk's pick, a remembered alias, then the normalised
    name (its parents' names allowed as prefix) — among the organisations in the importer's
    scope under the chosen import organisation, loaded once (``org_choices``)."""

    def __init__(self, user: Any, target: Org, texts: set[str], picks: dict[str, Any]):
        self.user, self.target = user, target
        choices = org_choices(user, Perm.PERSON_IMPORT)
        self.orgs = list(choices.filter(path__startswith=target.path).only("pk", "name", "code", "path", "level"))
        self.by_pk = {o.pk: o for o in self.orgs}
        self.by_code = {crypto_nfkc(o.code): o for o in self.orgs if o.code}
        self.by_name: dict[str, list[Org]] = defaultdict(list)
        for o in self.orgs:
            self.by_name[crypto_nfkc(o.name)].append(o)
        names = {o.path: o.name for o in self.orgs}
        above = [target.path[:end] for end in range(Org.steplen, len(target.path), Org.steplen)]
        names.update(dict(Org.objects.filter(path__in=above).values_list("path", "name")))
        self.keys: dict[str, set[int]] = defaultdict(set)
        self.near_keys: list[str] = []  # each org's own key and with its parent's: what suggestions compare
        for o in self.orgs:
            key = org_key(o.name)
            if not key:
                continue
            self.keys[key].add(o.pk)
            parent = org_key(names.get(o.path[:-Org.steplen], ""))
            self.near_keys += [key, key if key.startswith(parent) else parent + key]
            for end in range(len(o.path) - Org.steplen, 0, -Org.steplen):
                part = org_key(names.get(o.path[:end], ""))
                if part:
                    self.keys[part + key].add(o.pk)  # 先锋社区 + 先锋社区第5网格, as rosters write it too
                if part and not key.startswith(part):
                    key = part + key
                self.keys[key].add(o.pk)
        wanted = {org_key(t) for t in texts} - {""}
        self.aliases: dict[str, set[int]] = defaultdict(set)
        for alias, pk in OrgAlias.objects.filter(alias__in=list(wanted), org__in=choices).values_list("alias", "org"):
            if pk in self.by_pk:
                self.aliases[alias].add(pk)
        self.picks: dict[str, Org] = {}
        self.pick_errors: dict[str, str] = {}
        for text, value in picks.items():
            try:
                org = resolve_org(user, Perm.PERSON_IMPORT, value, label="所选组织")
            except ActionError as exc:
                self.pick_errors[text] = exc.message
                continue
            if not org.path.startswith(target.path):
                self.pick_errors[text] = f"所选组织“{org.name}”不属于导入组织“{target.name}”"
                continue
            self.picks[text] = org
        # Names and codes in scope but outside the target: told apart from "not found".
        self.elsewhere = resolve_orgs_by_text(choices.exclude(path__startswith=target.path), texts)
        self.cache: dict[tuple[str, str], OrgMatch] = {}
        self.suggested = 0  # nearest matches are worked out for the first MAX_SUGGESTED names only

    def match(self, text: str, code: str = "") -> OrgMatch:
        cached = self.cache.get((text, code))
        if cached is None:
            cached = self.cache[(text, code)] = self._match(text, code)
        return cached

    def _match(self, text: str, code: str) -> OrgMatch:
        if code:
            org = self.by_code.get(code)
            if org is not None:
                return OrgMatch(org, "代码")
            if not text:
                return OrgMatch(None, message=f"找不到组织代码“{code}”，或它不在“{self.target.name}”下")
        if text in self.by_code:
            return OrgMatch(self.by_code[text], "代码")
        if text in self.picks:
            return OrgMatch(self.picks[text], "所选")
        exact = self.by_name.get(text, [])
        if len(exact) == 1:
            return OrgMatch(exact[0], "名称")
        key = org_key(text)
        if len(exact) > 1:
            return OrgMatch(None, message=f"“{self.target.name}”下有 {len(exact)} 个名为“{text}”的组织，"
                            "请改填组织代码，或在预览中选定", suggestions=exact[:5])
        alias = self.aliases.get(key, set())
        if len(alias) == 1:
            return OrgMatch(self.by_pk[next(iter(alias))], "别名")
        found = self.keys.get(key, set())
        if len(found) == 1:
            return OrgMatch(self.by_pk[next(iter(found))], "规范化名称")
        if len(found) > 1:
            orgs = [self.by_pk[pk] for pk in sorted(found)]
            return OrgMatch(None, message=f"“{text}”可能是 {len(found)} 个组织之一，请改填组织代码，或在预览中选定",
                            suggestions=orgs[:5])
        if self.elsewhere.get(text):
            return OrgMatch(None, message=f"组织“{text}”不属于所选的导入组织“{self.target.name}”")
        near: list[str] = []
        if key and self.suggested < MAX_SUGGESTED:
            self.suggested += 1
            near = difflib.get_close_matches(key, self.near_keys, n=8, cutoff=0.5)
        suggestions: list[Org] = []
        for k in near:
            for pk in sorted(self.keys[k]):
                if self.by_pk[pk] not in suggestions:
                    suggestions.append(self.by_pk[pk])
        return OrgMatch(None, message=(f"找不到组织“{text}”，或它不在您的管辖范围内"
                                       f"（请填写组织代码，或“{self.target.name}”下的组织全称）"),
                        suggestions=suggestions[:5])


def org_label(org: Org) -> str:
    return f"{org.name}（{org.code}）" if org.code else org.name


# ---------------------------------------------------------------- options and analysis


@dataclass
class Options:
    """What the clerk chose in the preview (stored on the job as JSON)."""

    sheet: str = ""
    mapping: dict[int, str] = field(default_factory=dict)  # column index → field key ("" = 不导入)
    include_hidden: bool = False
    mode: str = "update"  # "update": update existing people; "skip": leave them as they are
    org_picks: dict[str, int] = field(default_factory=dict)  # text in the file → organisation id
    confirmed: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Options:
        data = data or {}
        return cls(
            sheet=str(data.get("sheet") or ""),
            mapping={int(k): str(v) for k, v in (data.get("mapping") or {}).items()},
            include_hidden=bool(data.get("include_hidden")),
            mode="skip" if data.get("mode") == "skip" else "update",
            org_picks={str(k): int(v) for k, v in (data.get("org_picks") or {}).items()},
            confirmed=bool(data.get("confirmed")),
        )

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "mapping": {str(k): v for k, v in self.mapping.items()},
                "include_hidden": self.include_hidden, "mode": self.mode, "org_picks": self.org_picks,
                "confirmed": self.confirmed}


@dataclass
class Column:
    index: int
    text: str
    key: str  # "" when dropped
    source: str  # 同义词 / 上次的选择 / 手动选择
    hidden: bool
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "letter": column_letter(self.index), "text": self.text, "key": self.key,
                "label": FIELD_LABELS.get(self.key, ""), "source": self.source, "hidden": self.hidden,
                "reason": self.reason}


@dataclass
class Update:
    row: int
    person_id: int
    name: str
    values: dict[str, Any]  # field → new value (phone/address in clear)
    shown: list[dict[str, str]]  # [{"field", "old", "new"}], masked


@dataclass
class Analysis:
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""
    header: Header | None = None
    columns: list[Column] = field(default_factory=list)
    signature: str = ""
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    existing_skipped: list[int] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[int, list[Any]] = field(default_factory=dict)
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    picks: dict[str, int] = field(default_factory=dict)
    default_org_rows: int = 0
    org_names: dict[int, str] = field(default_factory=dict)
    hidden_rows: list[int] = field(default_factory=list)
    fatal: bool = False  # the file cannot be imported as read (missing required columns, no rows)

    @property
    def rows(self) -> list[tuple[int, dict[str, Any]]]:  # the old name: rows to create
        return self.creates

    def counts(self) -> dict[str, int]:
        return {"create": len(self.creates), "update": len(self.updates), "unchanged": len(self.unchanged),
                "skip": len(self.skipped) + len(self.existing_skipped), "refuse": len(self.refused)}


def _signature(texts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()


def _columns(sheet: RawSheet, header: Header, options: Options) -> tuple[list[Column], str]:
    signature = _signature(header.texts)
    remembered = ImportMapping.objects.filter(signature=signature).values_list("mapping", flat=True).first() or {}
    columns: list[Column] = []
    taken: dict[str, int] = {}
    for index, (text, key) in enumerate(zip(header.texts, header.keys, strict=True)):
        if not text and index not in options.mapping:
            continue
        source = "同义词" if key else ""
        if str(index) in remembered:
            key, source = remembered[str(index)] or None, "上次的选择"
        if index in options.mapping:
            key, source = options.mapping[index] or None, "手动选择"
        if key and key not in FIELD_BY_KEY:
            key = None
        reason = ""
        if key and key in taken:
            reason = f"与第 {column_letter(taken[key])} 列同为“{FIELD_LABELS[key]}”，只取第一列"
            key = None
        elif key:
            taken[key] = index
        elif not reason:
            reason = "已选择不导入" if source == "手动选择" else dropped_reason(text)
        columns.append(Column(index, text or f"（第 {column_letter(index)} 列）", key or "", source,
                              index in sheet.hidden_cols, reason))
    return columns, signature


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


class _Row:
    """One data row being checked: its cells by field, its problems and warnings."""

    def __init__(self, number: int, values: list[Any], cols: dict[str, Column], analysis: Analysis):
        self.number, self.values, self.cols, self.analysis = number, values, cols, analysis
        self.errors: list[dict[str, Any]] = []
        # Checks between fields (ID number vs gender and birth, join age): decided once we know
        # whether the row creates a person or touches the field of an existing one.
        self.deferred: list[tuple[str, str, bool]] = []

    def raw(self, key: str) -> Any:
        col = self.cols.get(key)
        if col is None or col.index >= len(self.values):
            return None
        return self.values[col.index]

    def text(self, key: str) -> str:
        return _text(self.raw(key))

    def err(self, key: str, message: str, *, warning: bool = False) -> None:
        col = self.cols.get(key)
        value = self.text(key)
        if key in ("id_number", "phone", "address") and len(value) >= 8:  # the job keeps no clear numbers
            value = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}[key](value)
        entry = {"row": self.number, "column": col.text if col else FIELD_LABELS.get(key, key),
                 "value": value, "message": message}
        (self.analysis.warnings if warning else self.errors).append(entry)

    def cross(self, key: str, message: str, *, always_error: bool = False) -> None:
        self.deferred.append((key, message, always_error))

    def settle(self, changed: set[str] | None) -> None:
        """New rows (``changed`` None) and changed fields: errors (ID cross-checks per configuration);
        contradictions already in the system that the row leaves as they are: warnings."""
        field_of = {"birth_date": "birth_year"}
        for key, message, always in self.deferred:
            touched = changed is None or field_of.get(key, key) in changed
            self.err(key, message, warning=not touched or (not always and crosscheck_level() == "warning"))


def analyse(
    user: Any, target: Org, fh: IO[bytes], options: Options, file_name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Reads and checks the roster; returns what would be created, updated, skipped and refused."""
    sheets = read_sheets(fh, file_name)
    sheet, header = choose_sheet(sheets, options.sheet or None)
    a = Analysis(sheets=[s.name for s in sheets], sheet=sheet.name)
    if header is None:
        # No row names two known fields: offer the first non-blank row, so the clerk can map it.
        first = next((i + 1 for i, r in enumerate(sheet.rows) if any(v is not None for v in r)), None)
        header = find_header(sheet, first) if first else None
    if header is None:
        a.fatal = True
        a.errors.append({"row": None, "column": "", "value": "",
                         "message": "文件是空的：找不到表头（姓名、性别、身份证号码……）"})
        return a
    a.header = header
    a.columns, a.signature = _columns(sheet, header, options)
    cols = {c.key: c for c in a.columns if c.key}
    for f in FIELDS:
        if f.required and f.key not in cols:
            a.errors.append({"row": None, "column": f.header, "value": "", "message": f"缺少必填列“{f.header}”"})
    data_rows = [(n, sheet.rows[n - 1]) for n in range(header.data_start, len(sheet.rows) + 1)]
    data_rows = [(n, r) for n, r in data_rows if any(v is not None for v in r)]
    if progress is not None:
        progress(0, len(data_rows))  # read: the bar knows its length before the first checks
    if a.errors:
        a.fatal = True
        return a
    if not data_rows:
        a.fatal = True
        a.errors.append({"row": None, "column": "", "value": "", "message": "文件中没有数据行"})
        return a
    _check_rows(user, target, sheet, header, data_rows, cols, options, a, progress)
    return a


def _check_rows(
    user: Any, target: Org, sheet: RawSheet, header: Header, data_rows: list[tuple[int, list[Any]]],
    cols: dict[str, Column], options: Options, a: Analysis, progress: Callable[[int, int], None] | None,
) -> None:
    today = timezone.localdate()
    header_keys = [k for k in header.keys if k]
    org_texts = set()
    for key in ("org", "org_code"):
        col = cols.get(key)
        if col is not None:
            org_texts |= {_text(r[col.index]) for _, r in data_rows if col.index < len(r) and r[col.index] is not None}
    matcher = OrgMatcher(user, target, org_texts, options.org_picks)
    reg_col = cols.get("registered_org")
    reg_texts = {_text(r[reg_col.index]) for _, r in data_rows if reg_col and reg_col.index < len(r)} - {""}
    registers = resolve_orgs_by_text(registered_org_choices(), reg_texts)

    checked: list[tuple[_Row, dict[str, Any], set[str]]] = []
    total = len(data_rows)
    for done, (number, values) in enumerate(data_rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if number in sheet.hidden_rows:
            a.hidden_rows.append(number)
            if not options.include_hidden:
                a.skipped.append({"row": number, "reason": "隐藏行（未勾选“导入隐藏行”）"})
                continue
        row = _Row(number, values, cols, a)
        if field_for_header(row.text("name")) == "name" and (
            sum(1 for v in values if isinstance(v, str) and field_for_header(v)) >= max(2, len(header_keys) // 2)
        ):
            a.skipped.append({"row": number, "reason": "重复的表头行"})
            continue
        if not _ID_LIKE.search(row.text("id_number")) and is_footer(values):
            a.skipped.append({"row": number, "reason": "合计行或落款行"})
            continue
        if not row.text("id_number") and not row.text("name"):
            a.skipped.append({"row": number, "reason": "没有姓名和身份证号码"})
            continue
        status = row.text("status")
        if status and _GONE.search(status):
            a.skipped.append({"row": number, "reason": f"党籍状态为“{status}”"})
            continue
        data, provided = _check_row(row, matcher, registers, target, today)
        if row.errors:
            row.settle(None)
            a.errors.extend(row.errors)
            a.refused[number] = values
            continue
        checked.append((row, data, provided))
    if progress is not None:
        progress(total, total)

    a.picks = {text: org.pk for text, org in matcher.picks.items()}
    a.org_names = {o.pk: o.name for o in matcher.orgs} | {o.pk: o.name for v in registers.values() for o in v}
    _match_people(user, checked, options, a)
    a.errors.sort(key=lambda e: (e["row"] or 0, e["column"]))


def _check_row(
    row: _Row, matcher: OrgMatcher, registers: dict[str, list[Org]], target: Org, today: dt.date
) -> tuple[dict[str, Any], set[str]]:
    """Cleaned values of one row, and the fields the row actually gives (for updates)."""
    data: dict[str, Any] = {}
    provided: set[str] = set()

    name = row.text("name")
    if not name:
        row.err("name", "“姓名”不能为空：请填写姓名")
    elif len(name) > 50:
        row.err("name", "姓名不能超过 50 字")
    data["name"] = name
    provided.add("name")

    raw_id = row.raw("id_number")
    id_number = normalize_id_number(row.text("id_number"))
    data["id_number"] = id_number
    data["masked_id"] = _MASKED in id_number
    birth: dt.date | None = None
    if not id_number and row.text("person_ref"):
        data["masked_id"] = True  # a person kept without an ID number, as the export wrote them
    elif not id_number:
        row.err("id_number", "“身份证号码”不能为空：用于识别重复人员")
    elif isinstance(raw_id, float | int) and not isinstance(raw_id, bool) and len(id_number) > 15:
        row.err("id_number", "身份证号码被 Excel 存成了数字，末几位已丢失，请把该列设为文本格式后重新填写")
    elif data["masked_id"]:
        if not row.text("person_ref"):
            row.err("id_number", "身份证号码是脱敏的（带 *）：请填写完整号码；平台导出的名册请保留“人员编号”列")
    elif msg := validate_id_number(id_number):
        row.err("id_number", msg + "，请核对后重填")
    else:
        birth = id_birth(id_number)

    gender_text = row.text("gender")
    if gender_text:
        if gender_text not in _GENDERS:
            row.err("gender", f"性别“{gender_text}”无法识别，应填“男”或“女”")
        else:
            data["gender"] = _GENDERS[gender_text]
            provided.add("gender")
            if birth and data["gender"] != id_gender(id_number):
                row.cross("gender", f"性别“{gender_text}”与身份证号码不符（号码第 17 位表示"
                          f"{Gender(id_gender(id_number)).label}），请核对")
    elif birth:
        data["gender"] = id_gender(id_number)
    elif not data["masked_id"]:
        data["gender"] = ""

    year_text = row.text("birth_year")
    raw_year = row.raw("birth_year")
    data["birth_year"] = birth.year if birth else None
    if year_text:
        year = None
        if re.fullmatch(r"\d{4}", year_text) and 1900 <= int(year_text) <= today.year:
            year = int(year_text)
        elif isinstance(raw_year, dt.date):
            year = raw_year.year
        elif (d := parse_date(raw_year)) is not None:
            year = d.year
        if year is None:
            row.err("birth_year", f"出生年份“{year_text}”无法识别，应为四位年份，如 1980")
        else:
            provided.add("birth_year")
            data["birth_year"] = year
            if birth and year != birth.year:
                row.cross("birth_year", f"出生年份 {year} 与身份证号码（{birth.year} 年出生）不符，请核对")
    birth_text = row.text("birth_date")
    if birth_text:
        born = parse_date(row.raw("birth_date"))
        if born is None:
            row.err("birth_date", f"出生日期“{birth_text}”无法识别（可填 1985-03-02、1985.03 或 1985年3月）")
        else:
            if birth and (born.year, born.month) != (birth.year, birth.month):
                row.cross("birth_date", f"出生日期 {born:%Y-%m} 与身份证号码（{birth:%Y-%m}）不符，请核对")
            if "birth_year" not in provided:
                data["birth_year"] = born.year
                provided.add("birth_year")
            birth = birth or born

    phone = normalize_phone(row.text("phone"))
    if phone:
        if _MASKED not in phone and validate_phone(phone):
            row.err("phone", f"手机号码“{phone}”格式不正确（应为 11 位手机号或带区号的固话）")
        provided.add("phone")
    data["phone"] = phone

    party_text = row.text("is_party_member").upper()
    data["is_party_member"] = True
    if party_text:
        if party_text in _YES:
            provided.add("is_party_member")
        elif party_text in _NO:
            data["is_party_member"] = False
            provided.add("is_party_member")
        else:
            row.err("is_party_member", f"是否党员“{party_text}”无法识别，应填“是”或“否”")
        if party_text in _STANDINGS:
            data["standing"] = _STANDINGS[party_text]
            provided.add("standing")

    type_text = row.text("member_type")
    data["member_type"] = ""
    if type_text:
        if type_text in _MEMBER_TYPES:
            data["member_type"] = _MEMBER_TYPES[type_text]
            provided.add("member_type")
        elif type_text in _STANDINGS:  # 党员类型 holding 正式/预备: what the 2nd finding lost
            data["standing"] = _STANDINGS[type_text]
            provided.add("standing")
        else:
            row.err("member_type", f"党员类型“{type_text}”无法识别，可填：{'、'.join(MemberType.labels)}")

    if row.text("is_mobile").upper() in _YES and "member_type" not in provided:  # 全国系统: 是否流动党员
        data["member_type"] = "mobile"
        provided.add("member_type")

    standing_text = row.text("standing")
    if standing_text:
        if standing_text in _STANDINGS:
            data["standing"] = _STANDINGS[standing_text]
            provided.add("standing")
        else:
            row.err("standing", f"正式/预备“{standing_text}”无法识别，应填“正式党员”或“预备党员”")

    for key, label in (("joined_on", "入党日期"), ("confirmed_on", "转正日期")):
        text = row.text(key)
        data[key] = None
        if not text:
            continue
        day = parse_date(row.raw(key))
        if day is None:
            row.err(key, f"{label}“{text}”无法识别（可填 2018-07-01、2018/7/1、2018年7月1日、2018.07 或 2018年7月）")
        elif day > today:
            row.err(key, f"{label}不能晚于今天")
        else:
            data[key] = day
            provided.add(key)
    joined, confirmed = data["joined_on"], data["confirmed_on"]
    if joined and birth and joined < _add_years(birth, 18):
        row.cross("joined_on", f"入党日期 {joined:%Y-%m-%d} 时未满 18 周岁（{birth:%Y-%m-%d} 出生），"
                  "请核对入党日期或出生日期", always_error=True)
    if joined and confirmed and confirmed < joined:
        row.err("confirmed_on", "转正日期早于入党日期，请核对")
    if confirmed and data.get("standing") == Standing.PROBATIONARY:
        row.err("confirmed_on", "预备党员不应有转正日期：已转正的请把“正式/预备”改为“正式党员”", warning=True)
    elif confirmed and "standing" not in provided:
        data["standing"] = Standing.FULL
        provided.add("standing")
    data.setdefault("standing", "")
    if not data["is_party_member"]:
        data["standing"], data["member_type"] = "", ""

    for key, limit in (("ethnicity", 16), ("education", 20), ("workplace", 100), ("address", 200)):
        text = row.text(key)
        if len(text) > limit:
            row.err(key, f"{FIELD_LABELS[key]}不能超过 {limit} 字")
        data[key] = text
        if text:
            provided.add(key)
    if data["ethnicity"] + "族" in ETHNIC_GROUPS:
        data["ethnicity"] += "族"  # 汉 → 汉族

    org_text, code_text = row.text("org"), row.text("org_code")
    data["org_id"] = None
    if org_text or code_text:
        found = matcher.match(org_text, code_text)
        if found.org is None:
            row.err("org_code" if code_text and not org_text else "org", found.message)
            if org_text:
                entry = row.analysis.orgs.setdefault(org_text, {"text": org_text, "rows": 0, "message": found.message,
                                                               "suggestions": [(o.pk, org_label(o))
                                                                               for o in found.suggestions]})
                entry["rows"] += 1
        else:
            data["org_id"] = found.org.pk
            provided.add("org")
    elif "org" not in row.cols and "org_code" not in row.cols:
        # A roster without an organisation column (one community's 花名册): the import organisation
        # for a new person; an existing person keeps theirs.
        data["org_id"] = target.pk
        data["default_org"] = True

    reg_text = row.text("registered_org")
    data["registered_org_id"] = None
    if reg_text:
        regs = registers.get(reg_text, [])
        if len(regs) > 1:
            row.err("registered_org", f"有 {len(regs)} 个名为“{reg_text}”的社区或村，请改填组织代码")
        elif not regs:
            row.err("registered_org", f"找不到报到社区“{reg_text}”（须为社区或村，请填写组织代码或全称）")
        else:
            data["registered_org_id"] = regs[0].pk
            provided.add("registered_org")
    data["person_ref"] = row.text("person_ref")
    return data, provided


def _match_people(
    user: Any, checked: list[tuple[_Row, dict[str, Any], set[str]]], options: Options, a: Analysis
) -> None:
    """Each clean row against the people already in the system (by ID number, or 人员编号 when
    the number is masked); the same person twice in the file refuses both rows."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, (_row, data, _provided) in enumerate(checked):
        if not data["masked_id"]:
            data["id_hash"] = crypto.blind_index(data["id_number"])
            by_hash[data["id_hash"]].append(i)
    twice: set[int] = set()
    for rows in by_hash.values():
        if len(rows) > 1:
            for i in rows:
                others = "、".join(f"第 {checked[j][0].number} 行" for j in rows if j != i)
                checked[i][0].err("id_number", f"身份证号码与{others}重复：同一人只能出现一次")
                twice.add(i)
    existing: dict[str, Person] = {}
    fields = ("pk", "name", "gender", "birth_year", "phone_enc", "phone_masked", "id_hash", "id_masked",
              "is_party_member", "member_type", "standing", "joined_on", "confirmed_on", "org_id", "org_path",
              "registered_org_id", "ethnicity", "education", "workplace", "address_enc", "address_masked")
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        for p in Person.objects.filter(id_hash__in=hashes[start:start + 500]).only(*fields):
            existing[p.id_hash or ""] = p
    refs = [as_int(d["person_ref"]) for _, d, _ in checked if d["masked_id"]]
    by_ref: dict[int, Person] = {}
    wanted = [r for r in refs if r]
    for start in range(0, len(wanted), 500):
        mine = Person.objects.restrict(user, Perm.PERSON_IMPORT)
        for p in mine.filter(pk__in=wanted[start:start + 500]).only(*fields):
            by_ref[p.pk] = p
    paths = scope_paths(user, Perm.PERSON_IMPORT)
    seen_people: dict[int, int] = {}
    for i, (row, data, provided) in enumerate(checked):
        if i in twice:
            a.errors.extend(row.errors)
            a.refused[row.number] = row.values
            continue
        person = None
        if data["masked_id"]:
            person = by_ref.get(as_int(data["person_ref"]) or 0)
            if person is None or person.id_masked != data["id_number"]:
                row.err("id_number", "身份证号码是脱敏的，且“人员编号”不是您管辖范围内的同一人员：请填写完整号码")
        else:
            person = existing.get(data["id_hash"])
            ref = as_int(data["person_ref"])
            if person is not None and ref and ref != person.pk:
                row.err("person_ref", "人员编号与身份证号码不是同一人，请核对（新增人员请把人员编号留空）")
            if person is not None and not any(person.org_path.startswith(p) for p in paths):
                row.err("id_number", "系统中已有该身份证号码的人员，但不在您的管辖范围内："
                        "请联系其所在组织办理组织关系转接")
        if person is not None and person.pk in seen_people and not row.errors:
            row.err("id_number", f"与第 {seen_people[person.pk]} 行是同一人：同一人只能出现一次")
        if row.errors:
            a.errors.extend(row.errors)
            a.refused[row.number] = row.values
            continue
        if person is None:
            row.settle(None)
            if data["phone"] and _MASKED in data["phone"]:
                row.err("phone", "手机号码是脱敏的（带 *）：新增人员请填写完整号码")
            if data["address"] and _MASKED in data["address"]:
                row.err("address", "家庭住址是脱敏的（带 *）：新增人员请填写完整住址")
            if data.get("org_id") is None:
                row.err("org", "“所在组织”不能为空：请填写组织代码或名称")
            if row.errors:
                a.errors.extend(row.errors)
                a.refused[row.number] = row.values
                continue
            if data.pop("default_org", False):
                a.default_org_rows += 1
            a.creates.append((row.number, data))
            continue
        seen_people[person.pk] = row.number
        if options.mode == "skip":
            a.existing_skipped.append(row.number)
            continue
        update = _changes(row, person, data, provided, a.org_names)
        row.settle(set(update.values))
        if row.errors:
            a.errors.extend(row.errors)
            a.refused[row.number] = row.values
        elif update.values:
            a.updates.append(update)
        else:
            a.unchanged.append(row.number)


def as_int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def _show(key: str, value: Any, names: dict[int, str]) -> str:
    if value in (None, ""):
        return "（空）"
    if key == "gender":
        return dict(Gender.choices).get(value, value)
    if key == "member_type":
        return dict(MemberType.choices).get(value, value)
    if key == "standing":
        return dict(Standing.choices).get(value, value)
    if key == "is_party_member":
        return "是" if value else "否"
    if key in ("org", "registered_org"):
        return names.get(value) or Org.objects.filter(pk=value).values_list("name", flat=True).first() or ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _changes(row: _Row, person: Person, data: dict[str, Any], provided: set[str], names: dict[int, str]) -> Update:
    values: dict[str, Any] = {}
    shown: list[dict[str, str]] = []
    for key in UPDATABLE:
        if key not in provided:
            continue
        if key == "phone":
            new = data["phone"]
            if _MASKED in new:
                if new != person.phone_masked:
                    row.err("phone", "手机号码是脱敏的（带 *）且与系统中的不同：要修改请填写完整号码")
                continue
            if new != (crypto.decrypt(person.phone_enc) if person.phone_enc else ""):
                values["phone"] = new
                shown.append({"field": "手机号码", "old": person.phone_masked or "（空）", "new": mask_phone(new)})
            continue
        if key == "address":
            new = data["address"]
            if _MASKED in new:
                if new != person.address_masked:
                    row.err("address", "家庭住址是脱敏的（带 *）且与系统中的不同：要修改请填写完整住址")
                continue
            if new != (crypto.decrypt(person.address_enc) if person.address_enc else ""):
                values["address"] = new
                shown.append({"field": "家庭住址", "old": person.address_masked or "（空）", "new": mask_address(new)})
            continue
        if key in ("org", "registered_org"):
            new = data[f"{key}_id"]
            old = getattr(person, f"{key}_id")
        else:
            new, old = data[key], getattr(person, key)
        if new != old and not (new in ("", None) and old in ("", None)):
            values[key] = new
            shown.append({"field": FIELD_LABELS[key], "old": _show(key, old, names), "new": _show(key, new, names)})
    if values.get("is_party_member") is False:
        values["member_type"], values["standing"] = "", ""
    return Update(row.number, person.pk, person.name, values, shown)


# ---------------------------------------------------------------- the preview as stored


def preview_json(a: Analysis, options: Options) -> dict[str, Any]:
    """What the preview page shows (no clear personal numbers: refused rows are kept encrypted)."""
    refused_rows = [[n, *(_jsonable(v) for v in a.refused[n])] for n in sorted(a.refused)[:MAX_REFUSED_KEPT]]
    reasons = Counter(s["reason"] for s in a.skipped)
    if a.existing_skipped:
        reasons["系统中已有（选择了跳过已有人员）"] += len(a.existing_skipped)
    return {
        "sheets": a.sheets, "sheet": a.sheet,
        "header_row": a.header.first_row if a.header else None, "header_depth": a.header.depth if a.header else 0,
        "header_texts": a.header.texts if a.header else [],
        "columns": [c.to_json() for c in a.columns if c.key],
        "dropped": [c.to_json() for c in a.columns if not c.key],
        "signature": a.signature, "counts": a.counts(), "mode": options.mode,
        "updates": [{"row": u.row, "name": u.name, "changes": u.shown} for u in a.updates[:MAX_LISTED]],
        "skipped": a.skipped[:MAX_LISTED], "skip_reasons": dict(reasons),
        "hidden_rows": len(a.hidden_rows), "include_hidden": options.include_hidden,
        "warnings": a.warnings[:MAX_LISTED], "warning_count": len(a.warnings),
        "orgs": list(a.orgs.values())[:50], "picks": a.picks,
        "default_org_rows": a.default_org_rows, "fatal": a.fatal,
        "can_confirm": not a.fatal and bool(a.creates or a.updates),
        "refused_enc": crypto.encrypt(json.dumps(refused_rows, ensure_ascii=False)) if refused_rows else "",
    }


def refused_rows(job: ImportJob) -> tuple[list[str], list[list[Any]]]:
    """The refused rows with their original cells, for the .xlsx the clerk fixes and re-uploads."""
    preview = job.preview or {}
    token = preview.get("refused_enc") or ""
    rows = json.loads(crypto.decrypt(token)) if token else []
    headers = list(preview.get("header_texts") or [])
    width = max([len(headers), *(len(r) - 1 for r in rows)], default=0)
    texts = headers + [""] * (width - len(headers))
    return texts, rows


def cap_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a job keeps: the first ``MAX_ERRORS`` problems, and one line saying how many more there were."""
    if len(errors) <= MAX_ERRORS:
        return errors
    more = len(errors) - MAX_ERRORS
    rows = len({e["row"] for e in errors[MAX_ERRORS:] if e.get("row")})
    message = (f"另有 {more} 处问题未列出（涉及 {rows} 行）：只保存前 {MAX_ERRORS} 处。"
               "请下载未导入的行，改正后单独上传。")
    return [*errors[:MAX_ERRORS], {"row": None, "column": "", "value": "", "message": message}]


# ---------------------------------------------------------------- the write


def _ranges(ids: list[int]) -> list[list[int]]:
    """[3, 4, 5, 9] → [[3, 5], [9, 9]]: a compact list of the created people."""
    out: list[list[int]] = []
    for pk in sorted(ids):
        if out and pk == out[-1][1] + 1:
            out[-1][1] = pk
        else:
            out.append([pk, pk])
    return out


def people_of_import(job: ImportJob) -> QuerySet[Person]:
    """The people an import created, read from its audit record."""
    from zongheng.core.models import AuditLog

    records = AuditLog.objects.filter(action="person.import", object_type="orgs.importjob", object_id=str(job.pk))
    record = records.first()
    q = Q(pk__in=[])
    for first, last in (record.after or {}).get("people", []) if record else []:
        q |= Q(pk__gte=first, pk__lte=last)
    return Person.objects.filter(q)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _new_person(data: dict[str, Any], orgs: dict[int, Org]) -> Person:
    data = {k: v for k, v in data.items() if k not in ("masked_id", "id_hash", "person_ref", "default_org")}
    address = data.pop("address", "")
    data["org"] = orgs[data.pop("org_id")]
    reg = data.pop("registered_org_id")
    data["registered_org"] = orgs[reg] if reg and reg != data["org"].pk else None
    person = build_person(data)
    if address:
        person.address_enc, person.address_masked = crypto.encrypt(address), mask_address(address)
    return person


@transaction.atomic
def do_import_people(user: Any, job: ImportJob, analysis: Analysis | None = None) -> int:
    """Writes every create and update of ``analysis`` (all or nothing) and audits the import once.

    When ``analysis`` is omitted the job's file is analysed here with the job's options.
    Raises ActionError (nothing written) on any problem. Returns the number of people created.
    """
    job = ImportJob.objects.select_for_update().select_related("org").get(pk=job.pk)
    if job.status == ImportStatus.DONE:
        raise ActionError("该文件已经导入过了")
    if not in_scope(user, Perm.PERSON_IMPORT, job.org.path):
        raise ActionError("所选导入组织不在您的管辖范围内")
    options = Options.from_json(job.options)
    if analysis is None:
        if not job.file:
            raise ActionError("该任务的名册文件已在导入结束后删除，请重新上传")
        with job.file.open("rb") as fh:
            analysis = analyse(user, job.org, fh, options, job.file_name)
    if analysis.fatal:
        raise ActionError("文件有误，未导入任何人员", errors=[e["message"] for e in analysis.errors[:20]])
    org_ids = {d["org_id"] for _, d in analysis.creates} | {d["registered_org_id"] for _, d in analysis.creates}
    for u in analysis.updates:
        org_ids |= {u.values.get("org"), u.values.get("registered_org")}
    orgs = Org.objects.in_bulk([pk for pk in org_ids if pk])
    created_ids: list[int] = []
    try:
        for chunk in _chunks(analysis.creates, BATCH_SIZE):
            batch = [_new_person(data, orgs) for _, data in chunk]
            created_ids += [p.pk for p in Person.objects.bulk_create(batch)]
        updated = _write_updates(user, analysis.updates, orgs)
    except IntegrityError as exc:
        raise ActionError(
            "写入时发现系统中已有相同身份证号码的人员（可能刚被他人录入），未导入任何人员，请重新上传"
        ) from exc
    for text, pk in analysis.picks.items():
        key = org_key(text)
        if key and key != org_key(orgs.get(pk, Org(name="")).name or ""):
            OrgAlias.objects.get_or_create(alias=key[:100], org_id=pk, defaults={"created_by": user})
    if analysis.signature:
        mapping = {str(c.index): c.key for c in analysis.columns}
        ImportMapping.objects.update_or_create(
            signature=analysis.signature,
            defaults={"headers": [c.text for c in analysis.columns], "mapping": mapping, "updated_by": user})
    counts = analysis.counts()
    job.status = ImportStatus.DONE
    job.created_count, job.updated_count = len(created_ids), updated
    job.unchanged_count, job.refused_count = counts["unchanged"], counts["refuse"]
    job.processed_rows = job.total_rows = sum(counts.values())
    job.errors = cap_errors(analysis.errors)
    job.preview = preview_json(analysis, options)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "created_count", "updated_count", "unchanged_count", "refused_count",
                            "processed_rows", "total_rows", "errors", "preview", "finished_at"])
    transaction.on_commit(lambda: discard_upload(job.pk))
    audit.record(
        user, "person.import", job,
        after={"created": len(created_ids), "updated": updated, "file": job.file_name, "org": job.org_id,
               "people": _ranges(created_ids), "updated_people": _ranges([u.person_id for u in analysis.updates]),
               "updated_fields": {str(u.person_id): sorted(u.values) for u in analysis.updates[:2000]},
               "refused": counts["refuse"]},
    )
    return len(created_ids)


def _write_updates(user: Any, updates: list[Update], orgs: dict[int, Org]) -> int:
    done = 0
    paths = scope_paths(user, Perm.PERSON_IMPORT)
    for chunk in _chunks(updates, BATCH_SIZE):
        people = Person.objects.select_for_update().in_bulk([u.person_id for u in chunk])
        changed: list[Person] = []
        names: set[str] = set()
        for u in chunk:
            person = people.get(u.person_id)
            if person is None or not any(person.org_path.startswith(p) for p in paths):
                raise ActionError("要更新的人员已被删除或已不在您的管辖范围内，未导入任何人员，请重新上传")
            for key, value in u.values.items():
                if key == "phone":
                    person.phone_enc, person.phone_masked = crypto.encrypt(value), mask_phone(value)
                    names |= {"phone_enc", "phone_masked"}
                elif key == "address":
                    person.address_enc, person.address_masked = crypto.encrypt(value), mask_address(value)
                    names |= {"address_enc", "address_masked"}
                elif key == "org":
                    person.org = orgs[value]
                    person.org_path = person.org.path
                    names |= {"org", "org_path"}
                elif key == "registered_org":
                    person.registered_org = orgs[value] if value else None
                    person.registered_path = person.registered_org.path if person.registered_org else ""
                    names |= {"registered_org", "registered_path"}
                else:
                    setattr(person, key, value)
                    names.add(key)
            if person.registered_org_id and person.registered_org_id == person.org_id:
                person.registered_org, person.registered_path = None, ""
                names |= {"registered_org", "registered_path"}
            person.updated_at = timezone.now()
            changed.append(person)
        if changed:
            Person.objects.bulk_update(changed, sorted(names | {"updated_at"}))
        done += len(changed)
    return done


# ---------------------------------------------------------------- running a job


def do_create_job(user: Any, org: Org, upload: Any, data_rows: int, options: Options | None = None) -> ImportJob:
    """Stores the uploaded file as a pending job; the preview and the import are ``run_job``."""
    if not in_scope(user, Perm.PERSON_IMPORT, org.path):
        raise ActionError("所选组织不在您的管辖范围内，不能向其导入人员")
    name = (getattr(upload, "name", "") or "名册.xlsx").rsplit("/", 1)[-1][:255]
    suffix = ".csv" if name.lower().endswith(".csv") else ".xlsx"
    job = ImportJob(created_by=user, org=org, file_name=name, total_rows=data_rows,
                    options=(options or Options()).to_json())
    job.file.save(f"import-{timezone.now():%Y%m%d%H%M%S}{suffix}", upload, save=False)
    job.save()
    return job


def do_change_options(user: Any, job: ImportJob, change: Callable[[Options], None], *, confirm: bool) -> ImportJob:
    """The clerk's answer to a preview: new choices (analysed again) or the confirmation."""
    job = ImportJob.objects.select_for_update().select_related("org").get(pk=job.pk)
    if job.status != ImportStatus.PREVIEW:
        raise ActionError("该导入任务不在待确认状态")
    if job.created_by_id != getattr(user, "pk", None):  # the import runs with the uploader's scope
        raise ActionError("只有上传该文件的人可以修改或确认这次导入")
    if not in_scope(user, Perm.PERSON_IMPORT, job.org.path):
        raise ActionError("所选导入组织不在您的管辖范围内")
    if confirm and not (job.preview or {}).get("can_confirm"):
        raise ActionError("没有可以导入的行：请先按预览改正文件或对应关系")
    options = Options.from_json(job.options)
    change(options)
    options.confirmed = confirm
    job.options = options.to_json()
    job.status = ImportStatus.PENDING
    job.processed_rows = 0
    job.save(update_fields=["options", "status", "processed_rows"])
    return job


@transaction.atomic
def do_discard_job(user: Any, job: ImportJob) -> ImportJob:
    """放弃导入: a preview the clerk will not confirm; nothing is written and the file is deleted."""
    job = ImportJob.objects.select_for_update().select_related("org").get(pk=job.pk)
    if job.status != ImportStatus.PREVIEW:
        raise ActionError("该导入任务不在待确认状态")
    if job.created_by_id != getattr(user, "pk", None):
        raise ActionError("只有上传该文件的人可以放弃这次导入")
    job.status, job.finished_at = ImportStatus.FAILED, timezone.now()
    job.errors = [{"row": None, "column": "", "value": "", "message": "已放弃本次导入，未写入任何人员"}]
    job.save(update_fields=["status", "finished_at", "errors"])
    audit.record(user, "person.import_discard", job, after={"file": job.file_name})
    transaction.on_commit(lambda: discard_upload(job.pk))
    return job


def discard_stale_previews(days: int = 7) -> int:
    """Retention: previews nobody confirmed or discarded within ``days`` are discarded (file deleted)."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    waiting = ImportJob.objects.filter(status=ImportStatus.PREVIEW, created_at__lt=cutoff)
    stale = list(waiting.values_list("pk", flat=True))
    for pk in stale:
        message = f"预览超过 {days} 天未确认，已自动放弃，未写入任何人员"
        updated = ImportJob.objects.filter(pk=pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            errors=[{"row": None, "column": "", "value": "", "message": message}])
        if updated:
            discard_upload(pk)
    return len(stale)


def _set(job: ImportJob, **fields: Any) -> None:
    """A short UPDATE outside any long transaction, so a polling page sees it at once."""
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def _fail(job: ImportJob, errors: list[dict[str, Any]]) -> None:
    _set(job, status=ImportStatus.FAILED, errors=cap_errors(errors), finished_at=timezone.now())
    transaction.on_commit(lambda: discard_upload(job.pk))


def discard_upload(job_id: int) -> None:
    """Personal-data retention: a finished job (done or failed) keeps no copy of the roster.

    The uploaded file is deleted from storage; the job row, its ``file_name``, its ``errors``
    and its preview (refused rows encrypted, for their .xlsx) remain. Runs after the job's
    final state is committed, so a rolled-back finish keeps the file.
    """
    job = ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.DONE, ImportStatus.FAILED]).first()
    if job is None or not job.file:
        return
    name = job.file.name
    try:
        job.file.storage.delete(name)
    except OSError:
        log.exception("import job %s: could not delete the uploaded file %s", job_id, name)
        return
    ImportJob.objects.filter(pk=job_id).update(file="")


def run_job(job_id: int) -> ImportJob:
    """Analyses one job for its preview, or imports it once confirmed; idempotent (a job already
    taken is left alone)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(status=ImportStatus.VALIDATING)
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    if not claimed:
        return job
    options = Options.from_json(job.options)
    try:
        _set(job, processed_rows=0)
        with job.file.open("rb") as fh:
            analysis = analyse(job.created_by, job.org, fh, options, job.file_name,
                               progress=lambda n, total: _set(job, processed_rows=n, total_rows=total))
        counts = analysis.counts()
        if analysis.fatal and not analysis.columns:
            _fail(job, analysis.errors)
        elif not options.confirmed or counts != (job.preview or {}).get("counts"):
            preview = preview_json(analysis, options)
            if options.confirmed:  # the data changed since the clerk looked: show it again
                preview["changed"] = True
                options.confirmed = False
            _set(job, status=ImportStatus.PREVIEW, errors=cap_errors(analysis.errors), preview=preview,
                 options=options.to_json(), total_rows=sum(counts.values()), processed_rows=sum(counts.values()),
                 refused_count=counts["refuse"])
        else:
            _set(job, status=ImportStatus.WRITING)
            do_import_people(job.created_by, job, analysis)
    except ImportFileError as exc:
        _fail(job, [{"row": None, "column": "", "value": "", "message": str(exc)}])
    except ActionError as exc:
        _fail(job, [{"row": None, "column": "", "value": "", "message": exc.message}])
    except Exception:
        log.exception("import job %s crashed", job_id)
        _fail(job, [{"row": None, "column": "", "value": "",
                     "message": "导入时发生系统错误，未导入任何人员，请联系管理员"}])
    job.refresh_from_db()
    return job
