"""The upload form of 外部预警接入."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _feed_choices():
    from .feeds import all_feeds

    return [("", _("请选择接入的系统"))] + [
        (f.id, f"{f.name}（{f.source_system}）") for f in all_feeds().values()
    ]


class FeedUploadForm(forms.Form):
    feed = forms.ChoiceField(
        label=_("外部系统"), choices=_feed_choices,
        error_messages={"required": _("请选择接入的系统。"),
                        "invalid_choice": _("没有这个外部预警接入，请重新选择。")},
    )  # fmt: skip
    file = forms.FileField(
        label=_("预警文件"),
        help_text=_("CSV（UTF-8或GBK/GB18030编码）或XLSX，首行为列名（中文或英文），最多5万行"),
        error_messages={"required": _("请选择要上传的文件。"), "empty": _("文件为空。")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("文件为空。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过50MB，请拆分后上传。"))
        return upload
