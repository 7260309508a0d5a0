"""Hostile and unusual files: each gets a clear Chinese error or a precise row rejection, and a
file refused as a whole writes nothing."""

from __future__ import annotations

import time
import zipfile

import pytest

from zhijian.exchange import readers, services
from zhijian.exchange.models import ImportBatch
from zhijian.registry.models import Entity

from .conftest import ENTITY_HEADERS, entity_row, make_uscc, write_csv, write_xlsx


def imported(path, table="entities"):
    batch = services.import_file(table, path)
    assert batch.accepted + batch.rejected == batch.rows_read
    return batch


def assert_refused(batch, text):
    assert batch.status == ImportBatch.Status.FAILED
    assert text in batch.message, batch.message
    assert batch.rows_read == 0
    assert not Entity.objects.exists()


def test_formula_cells_are_kept_as_text(org, tmp_path):
    code = make_uscc()
    row = entity_row(code, 名称='=HYPERLINK("http://x","点我")', 经营范围="+1+2")
    path = write_xlsx(tmp_path / "f.xlsx", [row], formulas={(1, "名称")})
    batch = imported(path)
    assert batch.accepted == 1
    entity = Entity.objects.get(uscc=code)
    assert entity.name == '=HYPERLINK("http://x","点我")'
    assert entity.business_scope == "+1+2"


def test_csv_formula_text_and_apostrophes_survive(org, tmp_path):
    code = make_uscc()
    path = write_csv(tmp_path / "f.csv", [entity_row(code, 名称="=1+1", 经营范围="'=2")])
    assert imported(path).accepted == 1
    # A leading apostrophe before a formula character is the CSV text marker: removed once.
    assert Entity.objects.get(uscc=code).business_scope == "=2"


def test_a_huge_cell_rejects_its_row(org, tmp_path):
    rows = [entity_row(make_uscc(), 经营范围="很" * 40_000), entity_row(make_uscc())]
    # xlsxwriter cuts strings at Excel's 32,767 characters: put the long one into the XML.
    template = write_xlsx(tmp_path / "t.xlsx", [entity_row(make_uscc(), 经营范围="很" * 100)])
    xlsx = tmp_path / "h.xlsx"
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(xlsx, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(("很" * 100).encode(), ("很" * 40_000).encode())
            target.writestr(info, data)
    for path in (write_csv(tmp_path / "h.csv", rows), xlsx):
        Entity.objects.all().delete()
        batch = imported(path)
        expected = (1, 1) if path.suffix == ".csv" else (0, 1)
        assert (batch.accepted, batch.rejected) == expected
        assert batch.rejected_rows.get().reason == "单元格内容超过32767个字符"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_and_gb18030_csv(org, tmp_path, encoding):
    code = make_uscc()
    name = "上海㐀测试有限公司" if encoding == "gb18030" else "上海测试有限公司"
    path = write_csv(tmp_path / "g.csv", [entity_row(code, 名称=name)], encoding=encoding)
    batch = imported(path)
    assert (batch.accepted, batch.encoding) == (1, "GB18030")
    assert Entity.objects.get(uscc=code).name == name


def test_utf8_without_bom(org, tmp_path):
    path = write_csv(tmp_path / "u.csv", [entity_row(make_uscc())], encoding="utf-8")
    assert (imported(path).accepted, imported(path).encoding) == (1, "UTF-8")


def test_invalid_bytes_are_refused(org, tmp_path):
    rows = [entity_row(make_uscc()) for _ in range(3)]
    path = write_csv(tmp_path / "bad.csv", rows, encoding="utf-8")
    path.write_bytes(path.read_bytes() + b"\xff\xfe\xfa,\x81\n")
    assert_refused(imported(path), "文件编码无法识别")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + "统一社会信用代码".encode("gbk"))
    assert_refused(imported(bom), "不是有效的UTF-8编码")


def test_zip_bomb_is_refused(org, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(210):
                member.write(block)
    assert path.stat().st_size < 1_000_000
    assert_refused(imported(path), "疑似压缩炸弹")


def test_not_a_spreadsheet_zip_and_old_xls(org, tmp_path):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert_refused(imported(path), "不是有效的XLSX文件")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert_refused(imported(old), "旧版Excel")


def test_empty_and_header_only_files(org, tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    assert_refused(imported(empty), "文件为空")
    header = write_csv(tmp_path / "h.csv", [], headers=ENTITY_HEADERS)
    assert_refused(imported(header), "只有表头")
    blank = tmp_path / "b.csv"
    blank.write_text("\n\n", encoding="utf-8")
    assert_refused(imported(blank), "表头")
    xlsx = write_xlsx(tmp_path / "h.xlsx", [], headers=ENTITY_HEADERS)
    assert_refused(imported(xlsx), "只有表头")


def test_unknown_and_missing_headers(org, tmp_path):
    unknown = write_csv(tmp_path / "u.csv", [{"a": "1", "b": "2"}])
    assert_refused(imported(unknown), "表头无法识别")
    headers = [h for h in ENTITY_HEADERS if h not in ("名称", "住所")]
    missing = write_csv(tmp_path / "m.csv", [entity_row(make_uscc())], headers=headers)
    assert_refused(imported(missing), "缺少必需的列：名称、住所")
    dup = write_csv(
        tmp_path / "d.csv", [entity_row(make_uscc())], headers=[*ENTITY_HEADERS, "名称"]
    )
    assert_refused(imported(dup), "表头重复")


def test_extra_columns_are_ignored_and_noted(org, tmp_path):
    row = {**entity_row(make_uscc()), "备注": "x", "错误原因": "旧的原因"}
    batch = imported(write_csv(tmp_path / "x.csv", [row]))
    assert batch.accepted == 1
    assert batch.message == "以下列不属于本表，已忽略：备注"


def test_a_million_blank_rows(org, tmp_path):
    """A sheet whose XML holds a data row and then 1,000,000 formatted blank rows."""
    template = write_xlsx(tmp_path / "t.xlsx", [entity_row(make_uscc())])
    path = tmp_path / "blank.xlsx"
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                blank = "".join(
                    f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(3, 1_000_003)
                )
                text = text.replace("</sheetData>", blank + "</sheetData>")
                text = text.replace('<dimension ref="A1:Q2"/>', '<dimension ref="A1:Q1000002"/>')
                data = text.encode()
            target.writestr(info, data)
    start = time.perf_counter()
    batch = imported(path)
    elapsed = time.perf_counter() - start
    assert (batch.status, batch.rows_read, batch.accepted) == ("done", 1, 1)
    assert "连续1000行为空" in batch.message
    assert elapsed < 10


def test_reader_row_numbers_follow_the_spreadsheet(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text('a,b\n1,2\n,\n3,"x\ny"\n', encoding="utf-8")
    table = readers.open_table_file(path)
    assert [(n, cells) for n, cells, _ in table.rows] == [(2, ["1", "2"]), (4, ["3", "x\ny"])]
