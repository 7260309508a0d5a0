"""Random inspections (双随机、一公开): directories, plans and their verifiable draws.

* ``InspectorProfile``: one entry of the inspector directory (执法检查人员名录库): a user with a
  law-enforcement badge number, fields of expertise, department and unit.
* ``Recusal``: a recorded tie between an inspector and an entity or a person (回避).
* ``NonIntrusiveEntry``: an entity on the non-intrusive supervision list (无感监管), left out of
  the target directory while listed.
* ``Plan``: what is checked (item), where the targets come from (pool filter), how many per
  credit risk class (ratios), by how many inspectors from which departments, by when.
* ``Draw``: one draw of a plan with every published input, the algorithm version, the hashes
  and the result. A redraw is a new ``Draw``; the old one stays (``is_current`` False).
  A draw is public once published (``published_at``): the officer decides when, so that
  the targets of an unannounced check are not told in advance; the hashes are fixed (and
  audited) at draw time, so publishing later changes nothing that can be verified.

The target directory itself is the register filtered at draw time (``directory.py``); its
snapshot is stored with the draw. Every model is scoped by its unit's path.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager

DEFAULT_DEPARTMENT = "市场监督管理局"


class InspectorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执法人员"),
        on_delete=models.PROTECT,
        related_name="inspector_profile",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.CharField(_("所属部门"), max_length=100, default=DEFAULT_DEPARTMENT)
    expertise = models.JSONField(_("执法领域"), default=list, blank=True)
    address = models.CharField(
        _("居住地址"),
        max_length=300,
        blank=True,
        help_text=_("用于回避：与检查对象住所相同时不抽取"),
    )
    is_active = models.BooleanField(_("在库"), default=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "unit__path"
    objects = ScopedManager()
    personal_fields = ("address",)

    class Meta:
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员名录库")
        ordering = ["unit__path", "user__username"]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("random_inspections:inspector_update", args=[self.pk])


class Recusal(models.Model):
    """An inspector must never be drawn for this entity, or for entities of this person."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执法人员"),
        on_delete=models.CASCADE,
        related_name="recusals",
    )
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("市场主体"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("自然人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("该自然人担任法定代表人或股东的主体都须回避"),
    )
    reason = models.CharField(_("回避原因"), max_length=300)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_path = "inspector__unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("回避关系")
        verbose_name_plural = _("回避关系")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entity__isnull=False) | models.Q(person__isnull=False),
                name="recusal_entity_or_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} · {self.entity or self.person}"


class NonIntrusiveEntry(models.Model):
    entity = models.ForeignKey(
        "registry.Entity", verbose_name=_("市场主体"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("属地机构"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("列入依据"), max_length=300)
    listed_on = models.DateField(_("列入日期"))
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("无感监管名单")
        verbose_name_plural = _("无感监管名单")
        ordering = ["-listed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.entity} ({self.listed_on})"


class Plan(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("待抽取")
        DRAWN = "drawn", _("已抽取")

    number = models.CharField(_("计划编号"), max_length=20, unique=True)
    name = models.CharField(_("计划名称"), max_length=200)
    item = models.ForeignKey(
        "supervision.SupervisionItem",
        verbose_name=_("监管事项"),
        on_delete=models.PROTECT,
        related_name="random_plans",
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("组织机构"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("制定计划的机构；检查对象来自其辖区"),
    )
    pool_filter = models.JSONField(_("检查对象范围"), default=dict, blank=True)
    ratios = models.JSONField(_("抽查比例"))
    ratios_basis = models.JSONField(_("比例依据"), default=dict, blank=True)
    inspectors_per_check = models.PositiveSmallIntegerField(_("每户检查人数"), default=2)
    participants = models.JSONField(
        _("参加部门"), default=list, blank=True, help_text=_("联合抽查：各参加部门及其机构")
    )
    due_days = models.PositiveIntegerField(_("办理时限（天）"), default=20)
    working_days = models.BooleanField(_("按工作日计算"), default=True)
    note = models.TextField(_("内部备注"), blank=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("random_inspections:plan_detail", args=[self.pk])

    @property
    def is_joint(self) -> bool:
        return len({p.get("department") for p in self.participants}) > 1

    def current_draw(self):
        return self.draws.filter(is_current=True).first()


class Draw(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("抽查计划"), on_delete=models.PROTECT, related_name="draws"
    )
    sequence = models.PositiveSmallIntegerField(_("抽取次序"), default=1)
    is_current = models.BooleanField(_("现行结果"), default=True)
    reason = models.CharField(_("重新抽取原因"), max_length=300, blank=True)
    algorithm = models.CharField(_("算法版本"), max_length=32)
    public_random = models.CharField(_("公开随机数"), max_length=200)
    public_random_source = models.CharField(_("随机数来源"), max_length=200)
    plan_snapshot = models.JSONField(_("计划快照"))
    plan_hash = models.CharField(_("计划哈希"), max_length=64)
    pool_hash = models.CharField(_("对象名录快照哈希"), max_length=64)
    pool_size = models.PositiveIntegerField(_("对象数"))
    pool_counts = models.JSONField(_("各类对象数与抽取数"))
    pool_snapshot = models.BinaryField(_("对象名录快照"))
    inspectors = models.JSONField(_("执法人员名录快照"))
    inspectors_hash = models.CharField(_("人员名录快照哈希"), max_length=64)
    recusals = models.JSONField(_("回避"), default=dict)
    seed = models.CharField(_("随机种子"), max_length=64)
    result = models.JSONField(_("抽取结果"))
    result_hash = models.CharField(_("结果哈希"), max_length=64)
    target_count = models.PositiveIntegerField(_("抽取户数"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽取人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("抽取时间"))
    published_at = models.DateTimeField(
        _("公示时间"),
        null=True,
        blank=True,
        help_text=_("公示后，抽取输入与结果在公示页面向社会公开，任何人可以复核"),
    )

    scope_path = "plan__unit__path"
    objects = ScopedManager()
    # Snapshots and results are large: services.draw/redraw write one audit record per draw
    # with the hashes instead (verify compares them with the stored draw).
    audit_exclude = True

    class Meta:
        verbose_name = _("抽取记录")
        verbose_name_plural = _("抽取记录")
        ordering = ["plan", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="draw_plan_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.plan.number} #{self.sequence}"

    def get_absolute_url(self) -> str:
        return reverse("random_inspections:draw_detail", args=[self.pk])

    def pool_bytes(self) -> bytes:
        return zlib.decompress(bytes(self.pool_snapshot)) if self.pool_snapshot else b""

    @staticmethod
    def pack_pool(text: bytes) -> bytes:
        return zlib.compress(text, 1)
