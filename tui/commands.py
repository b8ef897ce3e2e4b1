"""The command palette (Ctrl+P): any screen, customer, opportunity or report by name."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from core.i18n import _, bracketed, labelled, pick


class SalesdeskCommands(Provider):
    """Screens and reports are matched in memory; customers and deals by a small,
    paged database query (at most 20 each), so it stays fast on 100,000 customers."""

    @property
    def _app(self) -> Any:
        return self.app

    def _screens(self) -> list[tuple[str, Any, str]]:
        app = self._app
        return [
            (
                labelled(_("Go to"), title),
                partial(app.action_section, sid),
                f"{_('key')} {key}" if key else "",
            )
            for sid, key, title in app.sections()
        ]

    def _reports(self) -> list[tuple[str, Any, str]]:
        if not getattr(self._app, "ready", True):
            return []  # the database is still opening: screens only
        try:
            from tui.screens.reports import available_reports
        except ImportError:
            return []
        found = []
        for report in available_reports(self._app.ctx):
            title = pick(report.title_en, report.title_zh)
            found.append(
                (labelled(_("Report"), title), partial(self._app.open_report, report.id), report.id)
            )
        return found

    async def discover(self) -> Hits:
        for text, command, help_text in self._screens():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._screens() + self._reports():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
        if len(query.strip()) < 2 or not getattr(self._app, "ready", True):
            return
        for hit in await self._records(query.strip()):
            yield hit

    async def _records(self, text: str) -> list[Hit]:
        from core.services import lists

        app = self._app
        customers = await self._in_thread(lists.customer_choices, app.ctx, text, 20)
        deals = await self._in_thread(
            lists.opportunity_rows, app.ctx, text=text, status=None, limit=20
        )
        hits = [
            Hit(
                0.5,
                labelled(_("Customer"), bracketed(name, code)),
                partial(app.open_customer, cid),
                help=code,
            )
            for cid, code, name in customers
        ]
        hits += [
            Hit(
                0.4,
                labelled(_("Opportunity"), f"{o.title} · {o.customer}"),
                partial(app.open_opportunity, o.id),
            )
            for o in deals
        ]
        return hits

    async def _in_thread(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        import asyncio

        return await asyncio.to_thread(fn, *args, **kwargs)
