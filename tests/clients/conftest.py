"""Real clients against a real fakenova server on loopback.

Two servers start once per session, one on the immediate clock and one on a fast timed
clock; ``live`` hands each test one of them, reset, so that every client test runs in both
modes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fakenova import Cloud, create_app
from fakenova.server import FakenovaServer

TIMED_STEP = 0.05


@dataclass
class Live:
    """A served fake cloud: where it is and its state, for seeding and checking."""

    url: str
    cloud: Cloud
    mode: str

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


@pytest.fixture(params=["immediate", "timed"])
def live(request: pytest.FixtureRequest) -> Live:
    """A served cloud with only the default accounts, on each clock in turn."""
    served: Live = request.getfixturevalue(f"{request.param}_server")
    served.cloud.reset()
    return served
