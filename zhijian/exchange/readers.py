"""Reading exchange files: CSV (UTF-8, else GB18030/GBK) and XLSX, defensively.

``open_table_file(path)`` checks the whole file *before* a single row is handed out, so that a
file which is going to fail as a whole (wrong encoding, zip bomb, not a spreadsheet, empty,
header only) fails before anything is written:

* Format: a zip (``PK\\x03\\x04``) is read as XLSX, an OLE2 file (old ``.xls``) is refused,
  anything else is CSV.
* CSV encoding: a UTF-8 BOM means UTF-8; otherwise the whole file is decoded as strict UTF-8,
  and if that fails as strict GB18030 (a superset of GBK and GB2312, so GBK files are read
  too); if both fail the error names the byte offset where UTF-8 decoding failed. The decoding
  pass also counts lines, which gives the progress estimate.
* XLSX: the zip directory is checked first: more than ``MAX_MEMBERS`` members, a total declared
  uncompressed size above ``MAX_UNCOMPRESSED`` (200 MB) or a member larger than 10 MB with a
  compression ratio above ``MAX_RATIO`` is refused as a probable zip bomb. (Python's zipfile
  never inflates a member beyond its declared size, so the declared sizes are a real bound.)
  Then openpyxl reads the first sheet in read-only mode with ``data_only=False``: a formula cell
  comes back as its formula text (``=SUM(A1:A3)``) and stays text.
* Cells: ``None`` and whitespace-only cells are empty; dates and date-times written by a
  spreadsheet program become ``YYYY-MM-DD`` / ``YYYY-MM-DD HH:MM:SS``; whole floats lose their
  ``.0``. A cell longer than ``MAX_CELL`` (32,767 characters, Excel's own limit) is cut to that
  length and the row is marked, so that the importer rejects it with a reason.
* CSV only: a leading apostrophe before ``=``, ``+``, ``-`` or ``@`` is removed: it is how our
  own CSV export marks such text so that no spreadsheet program runs it as a formula
  (``'=1+1`` → ``=1+1``; ``''=1`` → ``'=1``), which keeps import(export(x)) = x. (XLSX needs
  no marker: the export writes such cells as strings, never formulas.)
* Blank rows (every cell empty) are skipped and not counted as read. In an XLSX sheet, reading
  stops after ``BLANK_RUN`` (1,000) consecutive blank rows; the batch notes it. This is what
  makes a sheet of a million formatted blank rows cheap.
* Row numbers are spreadsheet row numbers: the header is row 1, the first record row 2 (for
  CSV the record number, so a quoted field with line breaks is still one row).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_SIZE = 10 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_CELL = 32_767
BLANK_RUN = 1_000
CSV_FIELD_LIMIT = 8 * 1024 * 1024  # a field beyond this is a whole-file error (csv module)
MAX_COLUMNS = 500


_APOSTROPHE = re.compile(r"'+[=+\-@]")


class FileError(Exception):
    """The file cannot be imported at all; the message (Chinese) says why."""


@dataclass
class TableFile:
    format: str  # "csv" | "xlsx"
    encoding: str
    headers: list[str]
    rows: Iterator[tuple[int, list[str], list[int]]]  # (row number, cells, oversize columns)
    estimate: int = 0
    notes: list[str] = field(default_factory=list)
    closer: object = None

    def close(self) -> None:
        if self.closer is not None:
            self.closer()
            self.closer = None


def _cell_text(value, unquote: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            text = value.strftime("%Y-%m-%d")
        else:
            text = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    else:
        text = str(value)
    if unquote and text[:1] == "'" and _APOSTROPHE.match(text):
        text = text[1:]
    return text


def _tidy(values, unquote: bool = False) -> tuple[list[str], list[int]]:
    cells = [_cell_text(v, unquote) for v in values]
    oversize = [i for i, c in enumerate(cells) if len(c) > MAX_CELL]
    for i in oversize:
        cells[i] = cells[i][:MAX_CELL]
    return cells, oversize


def _tidy_csv(raw: list[str]) -> tuple[list[str], list[int]] | None:
    """``_tidy(raw, unquote=True)`` for the cells of the csv module (all text), or ``None``
    for a blank row: the cells themselves when the whole row is shorter than one cell may be
    and holds no apostrophe (the usual case; one joined string is checked instead of each
    cell). The separator U+001F is whitespace to ``str.strip``, so the joined row is blank
    exactly when every cell is."""
    joined = "\x1f".join(raw)
    if not joined.strip():
        return None
    if len(joined) > MAX_CELL or "'" in joined:
        return _tidy(raw, unquote=True)
    return raw, []


def _is_blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _headers(raw: list[str]) -> list[str]:
    headers = [(h or "").strip().lstrip("\ufeff").strip() for h in raw]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileError("第1行（表头）为空：文件第1行应为列名")
    if len(headers) > MAX_COLUMNS:
        raise FileError(f"列数过多（{len(headers)}列，最多{MAX_COLUMNS}列）")
    seen = set()
    for h in headers:
        if h and h in seen:
            raise FileError(f"表头重复：列“{h}”出现多次")
        seen.add(h)
    return headers


def open_table_file(path: str | Path) -> TableFile:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileError(f"无法读取文件：{exc.strerror}") from exc
    if size == 0:
        raise FileError("文件为空（0字节）")
    with path.open("rb") as f:
        magic = f.read(8)
    if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
        return _open_xlsx(path)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError("不支持旧版Excel（.xls）或其他OLE格式文件，请另存为.xlsx或UTF-8 CSV")
    return _open_csv(path)


# --- CSV ------------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> tuple[str, int]:
    """(encoding, line count) after decoding the whole file strictly; FileError otherwise."""
    with path.open("rb") as f:
        head = f.read(3)
    candidates = ["utf-8-sig"] if head == codecs.BOM_UTF8 else ["utf-8", "gb18030"]
    first_error = None
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        lines = 0
        offset = 0
        try:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                    offset += len(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if first_error is None:
                first_error = offset + exc.start
            continue
        return encoding, lines
    if candidates == ["utf-8-sig"]:
        raise FileError(
            f"文件以UTF-8字节顺序标记开头，但第{first_error + 1}个字节起不是有效的UTF-8编码"
        )
    raise FileError(
        f"文件编码无法识别：第{first_error + 1}个字节起既不是有效的UTF-8编码，"
        "也不是GBK/GB18030编码；请另存为UTF-8编码的CSV"
    )


def _open_csv(path: Path) -> TableFile:
    encoding, lines = _detect_encoding(path)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle)
    try:
        header_row = None
        for raw in reader:
            if any(c.strip() for c in raw):
                header_row = raw
                break
            raise FileError("第1行（表头）为空：文件第1行应为列名")
    except csv.Error as exc:
        handle.close()
        raise FileError(f"CSV格式错误（第1行）：{exc}") from exc
    except FileError:
        handle.close()
        raise
    if header_row is None:
        handle.close()
        raise FileError("文件没有内容（只有空白）")
    try:
        headers = _headers(header_row)
    except FileError:
        handle.close()
        raise

    def rows():
        number = 1
        try:
            for raw in reader:
                number += 1
                tidy = _tidy_csv(raw)
                if tidy is not None:
                    yield number, *tidy
        except csv.Error as exc:
            raise FileError(f"CSV格式错误（第{number + 1}行附近）：{exc}") from exc

    name = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}[encoding]
    return TableFile("csv", name, headers, rows(), max(lines - 1, 1), closer=handle.close)


# --- XLSX -----------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileError("不是有效的XLSX文件（压缩包损坏）") from exc
    if len(infos) > MAX_MEMBERS:
        raise FileError(f"XLSX文件异常：压缩包内有{len(infos)}个文件，疑似恶意文件，已拒绝")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise FileError(
            f"XLSX文件解压后达{total // (1024 * 1024)}MB，超过{MAX_UNCOMPRESSED // (1024 * 1024)}MB"
            "上限，疑似压缩炸弹，已拒绝；请拆分为多个文件或使用CSV"
        )
    for info in infos:
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise FileError(
                f"XLSX文件异常：{info.filename}的压缩比超过{MAX_RATIO}倍，疑似压缩炸弹，已拒绝"
            )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileError("不是有效的XLSX文件（缺少工作簿内容）")


def _open_xlsx(path: Path) -> TableFile:
    _check_zip(path)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # noqa: BLE001 - any parser failure is "not a valid XLSX"
        raise FileError(f"不是有效的XLSX文件：{type(exc).__name__}") from exc
    try:
        estimate = max((sheet.max_row or 1) - 1, 1)
    except Exception:  # noqa: BLE001
        estimate = 1
    iterator = sheet.iter_rows(values_only=True)
    try:
        first = next(iterator, None)
    except Exception as exc:  # noqa: BLE001
        workbook.close()
        raise FileError(f"不是有效的XLSX文件：{type(exc).__name__}") from exc
    if first is None:
        workbook.close()
        raise FileError("工作表为空：第一个工作表没有任何内容")
    try:
        headers = _headers([_cell_text(v) for v in first])
    except FileError:
        workbook.close()
        raise
    table_file = TableFile("xlsx", "", headers, iter(()), estimate, closer=workbook.close)

    def rows():
        number = 1
        blank_run = 0
        try:
            for values in iterator:
                number += 1
                cells, oversize = _tidy(values)
                if _is_blank(cells):
                    blank_run += 1
                    if blank_run >= BLANK_RUN:
                        table_file.notes.append(
                            f"第{number - BLANK_RUN + 1}行起连续{BLANK_RUN}行为空，停止读取其后内容"
                        )
                        return
                    continue
                blank_run = 0
                yield number, cells, oversize
        except FileError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise FileError(f"XLSX文件第{number}行附近无法读取：{type(exc).__name__}") from exc

    table_file.rows = rows()
    return table_file
