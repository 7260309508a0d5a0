"""``zhijian validate uscc|id|mobile CODE...``: check identifiers, one verdict line per code.

Output contract (stdout, UTF-8, one line per input code, in input order)::

    CODE<TAB>OK
    CODE<TAB>INVALID<TAB>reason in Chinese

Warnings on valid codes (e.g. the embedded GB 11714 organisation code check of a USCC) go to
stderr as ``CODE<TAB>WARNING<TAB>warning``, so that stdout stays exactly the contract above.
The exit status is 0 whatever the verdicts.

A code ``-`` reads codes from standard input, one per line, at that point of the list. Only
the line end is removed (``\\n`` or ``\\r\\n``): spaces, tabs and the like stay part of the
code and are reported; an empty line is a code and gets "空值". A UTF-8 byte order mark at the
start of standard input is not part of the first code and is dropped. A line that is not
UTF-8 gets its own reason. In the echoed CODE, control characters and line separators are
written as Python escapes (``\\t``, ``\\x00``, ``\\u2028``) so that each verdict stays one line
of three tab-separated fields; reasons never contain them.

Codes that begin with ``-`` must follow ``--`` (``zhijian validate uscc -- -123``).
The command never touches the database and skips the system checks, so it is fast: about a
million codes from standard input in a few seconds.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import partial

from django.core.management.base import BaseCommand

from zhijian.core.identifiers import VALIDATORS, Verdict, validate_id_number

_BOM = b"\xef\xbb\xbf"
_UNSAFE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
_NOT_UTF8 = Verdict(False, "不是UTF-8编码的文本（可能是GBK等编码，请另存为UTF-8后再校验）")
_BATCH = 4096  # lines written at once


class _Undecodable(str):
    """A line of standard input that is not UTF-8, shown with backslash escapes."""


def _escape(code: str) -> str:
    return _UNSAFE.sub(lambda match: ascii(match.group())[1:-1], code)


def _stdin_lines(stream) -> Iterator[str]:
    """The lines of ``stream`` without their line ends (binary when possible)."""
    binary = getattr(stream, "buffer", None) if isinstance(stream, io.TextIOBase) else stream
    if binary is None:  # a text-only stream such as io.StringIO
        for number, line in enumerate(stream):
            if line.endswith("\n"):
                line = line[:-2] if line.endswith("\r\n") else line[:-1]
            yield line.removeprefix("\ufeff") if number == 0 else line
        return
    for number, raw in enumerate(binary):
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        if number == 0:
            raw = raw.removeprefix(_BOM)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield _Undecodable(raw.decode("utf-8", "backslashreplace"))


def _writer(wrapper) -> Callable[[str], object]:
    """Write UTF-8 to the byte stream under ``wrapper`` when there is one, else text."""
    buffer = getattr(wrapper, "buffer", None)
    if buffer is not None:
        wrapper.flush()
        return lambda text: buffer.write(text.encode("utf-8", "backslashreplace"))
    return lambda text: wrapper.write(text, ending="")


class Command(BaseCommand):
    help = (
        "校验统一社会信用代码（uscc）、公民身份号码（id）或手机号码（mobile）。"
        "每个代码输出一行：“代码<TAB>OK”或“代码<TAB>INVALID<TAB>原因”；"
        "代码写“-”时从标准输入逐行读取。无论结果如何，退出状态均为0。"
    )
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=sorted(VALIDATORS), help="代码类型")
        parser.add_argument(
            "codes", nargs="+", metavar="CODE", help="要校验的代码；“-”表示从标准输入逐行读取"
        )

    def handle(self, *args, kind: str, codes: list[str], **options) -> None:
        validator = VALIDATORS[kind]
        if kind == "id":
            validator = partial(validate_id_number, today=date.today())
        stdin = options.get("stdin") or sys.stdin
        try:
            self._run(validator, self._codes(codes, stdin))
        except BrokenPipeError:  # e.g. "| head": the reader has gone, stop quietly
            self._silence_stdout()

    @staticmethod
    def _codes(codes: list[str], stdin) -> Iterator[str]:
        for code in codes:
            if code == "-":
                yield from _stdin_lines(stdin)
            else:
                yield code

    def _run(self, validator: Callable[[str], Verdict], codes: Iterable[str]) -> None:
        write_out = _writer(self.stdout)
        write_err = _writer(self.stderr)
        out: list[str] = []
        err: list[str] = []
        for code in codes:
            if type(code) is _Undecodable:
                verdict = _NOT_UTF8
            else:
                try:
                    verdict = validator(code)
                except Exception as exc:  # a bug must not stop a batch of a million codes
                    verdict = Verdict(False, f"无法校验（程序错误{type(exc).__name__}，请报告）")
            echo = _escape(code) if _UNSAFE.search(code) else code
            if verdict.valid:
                out.append(f"{echo}\tOK\n")
                err.extend(f"{echo}\tWARNING\t{warning}\n" for warning in verdict.warnings)
            else:
                out.append(f"{echo}\tINVALID\t{verdict.reason}\n")
            if len(out) >= _BATCH:
                write_out("".join(out))
                out.clear()
                if err:
                    write_err("".join(err))
                    err.clear()
        write_out("".join(out))
        write_err("".join(err))
        self.stdout.flush()
        self.stderr.flush()

    def _silence_stdout(self) -> None:
        # Point stdout at /dev/null so that the final flush at exit does not fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stdout.fileno())
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            pass
