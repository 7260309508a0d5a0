"""The shipped data files are exactly what scripts/derive_dictionaries.py derives."""

import csv
import gzip
import importlib.util
import io
from pathlib import Path

import pytest

from zhijian.dictionaries.datafiles import DATA_DIR, read_historic_divisions

REPO_DIR = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "derive_dictionaries", REPO_DIR / "scripts" / "derive_dictionaries.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    module = _script()
    if not (module.DEFAULT_SOURCE / "divisions" / "streets.csv").exists():
        pytest.skip(f"reference data not available at {module.DEFAULT_SOURCE}")
    return module


def test_shipped_files_match_a_fresh_derivation(script):
    for name, content in script.derived_files(script.DEFAULT_SOURCE).items():
        shipped = gzip.decompress((DATA_DIR / name).read_bytes())
        assert shipped == content, f"{name} is stale: run scripts/derive_dictionaries.py"


def test_check_mode_passes(script):
    assert script.main(["--check"]) == 0


def test_gzip_output_is_deterministic():
    module = _script()
    data = module.render_csv(("a", "b"), [("1", "上海")])
    assert module.gzip_bytes(data) == module.gzip_bytes(data)
    assert gzip.decompress(module.gzip_bytes(data)) == "a,b\n1,上海\n".encode()


def test_streets_per_district_equal_the_reference_data(script):
    with (script.DEFAULT_SOURCE / "divisions" / "streets.csv").open(encoding="utf-8") as handle:
        source = sorted(row["code"] for row in csv.DictReader(handle) if row["code"][:2] == "31")
    with gzip.open(DATA_DIR / "divisions.csv.gz", "rt", encoding="utf-8") as handle:
        shipped = sorted(
            row["code"]
            for row in csv.DictReader(handle)
            if row["level"] == "street" and row["code"][:2] == "31"
        )
    assert shipped == source


def test_industry_sql_parser():
    module = _script()
    text = (
        "insert into industry_category (ID, INDUSTRY_ID, NAME, PARENT_ID, LEVEL_TYPE, DESCRIPTION)\n"
        "values (1, 'A', '农、林''牧', null, 0, '说明');\n"
    )
    assert module.parse_industry_sql(text) == [
        {
            "id": 1,
            "industry_id": "A",
            "name": "农、林'牧",
            "parent_id": None,
            "level_type": 0,
            "description": "说明",
        }
    ]


def test_historic_divisions_file_is_consistent():
    rows = read_historic_divisions()
    codes = {row.code for row in rows}
    with gzip.open(DATA_DIR / "divisions.csv.gz", "rt", encoding="utf-8") as handle:
        current = {row["code"] for row in csv.DictReader(io.StringIO(handle.read()))}
    assert not codes & current, "a historic code is also current"
    for row in rows:
        assert row.valid_to is not None
        assert row.parent_code in codes | current
        if row.successor_code:
            assert row.successor_code in codes | current
