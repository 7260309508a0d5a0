"""Forms of random inspections (the one form style: core/form.html, inline Chinese errors)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from zhijian.core.models import OrgUnit, User
from zhijian.registry.filters import district_choices
from zhijian.registry.models import Entity, Person

from .draw import CLASSES
from .models import DEFAULT_DEPARTMENT, InspectorProfile

CLASS_CHOICES = [(c, _("%(c)s类") % {"c": c}) for c in CLASSES]


def _split(text: str) -> list[str]:
    return [v for v in re.split(r"[\s,，、;；]+", text or "") if v]


class PlanForm(forms.Form):
    name = forms.CharField(label=_("计划名称"), max_length=200)
    item = forms.ModelChoiceField(label=_("监管事项"), queryset=None)
    unit = forms.ModelChoiceField(
        label=_("组织机构"), queryset=None, help_text=_("检查对象来自该机构辖区")
    )
    districts = forms.MultipleChoiceField(
        label=_("所属区"), required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label=_("主体类型"), required=False, choices=Entity.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    industries = forms.CharField(
        label=_("行业代码前缀"), required=False, help_text=_("多个以逗号分隔，如：51, 52")
    )
    licence_types = forms.CharField(
        label=_("许可类型"), required=False, help_text=_("多个以逗号分隔，如：食品经营许可证")
    )
    classes = forms.MultipleChoiceField(
        label=_("信用风险分类"), required=False, choices=CLASS_CHOICES,
        widget=forms.CheckboxSelectMultiple, help_text=_("不选表示全部"),
    )  # fmt: skip
    exclude_non_intrusive = forms.BooleanField(
        label=_("排除无感监管名单内主体"), required=False, initial=True
    )
    override_ratios = forms.BooleanField(
        label=_("本计划另定抽查比例"), required=False,
        help_text=_("不勾选则按现行参数；另定比例须在参数规定的区间内"),
    )  # fmt: skip
    ratio_a = forms.DecimalField(label=_("A类比例"), required=False, min_value=0, max_value=1)
    ratio_b = forms.DecimalField(label=_("B类比例"), required=False, min_value=0, max_value=1)
    ratio_c = forms.DecimalField(label=_("C类比例"), required=False, min_value=0, max_value=1)
    ratio_d = forms.DecimalField(label=_("D类比例"), required=False, min_value=0, max_value=1)
    inspectors_per_check = forms.IntegerField(label=_("每户检查人数"), initial=2)
    participants = forms.CharField(
        label=_("参加部门（联合抽查）"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个：部门名称,机构代码；不填则为本机构市场监管人员"),
    )  # fmt: skip
    due_days = forms.IntegerField(label=_("办理时限（天）"), initial=20, min_value=1)
    working_days = forms.BooleanField(label=_("按工作日计算"), required=False, initial=True)
    note = forms.CharField(
        label=_("内部备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhijian.supervision.models import SupervisionItem

        self.fields["item"].queryset = SupervisionItem.objects.filter(is_active=True)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(user).exclude(
            kind=OrgUnit.Kind.STATION
        )
        if user is not None and user.unit_id:
            self.fields["unit"].initial = user.unit_id
        self.fields["districts"].choices = district_choices(user)

    def clean(self):
        data = super().clean()
        if data.get("override_ratios"):
            for cls in CLASSES:
                if data.get(f"ratio_{cls.lower()}") is None:
                    self.add_error(f"ratio_{cls.lower()}", _("另定抽查比例时须填写各类比例"))
        participants = []
        for number, line in enumerate((data.get("participants") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[,，]", line)]
            if len(parts) != 2 or not all(parts):
                self.add_error(
                    "participants", _("第 %(n)s 行应为“部门名称,机构代码”") % {"n": number}
                )
                continue
            participants.append({"department": parts[0], "unit": parts[1]})
        data["participant_list"] = participants
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        ratios = None
        if data.get("override_ratios"):
            ratios = {cls: float(data[f"ratio_{cls.lower()}"]) for cls in CLASSES}
        return {
            "name": data["name"],
            "item": data["item"],
            "unit": data["unit"],
            "pool_filter": {
                "districts": data.get("districts") or [],
                "kinds": data.get("kinds") or [],
                "industries": _split(data.get("industries")),
                "licence_types": _split(data.get("licence_types")),
                "classes": data.get("classes") or [],
                "exclude_non_intrusive": bool(data.get("exclude_non_intrusive")),
            },
            "ratios": ratios,
            "inspectors_per_check": data["inspectors_per_check"],
            "participants": data["participant_list"],
            "due_days": data["due_days"],
            "working_days": bool(data.get("working_days")),
            "note": data.get("note") or "",
        }


class DrawForm(forms.Form):
    public_random = forms.CharField(
        label=_("公开随机数"), max_length=200,
        help_text=_("抽取时公开产生的随机值，如当期彩票开奖号码或公开的区块哈希"),
    )  # fmt: skip
    public_random_source = forms.CharField(
        label=_("随机数来源"), max_length=200, help_text=_("如：中国体育彩票排列5第2026001期")
    )
    reason = forms.CharField(
        label=_("重新抽取原因"), max_length=300, required=False,
        help_text=_("仅重新抽取时填写；原抽取记录保留"),
    )  # fmt: skip
    publish_now = forms.BooleanField(
        label=_("抽取后立即公示"), required=False,
        help_text=_("不勾选时，可在抽取记录页面择时公示（如检查开始后，避免提前告知检查对象）"),
    )  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class InspectorForm(forms.Form):
    user = forms.ModelChoiceField(label=_("执法人员"), queryset=None)
    department = forms.CharField(label=_("所属部门"), max_length=100, initial=DEFAULT_DEPARTMENT)
    expertise = forms.CharField(
        label=_("执法领域"), required=False, help_text=_("多个以逗号分隔，如：食品, 特种设备")
    )
    address = forms.CharField(
        label=_("居住地址"), max_length=300, required=False,
        help_text=_("用于回避：与检查对象住所相同时不抽取"),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("在库"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, user=None, instance: InspectorProfile | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {
                "user": instance.user_id, "department": instance.department,
                "expertise": "、".join(instance.expertise), "address": instance.address,
                "is_active": instance.is_active, "note": instance.note,
            })  # fmt: skip
        super().__init__(*args, **kwargs)
        users = User.objects.visible_to(user).filter(is_active=True).exclude(badge_number="")
        self.fields["user"].queryset = users.order_by("username")
        self.fields["user"].help_text = _("只能选择有执法证号的人员")
        if instance is not None:
            self.fields["user"].disabled = True

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "department": data["department"],
            "expertise": _split(data.get("expertise")),
            "address": data.get("address") or "",
            "is_active": bool(data.get("is_active")),
            "note": data.get("note") or "",
        }


class RecusalForm(forms.Form):
    inspector = forms.ModelChoiceField(label=_("执法人员"), queryset=None)
    uscc = forms.CharField(label=_("市场主体统一社会信用代码"), max_length=18, required=False)
    id_number = forms.CharField(
        label=_("自然人证件号码"), max_length=32, required=False,
        help_text=_("该自然人担任法定代表人或股东的主体都须回避"),
    )  # fmt: skip
    reason = forms.CharField(label=_("回避原因"), max_length=300)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["inspector"].queryset = User.objects.visible_to(user).filter(
            inspector_profile__isnull=False
        )

    def clean(self):
        data = super().clean()
        uscc = (data.get("uscc") or "").strip().upper()
        id_number = (data.get("id_number") or "").strip().upper()
        if not uscc and not id_number:
            raise forms.ValidationError(_("请填写须回避的市场主体或自然人。"))
        data["entity"] = data["person"] = None
        if uscc:
            data["entity"] = Entity.objects.visible_to(self.user).filter(uscc=uscc).first()
            if data["entity"] is None:
                self.add_error(
                    "uscc", _("您的数据范围内没有统一社会信用代码为 %(u)s 的主体") % {"u": uscc}
                )
        if id_number:
            data["person"] = Person.objects.filter(id_number=id_number).first()
            if data["person"] is None:
                self.add_error("id_number", _("登记库中没有该证件号码的自然人"))
        return data


class NonIntrusiveForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    reason = forms.CharField(label=_("列入依据"), max_length=300)
    listed_on = forms.DateField(label=_("列入日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_uscc(self):
        uscc = self.cleaned_data["uscc"].strip().upper()
        entity = Entity.objects.visible_to(self.user).filter(uscc=uscc).first()
        if entity is None:
            raise forms.ValidationError(
                _("您的数据范围内没有统一社会信用代码为 %(u)s 的主体") % {"u": uscc}
            )
        self.entity = entity
        return uscc
