"""Company settings of the plugin, validated before they are stored."""

from __future__ import annotations

from typing import Any

from core.context import Context
from core.services.company import set_setting
from plugins.contracts.chains import CHAINS_KEY, load_chains
from plugins.contracts.machine import MACHINE_KEY, load_machine


def set_machine(ctx: Context, data: dict[str, Any]) -> None:
    """Store the company's lifecycle (``contracts.machine``) once it validates."""
    load_machine(data, set(ctx.roles.roles))
    set_setting(ctx, MACHINE_KEY, data)


def set_approval_chains(ctx: Context, rules: list[dict[str, Any]]) -> None:
    """Store the approval chains (``contracts.approval_chains``) once they validate."""
    load_chains(rules, set(ctx.roles.roles))
    set_setting(ctx, CHAINS_KEY, rules)
