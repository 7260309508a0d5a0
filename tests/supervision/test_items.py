"""The item catalogue: applies_to, the form, spreadsheet import with row-level errors, export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhijian.audit.models import AuditRecord
from zhijian.supervision import items
from zhijian.supervision.models import SupervisionItem

HEADER = "事项编码,事项名称,设定依据,责任部门,检查内容,适用主体类型,适用行业,适用许可类型,启用\n"


def csv_file(body: str, name="items.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + body).encode("utf-8"), content_type="text/csv")


@pytest.mark.django_db
def test_applies_to(org):
    from tests.scope_world import _entity
    from zhijian.registry.models import Licence

    entity = _entity(org["zhangjiang"], "餐饮")
    entity.industry = "6210"
    entity.save()
    item = SupervisionItem(code="X", name="x", legal_basis="x", department="x")
    assert item.applies_to(entity)
    item.entity_kinds = ["个体工商户"]
    assert not item.applies_to(entity)
    item.entity_kinds = ["私营企业"]
    item.industries = ["62"]
    assert item.applies_to(entity)
    item.industries = ["52"]
    assert not item.applies_to(entity)
    item.industries = []
    item.licence_types = ["食品经营许可证"]
    assert not item.applies_to(entity)
    Licence.objects.create(entity=entity, unit=entity.unit, number="JY1", licence_type="食品经营许可证",
                           issuer="局", issued_on="2024-01-01", status="有效")  # fmt: skip
    assert item.applies_to(entity)
    assert not item.applies_to(entity, licence_types=set())


@pytest.mark.django_db
def test_import_keeps_good_rows_and_reports_bad_ones(client, org, people):
    SupervisionItem.objects.create(code="OLD-1", name="旧名称", legal_basis="旧", department="旧处")
    body = (
        'FOOD-01,食品经营许可检查,《食品安全法》第三十五条,食品经营监管处,"licence|是否持证\nhealth|从业人员健康证明",私营企业、个体工商户,62,食品经营许可证,是\n'
        "OLD-1,新名称,《广告法》,广告监管处,,,,,否\n"
        ",缺编码的事项,依据,某处,,,,,\n"
        "BAD-KIND,主体类型错,依据,某处,,外星企业,,,\n"
        "BAD-IND,行业错,依据,某处,,,5X2,,\n"
        "FOOD-01,重复编码,依据,某处,,,,,\n"
        "BAD-ACTIVE,启用错,依据,某处,,,,,也许\n"
        'BAD-CHECK,检查内容错,依据,某处,"a|问一\na|问二",,,,\n'
    )
    client.force_login(people["pudong"])
    before = AuditRecord.objects.count()
    response = client.post(reverse("supervision:item_import"), {"file": csv_file(body)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "新增 1 项，更新 1 项，拒绝 6 行" in text
    for reason in ("事项编码不能为空", "主体类型“外星企业”不存在", "行业代码“5X2”格式不对",
                   "事项编码与本文件第2行重复", "“也许”不是“是”或“否”", "检查内容的编号“a”重复"):  # fmt: skip
        assert reason in text, reason
    food = SupervisionItem.objects.get(code="FOOD-01")
    assert food.checklist == [
        {"key": "licence", "question": "是否持证"},
        {"key": "health", "question": "从业人员健康证明"},
    ]
    assert food.entity_kinds == ["私营企业", "个体工商户"] and food.industries == ["62"]
    old = SupervisionItem.objects.get(code="OLD-1")
    assert old.name == "新名称" and old.is_active is False
    assert AuditRecord.objects.count() == before + 1
    # the rejected rows come back with their reasons, ready to correct and re-import
    rejected = client.get(reverse("supervision:item_rejections"))
    sheet = openpyxl.load_workbook(io.BytesIO(rejected.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-3:] == ("原行号", "错误列", "错误原因") and len(rows) == 7
    assert rows[1][1] == "缺编码的事项" and rows[1][-2] == "事项编码"
    csv_rows = client.get(reverse("supervision:item_rejections") + "?format=csv")
    assert "外星企业" in csv_rows.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_import_refuses_a_file_without_the_columns(client, org, people):
    client.force_login(people["pudong"])
    upload = SimpleUploadedFile("x.csv", "名称,依据\n甲,乙\n".encode())
    response = client.post(reverse("supervision:item_import"), {"file": upload})
    assert "缺少必需的列：事项编码、事项名称、设定依据、责任部门" in response.content.decode()
    upload = SimpleUploadedFile("x.csv", b"")
    response = client.post(reverse("supervision:item_import"), {"file": upload})
    assert "提交的是空文件" in response.content.decode()


@pytest.mark.django_db
def test_export_then_import_round_trip(client, org, people):
    SupervisionItem.objects.create(
        code="SE-01", name="电梯使用管理检查", legal_basis="《特种设备安全法》第三十三条",
        department="特种设备安全监察处", checklist=[{"key": "reg", "question": "是否办理使用登记"}],
        licence_types=["特种设备使用登记证"],
    )  # fmt: skip
    client.force_login(people["city"])
    exported = client.get(reverse("supervision:item_list") + "?export=xlsx")
    SupervisionItem.objects.all().delete()
    upload = SimpleUploadedFile("items.xlsx", exported.content)
    response = client.post(reverse("supervision:item_import"), {"file": upload})
    assert "新增 1 项，更新 0 项，拒绝 0 行" in response.content.decode()
    item = SupervisionItem.objects.get(code="SE-01")
    assert item.checklist == [{"key": "reg", "question": "是否办理使用登记"}]
    assert item.licence_types == ["特种设备使用登记证"]


@pytest.mark.django_db
def test_form_errors(client, org, people):
    client.force_login(people["pudong"])
    response = client.post(reverse("supervision:item_create"), {
        "code": "含 空格", "name": "x", "legal_basis": "x", "department": "x",
        "checklist_text": "|缺编号", "industries_text": "ABC",
    })  # fmt: skip
    text = response.content.decode()
    assert "事项编码只能由字母、数字" in text and "缺少编号或问题" in text and "格式不对" in text
    response = client.post(reverse("supervision:item_create"), {
        "code": "AD-01", "name": "广告检查", "legal_basis": "《广告法》", "department": "广告处",
        "checklist_text": "是否有虚假宣传\n是否使用绝对化用语", "entity_kinds": ["私营企业"],
        "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    item = SupervisionItem.objects.get(code="AD-01")
    assert [c["key"] for c in item.checklist] == ["q1", "q2"] and item.entity_kinds == ["私营企业"]


def test_parse_list_and_checklist():
    assert items.parse_list("私营企业、个体工商户, 国有企业") == [
        "私营企业",
        "个体工商户",
        "国有企业",
    ]
    assert items.parse_checklist("a|一；b|二") == [
        {"key": "a", "question": "一"}, {"key": "b", "question": "二"},
    ]  # fmt: skip
