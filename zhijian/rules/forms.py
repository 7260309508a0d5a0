from django import forms
from django.utils.translation import gettext_lazy as _

from zhijian.core.models import OrgUnit

from .services import TASK_DISPOSITIONS


class DisposeForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("处置结果"),
        choices=[(d.value, d.label) for d in TASK_DISPOSITIONS],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择处置结果。")},
    )
    note = forms.CharField(
        label=_("处置说明"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“非本单位管辖”时必填：说明应由哪个单位管辖"),
    )  # fmt: skip
    to_unit = forms.ModelChoiceField(
        label=_("转办机构"), queryset=OrgUnit.objects.none(), required=False,
        help_text=_("仅“非本单位管辖”时使用；不选则退回上级机构"),
    )  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = OrgUnit.objects.visible_to(user).filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("disposition") == "not_ours" and not (data.get("note") or "").strip():
            self.add_error("note", _("选择“非本单位管辖”时请说明理由（应由哪个单位管辖）。"))
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("备注"), required=False, max_length=2000)
