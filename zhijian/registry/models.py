"""The market-entity register: tables 1–9 of the exchange format (docs/exchange-format.md).

Every record belongs to an organisation unit (``unit``): the entity's home station when its
street is known, else its district bureau, else the city bureau. Data scope filters on that
unit's path. Records that hang off an entity copy the entity's unit (kept in step by
``services.relocate_entity``), so that every list is one indexed prefix query.

Natural persons are one row per ID number across all entities (``Person``).

Single-record writes are audited like every model; imports write in bulk (no signals) and record
one audit entry per batch.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijian.core.scope import ScopedManager

MONEY_WAN = {"max_digits": 18, "decimal_places": 4}  # 万元, up to 4 decimals
MONEY_YUAN = {"max_digits": 16, "decimal_places": 2}  # 元, 2 decimals


class SourcedModel(models.Model):
    """Provenance kept on every imported record: which department sent it, in which batch."""

    source = models.CharField(_("数据来源"), max_length=100, blank=True)
    batch_id = models.BigIntegerField(_("导入批次"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ScopedRecord(SourcedModel):
    """A record that belongs to an organisation unit (see the module docstring)."""

    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("属地机构"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=True,
    )

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        abstract = True


class Person(SourcedModel):
    """A natural person, one row per ID number across all entities."""

    id_number = models.CharField(_("证件号码"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=100, db_index=True)
    id_is_citizen = models.BooleanField(_("证件为公民身份号码"), default=True)

    personal_fields = ("id_number",)

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")

    def __str__(self) -> str:
        return self.name


class Entity(ScopedRecord):
    class Kind(models.TextChoices):
        PRIVATE = "私营企业", _("私营企业")
        STATE = "国有企业", _("国有企业")
        FOREIGN = "外资企业", _("外资企业")
        INDIVIDUAL = "个体工商户", _("个体工商户")
        COOPERATIVE = "农民专业合作社", _("农民专业合作社")

    class Status(models.TextChoices):
        ACTIVE = "存续", _("存续")
        DEREGISTERED = "注销", _("注销")
        REVOKED = "吊销", _("吊销")
        MOVED_OUT = "迁出", _("迁出")

    class LocationSource(models.TextChoices):
        ADDRESS = "address", _("由住所解析")
        GIVEN = "given", _("数据提供")
        USCC = "uscc", _("住所无法解析，按统一社会信用代码登记机关区划推定")
        NONE = "none", _("无法确定")

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200, db_index=True)
    kind = models.CharField(_("主体类型"), max_length=16, choices=Kind.choices, db_index=True)
    legal_form = models.CharField(_("企业类型"), max_length=50, blank=True)
    status = models.CharField(_("登记状态"), max_length=8, choices=Status.choices, db_index=True)
    established_on = models.DateField(_("成立日期"), db_index=True)
    deregistered_on = models.DateField(_("注销日期"), null=True, blank=True)
    registered_capital = models.DecimalField(
        _("注册资本（万元）"), null=True, blank=True, **MONEY_WAN
    )
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    legal_rep_name = models.CharField(_("法定代表人"), max_length=100, db_index=True)
    legal_rep = models.ForeignKey(
        Person,
        verbose_name=_("法定代表人（自然人）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="represented",
    )
    address = models.CharField(_("住所"), max_length=300)
    # No single-column index: (district_code, kind, status) below leads with it.
    district_code = models.CharField(_("所属区"), max_length=6, blank=True)
    street_code = models.CharField(_("所属街镇"), max_length=9, blank=True, db_index=True)
    location_source = models.CharField(
        _("属地依据"), max_length=8, choices=LocationSource.choices, default=LocationSource.NONE
    )
    registration_authority = models.CharField(_("登记机关"), max_length=100, blank=True)
    industry = models.CharField(_("行业代码"), max_length=4, blank=True, db_index=True)
    business_scope = models.TextField(_("经营范围"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    # The unit's own index would duplicate the leading column of (unit, status) below and of
    # registry_entity_unit_uscc (migration 0003); every index costs each imported row ~2 µs.
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("属地机构"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    personal_fields = ("phone",)

    class Meta:
        verbose_name = _("市场主体")
        verbose_name_plural = _("市场主体")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["district_code", "kind", "status"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:entity_detail", args=[self.uscc])


class EntityRecord(ScopedRecord):
    """A record about one entity; its unit follows the entity's."""

    class Meta:
        abstract = True


