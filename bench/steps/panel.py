"""The template's side panel (bench/shell/panel.py): the queries of
``_recurring_panel_html()`` for a template with 5 made invoices and for one
with 500; they must not grow with the invoices."""

from ..results import LOWER


class Panel:
    def __init__(self, bench):
        self.bench = bench
        #: {"5": {"queries", "html_chars"}, "500": {...}}
        self.results = None

    def measure(self):
        self.results = self.bench.odoo.shell("panel.run", "panel")
        self.bench.log(
            "side panel: "
            + ", ".join(
                f"{made} invoices {values['queries']} queries"
                for made, values in self.results.items()
            )
        )

    def line(self):
        if not self.results:
            return None
        return "side panel _recurring_panel_html(): " + ", ".join(
            f"{made} invoices made: {values['queries']} queries"
            for made, values in self.results.items()
        )

    def check(self, results):
        if not self.results:
            return
        few, many = (self.results[key]["queries"] for key in ("5", "500"))
        results.check("panel_extra_queries", many - few, f" ({few} and {many})")

    def figures(self, results):
        for made, values in (self.results or {}).items():
            results.figure(
                f"panel.{made}.queries",
                values["queries"],
                "queries",
                f"side panel of a template with {made} invoices: queries",
                LOWER,
            )
