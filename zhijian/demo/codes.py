"""Identifiers of the synthetic city, built from precomputed partial sums of their check sums.

The generator makes millions of ID numbers and USCCs; ``zhijian.core.identifiers`` checks one
code character by character. These builders give the same check characters (tests/demo
compares them with ``id_number_check_char``, ``org_code_check_char`` and ``uscc_check_char``)
from a few table look-ups per code.
"""

from __future__ import annotations

from zhijian.core.identifiers import (
    ID_NUMBER_WEIGHTS,
    ORG_CODE_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
)

ID_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: check character for Σ mod 11 = 0 … 10
ORG_CHECK = "0X987654321"  # GB 11714: check character for Σ mod 11 = 0 … 10
BASE31 = 31**3  # three USCC-alphabet digits


def _org_value(char: str) -> int:
    """GB 11714 value of a code character: digits 0-9, letters A=10 … Z=35."""
    return int(char) if char.isdigit() else ord(char) - 55


def _uscc(char: str) -> int:
    """GB 32100 value of a code character: its position in the USCC alphabet."""
    return USCC_ALPHABET.index(char)


def _weighted(text: str, weights: tuple[int, ...], value=int) -> int:
    return sum(value(char) * weight for char, weight in zip(text, weights, strict=True))


class IdNumbers:
    """18-digit ID numbers: area (6) + birth date (8) + sequence (3) + check character."""

    def __init__(self) -> None:
        w = ID_NUMBER_WEIGHTS
        self.area: dict[str, int] = {}
        self.weights = w
        self.years = {y: (str(y), _weighted(str(y), w[6:10])) for y in range(1900, 2100)}
        self.month_days = {
            m * 32 + d: (f"{m:02d}{d:02d}", _weighted(f"{m:02d}{d:02d}", w[10:14]))
            for m in range(1, 13)
            for d in range(1, 32)
        }
        self.sequences = [(f"{s:03d}", _weighted(f"{s:03d}", w[14:17])) for s in range(1000)]

    def area_sum(self, area: str) -> int:
        total = self.area.get(area)
        if total is None:
            total = self.area[area] = _weighted(area, self.weights[:6])
        return total

    def make(self, area: str, year: int, month: int, day: int, sequence: int) -> str:
        year_text, year_sum = self.years[year]
        md_text, md_sum = self.month_days[month * 32 + day]
        seq_text, seq_sum = self.sequences[sequence]
        total = self.area_sum(area) + year_sum + md_sum + seq_sum
        return area + year_text + md_text + seq_text + ID_CHECK[total % 11]


class _Parts(dict):
    """value → (text, GB 11714 partial sum, GB 32100 partial sum) of part of a code body,
    computed on first use."""

    def __init__(self, text_of, org_weights, uscc_weights):
        super().__init__()
        self.text_of = text_of
        self.org_weights = org_weights
        self.uscc_weights = uscc_weights

    def __missing__(self, value: int) -> tuple[str, int, int]:
        text = self.text_of(value)
        entry = self[value] = (
            text,
            _weighted(text, self.org_weights, _org_value),
            _weighted(text, self.uscc_weights, _uscc),
        )
        return entry


def _base31(value: int) -> str:
    """Three USCC-alphabet digits of ``value``, least significant first."""
    chars = []
    for _ in range(3):
        value, digit = divmod(value, 31)
        chars.append(USCC_ALPHABET[digit])
    return "".join(chars)


def _decimal4(value: int) -> str:
    return f"{value:04d}"


class Usccs:
    """18-character USCCs: prefix (2) + registration district (6) + organisation code body (8)
    + its GB 11714 check character + the GB 32100 check character.

    Two kinds of body: ``MA`` + six base-31 digits of a value below 31**6 (least significant
    first), or eight decimal digits of a value below 10**8.
    """

    def __init__(self) -> None:
        uw, ow = USCC_WEIGHTS, ORG_CODE_WEIGHTS
        self.heads: dict[str, int] = {}
        self.ma = ("MA", _weighted("MA", ow[:2], _org_value), _weighted("MA", uw[8:10], _uscc))
        self.ma_low = _Parts(_base31, ow[2:5], uw[10:13])
        self.ma_high = _Parts(_base31, ow[5:8], uw[13:16])
        self.num_high = _Parts(_decimal4, ow[:4], uw[8:12])
        self.num_low = _Parts(_decimal4, ow[4:8], uw[12:16])
        # by Σ mod 11: the check character and its share of the GB 32100 sum
        self.org_check = [(char, _uscc(char) * uw[16]) for char in ORG_CHECK]

    def _head_sum(self, head: str) -> int:
        total = self.heads.get(head)
        if total is None:
            total = self.heads[head] = _weighted(head, USCC_WEIGHTS[:8], _uscc)
        return total

    def _finish(self, head: str, parts) -> str:
        (t1, o1, u1), (t2, o2, u2), (t3, o3, u3) = parts
        org_char, org_u = self.org_check[(o1 + o2 + o3) % 11]
        total = self._head_sum(head) + u1 + u2 + u3 + org_u
        return head + t1 + t2 + t3 + org_char + USCC_ALPHABET[-total % 31]

    def with_ma(self, head: str, value: int) -> str:
        """``head`` = prefix + district (8 characters); ``value`` < 31**6."""
        high, low = divmod(value, BASE31)
        return self._finish(head, (self.ma, self.ma_low[low], self.ma_high[high]))

    def with_number(self, head: str, value: int) -> str:
        """``head`` = prefix + district (8 characters); ``value`` < 10**8."""
        high, low = divmod(value, 10_000)
        return self._finish(head, (self.num_high[high], self.num_low[low], ("", 0, 0)))
