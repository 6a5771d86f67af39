"""The in-process transport against the urllib3 and requests versions users have.

    python -m tests.version_matrix [--only urllib3==X,requests==Y] [--cache DIR] [--json FILE]

(or ``python3 dev.py matrix [options]``). For each combination in ``COMBINATIONS``, the two
pure-Python wheels are installed with ``pip install --no-deps --target`` into a directory of
their own under the cache (kept, so a later run installs nothing), and fakenova's tests run
in a subprocess with that directory first on ``PYTHONPATH``, so that those versions shadow
the virtual environment's. The subprocess first reports the versions it imports (a
combination that does not get the intended ones fails) and tries ``fakenova.mock()``.

- urllib3 2: ``tests/test_inprocess.py`` and the client tests on the in-process transport
  (``tests/clients`` with ``-k inprocess``) must pass.
- urllib3 1.26: ``fakenova.mock()`` must be refused with its clear error, and the same client
  tests over a socket (``-k immediate``, the subprocess ones left out as in-process) must
  pass.

A table follows: urllib3, requests, which tests, passed, failed (errors included), skipped,
seconds, and for urllib3 1.26 whether the refusal appeared. The exit status is 1 when a
combination is not as expected.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Combination:
    urllib3: str
    requests: str
    note: str = ""  # why this pair: who ships it, or which end of the range it is

    @property
    def refused(self) -> bool:
        """urllib3 1 is refused by the in-process transport; the socket transport works."""
        return self.urllib3.split(".")[0] == "1"

    @property
    def name(self) -> str:
        return f"urllib3-{self.urllib3}_requests-{self.requests}"


# requests from 2.30, the first that takes urllib3 2: an older one wants charset_normalizer
# below 3, and its warning at import would stop the run (only these two wheels shadow the
# environment's packages).
COMBINATIONS = [
    Combination("1.26.12", "2.31.0", "Debian 12's urllib3"),
    Combination("1.26.20", "2.32.5", "the last urllib3 1"),
    Combination("2.0.2", "2.31.0", "the first urllib3 2 not yanked"),
    Combination("2.0.7", "2.31.0", "Ubuntu 24.04"),
    Combination("2.0.7", "2.34.2", "Ubuntu 24.04's urllib3, the newest requests"),
    Combination("2.1.0", "2.31.0"),
    Combination("2.2.3", "2.32.3"),
    Combination("2.3.0", "2.32.3"),
    Combination("2.4.0", "2.32.4"),
    Combination("2.5.0", "2.32.5"),
    Combination("2.6.3", "2.32.5"),
    Combination("2.7.0", "2.33.1"),
    Combination("2.8.0", "2.31.0", "the newest urllib3, Ubuntu 24.04's requests"),
    Combination("2.8.0", "2.34.2", "the newest"),
]

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
IN_PROCESS_TESTS = ["tests/test_inprocess.py", "tests/clients", "-k", "inprocess"]
SOCKET_TESTS = ["tests/clients", "-k", "immediate", "-m", "not subprocess"]
REFUSAL = re.compile(r"needs urllib3 2 or newer, not 1\.")

# Run in the subprocess: the versions it imports, and what fakenova.mock() does there.
PROBE = """
import json, requests, urllib3, fakenova
mocked = fakenova.mock()
try:
    mocked.start()
    mocked.stop()
    mock = "started"
except Exception as error:
    mock = f"{type(error).__name__}: {error}"
print(json.dumps({"urllib3": urllib3.__version__, "requests": requests.__version__,
                  "urllib3_file": urllib3.__file__, "mock": mock}))
