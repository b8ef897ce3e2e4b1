"""The forecast plugin's tables: forecast runs with their series and values, and target
allocations (指标分摊) with their lines. Allocations are user-edited, so they carry the
optimistic-locking ``version`` column; runs are written once and never edited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.models import MONEY, utcnow, versioned

PCT = sa.Numeric(9, 4)  # adjustment percentages, e.g. 5.0000 for +5 %
SHARE = sa.Numeric(12, 10)  # a share of the basis, exact enough to split cents


class ForecastRun(SQLModel, table=True):
    """One ``salesdesk forecast`` run: the cut, frequency, horizon and how it was made."""

    __tablename__: ClassVar[str] = "forecast_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    cut: str = Field(max_length=100)  # "company" or e.g. "product,region"
    freq: str = Field(max_length=8)  # month, week
    horizon: int
    method: str = Field(max_length=40)
    reconcile: str = Field(max_length=16)  # bottom_up, top_down
    level: float = 0.8  # of the prediction intervals
    series_count: int = 0
    history_start: dt.date | None = None
    history_end: dt.date | None = None
    seconds: float = 0.0


class ForecastSeries(SQLModel, table=True):
    """One series of a run: which method forecast it, how well it backtested, and why."""

    __tablename__: ClassVar[str] = "forecast_series"
    __table_args__ = (sa.UniqueConstraint("run_id", "series_key"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="forecast_run.id", index=True)
    series_key: str = Field(max_length=200)  # "" for the company; codes joined by " / "
    label: str = Field(default="", max_length=400)
    method: str = Field(max_length=40)
    smape: float | None = None
    mase: float | None = None
    naive_smape: float | None = None
    naive_mase: float | None = None
    short: bool = False
    explanation: str = Field(default="", max_length=2000)


class ForecastValue(SQLModel, table=True):
    """A period of one series: its history or its forecast with the interval."""

    __tablename__: ClassVar[str] = "forecast_value"
    __table_args__ = (sa.Index("ix_forecast_value_series", "series_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="forecast_series.id")
    period: dt.date
    kind: str = Field(max_length=8)  # history, forecast
    amount: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    lower: Decimal | None = Field(default=None, sa_type=MONEY, nullable=True)
    upper: Decimal | None = Field(default=None, sa_type=MONEY, nullable=True)
    # The 95 % interval (the fan chart's outer band); ``lower``/``upper`` are the run's level.
    lower95: Decimal | None = Field(default=None, sa_type=MONEY, nullable=True)
    upper95: Decimal | None = Field(default=None, sa_type=MONEY, nullable=True)


class ForecastOverride(SQLModel, table=True):
    """A person's judgement on one forecast period of one series: the statistical figure
    it replaces, the final one, why, who and when. Changing it later is audited."""

    __noun__: ClassVar[tuple[str, str]] = ("forecast adjustment", "预测调整")

    __tablename__: ClassVar[str] = "forecast_override"
    __table_args__ = (sa.UniqueConstraint("series_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="forecast_series.id", index=True)
    period: dt.date
    statistical: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    final: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    reason: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Allocation(SQLModel, table=True):
    """One version of a target allocation for a period and a dimension.

    Status: ``draft`` (editable), ``approved`` (the official one), ``superseded`` (an
    earlier approved version, kept as history). Revisions during the period are new
    versions (``revision`` counts them per period and dimension).
    """

    __noun__: ClassVar[tuple[str, str]] = ("allocation", "目标分解")

    __tablename__: ClassVar[str] = "forecast_allocation"
    __table_args__ = (sa.UniqueConstraint("period_start", "period_kind", "dimension", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    period_kind: str = Field(max_length=8)  # year, quarter, month
    period_start: dt.date = Field(index=True)
    period_end: dt.date
    dimension: str = Field(max_length=16)  # product, region, channel, rep
    basis: str = Field(max_length=16)  # mtd, qtd, ytd, forecast
    basis_as_of: dt.date
    total: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    revision: int = 1
    status: str = Field(default="draft", max_length=12, index=True)
    note: str = Field(default="", max_length=500)
    requested_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    approved_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    approved_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class AllocationLine(SQLModel, table=True):
    """One key's part of an allocation: its basis, share, adjustment and amount."""

    __tablename__: ClassVar[str] = "forecast_allocation_line"
    __table_args__ = (sa.UniqueConstraint("allocation_id", "key_id"),)

    id: int | None = Field(default=None, primary_key=True)
    allocation_id: int = Field(foreign_key="forecast_allocation.id", index=True)
    key_id: int  # id of the product, region, channel or user
    code: str = Field(max_length=64)  # product/region/channel code or user login
    label: str = Field(default="", max_length=200)
    basis_amount: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    share: Decimal = Field(default=Decimal("0"), sa_type=SHARE)
    adjustment_pct: Decimal = Field(default=Decimal("0"), sa_type=PCT)
    amount: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    version: int = Field(default=1)


versioned(Allocation)
versioned(AllocationLine)
versioned(ForecastOverride)
