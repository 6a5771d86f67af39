"""What the pytest fixture costs a test suite: per-test reset at several state sizes, the
session server's start (to its first answer) and stop, and importing the plugin.

    python -m benchmarks.fixture_costs [--repeat N] [--json FILE]

Each figure is the median of N runs; sizes are interleaved so that a noisy machine affects
them alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from fakenova import create_app
from fakenova.server import FakenovaServer
from fakenova.testing import Fakenova, LocalBackend

SIZES = (10, 1000, 10000)


def populated_fixture(count: int) -> dict[str, list[dict[str, Any]]]:
    """``count`` servers and ``count`` volumes in project demo, half of them attached."""
    servers = [{"name": f"vm-{i}", "project": "demo", "id": f"00000000-0000-4000-8000-{i:012d}"}
               for i in range(count)]
    volumes = [{"name": f"vol-{i}", "project": "demo", "id": f"10000000-0000-4000-8000-{i:012d}"}
               for i in range(count)]
    attachments = [{"server": servers[i]["id"], "volume": volumes[i]["id"]}
                   for i in range(0, count, 2)]
    return {"servers": servers, "volumes": volumes, "attachments": attachments}


def per_test_cost(count: int, tmp: str) -> Callable[[], float]:
    """One test's worth of fixture work: reset, a project of its own, a little seeding."""
    path = f"{tmp}/state-{count}.json"
    with open(path, "w") as out:
        json.dump(populated_fixture(count), out)
    app = create_app([path])
    cloud = app.extensions["fakenova"]
    backend = LocalBackend(cloud, "http://127.0.0.1:0")
    first = next(iter(cloud.state.servers.values()))
    cloud.state.add_server("warm-up")

    def one() -> float:
        start = time.perf_counter()
        cloud.reset()
        handle = Fakenova(backend)
        elapsed = time.perf_counter() - start
        handle.add_server("mine")                      # what a test then does
        cloud.state.touch(first)
        first.locked = not first.locked               # and a change to the shared state
        return elapsed

    return one


def reset_only(count: int, tmp: str) -> Callable[[], float]:
    path = f"{tmp}/state-{count}.json"
    cloud = create_app([path]).extensions["fakenova"]
    first = next(iter(cloud.state.servers.values()))

    def one() -> float:
        cloud.state.add_server("made-by-the-test")
        cloud.state.touch(first)
        first.locked = not first.locked
        start = time.perf_counter()
        cloud.reset()
        return time.perf_counter() - start

    return one


def start_and_stop() -> tuple[float, float]:
    app = create_app()
    start = time.perf_counter()
    server = FakenovaServer(app).start()
    with urllib.request.urlopen(f"{server.url}/compute/", timeout=5) as answer:
        answer.read()
    started = time.perf_counter() - start
    start = time.perf_counter()
    server.stop()
    return started, time.perf_counter() - start


def import_cost() -> float:
    """The plugin's own import time, with pytest already imported (as in a pytest run)."""
    code = ("import time, pytest; t = time.perf_counter(); import fakenova.pytest_plugin; "
            "print(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout)


PER_TEST_SUITE = {
    "none": "def test_{n}():\n    pass\n",
    "fakenova": "def test_{n}(fakenova):\n    pass\n",
    "httpserver": "def test_{n}(httpserver):\n    pass\n",
}


def pytest_suite_seconds(kind: str, tests: int, directory: str) -> float:
    """Wall time of a pytest run of ``tests`` empty tests that each take the fixture."""
    path = f"{directory}/test_{kind}.py"
    with open(path, "w") as out:
        out.write("".join(PER_TEST_SUITE[kind].format(n=n) for n in range(tests)))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path],
                   check=True, capture_output=True, cwd=directory)
    return time.perf_counter() - start


def fixture_cost_per_test(tests: int = 400, rounds: int = 3) -> dict[str, float]:
    """Per-test cost of the ``fakenova`` and pytest-httpserver's ``httpserver`` fixtures:
    the time a suite of empty tests takes with the fixture, less without it, per test."""
    import tempfile

    runs: dict[str, list[float]] = {kind: [] for kind in PER_TEST_SUITE}
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(rounds):
            for kind in PER_TEST_SUITE:
                runs[kind].append(pytest_suite_seconds(kind, tests, directory))
    base = statistics.median(runs["none"])
    return {kind: (statistics.median(runs[kind]) - base) / tests
            for kind in ("fakenova", "httpserver")}


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        per_test = {n: per_test_cost(n, tmp) for n in SIZES}
        resets = {n: reset_only(n, tmp) for n in SIZES}
        samples: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for n in SIZES:
                samples.setdefault(f"reset_ms[{n}]", []).append(resets[n]())
                samples.setdefault(f"per_test_fixture_ms[{n}]", []).append(per_test[n]())
        results.update({name: median_ms(values) for name, values in samples.items()})
    starts, stops = zip(*(start_and_stop() for _ in range(20)), strict=True)
    results["server_start_to_first_answer_ms"] = median_ms(list(starts))
    results["server_stop_ms"] = median_ms(list(stops))
    results["plugin_import_ms"] = median_ms([import_cost() for _ in range(7)])
    per_test = fixture_cost_per_test()
    results["fixture_per_test_ms[fakenova]"] = round(per_test["fakenova"] * 1000, 3)
    results["fixture_per_test_ms[pytest-httpserver]"] = round(per_test["httpserver"] * 1000, 3)
    results["ratio fakenova/pytest-httpserver"] = round(
        per_test["fakenova"] / per_test["httpserver"], 2)
    width = max(map(len, results))
    for name, value in results.items():
        print(f"{name:<{width}}  {value:>9.3f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
