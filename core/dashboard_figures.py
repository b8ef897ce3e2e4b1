"""Home's figures as data: the ``Dashboard`` that ``core.services.dashboard.compute``
fills, and its plain form for a pipe.

Kept apart from the services (no SQLAlchemy, no models) so the TUI can take figures read
by another process (``tui.figures_ahead``) before it has loaded the database layer
itself. Money travels as the Decimal's own string, so the figures arrive exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from core.i18n import pick

FIGURES = (
    "target",
    "actual",
    "mtd",
    "qtd",
    "ytd",
    "pipeline",
    "weighted",
    "due_today",
    "overdue",
    "stalled",
)
_MONEY = ("mtd", "qtd", "ytd", "pipeline", "weighted")
_COUNTS = ("open_deals", "due_today", "overdue", "stalled")


@dataclass
class Dashboard:
    month: dt.date
    target: Decimal | None = None
    mtd: Decimal = Decimal(0)
    qtd: Decimal = Decimal(0)
    ytd: Decimal = Decimal(0)
    pipeline: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    open_deals: int = 0
    due_today: int = 0
    overdue: int = 0
    stalled: int = 0
    # open deals by funnel and stage: (funnel, stage, deals, amount), in stage order
    stages: list[tuple[str, str, int, Decimal]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completion(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.mtd / self.target * 100).quantize(Decimal("0.1"))


class _Funnels(Protocol):
    def stage_title(self, funnel_id: str, stage_id: str) -> str: ...

    def get(self, funnel_id: str) -> Any: ...


def stage_titles(funnels: _Funnels, board: Dashboard) -> list[str]:
    """Each row of ``board.stages`` as the reader names it: the stage's title, after its
    funnel's when the open deals are in more than one funnel."""
    several = len({funnel for funnel, *_rest in board.stages}) > 1
    titles = []
    for funnel_id, stage_id, _deals, _amount in board.stages:
        title = funnels.stage_title(funnel_id, stage_id)
        if several:
            funnel = funnels.get(funnel_id)
            name = pick(funnel.title_en, funnel.title_zh) if funnel else funnel_id
            title = f"{name} · {title}"
        titles.append(title)
    return titles


def to_wire(board: Dashboard, titles: list[str]) -> dict[str, Any]:
    """``board`` and its stage titles as JSON-ready values (money as exact strings)."""
    return {
        "month": board.month.isoformat(),
        "target": None if board.target is None else str(board.target),
        **{name: str(getattr(board, name)) for name in _MONEY},
        **{name: int(getattr(board, name)) for name in _COUNTS},
        "stages": [[f, s, int(n), str(amount)] for f, s, n, amount in board.stages],
        "extra": board.extra,
        "titles": titles,
    }


def from_wire(data: dict[str, Any]) -> tuple[Dashboard, list[str]]:
    """The ``Dashboard`` and stage titles ``to_wire`` gave."""
    board = Dashboard(
        month=dt.date.fromisoformat(data["month"]),
        target=None if data["target"] is None else Decimal(data["target"]),
        stages=[(str(f), str(s), int(n), Decimal(a)) for f, s, n, a in data["stages"]],
        extra=dict(data["extra"]),
    )
    for name in _MONEY:
        setattr(board, name, Decimal(data[name]))
    for name in _COUNTS:
        setattr(board, name, int(data[name]))
    titles = [str(title) for title in data["titles"]]
    if len(titles) != len(board.stages):
        raise ValueError("a title for each stage row")
    return board, titles
