from . import (
    account_move,
    account_move_recurring_job,
    account_move_recurring_schedule,
    account_move_recurring_send,
    ir_actions_report,
    mail_mail,
    res_company,
    res_company_demo,
    res_config_settings,
)
