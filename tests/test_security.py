"""Security (README.md "Reliability, hostile input and security"): loopback by default and a
warning beyond it; a control API that answers loopback callers, or holders of its token, only;
tokens that expire and can be revoked, as Keystone's; other projects' objects invisible, as
upstream.

Already tested elsewhere, so not repeated here: another project's attachments (list, show,
attach, detach: test_list_show, test_attach, test_detach), volumes (test_volume_api) and
servers in listings (test_servers); members refused swap (test_update), shelveOffload and
all_tenants (test_servers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fakenova import Cloud, cli, create_app
from fakenova.domain import identity
from fakenova.harness.access import is_loopback

from .conftest import Api, assert_fault, attachments_path

TOKENS = "/identity/v3/auth/tokens"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
CONTROL_HEADER = "X-Fakenova-Control-Token"
OUTSIDE = {"REMOTE_ADDR": "10.0.0.7"}
NOT_LOOPBACK = ("The control API answers only callers on loopback, and {} is not. Start "
                "fakenova with --control-token TOKEN and send the token in "
                "X-Fakenova-Control-Token to use it from elsewhere.")


def _auth(user: str) -> dict[str, Any]:
    named = {"name": user, "domain": {"name": "Default"}}
    return {"auth": {"identity": {"methods": ["password"],
                                  "password": {"user": {**named, "password": user}}},
                     "scope": {"project": named}}}


def _issue(client: FlaskClient, user: str = "demo") -> tuple[str, dict[str, Any]]:
    answer = client.post(TOKENS, json=_auth(user))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.headers["X-Subject-Token"], answer.get_json()


def _lifetime(body: dict[str, Any]) -> timedelta:
    token = body["token"]
    return (datetime.strptime(token["expires_at"], TIME_FORMAT)
            - datetime.strptime(token["issued_at"], TIME_FORMAT))


def _keystone(status: int, title: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "title": title, "message": message}}


def _control_error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message}}


# -- fakenova serve beyond loopback: a real process ---------------------------------------


def _http(url: str, method: str = "GET", body: object = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            return answer.status, dict(answer.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@contextmanager
def _serve(tmp_path: Path, *options: str) -> Iterator[tuple[str, str]]:
    """Yield the first stdout line and the loopback URL; on leaving, SIGTERM the server by
    its pid and keep its stderr in ``tmp_path / 'stderr'``."""
    command = [sys.executable, "-m", "fakenova", "serve", "--port", "0", *options]
    env = {k: v for k, v in os.environ.items() if k != cli.CONTROL_TOKEN_ENV}
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            first_line = process.stdout.readline().strip()
            port = first_line.rsplit(":", 1)[-1]
            yield first_line, f"http://127.0.0.1:{port}"
            os.kill(process.pid, signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            (tmp_path / "stderr").write_text(process.stderr.read())
        finally:
            if process.poll() is None:
                process.kill()


def test_beyond_loopback_warns_and_keeps_the_control_api_to_loopback(tmp_path: Path) -> None:
    with _serve(tmp_path, "--host", "0.0.0.0", "--token-ttl", "7") as (first_line, url):
        assert first_line.startswith("fakenova listening on http://0.0.0.0:"), first_line
        port = url.rsplit(":", 1)[-1]
        assert _http(f"{url}/_fakenova/clock")[0] == 200  # this caller is on loopback
        status, _, body = _http(f"{url}{TOKENS}", "POST", _auth("demo"))
        assert status == 201 and _lifetime(body) == timedelta(seconds=7)
    warning = (tmp_path / "stderr").read_text()
    assert warning.startswith("fakenova: WARNING: listening on 0.0.0.0, which is not "
                              "loopback."), warning
    for said in ("no real security", f"reach port {port}", "admin/admin and demo/demo",
                 "read, change and delete every server and volume",
                 "The control API (/_fakenova) answers callers on loopback only",
                 "--control-token TOKEN"):
        assert said in warning, said


def test_on_loopback_no_warning_and_the_control_token_still_counts(tmp_path: Path) -> None:
    with _serve(tmp_path, "--control-token", "s3cret") as (first_line, url):
        assert first_line.startswith("fakenova listening on http://127.0.0.1:"), first_line
        assert _http(f"{url}/_fakenova/clock")[0] == 401
        assert _http(f"{url}/_fakenova/clock", headers={CONTROL_HEADER: "wrong"})[0] == 401
        assert _http(f"{url}/_fakenova/clock", headers={CONTROL_HEADER: "s3cret"})[0] == 200
    assert (tmp_path / "stderr").read_text() == ""


def test_the_warning_with_a_control_token() -> None:
    warning = cli.exposure_warning("::", 8774, control_token=True)
    assert warning.startswith("fakenova: WARNING: listening on ::, which is not loopback.")
    assert f"demands the {CONTROL_HEADER} header\n  from every caller" in warning


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.45.6.7", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LOCALHOST", True), ("::ffff:127.0.0.1", True),
    ("0.0.0.0", False), ("::", False), ("", False), ("10.0.0.7", False),
    ("::ffff:10.0.0.7", False), ("2001:db8::1", False), ("128.0.0.1", False),
    ("example.com", False),
])
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_cli_checks_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in (["--control-token", ""], ["--control-token", "has space"],
                ["--token-ttl", "0"]):
        with pytest.raises(SystemExit):
            cli.main(["serve", *bad])
    monkeypatch.setenv("FAKENOVA_CONTROL_TOKEN", "from-env")
    assert cli._parser().parse_args(["serve"]).control_token == "from-env"
    assert cli._parser().parse_args(["serve"]).token_ttl == 3600


# -- the control API in Python -------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded() -> Flask:
    return create_app(control_token="s3cret")


@pytest.mark.parametrize("address", ["10.0.0.7", "192.168.1.20", "::ffff:10.0.0.7",
                                     "2001:db8::7"])
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/_fakenova/state"), ("POST", "/_fakenova/reset"), ("GET", "/_fakenova/faults"),
    ("DELETE", "/_fakenova/requests"), ("GET", "/_fakenova/no-such-call"),
])
def test_no_control_token_refuses_callers_beyond_loopback(
        api: Api, cloud: Cloud, address: str, method: str, path: str) -> None:
    cloud.state.add_server("kept")
    answer = api.client.open(path, method=method, environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == 403
    assert answer.get_json() == _control_error(403, NOT_LOOPBACK.format(address))
    assert [s.name for s in cloud.state.servers.values()] == ["kept"]  # no reset happened


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.9", "::1", "::ffff:127.0.0.1"])
def test_no_control_token_lets_loopback_in(api: Api, address: str) -> None:
    answer = api.client.get("/_fakenova/clock", environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == 200


def test_the_other_services_answer_every_address(api: Api) -> None:
    answer = api.client.post(TOKENS, json=_auth("demo"), environ_base=OUTSIDE)
    assert answer.status_code == 201


@pytest.mark.parametrize("environ", [{}, OUTSIDE], ids=["loopback", "beyond"])
@pytest.mark.parametrize(("sent", "status", "message"), [
    (None, 401, "The control API needs the X-Fakenova-Control-Token header: fakenova was "
                "started with a control token."),
    ("wrong", 401, "The X-Fakenova-Control-Token header does not match the control token "
                   "fakenova was started with."),
    ("s3cre", 401, "The X-Fakenova-Control-Token header does not match the control token "
                   "fakenova was started with."),
    ("s3cret", None, None),
])
def test_control_token(guarded: Flask, environ: dict[str, str], sent: str | None,
                       status: int | None, message: str | None) -> None:
    headers = {CONTROL_HEADER: sent} if sent is not None else {}
    for method, path, success in (("GET", "/_fakenova/clock", 200),
                                  ("POST", "/_fakenova/reset", 204)):
        answer = guarded.test_client().open(path, method=method, headers=headers,
                                            environ_base=environ)
        assert answer.status_code == (status or success), answer.get_data(as_text=True)
        if message is not None:
            assert answer.get_json() == _control_error(401, message)


def test_control_token_is_not_needed_elsewhere(guarded: Flask) -> None:
    token, _ = _issue(guarded.test_client())
    answer = guarded.test_client().get(attachments_path("web-1"),
                                       headers={"X-Auth-Token": token})
    assert answer.status_code == 404  # past keystonemiddleware: the server is unknown


@pytest.mark.parametrize("bad", ["", "two words", "naïve"])
def test_create_app_refuses_a_control_token_no_header_can_carry(bad: str) -> None:
    with pytest.raises(ValueError, match="control token"):
        create_app(control_token=bad)


# -- token lifetime --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_lived() -> Flask:
    return create_app(["demo"], token_ttl=1)


def test_token_lifetime_defaults_to_keystones(api: Api) -> None:
    assert _lifetime(_issue(api.client)[1]) == timedelta(hours=1)


def test_tokens_expire_after_their_lifetime(short_lived: Flask,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    client = short_lived.test_client()
    token, body = _issue(client)
    assert _lifetime(body) == timedelta(seconds=1)
    project = short_lived.extensions["fakenova"].state.find_project("demo").id
    paths = ("/compute/v2.1/servers", f"/volume/v3/{project}/volumes")
    for path in paths:
        assert client.get(path, headers={"X-Auth-Token": token}).status_code == 200, path
    later = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    monkeypatch.setattr(identity, "utcnow", lambda: later)
    for path in paths:
        assert client.get(path, headers={"X-Auth-Token": token}).status_code == 401, path
    assert _tokens(client, "GET", token, token).status_code == 401
    admin, _ = _issue(client, "admin")  # issued now, so still valid
    assert _tokens(client, "GET", admin, token).get_json() == _keystone(
        404, "Not Found", "Failed to validate token")


@pytest.mark.parametrize("ttl", [0, -5, "60", True])
def test_token_lifetime_must_be_positive(ttl: Any) -> None:
    with pytest.raises(ValueError, match="token_ttl"):
        Cloud(token_ttl=ttl)


# -- validation and revocation, as Keystone ---------------------------------------------------


def _tokens(client: FlaskClient, method: str, caller: str | None, subject: str | None,
            query: str = "") -> Any:
    headers = {k: v for k, v in (("X-Auth-Token", caller), ("X-Subject-Token", subject))
               if v is not None}
    return client.open(f"{TOKENS}{query}", method=method, headers=headers)


def test_validate_and_check_a_token(api: Api) -> None:
    token, issued = _issue(api.client)
    answer = _tokens(api.client, "GET", token, token)
    assert answer.status_code == 200
    assert answer.headers["X-Subject-Token"] == token
    assert answer.get_json() == issued
    bare = _tokens(api.client, "GET", token, token, "?nocatalog").get_json()
    assert bare["token"] == {k: v for k, v in issued["token"].items() if k != "catalog"}
    head = _tokens(api.client, "HEAD", token, token)
    assert (head.status_code, head.get_data(), head.headers["X-Subject-Token"]) == (200, b"",
                                                                                   token)
    admin, _ = _issue(api.client, "admin")
    assert _tokens(api.client, "GET", admin, token).get_json() == issued  # an admin may


def test_revoke_a_token(api: Api, cloud: Cloud) -> None:
    doomed, _ = _issue(api.client)
    other, _ = _issue(api.client)  # demo's second token
    answer = _tokens(api.client, "DELETE", other, doomed)
    assert (answer.status_code, answer.get_data()) == (204, b"")
    project = cloud.state.find_project("demo").id
    for path in ("/compute/v2.1/servers", f"/volume/v3/{project}/volumes"):
        refused = api.client.get(path, headers={"X-Auth-Token": doomed})
        assert refused.get_json() == _keystone(401, "Unauthorized",
                                               "The request you have made requires "
                                               "authentication."), path
    assert _tokens(api.client, "GET", doomed, other).status_code == 401
    invalid = _keystone(404, "Not Found", "Failed to validate token")
    for method in ("GET", "DELETE"):
        assert _tokens(api.client, method, other, doomed).get_json() == invalid
    assert _tokens(api.client, "GET", other, other).status_code == 200  # the rest live on


def test_a_token_revokes_itself_and_admin_revokes_any(api: Api) -> None:
    mine, _ = _issue(api.client)
    assert _tokens(api.client, "DELETE", mine, mine).status_code == 204
    assert _tokens(api.client, "GET", mine, mine).status_code == 401
    demo, _ = _issue(api.client)
    admin, _ = _issue(api.client, "admin")
    assert _tokens(api.client, "DELETE", admin, demo).status_code == 204
    assert api.client.get("/compute/v2.1/servers",
                          headers={"X-Auth-Token": demo}).status_code == 401


FORBIDDEN = "You are not authorized to perform the requested action: identity:{}."


@pytest.mark.parametrize(("method", "caller", "subject", "status", "message"), [
    # Keystone's order: the caller's token, the subject token, the policy, then the action.
    ("GET", None, "demo", 401, "The request you have made requires authentication."),
    ("GET", "bogus", "demo", 401, "The request you have made requires authentication."),
    ("DELETE", None, "demo", 401, "The request you have made requires authentication."),
    ("GET", "demo", "gAAAAAbogus", 404, "Could not recognize Fernet token"),
    ("DELETE", "demo", "gAAAAAbogus", 404, "Could not recognize Fernet token"),
    ("GET", "demo", "", 404, "No token in the request"),
    ("GET", "admin", None, 404, "No token in the request"),
    ("DELETE", "admin", None, 404, "No token in the request"),
    ("GET", "demo", None, 403, FORBIDDEN.format("validate_token")),
    ("GET", "demo", "admin", 403, FORBIDDEN.format("validate_token")),
    ("HEAD", "demo", "admin", 403, None),
    ("DELETE", "demo", "admin", 403, FORBIDDEN.format("revoke_token")),
])
def test_token_refusals(api: Api, method: str, caller: str | None, subject: str | None,
                        status: int, message: str | None) -> None:
    tokens = {user: _issue(api.client, user)[0] for user in ("demo", "admin")}
    answer = _tokens(api.client, method, tokens.get(caller or "", caller),
                     tokens.get(subject or "", subject))
    assert answer.status_code == status, answer.get_data(as_text=True)
    if message is not None:
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[status]
        assert answer.get_json() == _keystone(status, title, message)
    for user, token in tokens.items():  # a refusal revokes nothing
        assert _tokens(api.client, "GET", token, token).status_code == 200, user


# -- another project's objects: 404 for members, visible to admin ----------------------------


SERVERS = "/compute/v2.1/servers"
INSTANCE_NOT_FOUND = "Instance {server} could not be found."


@pytest.mark.parametrize(("method", "path", "body", "version", "admin_status"), [
    ("GET", "{servers}/{server}", None, "2.1", 200),
    ("POST", "{servers}/{server}/action", {"os-stop": None}, "2.1", 202),
    ("PUT", "{attachment}", "update", "2.85", 202),
    ("DELETE", "{servers}/{server}", None, "2.1", 204),
], ids=["show-server", "server-action", "update-attachment", "delete-server"])
def test_another_projects_server_is_404_for_members(
        api: Api, cloud: Cloud, method: str, path: str, body: Any, version: str,
        admin_status: int) -> None:
    cloud.state.add_project("team-b")
    server = cloud.state.add_server("theirs", project="team-b")
    volume = cloud.state.add_volume("their-data", project="team-b")
    cloud.state.add_attachment(server.id, volume.id)
    names = {"servers": SERVERS, "server": server.id, "volume": volume.id,
             "attachment": attachments_path(server.id, volume.id)}
    url = path.format(**names)
    if body == "update":  # delete_on_termination, which a member may change on their own
        body = {"volumeAttachment": {"volumeId": volume.id, "delete_on_termination": True}}
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    answer = api.request(method, url, version=version, **kwargs)
    assert_fault(answer, 404, "itemNotFound", INSTANCE_NOT_FOUND.format(server=server.id))
    as_admin = api.request(method, url, user="admin", version=version, **kwargs)
    assert as_admin.status_code == admin_status, as_admin.get_data(as_text=True)
