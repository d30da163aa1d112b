# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the job scripts fed to ``odoo shell`` (shell_job.py, shell_queue.py)
share, imported from this package on the PYTHONPATH that harness/driver.py
gives them. Runs inside Odoo."""

import io
import os
from datetime import datetime

import pytz


def utc_now_arg(env):
    """RI_NOW_LOCAL (the company's wall-clock time) as a naive UTC datetime."""
    tz = pytz.timezone(env.company.recurring_invoice_tz)
    local = datetime.strptime(os.environ["RI_NOW_LOCAL"], "%Y-%m-%dT%H:%M")
    return tz.localize(local).astimezone(pytz.utc).replace(tzinfo=None)


def stub_wkhtmltopdf(env):
    """Replace the HTML-to-PDF binary with a one-page PDF (see RI_REAL_PDF)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "recurring_invoice faults: stub PDF")
    page.save()
    pdf = buffer.getvalue()
    Report = type(env["ir.actions.report"])
    Report._run_wkhtmltopdf = lambda self, bodies, *args, **kwargs: pdf
