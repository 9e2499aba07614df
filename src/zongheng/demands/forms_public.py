"""Residents' forms: the three steps of a new demand, tracking, rating and asking to redo.

Step 1 (WhatForm): what is wrong and where. Step 2 (WhereForm): the grid and the category,
suggested from the text. Step 3 (ContactForm): optional phone, name and photos. Each later
form carries and re-validates the earlier fields (hidden inputs), so nothing is kept on the
server between steps.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from zongheng.core.errors import ActionError
from zongheng.core.masking import normalize_phone, validate_phone
from zongheng.orgs.models import Org

from . import photos, suggest
from .models import Category
from .photos import CleanPhoto


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; cleans to a list (empty when none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


_BAD_POSITION = dict.fromkeys(("invalid", "min_value", "max_value"), "位置信息不正确，请重新获取")


class WhatForm(forms.Form):
    description = forms.CharField(
        label="遇到了什么问题", max_length=1000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="请写清楚是什么问题，例如：小区 3 栋门口的路灯坏了，晚上很黑。",
        error_messages={"required": "请说说遇到了什么问题", "max_length": "问题描述请不要超过 1000 字"},
    )
    address = forms.CharField(
        label="问题在哪里", max_length=200, help_text="写上小区、楼栋或路名，例如：幸福小区 3 栋楼下。",
        error_messages={"required": "请填写问题所在的地址", "max_length": "地址请不要超过 200 字"},
    )

    # Filled by "用我现在的位置" (static/zongheng.js, the phone's geolocation): finds the grid by its boundary.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput,
                           error_messages=_BAD_POSITION)
    long = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput,
                            error_messages=_BAD_POSITION)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("long") is None):
            data["lat"] = data["long"] = None  # half a position is no position
        return data

    def clean_description(self) -> str:
        text = " ".join(self.cleaned_data["description"].split())
        if len(text) < 4:
            raise forms.ValidationError("请多写几个字，说清楚遇到了什么问题")
        return self.cleaned_data["description"].strip()


UNKNOWN_GRID = 0  # the "我不清楚" choice


def _grid_options() -> list[Any]:
    return [("", "请选择网格"), (UNKNOWN_GRID, "我不清楚，请社区帮我安排"), *suggest.grid_choices()]


class GridField(forms.TypedChoiceField):
    """The grid select: its options (every grid of the district) are read only to draw the page;
    a posted value is checked by ``WhereForm.clean_grid`` (one query for that grid) instead."""

    def valid_value(self, value: Any) -> bool:
        return True


class CategoryField(forms.ModelChoiceField):
    """The category select: its options are the active categories; a posted value is looked up by
    ``suggest.active_category`` (one statement written as SQL, the same rows as the queryset)."""

    def to_python(self, value: Any) -> Category | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Category):
            value = value.pk
        text = str(value).strip()
        category = suggest.active_category(pk=int(text)) if text.isascii() and text.isdigit() and len(text) < 19 \
            else None
        if category is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": value})
        return category


class WhereForm(WhatForm):
    grid = GridField(
        label="所属网格", coerce=int,
        help_text="按“街道 › 社区”分组。不知道是哪个网格，就选“我不清楚”，由社区帮您安排。",
        error_messages={"required": "请选择所属网格", "invalid_choice": "请从列表中选择网格"},
    )
    category = CategoryField(
        label="问题类别", queryset=Category.objects.filter(active=True), empty_label=None,
        help_text="已根据您的描述推荐，可以修改。",
        error_messages={"required": "请选择问题类别", "invalid_choice": "请从列表中选择问题类别"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grid = self.fields["grid"]
        if isinstance(grid, forms.TypedChoiceField):
            grid.choices = _grid_options  # a callable: read when the select is drawn, not on a POST

    def clean_grid(self) -> Org | None:
        """The chosen grid, or None for "我不清楚" (the demand then goes to ``suggest.intake_org``)."""
        if self.cleaned_data["grid"] == UNKNOWN_GRID:
            return None
        grid = suggest.open_grid(self.cleaned_data["grid"])
        if grid is None:
            raise forms.ValidationError("请从列表中选择网格")
        return grid


class ContactForm(WhereForm):
    phone = forms.CharField(
        label="手机号码（选填）", required=False, max_length=20,
        help_text="只用于短信告诉您办理进度，不会公开显示。",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_name = forms.CharField(
        label="怎么称呼您（选填）", required=False, max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": "称呼请不要超过 50 字"},
    )
    photos = MultipleFileField(
        label="照片（选填，最多 3 张）", required=False,
        help_text="JPG 或 PNG，每张不超过 5 MB。照片里的位置等信息会被去掉。",
    )

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone", ""))
        if msg := validate_phone(phone):
            raise forms.ValidationError(msg)
        return phone

    def clean_photos(self) -> list[CleanPhoto]:
        try:
            return photos.clean_photos(self.cleaned_data.get("photos") or [])
        except ActionError as e:
            raise forms.ValidationError(str(e)) from e

    def demand_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        position = {"lat": Decimal(f"{d['lat']:.6f}"), "long": Decimal(f"{d['long']:.6f}")} \
            if d.get("lat") is not None and d.get("long") is not None else {}
        return {"description": d["description"], "address": d["address"].strip(), "grid": d["grid"],
                "category": d["category"], "phone": d["phone"], "contact_name": d["contact_name"].strip(), **position}


class TrackForm(forms.Form):
    code = forms.CharField(
        label="查询码", max_length=64,
        help_text=("提交诉求时页面上显示（有手机号的也会短信发送）的查询码，如 K7MP-4XQ2-9HTR；"
                   "字母不分大小写，短横线可以不输。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": "请填写查询码"},
    )


class RateForm(forms.Form):
    code = forms.CharField(max_length=64, widget=forms.HiddenInput)
    rating = forms.TypedChoiceField(
        coerce=int, choices=[(n, f"{n} 星") for n in range(1, 6)],
        error_messages={"required": "请选择评分", "invalid_choice": "评分应为 1 到 5 星"},
    )
    comment = forms.CharField(label="想说的话（选填）", required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    code = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="哪里不满意", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请说明哪里不满意"},
    )
