"""The handle a test holds: its own project and user on a fake cloud, with what it needs to
seed servers and volumes, inject faults, move the clock and read the journal.

The cloud is either in this process (``LocalBackend``: direct calls, the fastest) or a
``fakenova serve`` shared with other test runs (``RemoteBackend``: the control API over
HTTP). Tests see the same handle either way.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from fakenova import client_settings as settings
from fakenova.cloud import Cloud
from fakenova.harness.fault_rules import FaultRegistry
from fakenova.harness.journal import JournalEntry, JournalQueries
from fakenova.watch import ControlClient, Refused


@dataclass(frozen=True)
class Account:
    project_id: str
    project_name: str
    user_name: str
    password: str


def new_account() -> Account:
    suffix = secrets.token_hex(4)
    return Account(secrets.token_hex(16), f"test-{suffix}", f"test-{suffix}",
                   secrets.token_urlsafe(12))


def account_fixture(account: Account) -> dict[str, Any]:
    return {"projects": [{"name": account.project_name, "id": account.project_id}],
            "users": [{"name": account.user_name, "password": account.password,
                       "roles": {account.project_id: ["member"]}}]}


class Backend(Protocol):
    url: str

    def seed(self, fixture: dict[str, Any], trusted: bool = False,
             ) -> dict[str, list[Any]]: ...
    def forget(self, account: Account) -> None: ...
    def calls(self, project: str, method: str | None, path: str | None,
              **criteria: Any) -> list[JournalEntry]: ...
    def advance(self, seconds: float) -> float: ...
    def clock_mode(self) -> str: ...
    def snapshot(self, name: str) -> None: ...
    def restore(self, name: str) -> None: ...


class LocalBackend:
    """A cloud in this process, called directly. ``in_process``: clients reach it with no
    socket either (``fakenova.mock``), so a subprocess cannot."""

    def __init__(self, cloud: Cloud, url: str, in_process: bool = False) -> None:
        self.cloud = cloud
        self.url = url
        self.in_process = in_process

    def seed(self, fixture: dict[str, Any], trusted: bool = False) -> dict[str, list[Any]]:
        return self.cloud.seed(fixture, trusted)

    def forget(self, account: Account) -> None:
        self.cloud.remove_project(account.project_id)

    def calls(self, project: str, method: str | None, path: str | None,
              **criteria: Any) -> list[JournalEntry]:
        return self.cloud.journal.calls(method, path, project=project, **criteria)

    def advance(self, seconds: float) -> float:
        return self.cloud.advance(seconds)

    def clock_mode(self) -> str:
        return self.cloud.state.clock.mode

    def snapshot(self, name: str) -> None:
        self.cloud.snapshot(name)

    def restore(self, name: str) -> None:
        self.cloud.restore(name)


class RemoteBackend:
    """A ``fakenova serve`` elsewhere, driven through its control API."""

    def __init__(self, url: str, control_token: str | None = None) -> None:
        """``control_token``: what the server's ``--control-token`` demands, if anything
        (by default the FAKENOVA_CONTROL_TOKEN variable)."""
        self.url = url.rstrip("/")
        self.control_token = control_token or os.environ.get("FAKENOVA_CONTROL_TOKEN")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        try:
            return ControlClient(self.url, self.control_token).call(method, path, body)
        except Refused as error:
            raise AssertionError(f"fakenova refused: {error}") from error

    def seed(self, fixture: dict[str, Any], trusted: bool = False) -> dict[str, list[Any]]:
        created = self.control("POST", "/seed", fixture)  # the server checks it regardless
        return {section: [SimpleNamespace(**item) for item in items]
                for section, items in created.items()}

    def forget(self, account: Account) -> None:
        self.control("DELETE", f"/projects/{account.project_id}")

    def calls(self, project: str, method: str | None, path: str | None,
              **criteria: Any) -> list[JournalEntry]:
        entries = self.control("GET", f"/requests?project={project}")["requests"]
        found = [JournalEntry.from_json(entry) for entry in entries]
        return [e for e in found if e.matches(method=method, path=path, **criteria)]

    def advance(self, seconds: float) -> float:
        return float(self.control("POST", "/clock", {"advance": seconds})["now"])

    def clock_mode(self) -> str:
        return str(self.control("GET", "/clock")["mode"])

    def snapshot(self, name: str) -> None:
        self.control("POST", "/snapshots", {"name": name})

    def restore(self, name: str) -> None:
        self.control("POST", f"/snapshots/{name}/restore")


class RemoteRule(SimpleNamespace):
    """A rule on a shared server; as a context manager, in force only inside the block."""

    def __enter__(self) -> RemoteRule:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._faults.remove(self.id)


class RemoteFaults:
    """Fault rules on a shared server: scoped to the test's project unless told otherwise."""

    def __init__(self, backend: RemoteBackend, project_id: str) -> None:
        self._backend = backend
        self._project_id = project_id

    def add(self, spec: dict[str, Any] | None = None, /, **keys: Any) -> RemoteRule:
        rule = {**(spec or {}), **keys}
        if rule.get("service") != "identity" and rule.get("preset") != "keystone_503":
            rule.setdefault("project", self._project_id)
        return self._rule(self._backend.control("POST", "/faults", rule))

    def preset(self, name: str, **params: Any) -> RemoteRule:
        return self.add({"preset": name, **params})

    def rules(self) -> list[RemoteRule]:
        rules = self._backend.control("GET", "/faults")["faults"]
        return [self._rule(r) for r in rules if r.get("project") == self._project_id]

    def _rule(self, fields: dict[str, Any]) -> RemoteRule:
        defaults = {"name": None, "method": None, "path": None, "status": None}
        return RemoteRule(**{**defaults, **fields}, _faults=self)

    def remove(self, rule_id: str) -> None:
        self._backend.control("DELETE", f"/faults/{rule_id}")

    def clear(self) -> None:
        for rule in self.rules():
            self.remove(rule.id)


