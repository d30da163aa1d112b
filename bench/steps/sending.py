"""Sending with real PDFs in one process (bench/shell/sending.py): invoices made
with sending held, then sent by the sending scheduled action through the
cron runner, as the add-on ships (no PDF script wait) and with Odoo's own 1 s
``report.print_delay``; the Odoo HTTP server started by the bench serves the
PDFs' assets. Its per-invoice cost is the ceiling the workers are held to."""

import os

from ..database import BenchError
from ..figures import MORNING, clock, per_invoice, rate, send_ceiling
from ..results import HIGHER, LOWER

#: label: recurring_invoice.print_delay ("" = unset, as shipped)
DELAYS = {"shipped": "", "odoo": "1000"}


class Sending:
    def __init__(self, bench):
        self.bench = bench
        #: {label: RESULT}
        self.results = {}

    def measure(self, n, url, labels=tuple(DELAYS)):
        odoo = self.bench.odoo
        for label in labels:
            prepared = odoo.shell(
                "sending.prepare",
                f"send-prepare-{label}",
                BENCH_N=n,
                BENCH_TAG=f"send-{label}",
                BENCH_REPORT_URL=url,
            )
            if prepared["to_send"] != n:
                raise BenchError(f"sending: {prepared['to_send']} waiting, not {n}")
            result = odoo.shell(
                "sending.send",
                f"send-{label}",
                BENCH_PRINT_DELAY=DELAYS[label],
                BENCH_REPORT_URL=url,
            )
            result["warmup_pdf_seconds"] = prepared["warmup_pdf_seconds"]
            self.results[label] = result
            self.bench.log(
                f"sending N={n}, recurring_invoice.print_delay "
                f"{result['print_delay'] or 'unset (0 ms)'}: "
                f"{sent_rate(result):.2f} invoices/s, "
                f"{result['sent']} sent, {result['failed']} not, "
                f"{result['real_pdfs']} real PDFs (smallest {result['pdf_bytes_min']} "
                f"bytes), {result['new_mails']} mails queued {result['mail_states']}"
                + (
                    f"; {result['cpus_busy']:.2f} CPUs busy"
                    if result.get("cpus_busy") is not None
                    else ""
                )
                + f"; not sent (logged) {result['log']['not_sent']}"
            )
            if result["sent"] != n or result["real_pdfs"] != n:
                raise BenchError(f"sending: {result}")

    def ceiling(self):
        """What one invoice's cost alone allows on this machine's cores (at
        most 2), from the shipped measure (figures.send_ceiling)."""
        shipped = self.results.get("shipped")
        if not shipped:
            return None
        return send_ceiling(
            shipped["sent"],
            shipped["seconds"],
            shipped.get("cpus_busy"),
            min(2, os.cpu_count() or 1),
        )

    # -- the report
    def lines(self):
        return [
            f"sending, PDF script wait "
            f"{result['print_delay'] or 'unset = 0 ms as shipped'}: "
            f"{result['sent']} invoices in {result['seconds']:.1f} s = "
            f"{sent_rate(result):.2f} invoices/s ({per_invoice(result):.0f} "
            f"queries/invoice, real PDFs {result['real_pdfs']}/{result['sent']})"
            for result in self.results.values()
        ]

    def check(self, results):
        for label, result in self.results.items():
            if label == "shipped":
                results.check("send_rate", sent_rate(result))
            else:
                results.say(
                    f"      (with Odoo's 1000 ms PDF script wait: "
                    f"{sent_rate(result):.2f}/s)"
                )
        results.say(self.morning_sentence())

    def morning_sentence(self):
        """10,000 invoices on one worker, projected from the rates measured."""
        ours = self.bench.ours.results
        if not self.results or not ours:
            return "      (sending not measured)"
        make_seconds = 10000 / rate(ours[max(ours)])
        parts = []
        for label, result in self.results.items():
            send_seconds = 10000 / sent_rate(result)
            parts.append(
                f"{'as shipped' if label == 'shipped' else 'with a 1000 ms wait'}: "
                f"sending takes {send_seconds / 3600:.1f} h, the last is sent at "
                f"{clock(MORNING + make_seconds + send_seconds)}"
            )
        return (
            f"      10,000 invoices on one worker, projected from these rates: "
            f"made+posted in {make_seconds / 60:.0f} min from 06:15, then sent one "
            f"by one ({'; '.join(parts)}); with 2 workers, measured: below."
        )

    def figures(self, results):
        for label, result in self.results.items():
            wait = "as shipped" if label == "shipped" else "1000 ms PDF script wait"
            results.figure(
                f"sending.{label}.rate",
                sent_rate(result),
                "invoices/s",
                f"sending N={result['invoices']}, {wait}: sent per second",
                HIGHER,
            )
            results.figure(
                f"sending.{label}.queries",
                per_invoice(result),
                "queries/invoice",
                f"sending N={result['invoices']}, {wait}: queries per invoice",
                LOWER,
            )
            results.figure(
                f"sending.{label}.cpus_busy",
                result.get("cpus_busy"),
                "CPUs",
                f"sending N={result['invoices']}, {wait}: CPUs busy",
            )
        ceiling = self.ceiling()
        if ceiling:
            results.figure(
                "sending.cost",
                ceiling["cost"],
                "CPU-s",
                "one invoice alone: PDF+mail in CPU-seconds",
                LOWER,
            )


def sent_rate(result):
    return result["sent"] / result["seconds"] if result["seconds"] else 0.0
