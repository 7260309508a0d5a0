from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from . import identifiers
from .models import OrgUnit, Role, User
from .services import ServiceError, save_unit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续%(limit)d次失败将锁定%(minutes)d分钟。"),
        "inactive": _("该账号已停用。"),
    }

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login", params=lockout_policy()
        )


def lockout_policy() -> dict:
    from django.conf import settings

    return {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }


class ChangePasswordForm(PasswordChangeForm):
    pass


class UnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "division",
            "streets",
            "sort_order",
            "is_active",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = OrgUnit.objects.visible_to(user).exclude(kind=OrgUnit.Kind.STATION)
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
            if self.instance.parent_id:
                parents = parents | OrgUnit.objects.filter(pk=self.instance.parent_id)
        self.fields["parent"].queryset = parents.distinct()
        from zhijian.dictionaries.models import Division

        divisions = Division.objects.filter(is_current=True)
        district = user.unit.district() if user is not None and user.unit else None
        if district is not None and district.division_id:
            # A district's administrators assign only their own district's streets.
            divisions = divisions.filter(code__startswith=district.division_id)
        elif district is not None:
            divisions = divisions.none()
        self.fields["division"].queryset = divisions.exclude(level=Division.Level.STREET)
        self.fields["streets"].queryset = divisions.filter(level=Division.Level.STREET)
        self.fields["streets"].widget.attrs["size"] = 8

    def save(self, commit=True):
        unit = super().save(commit=False)
        try:
            save_unit(unit)
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.save_m2m()
        return unit


def _validate_personal(cleaned: dict, add_error) -> None:
    mobile = cleaned.get("mobile")
    if mobile:
        verdict = identifiers.validate_mobile(mobile)
        if verdict.valid:
            cleaned["mobile"] = identifiers.mobile_digits(mobile)
        else:
            add_error("mobile", verdict.reason)
    id_number = cleaned.get("id_number")
    if id_number:
        verdict = identifiers.validate_id_number(id_number)
        if not verdict.valid:
            add_error("id_number", verdict.reason)


class UserForm(forms.ModelForm):
    roles = forms.ModelMultipleChoiceField(
        label=_("角色"),
        queryset=Role.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "unit",
            "roles",
            "mobile",
            "id_number",
            "badge_number",
            "is_active",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(user)
        self.fields["unit"].required = True
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.fields["roles"].initial = list(self.instance.roles)
            # Personal data is never pre-filled in clear text; leave empty to keep it.
            for name in User.personal_fields:
                self.fields[name].initial = ""
                self.fields[name].help_text = _("留空则保持不变")
                self.initial[name] = ""

    def clean(self):
        cleaned = super().clean()
        _validate_personal(cleaned, self.add_error)
        if self.instance.pk:
            for name in User.personal_fields:
                if not cleaned.get(name):
                    cleaned[name] = getattr(self.instance, name)
        return cleaned
