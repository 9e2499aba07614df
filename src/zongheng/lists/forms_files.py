"""Forms of the task list's files: the import (organisation, year, the .xlsx) and the reports' month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import ResolvedChoiceField, org_choices, resolve_org

from . import importer_tasks as importer

# Lists are issued by a district or a street (township): the select stays short whatever the tree's size.
ISSUER_LEVELS = ("city", "district", "street", "township")


def issuer_choices(user: Any) -> Any:
    return org_choices(user, Perm.LIST_CONFIGURE, levels=ISSUER_LEVELS)


def resolve_issuer(user: Any, value: Any) -> Org:
    return resolve_org(user, Perm.LIST_CONFIGURE, value, levels=ISSUER_LEVELS, label="制发单位")


class ImportForm(forms.Form):
    org = ResolvedChoiceField(label="制发单位", queryset=Org.objects.none(),
                              error_messages={"required": "请选择清单的制发单位"},
                              help_text="文件中的“责任单位”须是该单位或其下级")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                              error_messages={"required": "请填写年度", "invalid": "年度应为四位数字",
                                              "min_value": "年度应在 2000 到 2100 之间",
                                              "max_value": "年度应在 2000 到 2100 之间"})
    title = forms.CharField(label="清单名称", max_length=100, required=False,
                            help_text="不填为“××2018年城市基层党建工作重点任务清单”")
    report_day = forms.IntegerField(label="月报截止日", min_value=1, max_value=28, initial=5,
                                    help_text="每月几日前报送上月进展（1–28）",
                                    error_messages={"required": "请填写月报截止日",
                                                    "min_value": "月报截止日应在 1 到 28 之间",
                                                    "max_value": "月报截止日应在 1 到 28 之间"})
    file = forms.FileField(label="任务清单文件（.xlsx，不超过 10 MB）",
                           help_text="该单位当年已有清单的：尚无月度进展、无节点完成、无述评的，导入将整体替换原清单；"
                                     "已有进展的不能替换。",
                           error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"})

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year, "report_day": 5})
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.queryset = issuer_choices(user)
        field.resolve = lambda value: resolve_issuer(user, value)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("只能上传 .xlsx 格式的 Excel 文件（.xls 请先用 Excel 或 WPS 另存为 .xlsx）")
        if upload.size > importer.MAX_FILE_BYTES:
            raise forms.ValidationError("文件超过 10 MB，请拆分后再导入")
        return upload


def parse_month(text: str | None, task_list_year: int, today: dt.date) -> dt.date:
    """``2018-03`` → 2018-03-01; missing or unreadable: last month if it lies in the list's year, else the
    year's December (or January when the year has not begun)."""
    try:
        year, month = (int(part) for part in (text or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        pass
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if last.year == task_list_year:
        return last
    return dt.date(task_list_year, 12 if last.year > task_list_year else 1, 1)
