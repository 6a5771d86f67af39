"""Scenario files (YAML or JSON): fault rules and presets, a seed, the journal's cap, and
snapshots to take once the fixtures are loaded. No flask imports here."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from fakenova.errors import BadRequest
from fakenova.harness.documents import DocumentError, read_document
from fakenova.harness.fault_rules import check_rule
from fakenova.harness.presets import expand
from fakenova.resources import shipped_file, shipped_names

_KEYS = {"seed", "journal_cap", "faults", "snapshots"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and what is wrong."""


class Scenario(NamedTuple):
    """A scenario file: its seed, journal cap, fault rules and snapshots to take."""

    seed: int | None = None
    journal_cap: int | None = None
    faults: tuple[dict[str, Any], ...] = ()
    snapshots: tuple[str, ...] = ()


def resolve(ref: str | Path) -> Path:
    """A scenario file, or the name of one shipped with fakenova (``scenario-flaky-attach``,
    or ``flaky-attach``)."""
    found = shipped_file(ref, prefix="scenario-")
    if found is None:
        raise ScenarioError(f"scenario {ref!s} not found: neither a file nor a shipped scenario "
                            f"({', '.join(shipped_names('scenario-'))})")
    return found


def load(ref: str | Path) -> Scenario:
    path = resolve(ref)
    try:
        data = read_document(path) or {}
    except (OSError, DocumentError) as error:
        raise ScenarioError(f"scenario {path}: {error}") from error
    if not isinstance(data, dict) or set(data) - _KEYS:
        raise ScenarioError(f"scenario {path}: a mapping with keys among {sorted(_KEYS)}")
    faults = data.get("faults") or []
    snapshots = data.get("snapshots") or []
    if not isinstance(faults, list) or not all(isinstance(f, dict) for f in faults):
        raise ScenarioError(f"scenario {path}: faults must be a list of rules")
    if not isinstance(snapshots, list) or not all(isinstance(s, str) for s in snapshots):
        raise ScenarioError(f"scenario {path}: snapshots must be a list of names")
    for rule in faults:
        try:
            check_rule(expand(rule))
        except BadRequest as error:
            raise ScenarioError(f"scenario {path}: {error.message}") from error
    for key in ("seed", "journal_cap"):
        if key in data and (not isinstance(data[key], int) or isinstance(data[key], bool)):
            raise ScenarioError(f"scenario {path}: {key} must be a whole number")
    if "journal_cap" in data and data["journal_cap"] < 1:
        raise ScenarioError(f"scenario {path}: journal_cap must be at least 1")
    return Scenario(data.get("seed"), data.get("journal_cap"), tuple(faults), tuple(snapshots))
