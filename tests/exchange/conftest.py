"""Helpers for the exchange tests: valid codes, files in every shape, a fresh cache per test."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from zhijian.core.identifiers import id_number_check_char, uscc_check_char
from zhijian.dictionaries.services import clear_caches as clear_dictionary_caches
from zhijian.exchange import specs
from zhijian.registry import location

_serial = itertools.count(1)


def attach_streets(org: dict) -> dict:
    """Give the test tree its divisions and streets, so that addresses find their units."""
    from zhijian.dictionaries.models import Division
    from zhijian.registry import location

    for key, code in [("pudong", "310115"), ("songjiang", "310117")]:
        org[key].division_id = code
        org[key].save()
    for key in ("zhangjiang", "huamu", "yexie"):
        org[key].streets.set(Division.objects.filter(code=org[key].code))
    location.clear_cache()
    return org


def make_uscc(n: int | None = None, district: str = "310115") -> str:
    body = f"91{district}MA{(n if n is not None else next(_serial)):07d}"[:17]
    return body + uscc_check_char(body)


def make_id(n: int = 1) -> str:
    body = f"31011519800101{n % 1000:03d}"
    return body + id_number_check_char(body)


ENTITY_HEADERS = [c.header for c in specs.SPECS["entities"].columns]


def entity_row(uscc: str, **over) -> dict:
    row = {
        "统一社会信用代码": uscc,
        "名称": f"测试{uscc[-6:]}有限公司",
        "主体类型": "私营企业",
        "企业类型": "有限责任公司",
        "登记状态": "存续",
        "成立日期": "2020-01-02",
        "注销日期": "",
        "注册资本（万元）": "100.5",
        "币种": "CNY",
        "法定代表人": "张三",
        "法定代表人证件号码": make_id(1),
        "住所": "上海市浦东新区张江镇祖冲之路100号",
        "所属区": "",
        "登记机关": "浦东新区市场监督管理局",
        "行业代码": "I6513",
        "经营范围": "软件开发",
        "联系电话": "13800138000",
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict], headers=None, encoding="utf-8-sig") -> Path:
    headers = headers or (list(dict.fromkeys(k for r in rows for k in r)) or ENTITY_HEADERS)
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], headers=None, formulas=()) -> Path:
    import xlsxwriter

    headers = headers or list(rows[0])
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            value = row.get(h, "")
            if (r, h) in formulas:
                sheet.write_formula(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


@pytest.fixture(autouse=True)
def _fresh_caches():
    location.clear_cache()
    clear_dictionary_caches()
    specs.clear_caches()
    yield
    location.clear_cache()
    clear_dictionary_caches()
    specs.clear_caches()
