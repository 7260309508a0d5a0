"""Forms of the supervision pages; every rule lives in ``items`` or ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhijian.core.models import OrgUnit, User

from . import items
from .models import SupervisionItem, Task

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ItemForm(forms.ModelForm):
    checklist_text = forms.CharField(
        label=_("检查内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个检查要点，格式“编号|问题”，或只写问题（自动编号 q1、q2…）"),
    )
    entity_kinds = forms.MultipleChoiceField(
        label=_("适用主体类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部"),
    )
    industries_text = forms.CharField(
        label=_("适用行业"),
        required=False,
        help_text=_("国民经济行业代码前缀，多个用顿号或逗号分隔，例如 5223、62；空表示全部"),
    )
    licence_types_text = forms.CharField(
        label=_("适用许可类型"),
        required=False,
        help_text=_("多个用顿号分隔，例如 食品经营许可证；空表示全部"),
    )

    class Meta:
        model = SupervisionItem
        fields = ["code", "name", "legal_basis", "department", "is_active"]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 3})}

    field_order = [
        "code", "name", "legal_basis", "department", "checklist_text", "entity_kinds",
        "industries_text", "licence_types_text", "is_active",
    ]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhijian.registry.models import Entity

        self.fields["entity_kinds"].choices = Entity.Kind.choices
        item = self.instance
        if item.pk:
            self.fields["code"].disabled = True
            self.initial.update(
                checklist_text=items.format_checklist(item.checklist),
                entity_kinds=item.entity_kinds,
                industries_text=items.format_list(item.industries),
                licence_types_text=items.format_list(item.licence_types),
            )

    def _item_rule(self, fn, text):
        try:
            return fn(text)
        except items.ItemError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not items.CODE_RE.match(code):
            raise forms.ValidationError(_("事项编码只能由字母、数字、_ . - 组成。"))
        return code

    def clean_checklist_text(self):
        return self._item_rule(items.parse_checklist, self.cleaned_data["checklist_text"])

    def clean_industries_text(self):
        return self._item_rule(
            lambda t: items.check_industries(items.parse_list(t)),
            self.cleaned_data["industries_text"],
        )

    def clean_licence_types_text(self):
        return items.parse_list(self.cleaned_data["licence_types_text"])

    def save(self, commit=True):
        item = super().save(commit=False)
        item.checklist = self.cleaned_data["checklist_text"]
        item.entity_kinds = list(self.cleaned_data["entity_kinds"])
        item.industries = self.cleaned_data["industries_text"]
        item.licence_types = self.cleaned_data["licence_types_text"]
        if commit:
            item.save()
        return item


class ItemImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("XLSX或CSV，首行为列名：事项编码、事项名称、设定依据、责任部门、检查内容、"
                    "适用主体类型、适用行业、适用许可类型、启用"),
    )  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("文件为空。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过10MB，请拆分后上传。"))
        return upload


class TaskCreateForm(forms.Form):
    title = forms.CharField(label=_("任务名称"), max_length=200)
    unit = forms.ModelChoiceField(label=_("承办机构"), queryset=OrgUnit.objects.none())
    item = forms.ModelChoiceField(
        label=_("监管事项"), queryset=SupervisionItem.objects.none(), required=False
    )
    entity_uscc = forms.CharField(
        label=_("检查对象（统一社会信用代码）"), max_length=18, required=False
    )
    due_days = forms.IntegerField(label=_("办理时限（天）"), min_value=1, max_value=365)
    working_days = forms.BooleanField(label=_("按工作日计算"), required=False, initial=True)
    due_basis = forms.CharField(
        label=_("期限依据"), max_length=300, required=False,
        help_text=_("例如：本局日常监督检查工作规范"),
    )  # fmt: skip
    description = forms.CharField(
        label=_("任务说明"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(user).filter(is_active=True)
        if user is not None and user.unit_id:
            self.fields["unit"].initial = user.unit_id
        self.fields["item"].queryset = SupervisionItem.objects.filter(is_active=True)

    def clean_entity_uscc(self):
        from zhijian.registry.models import Entity

        uscc = self.cleaned_data["entity_uscc"].strip().upper()
        if not uscc:
            return None
        entity = Entity.objects.visible_to(self.user).filter(uscc=uscc).first()
        if entity is None:
            raise forms.ValidationError(
                _("在您的数据范围内没有统一社会信用代码为“%(uscc)s”的市场主体。"),
                params={"uscc": uscc},
            )
        return entity


class TransitionForm(forms.Form):
    """One form for every action; which fields matter depends on the action."""

    action = forms.CharField(widget=forms.HiddenInput)
    to_unit = forms.ModelChoiceField(
        label=_("承办机构"), queryset=OrgUnit.objects.none(), required=False
    )
    assignee = forms.ModelChoiceField(
        label=_("承办人"), queryset=User.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, user=None, task: Task | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if task is not None:
            below = OrgUnit.objects.visible_to(user).filter(
                path__startswith=task.unit.path, is_active=True
            )
            self.fields["to_unit"].queryset = below
            self.fields["assignee"].queryset = (
                User.objects.visible_to(user)
                .filter(unit__path__startswith=task.unit.path, is_active=True)
                .select_related("unit")
                .order_by("unit__path", "username")
            )
            self.fields["assignee"].label_from_instance = lambda u: f"{u} · {u.unit}"


class UrgeForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    note = forms.CharField(
        label=_("督办意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
