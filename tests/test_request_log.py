"""``fakenova serve -v``: a line per request (method, path, status, microversion, project,
the fault that fired, time taken) and a line per state transition as the clock applies it;
colour codes only on a terminal."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from fakenova import create_app
from fakenova.harness.request_log import RequestLog

from .conftest import Api
from .test_serve import DEMO_SERVER, demo_session, serving, stop

DATA_1 = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"
ATTACH = f"/compute/v2.1/servers/{DEMO_SERVER}/os-volume_attachments"


def logged(colour: bool = False) -> tuple[Api, io.StringIO]:
    app = create_app(["demo"], clock="manual")
    stream = io.StringIO()
    app.extensions["fakenova"].log_requests(RequestLog(stream, colour=colour))
    return Api(app), stream


def test_each_request_is_a_line_with_what_a_developer_asks_first() -> None:
    api, stream = logged()
    answer = api.request("POST", ATTACH, version="2.89",
                         json={"volumeAttachment": {"volumeId": DATA_1}}, state_may_change=True)
    assert answer.status_code == 200
    api.client.get("/compute/v2.1/servers")
    lines = stream.getvalue().splitlines()
    assert re.fullmatch(rf"POST {ATTACH} 200 v2\.89 project demo \d+\.\d ms", lines[-2]), lines
    assert re.fullmatch(r"GET /compute/v2\.1/servers 401 \d+\.\d ms", lines[-1]), lines


def test_each_transition_is_a_line_as_the_clock_applies_it() -> None:
    api, stream = logged()
    api.request("POST", ATTACH, version="2.89", json={"volumeAttachment": {"volumeId": DATA_1}},
                state_may_change=True)
    assert "->" not in stream.getvalue()  # a manual clock: nothing has moved yet
    api.cloud.advance(10)
    assert stream.getvalue().splitlines()[-2:] == [
        "  volume data-1: reserved -> attaching", "  volume data-1: attaching -> in-use"]


def test_a_fault_that_fired_is_named() -> None:
    api, stream = logged()
    rule = api.cloud.faults.add({"status": 409, "method": "GET", "path": "/servers/*"})
    api.request("GET", f"/compute/v2.1/servers/{DEMO_SERVER}")
    assert re.search(rf"GET /compute/v2\.1/servers/{DEMO_SERVER} 409 v2\.1 project demo "
                     rf"fault {rule.id} \d", stream.getvalue())


def test_colour_only_when_asked_and_by_default_only_on_a_terminal() -> None:
    api, stream = logged(colour=True)
    api.request("GET", f"/compute/v2.1/servers/{DEMO_SERVER}")
    assert "\033[32m200\033[0m" in stream.getvalue()
    assert RequestLog(io.StringIO()).colour is False


@pytest.mark.slow
def test_serve_v_logs_to_stderr_without_colour_when_piped(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "fakenova", "serve", "--port", "0", "-v"]
    with serving(command, tmp_path) as (process, base):
        demo_session(base)
        assert stop(process) == 0
        err = process.stderr.read() if process.stderr else ""
    assert re.search(rf"GET /compute/v2\.1/servers/{DEMO_SERVER}/os-volume_attachments 200 "
                     r"v2\.89 project demo \d+\.\d ms", err), err
    assert "\033[" not in err
