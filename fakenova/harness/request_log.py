"""What ``fakenova serve -v`` prints: a line per request (method, path, status, microversion,
project, the fault rule that fired, time taken) and a line per state transition as the
clock applies it (a volume going from attaching to in-use). Colour only on a terminal.
No flask imports: the HTTP layer hands in plain values."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NamedTuple, TextIO

from fakenova.domain.store import State

_RESET = "\033[0m"
_COLOURS = {2: "\033[32m", 3: "\033[36m", 4: "\033[33m", 5: "\033[31m"}
_DIM = "\033[2m"


class Served(NamedTuple):
    """One request, as the log shows it."""

    method: str
    path: str
    status: int | None  # None: the connection was dropped
    microversion: str | None
    project: str | None
    fault: str | None
    elapsed_ms: float


class RequestLog:
    """Writes request and transition lines to ``stream`` (standard error by default)."""

    def __init__(self, stream: TextIO | None = None, colour: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.colour = self.stream.isatty() if colour is None else colour

    def _paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.colour else text

    def request(self, served: Served) -> None:
        status = "dropped" if served.status is None else str(served.status)
        if served.status is not None:
            status = self._paint(status, _COLOURS.get(served.status // 100, ""))
        parts = [served.method, served.path, status]
        if served.microversion:
            parts.append(f"v{served.microversion}")
        if served.project:
            parts.append(f"project {served.project}")
        if served.fault:
            parts.append(self._paint(f"fault {served.fault}", _COLOURS[5]))
        parts.append(f"{served.elapsed_ms:.1f} ms")
        self._write(" ".join(parts))

    def transition(self, kind: str, name: str, before: str, after: str) -> None:
        self._write(self._paint(f"  {kind} {name}: {before} -> {after}", _DIM))

    def _write(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def observe(self, state: State) -> Callable[[Callable[[], None]], None]:
        """A clock observer: runs a transition and logs what it changed."""

        def run(action: Callable[[], None]) -> None:
            before = statuses(state)
            action()
            after = statuses(state)
            for key in before.keys() | after.keys():
                was, now = before.get(key), after.get(key)
                if was != now:
                    kind, _ = key
                    name = (now or was or ("", ""))[0]
                    self.transition(kind, name, was[1] if was else "(new)",
                                    now[1] if now else "(gone)")

        return run


def statuses(state: State) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, id) -> (a name to show, the status a client sees) for every object."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for server in state.servers.values():
        task = f" ({server.task_state})" if server.task_state else ""
        found["server", server.id] = (server.name or server.id, server.status + task)
    tables = {"volume": state.volumes, "image": state.images, "snapshot": state.snapshots,
              "backup": state.backups}
    for kind, rows in tables.items():
        for obj in rows.values():
            found[kind, obj.id] = (obj.name or obj.id, obj.status)
    return found
