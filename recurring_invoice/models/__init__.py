# The mixin first: the models below inherit it.
from . import recurring_job_fields_mixin  # isort: split

from . import (
    account_edi_xml_ubl_20,
    account_journal,
    account_move,
    account_move_recurring_job,
    account_move_recurring_mode,
    account_move_recurring_price,
    account_move_recurring_recipients,
    account_move_recurring_schedule,
    account_move_recurring_send,
    ir_actions_report,
    mail_mail,
    recurring_invoice_dismissal,
    recurring_invoice_forecast,
    recurring_invoice_health,
    recurring_invoice_job,
    recurring_invoice_job_send,
    recurring_invoice_recipient,
    recurring_price_adjustment,
    recurring_price_adjustment_line,
    res_company,
    res_company_demo,
    res_config_settings,
    res_partner,
)
