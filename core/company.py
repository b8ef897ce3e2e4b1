"""Company-wide settings stored in the database, shared by every user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.models import CompanySetting
from core.plugins import BUILTIN_PROFILES

PROFILE_KEY = "plugins.profile"
OVERRIDES_KEY = "plugins.overrides"  # plugin name -> True/False
CUSTOM_PROFILES_KEY = "plugins.custom_profiles"  # profile name -> [plugin names]
DEMO_KEY = "company.demo"
COMPANY_NAME_KEY = "company.name"
TIMEZONE_KEY = "company.timezone"  # IANA name; empty: the server machine's own zone


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(CompanySetting, key)
    return default if row is None else row.value


def all_settings(session: Session) -> dict[str, Any]:
    return {row.key: row.value for row in session.scalars(sa.select(CompanySetting))}


def profiles(settings: dict[str, Any]) -> dict[str, list[str]]:
    """Built-in company profiles plus the company's own (a profile is a named list)."""
    merged = dict(BUILTIN_PROFILES)
    merged.update(settings.get(CUSTOM_PROFILES_KEY) or {})
    return merged


def plugin_switch(settings: dict[str, Any]) -> Callable[[str], bool]:
    """Return ``enabled(name) -> bool`` from the stored profile and per-plugin overrides.

    An explicit override wins; otherwise a profile (when one is chosen) lists what is on;
    with neither, every installed plugin is on.
    """
    overrides: dict[str, bool] = dict(settings.get(OVERRIDES_KEY) or {})
    profile = settings.get(PROFILE_KEY)
    members = set(profiles(settings).get(profile, [])) if profile else None

    def enabled(name: str) -> bool:
        if name in overrides:
            return bool(overrides[name])
        return True if members is None else name in members

    return enabled
