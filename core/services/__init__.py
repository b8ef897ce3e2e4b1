"""The only way to change data. Each function takes a Context first and runs
validate -> check permission -> write -> audit -> commit -> fire events.

The modules load when first imported (``from core.services import customers`` imports
``core.services.customers`` alone): importing them all with the package put about
0.1 s of CPU (the pydantic schemas, every service) in front of Home's figures, which
need only ``core.services.dashboard``."""

__all__ = ["activities", "company", "customers", "masterdata", "opportunities", "users"]
