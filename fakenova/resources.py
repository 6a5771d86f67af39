"""Where the packaged data lives: ``schemas/`` and ``fixtures/``.

In a wheel both sit inside the package (``fakenova/schemas``); in a source checkout or an
editable install they are the project's top-level folders.
"""

from __future__ import annotations

from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path


@cache
def data_dir(name: str) -> Traversable:
    here = Path(__file__).resolve().parent
    for folder in (here / name, here.parent / name):  # a wheel's, a checkout's
        if folder.is_dir():
            return folder
    from importlib.resources import files  # fakenova imported from a zip

    return files("fakenova") / name


def schemas_dir() -> Traversable:
    return data_dir("schemas")


def fixtures_dir() -> Traversable:
    return data_dir("fixtures")


def shipped_file(ref: str | Path, prefix: str = "") -> Path | None:
    """``ref`` itself if it is a file; else the file shipped under ``fixtures/`` that it
    names, with or without its extension (``demo``) and its ``prefix`` (``scenario-``)."""
    path = Path(ref)
    if path.is_file():
        return path
    for stem in (str(ref), f"{prefix}{ref}"):
        for candidate in (stem, f"{stem}.yaml", f"{stem}.json"):
            found = fixtures_dir() / candidate
            if found.is_file():
                return Path(str(found))
    return None


def shipped_names(prefix: str) -> list[str]:
    """The names of the shipped files that start with ``prefix``, without extension."""
    return sorted(entry.name.rsplit(".", 1)[0] for entry in fixtures_dir().iterdir()
                  if entry.name.startswith(prefix) and entry.name.endswith((".yaml", ".json")))
