"""What the pytest fixture costs a test suite: per-test reset at several state sizes, the
session server's start (to its first answer) and stop, importing the plugin, and the time of
a test taking ``fakenova`` beside one taking pytest-httpserver's ``httpserver`` and one taking
no fixture (the three take turns in one pytest run, timed inside it); what a served cloud's
state costs in memory (its process's resident set, and Python's heap); and a served cloud's
reset over HTTP, beside one round trip and moto's reset. Cold starts are
``benchmarks.cold_start``'s.

    python -m benchmarks.fixture_costs [--repeat N] [--json FILE] [--quick]

Each figure is the median of several runs (N for the in-process resets); the things a figure
compares are interleaved within each run so that a noisy machine affects them alike.
``--quick`` measures everything the least number of times, for a smoke test.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import http.client
import itertools
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from fakenova import create_app
from fakenova.serving import FakenovaServer
from fakenova.testing.handle import Fakenova, LocalBackend

SIZES = (10, 1000, 10000)
HTTP_FIXTURE_SIZE = 1000
TARGETS = {
    "ratio fakenova/pytest-httpserver": 1.5,
    "memory_mib_per_1000_objects": 4.0,
    "http_reset_ratio[reset/round_trip]": 3.0,
}


@dataclasses.dataclass(frozen=True)
class Plan:
    """How many times each figure is measured (``--repeat`` sets the in-process resets'), and
    how large the cloud whose memory is measured: the issue asks for 10,000 of each.
    ``memory`` rounds each start two processes, one building the largest cloud and one the
    smallest."""

    start_stop: int = 20
    imports: int = 7
    suite_tests: int = 500
    suites: int = 3
    memory: int = 3
    http: int = 200
    moto: int = 50
    memory_size: int = 10000


QUICK = Plan(start_stop=1, imports=1, suite_tests=50, suites=3, memory=1, http=1,
             moto=1, memory_size=2000)


def populated_fixture(count: int) -> dict[str, list[dict[str, Any]]]:
    """``count`` servers and ``count`` volumes in project demo, half of them attached."""
    servers = [{"name": f"vm-{i}", "project": "demo", "id": f"00000000-0000-4000-8000-{i:012d}"}
               for i in range(count)]
    volumes = [{"name": f"vol-{i}", "project": "demo", "id": f"10000000-0000-4000-8000-{i:012d}"}
               for i in range(count)]
    attachments = [{"server": servers[i]["id"], "volume": volumes[i]["id"]}
                   for i in range(0, count, 2)]
    return {"servers": servers, "volumes": volumes, "attachments": attachments}


def per_test_cost(path: str) -> Callable[[], float]:
    """One test's worth of fixture work: reset, a project of its own, a little seeding."""
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


def reset_only(path: str) -> Callable[[], float]:
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
    code = ("import time, pytest; t = time.perf_counter(); import fakenova.testing.pytest_plugin; "
            "print(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout)


PER_TEST_SUITE = {
    "none": "def test_{n}_none():\n    pass\n",
    "fakenova": "def test_{n}_fakenova(fakenova):\n    pass\n",
    "httpserver": "def test_{n}_httpserver(httpserver):\n    pass\n",
}
STAMPING_PLUGIN = """
import json, os, time
stamps = []
def pytest_runtest_logstart(nodeid, location):
    stamps.append((nodeid, time.perf_counter()))
def pytest_sessionfinish(session):
    with open(os.environ["FAKENOVA_BENCH_STAMPS"], "w") as out:
        json.dump(stamps, out)
"""
WARM_UP_TESTS = 30  # the first tests also pay for the session: imports, the servers' start


def seconds_per_test(tests: int, directory: str) -> dict[str, float]:
    """One pytest run whose empty tests take turns: one taking no fixture, one taking
    ``fakenova``, one taking ``httpserver``, ``tests`` times over. A test's time runs from
    its start to the next one's (its setup, call and teardown); each kind's is the median of
    its tests'. Timed inside one run, so that pytest's start stays out of it and whatever
    slows the machine slows all three kinds alike."""
    with open(f"{directory}/test_turns.py", "w") as out:
        out.write("".join(code.format(n=n) for n in range(tests)
                          for code in PER_TEST_SUITE.values()))
    with open(f"{directory}/conftest.py", "w") as out:
        out.write(STAMPING_PLUGIN)
    stamps_file = f"{directory}/stamps.json"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "test_turns.py"], check=True, capture_output=True, cwd=directory,
                   env={**os.environ, "FAKENOVA_BENCH_STAMPS": stamps_file})
    with open(stamps_file) as stamps_in:
        stamps = json.load(stamps_in)[WARM_UP_TESTS:]
    durations: dict[str, list[float]] = {kind: [] for kind in PER_TEST_SUITE}
    for (nodeid, start), (_, end) in itertools.pairwise(stamps):
        durations[nodeid.rsplit("_", 1)[1]].append(end - start)
    return {kind: statistics.median(times) for kind, times in durations.items()}


