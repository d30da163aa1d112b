# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the fault suite (faults/lab.py): run the
recurring invoice job (the service ``recurring.invoice.job``) with its fault
points wrapped (faults/points.py: each target checked before the job runs, a
missing one fails loudly).

Environment:

``RI_NOW_LOCAL``
    The instant the job believes it is, as ``YYYY-MM-DDTHH:MM`` on the wall
    clock of the company's timezone; passed to the job as a naive UTC ``now``.
``RI_BATCH``
    Templates per batch (per call of ``_cron_make_and_send``).
``RI_WORKER``
    A name for this process in its output.
``RI_GO_FILE``
    When set, print ``READY`` and wait until this file exists before starting,
    so that several workers start at the same moment.
``RI_KILL_HOOK``, ``RI_KILL_CALL``, ``RI_KILL_K``
    Kill this process with SIGKILL: ``invoice`` right after the ``_post`` that
    posts the K-th invoice made (the job posts a batch at once; point
    ``post``), ``draft`` right after the batch that makes the K-th draft for
    review is made (``_recurring_make``: drafts are not posted; point
    ``make``; not committed), ``sequence`` right after the K-th invoice number is taken
    (inside ``_post``, before the invoice is fully posted), ``send`` right
    after the K-th invoice is sent (``_send_invoice``: PDF made, e-mail
    queued, not committed), ``summary`` on entering the K-th daily summary
    step (``_send_summaries``), ``commit`` right after the K-th commit of the
    job, ``sent_commit`` right after the K-th commit that commits sent
    invoices, ``adjust`` right after the K-th price change is applied to a
    template's lines (``_recurring_apply_price_changes``: before that
    occurrence's invoice is made, not committed), ``recipient`` when the
    K-th recipient's invoice is being made (``_recurring_recipient_values``:
    the template's values made out to it, before its batch is created),
    ``advance`` right after the K-th template billing recipients is advanced
    (``_recurring_advance``: every recipient billed, its next date stored,
    not committed).
    With ``RI_KILL_CALL`` = C > 0, K counts within the C-th call only.
``RI_PROGRESS``
    ``1``: print ``MADE n`` for each invoice posted or draft for review made
    (the scenario may kill us).
``RI_SKIP_SUMMARY``
    ``1``: the daily summary step does nothing (the invoices sent stay to
    report), as when another worker's sends were still in flight.
``RI_SUMMARY_BARRIER``
    A directory: on entering the end of the morning (``_finish``, which
    sends the daily summaries), wait (20 s at most) until two workers have
    entered it, so that both finish at the same moment.
``RI_REAL_PDF``
    ``1``: render invoice PDFs with the real wkhtmltopdf. By default the
    HTML-to-PDF binary is replaced by a one-page stub PDF (QWeb still renders
    the report): it costs over a second per invoice and is not under test.
``RI_VIA_CRON``
    ``1``: run the job the way the real scheduler does, through
    ``ir.cron._process_jobs`` and its progress API (the job's code is set to
    pass ``now`` and the batch size), instead of calling it in a loop.
``RI_LOOP``
    What the loop calls: ``job`` (the default) the 06:15 job
    ``_cron_make_and_send``; ``make`` only the making of the due templates'
    invoices (``_make_due``, committed batch by batch; nothing sent, no
    summary), as a maker whose senders are not running yet; ``send`` the
    sending scheduled action ``_cron_send`` (``RI_BATCH`` invoices per call),
    as one sending worker. A sending worker prints
    ``SENT_COMMITTED n`` after each commit (n: the invoices it sent that are
    committed so far), for the scenario to read when it is killed.

