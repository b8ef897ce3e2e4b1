"""Every write the contracts plugin makes, and the reads its screens and reports use."""

from plugins.contracts.services.amendments import amend, diff, history, versions
from plugins.contracts.services.approvals import (
    AlreadyDecided,
    approve,
    reject,
    waiting_for_me,
)
from plugins.contracts.services.lifecycle import cancel, sign, sign_off, submit, transition
from plugins.contracts.services.records import (
    LIST_LIMIT,
    add_attachment,
    contract_detail,
    contract_rows,
    copy_contract,
    create_contract,
    customer_choices,
    get_contract,
    mark_milestone_paid,
    update_contract,
)
from plugins.contracts.services.settings import set_approval_chains, set_machine

__all__ = [
    "LIST_LIMIT",
    "AlreadyDecided",
    "add_attachment",
    "amend",
    "approve",
    "cancel",
    "contract_detail",
    "contract_rows",
    "copy_contract",
    "create_contract",
    "customer_choices",
    "diff",
    "get_contract",
    "history",
    "mark_milestone_paid",
    "reject",
    "set_approval_chains",
    "set_machine",
    "sign",
    "sign_off",
    "submit",
    "transition",
    "update_contract",
    "versions",
    "waiting_for_me",
]
