"""Reference dictionaries: administrative divisions, industries, working-day calendar."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """An administrative division (GB/T 2260 / statistics division code).

    Only the configured jurisdiction (``settings.JURISDICTION``), its ancestors and its
    historic (abolished) districts are loaded. Codes are 6 digits (province, city,
    district) or 9 digits (street / town). Historic codes keep ``valid_to`` and point to
    their ``successor``, so that old addresses and codes inside old USCCs still resolve.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级")
        DISTRICT = "district", _("县级")
        STREET = "street", _("乡级")

    code = models.CharField(_("区划代码"), max_length=9, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.PositiveSmallIntegerField(_("启用年份"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("停用年份"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("继承区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )
    is_current = models.BooleanField(_("现行"), default=True, db_index=True)
    # Statistics codes 400-599 in digits 7-9 are "类似乡级单位": development zones,
    # farms, industrial parks. They are kept, but are not townships or sub-districts.
    is_special_area = models.BooleanField(_("类似乡级单位（开发区、农场等）"), default=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Industry(models.Model):
    """A node of GB/T 4754-2017 (国民经济行业分类, as amended by Amendment No. 1)."""

    class Level(models.TextChoices):
        SECTION = "section", _("门类")
        DIVISION = "division", _("大类")
        GROUP = "group", _("中类")
        CLASS = "class", _("小类")

    code = models.CharField(_("行业代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级行业"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CalendarDay(models.Model):
    """A day that deviates from the Monday-to-Friday rule.

    Statutory holidays (including weekend days inside a holiday period) and adjusted
    working days (调休上班日, a Saturday or Sunday worked in exchange). Every day not listed
    here is a working day from Monday to Friday and a rest day on weekends.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=50, blank=True, help_text=_("例如：春节"))
    source = models.CharField(
        _("依据"),
        max_length=200,
        blank=True,
        help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知"),
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.WORKDAY and self.date and self.date.weekday() < 5:
            raise ValidationError(
                {"kind": _("调休上班日应为周六或周日；周一至周五本来就是工作日。")}
            )


class CalendarYear(models.Model):
    """Whether a year's official holiday arrangement is fully loaded.

    Deadlines that reach into a year that is not ``complete`` are computed with the
    Monday-to-Friday rule plus whatever days are already entered, and are flagged as
    provisional (see ``zhijian.dictionaries.workdays.covered``).
    """

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    complete = models.BooleanField(
        _("已完整录入"), default=False, help_text=_("该年度国务院节假日安排已全部录入")
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class ParameterValue(models.Model):
    """One dated value of a configurable parameter (see ``zhijian.dictionaries.parameters``).

    Numbers that law leaves to local practice (sampling ratios per credit risk class, the
    publication deadline of inspection results, …) are never constants: each is a key declared
    in code with a default and its source, and administrators add values that take effect
    from a date. The value in force on a day is the latest one whose ``effective_from`` is not
    after that day; without one, the declared default.
    """

    key = models.CharField(_("参数"), max_length=100, db_index=True)
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    source = models.CharField(
        _("依据"), max_length=300, help_text=_("法规、文件或本局决定，例如：沪市监规范〔2026〕1号")
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参数取值")
        verbose_name_plural = _("参数取值")
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="parameter_key_date")
        ]
        ordering = ["key", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} ({self.effective_from})"
