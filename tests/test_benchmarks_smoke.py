"""The fixture benchmark runs end to end and reports every figure it promises."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    "python_heap_mib_per_1000_objects",
    "http_reset_ms",
    "http_round_trip_ms",
    "http_reset_ratio[reset/round_trip]",
]
MOTO_FIGURES = ["moto_reset_ms", "fakenova_http_reset_ms"]


def run_benchmark(module: str, tmp_path: Path, *options: str) -> tuple[Any, str]:
    """Run ``python -m benchmarks.<module>`` as the README does: its JSON and its output."""
    out = tmp_path / f"{module}.json"
    run = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *options,
                          "--json", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text()), run.stdout


@pytest.mark.slow
def test_fixture_costs_reports_every_figure(tmp_path: Path) -> None:
    figures, stdout = run_benchmark("fixture_costs", tmp_path, "--repeat", "3", "--quick")
    moto = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    expected = FIGURES + (MOTO_FIGURES if moto else [])
    # a fixture's share (its test's time less a bare test's) may come out below zero in so
    # short a run: it must be there, and a number
    shares = ["fixture_share_ms[fakenova]", "fixture_share_ms[pytest-httpserver]"]
    assert sorted(figures) == sorted(expected + shares), stdout
    assert all(isinstance(figures[name], (int, float)) for name in shares)
    for name in expected:
        value = figures[name]
        assert isinstance(value, (int, float)) and value > 0, (name, value, stdout)
    if not moto:
        assert "moto is not installed" in stdout


@pytest.mark.slow
def test_request_costs_prints_and_writes_every_ratio(tmp_path: Path) -> None:
    figures, stdout = run_benchmark("request_costs", tmp_path, "--rounds", "1", "--seconds",
                                    "0.2")
    sizes = [f"{op}[{n}]" for n in (10, 1000, 10000) for op in ("list", "show", "attach+detach")]
    assert {"werkzeug", "flask", *sizes} <= set(figures["targets"])
    for name, row in figures["targets"].items():
        assert row["per_second"] > 0 and row["errors"] == 0, (name, row)
    ratios = figures["ratios"]
    assert "list cost / bare Flask" in ratios and "attach+detach cost at 10000 / at 10" in ratios
    assert all(entry["measured"] > 0 for entry in ratios.values())
    assert "list cost / bare Flask" in stdout


@pytest.mark.slow
def test_the_in_app_profile_compares_with_bare_flask(tmp_path: Path) -> None:
    figures, _ = run_benchmark("profile_requests", tmp_path, "--number", "50")
    assert set(figures) == {"bare Flask", "list", "show", "cycle"}
    assert figures["bare Flask"]["over_bare_flask"] == 1.0
    assert all(row["microseconds"] > 0 for row in figures.values())


@pytest.mark.slow
def test_transport_costs_compares_in_process_with_socket(tmp_path: Path) -> None:
    figures, stdout = run_benchmark("transport_costs", tmp_path, "--quick")
    for call in ("openstacksdk call", "tempest.lib call",
                 "openstacksdk test (login and 4 requests)"):
        for figure in ("socket ms", "in-process ms", "socket/in-process"):
            value = figures[f"{call}, {figure}"]
            assert isinstance(value, float) and value > 0, (call, figure, stdout)
        assert f"{call}, socket/in-process" in stdout


@pytest.mark.slow
def test_cold_start_times_the_app_serve_and_first_test_beside_their_floors(
        tmp_path: Path) -> None:
    figures, stdout = run_benchmark("cold_start", tmp_path, "--quick")
    sessions = ["fakenova (socket)", "fakenova (in-process)", "pytest-httpserver"]
    if shutil.which("moto_server", path=os.path.dirname(sys.executable)):
        sessions.append("moto")
    else:
        assert "moto is not installed" in stdout
    expected = [*(f"app_first_answer_ms[{n}]" for n in ("fakenova", "bare Flask")),
                "app_ratio[fakenova/bare Flask]",
                *(f"serve_first_answer_ms[{n}]" for n in ("fakenova", "pytest-httpserver")),
                "serve_ratio[fakenova/pytest-httpserver]",
                *(f"first_test_ms[{kind}]" for kind in sessions)]
    assert sorted(figures) == sorted(expected), stdout
    assert all(figures[name] > 0 for name in expected)
    assert "app_ratio[fakenova/bare Flask]" in stdout and "<= 1.2" in stdout
