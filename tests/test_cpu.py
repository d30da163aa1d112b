"""harness/cpu.py: the bench's reading of how busy the machine's CPUs were."""

import os

import pytest

from harness import cpu


def test_cpus_busy_is_the_busy_share_of_every_cpu(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    # 150 of 200 ticks busy on 2 CPUs: one and a half CPUs busy
    assert cpu.cpus_busy((100, 400), (250, 600)) == pytest.approx(1.5)
    assert cpu.cpus_busy((100, 400), (100, 600)) == 0


def test_cpus_busy_without_a_reading_or_an_interval_is_unknown():
    assert cpu.cpus_busy(None, (1, 2)) is None
    assert cpu.cpus_busy((1, 2), None) is None
    assert cpu.cpus_busy((1, 2), (1, 2)) is None


def test_cpu_ticks_reads_proc_stat(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  10 1 5 70 4 2 3 5 9 0\ncpu0 5 0 2 35 2 1 1 2 4 0\n")
    real_open = open

    def fake_open(path, *args, **kwargs):
        return real_open(stat if path == "/proc/stat" else path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    assert cpu.cpu_ticks() == (26, 100)


def test_cpu_ticks_without_proc_stat(monkeypatch):
    def missing(*_args, **_kwargs):
        raise FileNotFoundError("/proc/stat")

    monkeypatch.setattr("builtins.open", missing)
    assert cpu.cpu_ticks() is None
