"""``fakenova journal`` and ``fakenova state`` against a running fakenova: the requests a line
each (the pytest report's journal format), following new ones; the servers with their
attachments, the volumes and the rules in force; and a clear error when nothing answers."""

from __future__ import annotations

import re
from typing import Any

import openstack
import pytest

from fakenova import watch
from fakenova.cli import main
from fakenova.testing.handle import Fakenova

LINE = re.compile(r"^\s+\d+ (GET|POST|PUT|DELETE)\s+/\S+ -> (\d{3}|dropped)")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_journal_prints_each_request_as_the_pytest_report_does(
        fakenova: Fakenova, capsys: pytest.CaptureFixture[str]) -> None:
    server = fakenova.add_server("web")
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.get_server(server.id)
    list(conn.compute.volume_attachments(server.id))
    code, lines, _ = run(capsys, "journal", "--url", fakenova.url)
    assert code == 0
    assert all(LINE.match(line) for line in lines), lines
    assert any(f"GET    /compute/v2.1/servers/{server.id} -> 200" in line for line in lines)
    assert set(fakenova.requests.describe().splitlines()) <= set(lines)  # the test's own


def test_journal_limit_method_and_path_narrow_it(fakenova: Fakenova,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    server = fakenova.add_server("web")
    conn = openstack.connect(**fakenova.connect_kwargs())
    for _ in range(3):
        conn.compute.get_server(server.id)
    list(conn.compute.volume_attachments(server.id))
    _, lines, _ = run(capsys, "journal", "--url", fakenova.url, "--limit", "2")
    assert len(lines) == 2
    _, lines, _ = run(capsys, "journal", "--url", fakenova.url, "--method", "get",
                      "--path", "/servers/*/os-volume_attachments")
    assert len(lines) == 1 and "os-volume_attachments -> 200" in lines[0]


def test_follow_prints_new_requests_as_they_come(fakenova: Fakenova) -> None:
    server = fakenova.add_server("web")
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.get_server(server.id)
    client = watch.ControlClient(fakenova.url)
    naps: list[float] = []

    def nap(seconds: float) -> None:  # between polls: the client makes one more request
        naps.append(seconds)
        if len(naps) == 1:
            list(conn.compute.volume_attachments(server.id))
        assert len(naps) < 5, "the new request was never printed"

    printed: list[str] = []
    for text in watch.journal_lines(client, limit=1, follow=True, sleep=nap):
        printed.append(text)
        if len(printed) == 2:
            break
    assert f"/servers/{server.id} -> 200" in printed[0]
    assert "/os-volume_attachments -> 200" in printed[1]
    assert naps == [0.5]


def test_state_shows_servers_attachments_volumes_and_rules(
        fakenova: Fakenova, capsys: pytest.CaptureFixture[str]) -> None:
    server = fakenova.add_server("web", status="SHUTOFF", locked=True)
    volume = fakenova.add_volume("data", size=3, multiattach=True)
    fakenova.attach(server, volume, tag="db")
    fakenova.faults.add(status=409, method="POST", path="/servers/*/action")
    code, lines, _ = run(capsys, "state", "--url", fakenova.url)
    text = "\n".join(lines)
    assert code == 0
    assert re.search(rf"  web  {server.id}  SHUTOFF  \(locked\)\n      /dev/vd[b-z]  data  tag=db",
                     text), text
    assert f"  data  {volume.id}  in-use  3 GiB  multiattach" in text
    assert re.search(r"  fault-\d+  rule  409 POST /servers/\*/action  seen 0, fired 0", text)


@pytest.mark.parametrize("command", ["journal", "state"])
def test_nothing_listening_is_one_line_and_exit_1(command: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(capsys, command, "--url", "http://127.0.0.1:9")
    assert (code, lines) == (1, [])
    assert err.count("\n") == 1
    assert err.startswith("fakenova: cannot reach http://127.0.0.1:9/_fakenova/")


def test_a_refusal_is_reported_with_its_status(fakenova: Fakenova, monkeypatch: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "journal", "--url", f"{fakenova.url}/nowhere")
    assert code == 1
    assert "answered 404" in err


@pytest.mark.parametrize("route", ["/state", "/faults", "/clock", "/requests?since=x"])
def test_control_answers_end_with_a_newline_so_shells_do_not_run_on(fakenova: Fakenova,
                                                                     route: str) -> None:
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(f"{fakenova.url}/_fakenova{route}") as answer:
            raw = answer.read()
    except urllib.error.HTTPError as error:  # the 400 of a bad since
        raw = error.read()
    assert raw.endswith(b"}\n")
