"""The report "Upcoming recurring invoices" (bench/shell/forecast.py): filled
for the administrator, 12 months ahead, its caches cold, for 1,000 then 2,000
templates of every kind (each size adds to the one before); then those
templates are ended, so that the scheduler's measures see only their own."""

from ..database import BenchError
from ..results import LOWER

#: Templates of the forecast's measurements (each adds to the one before).
SIZES = (1000, 2000)


class Forecast:
    def __init__(self, bench):
        self.bench = bench
        #: {templates: RESULT}
        self.results = {}

    def measure(self):
        odoo = self.bench.odoo
        for n in SIZES:
            result = odoo.shell("forecast.run", f"forecast-{n}", BENCH_N=n)
            if result["forecast_templates"] != result["templates"]:
                raise BenchError(f"forecast: {result}")
            self.results[n] = result
            self.bench.log(
                f"forecast of {result['templates']} templates x {result['months']} "
                f"months: {result['forecast_rows']} upcoming invoices "
                f"({result['adjusted_rows']} at adjusted prices) in "
                f"{result['seconds']:.2f} s, {result['queries']} queries "
                f"(set up in {result['setup_seconds']:.1f} s)"
            )
        odoo.shell("forecast.done", "forecast-done")

    def check(self, results):
        if not self.results:
            return
        small, big = min(self.results), max(self.results)
        results.check("forecast_seconds", self.results[small]["seconds"], n=small)
        q_small, q_big = self.results[small]["queries"], self.results[big]["queries"]
        results.check(
            "forecast_extra_queries",
            q_big - q_small,
            f" ({q_small} and {q_big})",
            small=small,
            big=big,
        )

    def summary(self, results):
        for _n, forecast in sorted(self.results.items()):
            results.say(
                f"forecast: {forecast['templates']} templates x "
                f"{forecast['months']} months in {forecast['seconds']:.2f} s, "
                f"{forecast['queries']} queries"
            )

    def figures(self, results):
        for n, forecast in sorted(self.results.items()):
            results.figure(
                f"forecast.{n}.seconds",
                forecast["seconds"],
                "s",
                f"forecast of {n} templates x 12 months: seconds",
                LOWER,
            )
            results.figure(
                f"forecast.{n}.queries",
                forecast["queries"],
                "queries",
                f"forecast of {n} templates x 12 months: queries",
                LOWER,
            )
