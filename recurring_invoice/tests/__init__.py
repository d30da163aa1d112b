from . import (
    test_install,
    test_recurring_cron,
    test_recurring_send,
    test_recurring_template,
)
