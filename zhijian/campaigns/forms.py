"""The campaign form: the campaign and its target filter; rules live in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhijian.core.models import OrgUnit
from zhijian.registry.filters import district_choices
from zhijian.registry.models import Entity
from zhijian.supervision.models import SupervisionItem


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("专项名称"), max_length=200)
    basis = forms.CharField(
        label=_("工作依据"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("文件名称与文号、法律依据"),
    )  # fmt: skip
    description = forms.CharField(
        label=_("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    lead_unit = forms.ModelChoiceField(label=_("牵头机构"), queryset=OrgUnit.objects.none())
    items = forms.ModelMultipleChoiceField(
        label=_("检查事项"), queryset=SupervisionItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    district = forms.ChoiceField(label=_("对象：所属区"), required=False)
    kind = forms.ChoiceField(label=_("对象：主体类型"), required=False)
    industry = forms.CharField(
        label=_("对象：行业代码前缀"), required=False, max_length=4,
        help_text=_("国民经济行业代码前缀，例如 62（餐饮业）、5251"),
    )  # fmt: skip
    licence_type = forms.CharField(
        label=_("对象：持有许可类型"), required=False, max_length=50,
        help_text=_("例如 食品经营许可证（仅选取持有有效许可的主体）"),
    )  # fmt: skip
    status = forms.ChoiceField(label=_("对象：登记状态"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = OrgUnit.objects.visible_to(user).exclude(
            kind=OrgUnit.Kind.STATION
        ) | OrgUnit.objects.visible_to(user).filter(pk=getattr(user, "unit_id", None))
        self.fields["lead_unit"].empty_label = _("请选择")
        if getattr(user, "unit", None) is not None:
            self.fields["lead_unit"].initial = user.unit_id
        self.fields["items"].queryset = SupervisionItem.objects.filter(is_active=True)
        self.fields["items"].error_messages["required"] = _("请至少选择一个检查事项。")
        self.fields["district"].choices = [("", _("全部")), *district_choices(user)]
        self.fields["kind"].choices = [("", _("全部")), *Entity.Kind.choices]
        self.fields["status"].choices = [("", _("存续（默认）")), *Entity.Status.choices]
        for name in ("name", "basis", "starts_on", "ends_on", "lead_unit"):
            self.fields[name].error_messages["required"] = _("%(label)s不能为空。") % {
                "label": self.fields[name].label
            }
        for name in ("starts_on", "ends_on"):
            self.fields[name].error_messages["invalid"] = _("请输入有效日期（YYYY-MM-DD）。")

    def clean_industry(self):
        value = (self.cleaned_data.get("industry") or "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("行业代码前缀只能是数字。"))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data

    def target_filter(self) -> dict:
        return {k: self.cleaned_data.get(k, "") for k in ("district", "kind", "industry",
                                                          "licence_type", "status")}  # fmt: skip
