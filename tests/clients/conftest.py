"""Real clients against a real fakenova: on loopback, and in-process with no socket.

Three clouds start once per session: one served on the immediate clock, one on a fast timed
clock, and one in this process (``fakenova.mock``'s transport, immediate clock); ``live``
hands each test one of them, reset, so that every client test runs in all three. A test
marked ``subprocess`` runs a client in another process, which cannot reach the in-process
cloud, so it runs over the socket only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fakenova import Cloud, create_app
from fakenova.serving import FakenovaServer
from fakenova.testing.mock import InProcessServer

TIMED_STEP = 0.05


@dataclass
class Live:
    """A served fake cloud: where it is and its state, for seeding and checking."""

    url: str
    cloud: Cloud
    mode: str  # immediate, timed or inprocess (immediate, with no socket)

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity"

    @property
    def compute_url(self) -> str:
        return f"{self.url}/compute/v2.1"

    def volume_status(self, volume_id: str) -> str | None:
        """The volume's status as the cloud sees it now (None once deleted)."""
        with self.cloud.state.transaction() as state:
            volume = state.volumes.get(volume_id)
            return volume.status if volume else None

    def wait_for_volume(self, volume_id: str, status: str | None, timeout: float = 5.0) -> None:
        """Poll the state until the volume has ``status`` (None: until it is gone)."""
        deadline = time.monotonic() + timeout
        while (current := self.volume_status(volume_id)) != status:
            assert time.monotonic() < deadline, f"volume still {current}, not {status}"
            time.sleep(TIMED_STEP / 5)


@dataclass
class ErrorCase:
    """What a client test of an error case works on: a server (or a missing one's id),
    a volume, and another volume to swap to."""

    server: str
    volume: str
    other: str


MISSING_SERVER = "00000000-0000-4000-8000-000000000000"


def seed_error_case(live: Live, setup: str) -> ErrorCase:
    """``setup``: missing-server, locked, attached-elsewhere, attached or free."""
    state = live.cloud.state
    server = state.add_server("vm", locked=setup == "locked")
    volume = state.add_volume("data")
    other = state.add_volume("other")
    if setup == "attached-elsewhere":
        state.add_server("elsewhere")
        state.add_attachment("elsewhere", "data")
    if setup == "attached":
        state.add_attachment("vm", "data")
    server_id = MISSING_SERVER if setup == "missing-server" else server.id
    return ErrorCase(server_id, volume.id, other.id)


def _serve(mode: str) -> Iterator[Live]:
    step = TIMED_STEP if mode == "timed" else 1.0
    app = create_app(clock=mode, step=step)  # type: ignore[arg-type]
    with FakenovaServer(app) as server:
        yield Live(server.url, app.extensions["fakenova"], mode)


@pytest.fixture(scope="session")
def immediate_server() -> Iterator[Live]:
    yield from _serve("immediate")


@pytest.fixture(scope="session")
def timed_server() -> Iterator[Live]:
    yield from _serve("timed")


@pytest.fixture(scope="session")
def manual_server() -> Iterator[Live]:
    yield from _serve("manual")


@pytest.fixture(scope="session")
def inprocess_server() -> Iterator[Live]:
    app = create_app(clock="immediate")
    # a host of its own: fakenova.mock's default (http://fakenova.test) stays free for tests
    with InProcessServer(app, "http://clients.fakenova.test") as server:
        yield Live(server.url, app.extensions["fakenova"], "inprocess")


# The timed clock and the in-process transport repeat the immediate clock's tests: the
# fast subset (-m "not slow") runs those once, the whole suite all three.
@pytest.fixture(params=["immediate", pytest.param("timed", marks=pytest.mark.slow),
                        pytest.param("inprocess", marks=pytest.mark.slow)])
def live(request: pytest.FixtureRequest) -> Live:
    """A cloud with only the default accounts, on each clock and transport in turn."""
    if request.param == "inprocess" and request.node.get_closest_marker("subprocess"):
        pytest.skip("a client in a subprocess cannot reach an in-process cloud")
    served: Live = request.getfixturevalue(f"{request.param}_server")
    served.cloud.reset()
    return served
