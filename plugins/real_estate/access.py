"""Roles and permissions of a sales office (docs/domain.md section 8)."""

from __future__ import annotations

from core.access import PermissionSpec, RoleSpec, Scope

# Permissions (declared through salesdesk_permissions). Defined here, not with the
# services: the roles are read when a user logs in, and the services import the plugin's
# models (0.3 s more before Home's first figures, docs/performance.md).
SIGNOFF = "real_estate.signoff"  # senior marketing manager: master data and price lists
CONTROL = "real_estate.control"  # on-site sales control: unit status
PAYMENT = "real_estate.payment"  # on-site finance: plans and payments
SERVICE = "real_estate.service"  # sales service: area settlement, move-in

PERMISSIONS = (
    PermissionSpec(SIGNOFF, "Sign off unit master data and price lists", "审批房间资料与价格"),
    PermissionSpec(
        CONTROL,
        "Sales control: hold, reserve, subscribe, sign, cancel units",
        "销控：保留、预留、认购、签约、退房",
    ),
    PermissionSpec(PAYMENT, "Record payment plans and payments", "录入付款计划与收款"),
    PermissionSpec(SERVICE, "Settle area differences and record move-in", "面积补差与入伙"),
)

ROLES = (
    RoleSpec(
        "re_sales_control",
        "On-site sales control",
        "现场销控",
        frozenset({CONTROL, "activity.log", "report.run"}),
        Scope.OWN,
    ),
    RoleSpec(
        "re_finance", "On-site finance", "现场财务", frozenset({PAYMENT, "report.run"}), Scope.OWN
    ),
    RoleSpec(
        "re_sales_service",
        "Sales service",
        "销售服务",
        frozenset({SERVICE, "report.run"}),
        Scope.OWN,
    ),
    RoleSpec(
        "re_senior_marketing",
        "Senior marketing manager",
        "市场营销部高级经理",
        frozenset({SIGNOFF, "target.manage", "report.run", "audit.read"}),
        Scope.REGION,
    ),
)
