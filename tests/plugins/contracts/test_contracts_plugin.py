"""The plugin's contributions: roles and permissions, migrations, demo data, CLI."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from contracts_helpers import at_stage

from core import db as dbmod
from plugins.contracts import services
from plugins.contracts.models import Contract


@pytest.mark.salesdesk_sqlite_only
def test_roles_and_permissions_are_registered(salesdesk_world: Any) -> None:
    roles = salesdesk_world.runtime.plugins.roles
    assert "contract.write" in roles.permissions
    assert not roles.roles["contract_executive"].read_only
    assert roles.roles["contract_clerk"].permissions >= {"contract.write"}
    assert "contracts" in salesdesk_world.runtime.plugins.loaded_names()


@pytest.mark.salesdesk_sqlite_only
def test_own_migration_branch_down_and_up(salesdesk_world: Any) -> None:
    locations = salesdesk_world.runtime.plugins.migration_locations()
    dbmod.downgrade(salesdesk_world.runtime.db, "contracts@base", locations)
    assert (
        "contracts_contract" not in sa.inspect(salesdesk_world.runtime.db.engine).get_table_names()
    )
    salesdesk_world.runtime.upgrade()
    assert "contracts_contract" in sa.inspect(salesdesk_world.runtime.db.engine).get_table_names()


@pytest.mark.salesdesk_sqlite_only
def test_demo_data(salesdesk_world: Any, team: dict[str, Any]) -> None:
    from plugins.contracts.demo import seed_contracts

    customer = team["customer"]
    for i in range(6):
        salesdesk_world.opportunity(customer, owner=team["rep"], amount=f"{(i + 1) * 90000}.00")
    seed_contracts(salesdesk_world.admin, "small", 3)
    with salesdesk_world.runtime.db.read_session() as session:
        stages = sorted(session.scalars(sa.select(Contract.stage)).all())
    assert len(stages) == 7  # one per open deal
    assert {"preparation", "submitted"} & set(stages)
    assert {"signed", "planning", "approved"} & set(stages)


@pytest.mark.salesdesk_sqlite_only
def test_cli_lists_waiting_and_decides(team: dict[str, Any], salesdesk_run: Any) -> None:
    contract = at_stage(team, "submitted")

    def run(login: str, *args: str) -> Any:
        return salesdesk_run.cli("contracts", *args, user=login)

    assert contract.number in run("rep", "list").output
    refused = run("rep", "decide", str(contract.id), "approve")
    assert refused.exit_code == 1 and "may not approve" in refused.output
    assert "step 1 (sales_manager)" in run("mgr", "waiting").output
    done = run("mgr", "decide", str(contract.id), "approve")
    # the stage by its title, as the screens name it
    assert done.exit_code == 0 and "approved by Mgr; now Approved" in done.output, done.output
    assert services.get_contract(team["rep"], contract.id).stage == "approved"


@pytest.mark.salesdesk_sqlite_only
def test_numbers_follow_the_company_rule_and_office_ranges(
    salesdesk_world: Any, team: dict[str, Any]
) -> None:
    from contracts_helpers import draft

    from core.services.numbering import set_rule

    assert draft(team).number == "HT2600001"  # the default rule
    set_rule(
        team["admin"], "contract", {"prefix": "SC", "width": 5, "offices": {"EAST": 1, "BJ": 20001}}
    )
    assert draft(team).number == "SC2600001"  # the rep's region is office EAST
    assert draft(team, office="BJ").number == "SC2620001"
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="one of the numbering offices"):
        draft(team, office="XX")
    # a copy gets the next number of its office
    copy = services.copy_contract(team["rep"], draft(team, office="BJ").id)
    assert copy.number == "SC2620003"


@pytest.mark.salesdesk_sqlite_only
def test_list_search_and_record_rules(team: dict[str, Any]) -> None:
    from contracts_helpers import draft

    first = draft(team, title="Valves for Zenith")
    draft(team, title="Pumps")
    rep = team["rep"]
    assert [r.id for r in services.contract_rows(rep, search="zenith")] == [first.id]
    assert [r.id for r in services.contract_rows(rep, search=first.number)][-1] == first.id
    assert len(services.contract_rows(rep, stage="preparation")) == 2
    assert services.contract_rows(team["rep2"]) == []  # another rep's customer
    assert len(services.contract_rows(team["mgr"])) == 2  # the rep's manager
    assert services.contract_rows(team["mgr2"]) == []
    assert len(services.contract_rows(team["fin"])) == 2  # finance sees all


@pytest.mark.salesdesk_sqlite_only
def test_new_contract_entry_form(team: dict[str, Any]) -> None:
    from core.errors import ValidationFailed
    from core.forms import submit_form

    rep = team["rep"]
    raw = {
        "title": "Gaskets",
        "customer_code": team["customer"].code,
        "amount": "9000",
        "currency": "",
        "parties": "Acme Trading (buyer); Bank (guarantor)",
        "terms": "",
        "start_date": "2026-04-01",
        "end_date": "",
        "milestones": "2026-04-30 4000 on delivery; 2026-05-31 5000",
    }
    message = submit_form(rep, "contracts.new", raw)
    (row,) = services.contract_rows(rep, search="Gaskets")
    assert message == f"Contract {row.number} created"
    detail = services.contract_detail(rep, row.id)
    assert [p["role"] for p in detail.contract.parties] == ["buyer", "guarantor"]
    assert [(m.amount, m.condition) for m in detail.milestones] == [
        (Decimal("4000.00"), "on delivery"),
        (Decimal("5000.00"), ""),
    ]
    with pytest.raises(ValidationFailed, match="customer you can see"):
        submit_form(team["rep2"], "contracts.new", raw)
    with pytest.raises(ValidationFailed, match="Milestones"):
        submit_form(rep, "contracts.new", {**raw, "milestones": "2026-04-30 1 x"})


def test_salesdesk_document_series_names_its_numbers_in_both_languages() -> None:
    """Admin shows "Numbering of <title>", never the series' code (issue #22)."""
    from plugins.contracts import salesdesk_document_series

    declared = {d.id: (d.title_en, d.title_zh) for d in salesdesk_document_series()}
    assert declared == {"contract": ("contracts", "合同")}
