"""The only way to change data. Each function takes a Context first and runs
validate -> check permission -> write -> audit -> commit -> fire events."""

from core.services import activities, company, customers, masterdata, opportunities, users

__all__ = ["activities", "company", "customers", "masterdata", "opportunities", "users"]
