#!/usr/bin/env bash
# `make run`: a demo database with the add-on, its demo data and Norwegian,
# then Odoo on http://localhost:8069.
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DEMO_DB:-recurring_demo}"
RC="${ODOO_RC:-$HOME/.odoorc}"

command -v odoo >/dev/null || { echo "Missing: Odoo 18 (no 'odoo' command on PATH; see README.md)"; exit 1; }
odoo --version 2>/dev/null | grep -q ' 18\.0' || { echo "Missing: Odoo 18 ('odoo --version' is not 18.0)"; exit 1; }
[ -f "$RC" ] || { echo "Missing: Odoo configuration file $RC (set ODOO_RC)"; exit 1; }
pg_isready -q 2>/dev/null || { echo "Missing: PostgreSQL (pg_isready gets no answer)"; exit 1; }

configured=$(sed -n 's/^[[:space:]]*addons_path[[:space:]]*=[[:space:]]*//p' "$RC" | tail -n 1)
ADDONS="${configured:+$configured,}$PWD"
ODOO=(odoo -c "$RC" -d "$DB" --addons-path "$ADDONS")

installed=$(psql -d "$DB" -tAc "SELECT state FROM ir_module_module WHERE name = 'recurring_invoice'" 2>/dev/null || true)
if [ "$installed" != "installed" ]; then
    echo "Creating the database $DB with recurring_invoice, its demo data and Norwegian (nb_NO)..."
    "${ODOO[@]}" -i recurring_invoice --load-language nb_NO --stop-after-init --max-cron-threads 0
fi
echo "Odoo is starting on http://localhost:8069 (database $DB); log in as admin / admin."
exec "${ODOO[@]}" --http-port 8069 --db-filter "^${DB}\$"
