"""One fake cloud: its state, the fixtures it resets to, its fault rules, journal and
snapshots, and the request validators."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakenova.domain.clock import Clock, ClockMode
from fakenova.domain.devices import next_device_name
from fakenova.domain.identity import DEFAULT_TOKEN_TTL, checked_ttl, seed_default_accounts
from fakenova.domain.projects import forget_project
from fakenova.domain.store import State
from fakenova.domain.undo import Tables
from fakenova.errors import BadRequest, NotFound
from fakenova.harness import fixture_files, scenarios
from fakenova.harness.fault_rules import FaultRegistry
from fakenova.harness.journal import DEFAULT_CAP, Journal

if TYPE_CHECKING:
    from fakenova.harness.request_log import RequestLog
    from fakenova.validation.loader import Validators

# Records in the fixtures from which giving memory back is worth importing ctypes for
# (1.5 ms): the demo cloud's two dozen free too little to matter.
LARGE_FIXTURE = 1000


class Cloud:
    def __init__(self, fixture_refs: Sequence[str | Path] = (),
                 clock: ClockMode = "immediate", step: float = 1.0,
                 scenario: str | Path | None = None, seed: int | None = None,
                 journal_cap: int = DEFAULT_CAP, token_ttl: float = DEFAULT_TOKEN_TTL) -> None:
        """``seed`` makes ids and fault probabilities repeat from run to run; tokens are
        valid for ``token_ttl`` seconds."""
        self.token_ttl = checked_ttl(token_ttl)
        self.scenario = scenarios.load(scenario) if scenario else scenarios.Scenario()
        seed = self.scenario.seed if self.scenario.seed is not None else seed
        self.state = State(Clock(clock, step), seed=seed)
        self._fixtures = [(str(ref), fixture_files.load(ref)) for ref in fixture_refs]
        self.faults = FaultRegistry(self.state.lock, self.state.stuck_volumes, seed or 0,
                                    resolve_volume=lambda ref: self.state.find_volume(ref).id,
                                    next_device=self._next_device)
        self.journal = Journal(self.state.lock, self.scenario.journal_cap or journal_cap)
        self.sleep: Callable[[float], None] = time.sleep
        self.request_log: RequestLog | None = None  # serve -v: a line per request
        self._snapshots: dict[str, Tables] = {}
        self.reset()
        for name in self.scenario.snapshots:
            self.snapshot(name)

    @cached_property
    def validators(self) -> Validators:
        """The attachment API's validators, made with the schema catalog on first use."""
        from fakenova.validation.loader import default_validators

        return default_validators()

    def log_requests(self, log: RequestLog) -> None:
        """Write a line for each request and each state transition to ``log``."""
        self.request_log = log
        self.state.clock.observer = log.observe(self.state)

    def _next_device(self, server_id: str) -> str:
        with self.state.lock:
            server = self.state.servers.get(server_id)
            return next_device_name(server) if server is not None else "/dev/vdb"

    def advance(self, seconds: float) -> float:
        """Move a manual clock on, applying every transition that falls due; the new time."""
        with self.state.transaction():
            return self.state.clock.advance(seconds)

    def reset(self) -> None:
        """Back to the default accounts plus what the fixtures define, with the scenario's
        fault rules (counters at zero) and an empty journal. Snapshots are kept.

        The first reset builds that state and remembers it; later ones restore only what
        changed since, so a reset costs the same with ten objects or ten thousand.
        """
        with self.state.lock:
            if not self.state.restore_baseline():
                self._build_baseline()
            self.faults.clear()
            for rule in self.scenario.faults:
                self.faults.add(rule)
            self.journal.clear()

    def _build_baseline(self) -> None:
        """The default accounts and the fixtures, remembered as what a reset returns to."""
        self.state.clear(everything=True)
        seed_default_accounts(self.state)
        records = sum(len(entries) for _, fixture in self._fixtures
                      for entries in fixture.values())
        self._apply_fixtures()
        self.state.mark_baseline()
        if records >= LARGE_FIXTURE:
            from fakenova.harness import memory

            # The files' text, the parsed documents and the schema check's work are freed
            # by now, but glibc's malloc would keep their pages, resident, for as long as
            # the process serves.
            memory.give_back_freed_memory()

    def _apply_fixtures(self) -> None:
        """Seed each fixture document, dropping it once applied (the baseline holds all it
        defines, at less cost): the baseline's copy then reuses the memory it held."""
        while self._fixtures:
            source, fixture = self._fixtures.pop(0)
            fixture_files.apply(self.state, fixture, source)

    def seed(self, fixture: Any, trusted: bool = False) -> dict[str, list[Any]]:
        """Apply a fixture document whole, or not at all; returns what it created.
        ``trusted``: fakenova made the document itself, so the schema check is skipped (it
        would be most of what seeding a test's own account costs)."""
        if not trusted:
            fixture_files.check(fixture, "seed")
        with self.state.transaction() as state, state.savepoint():
            return fixture_files.apply(state, fixture, "seed")

    def remove_project(self, project_id: str) -> None:
        """Forget a project with its users, tokens, servers, volumes, journal entries and
        the fault rules scoped to it; what other projects attached to it is detached."""
        with self.state.transaction() as state:
            forget_project(state, project_id)
            self.journal.clear(project=project_id)
            for rule in self.faults.rules():
                if rule.project == project_id:
                    self.faults.remove(rule.id, missing_ok=True)

    def snapshot(self, name: str) -> None:
        """Remember the state (not tokens, faults or the journal) under ``name``, which
        must be usable in a URL path segment (``/_fakenova/snapshots/{name}/restore``)."""
        if "/" in name or not name.isprintable() or any(
                "\ud800" <= char <= "\udfff" for char in name):
            raise BadRequest(f"A snapshot name must be printable text without '/': {name!r}")
        with self.state.transaction() as state:
            self._snapshots[name] = state.copy_tables()

    def restore(self, name: str) -> None:
        """Go back to a snapshot; transitions still in flight are dropped."""
        with self.state.lock:
            saved = self._snapshots.get(name)
            if saved is None:
                raise NotFound(f"Snapshot {name} could not be found.")
            self.state.restore_tables(saved)

    def snapshots(self) -> list[str]:
        with self.state.lock:
            return sorted(self._snapshots)

    def delete_snapshot(self, name: str) -> None:
        with self.state.lock:
            if self._snapshots.pop(name, None) is None:
                raise NotFound(f"Snapshot {name} could not be found.")