def test_times(tests: int, rounds: int) -> dict[str, float]:
    """Seconds a test takes that takes no fixture, ``fakenova``, or pytest-httpserver's
    ``httpserver``: the median over ``rounds`` runs of each kind's median test."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        runs = [seconds_per_test(tests, directory) for _ in range(rounds)]
    return {kind: statistics.median(run[kind] for run in runs) for kind in PER_TEST_SUITE}


def write_fixture(count: int, tmp: str) -> str:
    """A fixture file of ``count`` servers and volumes, as ``fakenova serve`` would load."""
    path = f"{tmp}/state-{count}.json"
    with open(path, "w") as out:
        json.dump(populated_fixture(count), out)
    return path


def traced_heap(path: str) -> int:
    """Bytes of Python heap that a cloud built from ``path`` holds once built: tracemalloc
    runs only around the build, so what it finds is the cloud's and what the build left. Its
    running total is what a snapshot's traces add up to, without a second spent summing."""
    gc.collect()
    tracemalloc.start()
    try:
        app = create_app([path])
        gc.collect()
        heap = tracemalloc.get_traced_memory()[0]
        del app
    finally:
        tracemalloc.stop()
    return heap


def heap_per_1000(paths: dict[int, str], rounds: int) -> float:
    """MiB of heap that 1,000 servers plus 1,000 volumes cost: the largest cloud's heap less
    the smallest's, so that what every cloud holds whatever its size cancels out."""
    small, large = sorted(paths)
    traced_heap(paths[small])                          # first builds fill lazy caches
    heaps: dict[int, list[int]] = {small: [], large: []}
    for _ in range(rounds):
        for count in (small, large):
            heaps[count].append(traced_heap(paths[count]))
    extra = statistics.median(heaps[large]) - statistics.median(heaps[small])
    return extra / 2**20 / ((large - small) / 1000)


def resident_bytes() -> tuple[int, bool]:
    """This process's resident set size now, and True; where there is no
    ``/proc/self/statm`` (not Linux), the largest it has been (getrusage's maxrss), and
    False."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE"), True
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return (peak if sys.platform == "darwin" else peak * 1024), False  # macOS: bytes


def served_cloud_rss(path: str) -> tuple[int, bool]:
    """Build a cloud from the fixture ``path`` as ``fakenova serve --fixture`` does (its
    imports, its clock, its listening socket, then ``gc.freeze()``), and give
    ``resident_bytes()`` once it is built."""
    import fakenova.cli  # noqa: F401  (what serve has imported before it builds)

    server = FakenovaServer(create_app([path], clock="timed"), "127.0.0.1", 0)
    gc.freeze()
    try:
        return resident_bytes()
    finally:
        server.stop()


SERVED_CLOUD_RSS = ("import sys; from benchmarks.fixture_costs import served_cloud_rss; "
                    "print(*served_cloud_rss(sys.argv[1]))")
CHECKOUT = pathlib.Path(__file__).resolve().parent.parent


def rss_in_fresh_process(path: str) -> tuple[int, bool]:
    """``served_cloud_rss(path)`` in a process of its own: one that has built nothing else."""
    out = subprocess.run([sys.executable, "-c", SERVED_CLOUD_RSS, path], capture_output=True,
                         text=True, check=True, cwd=CHECKOUT).stdout.split()
    return int(out[0]), out[1] == "True"


def rss_per_1000(paths: dict[int, str], rounds: int) -> tuple[float, bool]:
    """MiB of resident memory that 1,000 servers plus 1,000 volumes cost a served cloud, and
    whether that was measured on the current resident set (False: on the peak). In each
    round a fresh process builds the smallest cloud and another the largest; the difference
    of their resident sets, the median over the rounds, is per 1,000. What a process holds
    whatever its cloud's size cancels out; what loading left behind (parsed documents,
    copies, pages the allocators kept) counts, as the system sees it."""
    small, large = sorted(paths)
    extras: list[int] = []
    current = True
    for _ in range(rounds):
        sizes: dict[int, int] = {}
        for count in (small, large):
            sizes[count], exact = rss_in_fresh_process(paths[count])
            current = current and exact
        extras.append(sizes[large] - sizes[small])
    return statistics.median(extras) / 2**20 / ((large - small) / 1000), current


def memory_figures(paths: dict[int, str], rounds: int) -> dict[str, float]:
    """Memory per 1,000 servers and volumes as the system sees it (the resident set, with
    its target) and as Python's heap (tracemalloc)."""
    rss, current = rss_per_1000(paths, rounds)
    if not current:
        print("no /proc/self/statm here: memory is measured on the peak resident set "
              "(getrusage's maxrss), which counts what loading used and gave back")
    return {"memory_mib_per_1000_objects": round(rss, 3),
            "python_heap_mib_per_1000_objects": round(heap_per_1000(paths, rounds), 3)}


