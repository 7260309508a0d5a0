"""Organisation units, users and roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .scope import ScopedManager, ScopedQuerySet


class OrgUnit(models.Model):
    """A unit of the bureau: the city bureau, a district bureau or a station (市场监管所).

    ``path`` is the materialised path of codes from the root ("310000/310115/310115001/"),
    so a subtree is one indexed prefix query. The tree is data: see ``zhijian orgs``.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("市局")
        DISTRICT = "district", _("区局")
        STATION = "station", _("市场监管所")

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("层级"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division = models.ForeignKey(
        "dictionaries.Division",
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("市局、区局对应的行政区划"),
    )
    streets = models.ManyToManyField(
        "dictionaries.Division",
        verbose_name=_("管辖街镇"),
        blank=True,
        related_name="stations",
        help_text=_("市场监管所管辖的街道、乡镇"),
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:unit_detail", args=[self.pk])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}/"

    def ancestors(self) -> list[OrgUnit]:
        codes = self.path.strip("/").split("/")[:-1]
        units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return [units[c] for c in codes if c in units]

    def district(self) -> OrgUnit | None:
        """The district bureau this unit belongs to (itself for a district bureau)."""
        if self.kind == self.Kind.DISTRICT:
            return self
        if self.kind == self.Kind.STATION and self.parent_id:
            return self.parent
        return None


class ZhijianUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A member of staff. Belongs to one organisation unit and holds roles (groups)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)
    id_number = models.CharField(_("公民身份号码"), max_length=18, blank=True)
    badge_number = models.CharField(_("执法证号"), max_length=32, blank=True)
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    scope_path = "unit__path"
    objects = ZhijianUserManager()

    # Personal data shown masked unless the viewer holds core.unmask_personal_data.
    personal_fields = ("mobile", "id_number")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        permissions = [("unmask_personal_data", _("查看未脱敏的个人信息"))]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("core:user_detail", args=[self.pk])

    @property
    def roles(self):
        return Role.objects.filter(group_ptr__in=self.groups.all())

    def has_role(self, code: str) -> bool:
        return self.groups.filter(role__code=code).exists()


class Role(Group):
    """A role is a permission group with a stable code (see roles.py)."""

    code = models.CharField(_("角色代码"), max_length=32, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self):
        """The role's name in the active language (roles.py), falling back to the stored name."""
        from .roles import ROLES

        role = ROLES.get(self.code)
        return role.name if role else self.name

    @property
    def summary(self):
        from .roles import ROLES

        role = ROLES.get(self.code)
        return role.description if role else self.description


class NumberSequence(models.Model):
    """The last sequence number given out under a key (see ``numbers.py``).

    The key is the number's prefix: "RW20261204" (tasks of a day), "JC20261204" (inspections
    of a day), "SJ2026" (random-inspection plans of a year). Only ``numbers.reserve`` changes
    a row, under a row lock, so that no number is given out twice.
    """

    key = models.CharField(_("序列键"), max_length=32, primary_key=True)
    last = models.PositiveBigIntegerField(_("最后序号"), default=0)

    audit_exclude = True

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.key} {self.last}"
