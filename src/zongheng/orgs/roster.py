"""Reading the rosters clerks actually have (花名册): the layout, not the meaning.

A roster arrives as .xlsx (or .csv). Before anything else every text cell is NFKC-normalised
(full-width digits and letters become ASCII, ideographic spaces plain ones). Then this module
finds, for each sheet, the header block — skipping title rows, flattening merged multi-row
headers — and scores it by how many columns name a known field (``FIELDS`` with their
synonyms, including the 全国党员管理信息系统 export and common 花名册 wording). The cell
range comes from the cells themselves, never from the ``<dimension>`` tag; merged cells give
their value to every cell they cover; hidden rows and columns are reported, not lost.

``importer`` turns the rows into people; nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any, cast

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

MAX_COLUMNS = 100
MAX_ROWS = 60_000
HEADER_SCAN_ROWS = 30


class ImportFileError(Exception):
    """The upload cannot be read as a member roster at all (shown to the user in Chinese)."""


@dataclass(frozen=True)
class Field:
    key: str
    header: str  # the template's header
    required: bool
    help: str
    synonyms: tuple[str, ...] = ()
    in_template: bool = True


FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", True, "必填，不超过 50 字", ("党员姓名", "人员姓名", "名字", "姓 名")),
    Field("gender", "性别", False, "填“男”或“女”；不填则按身份证号码推算", ("性 别",)),
    Field("birth_year", "出生年份", False, "四位年份，如 1980；不填则按身份证号码推算", ("出生年",)),
    Field("phone", "手机号码", False, "11 位手机号或带区号的固定电话，请设为文本格式",
          ("手机号", "手机", "联系电话", "电话", "电话号码", "联系方式", "移动电话", "联系手机", "手机号码(必填)",
           "本人联系电话", "固定电话", "电话(手机)")),
    Field("id_number", "身份证号码", True, "必填，18 位，末位可为 X，请设为文本格式；用于识别重复人员和更新",
          ("身份证号", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "身份证件号码", "身份号码",
           "居民身份证号码", "身份证号码(18位)")),
    Field("is_party_member", "是否党员", False, "填“是”或“否”，不填视为“是”", ("政治面貌",)),
    Field("member_type", "党员类型", False, "在职党员、离退休党员、流动党员、无固定职业党员、学生党员、其他",
          ("党员类别",)),
    Field("joined_on", "入党日期", False, "如 2018-07-01、2018/7/1、2018年7月1日、2018.07 或 2018年7月",
          ("入党时间", "加入党组织日期", "入党年月", "入党年月日", "入党日期(年月日)")),
    Field("org", "所在组织", False, "组织代码或组织名称（如“先锋社区第八网格党支部”）；不填则为所选导入组织",
          ("所在党支部", "所属党组织", "所在党组织", "所属党支部", "所在支部", "所属支部", "支部名称", "党组织名称",
           "所在党组织名称", "组织名称", "所在网格", "所在(管理)组织", "所在党小组", "党支部")),
    Field("registered_org", "报到社区", False, "双联双管党员报到的社区或村：组织代码或全称",
          ("报到社区(村)", "报到村(社区)", "双报到社区", "报到社区名称")),
    Field("standing", "正式/预备", False, "填“正式党员”或“预备党员”；有转正日期的视为正式党员",
          ("人员类别", "党员身份", "正式或预备", "正式/预备党员", "正式党员/预备党员")),
    Field("confirmed_on", "转正日期", False, "预备党员转为正式党员的日期，格式同入党日期",
          ("转正时间", "转为正式党员日期", "转正年月")),
    Field("ethnicity", "民族", False, "如“汉族”", ("民 族",)),
    Field("education", "学历", False, "如“大学本科”", ("文化程度", "最高学历", "全日制学历", "学历学位", "学历(学位)")),
    Field("workplace", "工作单位", False, "工作单位或学校", ("现工作单位", "工作单位及职务", "单位", "单位名称",
                                                  "工作单位(学校)", "工作单位或就读学校")),
    Field("address", "家庭住址", False, "加密保存，页面上只显示前几个字",
          ("住址", "家庭地址", "现居住地", "现居住地址", "居住地址", "现住址", "家庭住址(现居住地)", "现家庭住址")),
    Field("org_code", "组织代码", False, "所在组织的组织代码（导出名册自带）；填了则优先按代码匹配",
          ("所在组织代码", "党组织代码", "组织编码", "党组织编码")),
    Field("person_ref", "人员编号", False, "平台导出名册自带，用于对应已有人员，请勿修改；新增人员留空",
          ("平台人员编号",)),
    Field("birth_date", "出生日期", False, "如 1985-03-02 或 1985.03；与身份证号码核对",
          ("出生年月", "出生时间", "出生年月日"),
          in_template=False),
    Field("is_mobile", "是否流动党员", False, "填“是”的视为流动党员（党员类型没填时）", ("流动党员",),
          in_template=False),
    Field("status", "党籍状态", False, "“已转出”“已去世”“停止党籍”等的行不导入",
          ("人员状态", "在册状态", "组织关系状态"),
          in_template=False),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
TEMPLATE_FIELDS = tuple(f for f in FIELDS if f.in_template)

# Columns rosters commonly carry that the platform deliberately does not keep: named in the
# preview as "不导入" with this reason rather than as unknown.
KNOWN_DROPPED = {
    "序号": "序号", "编号": "序号", "备注": "备注不导入", "籍贯": "平台不保存籍贯", "职务": "职务请在“职务”页设置",
    "党内职务": "职务请在“职务”页设置", "党龄": "按入党日期计算", "年龄": "按身份证号码计算", "照片": "平台不保存照片",
    "工作岗位": "平台不保存工作岗位", "是否失联党员": "平台不保存", "婚姻状况": "平台不保存", "健康状况": "平台不保存",
    "邮箱": "平台不保存", "QQ": "平台不保存", "微信": "平台不保存",
}


def norm_text(value: str) -> str:
    """NFKC, zero-width characters removed, outer whitespace stripped: done to every text cell first."""
    text = unicodedata.normalize("NFKC", value)
    return text.replace("\u200b", "").replace("\ufeff", "").strip()


def header_key(value: Any) -> str:
    text = norm_text(str(value or "")) if not isinstance(value, str) else norm_text(value)
    text = re.sub(r"\s+", "", text).strip("*:：").lower()
    return text.removesuffix("(必填)").removesuffix("(选填)").strip("*")


SYNONYMS: dict[str, str] = {}
for _f in FIELDS:
    for _name in (_f.header, *_f.synonyms):
        SYNONYMS.setdefault(header_key(_name), _f.key)
_DROPPED = {header_key(k): v for k, v in KNOWN_DROPPED.items()}


def field_for_header(text: str) -> str | None:
    key = header_key(text)
    if not key:
        return None
    if key in SYNONYMS:
        return SYNONYMS[key]
    bare = re.sub(r"\(.*?\)", "", key)  # 身份证号码(18位) → 身份证号码
    return SYNONYMS.get(bare)


def dropped_reason(text: str) -> str:
    key = header_key(text)
    return _DROPPED.get(key) or _DROPPED.get(re.sub(r"\(.*?\)", "", key)) or "不是平台保存的字段"


# ---------------------------------------------------------------- raw sheets


@dataclass
class RawSheet:
    """One sheet as read: every row (merged values filled in), hidden rows and columns."""

    name: str
    rows: list[list[Any]]
    hidden_rows: set[int] = field(default_factory=set)  # spreadsheet row numbers
    hidden_cols: set[int] = field(default_factory=set)  # 0-based column indexes
    merged_header: bool = False


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        text = norm_text(value)
        return text or None
    return value


def _read_xlsx(fh: IO[bytes]) -> list[RawSheet]:
    try:
        wb = load_workbook(fh, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
        raise ImportFileError("无法读取该文件，请上传用 Excel 或 WPS 保存的 .xlsx 文件") from exc
    sheets = []
    try:
        for ws in wb.worksheets:
            # Cells, not the <dimension> tag: the full reader keeps every cell it parsed.
            rows = [[_cell(v) for v in values[:MAX_COLUMNS]] for values in ws.iter_rows(values_only=True)]
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"工作表“{ws.title}”超过 {MAX_ROWS} 行，请拆分后分批导入")
            sheet = RawSheet(ws.title, rows)
            for merged in ws.merged_cells.ranges:
                top, left = merged.min_row, merged.min_col
                if top > len(rows) or left > MAX_COLUMNS:
                    continue
                row0 = rows[top - 1]
                value = row0[left - 1] if left - 1 < len(row0) else None
                for r in range(top, min(merged.max_row, len(rows)) + 1):
                    row = rows[r - 1]
                    for c in range(left, min(merged.max_col, MAX_COLUMNS) + 1):
                        while len(row) < c:
                            row.append(None)
                        if r != top or c != left:
                            row[c - 1] = value
            for number, dim in ws.row_dimensions.items():
                if dim.hidden:
                    sheet.hidden_rows.add(int(number))
            for letter, dim in ws.column_dimensions.items():
                if dim.hidden:
                    first = column_index_from_string(letter)
                    last = max(first, dim.max or first) if dim.min else first
                    sheet.hidden_cols.update(range(first - 1, min(last, MAX_COLUMNS)))
            sheets.append(sheet)
    finally:
        wb.close()
    if not sheets:
        raise ImportFileError("文件中没有工作表")
    return sheets


def _read_csv(data: bytes) -> list[RawSheet]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 .csv 文件的编码，请另存为 UTF-8 或 GBK 编码，或另存为 .xlsx")
    try:
        rows = [[_cell(v) for v in row[:MAX_COLUMNS]] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ImportFileError("无法读取该 .csv 文件，请另存为 .xlsx 后上传") from exc
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入")
    return [RawSheet("CSV", rows)]


# ---------------------------------------------------------------- the fast reader
# The sheet XML streamed with lxml (already a dependency, through python-docx): 4–5× faster
# than openpyxl's full reader on a 20,000-row roster, and it knows the Chinese-locale date
# formats (numFmtId 27–36, 50–58) openpyxl reads as plain numbers. Anything it cannot read
# falls back to openpyxl.

_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _si_text(el: Any) -> str:
    """A shared or inline string: every <t> except the phonetic runs (<rPh>)."""
    parts = []
    for t in el.iter():
        if _local(t.tag) == "t" and _local(t.getparent().tag) != "rPh" and t.text:
            parts.append(t.text)
    return "".join(parts)


def _read_xlsx_fast(data: bytes) -> list[RawSheet]:
    import datetime as dt
    import posixpath

    from lxml import etree
    from openpyxl.styles.numbers import is_date_format
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), parser)
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), parser)
    targets = {r.get("Id"): r.get("Target") for r in rels if _local(r.tag) == "Relationship"}
    epoch = CALENDAR_WINDOWS_1900
    for el in workbook.iter():
        if _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true"):
            epoch = CALENDAR_MAC_1904
    strings: list[str] = []
    if "xl/sharedStrings.xml" in names:
        for _, el in etree.iterparse(archive.open("xl/sharedStrings.xml"), events=("end",), resolve_entities=False,
                                     huge_tree=True):
            if _local(el.tag) == "si":
                strings.append(_si_text(el))
                el.clear()
    date_styles: set[int] = set()
    if "xl/styles.xml" in names:
        styles = etree.fromstring(archive.read("xl/styles.xml"), parser)
        custom = {int(f.get("numFmtId")): f.get("formatCode") or "" for f in styles.iter()
                  if _local(f.tag) == "numFmt"}
        for section in styles:
            if _local(section.tag) == "cellXfs":
                for i, xf in enumerate(x for x in section if _local(x.tag) == "xf"):
                    fmt = int(xf.get("numFmtId") or 0)
                    if fmt in _DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt])):
                        date_styles.add(i)
    sheets = []
    for sheet_el in workbook.iter():
        if _local(sheet_el.tag) != "sheet":
            continue
        target = targets.get(sheet_el.get(f"{{{_REL_NS}}}id") or "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if path not in names or "worksheets/" not in path:
            continue  # a chart sheet, or a part that is not there
        rows: list[list[Any]] = []
        sheet = RawSheet(sheet_el.get("name") or "", rows)
        merges: list[str] = []
        row_number = 0
        for _, el in etree.iterparse(archive.open(path), events=("end",), resolve_entities=False, huge_tree=True):
            tag = _local(el.tag)
            if tag == "row":
                row_number = int(el.get("r") or row_number + 1)
                if row_number > MAX_ROWS + 100:
                    raise ImportFileError(f"工作表“{sheet.name}”超过 {MAX_ROWS} 行，请拆分后分批导入")
                if el.get("hidden") in ("1", "true"):
                    sheet.hidden_rows.add(row_number)
                values: list[Any] = []
                col = -1
                for c in el:
                    if _local(c.tag) != "c":
                        continue
                    ref = c.get("r")
                    col = _col_index(ref) if ref else col + 1
                    if col >= MAX_COLUMNS or col < 0:
                        continue
                    kind, value = c.get("t") or "n", cast(Any, None)
                    raw = None
                    for child in c:
                        name = _local(child.tag)
                        if name == "v":
                            raw = child.text
                        elif name == "is":
                            raw = _si_text(child)
                    if raw is not None:
                        if kind == "s":
                            value = strings[int(raw)]
                        elif kind in ("str", "inlineStr"):
                            value = raw
                        elif kind == "b":
                            value = raw == "1"
                        elif kind == "e":
                            value = None
                        elif kind == "d":
                            value = dt.datetime.fromisoformat(raw.rstrip("Z"))
                        else:
                            number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
                            value = from_excel(number, epoch) if int(c.get("s") or 0) in date_styles else number
                    while len(values) < col:
                        values.append(None)
                    values.append(_cell(value))
                while len(rows) < row_number - 1:
                    rows.append([])
                rows.append(values)
                el.clear()
            elif tag == "col" and el.get("hidden") in ("1", "true"):
                first, last = int(el.get("min") or 1), int(el.get("max") or el.get("min") or 1)
                sheet.hidden_cols.update(range(first - 1, min(last, MAX_COLUMNS)))
            elif tag == "mergeCell" and el.get("ref"):
                merges.append(el.get("ref"))
        while rows and not any(v is not None for v in rows[-1]):
            rows.pop()
        for ref in merges:
            _fill_merged(rows, ref)
        sheets.append(sheet)
    if not sheets:
        raise ImportFileError("文件中没有工作表")
    return sheets


def _fill_merged(rows: list[list[Any]], ref: str) -> None:
    from openpyxl.utils.cell import range_boundaries

    left, top, right, bottom = range_boundaries(ref)
    if top is None or left is None or top > len(rows):
        return
    right, bottom = min(right or left, MAX_COLUMNS), min(bottom or top, len(rows))
    first = rows[top - 1]
    value = first[left - 1] if left - 1 < len(first) else None
    for r in range(top, bottom + 1):
        row = rows[r - 1]
        while len(row) < right:
            row.append(None)
        for c in range(left, right + 1):
            if r != top or c != left:
                row[c - 1] = value


def read_sheets(fh: IO[bytes], file_name: str = "") -> list[RawSheet]:
    if file_name.lower().endswith(".csv"):
        return _read_csv(fh.read())
    data = fh.read()
    try:
        return _read_xlsx_fast(data)
    except ImportFileError:
        raise
    except Exception:  # anything the streaming reader cannot take, openpyxl may
        return _read_xlsx(io.BytesIO(data))


_ROW_RE = re.compile(rb"<(?:\w+:)?row[ >]")


def count_rows(fh: IO[bytes], file_name: str = "") -> int:
    """A quick upper bound of the data rows (the largest sheet's row count), without parsing cells.

    Counts ``<row`` elements in each sheet's XML, so a wrong ``<dimension>`` tag cannot hide rows.
    """
    if file_name.lower().endswith(".csv"):
        data = fh.read()
        return max(data.count(b"\n"), 1)
    try:
        with zipfile.ZipFile(fh) as archive:
            best = 0
            for name in archive.namelist():
                if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", name):
                    continue
                count, prev = 0, b""
                with archive.open(name) as part:
                    while chunk := part.read(1 << 20):
                        data = prev + chunk
                        count += sum(1 for m in _ROW_RE.finditer(data) if m.end() > len(prev))
                        prev = data[-8:]
                best = max(best, count)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ImportFileError("无法读取该文件，请上传用 Excel 或 WPS 保存的 .xlsx 文件") from exc
    return max(best - 1, 0)


# ---------------------------------------------------------------- the header block


@dataclass
class Header:
    """Where the roster sits in a sheet and what each column is."""

    first_row: int  # spreadsheet row number of the header's first row
    depth: int  # rows in the header block (merged two-row headers: 2)
    texts: list[str]  # each column's header text ("联系方式/手机" for a two-row header)
    keys: list[str | None]  # the field each column maps to by synonym (None: not recognised)
    score: int

    @property
    def data_start(self) -> int:
        return self.first_row + self.depth


def _texts(rows: list[list[Any]], start: int, depth: int, width: int) -> list[list[str]]:
    out = []
    for c in range(width):
        parts: list[str] = []
        for r in range(start, start + depth):
            row = rows[r] if r < len(rows) else []
            value = row[c] if c < len(row) else None
            text = re.sub(r"\s+", "", str(value)) if value is not None else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        out.append(parts)
    return out


def _map_parts(parts: list[str]) -> str | None:
    if not parts:
        return None
    for candidate in (parts[-1], "".join(parts), parts[0]):
        key = field_for_header(candidate)
        if key:
            return key
    return None


def _looks_like_data(row: list[Any]) -> bool:
    for value in row:
        text = str(value) if value is not None else ""
        if re.fullmatch(r"[0-9]{15,17}[0-9Xx]?", text) or re.fullmatch(r"1[0-9]{10}", text):
            return True
    return False


def find_header(sheet: RawSheet, first_row: int | None = None) -> Header | None:
    """The header block of ``sheet``: the topmost row naming the most known fields, extended
    down over merged sub-header rows; None when no row names two known fields."""
    rows = sheet.rows
    width = max((len(r) for r in rows[: HEADER_SCAN_ROWS + 3]), default=0)
    if not width:
        return None
    candidates = range(first_row - 1, first_row) if first_row else range(min(HEADER_SCAN_ROWS, len(rows)))
    best: Header | None = None
    for start in candidates:
        if start >= len(rows):
            continue
        for depth in (1, 2, 3):
            if start + depth > len(rows):
                break
            if depth > 1 and _looks_like_data(rows[start + depth - 1]):
                break
            parts = _texts(rows, start, depth, width)
            keys = [_map_parts(p) for p in parts]
            distinct = {k for k in keys if k}
            score = len(distinct) * 10 + sum(1 for k in keys if k)
            if depth > 1:
                # A deeper block only when its first row names a field itself and its last row is a
                # sub-header: some column gets a new text there that names a field (联系方式 › 手机).
                top = [_map_parts(p[:1]) for p in _texts(rows, start, 1, width)]
                last, above = rows[start + depth - 1], rows[start + depth - 2]
                subheads = sum(
                    1 for c in range(width)
                    if c < len(last) and last[c] is not None and (c >= len(above) or last[c] != above[c])
                    and field_for_header(str(last[c]))
                )
                if not any(top) or not subheads:
                    continue
                score += subheads
            if best is None or score > best.score:
                best = Header(start + 1, depth, ["/".join(p) for p in parts], keys, score)
    if best is None or (first_row is None and len({k for k in best.keys if k}) < 2):
        return None
    # Make the header's trailing empty columns not count as columns.
    while best.texts and not best.texts[-1]:
        best.texts.pop()
        best.keys.pop()
    return best


def choose_sheet(sheets: list[RawSheet], wanted: str | None) -> tuple[RawSheet, Header | None]:
    """The clerk's sheet when named, else the sheet whose header names the most known fields."""
    if wanted:
        for sheet in sheets:
            if sheet.name == wanted:
                return sheet, find_header(sheet)
    scored = [(find_header(s), s) for s in sheets]
    found = [(h, s) for h, s in scored if h is not None]
    if not found:
        return sheets[0], None
    header, sheet = max(found, key=lambda hs: (hs[0].score, -sheets.index(hs[1])))
    return sheet, header


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)


_FOOTER_RE = re.compile(
    r"^(合计|总计|小计|共计|累计|总人数|人数合计)|(填表人|制表人|审核人|负责人|填报人|联系人|经办人|"
    r"填表日期|制表日期|填报日期|审核日期|签字|签名|盖章|公章)|^(说明|注|备注)[:：]"
)


def is_footer(values: list[Any]) -> bool:
    """A totals row (合计 …) or a signature footer (填表人、审核人、盖章 …)."""
    for value in values:
        if isinstance(value, str) and _FOOTER_RE.search(re.sub(r"\s+", "", value)):
            return True
    return False
