"""The campaign demo step: builds one campaign with tasks, and adds nothing the second time."""

import pytest

from zhijian.campaigns import demo_data
from zhijian.campaigns.models import Campaign
from zhijian.supervision.models import SupervisionItem, Task

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(org, people, register):
    SupervisionItem.objects.create(
        code="CYFW-001", name="餐饮服务食品安全检查", legal_basis="《食品安全法》", department="处"
    )
    line = demo_data.build(None)
    assert line and "整治对象 2 户" in line
    campaign = Campaign.objects.get(name=demo_data.NAME)
    assert campaign.state == Campaign.State.ACTIVE
    assert Task.objects.filter(source_ref=campaign.source_ref).count() == 2
    assert Task.objects.filter(source_ref=campaign.source_ref, state=Task.State.DONE).exists()
    assert demo_data.build(None) is None
    assert Campaign.objects.count() == 1
