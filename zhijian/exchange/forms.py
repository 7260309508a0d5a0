from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .specs import TABLE_CHOICES

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class UploadForm(forms.Form):
    table = forms.ChoiceField(label=_("数据表"), choices=TABLE_CHOICES)
    source = forms.CharField(
        label=_("数据来源（提供部门）"), max_length=100, required=False,
        help_text=_("如：区税务局、区公安分局"),
    )  # fmt: skip
    file = forms.FileField(
        label=_("文件"), help_text=_("CSV（UTF-8或GBK/GB18030编码）或XLSX，首行为中文列名")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import department_sources_of

        # A partner department's user imports for the department(s) they belong to.
        self.sources = department_sources_of(user)
        if self.sources:
            choices = sorted(self.sources)
            self.fields["source"] = forms.ChoiceField(
                label=_("数据来源（提供部门）"), choices=[(c, c) for c in choices],
                initial=choices[0],
            )  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("文件为空。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过200MB，请拆分后上传。"))
        return upload
