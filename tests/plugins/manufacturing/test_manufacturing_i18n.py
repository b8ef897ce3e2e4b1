"""Labels the screens choose at run time carry their Chinese (kinds, statuses), and form
field titles are in the plugin's catalog; static strings are checked by tests/test_i18n."""

from __future__ import annotations

from core.i18n import plugin_catalog


def test_dynamic_strings_have_chinese() -> None:
    import plugins.manufacturing as plugin
    from plugins.manufacturing.forms import ProjectForm, TenderForm
    from plugins.manufacturing.views import KIND_TITLES, OPEN_TITLE, STATUS

    catalog = plugin_catalog(plugin.__file__, "zh_CN")
    for en, zh in (*KIND_TITLES.values(), *STATUS.values(), *OPEN_TITLE.values()):
        assert en and zh and en != zh
    wanted: set[str] = set()
    for form in (TenderForm, ProjectForm):
        wanted |= {f.description for f in form.model_fields.values() if f.description}
    assert not sorted(wanted - set(catalog))


def test_salesdesk_document_series_names_each_document_kind_in_both_languages() -> None:
    """Admin shows "Numbering of delivery notes" (送货单编号规则), never mfg_delivery."""
    from plugins.manufacturing import salesdesk_document_series
    from plugins.manufacturing.services.common import SERIES

    declared = {d.id: (d.title_en, d.title_zh) for d in salesdesk_document_series()}
    assert set(declared) == {series for series, _prefix in SERIES.values()}
    assert declared["mfg_delivery"] == ("delivery notes", "送货单")
    assert all(en and zh and "mfg" not in en + zh for en, zh in declared.values())
