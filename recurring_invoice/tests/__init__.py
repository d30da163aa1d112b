from . import (
    test_i18n,
    test_install,
    test_logging,
    test_norwegian_company,
    test_recurring_cron,
    test_recurring_forecast,
    test_recurring_integrity,
    test_recurring_ledger,
    test_recurring_mail,
    test_recurring_prices,
    test_recurring_safety,
    test_recurring_schedule,
    test_recurring_send,
    test_recurring_template,
    test_rpc_access,
    test_tour,
)
from . import test_recurring_recipients
