"""Where the packaged data lives: ``schemas/`` and ``fixtures/``.

In a wheel both sit inside the package (``fakenova/schemas``); in a source checkout or an
editable install they are the project's top-level folders.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def data_dir(name: str) -> Traversable:
    packaged = files("fakenova") / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def schemas_dir() -> Traversable:
    return data_dir("schemas")


def fixtures_dir() -> Traversable:
    return data_dir("fixtures")
