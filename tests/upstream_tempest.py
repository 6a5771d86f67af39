"""Upstream tempest, unmodified, against ``fakenova serve``: a fresh server with the demo
cloud and the ``tempest`` accounts, the ``tempest.conf`` and accounts file that
``fakenova tempest-config`` writes, and ``stestr run`` over the tests named in
``tests/upstream_tempest.yaml``. Their results are read from tempest's subunit stream.

``python -m tests.upstream_tempest`` runs them and prints each test's result.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import subunit
import testtools
import yaml

from fakenova import tempest_config

EXPECTED = Path(__file__).with_name("upstream_tempest.yaml")
REPORT = pytest.StashKey[str]()  # the last run's report, for the end of the pytest run
_ATTRIBUTES = re.compile(r"\[[^\]]*\]$")  # tempest's "[id-...,slow]" after a test's name
_RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Failure|Found|Request|Conflict|"
                     r"Timeout|Credentials|\w+Exc)\b.*:")
_CLASS_FIXTURE = re.compile(r"^(setUpClass|tearDownClass) \((?P<cls>[\w.]+)\)$")


@dataclass(frozen=True)
class Outcome:
    test: str
    status: str  # "pass", "skip" or "fail"
    reason: str = ""

    def line(self) -> str:
        return f"{self.status:4}  {self.test}" + (f"  ({self.reason})" if self.reason else "")


def expected() -> dict[str, str]:
    """Each listed test (its full id) and what it should give: ``pass``, or
    ``skip: <tempest's reason>``; the file lists them by class."""
    by_class = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
    return {f"{cls}.{name}": want for cls, tests in by_class.items()
            for name, want in tests.items()}


@contextmanager
def fakenova_serve() -> Iterator[str]:
    """``fakenova serve`` on a free port with the demo cloud and tempest's accounts."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fakenova", "serve", "--port", "0", "--fixture", "demo",
         "--fixture", tempest_config.FIXTURE, "--clock", "immediate"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", first)
        assert match, f"fakenova serve did not start: {first!r}"
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def run(tests: list[str], workdir: Path) -> list[Outcome]:
    """Run these tempest tests (full ids, without attributes) and give each one's outcome."""
    with fakenova_serve() as url:
        tempest_config.write(url, workdir)  # with .stestr.conf: tempest is installed
        selection = workdir / "include-list.txt"
        selection.write_text("".join(f"^{re.escape(test)}(\\[|$)\n" for test in tests))
        env = {**os.environ, "TEMPEST_CONFIG_DIR": str(workdir),
               "TEMPEST_CONFIG": "tempest.conf"}
        stestr = [sys.executable, "-m", "stestr"]
        subprocess.run([*stestr, "init"], cwd=workdir, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        done = subprocess.run(
            [*stestr, "run", "--concurrency", "1", "--subunit", "--include-list", str(selection)],
            cwd=workdir, env=env, capture_output=True, timeout=600)
    return outcomes(tests, _records(done.stdout))


def _records(stream: bytes) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    result = testtools.StreamToDict(records.append)
    result.startTestRun()
    subunit.ByteStreamToStreamResult(io.BytesIO(stream), non_subunit_name="stdout").run(result)
    result.stopTestRun()
    return records


def outcomes(tests: list[str], records: list[dict[str, Any]]) -> list[Outcome]:
    """Each test's outcome; a test its class's setUpClass skipped or failed takes that."""
    by_test: dict[str, Outcome] = {}
    by_class: dict[str, Outcome] = {}
    for record in records:
        if record["status"] == "exists":  # listed when the run began, not a result
            continue
        status = {"success": "pass", "skip": "skip"}.get(record["status"], "fail")
        found = Outcome(_ATTRIBUTES.sub("", record["id"]), status, _reason(record))
        fixture = _CLASS_FIXTURE.match(record["id"])
        if fixture and status != "pass":
            by_class[fixture.group("cls")] = found
        elif not fixture:
            by_test[found.test] = found
    results = []
    for test in tests:
        found = by_test.get(test) or by_class.get(test.rsplit(".", 1)[0])
        if found is None:
            results.append(Outcome(test, "fail", "not run"))
        else:
            results.append(Outcome(test, found.status, found.reason))
    return results


def _reason(record: dict[str, Any]) -> str:
    """A skip's reason, or the last line of a failure's traceback."""
    details = record["details"]
    if "reason" in details:
        return details["reason"].as_text().strip()
    if "traceback" not in details:
        return ""
    lines = [line.strip() for line in details["traceback"].as_text().splitlines()]
    raised = [n for n, line in enumerate(lines) if _RAISED.match(line)]
    if not raised:
        return next((line for line in reversed(lines) if line), "")[:300]
    last = raised[-1]
    detail = lines[last + 1] if last + 1 < len(lines) else ""
    return " ".join(part for part in (lines[last], detail) if part)[:300]


def report(results: list[Outcome]) -> str:
    counts = {status: sum(1 for r in results if r.status == status)
              for status in ("pass", "skip", "fail")}
    head = (f"upstream tempest {version('tempest')}: {counts['pass']} passed, "
            f"{counts['skip']} skipped, {counts['fail']} failed of {len(results)}")
    return "\n".join([head, *(r.line() for r in results)])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="fakenova-tempest-") as scratch:
        print(report(run(list(expected()), Path(scratch))))
