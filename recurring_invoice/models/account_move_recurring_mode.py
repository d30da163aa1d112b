# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the 06:15 job does with a template's invoices: its mode.

- **Post and send** (the default): made, posted and sent, each the way its
  customer takes invoices (``invoice_sending_method``: e-mail, EHF/Peppol;
  "Download" customers' invoices are posted and not sent).
- **Post only**: made and posted, never sent by the job.
- **Draft for review**: made as drafts dated on their send day, waiting in
  the filter "Recurring drafts to review". A draft a user posts is sent as
  Post and send does when the template says so ("Send once posted"), else
  left to the user. A draft the reviewer deletes is not made again: its
  occurrence is done (``recurring.invoice.dismissal``).

The company's setting gives a new template its mode.
"""

from odoo import _, api, fields, models

#: What the job does with a template's invoices.
MODES = [
    ("post_send", "Post and send"),
    ("post", "Post only"),
    ("draft", "Draft for review"),
]
DEFAULT_MODE = "post_send"

#: The sending state a made invoice starts in, by its template's mode.
FIRST_SEND_STATE = {"post_send": "to_send", "post": "post_only", "draft": "review"}


class AccountMove(models.Model):
    _inherit = "account.move"

    recurring_mode = fields.Selection(
        MODES,
        string="Each Invoice Is",
        copy=False,
        tracking=True,
        help="What the scheduler does with each invoice of this template: post "
        "and send it (each customer the way it takes invoices), post it only, "
        "or make it as a draft for you to review.",
    )
    recurring_send_reviewed = fields.Boolean(
        string="Send Once Posted",
        default=True,
        copy=False,
        help="Draft for review: a draft you post is sent by the scheduler as "
        "Post and send does. Unticked: sending it is left to you.",
    )

    def _recurring_mode(self):
        """This template's mode (a template set up before modes existed:
        its company's)."""
        self.ensure_one()
        return (
            self.recurring_mode
            or self.company_id.recurring_invoice_mode
            or DEFAULT_MODE
        )

    def _recurring_first_send_state(self):
        """The sending state of an invoice this template makes."""
        return FIRST_SEND_STATE[self._recurring_mode()]

    # --- a draft for review, posted by a user ------------------------------------
    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        reviewed = posted.filtered(
            lambda move: move.state == "posted"
            and move.recurring_send_state == "review"
        )
        if reviewed:
            reviewed._recurring_reviewed()
        return posted

    def _recurring_reviewed(self):
        """These drafts for review were posted: to send, as their template
        says, or left to the user (the job's sending picks them up at once)."""
        to_send = self.filtered(
            lambda m: m.recurring_template_id.recurring_send_reviewed
        )
        to_send._recurring_write({"recurring_send_state": "to_send"})
        (self - to_send)._recurring_write({"recurring_send_state": "post_only"})
        if to_send:
            # as the job wakes them: every sending scheduled action (copies too)
            self.env["recurring.invoice.job"]._wake_senders()

    # --- a draft for review, deleted ---------------------------------------------
    @api.ondelete(at_uninstall=False)
    def _unlink_recurring_dismissed(self):
        """A draft a template made, deleted: its occurrence is done, never
        made again (the job counts it as made); the template says who
        deleted it."""
        drafts = self.filtered(
            lambda m: m.recurring_template_id and m.state == "draft"
        ).sudo()
        if not drafts:
            return
        self.env["recurring.invoice.dismissal"].sudo()._recurring_as_job().create(
            [
                {
                    "template_id": draft.recurring_template_id.id,
                    "partner_id": draft.recurring_billed_partner_id.id,
                    "occurrence_date": draft.recurring_occurrence_date,
                    "amount_total": draft.amount_total,
                    "currency_id": draft.currency_id.id,
                }
                for draft in drafts
            ]
        )
        for draft in drafts:
            draft.recurring_template_id.message_post(
                body=_(
                    "%(user)s deleted the draft invoice of %(partner)s for "
                    "%(period)s: it is not made again.",
                    user=self.env.user.name,
                    partner=draft.partner_id.display_name,
                    period=draft.recurring_period_name
                    or draft.recurring_occurrence_date,
                ),
                subtype_xmlid="mail.mt_note",
            )
