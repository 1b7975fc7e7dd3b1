"""The app Solara serves (``solara run churnsim.workbench.pages``): its pages, as routes with a tab each.

- **Compare** (``/``): strategies against baseline on common random numbers, replicates run in the background.
- **Inside a run** (``/inside``): one run, month by month, in Mesa's SolaraViz.
- **Open a sweep** (``/sweep``): a sweep directory's report, browsed (files read only).
"""

from __future__ import annotations

import solara
import solara.lab

from churnsim.workbench.compare_page import ComparePage
from churnsim.workbench.inside_page import InsidePage
from churnsim.workbench.sweep_page import SweepPage

__all__ = ["Layout", "routes"]


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 (Solara's layout signature)
    """Solara's app layout, with a tab per page (named by its label) in the title bar."""
    _, pages = solara.use_route()
    with solara.AppLayout(title="churnsim workbench"):
        with solara.AppBar():
            with solara.lab.Tabs(align="center"):
                for page in pages:
                    solara.lab.Tab(page.label, path_or_route=page)
        solara.Column(children=children, style={"height": "100%"})


routes = [
    solara.Route(path="/", component=ComparePage, label="Compare", layout=Layout),
    solara.Route(path="inside", component=InsidePage, label="Inside a run"),
    solara.Route(path="sweep", component=SweepPage, label="Open a sweep"),
]
