"""What a new user meets in the first hour, each case found by trying it: `serve` refuses
ports and steps that cannot work, a fixture cannot give a status no server or volume has,
shipped scenarios are found by name, and two dev.py commands started at once take turns."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fakenova import create_app
from fakenova.cli import _parser, main
from fakenova.cloud import Cloud
from fakenova.harness.fixture_files import FixtureError
from fakenova.harness.scenarios import ScenarioError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("args", "wrong"), [
    (["--port", "99999"], "--port: '99999' is not a port"),
    (["--port", "65536"], "--port: '65536' is not a port"),
    (["--port", "-5"], "--port: '-5' is not a port"),
    (["--port", "http"], "--port: 'http' is not a port"),
    (["--step", "-1"], "--step: '-1' is not a number of seconds above 0"),
    (["--step", "0"], "--step: '0' is not a number of seconds above 0"),
    (["--step", "nan"], "--step: 'nan' is not a number of seconds above 0"),
    (["--journal-cap", "0"], "--journal-cap: '0' is not a whole number of at least 1"),
    (["--token-ttl", "1.5"], "--token-ttl: '1.5' is not a whole number of at least 1"),
])
def test_serve_refuses_what_cannot_work_on_one_line(args: list[str], wrong: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", *args])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"fakenova serve: error: argument {wrong}")


@pytest.mark.parametrize("port", ["0", "65535"])
def test_the_ports_at_the_ends_of_the_range_are_accepted(port: str) -> None:
    assert _parser().parse_args(["serve", "--port", port]).port == int(port)


@pytest.mark.parametrize(("section", "entry", "wrong"), [
    ("servers", {"name": "x", "status": "FLYING"}, "unknown server status 'FLYING'"),
    ("volumes", {"name": "v", "status": "broken"}, "unknown volume status 'broken'"),
])
def test_a_fixture_cannot_give_a_status_that_does_not_exist(tmp_path: Path, section: str,
                                                            entry: dict[str, str],
                                                            wrong: str) -> None:
    fixture = tmp_path / "cloud.yaml"
    fixture.write_text(f"{section}: [{{{', '.join(f'{k}: {v}' for k, v in entry.items())}}}]\n")
    with pytest.raises(FixtureError, match=wrong):
        create_app(["demo", str(fixture)])
    app = create_app(["demo"])
    before = app.test_client().get("/_fakenova/state").get_json()
    answer = app.test_client().post("/_fakenova/seed", json={section: [entry]})
    assert answer.status_code == 400
    assert wrong in answer.get_json()["error"]["message"]
    assert app.test_client().get("/_fakenova/state").get_json() == before


@pytest.mark.parametrize("status", ["SHUTOFF", "shutoff", "stopped"])
def test_a_server_status_is_an_api_status_or_a_vm_state(status: str) -> None:
    app = create_app(["demo"])
    app.extensions["fakenova"].state.add_server("x", status=status)
    servers = app.test_client().get("/_fakenova/state").get_json()["servers"]
    assert next(s["status"] for s in servers if s["name"] == "x") == "SHUTOFF"


@pytest.mark.parametrize("name", ["scenario-flaky-attach", "flaky-attach",
                                  "scenario-flaky-attach.yaml"])
def test_a_shipped_scenario_is_found_by_name(name: str) -> None:
    assert Cloud(["demo"], scenario=name).faults.rules()


def test_an_unknown_scenario_names_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError, match="scenario-detach-race, scenario-flaky-attach"):
        Cloud(["demo"], scenario="nope")


def test_every_file_the_help_names_exists() -> None:
    """serve --help's examples name shipped fixtures and scenarios that can be found."""
    help_text = _parser().format_help()
    for line in help_text.splitlines():
        words = line.split()
        if "--faults" in words:
            Cloud(["demo"], scenario=words[words.index("--faults") + 1])


def test_two_dev_py_set_ups_take_turns(tmp_path: Path) -> None:
    """While one dev.py holds the set-up lock, another waits for it rather than finding a
    half-made .venv."""
    probe = textwrap.dedent(f"""
        import fcntl, sys
        sys.path.insert(0, {str(ROOT)!r})
        import dev
        with open(dev.LOCK, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("waits")
            else:
                print("free")
    """)
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    with dev.setting_up():
        held = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    after = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert (held.stdout, after.stdout) == ("waits\n", "free\n")
