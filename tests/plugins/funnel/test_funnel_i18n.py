"""Labels the funnel screens pick at run time are in the plugin's Chinese catalog (static
strings are checked for every plugin by tests/test_i18n.py)."""

from __future__ import annotations

from core.i18n import plugin_catalog


def test_run_time_labels_have_chinese() -> None:
    import plugins.funnel as plugin
    from plugins.funnel.views import ACTIONS, EVENTS, HANDOVER_COLUMNS, KIND_LABELS, SUBJECTS

    catalog = plugin_catalog(plugin.__file__, "zh_CN")
    wanted = {
        *ACTIONS.values(),
        *EVENTS.values(),
        *KIND_LABELS.values(),
        *SUBJECTS.values(),
        *HANDOVER_COLUMNS,
    }
    assert not sorted(wanted - set(catalog))
    assert all(catalog[k] and catalog[k] != k for k in wanted)
