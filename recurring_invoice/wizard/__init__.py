from . import recurring_invoice_wizard
