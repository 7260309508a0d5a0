"""The ``zhijian validate`` command: output contract, standard input, exit status, speed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from zhijian.core.identifiers import USCC_ALPHABET, uscc_check_char

WARNING_N = (
    "N2310115MA1G4L1WXN\tWARNING\t第9至17位组织机构代码MA1G4L1WX的校验位按GB 11714应为0，实为X"
    "（仅提示，不影响统一社会信用代码的有效性）\n"
)


def run(*args: str, stdin: bytes | str | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.BytesIO(stdin) if isinstance(stdin, bytes) else io.StringIO(stdin)
    call_command("validate", *args, **options)
    return out.getvalue(), err.getvalue()


def test_arguments_one_line_per_code_in_order():
    out, err = run(
        "uscc", "91350100M000100Y4Z", "91350100M000100Y43", "N2310115MA1G4L1WXN", "12345"
    )
    assert out == (
        "91350100M000100Y4Z\tINVALID\t第18位校验码应为3，实为Z\n"
        "91350100M000100Y43\tOK\n"
        "N2310115MA1G4L1WXN\tOK\n"
        "12345\tINVALID\t长度应为18位，实为5位\n"
    )
    assert err == WARNING_N  # warnings never change the stdout contract


def test_stdin_lines_keep_everything_but_the_line_end():
    data = (
        "\ufeff91350100M000100Y43\r\n"  # BOM of the file and a Windows line end
        "\n"  # an empty line is a code
        " 91350100M000100Y43\n"
        "91350100m000100y43\n"
        "９１３５０１００Ｍ０００１００Ｙ４３\n"
        "91350100M000100Y43\t\n"
        "91350100M000100Y4Z"  # no newline at the end
    ).encode()
    out, _ = run("uscc", "-", stdin=data)
    assert out.splitlines() == [
        "91350100M000100Y43\tOK",
        "\tINVALID\t空值",
        " 91350100M000100Y43\tINVALID\t开头多了空格；规范写法91350100M000100Y43可通过校验",
        "91350100m000100y43\tINVALID\t第9、16位“m”“y”是小写字母，应使用大写字母；"
        "规范写法91350100M000100Y43可通过校验",
        "９１３５０１００Ｍ０００１００Ｙ４３\tINVALID\t第1、2、3位等共18处（如“９”“１”“３”）"
        "是全角字符，应使用半角字符；规范写法91350100M000100Y43可通过校验",
        "91350100M000100Y43\\t\tINVALID\t末尾多了制表符；规范写法91350100M000100Y43可通过校验",
        "91350100M000100Y4Z\tINVALID\t第18位校验码应为3，实为Z",
    ]
    assert all(line.count("\t") in (1, 2) for line in out.splitlines())


def test_stdin_as_text_stream_and_blank_input():
    out, _ = run("uscc", "-", stdin="91350100M000100Y43\n\n   \n")
    assert out == "91350100M000100Y43\tOK\n\tINVALID\t空值\n   \tINVALID\t空值（只有空白字符）\n"
    assert run("uscc", "-", stdin=b"") == ("", "")


def test_lone_carriage_return_and_control_characters_are_escaped_in_the_echo():
    out, _ = run("uscc", "-", stdin=b"91350100M000100Y43\r\r\n9135\x000100M000100Y43\n")
    assert out == (
        "91350100M000100Y43\\r\tINVALID\t末尾多了回车符；规范写法91350100M000100Y43可通过校验\n"
        "9135\\x000100M000100Y43\tINVALID\t第5位U+0000是不可见字符（复制粘贴时常带入），应删除；"
        "规范写法91350100M000100Y43可通过校验\n"
    )


def test_non_utf8_line_gets_a_reason():
    gbk = "９１３５".encode("gbk")
    out, _ = run("uscc", "-", stdin=b"91350100M000100Y43\n" + gbk + b"\n91350100M000100Y43\n")
    lines = out.splitlines()
    assert lines[0] == lines[2] == "91350100M000100Y43\tOK"
    code, verdict, reason = lines[1].split("\t")
    assert code == gbk.decode("utf-8", "backslashreplace")
    assert (verdict, reason) == (
        "INVALID",
        "不是UTF-8编码的文本（可能是GBK等编码，请另存为UTF-8后再校验）",
    )


def test_dash_reads_stdin_where_it_stands():
    out, _ = run("uscc", "12345", "-", "91350100M000100Y43", stdin=b"91350100M000100Y4Z\n")
    assert [line.split("\t")[0] for line in out.splitlines()] == [
        "12345",
        "91350100M000100Y4Z",
        "91350100M000100Y43",
    ]


def test_id_and_mobile():
    out, _ = run("id", "34052419800101001X", "34052419800101001x", "360426910101007")
    assert out == (
        "34052419800101001X\tOK\n"
        "34052419800101001x\tINVALID\t第18位校验码应为大写X，实为小写x\n"
        "360426910101007\tINVALID\t15位旧号码已停用（第一代居民身份证自2013年1月1日起停止使用），"
        "请使用18位公民身份号码\n"
    )
    out, _ = run("mobile", "+86 138 0013 8000", "12800138000")
    assert out == "+86 138 0013 8000\tOK\n12800138000\tINVALID\t手机号码应以13至19开头，实为12\n"


def test_unknown_kind_and_missing_codes_are_usage_errors():
    with pytest.raises(CommandError):
        call_command("validate", "tax", "123", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("validate", "uscc", stdout=io.StringIO())


def _codes(count: int) -> bytes:
    lines = []
    for i in range(count):
        prefix = f"91310{i % 1000:03d}MA1{i:06d}"[:17]
        code = prefix + uscc_check_char(prefix)
        if i % 7 == 0:
            code = code[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + 1) % 31]
        lines.append(code)
    return ("\n".join(lines) + "\n").encode()


def test_many_codes_quickly():
    data = _codes(100_000)
    started = time.perf_counter()
    out, _ = run("uscc", "-", stdin=data)
    elapsed = time.perf_counter() - started
    lines = out.splitlines()
    assert len(lines) == 100_000
    assert sum(line.endswith("\tOK") for line in lines) == 100_000 - len(range(0, 100_000, 7))
    assert [line.split("\t")[0] for line in lines] == data.decode().splitlines()
    assert elapsed < 10  # about 0.5 s here; 1 million codes take well under a minute


# ---------------------------------------------------------------------------------------------
# As a real process: exit status, bytes on stdout, pipes
# ---------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhijian.settings",
        "ZHIJIAN_SECRET_KEY": "test-only",
        "PYTHONIOENCODING": "ascii",  # the output must be UTF-8 whatever the locale says
    }
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "zhijian.cli", "validate", *args], cwd=ROOT, env=env, **kwargs
    )


def test_process_exit_status_is_zero_and_output_is_utf8():
    proc = cli(
        "uscc", "-", "12345", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.communicate(b"91350100M000100Y4Z\nN2310115MA1G4L1WXN\n", timeout=60)
    assert proc.returncode == 0
    assert out.decode("utf-8") == (
        "91350100M000100Y4Z\tINVALID\t第18位校验码应为3，实为Z\n"
        "N2310115MA1G4L1WXN\tOK\n"
        "12345\tINVALID\t长度应为18位，实为5位\n"
    )
    assert err.decode("utf-8") == WARNING_N


def test_process_stops_quietly_when_the_reader_goes_away(tmp_path):
    source = tmp_path / "codes.txt"
    source.write_bytes(_codes(200_000))
    with source.open("rb") as stdin:
        proc = cli("uscc", "-", stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.read(100)
        proc.stdout.close()  # like "| head -c 100"
        err = proc.stderr.read()
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert b"Traceback" not in err
