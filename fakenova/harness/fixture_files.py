"""Fixture files (YAML or JSON): the projects, users, servers, volumes and attachments to seed.

No flask imports here. A fixture is parsed and checked once, applied once to build the
baseline a reset returns to (``State.mark_baseline``), and then dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fakenova.domain.store import State
from fakenova.errors import FakenovaError
from fakenova.harness.documents import DocumentError, read_document
from fakenova.resources import fixtures_dir, shipped_file
from fakenova.validation import control

Fixture = Mapping[str, list[dict[str, Any]]]

# section -> (State method, accepted keys), in the order sections are applied
_SECTIONS: dict[str, tuple[Callable[..., Any], frozenset[str]]] = {
    "projects": (State.add_project, frozenset({"name", "id", "domain_id"})),
    "users": (State.add_user, frozenset({"name", "password", "roles", "id", "domain_id"})),
    "images": (State.add_image, frozenset({
        "name", "id", "project", "visibility", "status", "disk_format", "container_format",
        "size", "min_disk", "min_ram", "protected", "properties", "tags"})),
    "volumes": (State.add_volume, frozenset({
        "name", "project", "id", "size", "status", "multiattach", "bootable",
        "migration_status"})),
    "servers": (State.add_server, frozenset({
        "name", "project", "id", "status", "task_state", "locked", "launched", "image",
        "boot_volume", "metadata"})),
    "attachments": (State.add_attachment, frozenset({
        "server", "volume", "device", "tag", "delete_on_termination", "legacy"})),
    "snapshots": (State.add_snapshot, frozenset({"volume", "name", "id", "status",
                                                 "description"})),
    "backups": (State.add_backup, frozenset({"volume", "name", "id", "status", "description",
                                             "incremental"})),
}


class FixtureError(ValueError):
    """A fixture file that cannot be read or names something that does not exist."""


def resolve(ref: str | Path) -> Path:
    """A fixture path, or the name of one shipped with fakenova (``demo``)."""
    found = shipped_file(ref)
    if found is not None:
        return found
    raise FixtureError(f"fixture {ref!s} not found (neither a file nor a shipped fixture)")


def load(ref: str | Path) -> Fixture:
    path = resolve(ref)
    try:
        data = read_document(path)
    except DocumentError as error:
        raise FixtureError(f"{path}: {error}") from error
    return check(data or {}, str(path), against_schema=not is_shipped(path))


def is_shipped(path: Path) -> bool:
    """Whether ``path`` is one of the fixtures shipped with fakenova."""
    return path.resolve().parent == Path(str(fixtures_dir())).resolve()


def check(data: Any, source: str, against_schema: bool = True) -> Fixture:
    """The fixture's shape and types (``schemas/control/fixture.json``). The shipped
    fixtures pass the schema in fakenova's own tests, so ``load`` spares them the check
    (and a cold start the import of jsonschema)."""
    if not isinstance(data, dict):
        raise FixtureError(f"{source}: the top level must be a mapping of sections")
    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise FixtureError(f"{source}: unknown sections {sorted(unknown)}; "
                           f"known: {list(_SECTIONS)}")
    for section, entries in data.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise FixtureError(f"{source}: {section} must be a list of mappings")
    error = control.first_error("fixture", data) if against_schema else None
    if error is not None:
        where = " ".join(str(part) for part in error.path)
        raise FixtureError(f"{source}: {where}: {error.message}")
    return data


def document_schema() -> dict[str, Any]:
    """A fixture document as a JSON Schema, for the OpenAPI document: its sections, each a
    list of entries with the keys that section accepts (their values are ``check``'s)."""
    sections = {name: {"type": "array", "items": {
        "type": "object", "properties": {key: {} for key in sorted(keys)},
        "additionalProperties": False}} for name, (_, keys) in _SECTIONS.items()}
    return {"title": "A fixture document", "type": "object", "properties": sections,
            "additionalProperties": False}


def apply(state: State, fixture: Fixture, source: str = "fixture") -> dict[str, list[Any]]:
    """Seed ``state`` with a fixture; returns what each section created."""
    created: dict[str, list[Any]] = {}
    for section, (add, accepted) in _SECTIONS.items():
        for entry in fixture.get(section, []):
            unknown = set(entry) - accepted
            if unknown:
                raise FixtureError(f"{source}: {section} entry {entry}: unknown keys "
                                   f"{sorted(unknown)}; accepted: {sorted(accepted)}")
            try:
                created.setdefault(section, []).append(add(state, **entry))
            except (TypeError, LookupError, FakenovaError) as error:
                raise FixtureError(f"{source}: {section} entry {entry}: {error}") from error
    return created