"""


@dataclass
class Result:
    urllib3: str
    requests: str
    note: str
    tests: str  # inprocess or socket
    imported: str = ""  # the versions the subprocess imported, as "urllib3 / requests"
    mock: str = ""  # what fakenova.mock() did there
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    refusal: bool | None = None  # for urllib3 1: whether the clear refusal appeared
    ok: bool = False
    problem: str = ""


def parse_only(text: str) -> Combination:
    pins = dict(part.strip().split("==", 1) for part in text.split(",") if "==" in part)
    if set(pins) != {"urllib3", "requests"}:
        raise argparse.ArgumentTypeError(f"--only is urllib3==X,requests==Y, not {text!r}")
    listed = [c for c in COMBINATIONS if (c.urllib3, c.requests) == (pins["urllib3"],
                                                                      pins["requests"])]
    return listed[0] if listed else Combination(pins["urllib3"], pins["requests"])


def install(combination: Combination, cache: Path) -> Path:
    """The directory holding just the two wheels, installed once and kept (a run that
    stops half-way leaves only a scratch directory, never a half-filled one)."""
    target = cache / combination.name
    if (target / ".complete").exists():
        return target
    scratch = Path(tempfile.mkdtemp(prefix=f"{combination.name}.", dir=cache))
    try:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "--no-deps", "--target", str(scratch),
                        f"urllib3=={combination.urllib3}",
                        f"requests=={combination.requests}"], check=True)
        (scratch / ".complete").touch()
        shutil.rmtree(target, ignore_errors=True)
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def shadowing(target: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), env.get("PYTHONPATH")) if p)
    return env


def probe(combination: Combination, env: dict[str, str], result: Result) -> bool:
    """Whether the subprocess imports the intended versions; records what it saw."""
    run = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        result.problem = "the probe failed: " + " ".join(run.stderr.strip().splitlines()[-1:])
        return False
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    result.imported = f"{seen['urllib3']} / {seen['requests']}"
    result.mock = seen["mock"]
    if (seen["urllib3"], seen["requests"]) != (combination.urllib3, combination.requests):
        result.problem = f"imported {result.imported} from {seen['urllib3_file']}"
        return False
    return True


def run_tests(env: dict[str, str], selection: list[str], log: Path, result: Result) -> int:
    """Run pytest on ``selection``; the counts and seconds go into ``result``, the output
    into ``log``."""
    started = time.monotonic()
    run = subprocess.run([*PYTEST, *selection], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=1800)
    result.seconds = round(time.monotonic() - started, 1)
    log.write_text(run.stdout + run.stderr)
    summary = run.stdout.strip().splitlines()[-1:] or [""]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary[0])}
    result.passed, result.skipped = counts.get("passed", 0), counts.get("skipped", 0)
    result.failed = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
    return run.returncode


def check(combination: Combination, cache: Path) -> Result:
    result = Result(combination.urllib3, combination.requests, combination.note,
                    "socket" if combination.refused else "inprocess")
    try:
        env = shadowing(install(combination, cache))
    except subprocess.CalledProcessError:
        result.problem = "pip could not install the two wheels (see above)"
        return result
    if not probe(combination, env, result):
        return result
    selection = SOCKET_TESTS if combination.refused else IN_PROCESS_TESTS
    log = cache / f"{combination.name}.log"
    code = run_tests(env, selection, log, result)
    problems = [] if code == 0 and result.failed == 0 and result.passed > 0 else [
        f"pytest exited {code} (its output is in {log}):", *first_failures(log)]
    if combination.refused:
        result.refusal = bool(REFUSAL.search(result.mock))
        if not result.refusal:
            problems.insert(0, f"no clear refusal; fakenova.mock(): {result.mock}")
    elif result.mock != "started":
        problems.insert(0, f"fakenova.mock(): {result.mock}")
    result.ok, result.problem = not problems, "\n    ".join(problems)
    return result


def first_failures(log: Path, most: int = 5) -> list[str]:
    """The first lines of pytest's short summary of what failed."""
    lines = log.read_text().splitlines()
    return [line for line in lines if line.startswith(("FAILED tests/", "ERROR tests/"))][:most]


def table(results: list[Result]) -> str:
    head = ("urllib3", "requests", "tests", "passed", "failed", "skipped", "seconds",
            "refusal", "result", "note")
    rows = [head] + [(r.urllib3, r.requests, r.tests, str(r.passed), str(r.failed),
                      str(r.skipped), f"{r.seconds:.1f}",
                      "-" if r.refusal is None else ("yes" if r.refusal else "NO"),
                      "ok" if r.ok else "FAILED", r.note) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.version_matrix",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", type=parse_only, action="append", metavar="urllib3==X,"
                        "requests==Y", help="run this combination only (may be repeated)")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        default=Path(tempfile.gettempdir()) / "fakenova-version-matrix",
                        help="where each combination's wheels are installed and kept "
                             "(default: %(default)s)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    options.cache.mkdir(parents=True, exist_ok=True)
    results = []
    for combination in options.only or COMBINATIONS:
        print(f"urllib3 {combination.urllib3}, requests {combination.requests} ...",
              flush=True)
        result = check(combination, options.cache)
        print(f"  imported urllib3 / requests: {result.imported or '?'}; {result.passed} "
              f"passed, {result.failed} failed in {result.seconds:.1f} s; "
              f"{'ok' if result.ok else 'FAILED: ' + result.problem}", flush=True)
        results.append(result)
    print()
    print(table(results))
    if options.json:
        options.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
