"""Permissions and roles of the manufacturing plugin."""

from __future__ import annotations

from core.access import PermissionSpec, RoleSpec, Scope

# Permissions (the services import them from here). Not defined with the services: the
# roles are read at every login, and the services import the plugin's models.
P_TENDER = "manufacturing.tender"  # tenders and project registrations
P_SELL = "manufacturing.sell"  # quotes and orders
P_SHIP = "manufacturing.ship"  # deliveries and stock
P_BILL = "manufacturing.bill"  # invoices and receipts
P_REVERSE = "manufacturing.reverse"  # reverse submitted documents
P_APPROVE = "customer.credit"  # finance: credit approval of an order (core permission)

PERMISSIONS = [
    PermissionSpec(P_TENDER, "Manage tenders and project registrations", "维护投标与项目立项"),
    PermissionSpec(P_SELL, "Enter and submit quotes and sales orders", "录入报价单与销售订单"),
    PermissionSpec(P_SHIP, "Enter deliveries and production receipts", "录入发货单与完工入库"),
    PermissionSpec(P_BILL, "Enter invoices and receipts", "录入销售发票与收款"),
    PermissionSpec(P_REVERSE, "Reverse submitted documents", "冲销已提交单据"),
]

_REP = frozenset(
    {
        "customer.create",
        "customer.update",
        "contact.write",
        "opportunity.write",
        "activity.log",
        "report.run",
    }
)

ROLES = [
    RoleSpec(
        "mfg_sales",
        "Sales engineer (manufacturing)",
        "销售工程师",
        _REP | {P_TENDER, P_SELL},
        Scope.OWN,
    ),
    RoleSpec(
        "mfg_sales_manager",
        "Sales office manager (manufacturing)",
        "营销部经理",
        _REP | {"customer.assign", P_TENDER, P_SELL, P_SHIP, P_REVERSE},
        Scope.TEAM,
    ),
    RoleSpec(
        "mfg_shipping",
        "Shipping and stock clerk",
        "发货与库存员",
        frozenset({P_SHIP, "report.run"}),
        Scope.ALL,
    ),
    RoleSpec(
        "mfg_finance",
        "Finance (receivables and credit)",
        "财务（应收与信用）",
        frozenset({P_BILL, P_REVERSE, P_APPROVE, "report.run", "audit.read"}),
        Scope.ALL,
    ),
]
