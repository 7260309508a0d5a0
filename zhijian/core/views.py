"""Pages of the core app: sign-in, home, units, users, roles. Thin: services do the work."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView

from . import masking, services
from .filters import UnitFilter, UserFilter
from .forms import ChangePasswordForm, LoginForm, UnitForm, UserForm, lockout_policy
from .models import OrgUnit, Role, User
from .tables import Column, TableView
from .todo import todo_entries

# --- sign-in -----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(request, credentials=None, *args, **kwargs):
    """What django-axes shows when an account or an address is locked."""
    form = LoginForm(request)
    form.errors.clear()
    return render(
        request,
        "core/login.html",
        {"form": form, "locked": True, **lockout_policy()},
        status=429,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    form_class = ChangePasswordForm

    def get_context_data(self, **kwargs):
        from django.contrib.auth.password_validation import password_validators_help_texts

        return super().get_context_data(password_rules=password_validators_help_texts(), **kwargs)

    def form_valid(self, form):
        services.change_password(self.request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect("core:home")


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        entries = todo_entries(self.request.user)
        ctx["todo_entries"] = entries
        ctx["todo_count"] = sum(entry.count for entry in entries)
        return ctx


# --- common detail and form pages --------------------------------------------------------------


class ScopedObjectMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Detail and edit pages fetch their object through the data scope (404 outside it)."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


class FormPageMixin:
    template_name = "core/form.html"
    title = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        ctx["cancel_url"] = self.cancel_url()
        return ctx

    def cancel_url(self) -> str:
        """Back to where the user came from (never off-site; no javascript: links under CSP)."""
        from django.utils.http import url_has_allowed_host_and_scheme

        for candidate in (self.request.GET.get("next"), self.request.headers.get("Referer")):
            if (
                candidate
                and self.request.path not in candidate
                and url_has_allowed_host_and_scheme(
                    candidate, allowed_hosts={self.request.get_host()}
                )
            ):
                return candidate
        return ""


# --- organisation units ------------------------------------------------------------------------


class UnitListView(TableView):
    model = OrgUnit
    permission_required = "core.view_orgunit"
    title = gettext_lazy("组织机构")
    filterset_class = UnitFilter
    search_fields = ("name", "code", "short_name")
    search_placeholder = gettext_lazy("机构名称或代码")
    default_ordering = ("path",)
    export_name = "units"
    create_url_name = "core:unit_create"
    create_permission = "core.add_orgunit"
    columns = [
        Column("code", gettext_lazy("机构代码"), link=True),
        Column("name", gettext_lazy("机构名称"), link=True),
        Column("kind", gettext_lazy("层级")),
        Column("parent__name", gettext_lazy("上级机构")),
        Column("is_active", gettext_lazy("启用")),
    ]


class UnitDetailView(ScopedObjectMixin, DetailView):
    model = OrgUnit
    permission_required = "core.view_orgunit"
    template_name = "core/unit_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        unit = self.object
        ctx["children"] = unit.children.order_by("sort_order", "code")
        ctx["streets"] = unit.streets.order_by("code")
        ctx["member_count"] = User.objects.visible_to(self.request.user).filter(unit=unit).count()
        ctx["can_change"] = self.request.user.has_perm("core.change_orgunit")
        return ctx


class UnitCreateView(ScopedObjectMixin, FormPageMixin, CreateView):
    model = OrgUnit
    form_class = UnitForm
    permission_required = "core.add_orgunit"
    title = gettext_lazy("新增组织机构")

    def get_success_url(self):
        return reverse("core:unit_detail", args=[self.object.pk])


class UnitUpdateView(ScopedObjectMixin, FormPageMixin, UpdateView):
    model = OrgUnit
    form_class = UnitForm
    permission_required = "core.change_orgunit"
    title = gettext_lazy("修改组织机构")

    def get_success_url(self):
        return reverse("core:unit_detail", args=[self.object.pk])


# --- users -------------------------------------------------------------------------------------


class UserListView(TableView):
    model = User
    permission_required = "core.view_user"
    title = gettext_lazy("用户")
    filterset_class = UserFilter
    search_fields = ("username", "full_name", "badge_number")
    search_placeholder = gettext_lazy("用户名、姓名或执法证号")
    default_ordering = ("username",)
    export_name = "users"
    create_url_name = "core:user_create"
    create_permission = "core.add_user"
    columns = [
        Column("username", gettext_lazy("用户名"), link=True),
        Column("full_name", gettext_lazy("姓名")),
        Column("unit__name", gettext_lazy("所属机构")),
        Column("mobile", gettext_lazy("手机号码"), mask="mobile"),
        Column("is_active", gettext_lazy("启用")),
        Column("last_login", gettext_lazy("最近登录")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("unit")


class UserDetailView(ScopedObjectMixin, DetailView):
    model = User
    permission_required = "core.view_user"
    template_name = "core/user_detail.html"
    context_object_name = "account"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        account = self.object
        ctx["personal"] = [
            {
                "field": "mobile",
                "label": _("手机号码"),
                "masked": masking.mask_mobile(account.mobile),
            },
            {
                "field": "id_number",
                "label": _("公民身份号码"),
                "masked": masking.mask_id_number(account.id_number),
            },
        ]
        ctx["can_unmask"] = masking.can_unmask(self.request.user)
        ctx["can_change"] = self.request.user.has_perm("core.change_user")
        return ctx


class UserCreateView(ScopedObjectMixin, FormPageMixin, CreateView):
    model = User
    form_class = UserForm
    permission_required = "core.add_user"
    title = gettext_lazy("新增用户")

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user, initial = services.create_user(
                username=data["username"],
                unit=data["unit"],
                roles=[r.code for r in data["roles"]],
                full_name=data["full_name"],
                mobile=data["mobile"],
                id_number=data["id_number"],
                badge_number=data["badge_number"],
                is_active=data["is_active"],
            )
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return render(
            self.request,
            "core/initial_password.html",
            {"account": user, "initial_password": initial},
        )


class UserUpdateView(ScopedObjectMixin, FormPageMixin, UpdateView):
    model = User
    form_class = UserForm
    permission_required = "core.change_user"
    title = gettext_lazy("修改用户")

    @transaction.atomic
    def form_valid(self, form):
        user = form.save()
        services.set_roles(user, [r.code for r in form.cleaned_data["roles"]])
        messages.success(self.request, _("用户已保存。"))
        return redirect("core:user_detail", pk=user.pk)


@login_required
@require_POST
def user_reset_password(request, pk):
    if not request.user.has_perm("core.change_user"):
        raise PermissionDenied
    account = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    new = services.reset_password(account)
    return render(
        request, "core/initial_password.html", {"account": account, "initial_password": new}
    )


# --- roles -------------------------------------------------------------------------------------


class RoleListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "core.view_role"
    template_name = "core/role_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        visible_users = User.objects.visible_to(self.request.user)
        ctx["roles"] = [
            {
                "role": role,
                "permissions": role.permissions.select_related("content_type").order_by(
                    "content_type__app_label", "codename"
                ),
                "members": visible_users.filter(groups=role).count(),
            }
            for role in Role.objects.all()
        ]
        return ctx


# --- personal data -----------------------------------------------------------------------------


@login_required
@require_POST
def unmask(request, app_label, model_name, pk, field):
    """Show one personal data value unmasked: permission checked, data scope applied, audited."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    if not hasattr(model.objects, "visible_to"):
        raise Http404
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    value = masking.reveal(request.user, obj, field)
    return JsonResponse({"field": field, "value": value})
