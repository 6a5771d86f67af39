"""How long fakenova takes to be ready, from nothing: a new process that builds the demo
cloud and answers its first request (to that answer), beside a bare Flask app doing the same; a cold
``fakenova serve`` to its first answer, beside pytest-httpserver's cold start; and the first
test of a pytest session that takes ``fakenova`` (over a socket and in-process), beside one
taking pytest-httpserver's ``httpserver`` and one using moto's ``mock_aws``.

    python -m benchmarks.cold_start [--rounds N] [--json FILE] [--quick]

Each figure is the median over the rounds of a fresh process each; within a round every
kind takes its turn, so that a noisy machine slows them alike, and ratios are of medians
measured in the same run. fakenova's bytecode is written first, as installing it writes it.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fakenova
from benchmarks.fixture_costs import interleaved, print_table, send

TARGETS = {
    "app_ratio[fakenova/bare Flask]": 1.2,
    "serve_ratio[fakenova/pytest-httpserver]": 2.0,
}

# A new process that builds an app and answers one request through its WSGI interface, then
# says so: the time to that answer is measured, not the process's exit after it.
APP_PROCESSES = {
    "fakenova": """
from fakenova import create_app
answer = create_app(["demo"]).test_client().get("/compute/")
print(answer.status_code, flush=True)
""",
    "bare Flask": """
from flask import Flask
app = Flask("bare")
app.get("/")(lambda: {"versions": []})
answer = app.test_client().get("/")
print(answer.status_code, flush=True)
""",
}

HTTPSERVER_SERVE = """
import time
from pytest_httpserver import HTTPServer
server = HTTPServer(host="127.0.0.1", port=0)
server.start()
server.expect_request("/").respond_with_data("ok")
print(f"listening on http://127.0.0.1:{server.port}", flush=True)
while True:
    time.sleep(3600)
"""
SERVERS = {
    "fakenova": ([sys.executable, "-m", "fakenova", "serve", "--port", "0"], "/compute/"),
    "pytest-httpserver": ([sys.executable, "-c", HTTPSERVER_SERVE], "/"),
}

# The first (and only) test of a session, each making one request of its fake.
FIRST_TESTS = {
    "fakenova": """
import requests

def test_first(fakenova):
    assert requests.get(fakenova.url + "/compute/", timeout=10).status_code == 200
""",
    "pytest-httpserver": """
import requests

def test_first(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    assert requests.get(httpserver.url_for("/"), timeout=10).status_code == 200
""",
    "moto": """
import boto3
from moto import mock_aws

@mock_aws
def test_first():
    assert boto3.client("ec2", region_name="us-east-1").describe_volumes()["Volumes"] == []
""",
}
# Times a session from its start to the end of its first test's call (its fixtures' set-up
# included, the session's teardown not), into $FIRST_TEST_TIMES.
TIMING_PLUGIN = """
import os
import time

_started = []


def pytest_sessionstart(session):
    _started.append(time.perf_counter())


def pytest_runtest_logreport(report):
    if report.when == "call" and len(_started) == 1:
        _started.append(time.perf_counter())
        with open(os.environ["FIRST_TEST_TIMES"], "a") as out:
            out.write(f"{_started[1] - _started[0]}\\n")
"""
# kind -> (test file, pytest options)
SESSIONS = {
    "fakenova (socket)": ("fakenova", ["--fakenova-transport=socket"]),
    "fakenova (in-process)": ("fakenova", ["--fakenova-transport=inprocess"]),
    "pytest-httpserver": ("pytest-httpserver", []),
    "moto": ("moto", []),
}


def first_answer(url: str, path: str, deadline: float = 30.0) -> None:
    """GET ``path`` until the server answers: a process may print its URL before it
    listens."""
    give_up = time.perf_counter() + deadline
    while True:
        try:
            send(url, "GET", path, 200)
            return
        except ConnectionError:
            if time.perf_counter() > give_up:
                raise
            time.sleep(0.001)


def process_seconds(code: str) -> float:
    """Wall time from spawning a Python process running ``code`` to the first line it prints
    (the status of the answer it got), which must be 200."""
    start = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - start
        _, errors = process.communicate()
    if line.strip() != "200" or process.returncode != 0:
        raise RuntimeError(f"the process answered {line.strip()!r}:\n{errors}")
    return elapsed


def serve_seconds(command: list[str], path: str) -> float:
    """Wall time from spawning a server process to its first answer: what a suite that runs
    its fake in a process of its own waits before its first test."""
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"{command[:4]} exited without printing its URL")
            first_answer(line.split()[-1], path)
            return time.perf_counter() - start
        finally:
            process.terminate()
            process.wait()


def first_test_seconds(directory: Path, kind: str) -> float:
    """A pytest session of one test, from the session's start to the end of that test."""
    test, options = SESSIONS[kind]
    times = directory / "times"
    times.unlink(missing_ok=True)
    env = {**os.environ, "FIRST_TEST_TIMES": str(times), "PYTHONPATH": str(directory),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    # pytest rewrites the asserts of every module of a plugin's distribution and caches
    # the result beside the bytecode, as a user's first session does once.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "first_timing",
         *options, str(directory / f"test_{test.replace('-', '_')}.py")],
        cwd=directory, env=env, capture_output=True, text=True)
    if run.returncode != 0 or not times.exists():
        raise RuntimeError(f"the {kind} session failed:\n{run.stdout}\n{run.stderr}")
    return float(times.read_text().split()[0])


def write_sessions(directory: Path, kinds: list[str]) -> None:
    (directory / "first_timing.py").write_text(TIMING_PLUGIN)
    for test in {SESSIONS[kind][0] for kind in kinds}:
        (directory / f"test_{test.replace('-', '_')}.py").write_text(FIRST_TESTS[test])


def moto_installed() -> bool:
    return shutil.which("moto_server", path=os.path.dirname(sys.executable)) is not None


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(rounds: int) -> dict[str, float]:
    results: dict[str, float] = {}
    apps = interleaved({name: lambda code=code: process_seconds(code)
                        for name, code in APP_PROCESSES.items()}, rounds)
    results.update({f"app_first_answer_ms[{name}]": ms(s) for name, s in apps.items()})
    results["app_ratio[fakenova/bare Flask]"] = round(apps["fakenova"] / apps["bare Flask"], 2)
    served = interleaved({name: lambda spec=spec: serve_seconds(*spec)
                          for name, spec in SERVERS.items()}, rounds)
    results.update({f"serve_first_answer_ms[{name}]": ms(s) for name, s in served.items()})
    results["serve_ratio[fakenova/pytest-httpserver]"] = round(
        served["fakenova"] / served["pytest-httpserver"], 2)
    kinds = [kind for kind in SESSIONS if kind != "moto" or moto_installed()]
    if "moto" not in kinds:
        print("moto is not installed (pip install 'moto[server,ec2]'): not compared")
    with tempfile.TemporaryDirectory() as tmp:
        write_sessions(Path(tmp), kinds)
        for kind in kinds:  # a user's first session ever, which fills pytest's cache
            first_test_seconds(Path(tmp), kind)
        firsts = interleaved({kind: lambda kind=kind: first_test_seconds(Path(tmp), kind)
                              for kind in kinds}, rounds)
    results.update({f"first_test_ms[{kind}]": ms(s) for kind, s in firsts.items()})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="one round (a smoke test)")
    args = parser.parse_args()
    compileall.compile_dir(os.path.dirname(fakenova.__file__), quiet=1)
    results = measure(1 if args.quick else args.rounds)
    print_table(results, TARGETS, digits=2)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