class Requests(JournalQueries):
    """The journal as one test sees it: only the requests made as its own project."""

    def __init__(self, backend: Backend, project_id: str) -> None:
        self._backend = backend
        self._project_id = project_id

    def calls(self, method: str | None = None, path: str | None = None,
              **criteria: Any) -> list[JournalEntry]:
        return self._backend.calls(self._project_id, method, path, **criteria)

    def __iter__(self) -> Any:
        return iter(self.calls())

    def __len__(self) -> int:
        return len(self.calls())


class Clock:
    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    @property
    def mode(self) -> str:
        """``immediate``, ``timed`` or ``manual``."""
        return self._backend.clock_mode()

    def advance(self, seconds: float = 1.0) -> float:
        """Move a manual clock on; every transition that falls due is applied."""
        return self._backend.advance(seconds)


class Fakenova:
    """A fake cloud as one test sees it: its own project, and a member user in it.

    ``user="demo"`` (the default everywhere) means that member user, so that tests sharing a
    server never see each other's servers and volumes; ``user="admin"`` is the cloud's admin.
    """

    def __init__(self, backend: Backend, name: str = "", default_user: str = "demo") -> None:
        self.backend = backend
        self.default_user = default_user  # whom connect_kwargs(), env() and clouds_yaml() log in
        self.url = backend.url.rstrip("/")
        self.name = name
        self.account = new_account()
        backend.seed(account_fixture(self.account), trusted=True)
        self.requests = Requests(backend, self.account.project_id)
        self.clock = Clock(backend)
        self.faults: FaultRegistry | RemoteFaults = (
            backend.cloud.faults if isinstance(backend, LocalBackend)
            else RemoteFaults(backend, self.account.project_id))  # type: ignore[arg-type]

    @property
    def cloud(self) -> Cloud:
        """The cloud itself, when it runs in this process."""
        if not isinstance(self.backend, LocalBackend):
            raise AttributeError("the cloud runs in another process; use the control API")
        return self.backend.cloud

    @property
    def project_id(self) -> str:
        return self.account.project_id

    # -- where it is and how to log in ---------------------------------------------------

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity"

    @property
    def compute_url(self) -> str:
        return f"{self.url}/compute/v2.1"

    @property
    def volume_url(self) -> str:
        return f"{self.url}/volume/v3/{self.account.project_id}"

    def _credentials(self, user: str | None) -> tuple[str, str, str]:
        user = user or self.default_user
        if user == "demo":
            return self.account.user_name, self.account.password, self.account.project_name
        if user in settings.DEFAULT_ACCOUNTS:
            name, password = settings.DEFAULT_ACCOUNTS[user]
            return name, password, name
        raise ValueError(f"user is 'demo' (this test's own) or 'admin', not {user!r}")

    def connect_kwargs(self, user: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``openstack.connect(**...)``."""
        return {**settings.auth(self.url, *self._credentials(user)),
                "region_name": "RegionOne", "load_yaml_config": False, "load_envvars": False}

    def _reachable_from_a_subprocess(self) -> None:
        if getattr(self.backend, "in_process", False):
            raise RuntimeError(f"{self.url} is served in this process only: a subprocess "
                               "cannot reach it; use the socket transport (the fakenova "
                               "fixture, or fakenova serve) for code that runs in one")

    def clouds_yaml(self, user: str | None = None, cloud_name: str = "fakenova") -> str:
        """A clouds.yaml document naming this cloud ``fakenova``."""
        self._reachable_from_a_subprocess()
        return settings.clouds_yaml(self.url, *self._credentials(user), cloud_name=cloud_name)

    def env(self, user: str | None = None) -> dict[str, str]:
        """The OS_* variables, for code under test that runs in a subprocess."""
        self._reachable_from_a_subprocess()
        return settings.os_env(self.url, *self._credentials(user))

    # -- seeding -------------------------------------------------------------------------

    def _add(self, section: str, entry: dict[str, Any]) -> Any:
        return self.backend.seed({section: [entry]})[section][0]

    def add_server(self, name: str | None = None, **attributes: Any) -> Any:
        """A server in this test's project: ``status``, ``locked``, ``boot_volume``, ...
        as in fixture files."""
        attributes.setdefault("project", self.account.project_id)
        return self._add("servers", {"name": name or f"server-{secrets.token_hex(3)}",
                                     **attributes})

    def add_volume(self, name: str | None = None, **attributes: Any) -> Any:
        """A volume in this test's project: ``size``, ``multiattach``, ``status``, ..."""
        attributes.setdefault("project", self.account.project_id)
        return self._add("volumes", {"name": name or f"volume-{secrets.token_hex(3)}",
                                     **attributes})

    def attach(self, server: Any, volume: Any, **attributes: Any) -> Any:
        """A completed attachment, as if attached long ago: ``device``, ``tag``, ..."""
        return self._add("attachments", {"server": getattr(server, "id", server),
                                         "volume": getattr(volume, "id", volume),
                                         **attributes})

    # -- snapshots and cleaning up -------------------------------------------------------

    def snapshot(self, name: str) -> None:
        self.backend.snapshot(name)

    def restore(self, name: str) -> None:
        self.backend.restore(name)

    def reset(self) -> None:
        """Empty this test's project (servers, volumes, journal, its fault rules)."""
        self.backend.forget(self.account)
        self.backend.seed(account_fixture(self.account), trusted=True)

    def close(self) -> None:
        self.backend.forget(self.account)
