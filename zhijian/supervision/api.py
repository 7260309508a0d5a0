"""REST API of supervision: the item catalogue and tasks.

* ``GET /api/v1/supervision/items/`` (and ``items/{id}/``): the catalogue (every member of staff
  with ``view_supervisionitem``; not scoped). Filters ``department``, ``is_active``, ``search``.
* ``GET /api/v1/supervision/tasks/``: tasks in the caller's data scope; ``mine=1`` gives the
  caller's to-do list (as the 我的待办 page: their own tasks, their unit's unassigned ones and,
  for officers, the overdue tasks below them, urged first); filters ``unit`` (id, with the
  units below it), ``state`` (a state or ``open``), ``source``, ``overdue`` (true/false),
  ``item``; ``ordering`` ``due_on``/``-due_on``/``created_at``/``-created_at``.
* ``POST /api/v1/supervision/tasks/`` ``{"title": "…", "unit": 12, "due_days": 5,
  "working_days": true, "item": 3, "entity_uscc": "…", "due_basis": "…", "description": "…"}``:
  a manual task (``supervision.add_task``; the unit and entity must be in the caller's data
  scope), validated by the same form as the 新建监管任务 page; 201 with the task, 400
  ``{"detail": "<Chinese reason>", "errors": {field: [messages]}}`` otherwise.
* ``GET /api/v1/supervision/tasks/{id}/``: one task with its history and the actions the caller
  may take now.
* ``POST /api/v1/supervision/tasks/{id}/transition/`` ``{"action": "delegate", "to_unit": 12,
  "assignee": 34, "note": "…"}``: 200 with the task; 400 ``{"detail": "<Chinese reason>"}`` when
  the action is refused; 404 outside the data scope.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as drf_filters
from rest_framework import filters, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zhijian.core.api import ModelPermission
from zhijian.core.models import OrgUnit, User
from zhijian.core.pagination import Pagination

from . import services
from .filters import ItemFilter, TaskFilter
from .forms import TaskCreateForm
from .models import SupervisionItem, Task, TaskEvent


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionItem
        fields = [
            "id", "code", "name", "legal_basis", "department", "checklist", "entity_kinds",
            "industries", "licence_types", "is_active", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ItemViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SupervisionItem.objects.all().order_by("code")
    serializer_class = ItemSerializer
    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    pagination_class = Pagination
    filter_backends = [drf_filters.DjangoFilterBackend, filters.SearchFilter]
    filterset_class = ItemFilter
    search_fields = ["code", "name", "legal_basis"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = TaskEvent
        fields = ["action", "from_state", "to_state", "actor", "unit_code", "note", "at"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    assignee_username = serializers.CharField(
        source="assignee.username", default=None, read_only=True
    )
    item_code = serializers.CharField(source="item.code", default=None, read_only=True)
    entity_uscc = serializers.CharField(source="entity.uscc", default=None, read_only=True)
    entity_name = serializers.CharField(source="entity.name", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id", "number", "title", "description", "source", "source_display", "source_ref",
            "item", "item_code", "entity", "entity_uscc", "entity_name", "unit", "unit_code",
            "unit_name", "assignee", "assignee_username", "state", "state_display", "due_on",
            "due_days", "working_days", "due_basis", "overdue", "created_at", "closed_at",
            "urged_at", "result_ref",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, task) -> bool:
        return services.is_overdue(task)


class TaskDetailSerializer(TaskSerializer):
    events = EventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "events", "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, task) -> list[str]:
        return services.allowed_actions(task, self.context["request"].user)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(a, a) for a in services.machine.ACTIONS],
        error_messages={"invalid_choice": "未知的操作“{input}”。"},
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    to_unit = serializers.IntegerField(required=False, allow_null=True, default=None)
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None)


class TaskApiFilter(TaskFilter):
    mine = drf_filters.BooleanFilter(label="我的待办", method="as_todos")

    class Meta(TaskFilter.Meta):
        fields = [*TaskFilter.Meta.fields, "mine"]

    def as_todos(self, queryset, name, value):
        return queryset  # applied by TaskViewSet.get_queryset (it sets the ordering too)


class CanViewTasks(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("supervision.view_task")


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Task.objects.none()
    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    pagination_class = Pagination
    filter_backends = [drf_filters.DjangoFilterBackend, filters.SearchFilter]
    filterset_class = TaskApiFilter
    search_fields = ["number", "title"]
    ordering_choices = {"due_on", "-due_on", "created_at", "-created_at"}

    def get_serializer_class(self):
        return TaskDetailSerializer if self.action in ("retrieve", "transition") else TaskSerializer

    def get_queryset(self):
        user = self.request.user
        if self.action == "list" and self.request.query_params.get("mine") in ("1", "true"):
            qs = services.visible_todos(user)
            default = services.TODO_ORDER
        else:
            qs = services.tasks_in_scope(user)
            default = ("due_on", "id")
        ordering = self.request.query_params.get("ordering")
        order = (ordering, "id") if ordering in self.ordering_choices else default
        return qs.select_related("unit", "assignee", "item", "entity").order_by(*order)

    def get_permissions(self):
        if self.action == "transition":  # who may act is decided by services.transition
            return [permissions.IsAuthenticated(), CanViewTasks()]
        return super().get_permissions()

    def create(self, request):
        """A manual task, with the rules of the page (``TaskCreateForm``)."""
        data = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        data.setdefault("working_days", True)  # a form checkbox left out means False
        if data.get("working_days") in (False, "false", "False", "0", 0):
            data.pop("working_days")  # unchecked, as the form reads it
        form = TaskCreateForm(data, user=request.user)
        if not form.is_valid():
            errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
            first_field, first = next(iter(errors.items()))
            label = form.fields[first_field].label if first_field in form.fields else ""
            detail = f"{label}：{first[0]}" if label else first[0]
            return Response({"detail": detail, "errors": errors}, status=400)
        values = form.cleaned_data
        try:
            task = services.create_task(
                title=values["title"], unit=values["unit"], source=Task.Source.MANUAL,
                item=values["item"], entity=values["entity_uscc"], due_days=values["due_days"],
                working_days=values["working_days"], due_basis=values["due_basis"],
                description=values["description"], created_by=request.user,
            )  # fmt: skip
        except services.TaskError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        task = Task.objects.select_related("unit", "assignee", "item", "entity").get(pk=task.pk)
        body = TaskDetailSerializer(task, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        task = get_object_or_404(Task.objects.visible_to(request.user), pk=pk)
        data = TransitionSerializer(data=request.data)
        if not data.is_valid():
            first = next(iter(data.errors.values()))[0]
            return Response({"detail": str(first), "errors": data.errors}, status=400)
        values = data.validated_data
        to_unit = assignee = None
        if values["to_unit"] is not None:
            to_unit = OrgUnit.objects.visible_to(request.user).filter(pk=values["to_unit"]).first()
            if to_unit is None:
                return Response({"detail": "所选机构不存在或不在您的数据范围内。"}, status=400)
        if values["assignee"] is not None:
            assignee = User.objects.visible_to(request.user).filter(pk=values["assignee"]).first()
            if assignee is None:
                return Response({"detail": "所选承办人不存在或不在您的数据范围内。"}, status=400)
        try:
            task = services.transition(
                task, values["action"], user=request.user, note=values["note"],
                to_unit=to_unit, assignee=assignee,
            )  # fmt: skip
        except services.TaskError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        task = Task.objects.select_related("unit", "assignee", "item", "entity").get(pk=task.pk)
        return Response(TaskDetailSerializer(task, context={"request": request}).data)
