"""The undo log: which objects may have changed, so that a reset (back to the baseline) and
a failed savepoint (back to where it began) put back only those, however large the state."""

from __future__ import annotations

import copy
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from .model import Backup, Image, Project, Server, Snapshot, User, Volume


class Tables(NamedTuple):
    """The tables the undo log covers, in a fixed order (tokens are not among them)."""

    projects: dict[str, Project]
    users: dict[str, User]
    servers: dict[str, Server]
    volumes: dict[str, Volume]
    images: dict[str, Image]
    snapshots: dict[str, Snapshot]
    backups: dict[str, Backup]


# The index in ``Tables`` of each kind of object the log keeps (in the tables' order).
_TABLE_OF: dict[type, int] = {kind: index for index, kind in enumerate(
    (Project, User, Server, Volume, Image, Snapshot, Backup))}

# (table index, object id): one object the log knows of
_Key = tuple[int, str]
# The tables as the log goes through them: by index, whatever they hold.
_Rows = tuple[dict[str, Any], ...]


def copy_rows(tables: Sequence[dict[str, Any]]) -> _Rows:
    """A deep copy of each record, one at a time (records share no mutable part: the undo
    log copies and restores them one at a time too). One ``deepcopy`` of whole tables would
    hold a memo of every object copied until its end (4 KiB a server at 10,000 of each), and
    the process would keep the pages that peak took."""
    return tuple({key: copy.deepcopy(record) for key, record in rows.items()} for rows in tables)


class UndoLog(ABC):
    """Base of ``State``: remembers what may have changed in its tables, and puts it back."""

    # The state's lock and tables (``State`` makes them).
    lock: threading.RLock
    projects: dict[str, Project]
    users: dict[str, User]
    servers: dict[str, Server]
    volumes: dict[str, Volume]
    images: dict[str, Image]
    snapshots: dict[str, Snapshot]
    backups: dict[str, Backup]

    def __init__(self) -> None:
        # What reset returns to, and which of its objects may have changed since: a reset
        # then restores only those and drops what was added, however large the state.
        self._baseline: _Rows | None = None
        self._touched: set[_Key] = set()
        # Inside a savepoint: the objects as they were when first touched.
        self._saved: dict[_Key, Any] | None = None

    @abstractmethod
    def clear(self, everything: bool = False) -> None:
        """Forget pending transitions (``State`` says what else); run before a restore."""

    def _tables(self) -> _Rows:
        return tuple(getattr(self, name) for name in Tables._fields)

    def table_of(self, obj: Project | User | Server | Volume | Image | Snapshot | Backup
                 ) -> dict[str, Any]:
        """The table that holds objects of ``obj``'s kind."""
        return self._tables()[_TABLE_OF[type(obj)]]

    def touch(self, *objects: Project | User | Server | Volume | Image | Snapshot | Backup
              | None) -> None:
        """Note that these objects may change: a reset restores them from the baseline."""
        for obj in objects:
            if obj is not None:
                key = (_TABLE_OF[type(obj)], obj.id)
                self._touched.add(key)
                if self._saved is not None and key not in self._saved:
                    self._saved[key] = copy.deepcopy(obj)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """What happens inside applies whole or not at all: on an exception, the objects
        touched are put back as they were and those added are removed."""
        with self.lock:
            outer, self._saved = self._saved, {}
            sizes = [len(rows) for rows in self._tables()]
            try:
                yield
            except BaseException:
                for rows, size in zip(self._tables(), sizes, strict=True):
                    while len(rows) > size:  # dicts keep insertion order: the newest last
                        rows.popitem()
                for (table, key), original in self._saved.items():
                    if key in self._tables()[table]:
                        self._tables()[table][key] = original
                raise
            finally:
                self._saved = outer

    def touch_everything(self) -> None:
        self._touched.update((table, key) for table, rows in enumerate(self._tables())
                             for key in rows)

    def mark_baseline(self) -> None:
        """What the state is now is what ``restore_baseline`` goes back to."""
        with self.lock:
            self._baseline = copy_rows(self._tables())
            self._touched.clear()

    def restore_baseline(self) -> bool:
        """Back to the baseline in time proportional to what changed; False if none is set."""
        with self.lock:
            if self._baseline is None:
                return False
            self.clear()
            for table, (rows, saved) in enumerate(zip(self._tables(), self._baseline,
                                                      strict=True)):
                self._drop_added(table, rows, saved)
            reordered: set[int] = set()
            for table, key in self._touched:
                original = self._baseline[table].get(key)
                if original is not None:
                    rows = self._tables()[table]
                    if key not in rows:
                        reordered.add(table)  # it goes back in where it was, not at the end
                    rows[key] = copy.deepcopy(original)
            for table in reordered:
                rows = self._tables()[table]
                ordered = {key: rows[key] for key in self._baseline[table]}
                rows.clear()
                rows.update(ordered)
            self._touched.clear()
            return True

    def _drop_added(self, table: int, rows: dict[str, Any], saved: dict[str, Any]) -> None:
        """Remove what was added since the baseline. Dicts keep insertion order, so what
        was added is usually at the end; when the count says otherwise, compare keys."""
        while rows and next(reversed(rows)) not in saved:
            rows.popitem()
        missing = sum(1 for t, key in self._touched
                      if t == table and key in saved and key not in rows)
        if len(rows) + missing != len(saved):
            for key in rows.keys() - saved.keys():
                del rows[key]

    def copy_tables(self) -> Tables:
        """A deep copy of the tables, for ``State.restore_tables`` to go back to."""
        with self.lock:
            return Tables(*copy_rows(self._tables()))

    def _replace_tables(self, tables: Tables) -> None:
        """Put these tables in place of the current ones; a reset restores both sides."""
        self.touch_everything()  # what reset must restore: all that was there before
        for name, rows in zip(Tables._fields, tables, strict=True):
            setattr(self, name, rows)
        self.touch_everything()  # and all that is there now
