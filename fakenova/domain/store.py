"""The store: the whole cloud's tables, its one lock, ids, and the lookups the operations
share. Seeding and the undo log are the bases ``State`` builds on."""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import NotFound
from .clock import Clock, ClockMode
from .model import (
    Backup,
    Context,
    Image,
    Project,
    Server,
    Snapshot,
    Token,
    User,
    Volume,
    new_id,
    uuid4_text,
)
from .seeding import Seeding
from .undo import Tables, copy_rows

P = ParamSpec("P")
R = TypeVar("R")


class State(Seeding):
    """Everything the fake cloud knows, guarded by one re-entrant lock."""

    def __init__(self, clock: Clock | None = None, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        # With a seed, the ids of servers, volumes and attachments repeat from run to run.
        self._seed = seed
        self._ids = random.Random(seed) if seed is not None else None
        self.clock = clock or Clock()
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.servers: dict[str, Server] = {}
        self.volumes: dict[str, Volume] = {}
        self.images: dict[str, Image] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self.backups: dict[str, Backup] = {}
        # volume id -> "attaching" | "detaching" | "error": transitions a fault holds back
        self.stuck_volumes: dict[str, str] = {}
        super().__init__()  # the undo log

    def new_id(self) -> str:
        if self._ids is None:
            return new_id()
        return uuid4_text(self._ids.getrandbits(128))

    @contextmanager
    def transaction(self) -> Iterator[State]:
        """Hold the lock, with every due transition applied before and after."""
        with self.lock:
            self.clock.run_due()
            yield self
            self.clock.run_due()

    def clear(self, everything: bool = False) -> None:
        """Forget pending transitions (and with ``everything``, servers, volumes, projects
        and users); tokens stay. Seeded ids start again from the seed."""
        with self.lock:
            if self._seed is not None:
                self._ids = random.Random(self._seed)
            self.clock.clear()
            self.stuck_volumes.clear()
            if everything:
                for rows in self._tables():
                    rows.clear()

    def restore_tables(self, saved: Tables) -> None:
        """Go back to tables ``copy_tables`` gave (they stay as they are, for another
        restore); transitions still in flight are dropped."""
        with self.lock:
            self.clock.clear()
            self._replace_tables(Tables(*copy_rows(saved)))

    def set_clock_mode(self, mode: ClockMode) -> None:
        with self.lock:
            self.clock.mode = mode

    def remove_when_due(self, record: Volume | Snapshot | Backup) -> None:
        """Take ``record`` out of its table at the clock's next step, if it is still there
        then (a reset or a restore may have put a copy in its place)."""
        def removed() -> None:
            rows = self.table_of(record)
            if rows.get(record.id) is record:
                del rows[record.id]

        self.clock.schedule(removed)

    # -- lookups ---------------------------------------------------------------------

    def find_project(self, ref: str) -> Project:
        project = self.projects.get(ref) or next(
            (p for p in self.projects.values() if p.name == ref), None
        )
        if project is None:
            raise NotFound(f"Could not find project: {ref}.")
        return project

    def find_user(self, ref: str) -> User:
        user = self.users.get(ref) or next((u for u in self.users.values() if u.name == ref), None)
        if user is None:
            raise NotFound(f"Could not find user: {ref}.")
        return user

    def find_server(self, ref: str) -> Server:
        """A server by id or name, for seeding (no visibility rules)."""
        server = self.servers.get(ref) or next(
            (s for s in self.servers.values() if s.name == ref), None
        )
        if server is None:
            raise NotFound(f"Instance {ref} could not be found.")
        return server

    def find_volume(self, ref: str) -> Volume:
        """A volume by id or name, for seeding (no visibility rules)."""
        volume = self.volumes.get(ref) or next(
            (v for v in self.volumes.values() if v.name == ref), None
        )
        if volume is None:
            raise NotFound(f"Volume {ref} could not be found.")
        return volume

    def find_image(self, ref: str) -> Image:
        """An image by id or name, for seeding (no visibility rules)."""
        image = self.images.get(ref) or next(
            (i for i in self.images.values() if i.name == ref), None
        )
        if image is None:
            raise NotFound(f"No image found with ID {ref}")
        return image

    def visible_server(self, ctx: Context, server_id: str) -> Server:
        """Nova's instance lookup: project-scoped unless admin; a miss is a 404."""
        server = self.servers.get(server_id)
        if (server is None or server.vm_state == "deleted"
                or (not ctx.is_admin and server.project_id != ctx.project_id)):
            raise NotFound(f"Instance {server_id} could not be found.")
        return server

    def visible_volume(self, ctx: Context, volume_id: str) -> Volume | None:
        """Cinder's volume lookup as the caller: project-scoped unless admin."""
        volume = self.volumes.get(volume_id)
        if volume is None or (not ctx.is_admin and volume.project_id != ctx.project_id):
            return None
        return volume

    def dump(self) -> dict[str, Any]:
        """A deep, JSON-ready copy of servers, volumes and attachments, images (without
        their bytes), snapshots and backups."""
        with self.transaction():
            return {
                "servers": [
                    {**asdict(s), "status": s.status} for s in self.servers.values()
                ],
                "volumes": [
                    {**asdict(v), "attach_status": v.attach_status} for v in self.volumes.values()
                ],
                "images": [
                    {**asdict(i), "data": None} for i in self.images.values()
                ],
                "snapshots": [asdict(s) for s in self.snapshots.values()],
                "backups": [asdict(b) for b in self.backups.values()],
            }


def locked(
    operation: Callable[Concatenate[State, P], R],
) -> Callable[Concatenate[State, P], R]:
    """Run a state operation as ``State.transaction()`` would (spelt out: it runs on every
    request)."""

    @functools.wraps(operation)
    def wrapper(state: State, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with state.lock:
            state.clock.run_due()
            result = operation(state, *args, **kwargs)
            state.clock.run_due()
            return result

    return wrapper
