#!/usr/bin/env bash
# `make i18n`: export the add-on's terms with Odoo into i18n/recurring_invoice.pot
# (from a throw-away database), then merge them into i18n/nb.po for translation.
set -euo pipefail
cd "$(dirname "$0")/.."
RC="${ODOO_RC:-$HOME/.odoorc}"
DB="ri_i18n_$$"
configured=$(sed -n 's/^[[:space:]]*addons_path[[:space:]]*=[[:space:]]*//p' "$RC" | tail -n 1)
ODOO=(odoo -c "$RC" -d "$DB" --addons-path "${configured:+$configured,}$PWD" --http-port 0)
trap 'dropdb --if-exists "$DB"' EXIT
"${ODOO[@]}" -i recurring_invoice --without-demo=all --stop-after-init --log-level=warn
"${ODOO[@]}" --i18n-export=recurring_invoice/i18n/recurring_invoice.pot \
    --modules=recurring_invoice --stop-after-init --log-level=warn
msgmerge --quiet --no-fuzzy-matching --update --backup=none \
    recurring_invoice/i18n/nb.po recurring_invoice/i18n/recurring_invoice.pot
msgattrib --no-obsolete --output-file=recurring_invoice/i18n/nb.po recurring_invoice/i18n/nb.po
echo "Updated the .pot; translate the empty entries of recurring_invoice/i18n/nb.po."
