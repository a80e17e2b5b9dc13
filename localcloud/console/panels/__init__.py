"""The console's panels. A panel is a module here with a `PANEL` (its name, title and API
routes) and a script `web/console/panels/<name>.js` that draws it; adding one is adding both
and naming the module in `PANELS` below. Its routes are served under `/api/<name>/<route>`;
every POST passes the console's checks (Host, Origin, token) before a handler runs."""

from localcloud.console.panels import architecture, events, explorers, orders, queues, schedules
from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply

PANELS: list[Panel] = [
    architecture.PANEL,
    events.PANEL,
    orders.PANEL,
    queues.PANEL,
    schedules.PANEL,
    explorers.PANEL,
]

__all__ = ["PANELS", "Context", "Panel", "Reply", "Request", "json_reply"]