The loop calls the job until it reports that nothing remains, committing
(as ``ir.cron`` does) after a back-off (-1). Prints one line ``RESULT {json}``
(with ``points``, the fault points wrapped).
"""

import json
import os
import signal
import sys
import threading
import time
import traceback
from datetime import datetime

from faults import points
from faults.shell_common import stub_wkhtmltopdf, utc_now_arg
from harness import driver

ENV = os.environ
WORKER = ENV.get("RI_WORKER", "job")


def worker_say(line):
    driver.say(f"[{WORKER}] {line}")


class Probe:
    """Counts what the job does, and kills the process where told: wraps the
    fault points (faults/points.py) and the cursor's commit."""

    def __init__(self, env):
        self.env = env
        self.hook = ENV.get("RI_KILL_HOOK", "")
        self.kill_call = int(ENV.get("RI_KILL_CALL", "0") or 0)
        self.kill_k = int(ENV.get("RI_KILL_K", "0") or 0)
        self.progress = ENV.get("RI_PROGRESS") == "1"
        self.call = 0
        self.counts = dict.fromkeys(
            ("invoice", "draft", "sequence", "send", "summary", "adjust"), 0
        )
        self.counts["recipient"] = 0
        self.counts["commit"] = 0
        self.counts["sent_commit"] = 0
        self.counts["advance"] = 0
        self.in_call = dict.fromkeys(self.counts, 0)
        self.pending = []
        self.made = []
        self.sent_pending = []
        self.sent = []
        self.print_sent = ENV.get("RI_LOOP") == "send"
        self.locked = 0
        self.last_locked = None
        self.summaries = []
        self.finishes = []
        self.points = []
        self.barrier_met = None

    def start_call(self):
        self.call += 1
        self.in_call = dict.fromkeys(self.in_call, 0)

    def event(self, kind):
        self.counts[kind] += 1
        self.in_call[kind] += 1
        if kind != self.hook or not self.kill_k:
            return
        if self.kill_call:
            hit = self.call == self.kill_call and self.in_call[kind] == self.kill_k
        else:
            hit = self.counts[kind] == self.kill_k
        if hit:
            worker_say(
                f"KILL self after {kind} #{self.in_call[kind]} of call {self.call} "
                f"({self.counts['invoice']} invoices made in this process, "
                f"{self.counts['draft']} drafts; "
                f"sent and not committed: {json.dumps(self.sent_pending)})"
            )
            os.kill(os.getpid(), signal.SIGKILL)

    def barrier(self):
        folder = ENV.get("RI_SUMMARY_BARRIER")
        if not folder or self.barrier_met is not None:
            return
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, WORKER), "w"):
            pass
        deadline = time.monotonic() + 20
        while len(os.listdir(folder)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.barrier_met = len(os.listdir(folder)) >= 2
        worker_say(f"summary barrier {'met' if self.barrier_met else 'timed out'}")

    # -- the fault points ---------------------------------------------------------

    def post(self, post, moves, soft=True):
        """Odoo's posting: each recurring invoice posted (``invoice``)."""
        result = post(moves, soft=soft)
        for move in moves.filtered(
            lambda m: m.recurring_template_id and m.state == "posted"
        ):
            self.pending.append(move.id)
            self.say_made()
            self.event("invoice")
        return result

    def make(self, recurring_make, templates, values, *args, **kwargs):
        """A batch's invoices made (``_recurring_make``): each draft for
        review among them (``draft``; the posted ones count at ``post``)."""
        invoices = recurring_make(templates, values, *args, **kwargs)
        for move in invoices.filtered(lambda m: m.state == "draft"):
            self.pending.append(move.id)
            self.say_made()
            self.event("draft")
        return invoices

    def say_made(self):
        """``MADE n`` (RI_PROGRESS): the n-th invoice posted or draft made."""
        if self.progress:
            made = self.counts["invoice"] + self.counts["draft"] + 1
            print(f"MADE {made}", flush=True)

    def sequence(self, set_next_sequence, move):
        """An invoice number taken, inside _post (``sequence``)."""
        result = set_next_sequence(move)
        if move.recurring_template_id:
            self.event("sequence")
        return result

    def lock(self, lock_due, job, now, limit, *args, **kwargs):
        """The templates a batch locked (None: another worker's rows, the job
        backs off)."""
        templates = lock_due(job, now, limit, *args, **kwargs)
        if templates is not None:
            self.locked += len(templates)
            self.last_locked = len(templates)
        return templates

    def send(self, send_invoice, job, invoice, *args, **kwargs):
        """An invoice sent (``send``), remembered until its commit."""
        result = send_invoice(job, invoice, *args, **kwargs)
        self.sent_pending.append(invoice.id)
        self.event("send")
        return result

    def send_batch(self, send_pending, job, now, limit, *args, **kwargs):
        """A batch of sending: a sending that met another worker's commit was
        rolled back (at its savepoint's flush, after _send_invoice returned),
        so only the invoices the batch reports tried stay sent."""
        mark = len(self.sent_pending)
        tried = send_pending(job, now, limit, *args, **kwargs)
        done = set(tried.ids) if tried else set()
        self.sent_pending[mark:] = [
            invoice_id for invoice_id in self.sent_pending[mark:] if invoice_id in done
        ]
        return tried

    def adjust(self, apply_prices, template, occurrence, *args, **kwargs):
        """A template's price changes applied before an occurrence
        (``adjust``)."""
        applied = apply_prices(template, occurrence, *args, **kwargs)
        if applied:
            worker_say(
                f"prices of template {template.id} adjusted for {occurrence} "
                f"({len(applied)} adjustment(s))"
            )
            self.event("adjust")
        return applied

    def recipient(self, recipient_values, template, values, partner, *args, **kwargs):
        """One recipient's invoice being made (``recipient``): the kill comes
        before its values are, the batch's invoices not yet created."""
        self.event("recipient")
        return recipient_values(template, values, partner, *args, **kwargs)

    def advance(self, advance, templates, work, now, *args, **kwargs):
        """The templates' plans stored after their invoices (``advance``, once
        per template billing recipients whose next date moves)."""
        result = advance(templates, work, now, *args, **kwargs)
        for template in work.after:
            if template._recurring_bills_recipients():
                worker_say(f"template {template.id} billing recipients advanced")
                self.event("advance")
        return result

    def summary(self, send_summaries, job, now, *args, **kwargs):
        """The daily summaries: skipped (RI_SKIP_SUMMARY), else counted
        (``summary``)."""
        if ENV.get("RI_SKIP_SUMMARY") == "1":
            return 0
        self.event("summary")
        result = send_summaries(job, now, *args, **kwargs)
        self.summaries.append(result)
        return result

    def finish(self, finish, job, now, *args, **kwargs):
        """The end of the morning: the workers are held at its entry until
        both are there (RI_SUMMARY_BARRIER)."""
        self.barrier()
        result = finish(job, now, *args, **kwargs)
        self.finishes.append(result)
        return result

    def install(self):
        """Wrap the fault points (every one checked first: a missing target
        fails loudly, before anything runs) and the cursor's commit."""
        names = ("post", "make", "sequence", "lock", "send", "send_batch", "adjust")
        names += ("recipient", "advance", "summary", "finish")
        points.require(self.env, names)
        for name in names:
            points.wrap(self.env, name, getattr(self, name))
            self.points.append(name)
        probe = self
        cr = self.env.cr
        real_commit = cr.commit
        self.real_commit = real_commit

        def commit():
            real_commit()
            probe.made.extend(probe.pending)
            probe.pending.clear()
            had_sends = bool(probe.sent_pending)
            probe.sent.extend(probe.sent_pending)
            probe.sent_pending.clear()
            if probe.print_sent:
                print(f"SENT_COMMITTED {len(probe.sent)}", flush=True)
            probe.event("commit")
            if had_sends:
                probe.event("sent_commit")

        cr.commit = commit


def wait_for_go():
    go_file = ENV.get("RI_GO_FILE")
    if not go_file:
        return
    print("READY", flush=True)
    deadline = time.monotonic() + 300
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise TimeoutError("no go signal")
        time.sleep(0.01)


def run_loop(env, probe, now, batch):
    Job = env[points.JOB]
    stats = {"calls": 0, "backoffs": 0, "errors": 0, "idle": 0}
    while stats["calls"] < int(ENV.get("RI_MAX_CALLS", "3000")):
        stats["calls"] += 1
        probe.start_call()
        probe.last_locked = None
        remaining = call_scheduled_action(
            env,
            probe,
            stats,
            "the job",
            lambda: Job._cron_make_and_send(batch_size=batch, now=now),
        )
        if remaining is None:
            continue
        if remaining == 0:
            break
        if probe.last_locked == 0:
            # Another worker holds every due template: wait for its commit.
            stats["idle"] += 1
            time.sleep(0.02)
    return stats


def call_scheduled_action(env, probe, stats, what, action):
    """One call ``action()`` of a scheduled action, as ir.cron makes it. An
    error is counted in ``stats``, reported (in ``what``) and rolled back; a
    negative result (the job backed off) is counted and committed, as ir.cron
    does after the call. Returns the result; None after either (the caller
    calls again), but 0 (stop: as if nothing remained) after the 5th error."""
    try:
        remaining = action()
    except Exception:  # noqa: BLE001 - reported as a failure by the scenario
        stats["errors"] += 1
        sys.stderr.write(f"[{WORKER}] UNHANDLED ERROR in {what}:\n")
        traceback.print_exc()
        env.cr.rollback()
        forget_uncommitted(probe)
        return 0 if stats["errors"] >= 5 else None
    if remaining < 0:
        # What ir.cron does after the call: commit (the job's trigger).
        stats["backoffs"] += 1
        probe.real_commit()
        forget_uncommitted(probe)
        time.sleep(0.02)
        return None
    return remaining


def forget_uncommitted(probe):
    """After a rollback: what was made or sent since the last commit is gone."""
    probe.pending.clear()
    probe.sent_pending.clear()


def run_make_loop(env, probe, now, batch):
    """Make and post the due templates' invoices batch by batch, committing
    each, and send nothing: they wait, ``to_send``, for the sending workers."""
    Job = env[points.JOB]
    stats = {"calls": 0, "backoffs": 0, "errors": 0, "idle": 0}
    while stats["calls"] < int(ENV.get("RI_MAX_CALLS", "3000")):
        stats["calls"] += 1
        probe.start_call()
        templates = Job._make_due(now, batch)
        if templates is None:
            stats["backoffs"] += 1
            env.cr.rollback()
            forget_uncommitted(probe)
            continue
        env.cr.commit()
        if not templates:
            break
    return stats


def run_send_loop(env, probe, now, batch):
    """One sending worker: call the sending scheduled action until it reports
    that nothing remains, as ir.cron's progress API would."""
    Job = env[points.JOB]
    stats = {"calls": 0, "backoffs": 0, "errors": 0, "idle": 0}
    while stats["calls"] < int(ENV.get("RI_MAX_CALLS", "3000")):
        stats["calls"] += 1
        probe.start_call()
        remaining = call_scheduled_action(
            env,
            probe,
            stats,
            "the sender",
            lambda: Job._cron_send(batch_size=batch, now=now, auto_commit=True),
        )
        if remaining is None:
            continue
        if remaining == 0:
            break
        if not probe.in_call["send"]:
            # The other worker holds every invoice left: wait for its commit.
            stats["idle"] += 1
            time.sleep(0.05)
    return stats


def run_via_cron(env, probe, now, batch):
    """The real scheduler: ir.cron acquires the job, runs it batch after
    batch through the progress API, reschedules it."""
    cron = env.ref("recurring_invoice.ir_cron_recurring_invoice")
    env["ir.cron"].search([("id", "!=", cron.id)]).write({"active": False})
    code = (
        f"model._cron_make_and_send(batch_size={batch}, "
        f"now=datetime.datetime({now.year}, {now.month}, {now.day}, "
        f"{now.hour}, {now.minute}))"
    )
    cron.write({"code": code, "active": True, "nextcall": datetime(2000, 1, 1)})
    probe.real_commit()
    IrCron = env.registry["ir.cron"]
    Progress = env["ir.cron.progress"]
    stats = {"calls": 0, "rounds": 0, "backoffs": 0, "errors": 0, "idle": 0}
    dbname = env.cr.dbname
    for _round in range(200):
        stats["rounds"] += 1
        IrCron._process_jobs(dbname)
        threading.current_thread().dbname = dbname
        env.cr.rollback()
        env.invalidate_all()
        if not env[points.JOB]._count_due(now):
            break
        # Not done: the job must be ready again (partially done / trigger).
        ready = cron.nextcall <= datetime.utcnow() or env["ir.cron.trigger"].search(
            [("cron_id", "=", cron.id), ("call_at", "<=", datetime.utcnow())]
        )
        if not ready:
            stats["errors"] += 1
            sys.stderr.write(f"[{WORKER}] UNHANDLED: due templates left, job idle\n")
            break
    progress = Progress.search([("cron_id", "=", cron.id)])
    stats["calls"] = len(progress)
    stats["progress_done"] = sum(progress.mapped("done"))
    stats["cron_failure_count"] = cron.failure_count
    stats["cron_active"] = cron.active
    return stats


def main(env):
    now = utc_now_arg(env)
    batch = int(ENV.get("RI_BATCH", "50"))
    probe = Probe(env)
    probe.install()
    if ENV.get("RI_REAL_PDF") != "1":
        stub_wkhtmltopdf(env)
    # Warm up (registry caches) before the start signal, then a fresh snapshot.
    env[points.JOB]._count_due(now)
    env.cr.rollback()
    wait_for_go()
    started = time.monotonic()
    worker_say(f"start now={now:%Y-%m-%d %H:%M} UTC batch={batch}")
    loop = ENV.get("RI_LOOP") or "job"
    if ENV.get("RI_VIA_CRON") == "1":
        stats = run_via_cron(env, probe, now, batch)
    elif loop == "make":
        stats = run_make_loop(env, probe, now, batch)
    elif loop == "send":
        stats = run_send_loop(env, probe, now, batch)
    else:
        stats = run_loop(env, probe, now, batch)
    elapsed = time.monotonic() - started
    env.cr.rollback()
    made = probe.made
    if ENV.get("RI_VIA_CRON") == "1":
        made = probe.made + probe.pending  # ir.cron commits on its own cursor
    if made:
        env.cr.execute("SELECT COUNT(*) FROM account_move WHERE id = ANY(%s)", [made])
        committed = env.cr.fetchone()[0]
    else:
        committed = 0
    stats.update(
        worker=WORKER,
        now=now.isoformat(),
        elapsed=round(elapsed, 3),
        invoices_made=probe.counts["invoice"],
        drafts_made=probe.counts["draft"],
        invoices_sent=probe.counts["send"],
        sends_committed=len(probe.sent),
        invoices_committed=committed,
        templates_locked=probe.locked,
        commits=probe.counts["commit"],
        summaries=probe.summaries,
        finishes=probe.finishes,
        points=probe.points,
        adjusted=probe.counts["adjust"],
        recipients_made=probe.counts["recipient"],
        barrier_met=probe.barrier_met,
    )
    print("RESULT " + json.dumps(stats), flush=True)


main(globals()["env"])
