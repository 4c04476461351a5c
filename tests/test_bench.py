"""The benchmark is a documented command (README, Benchmark): it must keep
running end to end and print the table the README quotes. Its numbers are
measurements, never asserted; what is asserted is what each row counts."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from python_checks.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_bench_prints_every_step_with_its_rows_and_the_night_median(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "bench" / "run.py"),
            "--rows-per-day", "500",
            "--days", "4",
            "--histories", "4",
            "--night-repeats", "2",
            "--skip-peers",
            "--workdir", str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {
        match[0]: (int(match[1].replace(",", "")), float(match[2]), match[3])
        for match in re.findall(
            r"^\| (\d)\. [^|]+\| ([\d,]+) \| ([\d.]+) \| [\d.]+ \| ([^|]*)\|$",
            done.stdout,
            re.MULTILINE,
        )
    }
    assert set(rows) == {"1", "2", "3", "6"}
    # 500 a day over 4 days plus 0.5 % re-delivered; a night adds a 5th day.
    assert rows["1"][0] == rows["2"][0]
    assert 2000 < rows["1"][0] < 2100
    assert 2500 < rows["3"][0] < 2600
    assert 2500 < rows["6"][0] < 2600
    assert re.fullmatch(r"median of 2: [\d.]+ / [\d.]+ s ", rows["3"][2])
    assert "| (2) backfill / (1) hardware scan |" in done.stdout
    assert "| (6) one night on the backfill, wall s |" in done.stdout


def test_bench_refuses_zero_night_repeats():
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "run.py"), "--night-repeats", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--night-repeats must be at least 1" in done.stderr
