"""Screenshots of the add-on as a user sees it: the templates list (with the
health check's banner), a template's form with its side panel, the members'
fee (one template, many customers: its tab Recipients following a tag, and
the panel), the Recurring invoice dialog and the list of runs (what each
morning did), in English and Norwegian, at 1366 and 1920 px wide, taken by
headless Chromium from a running Odoo with the demo data (``make run``).

    .venv/bin/pip install playwright  # the library only; it drives /usr/bin/chromium
    .venv/bin/python -m scripts.screenshots --db recurring_demo

It logs in as the demo's admin, works in the Norwegian demo company
(Fjordhus AS), and writes ``<page>_<lang>_<width>.png`` into ``--out``. The
admin's language is put back afterwards; the draft invoice the dialog opens
on is deleted.
"""

import argparse
import json
import sys
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from harness.odoo_install import ROOT

CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1366, 1920)
#: Tall enough for the whole form: Odoo scrolls inside its page, not the page.
HEIGHT = 1500
LANGS = ("en_US", "nb_NO")
#: The template whose form is shown: the demo's one every other week.
TEMPLATE_PARTNER = "Bergen Regnskap AS"


class Rpc:
    """Odoo's JSON-RPC, as the web client calls it, with a session cookie."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )
        info = self.call(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        self.uid = info["uid"]

    def call(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        request = urllib.request.Request(
            self.url + path,
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.opener.open(request) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]

    def kw(self, model, method, *args, **kwargs):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def session_id(self):
        return next(c.value for c in self.cookies if c.name == "session_id")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (optional)

    rpc = Rpc(args.url, args.db, args.login, args.password)
    company = rpc.kw(
        "res.company", "search_read", [("name", "like", "Fjordhus")], ["id"], limit=1
    )[0]["id"]
    template = rpc.kw(
        "account.move",
        "search_read",
        [
            ("recurring_state", "=", "active"),
            ("company_id", "=", company),
            ("partner_id.name", "=", TEMPLATE_PARTNER),
        ],
        ["id", "partner_id"],
        limit=1,
    )[0]
    # the members' fee: the template following a tag
    members = rpc.kw(
        "account.move",
        "search_read",
        [
            ("recurring_state", "=", "active"),
            ("company_id", "=", company),
            ("recurring_recipient_tag_id", "!=", False),
        ],
        ["id"],
        limit=1,
    )[0]
    draft = rpc.kw(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "company_id": company,
            "partner_id": template["partner_id"][0],
            "invoice_line_ids": [
                (0, 0, {"name": "Husleie {period}", "quantity": 1, "price_unit": 12500})
            ],
        },
        context={"allowed_company_ids": [company]},
    )
    # the health check, as "Check now" runs it: the templates list's banner
    # says what it found (the demo has no outgoing mail server, for one)
    rpc.kw(
        "recurring.invoice.health",
        "action_check_health",
        context={"allowed_company_ids": [company]},
    )
    user_lang = rpc.kw("res.users", "read", [rpc.uid], ["lang"])[0]["lang"]
    args.out.mkdir(parents=True, exist_ok=True)
    taken = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            for lang in LANGS:
                rpc.kw("res.users", "write", [rpc.uid], {"lang": lang})
                for width in WIDTHS:
                    context = browser.new_context(
                        viewport={"width": width, "height": HEIGHT}
                    )
                    context.add_cookies(
                        [
                            {"name": n, "value": v, "url": args.url}
                            for n, v in (
                                ("session_id", rpc.session_id()),
                                ("cids", str(company)),
                            )
                        ]
                    )
                    page = context.new_page()
                    shots = {
                        "list": ("/odoo/recurring-invoices", ".o_list_table"),
                        "form": (
                            f"/odoo/recurring-invoices/{template['id']}",
                            ".o_recurring_panel",
                        ),
                        "recipients": (
                            f"/odoo/recurring-invoices/{members['id']}",
                            ".o_recurring_panel",
                        ),
                        "dialog": (
                            f"/odoo/action-account.action_move_out_invoice_type/{draft}",
                            ".o_form_view",
                        ),
                        "runs": (
                            "/odoo/action-recurring_invoice.action_recurring_invoice_run",
                            ".o_list_table",
                        ),
                    }
                    for name, (path, ready) in shots.items():
                        page.goto(args.url + path)
                        page.wait_for_selector(ready)
                        if name == "recipients":
                            page.click("a.nav-link[name='recurring_recipients']")
                            page.wait_for_selector(
                                ".tab-pane.active [name='recurring_recipient_tag_id']"
                            )
                        if name == "dialog":
                            page.click("button[name='action_recurring_invoice']")
                            page.wait_for_selector(".modal .o_form_view")
                        page.wait_for_timeout(800)
                        target = args.out / f"{name}_{lang}_{width}.png"
                        page.screenshot(path=str(target), full_page=True)
                        taken.append(target)
                    context.close()
            browser.close()
    finally:
        rpc.kw("res.users", "write", [rpc.uid], {"lang": user_lang})
        rpc.kw(
            "account.move",
            "unlink",
            [draft],
            context={"allowed_company_ids": [company]},
        )
    for target in taken:
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