class EntityPerson(EntityRecord):
    class Role(models.TextChoices):
        LEGAL_REP = "法定代表人", _("法定代表人")
        SHAREHOLDER = "股东", _("股东")
        DIRECTOR = "董事", _("董事")
        SUPERVISOR = "监事", _("监事")
        MANAGER = "经理", _("经理")
        FINANCE = "财务负责人", _("财务负责人")
        LIAISON = "联络员", _("联络员")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="persons")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="positions")
    role = models.CharField(_("职务"), max_length=8, choices=Role.choices)
    subscribed_capital = models.DecimalField(
        _("认缴出资额（万元）"), null=True, blank=True, **MONEY_WAN
    )

    class Meta:
        verbose_name = _("主体人员")
        verbose_name_plural = _("主体人员")
        constraints = [
            models.UniqueConstraint(fields=["entity", "person", "role"], name="entity_person_role")
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.role}"


class Licence(EntityRecord):
    class Status(models.TextChoices):
        VALID = "有效", _("有效")
        CANCELLED = "注销", pgettext_lazy("licence status", "注销")
        REVOKED = "吊销", _("吊销")
        WITHDRAWN = "撤销", _("撤销")
        EXPIRED = "过期", _("过期")

    class Mode(models.TextChoices):
        GENERAL = "一般程序", _("一般程序")
        COMMITMENT = "告知承诺", _("告知承诺")

    number = models.CharField(_("许可证编号"), max_length=64, unique=True)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="licences")
    licence_type = models.CharField(_("许可类型"), max_length=50, db_index=True)
    mode = models.CharField(_("许可方式"), max_length=8, choices=Mode.choices, blank=True)
    issuer = models.CharField(_("发证机关"), max_length=100)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    premises = models.CharField(_("许可地址"), max_length=300, blank=True)
    scope = models.TextField(_("经营项目"), blank=True)
    status = models.CharField(_("状态"), max_length=4, choices=Status.choices)

    class Meta:
        verbose_name = _("行政许可")
        verbose_name_plural = _("行政许可")

    def __str__(self) -> str:
        return self.number


