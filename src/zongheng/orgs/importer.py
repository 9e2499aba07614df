"""Member import from .xlsx (党员名册导入): all or nothing.

Every row is validated first and every problem is collected with a Chinese reason
(``{"row": n, "column": "列名", "message": "原因"}``). A file with any problem writes
nothing. A clean file is written in one transaction by ``do_import_people``, which
builds each person through ``actions.build_person``, inserts in batches and leaves a
single audit record ("person.import") on the ImportJob naming the people it created.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel

from zongheng.core import audit, crypto
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.masking import normalize_phone, validate_id_number, validate_phone
from zongheng.core.permissions import Perm

from .actions import build_person
from .choices import Gender, MemberType
from .models import ImportJob, ImportStatus, Org, Person
from .resolve import org_choices, registered_org_choices, resolve_orgs_by_text

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
BATCH_SIZE = 1000
PROGRESS_EVERY = 200
MAX_ERRORS = 200  # the problems kept on a job (the first ones, by row); the rest are counted in one line
SHEET_NAME = "党员名册"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True, "必填，不超过 50 字"),
    Column("性别", "gender", True, "必填，填“男”或“女”"),
    Column("出生年份", "birth_year", False, "四位年份，如 1980；不填则按身份证号码推算"),
    Column("手机号码", "phone", False, "11 位手机号或带区号的固定电话，请设为文本格式"),
    Column("身份证号码", "id_number", True, "必填，18 位，末位可为 X，请设为文本格式；用于识别重复人员"),
    Column("是否党员", "is_party_member", False, "填“是”或“否”，不填视为“是”"),
    Column("党员类型", "member_type", False, "、".join(MemberType.labels)),
    Column("入党日期", "joined_on", False, "如 2018-07-01、2018/7/1 或 2018年7月1日"),
    Column("所在组织", "org", True, "必填，填组织代码，或所选导入组织下的组织全称"),
    Column("报到社区", "registered_org", False, "双联双管党员报到的社区或村：组织代码或全称"),
)
HEADERS = {c.header: c for c in COLUMNS}

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_MEMBER_TYPES = {label: value for value, label in MemberType.choices}
_MEMBER_TYPES.update({label.removesuffix("党员"): value for value, label in MemberType.choices})
_GENDERS = {label: value for value, label in Gender.choices}
_YES = {"是", "党员", "Y", "YES", "1", "TRUE"}
_NO = {"否", "非党员", "N", "NO", "0", "FALSE"}


class ImportFileError(Exception):
    """The upload cannot be read as a member roster at all (shown to the user in Chinese)."""


# ---------------------------------------------------------------- template


def template_bytes() -> bytes:
    """The blank roster (first sheet) and a sheet explaining every column."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = bold
        letter = cell.column_letter
        ws.column_dimensions[letter].width = 22 if col.key in ("id_number", "org", "registered_org") else 14
        if col.key in ("phone", "id_number"):
            # Text format, so long numbers keep every digit.
            for row in range(2, 2002):
                ws.cell(row=row, column=i).number_format = "@"
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "说明"])
    for c in help_ws[1]:
        c.font = bold
    for col in COLUMNS:
        help_ws.append([col.header, "必填" if col.required else "选填", col.help])
    help_ws.append([])
    help_ws.append(["注意", "", "整个文件全部正确才会导入；只要有一行有误，就一行也不导入，并列出所有问题行及原因。"])
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["C"].width = 70
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- reading


@dataclass
class Sheet:
    """The roster as read: column positions by key, data rows with their row numbers."""

    columns: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _open(fh: IO[bytes]) -> Any:
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError("无法读取该文件，请上传用 Excel 或 WPS 保存的 .xlsx 文件") from exc
    if not wb.worksheets:
        raise ImportFileError("文件中没有工作表")
    return wb


def _roster_sheet(wb: Any) -> Any:
    return wb[SHEET_NAME] if SHEET_NAME in wb.sheetnames else wb.worksheets[0]


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _iter_rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        yield number, tuple(values)


def count_data_rows(fh: IO[bytes]) -> int:
    """Non-blank rows below the header; raises ImportFileError when unreadable."""
    wb = _open(fh)
    try:
        n, seen_header = 0, False
        for _, values in _iter_rows(_roster_sheet(wb)):
            if _blank(values):
                continue
            if seen_header:
                n += 1
            seen_header = True
        return n
    finally:
        wb.close()


