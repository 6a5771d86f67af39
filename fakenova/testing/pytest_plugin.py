"""pytest fixtures for code that talks to Nova: installed with fakenova, used with no import.

Nothing starts at import: the server starts the first time a test asks for ``fakenova``,
once per session (once per xdist worker), and each test gets fresh state and a project of
its own. Override ``fakenova_fixtures`` or ``fakenova_clock`` in a conftest, or mark a test:
``@pytest.mark.fakenova(fixtures=["my-cloud.yaml"], faults=[{...}], clock="manual")``.
With ``--fakenova-check`` (or ``check=True`` in the marker) a test whose cloud is left
inconsistent (``fakenova.consistency``) fails at teardown, with the problems listed.

With ``--fakenova-url URL`` (or ``FAKENOVA_URL``) the tests share a ``fakenova serve`` that
is already running instead: each still sees only its own project, and cleans it up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from flask import Flask

    from fakenova.serving import FakenovaServer
    from fakenova.testing.handle import Fakenova
    from fakenova.testing.mock import InProcessServer

_HANDLE = pytest.StashKey["Fakenova"]()


class FakenovaSettingIgnored(UserWarning):
    """A session setting that a shared server (``--fakenova-url``) cannot honour."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fakenova-url", default=None, metavar="URL",
                     help="share a running `fakenova serve` instead of starting one "
                          "(also FAKENOVA_URL)")
    parser.addoption("--fakenova-transport", choices=("socket", "inprocess"), default=None,
                     help="how clients reach the session's fakenova: over a socket on "
                          "127.0.0.1 (the default) or in-process at http://fakenova.test, "
                          "with no socket (ini: fakenova_transport)")
    parser.addini("fakenova_transport", "socket or inprocess (see --fakenova-transport)",
                  default="socket")
    parser.addoption("--fakenova-check", action="store_true", default=False,
                     help="after each test that uses the fakenova fixture, fail its teardown "
                          "if Nova's and Cinder's records disagree (a leaked attachment, a BDM "
                          "without its volume, ...): fakenova.consistency.check")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fakenova(fixtures=None, faults=None, clock=None, check=None, "
                   "subprocess=False): per-test fakenova settings: fixture files to load, "
                   "fault rules to add, the clock mode, whether to check consistency after "
                   "the test (as --fakenova-check), whether the code under test runs in "
                   "another process (skipped with the inprocess transport, which it cannot "
                   "reach)")


@pytest.fixture(scope="session")
def fakenova_fixtures() -> list[str]:
    """Fixture files (paths, or ``"demo"``) every test's cloud starts from; none by default."""
    return []


@pytest.fixture(scope="session")
def fakenova_account() -> str:
    """Whom ``connect_kwargs()``, ``env()`` and ``clouds_yaml()`` log in by default:
    ``demo`` (the test's own member user, the default) or ``admin``."""
    return "demo"


@pytest.fixture(scope="session")
def fakenova_clock() -> str:
    """How state transitions advance: ``immediate`` (default), ``timed`` or ``manual``."""
    return "immediate"


@pytest.fixture(scope="session")
def fakenova_url(request: pytest.FixtureRequest) -> str | None:
    """The URL of a shared ``fakenova serve``, or None to start one in this process."""
    import os

    return request.config.getoption("--fakenova-url") or os.environ.get("FAKENOVA_URL")


@pytest.fixture(scope="session")
def fakenova_transport(request: pytest.FixtureRequest) -> str:
    """``socket`` (a server thread on 127.0.0.1) or ``inprocess`` (no socket at all)."""
    chosen = request.config.getoption("--fakenova-transport") or request.config.getini(
        "fakenova_transport")
    if chosen not in ("socket", "inprocess"):
        raise pytest.UsageError(f"fakenova_transport is socket or inprocess, not {chosen!r}")
    return str(chosen)


@pytest.fixture(scope="session")
def fakenova_server(fakenova_fixtures: list[str], fakenova_clock: str,
                    fakenova_transport: str) -> Iterator[FakenovaServer | InProcessServer]:
    """The fakenova of this session (or xdist worker): on 127.0.0.1 and a free port, or
    in this process at http://fakenova.test."""
    from fakenova import create_app
    from fakenova.serving import FakenovaServer
    from fakenova.testing.mock import InProcessServer

    app = create_app(fakenova_fixtures, clock=fakenova_clock)  # type: ignore[arg-type]
    server = InProcessServer(app) if fakenova_transport == "inprocess" else FakenovaServer(
        app, "127.0.0.1", 0)
    with server:
        yield server


class _Session(NamedTuple):
    url: str | None                  # a shared server's, or None
    clock: str
    server: FakenovaServer | InProcessServer | None  # the session's own; None: a shared one
    check: bool                      # --fakenova-check


@pytest.fixture(scope="session")
def _fakenova_session(request: pytest.FixtureRequest) -> _Session:
    """What every test's ``fakenova`` needs of the session, gathered once. pytest looks up
    a fixture's declared fixtures again for every test that uses it, cached or not, so
    ``fakenova`` declares only this one (and ``fakenova_account``, which a conftest may
    override for each test)."""
    url = request.getfixturevalue("fakenova_url")
    if url:
        if request.getfixturevalue("fakenova_transport") == "inprocess":
            raise pytest.UsageError("--fakenova-url shares a server over a socket; it cannot "
                                    "be used with the inprocess transport")
        _warn_of_ignored_settings(request, url)
    return _Session(url=url, clock=request.getfixturevalue("fakenova_clock"),
                    server=None if url else request.getfixturevalue("fakenova_server"),
                    check=bool(request.config.getoption("--fakenova-check")))


