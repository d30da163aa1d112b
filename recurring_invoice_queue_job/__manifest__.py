# Copyright 2026 The recurring_invoice authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Recurring Invoices on the Job Queue",
    "summary": "Where queue_job is installed, the 06:15 recurring invoice job "
    "makes, posts and sends its batches as queue jobs on a channel of its own",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/recurring-invoice/recurring_invoice",
    "author": "recurring_invoice authors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["recurring_invoice", "queue_job"],
    "data": ["data/queue_job_data.xml"],
    "installable": True,
    "auto_install": True,
    "application": False,
}
