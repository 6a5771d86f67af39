"""The request journal: every request the fake answered, oldest first, within a cap.

No flask imports: the HTTP layer records plain values.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, NamedTuple

from fakenova.harness.globs import glob_match

DEFAULT_CAP = 10_000


class JournalEntry(NamedTuple):
    """One request and its answer. A tuple of what the request gave, made on every request;
    the time's text is worked out when read. ``service_path`` is the path after the
    service's version and project prefix (``/servers/x/os-volume_attachments``)."""

    seq: int
    timestamp: float  # seconds since the epoch
    service: str | None
    method: str
    path: str
    service_path: str
    query: dict[str, list[str]]
    microversion: str | None
    project: str | None
    body: Any
    status: int | None  # None: the connection was dropped without an answer
    fault: str | None = None
    unimplemented: bool = False
    nearest_route: str | None = None
    why: str | None = None  # why a 401: no token, unknown, expired or revoked token

    @property
    def time(self) -> str:
        """When the request came, in ISO 8601 (UTC)."""
        return datetime.fromtimestamp(self.timestamp, timezone.utc).isoformat()

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "service": self.service,
                "method": self.method, "path": self.path, "service_path": self.service_path,
                "query": self.query, "microversion": self.microversion,
                "project": self.project, "body": self.body, "status": self.status,
                "fault": self.fault, "unimplemented": self.unimplemented,
                "nearest_route": self.nearest_route, "why": self.why}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JournalEntry:
        """An entry as ``to_json`` gave it (from a served fakenova's control API)."""
        fields = {name: data[name] for name in cls._fields if name in data}
        fields["timestamp"] = datetime.fromisoformat(data["time"]).timestamp()
        return cls(**fields)

    def matches(self, method: str | None = None, path: str | None = None,
                service: str | None = None, status: int | None = None,
                project: str | None = None) -> bool:
        """``path`` is a glob over the full path or the path after the service's prefix
        (``/servers/*/os-volume_attachments``; ``*`` stays within a segment)."""
        return ((method is None or self.method == method.upper())
                and (path is None or glob_match(path, self.path)
                     or glob_match(path, self.service_path))
                and (service is None or self.service == service)
                and (status is None or self.status == status)
                and (project is None or self.project == project))


class JournalQueries:
    """Questions a test asks of requests; subclasses say which requests there are."""

    def calls(self, method: str | None = None, path: str | None = None,
              **criteria: Any) -> list[JournalEntry]:
        """The requests that match, oldest first."""
        raise NotImplementedError

    def assert_called(self, method: str | None = None, path: str | None = None,
                      times: int | None = None, **criteria: Any) -> list[JournalEntry]:
        """Fail unless a matching request was made (exactly ``times`` times, if given)."""
        found = self.calls(method, path, **criteria)
        if (times is None and not found) or (times is not None and len(found) != times):
            wanted = f"{method or '*'} {path or '*'} {criteria or ''}".strip()
            expected = "at least once" if times is None else f"{times} times"
            raise AssertionError(f"expected {wanted} {expected}, found {len(found)}; "
                                 f"journal:\n{self.describe()}")
        return found

    def assert_not_called(self, method: str | None = None, path: str | None = None,
                          **criteria: Any) -> None:
        found = self.calls(method, path, **criteria)
        if found:
            raise AssertionError(f"expected no {method or '*'} {path or '*'}, found "
                                 f"{len(found)}; journal:\n{self.describe()}")

    def describe(self, limit: int = 50) -> str:
        """The last requests, one line each, for failure messages."""
        return describe(self.calls()[-limit:])


def describe(entries: Iterable[JournalEntry]) -> str:
    return "\n".join(
        f"  {e.seq:>5} {e.method:<6} {e.path} -> {e.status if e.status else 'dropped'}"
        f"{f' ({e.why})' if e.why else ''}{f' [{e.fault}]' if e.fault else ''}"
        for e in entries) or "  (no requests)"


class Journal(JournalQueries):
    def __init__(self, lock: threading.RLock, cap: int = DEFAULT_CAP) -> None:
        self._lock = lock
        self._entries: deque[JournalEntry] = deque(maxlen=cap)
        self._seq = 0

    @property
    def cap(self) -> int:
        return self._entries.maxlen or 0

    def record(self, timestamp: float, service: str | None, method: str, path: str,
               service_path: str, query: dict[str, list[str]], microversion: str | None,
               project: str | None, body: Any, status: int | None, fault: str | None = None,
               unimplemented: bool = False, nearest_route: str | None = None,
               why: str | None = None) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, timestamp, service, method, path, service_path,
                                 query, microversion, project, body, status, fault, unimplemented,
                                 nearest_route, why)
            self._entries.append(entry)
            return entry

    def entries(self, since: int | None = None, limit: int | None = None,
                **criteria: Any) -> list[JournalEntry]:
        """The matching entries, oldest first. With ``since``, only those after that sequence
        number, and with ``limit`` the first ``limit`` of them (a follower's next page);
        with ``limit`` alone, the newest ``limit``."""
        with self._lock:
            found = [e for e in self._entries if (since is None or e.seq > since)
                     and (not criteria or e.matches(**criteria))]
        if limit is None:
            return found
        if since is None:
            return found[-limit:] if limit else []
        return found[:limit]

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest request ever recorded (0 before the first)."""
        return self._seq

    def clear(self, project: str | None = None) -> None:
        with self._lock:
            if project is None:
                self._entries.clear()
            else:
                kept: Iterable[JournalEntry] = [e for e in self._entries if e.project != project]
                self._entries = deque(kept, maxlen=self._entries.maxlen)

    def __len__(self) -> int:
        return len(self._entries)

    def calls(self, method: str | None = None, path: str | None = None,
              **criteria: Any) -> list[JournalEntry]:
        return self.entries(method=method, path=path, **criteria)
