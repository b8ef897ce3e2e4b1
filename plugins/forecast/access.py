"""Permissions and the planner role of the forecast plugin.

Built-in roles cannot be widened by a plugin, so every check also accepts the core's
``target.manage`` (sales managers, group admins): they can forecast, draft and approve.
A planner (计划员) drafts allocations and runs forecasts but cannot approve.
"""

from __future__ import annotations

from core.access import PermissionSpec, RoleSpec, Scope

PERMISSIONS = (
    PermissionSpec("forecast.run", "Run and store sales forecasts", "运行销售预测"),
    PermissionSpec("forecast.plan", "Draft and adjust target allocations", "编制指标分摊"),
)

ROLES = (
    RoleSpec(
        "sales_planner",
        "Sales planner",
        "销售计划员",
        frozenset({"forecast.run", "forecast.plan", "report.run"}),
        Scope.ALL,
    ),
)
