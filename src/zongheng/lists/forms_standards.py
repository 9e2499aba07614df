"""Form of 标准化建设: one assessed indicator's score, evidence and optional evidence file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator

from .models_standards import StandardIndicator


class AssessForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1,
                                   error_messages={"required": "请选择指标", "invalid": "指标不存在"})
    score = forms.DecimalField(label="得分", min_value=Decimal(0), max_digits=5, decimal_places=1,
                               error_messages={"required": "请填写得分", "invalid": "得分须为数字",
                                               "min_value": "得分不能小于 0",
                                               "max_decimal_places": "得分最多一位小数",
                                               "max_digits": "得分最多一位小数，不超过该指标分值",
                                               "max_whole_digits": "得分不超过该指标分值"})
    evidence = forms.CharField(label="评分依据", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": "请填写评分依据",
                                               "max_length": "评分依据最多 2000 个字"})
    evidence_file = forms.FileField(label="佐证材料（可选）", required=False,
                                    help_text="PDF、图片、Word 或 Excel，最大 10 MB；不强制上传")

    def __init__(self, *args: Any, indicator: StandardIndicator | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if indicator is not None:
            self.fields["indicator"].initial = indicator.pk
            self.fields["score"].validators.append(MaxValueValidator(
                indicator.max_score, message=f"得分不能超过该指标分值 {indicator.max_score} 分"))
            self.fields["score"].widget.attrs.update(max=str(indicator.max_score), step="0.1", min="0")
            self.fields["score"].help_text = f"0–{indicator.max_score} 分"
