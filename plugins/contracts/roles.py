"""Permissions and roles the contracts plugin adds.

Reps and managers already write contracts through ``opportunity.write``; these are for
people whose job is contracts or approvals only."""

from __future__ import annotations

from core.access import PermissionSpec, RoleSpec, Scope

PERMISSIONS = (
    PermissionSpec("contract.write", "Create, edit, submit and sign contracts",
                   "创建、修改、送审与签订合同"),
    PermissionSpec("contract.approve", "Approve contracts at an approval step",
                   "审批合同"),
)

ROLES = (
    RoleSpec("contract_clerk", "Contract clerk", "合同管理员",
             frozenset({"contract.write", "report.run"}), Scope.REGION),
    RoleSpec("contract_executive", "Contract approver (executive)", "合同审批(高层)",
             frozenset({"contract.approve", "report.run"}), Scope.ALL),
)