def send(url: str, method: str, path: str, status: int) -> float:
    """Seconds for one request on a connection of its own, to the end of its answer: the
    servers measured here close a connection after each answer anyway."""
    where = urlsplit(url)
    start = time.perf_counter()
    connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port,
                                            timeout=10)
    try:
        connection.request(method, path)
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - start
    if answer.status != status:
        raise RuntimeError(f"{method} {url}{path} answered {answer.status}, not {status}")
    return elapsed


def interleaved(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Median seconds of each of ``runs``, taking one of each in turn ``rounds`` times."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, one in runs.items():
            samples[name].append(one())
    return {name: statistics.median(values) for name, values in samples.items()}


@contextlib.contextmanager
def served(path: str) -> Iterator[str]:
    """A cloud built from ``path``, served in this process as the pytest fixture serves it."""
    server = FakenovaServer(create_app([path])).start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def moto_server() -> Iterator[str | None]:
    """moto's server mode on a free port, accepting connections; None without moto."""
    command = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    if command is None:
        yield None
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with subprocess.Popen([command, "-H", "127.0.0.1", "-p", str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        try:
            give_up = time.perf_counter() + 60
            while True:
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                if process.poll() is not None or time.perf_counter() > give_up:
                    raise RuntimeError(f"moto_server did not listen on port {port}")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait()


def http_figures(path: str, plan: Plan) -> dict[str, float]:
    """fakenova's reset over HTTP beside the cheapest round trip it serves and, where moto
    is installed, beside moto's own reset: what a suite resetting a served fake pays."""
    results: dict[str, float] = {}
    with served(path) as url:
        def reset() -> float:
            return send(url, "POST", "/_fakenova/reset", 204)

        ours = interleaved({"reset": reset,
                            "round_trip": lambda: send(url, "GET", "/compute/", 200)},
                           plan.http)
        results["http_reset_ms"] = ms(ours["reset"])
        results["http_round_trip_ms"] = ms(ours["round_trip"])
        results["http_reset_ratio[reset/round_trip]"] = round(
            ours["reset"] / ours["round_trip"], 2)
        with moto_server() as moto:
            if moto is None:
                print("moto is not installed (pip install 'moto[server]'): "
                      "its reset is not compared")
                return results
            send(moto, "POST", "/moto-api/reset", 200)     # its first reset loads its models
            both = interleaved({"moto": lambda: send(moto, "POST", "/moto-api/reset", 200),
                                "fakenova": reset}, plan.moto)
            results["moto_reset_ms"] = ms(both["moto"])
            results["fakenova_http_reset_ms"] = ms(both["fakenova"])
    return results


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def median_ms(samples: list[float]) -> float:
    return ms(statistics.median(samples))


def print_table(results: dict[str, float], targets: dict[str, float] = TARGETS,
                digits: int = 3) -> None:
    """Each figure, and beside those with a target, the target and whether this run met
    it."""
    width = max(map(len, results))
    print(f"{'figure':<{width}}  {'value':>9}  target")
    for name, value in results.items():
        target = targets.get(name)
        verdict = "" if target is None else (
            f"<= {target:g}  {'met' if value <= target else 'MISSED'}")
        print(f"{name:<{width}}  {value:>9.{digits}f}  {verdict}".rstrip())


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true",
                        help="measure everything the least number of times (a smoke test)")
    args = parser.parse_args()
    plan = QUICK if args.quick else Plan()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: write_fixture(n, tmp) for n in {*SIZES, plan.memory_size, HTTP_FIXTURE_SIZE}}
        per_test = {n: per_test_cost(paths[n]) for n in SIZES}
        resets = {n: reset_only(paths[n]) for n in SIZES}
        samples: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for n in SIZES:
                samples.setdefault(f"reset_ms[{n}]", []).append(resets[n]())
                samples.setdefault(f"per_test_fixture_ms[{n}]", []).append(per_test[n]())
        results.update({name: median_ms(values) for name, values in samples.items()})
        del per_test, resets
        starts, stops = zip(*(start_and_stop() for _ in range(plan.start_stop)), strict=True)
        results["server_start_to_first_answer_ms"] = median_ms(list(starts))
        results["server_stop_ms"] = median_ms(list(stops))
        results["plugin_import_ms"] = median_ms([import_cost() for _ in range(plan.imports)])
        times = test_times(plan.suite_tests, plan.suites)
        for kind, name in (("none", "no fixture"), ("fakenova", "fakenova"),
                           ("httpserver", "pytest-httpserver")):
            results[f"test_ms[{name}]"] = ms(times[kind])
        results["ratio fakenova/pytest-httpserver"] = round(
            times["fakenova"] / times["httpserver"], 2)
        for kind, name in (("fakenova", "fakenova"), ("httpserver", "pytest-httpserver")):
            results[f"fixture_share_ms[{name}]"] = ms(times[kind] - times["none"])
        results.update(memory_figures({n: paths[n] for n in (SIZES[0], plan.memory_size)},
                                      plan.memory))
        results.update(http_figures(paths[HTTP_FIXTURE_SIZE], plan))
    print_table(results)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
