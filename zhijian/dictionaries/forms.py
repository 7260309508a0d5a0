from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, CalendarYear


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "source"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "source"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ParameterValueForm(forms.Form):
    """A dated value of a declared parameter; the value is JSON (a number, a mapping, …)."""

    value = forms.CharField(
        label=_("取值"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('JSON 格式，例如 20 或 {"A": 0.05, "B": 0.2, "C": 0.6, "D": 1.0}'),
    )
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(
        label=_("依据"),
        max_length=300,
        help_text=_("法规、文件或本局决定，例如：沪市监规范〔2026〕1号"),
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, user=None, parameter=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameter = parameter

    def clean_value(self):
        import json

        text = self.cleaned_data["value"].strip()
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(
                _('取值应为 JSON 格式（数字，或用英文双引号的映射），例如 20 或 {"A": 0.05}')
            ) from None
        from .parameters import InvalidParameter

        try:
            return self.parameter.check(value) if self.parameter else value
        except InvalidParameter as exc:
            raise forms.ValidationError(str(exc)) from None
