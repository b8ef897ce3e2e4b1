"""Saved customer segments: create and edit them; reading members is ``plugins.marketing.rfm``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.services.base import UnitOfWork, validate, write
from plugins.marketing.models import Segment
from plugins.marketing.schemas import SegmentInput
from plugins.marketing.services import lookup


def _fields(uow: UnitOfWork, values: SegmentInput) -> dict[str, Any]:
    problems = lookup.Problems("segment")
    region_id = lookup.region_id(uow.session, values.region, problems)
    problems.raise_any()
    return {**values.model_dump(exclude={"region"}), "region_id": region_id}


def create_segment(ctx: Context, data: SegmentInput | dict[str, Any]) -> Segment:
    values = validate(SegmentInput, data, "segment")

    def work(uow: UnitOfWork) -> Segment:
        uow.require("marketing.segment")
        if uow.session.scalar(sa.select(Segment.id).where(Segment.code == values.code)):
            raise ValidationFailed(
                [FieldProblem("code", values.code, "a code no other segment has")], "segment"
            )
        row = Segment(**_fields(uow, values), owner_id=ctx.actor.id, created_at=ctx.now())
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def update_segment(
    ctx: Context, segment_id: int, data: SegmentInput | dict[str, Any], expected_version: int | None
) -> Segment:
    """Replace the segment's definition (the code stays)."""

    def work(uow: UnitOfWork) -> Segment:
        uow.require("marketing.segment")
        row = uow.get(Segment, segment_id)
        uow.check_version(row, expected_version)
        merged = {**data, "code": row.code} if isinstance(data, dict) else data
        values = validate(SegmentInput, merged, "segment")
        fields = _fields(uow, values)
        fields.pop("code")
        uow.apply_changes(row, fields)
        return row

    return write(ctx, work)


def export_call_list(
    ctx: Context, exporter_id: str, path: Any, *, segment: str = "", campaign: str = ""
) -> Any:
    """Write the call list of a segment (or of a campaign's audience) with any registered
    exporter (``csv``, ``xlsx``, ...); returns the file written."""
    from core.exports import export_report
    from core.reports import run_report

    params = {"segment": segment or None, "campaign": campaign or None}
    result = run_report(ctx, "marketing_call_list", params)
    return export_report(ctx, result, exporter_id, path)
