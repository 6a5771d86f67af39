"""The flavors a devstack cloud offers; servers may name any of them (or any other id)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple


class Flavor(NamedTuple):
    id: str
    name: str
    ram: int
    vcpus: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    extra_specs: Mapping[str, str] = MappingProxyType({})


FLAVORS: dict[str, Flavor] = {f.id: f for f in (
    Flavor("1", "m1.tiny", 512, 1, 1),
    Flavor("2", "m1.small", 2048, 1, 20),
    Flavor("3", "m1.medium", 4096, 2, 40),
    Flavor("4", "m1.large", 8192, 4, 80),
    Flavor("5", "m1.xlarge", 16384, 8, 160),
    Flavor("42", "m1.nano", 128, 1, 1),
    Flavor("84", "m1.micro", 192, 1, 1),
)}


def flavor_for(ref: str) -> Flavor:
    """The flavor a server was created with; an unknown id looks like m1.tiny under its id."""
    return FLAVORS.get(ref) or Flavor(ref, ref, 512, 1, 1)
