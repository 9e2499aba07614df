"""任务清单 import (.xlsx): the year's list of an organisation — tasks, source documents, standards — all or
nothing, with row-by-row errors in Chinese.

The workbook is laid out the way a district prints its list (and the way ``exports_tasks`` writes it, so an
export imports again to the same list): sheet 任务清单 (one row per task or piece of a task; 上级编号 makes the
tree; milestones one per line in 路线图), sheet 来源文件 (the opinion and its supporting documents), sheet
标准目录 (the standards catalogue). Extra columns (the export's 状态 and 进度) are ignored.

Every reference is resolved inside the importer's scope, in one query per kind whatever the number of rows:
责任单位 among the organisations where the user holds ``list.configure`` below the list's organisation (code
or full name, ``orgs.resolve.resolve_orgs_by_text``), 领衔县处级干部 and 责任状签订人 by name among the people
the user may see (exactly one). Any problem: nothing is written and every problem is listed
(「第 12 行「完成时限」：日期格式应为 2018-12-31」).

A list already there for the organisation and year is replaced only while nothing has happened on it (no
monthly report, no milestone met, no review); otherwise the import is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.db.models import F
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.importer import parse_date
from zongheng.orgs.models import Org, Person
from zongheng.orgs.resolve import org_choices, resolve_orgs_by_text
from zongheng.orgs.roster import norm_text

from .choices import DocKind
from .models import (
    AnnualReview,
    Milestone,
    ProgressReport,
    QuarterReview,
    SourceDocument,
    Standard,
    Task,
    TaskList,
)

MAX_TASKS = 10000
MAX_FILE_BYTES = 10 * 1024 * 1024
HEADER_SCAN_ROWS = 6
SHEET_TASKS = "任务清单"
SHEET_DOCS = "来源文件"
SHEET_STANDARDS = "标准目录"
WEIGHT_MAX = 32767


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str
    max_length: int = 0
    synonyms: tuple[str, ...] = ()


TASK_COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", True, "如 1、1.1、1.1.2；文件内不重复", 20, ("序号", "任务编号")),
    Column("parent", "上级编号", False, "一级任务（一项工程）不填；分解到下级的任务填其上级任务的编号", 20),
    Column("title", "任务", True, "任务内容，不超过 200 字", 200, ("任务名称", "重点任务", "工作任务")),
    Column("category", "类别", True, "如：组织体系、队伍建设、阵地建设", 40, ("任务类别",)),
    Column("weight", "权重", False, "正整数，不填为 1；在同一上级任务的各项之间分配", 0),
    Column("document", "来源文件", False, "「来源文件」表中的文件名称或文号", 120, ("依据文件",)),
    Column("standards", "对应标准", False, "「标准目录」中的编号，多个用“、”分隔", 0, ("对应标准编号",)),
    Column("lead", "领衔县处级干部", False,
           "仅一级任务填写；姓名，同名时写成“姓名（所在组织）”或“姓名（人员编号 123）”", 80, ("领衔领导", "领衔干部")),
    Column("org", "责任单位", True, "组织全称或组织代码，须是导入组织或其下级", 100, ("承办单位", "牵头单位")),
    Column("starts_on", "开始日期", True, "如 2018-01-01", 0),
    Column("ends_on", "完成时限", True, "如 2018-12-31", 0, ("完成时间", "截止日期")),
    Column("goal", "目标", False, "计划书：目标，不超过 2000 字", 2000, ("工作目标",)),
    Column("measures", "主要措施", False, "计划书：主要措施，不超过 4000 字", 4000, ("工作措施", "措施")),
    Column("roadmap", "路线图", False, "时间表：每行一个节点，如“2018-03-31 制定实施方案”；"
           "节点权重不为 1 时在末尾写“（权重 2）”", 0, ("时间表", "路线图（时间表）")),
    Column("pledge_by", "责任状签订人", False, "姓名，同名时写成“姓名（所在组织）”或“姓名（人员编号 123）”", 80),
    Column("pledge_on", "责任状签订日期", False, "如 2018-02-01", 0, ("签订日期",)),
    Column("pledge_text", "责任状内容", False, "不超过 2000 字", 2000, ("责任状",)),
)
READ_ONLY_HEADERS = ("状态", "进度")  # written by the export, ignored here

DOC_COLUMNS: tuple[Column, ...] = (
    Column("kind", "类别", True, "意见 或 配套文件", 0),
    Column("title", "文件名称", True, "不超过 120 字；表内不重复", 120, ("名称", "文件")),
    Column("doc_no", "文号", False, "如 迎发〔2018〕3号", 60),
    Column("issued_on", "印发日期", False, "如 2018-02-20", 0, ("印发时间",)),
)

STANDARD_COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", True, "如 A-01；表内不重复", 20, ("标准编号",)),
    Column("group", "类别", True, "如：街道党工委、社区党组织", 40, ("分类",)),
    Column("title", "标准", True, "不超过 200 字", 200, ("标准名称",)),
    Column("text", "内容", False, "不超过 2000 字", 2000, ("标准内容", "具体内容")),
)

SHEETS: dict[str, tuple[Column, ...]] = {SHEET_TASKS: TASK_COLUMNS, SHEET_DOCS: DOC_COLUMNS,
                                         SHEET_STANDARDS: STANDARD_COLUMNS}
_KINDS = {label: value for value, label in DocKind.choices} | {"实施意见": DocKind.SUPPORTING}
_KIND_LABELS = dict(DocKind.choices)
_SPLIT = re.compile(r"[、，,；;\s]+")
_MILESTONE = re.compile(r"^(?P<day>\S+)\s+(?P<title>.+?)\s*(?:[（(]\s*权重\s*(?P<weight>\d+)\s*[)）])?$")
_FORMULA_CHARS = ("=", "+", "-", "@")


def milestone_line(due_on: dt.date, title: str, weight: int) -> str:
    """One line of 路线图 (what the import reads, what the export writes)."""
    return f"{due_on.isoformat()} {title}" + (f"（权重 {weight}）" if weight != 1 else "")


def default_title(org: Org, year: int) -> str:
    return f"{org.name}{year}年城市基层党建工作重点任务清单"


# ---------------------------------------------------------------- problems and the plan


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "" if self.sheet in ("", SHEET_TASKS) else f"「{self.sheet}」表"
        if self.row is not None:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」"
        return f"{where}：{self.message}" if where else self.message


@dataclass
class TaskPlan:
    row: int
    code: str
    parent: str
    data: dict[str, Any]
    document: str
    standards: list[str]
    milestones: list[tuple[str, dt.date, int]]


@dataclass
class Plan:
    """What the file would write, and the problems (any problem: nothing is written)."""

    org: Org
    year: int
    documents: list[dict[str, Any]] = field(default_factory=list)
    standards: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[TaskPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    replaces: TaskList | None = None
    task_list: TaskList | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


# ---------------------------------------------------------------- the template


def _write_sheet(wb: Workbook, title: str, columns: tuple[Column, ...], rows: list[list[Any]],
                 caption: str = "") -> None:
    ws = wb.create_sheet(title)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    start = 1
    if caption:
        ws.cell(row=1, column=1, value=caption).font = Font(bold=True, size=14)
        start = 2
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=start, column=i, value=col.header)
        cell.font = bold
        wide = col.max_length >= 200 or col.key in ("roadmap", "org", "standards")
        ws.column_dimensions[cell.column_letter].width = 36 if wide else 14
    for r, values in enumerate(rows, start=start + 1):
        for i, value in enumerate(values, start=1):
            ws.cell(row=r, column=i, value=value).alignment = wrap


def template_bytes() -> bytes:
    """The template: the three sheets with their headers and one example row each, and the notes."""
    wb = Workbook()
    wb.remove(wb.active)
    _write_sheet(wb, SHEET_TASKS, TASK_COLUMNS, [
        ["1", "", "全面建立街道大工委", "组织体系", 2, "全面加强城市基层党建工作的意见", "A-01",
         "（领衔县处级干部姓名）", "（责任单位全称或组织代码）", "2018-01-01", "2018-12-31", "各街道全部建立大工委",
         "制定实施意见，吸收驻区单位参加",
         "2018-03-31 制定实施方案\n2018-06-30 各街道建立大工委（权重 2）", "", "", ""],
    ], caption="××区2018年城市基层党建工作重点任务清单")
    _write_sheet(wb, SHEET_DOCS, DOC_COLUMNS,
                 [["意见", "全面加强城市基层党建工作的意见", "迎发〔2018〕1号", "2018-02-20"]])
    _write_sheet(wb, SHEET_STANDARDS, STANDARD_COLUMNS,
                 [["A-01", "街道党工委", "街道大工委运行规范", "每季度召开一次全体会议"]])
    notes = wb.create_sheet("填写说明")
    notes.append(["表", "列名", "是否必填", "说明"])
    for c in notes[1]:
        c.font = Font(bold=True)
    for sheet, columns in SHEETS.items():
        for col in columns:
            notes.append([sheet, col.header, "必填" if col.required else "选填", col.help])
    notes.append([])
    notes.append(["注意", "", "", "全部行无误才导入；有问题的行逐行列出原因，一行也不写入。示例行请删除后再填写。"
                  "该组织当年已有清单且尚无月度进展、无节点完成、无述评的，导入将整体替换原清单。"
                  "导出的清单中“状态”“进度”两列只供查看，导入时忽略。"])
    notes.column_dimensions["D"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- reading


# Codes and numbers are NFKC-normalised (full-width digits and letters typed in a Chinese input method match);
# text — names of organisations and people included, matched as stored — keeps its full-width punctuation.
KEY_FIELDS = frozenset({"code", "parent", "weight", "standards", "kind"})


def cell_text(value: Any, *, key: bool = False) -> str:
    """A cell as text: trimmed, zero-width characters removed, line breaks kept (NFKC for ``key`` cells); a
    defused formula (``'=...``, as exports write it) read back as its text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    text = str(value).replace("\u200b", "").replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    text = norm_text(text) if key else text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_CHARS:
        text = text[1:]
    return text


def _key(value: Any) -> str:
    return re.sub(r"\s+", "", cell_text(value, key=True)).strip("*:：")


@dataclass
class Sheet:
    name: str
    header: dict[int, Column]
    rows: list[tuple[int, dict[str, Any]]]


def _read_sheet(ws: Any, name: str, columns: tuple[Column, ...], problems: list[Problem]) -> Sheet | None:
    by_header = {_key(h): c for c in columns for h in (c.header, *c.synonyms)}
    rows = list(ws.iter_rows(values_only=True, max_row=MAX_TASKS + HEADER_SCAN_ROWS + 1))
    for h, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        header: dict[int, Column] = {}
        for i, v in enumerate(row or ()):
            col = by_header.get(_key(v))
            if col is not None and col not in header.values():
                header[i] = col
        required = [c for c in columns if c.required]
        if sum(1 for c in header.values() if c.required) * 2 >= len(required) and len(header) >= 2:
            missing = [c.header for c in required if c not in header.values()]
            if missing:
                problems.append(Problem(name, None, "", "缺少必填列：" + "、".join(missing)))
                return None
            body = []
            for n, cells in enumerate(rows[h + 1:], start=h + 2):
                if cells and any(cell_text(v) for v in cells):
                    body.append((n, {col.key: cells[i] for i, col in header.items() if i < len(cells)}))
            if len(body) > MAX_TASKS:
                problems.append(Problem(name, None, "", f"超过 {MAX_TASKS} 行，请拆分"))
                return None
            return Sheet(name, header, body)
    problems.append(Problem(name, None, "", "没有找到表头：应有“" + "、".join(c.header for c in columns if c.required)
                            + "”等列（可下载模板）"))
    return None


def read_workbook(fh: IO[bytes], problems: list[Problem]) -> dict[str, Sheet]:
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
        raise ActionError("无法读取该文件，请上传用 Excel 或 WPS 保存的 .xlsx 文件") from exc
    try:
        names = {norm_text(ws.title): ws for ws in wb.worksheets}
        out: dict[str, Sheet] = {}
        for name, columns in SHEETS.items():
            ws = names.get(name)
            if ws is None and name == SHEET_TASKS and wb.worksheets:
                ws = wb.worksheets[0]
            if ws is None:
                continue
            sheet = _read_sheet(ws, name, columns, problems)
            if sheet is not None:
                out[name] = sheet
    finally:
        wb.close()
    if SHEET_TASKS not in out and not problems:
        problems.append(Problem(SHEET_TASKS, None, "", "文件中没有「任务清单」表"))
    return out


# ---------------------------------------------------------------- checking


class _Row:
    """The cells of one row, with the problems found in it."""

    def __init__(self, plan: Plan, sheet: str, columns: tuple[Column, ...], n: int, cells: dict[str, Any]):
        self.plan, self.sheet, self.n, self.cells = plan, sheet, n, cells
        self.columns = {c.key: c for c in columns}
        self.bad_count = 0

    def bad(self, key: str, message: str) -> None:
        self.bad_count += 1
        self.plan.problems.append(Problem(self.sheet, self.n, self.columns[key].header, message))

    def text(self, key: str) -> str:
        value = cell_text(self.cells.get(key), key=key in KEY_FIELDS)
        col = self.columns[key]
        if not value and col.required:
            self.bad(key, f"请填写{col.header}")
        elif col.max_length and len(value) > col.max_length:
            self.bad(key, f"不能超过 {col.max_length} 字（现有 {len(value)} 字）")
            value = value[:col.max_length]
        return value

    def date(self, key: str, example: str) -> dt.date | None:
        raw = self.cells.get(key)
        if not cell_text(raw):
            if self.columns[key].required:
                self.bad(key, f"请填写{self.columns[key].header}")
            return None
        day = parse_date(raw)
        if day is None or not 1900 < day.year < 2200:
            self.bad(key, f"日期格式应为 {example}")
            return None
        return day


_QUALIFIED = re.compile(r"^(?P<name>[^（(]+?)\s*[（(]\s*(?P<which>[^()（）]+?)\s*[)）]$")
_PERSON_REF = re.compile(r"^人员编号\s*(?P<pk>\d+)$")


@dataclass(frozen=True)
class PersonRow:
    pk: int
    name: str
    org_name: str
    org_code: str


def person_name(text: str) -> str:
    """The name in a person cell: “王某”, “王某（先锋社区）” or “王某（人员编号 123）”."""
    match = _QUALIFIED.match(text)
    return match["name"].strip() if match else text


def _people(user: Any, texts: set[str]) -> dict[str, list[PersonRow]]:
    """{name: the people of that name the user may see} — one query."""
    found: dict[str, list[PersonRow]] = defaultdict(list)
    names = sorted({person_name(t) for t in texts if t})
    if names:
        for pk, name, org_name, org_code in (Person.objects.restrict(user, Perm.PERSON_VIEW).filter(name__in=names)
                                             .values_list("pk", "name", "org__name", "org__code")):
            found[name].append(PersonRow(pk, name, org_name, org_code or ""))
    return found


def person_label(name: str, org_name: str, pk: int, *, shared_name: bool, shared_in_org: bool) -> str:
    """How the export names a person so that the import finds exactly them: the name; when another person
    bears it, with their organisation; when one there does too, with their 人员编号."""
    if not shared_name:
        return name
    return f"{name}（人员编号 {pk}）" if shared_in_org else f"{name}（{org_name}）"


def unit_choices(user: Any, org: Org) -> Any:
    """The organisations a row's 责任单位 may name: where the user configures lists, in the list's subtree."""
    return org_choices(user, Perm.LIST_CONFIGURE).filter(path__startswith=org.path)


def blocking_reason(task_list: TaskList) -> str:
    """Why an existing list cannot be replaced by an import ('' when it can: nothing happened on it yet)."""
    if ProgressReport.objects.filter(task__task_list=task_list).exists():
        return "已有月度进展"
    if Milestone.objects.filter(task__task_list=task_list, done_on__isnull=False).exists():
        return "已有完成的节点"
    if (AnnualReview.objects.filter(task__task_list=task_list).exists()
            or QuarterReview.objects.filter(task_list=task_list).exists()):
        return "已有调度或述评记录"
    return ""


def analyse(user: Any, org: Org, year: int, fh: IO[bytes]) -> Plan:
    """Reads and checks every row; writes nothing. A constant number of queries whatever the number of rows."""
    plan = Plan(org=org, year=year)
    existing = TaskList.objects.filter(org=org, year=year).first()
    if existing is not None:
        reason = blocking_reason(existing)
        if reason:
            plan.problems.append(Problem("", None, "", f"{org.name} {year} 年的任务清单{reason}，不能用导入替换"
                                                        "（请在清单页面逐项调整）"))
            return plan
        plan.replaces = existing
    try:
        sheets = read_workbook(fh, plan.problems)
    except ActionError as exc:
        plan.problems.append(Problem("", None, "", exc.message))
        return plan
    if plan.problems:
        return plan
    doc_keys = _check_documents(plan, sheets.get(SHEET_DOCS))
    std_codes = _check_standards(plan, sheets.get(SHEET_STANDARDS))
    _check_tasks(user, plan, sheets[SHEET_TASKS], doc_keys, std_codes)
    return plan


def _check_documents(plan: Plan, sheet: Sheet | None) -> dict[str, str]:
    """Checks 来源文件; returns {title or 文号: title}."""
    keys: dict[str, str] = {}
    if sheet is None:
        return keys
    titles = Counter(cell_text(cells.get("title")) for _, cells in sheet.rows)
    for n, cells in sheet.rows:
        row = _Row(plan, SHEET_DOCS, DOC_COLUMNS, n, cells)
        kind_text = row.text("kind")
        kind = _KINDS.get(kind_text)
        if kind_text and kind is None:
            row.bad("kind", "类别应为“意见”或“配套文件”")
        title = row.text("title")
        if title and titles[title] > 1:
            row.bad("title", "表内有多行同名文件")
        doc_no = row.text("doc_no")
        issued_on = row.date("issued_on", "2018-02-20")
        if not row.bad_count:
            plan.documents.append({"kind": kind, "title": title, "doc_no": doc_no, "issued_on": issued_on})
            keys[title] = title
            if doc_no:
                keys.setdefault(doc_no, title)
    return keys


def _check_standards(plan: Plan, sheet: Sheet | None) -> set[str]:
    codes: set[str] = set()
    if sheet is None:
        return codes
    counts = Counter(cell_text(cells.get("code"), key=True) for _, cells in sheet.rows)
    for n, cells in sheet.rows:
        row = _Row(plan, SHEET_STANDARDS, STANDARD_COLUMNS, n, cells)
        code = row.text("code")
        if code and counts[code] > 1:
            row.bad("code", f"编号“{code}”在表内重复")
        data = {"code": code, "group": row.text("group"), "title": row.text("title"), "text": row.text("text")}
        if not row.bad_count:
            plan.standards.append(data)
            codes.add(code)
    return codes


def _check_tasks(user: Any, plan: Plan, sheet: Sheet, doc_keys: dict[str, str], std_codes: set[str]) -> None:
    if not sheet.rows:
        plan.problems.append(Problem(SHEET_TASKS, None, "", "表中没有任务"))
        return
    texts = {key: {cell_text(cells.get(key)) for _, cells in sheet.rows} for key in ("org", "lead", "pledge_by")}
    units = resolve_orgs_by_text(unit_choices(user, plan.org), texts["org"])
    people = _people(user, texts["lead"] | texts["pledge_by"])
    codes = Counter(cell_text(cells.get("code"), key=True) for _, cells in sheet.rows)
    first_row: dict[str, int] = {}
    for n, cells in sheet.rows:
        first_row.setdefault(cell_text(cells.get("code"), key=True), n)
    parents = {cell_text(cells.get("code"), key=True): cell_text(cells.get("parent"), key=True)
               for _, cells in sheet.rows}
    for n, cells in sheet.rows:
        row = _Row(plan, SHEET_TASKS, TASK_COLUMNS, n, cells)
        code = row.text("code")
        if code and codes[code] > 1 and first_row[code] != n:
            row.bad("code", f"编号“{code}”与第 {first_row[code]} 行重复")
        parent = row.text("parent")
        if parent:
            if parent == code:
                row.bad("parent", "上级编号不能是本任务自己")
            elif parent not in parents:
                row.bad("parent", f"表中找不到编号为“{parent}”的任务")
            elif _cycles(code, parents):
                row.bad("parent", "上级编号形成了循环")
        data: dict[str, Any] = {"code": code, "title": row.text("title"), "category": row.text("category"),
                                "goal": row.text("goal"), "measures": row.text("measures"),
                                "pledge_text": row.text("pledge_text")}
        data["weight"] = _weight(row)
        document = row.text("document")
        if document and document not in doc_keys:
            row.bad("document", f"「来源文件」表中没有“{document}”（填文件名称或文号）")
        standards = [c for c in _SPLIT.split(row.text("standards")) if c]
        unknown = [c for c in standards if c not in std_codes]
        if unknown:
            more = "等" if len(unknown) > 5 else ""
            row.bad("standards", "「标准目录」中没有编号：" + "、".join(unknown[:5]) + more)
        unit_text = row.text("org")
        found = units.get(unit_text, [])
        if unit_text and not found:
            row.bad("org", f"“{unit_text}”不存在或不在您的管辖范围内（须是{plan.org.name}或其下级，可填组织代码）")
        elif len(found) > 1:
            row.bad("org", f"有 {len(found)} 个名为“{unit_text}”的组织，请改填组织代码")
        elif found:
            data["org"] = found[0]
        for key in ("lead", "pledge_by"):
            name = row.text(key)
            data[f"{key}_id"] = _person(row, key, name, people) if name else None
        if data["lead_id"] and parent:
            row.bad("lead", "领衔县处级干部只填在一级任务（上级编号为空）上")
        data["starts_on"] = row.date("starts_on", "2018-01-01")
        data["ends_on"] = row.date("ends_on", "2018-12-31")
        if data["starts_on"] and data["ends_on"] and data["ends_on"] < data["starts_on"]:
            row.bad("ends_on", "完成时限不能早于开始日期")
        data["pledge_on"] = row.date("pledge_on", "2018-02-01")
        milestones = _milestones(row)
        if not row.bad_count:
            plan.tasks.append(TaskPlan(n, code, parent, data, doc_keys.get(document, ""), standards, milestones))


def _cycles(code: str, parents: dict[str, str]) -> bool:
    seen = {code}
    current = parents.get(code, "")
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current, "")
    return False