def _warn_of_ignored_settings(request: pytest.FixtureRequest, url: str) -> None:
    """``fakenova_fixtures`` and ``fakenova_clock`` make the session's own server; a shared
    one was started with its own, so an override of either would be silently ignored."""
    import warnings

    ignored = [name for name, default in (("fakenova_fixtures", []),
                                          ("fakenova_clock", "immediate"))
               if request.getfixturevalue(name) != default]
    if ignored:
        warnings.warn(FakenovaSettingIgnored(
            f"{' and '.join(ignored)} do not apply with --fakenova-url: the server at {url} "
            "keeps the fixtures and clock it was started with (use the fakenova marker's "
            "fixtures, or fakenova serve's --fixture and --clock)"), stacklevel=1)


@pytest.fixture
def fakenova(request: pytest.FixtureRequest, fakenova_account: str,
             _fakenova_session: _Session) -> Iterator[Fakenova]:
    """A running fake OpenStack cloud with fresh state and a project of this test's own.

    ``openstack.connect(**fakenova.connect_kwargs())`` logs in as this test's member user
    (``user="admin"`` as the admin); ``add_server``, ``add_volume`` and ``attach`` seed;
    ``faults.add(...)`` injects failures; ``requests`` is the journal of this test's
    requests; ``clock.advance()`` moves a manual clock; ``env()`` and ``clouds_yaml()`` set
    up code that runs in a subprocess.
    """
    from fakenova.harness import fixture_files as fixtures
    from fakenova.testing.handle import Fakenova, LocalBackend, RemoteBackend
    from fakenova.testing.mock import InProcessServer

    marker = request.node.get_closest_marker("fakenova")
    settings: dict[str, Any] = dict(marker.kwargs) if marker else {}
    cloud = None
    session = _fakenova_session
    in_process = isinstance(session.server, InProcessServer)
    if settings.get("subprocess") and in_process:
        pytest.skip("the code under test runs in a subprocess, which cannot reach an "
                    "in-process cloud (--fakenova-transport=inprocess)")
    if session.server is None:
        if settings.get("clock"):
            pytest.fail("@pytest.mark.fakenova(clock=...) needs fakenova's own server, "
                        "not a shared one", pytrace=False)
        backend: Any = RemoteBackend(session.url or "")
    else:
        cloud = session.server.app.extensions["fakenova"]
        cloud.reset()
        cloud.state.set_clock_mode(settings.get("clock") or session.clock)
        backend = LocalBackend(cloud, session.server.url, in_process=in_process)
    handle = Fakenova(backend, name=request.node.nodeid, default_user=fakenova_account)
    for ref in settings.get("fixtures") or []:
        backend.seed(dict(fixtures.load(ref)))
    for rule in settings.get("faults") or []:
        handle.faults.add(rule)
    request.node.stash[_HANDLE] = handle
    check = settings.get("check")
    if check is None:
        check = session.check
    yield handle
    try:
        problems = _problems(handle) if check else []
    finally:
        if cloud is None:
            handle.close()  # a shared server keeps what a test leaves; our own is reset
        else:
            cloud.state.set_clock_mode(session.clock)
    if problems:
        pytest.fail("fakenova's consistency check failed after the test:\n"
                    + "\n".join(f"  - {problem}" for problem in problems), pytrace=False)


def _problems(handle: Fakenova) -> list[str]:
    """What ``consistency.check`` finds: on a cloud of our own, all of it; on a shared server
    (``GET /_fakenova/state?check=1``), what names a server or volume of the test's project."""
    from fakenova import consistency
    from fakenova.testing.handle import LocalBackend

    if isinstance(handle.backend, LocalBackend):
        return consistency.check(handle.backend.cloud.state)
    state = handle.backend.control("GET", "/state?check=1")  # type: ignore[attr-defined]
    ours = {item["id"] for item in [*state["servers"], *state["volumes"]]
            if item["project_id"] == handle.project_id}
    return [problem for problem in state["problems"]
            if any(object_id in problem for object_id in ours)]


@pytest.fixture
def fakenova_app(fakenova_fixtures: list[str], fakenova_clock: str) -> Flask:
    """A fresh fakenova Flask app, for ``app.test_client()`` use without a socket."""
    from fakenova import create_app

    return create_app(fakenova_fixtures, clock=fakenova_clock)  # type: ignore[arg-type]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None],
                              ) -> Iterator[None]:
    """A failing test's report shows the requests it made and the faults that fired."""
    report = yield
    handle = item.stash.get(_HANDLE, None)
    if handle is not None and report.failed and call.when == "call":
        fired = [rule for rule in handle.faults.rules() if rule.fired]
        lines = [handle.requests.describe()]
        if fired:
            lines.append("faults that fired:")
            lines += [f"  {r.id} {r.name or ''} fired {r.fired} of {r.seen}: "
                      f"{r.method or '*'} {r.path or '*'} -> {r.status or r.action}"
                      for r in fired]
        report.sections.append(("fakenova journal", "\n".join(lines)))
    return report
