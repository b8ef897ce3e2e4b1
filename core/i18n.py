"""One translation function for every piece of UI text: English and Simplified Chinese.

The English text is the key; ``core/locale/zh_CN.json`` maps it to Chinese. A missing
entry falls back to English, so an untranslated string is visible but never breaks.
The language comes from ``SALESDESK_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG`` starting with ``zh``), else English. Tests call ``set_lang``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

LANGS = ("en", "zh_CN")
_LOCALE_DIR = Path(__file__).parent / "locale"
_current: str | None = None


def detect_lang(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    explicit = env.get("SALESDESK_LANG", "").strip()
    if explicit:
        return "zh_CN" if explicit.lower().startswith("zh") else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "en"


def current_lang() -> str:
    global _current
    if _current is None:
        _current = detect_lang()
    return _current


def set_lang(lang: str | None) -> None:
    """Force a language (``None`` goes back to the environment's)."""
    global _current
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    _current = lang


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    path = _LOCALE_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _(text: str) -> str:
    """``text`` (English) in the current language."""
    if current_lang() == "en":
        return text
    return catalog(current_lang()).get(text) or text


def pick(en: str, zh: str) -> str:
    """Choose between a record's English and Chinese titles (Chinese falls back)."""
    return (zh or en) if current_lang() == "zh_CN" else en
