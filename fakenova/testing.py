"""The handle a test holds: its own project and user on a fake cloud, with what it needs to
seed servers and volumes, inject faults, move the clock and read the journal.

Used by the pytest plugin; usable on its own around ``create_app`` and ``FakenovaServer``.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from . import settings
from .cloud import Cloud
from .domain.model import BlockDeviceMapping, Project, Server, User, Volume
from .faults import FaultRegistry
from .journal import JournalEntry

_numbers = itertools.count(1)


class Requests:
    """The journal as one test sees it: only the requests made as its own project."""

    def __init__(self, cloud: Cloud, project_id: str) -> None:
        self._journal = cloud.journal
        self._project_id = project_id

    def __iter__(self) -> Any:
        return iter(self.calls())

    def __len__(self) -> int:
        return len(self.calls())

    def calls(self, method: str | None = None, path: str | None = None,
              **criteria: Any) -> list[JournalEntry]:
        criteria.setdefault("project", self._project_id)
        return self._journal.calls(method, path, **criteria)

    def assert_called(self, method: str | None = None, path: str | None = None,
                      times: int | None = None, **criteria: Any) -> list[JournalEntry]:
        criteria.setdefault("project", self._project_id)
        return self._journal.assert_called(method, path, times, **criteria)

    def assert_not_called(self, method: str | None = None, path: str | None = None,
                          **criteria: Any) -> None:
        criteria.setdefault("project", self._project_id)
        self._journal.assert_not_called(method, path, **criteria)

    def describe(self, limit: int = 50) -> str:
        entries = self.calls()[-limit:]
        return "\n".join(
            f"  {e.seq:>5} {e.method:<6} {e.path} -> {e.status or 'dropped'}"
            f"{f' [{e.fault}]' if e.fault else ''}" for e in entries) or "  (no requests)"


class Clock:
    def __init__(self, cloud: Cloud) -> None:
        self._cloud = cloud

    @property
    def mode(self) -> str:
        return self._cloud.state.clock.mode

    def now(self) -> float:
        return self._cloud.state.clock.now()

    def advance(self, seconds: float = 1.0) -> float:
        """Move a manual clock on; every transition that falls due is applied."""
        return self._cloud.advance(seconds)


class Fakenova:
    """A fake cloud as one test sees it: its own project, and a member user in it.

    ``user="demo"`` (the default everywhere) means that member user, so that tests sharing a
    server never see each other's servers and volumes; ``user="admin"`` is the cloud's admin.
    """

    def __init__(self, cloud: Cloud, url: str, name: str = "") -> None:
        self.cloud = cloud
        self.url = url.rstrip("/")
        suffix = f"{next(_numbers)}-{secrets.token_hex(3)}"
        self.password = secrets.token_urlsafe(12)
        self.project: Project = cloud.state.add_project(f"test-{suffix}",
                                                        id=secrets.token_hex(16))
        self.user: User = cloud.state.add_user(
            f"test-{suffix}", self.password, roles={self.project.id: ["member"]},
            id=secrets.token_hex(16))
        self.name = name
        self.requests = Requests(cloud, self.project.id)
        self.clock = Clock(cloud)

    # -- where it is and how to log in ---------------------------------------------------

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity"

    @property
    def compute_url(self) -> str:
        return f"{self.url}/compute/v2.1"

    @property
    def volume_url(self) -> str:
        return f"{self.url}/volume/v3/{self.project.id}"

    def _account(self, user: str) -> tuple[str, str, str]:
        if user == "demo":
            return self.user.name, self.password, self.project.name
        if user == "admin":
            return "admin", "admin", "admin"
        found = self.cloud.state.find_user(user)
        project = self.cloud.state.projects[next(iter(found.roles))]
        return found.name, found.password, project.name

    def connect_kwargs(self, user: str = "demo") -> dict[str, Any]:
        """Keyword arguments for ``openstack.connect(**...)``."""
        return {**settings.auth(self.url, *self._account(user)), "region_name": "RegionOne",
                "load_yaml_config": False, "load_envvars": False}

    def clouds_yaml(self, user: str = "demo", cloud_name: str = "fakenova") -> str:
        """A clouds.yaml document naming this cloud ``fakenova``."""
        return settings.clouds_yaml(self.url, *self._account(user), cloud_name=cloud_name)

    def env(self, user: str = "demo") -> dict[str, str]:
        """The OS_* variables, for code under test that runs in a subprocess."""
        return settings.os_env(self.url, *self._account(user))

    # -- seeding -------------------------------------------------------------------------

    def add_server(self, name: str | None = None, **attributes: Any) -> Server:
        """A server in this test's project (see ``State.add_server`` for the attributes)."""
        attributes.setdefault("project", self.project.id)
        return self.cloud.state.add_server(name or f"server-{secrets.token_hex(3)}",
                                           **attributes)

    def add_volume(self, name: str | None = None, **attributes: Any) -> Volume:
        attributes.setdefault("project", self.project.id)
        return self.cloud.state.add_volume(name or f"volume-{secrets.token_hex(3)}",
                                           **attributes)

    def attach(self, server: Server | str, volume: Volume | str,
               **attributes: Any) -> BlockDeviceMapping:
        """A completed attachment, as if attached long ago."""
        server_id = server.id if isinstance(server, Server) else server
        volume_id = volume.id if isinstance(volume, Volume) else volume
        return self.cloud.state.add_attachment(server_id, volume_id, **attributes)

    # -- faults, snapshots, reset --------------------------------------------------------

    @property
    def faults(self) -> FaultRegistry:
        return self.cloud.faults

    def snapshot(self, name: str) -> None:
        self.cloud.snapshot(name)

    def restore(self, name: str) -> None:
        self.cloud.restore(name)

    def reset(self) -> None:
        """The whole cloud back to its fixtures; this test keeps its project and user."""
        self.cloud.reset()
        self.cloud.state.projects[self.project.id] = self.project
        self.cloud.state.users[self.user.id] = self.user
