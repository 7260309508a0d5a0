"""Forms of the dual-notification pages; the rules live in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhijian.core.models import User

from .models import Department, Notification, ScopeRule, split_list

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "short_name", "contact", "phone", "internal", "sort_order",
                  "is_active"]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip().upper()
        if not code.replace("_", "").replace("-", "").isalnum():
            raise forms.ValidationError(_("部门代码只能包含字母、数字、下划线和连字符。"))
        return code


class ScopeRuleForm(forms.ModelForm):
    class Meta:
        model = ScopeRule
        fields = ["department", "keywords", "industry_prefixes", "section", "licence",
                  "legal_basis", "priority", "valid_from", "valid_to", "is_active", "note"]  # fmt: skip
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["department"].empty_label = _("请选择")

    def clean_industry_prefixes(self):
        prefixes = split_list(self.cleaned_data.get("industry_prefixes", ""))
        bad = [p for p in prefixes if not (p.isdigit() and len(p) <= 4)]
        if bad:
            raise forms.ValidationError(
                _("行业代码前缀应为1至4位数字：%(bad)s") % {"bad": "、".join(bad)}
            )
        return "、".join(prefixes)

    def clean_keywords(self):
        return "、".join(split_list(self.cleaned_data.get("keywords", "")))

    def clean(self):
        data = super().clean()
        if not data.get("keywords") and not data.get("industry_prefixes"):
            self.add_error("keywords", _("经营范围关键词和行业代码前缀至少填写一项。"))
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("失效日期不能早于生效日期。"))
        return data


class RuleImportForm(forms.Form):
    file = forms.FileField(label=_("规则文件"), help_text=_("XLSX 或 UTF-8 CSV，格式同导出文件"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过5MB。"))
        return upload


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("用户"), queryset=User.objects.none())
    department = forms.ModelChoiceField(label=_("委办局"), queryset=Department.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.visible_to(user).filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["user"].empty_label = self.fields["department"].empty_label = _("请选择")
        self.fields["user"].error_messages["invalid_choice"] = _("请选择本机构范围内的用户。")


class FeedbackForm(forms.Form):
    feedback = forms.ChoiceField(
        label=_("反馈结果"),
        choices=[("", _("请选择")), *Notification.Feedback.choices],
        error_messages={"required": _("请选择反馈结果。"), "invalid_choice": _("请选择反馈结果。")},
    )
    note = forms.CharField(
        label=_("反馈说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )  # fmt: skip


class ClaimForm(forms.Form):
    department = forms.ModelChoiceField(label=_("认领部门"), queryset=Department.objects.none())
    licence = forms.CharField(
        label=_("所需许可"), required=False, max_length=100,
        help_text=_("该主体需向本部门办理的许可，不涉及许可可留空"),
    )  # fmt: skip

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(pk__in=departments or [])
        self.fields["department"].empty_label = None
