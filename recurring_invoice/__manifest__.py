# Copyright 2026 The recurring_invoice authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Recurring Invoices",
    "summary": "Write an invoice once; Odoo creates, posts and sends it every "
    "week, month, quarter or year at 06:15 local time",
    "version": "18.0.1.4.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/recurring-invoice/recurring_invoice",
    "author": "recurring_invoice authors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["account", "account_edi_ubl_cii", "mail"],
    "data": [
        "security/ir.model.access.csv",
        "security/recurring_invoice_security.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "wizard/recurring_invoice_wizard_views.xml",
        "wizard/recurring_price_adjustment_wizard_views.xml",
        "views/account_move_templates.xml",
        "views/account_move_views.xml",
        "views/recurring_invoice_recipient_views.xml",
        "report/report_invoice.xml",
        "views/recurring_price_adjustment_views.xml",
        "views/recurring_invoice_forecast_views.xml",
        "views/res_config_settings_views.xml",
        "views/recurring_invoice_health_templates.xml",
        "views/recurring_invoice_run_views.xml",
    ],
    "demo": ["demo/recurring_invoice_demo.xml"],
    "assets": {
        "web.assets_backend": [
            "recurring_invoice/static/src/**/*",
        ],
        "web.assets_tests": [
            "recurring_invoice/static/tests/tours/**/*",
        ],
    },
    "pre_init_hook": "pre_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
