import pytest

from zhijian.dictionaries.services import clear_caches


@pytest.fixture(autouse=True)
def _fresh_dictionary_caches():
    """Per-process caches survive the rollback of a test transaction: drop them around
    every test so that rows created by one test never leak into the next."""
    clear_caches()
    yield
    clear_caches()