def _weight(row: _Row) -> int:
    text = row.text("weight")
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= WEIGHT_MAX:
        row.bad("weight", "权重应为正整数，如 1、2、3")
        return 1
    return int(text)


def _person(row: _Row, key: str, text: str, people: dict[str, list[PersonRow]]) -> int | None:
    match = _QUALIFIED.match(text)
    name = person_name(text)
    candidates = people.get(name, [])
    if match:
        which = match["which"]
        ref = _PERSON_REF.match(which)
        if ref:
            candidates = [p for p in candidates if str(p.pk) == ref["pk"]]
        else:
            candidates = [p for p in candidates if which in (p.org_name, p.org_code)]
    if not candidates:
        where = f"（{match['which']}）" if match else ""
        row.bad(key, f"您的管辖范围内没有名为“{name}”{where}的人员")
        return None
    if len(candidates) > 1:
        row.bad(key, f"您的管辖范围内有 {len(candidates)} 人名为“{text}”，无法确定是哪一位"
                     "（可写成“姓名（所在组织）”或“姓名（人员编号 123）”）")
        return None
    return candidates[0].pk


def _milestones(row: _Row) -> list[tuple[str, dt.date, int]]:
    out = []
    for i, line in enumerate(row.text("roadmap").split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        match = _MILESTONE.match(line)
        day = parse_date(match["day"]) if match else None
        if match is None or day is None:
            row.bad("roadmap", f"第 {i} 个节点“{line[:30]}”应写成“2018-03-31 节点名称”")
            continue
        title = match["title"].strip()
        weight = int(match["weight"] or 1)
        if len(title) > 200:
            row.bad("roadmap", f"第 {i} 个节点的名称不能超过 200 字")
        elif not 1 <= weight <= WEIGHT_MAX:
            row.bad("roadmap", f"第 {i} 个节点的权重应为正整数")
        else:
            out.append((title, day, weight))
    return out


# ---------------------------------------------------------------- writing


def _depths(tasks: list[TaskPlan]) -> dict[str, int]:
    parents = {t.code: t.parent for t in tasks}
    depth: dict[str, int] = {}
    for code in parents:
        chain = []
        current = code
        while current and current not in depth:
            chain.append(current)
            current = parents.get(current, "")
        base = depth[current] if current else -1
        for c in reversed(chain):
            base += 1
            depth[c] = base
    return depth


def do_import_task_list(user: Any, org: Org, year: int, fh: IO[bytes], *, title: str = "", report_day: int = 5,
                        file_name: str = "") -> Plan:
    """Analyses the file and, when every row is good, writes the year's list of ``org`` in one transaction —
    all or nothing (replacing a list nothing happened on yet). Returns the plan; when it has problems,
    nothing was written. ``org`` must be one the user configures lists at (checked again here)."""
    if not org_choices(user, Perm.LIST_CONFIGURE).filter(pk=org.pk).exists():
        raise ActionError("所选组织不存在或不在您的管辖范围内")
    if not 2000 <= year <= 2100:
        raise ActionError("年度应在 2000 到 2100 之间")
    with transaction.atomic():
        if org.pk is not None:
            Org.objects.select_for_update().filter(pk=org.pk).first()  # one import of a list at a time
        plan = analyse(user, org, year, fh)
        if not plan.ok:
            return plan
        replaced = None
        if plan.replaces is not None:
            replaced = {"pk": plan.replaces.pk, "title": plan.replaces.title,
                        "tasks": Task.objects.filter(task_list=plan.replaces).count()}
            plan.replaces.delete()
        task_list = TaskList.objects.create(org=org, org_path=org.path, year=year,
                                            title=(title or default_title(org, year))[:100], report_day=report_day)
        plan.task_list = task_list
        docs = SourceDocument.objects.bulk_create(SourceDocument(task_list=task_list, **d) for d in plan.documents)
        doc_ids = {d.title: d.pk for d in docs}
        stds = Standard.objects.bulk_create(Standard(task_list=task_list, **s) for s in plan.standards)
        std_ids = {s.code: s.pk for s in stds}
        _write_tasks(task_list, plan.tasks, doc_ids, std_ids)
        audit.record(user, "lists.task_list_import", task_list, after={
            "file": file_name[:100], "year": year, "tasks": len(plan.tasks), "documents": len(docs),
            "standards": len(stds), "milestones": sum(len(t.milestones) for t in plan.tasks),
            **({"replaced": replaced} if replaced else {})})
    return plan


def _write_tasks(task_list: TaskList, tasks: list[TaskPlan], doc_ids: dict[str, int], std_ids: dict[str, int]) -> None:
    depth = _depths(tasks)
    ids: dict[str, int] = {}
    roots: dict[str, int] = {}
    by_depth: dict[int, list[TaskPlan]] = defaultdict(list)
    for t in tasks:
        by_depth[depth[t.code]].append(t)
    for level in sorted(by_depth):
        rows = by_depth[level]
        objs = []
        for t in rows:
            d = dict(t.data)
            unit = d.pop("org")
            objs.append(Task(task_list=task_list, org=unit, org_path=unit.path,
                             parent_id=ids[t.parent] if t.parent else None,
                             root_id=roots[t.parent] if t.parent else None,
                             document_id=doc_ids.get(t.document), **d))
        Task.objects.bulk_create(objs, batch_size=500)
        for t, obj in zip(rows, objs, strict=True):
            ids[t.code] = obj.pk
            roots[t.code] = roots[t.parent] if t.parent else obj.pk
        if level == 0:
            Task.objects.filter(task_list=task_list, parent__isnull=True).update(root=F("pk"))
    through = Task.standards.through
    through.objects.bulk_create((through(task_id=ids[t.code], standard_id=std_ids[c])
                                 for t in tasks for c in dict.fromkeys(t.standards)), batch_size=1000)
    Milestone.objects.bulk_create((Milestone(task_id=ids[t.code], title=title, due_on=due_on, weight=weight)
                                   for t in tasks for title, due_on, weight in t.milestones), batch_size=1000)
