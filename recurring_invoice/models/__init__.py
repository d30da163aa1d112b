from . import (
    account_move,
    ir_actions_report,
    mail_mail,
    res_company,
    res_config_settings,
)
