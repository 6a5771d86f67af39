#!/usr/bin/env python3
"""Set up and run fakenova from a checkout, with nothing but Python 3 installed.

    python3 dev.py serve [serve options]   the demo cloud on http://127.0.0.1:8774
    python3 dev.py test [pytest options]   the whole test suite
    python3 dev.py bench [options]         the benchmarks
    python3 dev.py matrix [options]        the in-process transport on each urllib3 and
                                           requests version of tests/version_matrix.py

The first run makes a virtual environment in .venv and installs fakenova into it
(editable, with its test dependencies, and for ``bench`` moto as well); later runs reinstall
only when pyproject.toml changes. Two commands started at once (``serve`` in one terminal,
``test`` in another) take turns: the second waits while the first sets up.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".fakenova-installed"
LOCK = ROOT / ".venv.lock"
COMMANDS = {"serve": [str(BIN / "fakenova"), "serve"],
            "test": [str(BIN / "python"), "-m", "pytest"],
            "bench": [str(BIN / "python"), "-m", "benchmarks"],
            "matrix": [str(BIN / "python"), "-m", "tests.version_matrix"]}


@contextmanager
def setting_up() -> Iterator[None]:
    """Hold the set-up lock (where the platform has ``fcntl``); a second caller waits."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock, as before
        yield
        return
    with open(LOCK, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("dev.py: waiting for another dev.py to finish setting up .venv", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_environment(extras: str) -> None:
    with setting_up():
        _install(extras)


def _install(extras: str) -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        try:
            venv.create(VENV, with_pip=True)
        except Exception as error:  # Debian's python3 lacks ensurepip without python3-venv
            sys.exit(f"dev.py: cannot create a virtual environment ({error}); "
                     "on Debian or Ubuntu install the python3-venv package first")
    print("dev.py: installing fakenova and its test dependencies into .venv", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for args in (["--upgrade", "pip"], ["--editable", f"{ROOT}[{extras}]"]):
        if subprocess.run([*pip, *args]).returncode != 0:
            sys.exit(f"dev.py: 'pip install {' '.join(args)}' failed; see above")
    STAMP.write_text(wanted)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    ensure_environment("test,bench" if sys.argv[1] == "bench" else "test")
    command = [*COMMANDS[sys.argv[1]], *sys.argv[2:]]
    os.chdir(ROOT)
    # Replace this process, so that signals (Ctrl-C, SIGTERM) reach the command itself.
    os.execv(command[0], command)


if __name__ == "__main__":
    sys.exit(main())
