"""REST API of the register: ``GET /api/v1/entities`` (search) and ``/api/v1/entities/{uscc}``
(the entity file). Read-only, data scope applied first, personal data masked."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets

from zhijian.core.api import MaskedField, ScopedViewSetMixin
from zhijian.core.pagination import Pagination

from .filters import EntityFilter
from .models import Entity
from .search import CappedPaginator, search_entities
from .views import entity_file

SORTABLE = ("uscc", "name", "established_on", "registered_capital", "status", "kind")


class EntityPagination(Pagination):
    """Page numbers with a capped count (``count_capped`` true: more than ``count`` match)."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {"type": "boolean"}
        return schema


class EntitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    phone = MaskedField("phone")

    class Meta:
        model = Entity
        fields = [
            "uscc",
            "name",
            "kind",
            "kind_display",
            "legal_form",
            "status",
            "status_display",
            "established_on",
            "deregistered_on",
            "registered_capital",
            "currency",
            "legal_rep_name",
            "address",
            "district_code",
            "street_code",
            "industry",
            "phone",
        ]


class RelatedEntitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ["uscc", "name", "status"]


class EntityFileSerializer(EntitySerializer):
    registration_authority = serializers.CharField(read_only=True)
    business_scope = serializers.CharField(read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    sections = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()

    class Meta(EntitySerializer.Meta):
        fields = [
            *EntitySerializer.Meta.fields,
            "registration_authority",
            "business_scope",
            "unit_code",
            "sections",
            "timeline",
            "related",
        ]

    def _file(self, obj) -> dict:
        cache = self.context.setdefault("_entity_file", {})
        if obj.pk not in cache:
            cache[obj.pk] = entity_file(self.context["request"].user, obj)
        return cache[obj.pk]

    def get_sections(self, obj) -> list[dict]:
        return [
            {
                "key": s["key"],
                "title": str(s["title"]),
                "count": s["count"],
                "truncated": s["truncated"],
                "rows": [dict(zip(s["fields"], r["cells"], strict=True)) for r in s["rows"]],
            }
            for s in self._file(obj)["sections"]
        ]

    def get_timeline(self, obj) -> list[dict]:
        return [
            {"date": e["date"].isoformat(), "kind": e["kind"], "label": str(e["label"])}
            for e in self._file(obj)["timeline"]
        ]

    def get_related(self, obj) -> dict:
        related = self._file(obj)["related"]
        return {k: RelatedEntitySerializer(v, many=True).data for k, v in related.items()}


class EntityViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Entities in the user's data scope.

    List: ``q`` (name fragment of 2+ characters, USCC prefix, legal representative, address
    fragment), the filters of ``EntityFilter`` and ``sort`` (one of the sortable fields, ``-``
    for descending; default with ``q``: relevance as ``search.search_entities`` describes;
    without: newest established first).
    """

    scoped_queryset = Entity.objects
    queryset = Entity.objects.none()
    serializer_class = EntitySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntityFilter
    pagination_class = EntityPagination
    lookup_field = "uscc"
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return EntityFileSerializer if self.action == "retrieve" else EntitySerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            return qs.select_related("unit")
        q = self.request.query_params.get("q", "").strip()
        if q:
            qs = search_entities(qs, q, user=self.request.user)
        sort = self.request.query_params.get("sort", "")
        if sort.removeprefix("-") in SORTABLE:
            return qs.order_by(sort, "-pk" if sort.startswith("-") else "pk")
        return qs if q else qs.order_by("-established_on", "-pk")
