"""Permissions and roles the contracts plugin adds.

Reps and managers already write contracts through ``opportunity.write``; these are for
people whose job is contracts or approvals only. Who may decide an approval step is named by
the step itself (its role, from the approval chains), so approving needs no permission of
its own; read-only roles never decide."""

from __future__ import annotations

from core.access import PermissionSpec, RoleSpec, Scope

PERMISSIONS = (
    PermissionSpec(
        "contract.write", "Create, edit, submit and sign contracts", "创建、修改、送审与签订合同"
    ),
)

ROLES = (
    RoleSpec(
        "contract_clerk",
        "Contract clerk",
        "合同管理员",
        frozenset({"contract.write", "report.run"}),
        Scope.REGION,
    ),
    RoleSpec(
        "contract_executive",
        "Contract approver (executive)",
        "合同审批（高层）",
        frozenset({"report.run"}),
        Scope.ALL,
    ),
)
