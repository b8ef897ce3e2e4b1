"""One translation function for every piece of UI text: English and Simplified Chinese.

The English text is the key; ``core/locale/zh_CN.json`` maps it to Chinese. A missing
entry falls back to English, so an untranslated string is visible but never breaks.
The language comes from ``SALESDESK_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG`` starting with ``zh``), else English. Tests call ``set_lang``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

LANGS = ("en", "zh_CN")
_LOCALE_DIR = Path(__file__).parent / "locale"
_current: str | None = None
# Catalogs contributed by plugins (``salesdesk_translations``), merged per language. The
# core catalog wins a clash, so a plugin cannot change the core's wording.
_plugin_entries: dict[str, dict[str, str]] = {}


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


def swap_lang(lang: str | None) -> str | None:
    """Force a language and return the setting it replaces, to put back with ``set_lang``
    (a command run inside a longer-lived process must not change its language)."""
    before = _current
    set_lang(lang)
    return before


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    path = _LOCALE_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def add_translations(lang: str, entries: dict[str, str]) -> None:
    """Add a plugin's translations for ``lang`` (English text -> translation)."""
    if lang not in LANGS or lang == "en":
        return
    merged = _plugin_entries.setdefault(lang, {})
    merged.update({str(k): str(v) for k, v in entries.items() if v})


def plugin_catalog(plugin_file: str, lang: str) -> dict[str, str]:
    """A plugin's catalog: ``locale/<lang>.json`` beside the plugin's ``__init__``.

    Implement ``salesdesk_translations`` as ``return plugin_catalog(__file__, lang)``.
    """
    path = Path(plugin_file).parent / "locale" / f"{lang}.json"
    if lang == "en" or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _(text: str) -> str:
    """``text`` (English) in the current language."""
    lang = current_lang()
    if lang == "en":
        return text
    return catalog(lang).get(text) or _plugin_entries.get(lang, {}).get(text) or text


@cache
def translator(module_file: str) -> Callable[[str], str]:
    """``_`` for a plugin's module: the plugin's own catalog first, then the shared one.

    The plugin's catalog is ``locale/`` in the nearest package folder up from
    ``module_file`` that has one. Plugins and the core may translate the same English
    word differently (marketing's "Medium" is 媒体, the core's size "Medium" is 中); a
    plugin's own screens must get its own. Use ``_ = translator(__file__)``.
    """
    locale_dir = _nearest_locale(Path(module_file).resolve().parent)

    def translate(text: str) -> str:
        lang = current_lang()
        if lang == "en":
            return text
        own = _own_catalog(str(locale_dir), lang) if locale_dir else {}
        return own.get(text) or _(text)

    return translate


def _nearest_locale(folder: Path) -> Path | None:
    while (folder / "__init__.py").exists():
        if (folder / "locale").is_dir():
            return folder / "locale"
        folder = folder.parent
    return None


@cache
def _own_catalog(locale_dir: str, lang: str) -> dict[str, str]:
    path = Path(locale_dir) / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def pick(en: str, zh: str) -> str:
    """Choose between a record's English and Chinese titles (Chinese falls back)."""
    return (zh or en) if current_lang() == "zh_CN" else en


def labelled(label: str, value: object, lang: str | None = None) -> str:
    """``label`` and its ``value`` as a line reads them: "Stage: Proposal" in English,
    "阶段：方案" in Chinese (full-width colon, no space). ``lang``: a file's language when
    it is not the screen's (an export). ``label`` is already translated; neither part is
    escaped (markup stays the caller's business)."""
    chinese = (lang or current_lang()).startswith("zh")
    return f"{label}：{value}" if chinese else f"{label}: {value}"


def bracketed(text: str, inner: object) -> str:
    """``text`` with ``inner`` in brackets after it: "Proposal (60%)" in English,
    "方案（60%）" in Chinese, whose brackets are full-width with no space before them."""
    return f"{text}（{inner}）" if current_lang() == "zh_CN" else f"{text} ({inner})"


def listed(items: Iterable[object]) -> str:
    """Words in a row as the reader lists them: "Draft, Signed" in English, "草稿、签订"
    in Chinese (the enumeration comma, not ", ")."""
    return ("、" if current_lang() == "zh_CN" else ", ").join(str(item) for item in items)


def plural(n: int, one: str, many: str, tr: Callable[[str], str] | None = None) -> str:
    """The text for ``n`` things in the reader's language, still to be ``format``ted:
    English says "1 contract" and "2 contracts"; Chinese has one form, the catalogue's
    entry for ``many``. ``tr`` is a plugin's own ``_`` (translator(__file__))."""
    if current_lang() == "en":
        return one if n == 1 else many
    return (tr or _)(many)