def _header_key(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    return text.strip("*＊").removesuffix("（必填）").removesuffix("(必填)")


def read_sheet(fh: IO[bytes]) -> Sheet:
    wb = _open(fh)
    sheet = Sheet()
    try:
        header_seen = False
        for number, values in _iter_rows(_roster_sheet(wb)):
            if _blank(values):
                continue
            if not header_seen:
                header_seen = True
                for index, value in enumerate(values):
                    col = HEADERS.get(_header_key(value))
                    if col is not None and col.key not in sheet.columns:
                        sheet.columns[col.key] = index
                continue
            sheet.rows.append((number, values))
    finally:
        wb.close()
    if not header_seen:
        message = "文件是空的：第一行应为表头（姓名、性别、身份证号码……）"
        sheet.errors.append({"row": None, "column": "", "message": message})
        return sheet
    for col in COLUMNS:
        if col.required and col.key not in sheet.columns:
            sheet.errors.append({"row": None, "column": col.header, "message": f"缺少必填列“{col.header}”"})
    if not sheet.errors and not sheet.rows:
        sheet.errors.append({"row": None, "column": "", "message": "文件中没有数据行"})
    return sheet


# ---------------------------------------------------------------- cell parsing


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> dt.date | None:
    """Excel dates, 2018-07-01, 2018/7/1, 2018.7.1, 2018年7月1日, 20180701; None when unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
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
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


# ---------------------------------------------------------------- organisations


class OrgResolver:
    """Finds the org a cell names, through the scoped lookups every door uses (``orgs.resolve``).

    所在组织: its code, or its full name, among the organisations in the user's import scope,
    and it must lie under the chosen import organisation. 报到社区: any regular community or
    village, by code or full name. An organisation outside the user's scope is never loaded,
    so it is refused exactly like one that does not exist. Two queries per 400 distinct names.
    """

    def __init__(self, user: Any, target: Org, sheet: Sheet):
        self.user, self.target = user, target
        texts: dict[str, set[str]] = {"org": set(), "registered_org": set()}
        for key, wanted in texts.items():
            index = sheet.columns.get(key)
            if index is None:
                continue
            for _, values in sheet.rows:
                text = _text(values[index]) if index < len(values) else ""
                if text:
                    wanted.add(text)
        self.members = resolve_orgs_by_text(org_choices(user, Perm.PERSON_IMPORT), texts["org"])
        self.registers = resolve_orgs_by_text(registered_org_choices(), texts["registered_org"])

    def member_org(self, text: str) -> tuple[Org | None, str | None]:
        found = self.members.get(text, [])
        inside = [o for o in found if o.path.startswith(self.target.path)]
        if len(inside) == 1:
            return inside[0], None
        if len(inside) > 1:
            return None, f"“{self.target.name}”下有 {len(inside)} 个名为“{text}”的组织，请改填组织代码"
        if found:  # in the user's scope (nothing is revealed), but not under the chosen import org
            return None, f"组织“{text}”不属于所选的导入组织“{self.target.name}”"
        return None, (f"找不到组织“{text}”，或它不在您的管辖范围内"
                      f"（请填写组织代码，或“{self.target.name}”下的组织全称）")

    def register_org(self, text: str) -> tuple[Org | None, str | None]:
        found = self.registers.get(text, [])
        if len(found) > 1:
            return None, f"有 {len(found)} 个名为“{text}”的社区或村，请改填组织代码"
        if not found:
            return None, f"找不到报到社区“{text}”（须为社区或村，请填写组织代码或全称）"
        return found[0], None


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- validation


@dataclass
class Validated:
    rows: list[tuple[int, dict[str, Any]]]
    errors: list[dict[str, Any]]


def validate(
    user: Any, target: Org, sheet: Sheet, progress: Callable[[int], None] | None = None
) -> Validated:
    """Checks every row; returns cleaned person data per row and every problem found."""
    errors = list(sheet.errors)
    if errors:
        return Validated([], errors)
    resolver = OrgResolver(user, target, sheet)
    this_year = timezone.localdate().year
    today = timezone.localdate()
    cleaned: list[tuple[int, dict[str, Any]]] = []
    hashes: dict[str, list[int]] = defaultdict(list)

    for done, (number, values) in enumerate(sheet.rows, start=1):
        row_errors: list[dict[str, Any]] = []

        def err(key: str, message: str, number: int = number, row_errors: list[dict[str, Any]] = row_errors) -> None:
            header = next(c.header for c in COLUMNS if c.key == key)
            row_errors.append({"row": number, "column": header, "message": message})

        def cell(key: str, values: tuple[Any, ...] = values) -> Any:
            index = sheet.columns.get(key)
            return values[index] if index is not None and index < len(values) else None

        data: dict[str, Any] = {}
        for col in COLUMNS:
            if col.required and not _text(cell(col.key)):
                err(col.key, f"“{col.header}”不能为空")

        name = _text(cell("name"))
        if len(name) > 50:
            err("name", "姓名不能超过 50 字")
        data["name"] = name

        gender = _text(cell("gender"))
        if gender:
            if gender not in _GENDERS:
                err("gender", f"性别“{gender}”无法识别，应填“男”或“女”")
            data["gender"] = _GENDERS.get(gender, "")

        id_number = _text(cell("id_number")).upper().replace(" ", "")
        if id_number:
            if isinstance(cell("id_number"), float) and len(id_number) > 15:
                err("id_number", "身份证号码被 Excel 存成了数字，末几位已丢失，请把该列设为文本格式后重新填写")
            elif msg := validate_id_number(id_number):
                err("id_number", msg)
            else:
                hashes[crypto.blind_index(id_number) or ""].append(number)
        data["id_number"] = id_number

        raw_year = cell("birth_year")
        year_text = _text(raw_year)
        data["birth_year"] = None
        if year_text:
            if re.fullmatch(r"\d{4}", year_text) and 1900 <= int(year_text) <= this_year:
                data["birth_year"] = int(year_text)
            elif isinstance(raw_year, dt.date):
                data["birth_year"] = raw_year.year
            else:
                err("birth_year", f"出生年份“{year_text}”无法识别，应为四位年份，如 1980")
        elif id_number and not validate_id_number(id_number):
            data["birth_year"] = int(id_number[6:10])

        phone = normalize_phone(_text(cell("phone")))
        if phone and (msg := validate_phone(phone)):
            err("phone", f"手机号码“{phone}”格式不正确（应为 11 位手机号或带区号的固话）")
        data["phone"] = phone

        party_text = _text(cell("is_party_member")).upper()
        if not party_text or party_text in _YES:
            data["is_party_member"] = True
        elif party_text in _NO:
            data["is_party_member"] = False
        else:
            err("is_party_member", f"是否党员“{party_text}”无法识别，应填“是”或“否”")

        type_text = _text(cell("member_type"))
        data["member_type"] = ""
        if type_text:
            if type_text in _MEMBER_TYPES:
                data["member_type"] = _MEMBER_TYPES[type_text]
            else:
                err("member_type", f"党员类型“{type_text}”无法识别，可填：{'、'.join(MemberType.labels)}")

        raw_date = cell("joined_on")
        data["joined_on"] = None
        if _text(raw_date):
            joined = parse_date(raw_date)
            if joined is None:
                err("joined_on", f"入党日期“{_text(raw_date)}”无法识别（可填 2018-07-01、2018/7/1 或 2018年7月1日）")
            elif joined > today:
                err("joined_on", "入党日期不能晚于今天")
            else:
                data["joined_on"] = joined

        org_text = _text(cell("org"))
        if org_text:
            ref, msg = resolver.member_org(org_text)
            if msg:
                err("org", msg)
            data["org_id"] = ref.id if ref else None

        reg_text = _text(cell("registered_org"))
        data["registered_org_id"] = None
        if reg_text:
            ref, msg = resolver.register_org(reg_text)
            if msg:
                err("registered_org", msg)
            data["registered_org_id"] = ref.id if ref else None

        errors.extend(row_errors)
        cleaned.append((number, data))
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)

    # Duplicates: twice in the file (both rows named) and already in the database.
    for rows in hashes.values():
        if len(rows) > 1:
            for number in rows:
                others = "、".join(f"第 {n} 行" for n in rows if n != number)
                errors.append({"row": number, "column": "身份证号码", "message": f"身份证号码与{others}重复"})
    all_hashes = list(hashes)
    for chunk in _chunks(all_hashes, 500):
        for id_hash in Person.objects.filter(id_hash__in=chunk).values_list("id_hash", flat=True):
            for number in hashes[id_hash or ""]:
                errors.append({"row": number, "column": "身份证号码", "message": "系统中已有相同身份证号码的人员"})
    if progress is not None:
        progress(len(sheet.rows))
    errors.sort(key=lambda e: (e["row"] or 0, _column_order(e["column"])))
    return Validated(cleaned, errors)


def cap_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a job keeps: the first ``MAX_ERRORS`` problems, and one line saying how many more there were."""
    if len(errors) <= MAX_ERRORS:
        return errors
    more = len(errors) - MAX_ERRORS
    rows = len({e["row"] for e in errors[MAX_ERRORS:] if e.get("row")})
    message = (f"另有 {more} 处问题未列出（涉及 {rows} 行）：只保存前 {MAX_ERRORS} 处。"
               "请先改正以上问题，重新上传后再查看其余问题。")
    return [*errors[:MAX_ERRORS], {"row": None, "column": "", "message": message}]


def _column_order(header: str) -> int:
    for i, col in enumerate(COLUMNS):
        if col.header == header:
            return i
    return -1


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
    from django.db.models import Q

    from zongheng.core.models import AuditLog

    records = AuditLog.objects.filter(action="person.import", object_type="orgs.importjob", object_id=str(job.pk))
    record = records.first()
    q = Q(pk__in=[])
    for first, last in (record.after or {}).get("people", []) if record else []:
        q |= Q(pk__gte=first, pk__lte=last)
    return Person.objects.filter(q)


@transaction.atomic
def do_import_people(user: Any, job: ImportJob, rows: list[tuple[int, dict[str, Any]]] | None = None) -> int:
    """Writes every validated row of ``job`` (all or nothing) and audits the import once.

    ``rows`` are the cleaned rows from ``validate``; when omitted the job's file is read
    and validated here. Raises ActionError (nothing written) on any problem.
    """
    job = ImportJob.objects.select_for_update().select_related("org").get(pk=job.pk)
    if job.status == ImportStatus.DONE:
        raise ActionError("该文件已经导入过了")
    if not in_scope(user, Perm.PERSON_IMPORT, job.org.path):
        raise ActionError("所选导入组织不在您的管辖范围内")
    if rows is None:
        if not job.file:
            raise ActionError("该任务的名册文件已在导入结束后删除，请重新上传")
        with job.file.open("rb") as fh:
            result = validate(user, job.org, read_sheet(fh))
        if result.errors:
            messages = [e["message"] for e in cap_errors(result.errors)]
            raise ActionError(f"文件中有 {len(result.errors)} 处错误，未导入任何人员", errors=messages)
        rows = result.rows
    org_ids = {d["org_id"] for _, d in rows} | {d["registered_org_id"] for _, d in rows if d["registered_org_id"]}
    orgs = Org.objects.in_bulk(list(org_ids))
    created_ids: list[int] = []
    batch: list[Person] = []
    try:
        for _, data in rows:
            data = dict(data)
            data["org"] = orgs[data.pop("org_id")]
            reg = data.pop("registered_org_id")
            data["registered_org"] = orgs[reg] if reg and reg != data["org"].pk else None
            batch.append(build_person(data))
            if len(batch) >= BATCH_SIZE:
                created_ids += [p.pk for p in Person.objects.bulk_create(batch)]
                batch = []
        if batch:
            created_ids += [p.pk for p in Person.objects.bulk_create(batch)]
    except IntegrityError as exc:
        raise ActionError(
            "写入时发现系统中已有相同身份证号码的人员（可能刚被他人录入），未导入任何人员，请重新上传"
        ) from exc
    job.status = ImportStatus.DONE
    job.created_count = len(created_ids)
    job.processed_rows = job.total_rows = len(rows)
    job.errors = []
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "created_count", "processed_rows", "total_rows", "errors", "finished_at"])
    transaction.on_commit(lambda: discard_upload(job.pk))
    audit.record(
        user, "person.import", job,
        after={"created": len(created_ids), "file": job.file_name, "org": job.org_id, "people": _ranges(created_ids)},
    )
    return len(created_ids)


