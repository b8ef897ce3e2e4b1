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
