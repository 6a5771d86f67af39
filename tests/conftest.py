"""Shared test fixtures: an app per test, and an HTTP client that checks every answer.

``api`` sends requests through the Flask test client as a real client would (token,
microversion header, JSON body). On every answer it checks two rules that hold for the
whole API, so each test gets them for free:

- a refused request (4xx/5xx) leaves the state exactly as it was;
- a successful attachment answer matches the response schema of the microversion the
  answer says it was served at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app
from fakenova.microversion import APIVersion

_ATTACHMENTS_PATH = re.compile(r"/servers/[^/]+/os-volume_attachments(?P<item>/[^/]+)?$")
_OPERATIONS = {("GET", False): "list", ("GET", True): "show", ("POST", False): "create",
               ("PUT", True): "update", ("DELETE", True): "delete"}
_UNSET: Any = object()


class Api:
    """A client of the fake cloud, with one token per user."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.cloud: Cloud = app.extensions["fakenova"]
        self._tokens: dict[str, str] = {}

    def token(self, user: str = "demo", password: str | None = None,
              project: str | None = None) -> str:
        """A token scoped to ``project``, by default the first project the user has roles on."""
        key = f"{user}/{project}"
        if key not in self._tokens:
            scope = ({"name": project, "domain": {"name": "Default"}} if project else
                     {"id": next(iter(self.cloud.state.find_user(user).roles))})
            body = {"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": user, "domain": {"name": "Default"}, "password": password or user}}},
                "scope": {"project": scope}}}
            answer = self.client.post("/identity/v3/auth/tokens", json=body)
            assert answer.status_code == 201, answer.get_data(as_text=True)
            self._tokens[key] = answer.headers["X-Subject-Token"]
        return self._tokens[key]

    def request(self, method: str, path: str, *, user: str | None = "demo",
                version: str | None = None, json: Any = _UNSET, data: bytes | str | None = None,
                headers: dict[str, str] | None = None, state_may_change: bool = False,
                ) -> TestResponse:
        sent = dict(headers or {})
        if user is not None:
            sent.setdefault("X-Auth-Token", self.token(user))
        if version is not None:
            sent.setdefault("OpenStack-API-Version", f"compute {version}")
        kwargs: dict[str, Any] = {"headers": sent}
        if json is not _UNSET:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        before = self.cloud.state.dump()
        answer = self.client.open(path, method=method, **kwargs)
        if answer.status_code >= 400 and not state_may_change:
            assert self.cloud.state.dump() == before, (
                f"{method} {path} answered {answer.status_code} but changed the state")
        elif answer.status_code < 300:
            self._check_response_schema(method, path, answer)
        return answer

    def _check_response_schema(self, method: str, path: str, answer: TestResponse) -> None:
        match = _ATTACHMENTS_PATH.search(path.split("?", 1)[0])
        if match is None:
            return
        operation = _OPERATIONS[(method, match.group("item") is not None)]
        served = APIVersion.parse(answer.headers["X-OpenStack-Nova-API-Version"])
        body = answer.get_json(silent=True) if answer.get_data() else None
        self.cloud.validators.validate_response(f"volume_attachments.{operation}", served, body)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)


def attachments_path(server_id: str, volume_id: str | None = None) -> str:
    path = f"/compute/v2.1/servers/{server_id}/os-volume_attachments"
    return f"{path}/{volume_id}" if volume_id else path


def assert_fault(answer: TestResponse, status: int, key: str, message: str) -> None:
    """The answer is an OpenStack fault body with exactly this status, key and message."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.get_json() == {key: {"code": status, "message": message}}


@pytest.fixture(scope="session")
def shared_app() -> Flask:
    """One app for the session: building its URL map costs more than most tests."""
    return create_app()


@pytest.fixture
def app(shared_app: Flask) -> Iterator[Flask]:
    """The app, reset: the default accounts and no servers or volumes."""
    shared_app.extensions["fakenova"].reset()
    yield shared_app


@pytest.fixture
def cloud(app: Flask) -> Cloud:
    """The app's cloud: ``cloud.state.add_server(...)`` and friends seed it."""
    return app.extensions["fakenova"]


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


def assert_fault_like(answer: TestResponse, status: int, key: str, pattern: str) -> None:
    """As assert_fault, for messages with a generated part (Cinder's request id)."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert list(body) == [key] and body[key]["code"] == status
    assert re.fullmatch(pattern, body[key]["message"]), body[key]["message"]


def as_user(api: Api, cloud: Cloud, user: str) -> dict[str, Any]:
    """Keyword arguments for ``api`` requests made as ``user``: demo and admin are the
    default accounts; any other name is a user of project demo holding only the role of that
    name (``reader``; ``observer``, a role that no rule knows)."""
    if user in ("demo", "admin"):
        return {"user": user}
    if not any(u.name == user for u in cloud.state.users.values()):
        cloud.state.add_user(user, user, roles={"demo": [user]})
    return {"user": None, "headers": {"X-Auth-Token": api.token(user, project="demo")}}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Upstream tempest's report, when tests/test_upstream_tempest.py ran."""
    from .upstream_tempest import REPORT

    found = terminalreporter.config.stash.get(REPORT, None)
    if found is not None:
        terminalreporter.write_sep("=", "upstream tempest against fakenova serve")
        terminalreporter.write_line(found)
