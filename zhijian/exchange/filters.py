from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet

from .models import ImportBatch
from .specs import TABLE_CHOICES


class BatchFilter(FilterSet):
    source = django_filters.CharFilter(label=_("数据来源"), lookup_expr="icontains")
    table = django_filters.ChoiceFilter(label=_("数据表"), choices=TABLE_CHOICES)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ImportBatch.Status.choices)

    class Meta:
        model = ImportBatch
        fields = ["source", "table", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
