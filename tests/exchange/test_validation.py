"""Every validation rule of the exchange format, one row at a time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhijian.exchange import services
from zhijian.registry.models import (
    AnnualReport,
    ComplaintRecord,
    CreditListing,
    Entity,
    EntityPerson,
    PenaltyRecord,
    Person,
)

from .conftest import entity_row, make_id, make_uscc, write_csv


def run(tmp_path, table, rows, name="f.csv", headers=None):
    path = write_csv(tmp_path / name, rows, headers=headers)
    batch = services.import_file(table, path, source="测试部门")
    assert batch.accepted + batch.rejected == batch.rows_read
    return batch


def reasons(batch):
    return [(r.column, r.reason) for r in batch.rejected_rows.order_by("row_number")]


def test_valid_entity_is_stored(org, tmp_path):
    code = make_uscc()
    batch = run(tmp_path, "entities", [entity_row(code)])
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 1, 0)
    entity = Entity.objects.get(uscc=code)
    assert entity.registered_capital == Decimal("100.5")
    assert entity.industry == "6513"  # section letter dropped
    assert str(entity.established_on) == "2020-01-02"
    assert entity.legal_rep.id_number == make_id(1)
    assert entity.district_code == "310115"
    assert (entity.source, entity.batch_id) == ("测试部门", batch.pk)


_GOOD = make_uscc(999)
BAD_USCC = _GOOD[:17] + ("0" if _GOOD[17] != "0" else "1")

ENTITY_CASES = [
    ({"统一社会信用代码": BAD_USCC}, "统一社会信用代码", "第18位校验码"),
    ({"统一社会信用代码": " " + _GOOD}, "统一社会信用代码", "开头多了空格"),
    ({"名称": ""}, "名称", "必填项为空"),
    ({"名称": "长" * 201}, "名称", "超过最大长度200"),
    ({"主体类型": "公司"}, "主体类型", "应为以下之一"),
    ({"登记状态": "正常"}, "登记状态", "应为以下之一"),
    ({"成立日期": "2020/01/02"}, "成立日期", "日期格式应为YYYY-MM-DD"),
    ({"成立日期": "2021-02-30"}, "成立日期", "不是有效日期"),
    ({"登记状态": "注销"}, "注销日期", "登记状态为注销时必须填写注销日期"),
    ({"登记状态": "吊销"}, "注销日期", "登记状态为吊销时必须填写注销日期"),
    ({"登记状态": "注销", "注销日期": "2019-01-01"}, "注销日期", "注销日期早于成立日期"),
    ({"注册资本（万元）": "-5"}, "注册资本（万元）", "不能为负数"),
    ({"注册资本（万元）": "1.23456"}, "注册资本（万元）", "最多4位小数"),
    ({"注册资本（万元）": "1,000"}, "注册资本（万元）", "不带千位分隔符"),
    ({"注册资本（万元）": "1" * 15}, "注册资本（万元）", "超出范围"),
    ({"币种": "cny"}, "币种", "ISO 4217"),
    ({"法定代表人证件号码": make_id(1)[:17] + "0"}, "法定代表人证件号码", "公民身份号码无效"),
    ({"所属区": "3101"}, "所属区", "6位行政区划代码"),
    ({"所属区": "999999"}, "所属区", "不存在"),
    ({"行业代码": "A6513"}, "行业代码", "属于门类I"),
    ({"行业代码": "9999"}, "行业代码", "不是GB/T 4754-2017中的小类"),
    ({"行业代码": "I65"}, "行业代码", "4位小类代码"),
]


@pytest.mark.parametrize(("change", "column", "reason"), ENTITY_CASES)
def test_entity_rules(org, tmp_path, change, column, reason):
    row = entity_row(make_uscc(), **change)
    batch = run(tmp_path, "entities", [row])
    assert batch.rejected == 1, reasons(batch)
    rejected = batch.rejected_rows.get()
    assert any(c == column and reason in r for c, _v, r in rejected.errors), rejected.errors
    assert rejected.row_number == 2
    assert rejected.raw["统一社会信用代码"] == row["统一社会信用代码"]
    assert not Entity.objects.exists()


def test_other_id_documents_are_not_checked(org, tmp_path):
    batch = run(tmp_path, "entities", [entity_row(make_uscc(), 法定代表人证件号码="E12345678")])
    assert batch.accepted == 1
    assert Person.objects.get(id_number="E12345678").id_is_citizen is False


def test_currency_defaults_to_cny_and_deregistered_entity(org, tmp_path):
    code = make_uscc()
    row = entity_row(code, 币种="", 登记状态="注销", 注销日期="2024-06-30")
    assert run(tmp_path, "entities", [row]).accepted == 1
    entity = Entity.objects.get(uscc=code)
    assert (entity.currency, str(entity.deregistered_on)) == ("CNY", "2024-06-30")


def _entities(tmp_path, *codes):
    run(tmp_path, "entities", [entity_row(c) for c in codes], name="base.csv")


def test_entity_persons_rules(org, tmp_path):
    code = make_uscc()
    _entities(tmp_path, code)
    missing = make_uscc()
    rows = [
        {"统一社会信用代码": code, "姓名": "李四", "证件号码": make_id(2), "职务": "股东",
         "认缴出资额（万元）": "10"},
        {"统一社会信用代码": code, "姓名": "王五", "证件号码": make_id(3), "职务": "监事",
         "认缴出资额（万元）": "10"},
        {"统一社会信用代码": missing, "姓名": "赵六", "证件号码": make_id(4), "职务": "董事"},
        {"统一社会信用代码": code, "姓名": "钱七", "证件号码": make_id(5), "职务": "董事长"},
        {"统一社会信用代码": code, "姓名": "李四", "证件号码": make_id(2), "职务": "董事"},
    ]  # fmt: skip
    batch = run(tmp_path, "entity_persons", rows)
    assert (batch.accepted, batch.rejected) == (2, 3)
    got = reasons(batch)
    assert got[0] == ("认缴出资额（万元）", "只有职务为股东时才能填写认缴出资额")
    assert got[1][0] == "统一社会信用代码" and "没有该统一社会信用代码" in got[1][1]
    assert got[2][0] == "职务"
    person = Person.objects.get(id_number=make_id(2))
    assert EntityPerson.objects.filter(person=person).count() == 2  # one per role
    entity = Entity.objects.get(uscc=code)
    assert set(EntityPerson.objects.values_list("unit_id", flat=True)) == {entity.unit_id}


def test_duplicate_keys_inside_one_file(org, tmp_path):
    code = make_uscc()
    rows = [entity_row(code), entity_row(make_uscc()), entity_row(code, 名称="后来的名称")]
    batch = run(tmp_path, "entities", rows)
    assert (batch.accepted, batch.rejected) == (2, 1)
    rejected = batch.rejected_rows.get()
    assert rejected.row_number == 4
    assert "与第2行的键（统一社会信用代码）重复" in rejected.reason
    assert Entity.objects.get(uscc=code).name != "后来的名称"


def test_an_invalid_first_row_does_not_claim_its_key(org, tmp_path):
    code = make_uscc()
    rows = [entity_row(code, 主体类型="x"), entity_row(code)]
    batch = run(tmp_path, "entities", rows)
    assert (batch.accepted, batch.rejected) == (1, 1)


def test_upsert_updates_never_duplicates(org, tmp_path):
    codes = [make_uscc() for _ in range(3)]
    run(tmp_path, "entities", [entity_row(c) for c in codes], name="a.csv")
    created = dict(Entity.objects.values_list("uscc", "created_at"))
    rows = [entity_row(c, 名称=f"新名称{i}") for i, c in enumerate(codes)]
    batch = run(tmp_path, "entities", rows, name="b.csv")
    assert batch.accepted == 3
    assert Entity.objects.count() == 3
    assert sorted(Entity.objects.values_list("name", flat=True)) == [
        "新名称0",
        "新名称1",
        "新名称2",
    ]
    assert dict(Entity.objects.values_list("uscc", "created_at")) == created


def test_columns_not_sent_are_not_blanked(org, tmp_path):
    code = make_uscc()
    run(tmp_path, "entities", [entity_row(code)], name="a.csv")
    headers = ["统一社会信用代码", "名称", "主体类型", "登记状态", "成立日期", "法定代表人", "住所"]
    run(tmp_path, "entities", [entity_row(code, 名称="改名")], name="b.csv", headers=headers)
    entity = Entity.objects.get(uscc=code)
    assert (entity.name, entity.phone, entity.industry) == ("改名", "13800138000", "6513")


def test_penalties(org, tmp_path):
    code = make_uscc()
    _entities(tmp_path, code)
    base = {"决定书文号": "沪市监罚〔2024〕1号", "统一社会信用代码": code, "当事人": "某公司",
            "违法类型": "虚假广告", "处罚种类": "警告、罚款", "罚没金额（元）": "5000.50",
            "决定日期": "2024-05-01", "处罚机关": "浦东新区市场监督管理局", "处罚强度": "从轻"}  # fmt: skip
    rows = [
        base,
        {**base, "决定书文号": "2号", "统一社会信用代码": "", "当事人": "张三"},
        {**base, "决定书文号": "3号", "处罚种类": "警告、拘留"},
        {**base, "决定书文号": "4号", "罚没金额（元）": "1.005"},
        {**base, "决定书文号": "5号", "处罚强度": "很重"},
        {**base, "决定书文号": "6号", "统一社会信用代码": make_uscc()},
        {**base, "决定书文号": "7号", "处罚种类": "警告、警告"},
    ]
    batch = run(tmp_path, "penalties", rows)
    assert (batch.accepted, batch.rejected) == (2, 5), reasons(batch)
    got = reasons(batch)
    assert got[0][0] == "处罚种类" and "拘留" in got[0][1]
    assert got[1] == ("罚没金额（元）", "以元为单位最多2位小数，实为“1.005”")
    assert got[2][0] == "处罚强度"
    assert got[3][0] == "统一社会信用代码"
    assert got[4][1] == "处罚种类重复"
    person_case = PenaltyRecord.objects.get(number="2号")
    assert person_case.entity is None and person_case.unit_id == batch.unit_id


def test_complaints_link_when_the_entity_exists(org, tmp_path):
    code = make_uscc()
    _entities(tmp_path, code)
    base = {"工单编号": "T1", "类型": "投诉", "登记时间": "2024-05-01 09:30:00",
            "被诉主体名称": "某公司", "被诉主体统一社会信用代码": code, "诉求内容": "退款"}  # fmt: skip
    rows = [
        base,
        {**base, "工单编号": "T2", "被诉主体统一社会信用代码": make_uscc()},
        {**base, "工单编号": "T3", "登记时间": "2024-05-01T09:30"},
        {**base, "工单编号": "T4", "类型": "求助"},
    ]
    batch = run(tmp_path, "complaints", rows)
    assert (batch.accepted, batch.rejected) == (2, 2)
    assert ComplaintRecord.objects.get(number="T1").entity.uscc == code
    assert ComplaintRecord.objects.get(number="T2").entity is None
    received = ComplaintRecord.objects.get(number="T1").received_at
    assert received.isoformat() == "2024-05-01T01:30:00+00:00"  # China Standard Time


def test_annual_reports_and_integers(org, tmp_path):
    code = make_uscc()
    _entities(tmp_path, code)
    base = {"统一社会信用代码": code, "年度": "2023", "从业人数": "12", "资产总额（万元）": "3.5"}
    rows = [
        base,
        {**base, "年度": "23"},
        {**base, "年度": "2024", "从业人数": "-1"},
        {**base, "年度": "2024", "从业人数": "十二"},
        {**base, "年度": "1800"},
        {**base, "年度": "2023"},
    ]
    batch = run(tmp_path, "annual_reports", rows)
    assert (batch.accepted, batch.rejected) == (1, 5)
    got = reasons(batch)
    assert [c for c, _ in got] == ["年度", "从业人数", "从业人数", "年度", "统一社会信用代码、年度"]
    assert AnnualReport.objects.get().employees == 12


def test_credit_listings_licences_inspections_samplings(org, tmp_path):
    code = make_uscc()
    _entities(tmp_path, code)
    listing = {"统一社会信用代码": code, "名单类型": "经营异常名录", "列入原因": "未年报",
               "列入日期": "2024-07-01", "列入机关": "区局"}  # fmt: skip
    batch = run(tmp_path, "credit_listings", [
        listing, {**listing, "列入日期": "2024-08-01", "移出日期": "2024-07-15"},
        {**listing, "名单类型": "黑名单"},
    ], name="c.csv")  # fmt: skip
    assert (batch.accepted, batch.rejected) == (1, 2)
    assert reasons(batch)[0] == ("移出日期", "移出日期早于列入日期")
    assert CreditListing.objects.get().list_type == "经营异常名录"
    licence = {"许可证编号": "JY1", "统一社会信用代码": code, "许可类型": "食品经营许可证",
               "发证机关": "区局", "发证日期": "2024-01-01", "状态": "有效"}  # fmt: skip
    batch = run(tmp_path, "licences", [
        licence, {**licence, "许可证编号": "JY2", "有效期至": "2023-01-01"},
        {**licence, "许可证编号": "JY3", "状态": "正常"},
        {**licence, "许可证编号": "JY4", "许可方式": "简易程序"},
    ], name="l.csv")  # fmt: skip
    assert (batch.accepted, batch.rejected) == (1, 3)
    inspection = {"检查编号": "C1", "统一社会信用代码": code, "检查日期": "2024-01-01",
                  "检查方式": "双随机", "检查机关": "所", "检查结果": "未发现问题", "问题数": "0"}  # fmt: skip
    batch = run(tmp_path, "inspections", [
        inspection, {**inspection, "检查编号": "C2", "检查方式": "随机"},
        {**inspection, "检查编号": "C3", "问题数": "1.5"},
    ], name="i.csv")  # fmt: skip
    assert (batch.accepted, batch.rejected) == (1, 2)
    sampling = {"抽样单号": "S1", "统一社会信用代码": code, "产品类别": "食品", "产品名称": "面包",
                "抽样日期": "2024-01-01", "检验结论": "合格", "抽检环节": "销售"}  # fmt: skip
    batch = run(tmp_path, "samplings", [
        sampling, {**sampling, "抽样单号": "S2", "检验结论": "基本合格"},
        {**sampling, "抽样单号": "S3", "抽检环节": "流通"},
        {**sampling, "抽样单号": "S4", "产品类别": "玩具"},
    ], name="s.csv")  # fmt: skip
    assert (batch.accepted, batch.rejected) == (1, 3)
