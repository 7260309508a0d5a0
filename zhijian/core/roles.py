"""Roles are Django groups with a fixed code; their permissions are declared here.

Least privilege: the system administrator manages units and accounts but does not read the
audit log; the auditor reads the audit log and changes nothing (三员分立 habit of 等保 2.0).
Business roles get their permissions from the apps that define them (each app extends
ROLE_PERMISSIONS in its ``roles.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SYSADMIN = "sysadmin"
CITY_OFFICER = "city_officer"
DISTRICT_OFFICER = "district_officer"
STATION_INSPECTOR = "station_inspector"
AUDITOR = "auditor"
DEPARTMENT_USER = "department_user"


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    description: str


ROLES: dict[str, Role] = {
    SYSADMIN: Role(SYSADMIN, _("系统管理员"), _("管理组织机构、用户账号和角色")),
    CITY_OFFICER: Role(CITY_OFFICER, _("市局监管人员"), _("全市范围的监管业务")),
    DISTRICT_OFFICER: Role(DISTRICT_OFFICER, _("区局监管人员"), _("本区范围的监管业务")),
    STATION_INSPECTOR: Role(STATION_INSPECTOR, _("监管所执法人员"), _("本所辖区的检查与执法")),
    AUDITOR: Role(AUDITOR, _("安全审计员"), _("查阅审计日志，不能修改任何数据")),
    DEPARTMENT_USER: Role(
        DEPARTMENT_USER, _("委办局用户"), _("其他部门的工作人员：签收、反馈本部门的告知与数据")
    ),
}

# Every member of staff may read the shared dictionaries.
DICTIONARY_READ = {
    "dictionaries.view_division",
    "dictionaries.view_industry",
    "dictionaries.view_calendarday",
}

# The market-entity register: every business role reads it within its data scope.
REGISTRY_READ = {
    f"registry.view_{model}"
    for model in (
        "entity", "person", "entityperson", "licence", "annualreport", "inspectionrecord",
        "penaltyrecord", "complaintrecord", "sampling", "creditlisting",
    )
}  # fmt: skip

EXCHANGE_IMPORT = {"exchange.import_data", "exchange.view_importbatch"}

# Dated parameters (zhijian.dictionaries.parameters): read and add values.
PARAMETERS = {"dictionaries.view_parametervalue", "dictionaries.add_parametervalue"}

# app_label.codename per role; apps add their own business permissions here.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    SYSADMIN: {
        "core.view_orgunit",
        "core.add_orgunit",
        "core.change_orgunit",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_role",
        *DICTIONARY_READ,
        "dictionaries.add_calendarday",
        "dictionaries.change_calendarday",
        "dictionaries.delete_calendarday",
        *PARAMETERS,
    },
    CITY_OFFICER: {
        "core.view_orgunit",
        "core.view_user",
        *DICTIONARY_READ,
        *REGISTRY_READ,
        *EXCHANGE_IMPORT,
        *PARAMETERS,
    },
    DISTRICT_OFFICER: {
        "core.view_orgunit",
        "core.view_user",
        *DICTIONARY_READ,
        *REGISTRY_READ,
        *EXCHANGE_IMPORT,
    },
    STATION_INSPECTOR: {
        "core.view_orgunit",
        *DICTIONARY_READ,
        *REGISTRY_READ,
        "exchange.view_importbatch",
    },
    AUDITOR: {"audit.view_auditrecord", "core.view_orgunit", "core.view_user"},
    # Apps grant a department user what concerns departments (dual notification). Partner
    # departments provide data: they import and read the feedback on their own batches
    # (exchange.services.visible_batches), nothing of the register itself.
    DEPARTMENT_USER: {*DICTIONARY_READ, *EXCHANGE_IMPORT},
}
