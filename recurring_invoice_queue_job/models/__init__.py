from . import recurring_invoice_job