class AnnualReport(EntityRecord):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    filed_on = models.DateField(_("报送日期"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    total_assets = models.DecimalField(_("资产总额（万元）"), null=True, blank=True, **MONEY_WAN)
    equity = models.DecimalField(_("所有者权益合计（万元）"), null=True, blank=True, **MONEY_WAN)
    liabilities = models.DecimalField(_("负债总额（万元）"), null=True, blank=True, **MONEY_WAN)
    revenue = models.DecimalField(_("营业总收入（万元）"), null=True, blank=True, **MONEY_WAN)
    main_revenue = models.DecimalField(
        _("主营业务收入（万元）"), null=True, blank=True, **MONEY_WAN
    )
    total_profit = models.DecimalField(_("利润总额（万元）"), null=True, blank=True, **MONEY_WAN)
    net_profit = models.DecimalField(_("净利润（万元）"), null=True, blank=True, **MONEY_WAN)
    tax_paid = models.DecimalField(_("纳税总额（万元）"), null=True, blank=True, **MONEY_WAN)
    paid_in_capital = models.DecimalField(_("实缴资本（万元）"), null=True, blank=True, **MONEY_WAN)

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        constraints = [
            models.UniqueConstraint(fields=["entity", "year"], name="annual_report_year")
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.year}"


class InspectionRecord(EntityRecord):
    class Method(models.TextChoices):
        ROUTINE = "日常检查", _("日常检查")
        RANDOM = "双随机", _("双随机")
        CAMPAIGN = "专项检查", _("专项检查")
        TRIGGERED = "触发式检查", _("触发式检查")
        JOINT = "联合检查", _("联合检查")

    class Outcome(models.TextChoices):
        NO_PROBLEM = "未发现问题", _("未发现问题")
        RECTIFY = "发现问题已责令整改", _("发现问题已责令整改")
        CASE = "发现问题已立案", _("发现问题已立案")
        NOT_OPERATING = "未发现经营", _("未发现经营")

    number = models.CharField(_("检查编号"), max_length=64, unique=True)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="inspections")
    inspected_on = models.DateField(_("检查日期"), db_index=True)
    method = models.CharField(_("检查方式"), max_length=8, choices=Method.choices)
    item = models.CharField(_("监管事项"), max_length=200, blank=True)
    authority = models.CharField(_("检查机关"), max_length=100)
    outcome = models.CharField(_("检查结果"), max_length=12, choices=Outcome.choices)
    findings = models.PositiveIntegerField(_("问题数"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")

    def __str__(self) -> str:
        return self.number


class PenaltyRecord(ScopedRecord):
    """A penalty decision; ``entity`` is empty when the party is a natural person."""

    class Intensity(models.TextChoices):
        NORMAL = "一般", _("一般")
        LIGHTER = "从轻", _("从轻")
        MITIGATED = "减轻", _("减轻")
        HEAVIER = "从重", _("从重")
        EXEMPTED = "免罚", _("免罚")
        NO_PENALTY = "不予处罚", _("不予处罚")

    MEASURES = (
        "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件",
        "吊销许可证件", "责令停产停业", "不予行政处罚",
    )  # fmt: skip

    number = models.CharField(_("决定书文号"), max_length=100, unique=True)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.CASCADE, related_name="penalties"
    )
    party = models.CharField(_("当事人"), max_length=200)
    violation = models.CharField(_("违法类型"), max_length=50, db_index=True)
    facts = models.TextField(_("违法行为"), blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    measures = models.CharField(_("处罚种类"), max_length=200, help_text=_("以“、”分隔"))
    amount = models.DecimalField(_("罚没金额（元）"), null=True, blank=True, **MONEY_YUAN)
    intensity = models.CharField(_("处罚强度"), max_length=4, choices=Intensity.choices, blank=True)
    decided_on = models.DateField(_("决定日期"), db_index=True)
    authority = models.CharField(_("处罚机关"), max_length=100)
    brand_model = models.CharField(_("涉案品牌型号"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("行政处罚")
        verbose_name_plural = _("行政处罚")

    def __str__(self) -> str:
        return self.number


class ComplaintRecord(ScopedRecord):
    class Kind(models.TextChoices):
        COMPLAINT = "投诉", _("投诉")
        REPORT = "举报", _("举报")
        ENQUIRY = "咨询", _("咨询")

    number = models.CharField(_("工单编号"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=2, choices=Kind.choices)
    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    respondent_name = models.CharField(_("被诉主体名称"), max_length=200)
    respondent_uscc = models.CharField(_("被诉主体统一社会信用代码"), max_length=18, blank=True)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    claimant_name = models.CharField(_("诉求人姓名"), max_length=100, blank=True)
    claimant_id = models.CharField(_("诉求人证件号码"), max_length=32, blank=True)
    claimant_phone = models.CharField(_("诉求人手机号"), max_length=20, blank=True)
    text = models.TextField(_("诉求内容"))
    goods_category = models.CharField(_("商品类别"), max_length=20, blank=True)
    service_category = models.CharField(_("服务类别"), max_length=20, blank=True)
    issue_category = models.CharField(_("问题类别"), max_length=20, blank=True)
    address = models.CharField(_("涉及地址"), max_length=300, blank=True)
    status = models.CharField(_("处理状态"), max_length=20, blank=True)

    personal_fields = ("claimant_name", "claimant_id", "claimant_phone")

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")

    def __str__(self) -> str:
        return self.number


class Sampling(EntityRecord):
    class Result(models.TextChoices):
        PASS = "合格", _("合格")
        FAIL = "不合格", _("不合格")

    number = models.CharField(_("抽样单号"), max_length=64, unique=True)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="samplings")
    stage = models.CharField(_("抽检环节"), max_length=4, blank=True)
    category = models.CharField(_("产品类别"), max_length=10, db_index=True)
    product = models.CharField(_("产品名称"), max_length=200)
    sampled_on = models.DateField(_("抽样日期"), db_index=True)
    result = models.CharField(_("检验结论"), max_length=4, choices=Result.choices)
    failed_items = models.CharField(_("不合格项目"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("监督抽检")
        verbose_name_plural = _("监督抽检")

    def __str__(self) -> str:
        return self.number


class CreditListing(EntityRecord):
    class ListType(models.TextChoices):
        ABNORMAL = "经营异常名录", _("经营异常名录")
        SERIOUS = "严重违法失信名单", _("严重违法失信名单")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="credit_listings")
    list_type = models.CharField(_("名单类型"), max_length=10, choices=ListType.choices)
    reason = models.CharField(_("列入原因"), max_length=300)
    listed_on = models.DateField(_("列入日期"))
    authority = models.CharField(_("列入机关"), max_length=100)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removal_reason = models.CharField(_("移出原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("信用名单")
        verbose_name_plural = _("信用名单")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "list_type", "listed_on"], name="credit_listing_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.list_type} {self.listed_on}"
