"""The words customers are described with: the industries and lead sources the demo,
the importers and most companies use, stored as short English codes and shown by
their titles. A value outside these lists is the user's own word, shown as typed."""

from __future__ import annotations

from core.i18n import _

INDUSTRIES = {
    "machinery": "Machinery",
    "electronics": "Electronics",
    "automotive": "Automotive parts",
    "construction": "Building materials",
    "chemicals": "Chemicals",
    "logistics": "Logistics",
    "trading": "Trading",
    "technology": "Technology",
    "manufacturing": "Manufacturing",
    "energy": "Energy",
    "shipbuilding": "Shipbuilding",
    "engineering": "Engineering",
}
SOURCES = {
    "exhibition": "Trade fair",
    "phone": "Phone enquiry",
    "referral": "Referral",
    "list": "Purchased list",
    "website": "Website",
}


def industry_title(value: str | None) -> str:
    """An industry in the reader's language (a word of the user's own as typed)."""
    text = value or ""
    return _(INDUSTRIES[text]) if text in INDUSTRIES else text


def source_title(value: str | None) -> str:
    """Where a customer came from, in the reader's language."""
    text = value or ""
    return _(SOURCES[text]) if text in SOURCES else text


def industry_code(text: str | None) -> str:
    """What the user typed in an industry field, back to its code when it is a title in
    either language ("机械" or "Machinery" is "machinery"); their own word otherwise."""
    return _code(INDUSTRIES, text)


def source_code(text: str | None) -> str:
    return _code(SOURCES, text)


def _code(words: dict[str, str], text: str | None) -> str:
    typed = (text or "").strip()
    for code, title in words.items():
        if typed.lower() in (code, title.lower(), _(title).lower()):
            return code
    return typed
