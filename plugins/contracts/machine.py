"""The contract lifecycle as data: stages, statuses, transitions and control nodes.

The default follows docs/domain.md section 4 (准备 -> 制作 -> 送审 -> 审批 -> 签订 -> 组织规划 ->
开始实施 -> 实施完成 -> 关闭, cancelled from any open stage). A company replaces it with its
own definition in the setting ``contracts.machine`` (same shape as ``DEFAULT_MACHINE``);
``load_machine`` validates it and names every problem.

Stages play *roles* the services rely on: ``initial`` (new drafts and copies),
``approval`` (waiting for the approval chain), ``approved`` and ``rejected`` (set only by
decisions), ``signed`` (from here on the contract is read-only, as is every stage reachable
from it) and ``cancelled``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import FieldProblem, ValidationFailed
from core.i18n import listed

MACHINE_KEY = "contracts.machine"
# Contract fields a control node may require (filled in before the node is passed).
REQUIRABLE_FIELDS = (
    "title",
    "parties",
    "amount",
    "currency",
    "terms",
    "start_date",
    "end_date",
    "opportunity_id",
    "office",
    "milestones",
    "attachments",
)
ROLE_KEYS = ("initial", "approval", "approved", "rejected", "signed", "cancelled")


@dataclass(frozen=True)
class Stage:
    id: str
    title_en: str
    title_zh: str = ""
    status: str = ""  # the company's status for contracts in this stage
    cancellable: bool = True


@dataclass(frozen=True)
class ControlNode:
    """A checkpoint: before a contract leaves ``stage`` forward, a holder of ``role`` signs
    it off and ``required_fields`` are filled in."""

    id: str
    stage: str
    role: str
    title_en: str
    title_zh: str = ""
    required_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Machine:
    stages: tuple[Stage, ...]
    transitions: frozenset[tuple[str, str]]
    roles: dict[str, str]
    control_nodes: tuple[ControlNode, ...] = ()
    locked: frozenset[str] = field(default_factory=frozenset)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def role(self, name: str) -> str:
        return self.roles[name]

    def order(self, stage_id: str) -> int:
        ids = [s.id for s in self.stages]
        return ids.index(stage_id) if stage_id in ids else len(ids)

    def targets(self, stage_id: str) -> list[str]:
        """Every stage reachable in one step from ``stage_id`` (in stage order)."""
        found = {to for frm, to in self.transitions if frm == stage_id}
        current = self.stage(stage_id)
        if current is not None and current.cancellable and stage_id != self.role("cancelled"):
            found.add(self.role("cancelled"))
        return sorted(found, key=self.order)

    def allowed(self, frm: str, to: str) -> bool:
        return to in self.targets(frm)

    def is_locked(self, stage_id: str) -> bool:
        return stage_id in self.locked

    def nodes_at(self, stage_id: str) -> list[ControlNode]:
        return [n for n in self.control_nodes if n.stage == stage_id]

    def title(self, stage_id: str, lang: str = "en") -> str:
        stage = self.stage(stage_id)
        if stage is None:
            return stage_id
        return (stage.title_zh or stage.title_en) if lang.startswith("zh") else stage.title_en


# The default statuses' English labels (translated through the plugin's catalog); a
# company's own statuses are shown as they are written.
STATUS_LABELS = {
    "draft": "Draft",
    "in_approval": "In approval",
    "approved": "Approved",
    "rejected": "Rejected",
    "in_force": "In force",
    "completed": "Completed",
    "closed": "Closed",
    "cancelled": "Cancelled",
}


def _s(id_: str, en: str, zh: str, status: str, cancellable: bool = True) -> dict[str, Any]:
    return {"id": id_, "title_en": en, "title_zh": zh, "status": status, "cancellable": cancellable}


DEFAULT_MACHINE: dict[str, Any] = {
    "stages": [
        _s("preparation", "Preparation", "准备", "draft"),
        _s("drafting", "Drafting", "制作", "draft"),
        _s("submitted", "Submitted for approval", "送审", "in_approval"),
        _s("approved", "Approved", "批准", "approved"),
        _s("rejected", "Rejected", "驳回", "rejected"),
        _s("signed", "Signed", "签订", "in_force"),
        _s("planning", "Planning", "组织规划", "in_force"),
        _s("in_execution", "In execution", "开始实施", "in_force"),
        _s("completed", "Completed", "实施完成", "completed", cancellable=False),
        _s("closed", "Closed", "关闭", "closed", cancellable=False),
        _s("cancelled", "Cancelled", "已取消", "cancelled", cancellable=False),
    ],
    "transitions": [
        ["preparation", "drafting"],
        ["drafting", "submitted"],
        ["submitted", "drafting"],
        ["submitted", "approved"],
        ["submitted", "rejected"],
        ["rejected", "drafting"],
        ["approved", "drafting"],
        ["approved", "signed"],
        ["signed", "planning"],
        ["planning", "in_execution"],
        ["in_execution", "completed"],
        ["completed", "closed"],
    ],
    "roles": {
        "initial": "preparation",
        "approval": "submitted",
        "approved": "approved",
        "rejected": "rejected",
        "signed": "signed",
        "cancelled": "cancelled",
    },
    "control_nodes": [
        {
            "id": "kickoff",
            "stage": "planning",
            "role": "sales_manager",
            "title_en": "Execution plan agreed",
            "title_zh": "实施计划确认",
            "required_fields": ["start_date", "end_date"],
        },
    ],
}


def load_machine(data: Any, known_roles: set[str] | None = None) -> Machine:
    """Build a Machine from settings data; refuse with every problem named."""
    problems: list[FieldProblem] = []
    if not isinstance(data, dict):
        raise ValidationFailed(
            [FieldProblem(MACHINE_KEY, data, "an object with stages, transitions and roles")],
            MACHINE_KEY,
        )
    stages = _stages(data.get("stages"), problems)
    ids = {s.id for s in stages}
    transitions = _transitions(data.get("transitions"), ids, problems)
    roles = _roles(data.get("roles"), ids, problems)
    nodes = _nodes(data.get("control_nodes") or [], ids, known_roles, problems)
    if problems:
        raise ValidationFailed(problems, MACHINE_KEY)
    machine = Machine(tuple(stages), frozenset(transitions), roles, tuple(nodes))
    locked = _reachable(machine, roles["signed"]) - {roles["cancelled"]}
    machine = Machine(
        machine.stages, machine.transitions, roles, machine.control_nodes, frozenset(locked)
    )
    _check_roles_fit(machine, problems)
    if problems:
        raise ValidationFailed(problems, MACHINE_KEY)
    return machine


def _stages(raw: Any, problems: list[FieldProblem]) -> list[Stage]:
    if not isinstance(raw, list) or not raw:
        problems.append(FieldProblem("stages", raw, "a non-empty list of stages"))
        return []
    stages: list[Stage] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not str(item.get("id", "")).strip():
            problems.append(FieldProblem(f"stages.{i}", item, "a stage with an id"))
            continue
        if any(s.id == item["id"] for s in stages):
            problems.append(FieldProblem(f"stages.{i}.id", item["id"], "a unique stage id"))
            continue
        stages.append(
            Stage(
                str(item["id"]),
                str(item.get("title_en") or item["id"]),
                str(item.get("title_zh") or ""),
                str(item.get("status") or item["id"]),
                bool(item.get("cancellable", True)),
            )
        )
    return stages


def _transitions(raw: Any, ids: set[str], problems: list[FieldProblem]) -> set[tuple[str, str]]:
    if not isinstance(raw, list):
        problems.append(FieldProblem("transitions", raw, "a list of [from, to] pairs"))
        return set()
    found: set[tuple[str, str]] = set()
    for i, pair in enumerate(raw):
        if isinstance(pair, dict):
            pair = [pair.get("from"), pair.get("to")]
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            problems.append(FieldProblem(f"transitions.{i}", pair, "a [from, to] pair"))
            continue
        bad = [s for s in pair if s not in ids]
        if bad:
            problems.append(
                FieldProblem(
                    f"transitions.{i}",
                    pair,
                    "stage ids among: {ids}",
                    args={"ids": listed(sorted(ids))},
                )
            )
            continue
        found.add((str(pair[0]), str(pair[1])))
    return found


def _roles(raw: Any, ids: set[str], problems: list[FieldProblem]) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    roles: dict[str, str] = {}
    for key in ROLE_KEYS:
        value = raw.get(key)
        if value not in ids:
            problems.append(
                FieldProblem(
                    f"roles.{key}",
                    value,
                    "one of the stage ids: {ids}",
                    args={"ids": listed(sorted(ids))},
                )
            )
        else:
            roles[key] = str(value)
    return roles


def _nodes(
    raw: Any, ids: set[str], known_roles: set[str] | None, problems: list[FieldProblem]
) -> list[ControlNode]:
    nodes: list[ControlNode] = []
    for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
        where = f"control_nodes.{i}"
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(FieldProblem(where, item, "a control node with id, stage and role"))
            continue
        if item.get("stage") not in ids:
            problems.append(
                FieldProblem(
                    f"{where}.stage",
                    item.get("stage"),
                    "one of the stage ids: {ids}",
                    args={"ids": listed(sorted(ids))},
                )
            )
        role = str(item.get("role") or "")
        if not role or (known_roles is not None and role not in known_roles):
            problems.append(FieldProblem(f"{where}.role", role, "a defined role"))
        fields = tuple(item.get("required_fields") or ())
        unknown = [f for f in fields if f not in REQUIRABLE_FIELDS]
        if unknown:
            problems.append(
                FieldProblem(
                    f"{where}.required_fields",
                    unknown,
                    "fields among: {fields}",
                    args={"fields": listed(REQUIRABLE_FIELDS)},
                )
            )
        nodes.append(
            ControlNode(
                str(item["id"]),
                str(item.get("stage")),
                role,
                str(item.get("title_en") or item["id"]),
                str(item.get("title_zh") or ""),
                fields,
            )
        )
    return nodes


def _reachable(machine: Machine, start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        here = stack.pop()
        for frm, to in machine.transitions:
            if frm == here and to not in seen:
                seen.add(to)
                stack.append(to)
    return seen


def _check_roles_fit(machine: Machine, problems: list[FieldProblem]) -> None:
    """The approval stage must lead to approved and rejected, approved to signed."""
    r = machine.roles
    for frm, to in (
        (r["approval"], r["approved"]),
        (r["approval"], r["rejected"]),
        (r["approved"], r["signed"]),
    ):
        if (frm, to) not in machine.transitions:
            problems.append(
                FieldProblem(
                    "transitions",
                    [frm, to],
                    "a transition from {start} to {end}",
                    args={"start": frm, "end": to},
                )
            )
    if machine.is_locked(r["initial"]) or machine.is_locked(r["approval"]):
        problems.append(
            FieldProblem(
                "transitions",
                r["signed"],
                "no way back from the signed stage to drafting or approval",
            )
        )