# ---------------------------------------------------------------- running a job


def do_create_job(user: Any, org: Org, upload: Any, data_rows: int) -> ImportJob:
    """Stores the uploaded file as a pending job; the import itself is ``run_job``."""
    if not in_scope(user, Perm.PERSON_IMPORT, org.path):
        raise ActionError("所选组织不在您的管辖范围内，不能向其导入人员")
    name = (getattr(upload, "name", "") or "名册.xlsx").rsplit("/", 1)[-1][:255]
    job = ImportJob(created_by=user, org=org, file_name=name, total_rows=data_rows)
    job.file.save(f"import-{timezone.now():%Y%m%d%H%M%S}.xlsx", upload, save=False)
    job.save()
    return job


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

    The uploaded file is deleted from storage; the job row, its ``file_name`` and its
    ``errors`` (row, column, reason — what the error page and its .xlsx show) remain.
    Runs after the job's final state is committed, so a rolled-back finish keeps the file.
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
    """Validates and imports one job; idempotent (a job already taken is left alone)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(status=ImportStatus.VALIDATING)
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        with job.file.open("rb") as fh:
            sheet = read_sheet(fh)
        _set(job, total_rows=len(sheet.rows), processed_rows=0)
        result = validate(job.created_by, job.org, sheet, progress=lambda n: _set(job, processed_rows=n))
        if result.errors:
            _fail(job, result.errors)
            return job
        _set(job, status=ImportStatus.WRITING)
        do_import_people(job.created_by, job, result.rows)
    except ImportFileError as exc:
        _fail(job, [{"row": None, "column": "", "message": str(exc)}])
    except ActionError as exc:
        _fail(job, [{"row": None, "column": "", "message": exc.message}])
    except Exception:
        log.exception("import job %s crashed", job_id)
        _fail(job, [{"row": None, "column": "", "message": "导入时发生系统错误，未导入任何人员，请联系管理员"}])
    job.refresh_from_db()
    return job
