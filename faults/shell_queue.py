# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the fault suite (faults/test_queue_job.py): the
06:15 job on OCA's queue_job (the bridge add-on
``recurring_invoice_queue_job``), its jobs run one after the other the way
queue_job's runner has them run.

``RI_NOW_LOCAL``, ``RI_BATCH``, ``RI_WORKER``, ``RI_REAL_PDF``
    As for shell_job.py.
``RI_QUEUE_FAIL``
    Comma-separated fault points (faults/points.py: ``job_make``,
    ``job_send``, the bridge's ``_job_make`` and ``_job_send``) whose first
    job fails once: the job does all its work (invoices made and posted, or
    sent: PDF made, e-mail queued), then raises queue_job's RetryableJobError
    before its transaction commits, as a lost database connection or a
    restarted worker would leave it. queue_job rolls the job back and runs it
    again later. A point whose method is missing fails loudly.

The scheduled action is called as the scheduler does (the bridge enqueues a
make job per batch, their send jobs and a finish job), committed; then each
job waiting is run through queue_job's own controller code
(``RunJobController._acquire_job`` and ``_runjob``: started, performed,
done, or postponed on a retryable error, or failed), each in its own
transaction. A job postponed to later (the finish job waiting for the others,
a retry) is run once no other job is ready, as if that time had passed.
Prints one line ``RESULT {json}``.
"""

import json
import os
import time

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.exception import RetryableJobError

from faults import points
from faults.shell_common import stub_wkhtmltopdf, utc_now_arg
from harness import driver

ENV = os.environ
WORKER = ENV.get("RI_WORKER", "queue")
MAX_RUNS = 500


def worker_say(line):
    driver.say(f"[{WORKER}] {line}")


def install_failures(env, failed):
    """Make the first job of each fault point in RI_QUEUE_FAIL fail once,
    after its work (see the module's docstring). ``failed`` collects the
    points' methods and the jobs' results."""
    names = list(filter(None, ENV.get("RI_QUEUE_FAIL", "").split(",")))
    points.require(env, names)
    for name in names:
        method = points.point(name).method

        def failing(real, job, *args, _method=method, **kwargs):
            result = real(job, *args, **kwargs)
            if _method not in failed:
                failed[_method] = str(result)
                worker_say(f"{_method}: did its work ({result}), now fails once")
                raise RetryableJobError(f"fault suite: {_method} fails once", seconds=1)
            return result

        points.wrap(env, name, failing)


def next_job(env):
    """The uuid of the job to run next: a ready one (no eta, or eta passed) by
    priority and age, else the one planned soonest."""
    env.cr.execute(
        """
        SELECT uuid FROM queue_job
         WHERE state = 'pending'
         ORDER BY (eta IS NOT NULL AND eta > now() at time zone 'utc'),
                  eta NULLS FIRST, priority, date_created, id
         LIMIT 1
        """
    )
    row = env.cr.fetchone()
    return row and row[0]


def run_jobs(env):
    stats = {"runs": 0, "errors": 0}
    while stats["runs"] < MAX_RUNS:
        uuid = next_job(env)
        if not uuid:
            break
        stats["runs"] += 1
        # The job runner's part: the job is sent to a worker.
        env.cr.execute(
            "UPDATE queue_job SET state = 'enqueued', "
            "date_enqueued = now() at time zone 'utc' WHERE uuid = %s",
            [uuid],
        )
        env.cr.commit()
        env.invalidate_all()
        job = RunJobController._acquire_job(env, uuid)
        if not job:
            stats["errors"] += 1
            worker_say(f"UNHANDLED: job {uuid} could not be acquired")
            env.cr.rollback()
            continue
        try:
            RunJobController._runjob(env, job)
            env.cr.commit()  # the end of the HTTP request
        except Exception as error:  # noqa: BLE001 - the job is marked failed
            stats["errors"] += 1
            worker_say(f"job {uuid} failed: {error}")
            env.cr.rollback()
        env.invalidate_all()
    return stats


def jobs_by_method(env):
    env.cr.execute(
        """
        SELECT method_name, state, retry, count(*) FROM queue_job
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    )
    return [list(row) for row in env.cr.fetchall()]


def main(env):
    now = utc_now_arg(env)
    batch = int(ENV.get("RI_BATCH", "20"))
    if ENV.get("RI_REAL_PDF") != "1":
        stub_wkhtmltopdf(env)
    failed = {}
    install_failures(env, failed)
    started = time.monotonic()
    Job = env[points.JOB].with_context(recurring_invoice_queue_job=True)
    remaining = Job._cron_make_and_send(batch_size=batch, now=now)
    env.cr.commit()
    enqueued = jobs_by_method(env)
    stats = run_jobs(env)
    stats.update(
        worker=WORKER,
        now=now.isoformat(),
        elapsed=round(time.monotonic() - started, 3),
        cron_remaining=remaining,
        enqueued=enqueued,
        jobs=jobs_by_method(env),
        failed_once=failed,
    )
    print("RESULT " + json.dumps(stats), flush=True)


main(globals()["env"])
