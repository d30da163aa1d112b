"""How busy the machine's CPUs were over a stretch of time, read from Linux's
/proc/stat (every process of the machine: Odoo's, wkhtmltopdf's,
PostgreSQL's). The bench uses it to turn a wall time into a cost in
CPU-seconds, and to tell what a second worker can gain on this machine."""

import os


def cpu_ticks():
    """(busy, all) clock ticks of every CPU since boot, from /proc/stat's
    first line (idle and iowait are not busy; guest time is inside user);
    None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def cpus_busy(before, after):
    """CPUs kept busy on average between two cpu_ticks() readings, from 0 to
    the machine's CPU count; None when either reading is missing."""
    if not before or not after or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1]) * (os.cpu_count() or 1)
