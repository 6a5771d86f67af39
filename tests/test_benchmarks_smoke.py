"""The fixture benchmark runs end to end and reports every figure it promises."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    *(f"{name}[{size}]" for size in (10, 1000, 10000)
      for name in ("reset_ms", "per_test_fixture_ms")),
    "server_start_to_first_answer_ms",
    "server_stop_ms",
    "plugin_import_ms",
    "test_ms[no fixture]",
    "test_ms[fakenova]",
    "test_ms[pytest-httpserver]",
    "ratio fakenova/pytest-httpserver",
    "memory_mib_per_1000_objects",
    "cold_serve_to_first_answer_ms[fakenova]",
    "cold_serve_to_first_answer_ms[pytest-httpserver]",
    "cold_serve_ratio[fakenova/pytest-httpserver]",
    "http_reset_ms",
    "http_round_trip_ms",
    "http_reset_ratio[reset/round_trip]",
]
MOTO_FIGURES = ["moto_reset_ms", "fakenova_http_reset_ms"]


@pytest.mark.slow
def test_fixture_costs_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.fixture_costs", "--repeat", "3", "--quick",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text())
    moto = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    expected = FIGURES + (MOTO_FIGURES if moto else [])
    # a fixture's share (its test's time less a bare test's) may come out below zero in so
    # short a run: it must be there, and a number
    shares = ["fixture_share_ms[fakenova]", "fixture_share_ms[pytest-httpserver]"]
    assert sorted(figures) == sorted(expected + shares), run.stdout
    assert all(isinstance(figures[name], (int, float)) for name in shares)
    for name in expected:
        value = figures[name]
        assert isinstance(value, (int, float)) and value > 0, (name, value, run.stdout)
    if not moto:
        assert "moto is not installed" in run.stdout


@pytest.mark.slow
def test_request_costs_prints_and_writes_every_ratio(tmp_path: Path) -> None:
    out = tmp_path / "requests.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.request_costs", "--rounds", "1", "--seconds",
         "0.2", "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text())
    sizes = [f"{op}[{n}]" for n in (10, 1000, 10000) for op in ("list", "show", "attach+detach")]
    assert {"werkzeug", "flask", *sizes} <= set(figures["targets"])
    for name, row in figures["targets"].items():
        assert row["per_second"] > 0 and row["errors"] == 0, (name, row)
    ratios = figures["ratios"]
    assert "list cost / bare Flask" in ratios and "attach+detach cost at 10000 / at 10" in ratios
    assert all(entry["measured"] > 0 for entry in ratios.values())
    assert "list cost / bare Flask" in run.stdout


@pytest.mark.slow
def test_the_in_app_profile_compares_with_bare_flask(tmp_path: Path) -> None:
    out = tmp_path / "profile.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.profile_requests", "--number", "50", "--json",
         str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text())
    assert set(figures) == {"bare Flask", "list", "show", "cycle"}
    assert figures["bare Flask"]["over_bare_flask"] == 1.0
    assert all(row["microseconds"] > 0 for row in figures.values())
