# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fields the recurring invoice job keeps: written by the add-on alone.

A field declared with ``recurring_job=True`` holds the job's bookkeeping (a
template's state and next dates, the link from a made invoice to its
template, a sending's attempts, a price adjustment's state...). Only the
add-on's own methods write it, through :meth:`_recurring_as_job`, which marks
the environment with a context value no client can send
(:mod:`..tools.trusted`). Any other create, write, copy or import that sets
such a field to another value raises a ``UserError`` naming the field, and
changes nothing; writing back the value a record already has, or creating
a record with a field's default value (as a client saving a whole record
does), is no change and passes.
"""

from odoo import _, api, models, tools
from odoo.exceptions import UserError

from ..tools import trusted

#: The context key of the job's own writes.
JOB_KEY = "recurring_job"


class RecurringJobFieldsMixin(models.AbstractModel):
    _name = "recurring.job.fields.mixin"
    _description = "Fields kept by the recurring invoice job"

    def _valid_field_parameter(self, field, name):
        return name == "recurring_job" or super()._valid_field_parameter(field, name)

    @api.model
    @tools.ormcache()
    def _recurring_job_fields(self):
        """The names of this model's fields that only the job writes."""
        return frozenset(
            name
            for name, field in self._fields.items()
            if getattr(field, "recurring_job", False)
        )

    def _recurring_as_job(self):
        """These records, in an environment whose writes are the job's."""
        return self.with_context(**{JOB_KEY: trusted.JOB})

    def _recurring_is_job(self):
        return bool(trusted.get(self.env.context, JOB_KEY))

    @api.model_create_multi
    def create(self, vals_list):
        if not self._recurring_is_job():
            job_fields = self._recurring_job_fields()
            given = set().union(*(job_fields.intersection(vals) for vals in vals_list))
            defaults = self.default_get(sorted(given)) if given else {}
            for vals in vals_list:
                self._recurring_refuse_job_fields(
                    [
                        name
                        for name in sorted(job_fields.intersection(vals))
                        if vals[name] and vals[name] != defaults.get(name)
                    ]
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self._recurring_is_job():
            self._recurring_refuse_job_fields(
                self._recurring_changed_fields(vals, self._recurring_job_fields())
            )
        return super().write(vals)

    def _recurring_changed_fields(self, vals, names):
        """The fields among ``names`` that ``vals`` would change on one of
        these records (for relations to many records: any command)."""
        changed = []
        for name in sorted(names.intersection(vals)):
            field = self._fields[name]
            if field.type in ("one2many", "many2many"):
                if vals[name]:
                    changed.append(name)
                continue
            for record in self:
                value = field.convert_to_record(
                    field.convert_to_cache(vals[name], record), record
                )
                if value != record[name]:
                    changed.append(name)
                    break
        return changed

    def _recurring_refuse_job_fields(self, names):
        if not names:
            return
        labels = ", ".join(
            f"“{self._fields[name]._description_string(self.env)}”" for name in names
        )
        raise UserError(
            _(
                "Only the recurring invoice scheduler and the buttons of the "
                "recurring template change %(fields)s: not by hand, nor by an "
                "import.",
                fields=labels,
            )
        )
