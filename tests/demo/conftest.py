import pytest

from zhijian.core import services
from zhijian.dictionaries.services import clear_caches
from zhijian.registry import location


@pytest.fixture
def shanghai(db):
    """The shipped Shanghai organisation tree, with fresh location caches."""
    clear_caches()
    location.clear_cache()
    services.load_default_org_tree()
    location.clear_cache()
    yield
    location.clear_cache()
    clear_caches()
