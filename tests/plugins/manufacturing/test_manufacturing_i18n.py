"""Strings the screens translate at run time (kind titles, statuses, form field titles)
are in the plugin's Chinese catalog too; the static ones are checked by tests/test_i18n."""

from __future__ import annotations

from core.i18n import plugin_catalog


def test_dynamic_strings_have_chinese() -> None:
    import plugins.manufacturing as plugin
    from plugins.manufacturing.forms import ProjectForm, TenderForm
    from plugins.manufacturing.views import KIND_TITLES, OPEN_TITLE, STATUS

    catalog = plugin_catalog(plugin.__file__, "zh_CN")
    wanted = {*KIND_TITLES.values(), *STATUS.values(), *OPEN_TITLE.values()}
    for form in (TenderForm, ProjectForm):
        wanted |= {f.description for f in form.model_fields.values() if f.description}
    assert not sorted(wanted - set(catalog))
