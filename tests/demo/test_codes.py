"""The generator's identifier builders give the check characters of zhijian.core.identifiers."""

from __future__ import annotations

import random

from zhijian.core.identifiers import (
    USCC_ALPHABET,
    id_number_check_char,
    org_code_check_char,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)
from zhijian.demo.codes import IdNumbers, Usccs


def test_id_numbers():
    ids = IdNumbers()
    rng = random.Random(1)
    for _ in range(5000):
        area = str(rng.randint(110000, 659999))
        year, month, day = rng.randint(1900, 2099), rng.randint(1, 12), rng.randint(1, 31)
        sequence = rng.randint(0, 999)
        first17 = f"{area}{year}{month:02d}{day:02d}{sequence:03d}"
        assert ids.make(area, year, month, day, sequence) == first17 + id_number_check_char(first17)
    assert validate_id_number(ids.make("310115", 1980, 2, 29, 123)).valid


def _ma_body(value: int) -> str:
    chars = []
    for _ in range(6):
        value, digit = divmod(value, 31)
        chars.append(USCC_ALPHABET[digit])
    return "MA" + "".join(chars)


def test_usccs():
    usccs = Usccs()
    rng = random.Random(2)
    values = [0, 1, 31**3 - 1, 31**3, 31**6 - 1] + [rng.randrange(31**6) for _ in range(3000)]
    for value in values:
        head = rng.choice(("91", "92", "93")) + str(rng.randint(310000, 319999))
        body = _ma_body(value)
        first17 = head + body + org_code_check_char(body)
        assert usccs.with_ma(head, value) == first17 + uscc_check_char(first17)
    for value in [0, 9999, 10_000, 10**8 - 1] + [rng.randrange(10**8) for _ in range(3000)]:
        head = "91" + str(rng.randint(310000, 319999))
        body = f"{value:08d}"
        first17 = head + body + org_code_check_char(body)
        assert usccs.with_number(head, value) == first17 + uscc_check_char(first17)
    assert validate_uscc(usccs.with_ma("91310115", 12345)).valid
