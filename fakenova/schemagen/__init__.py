"""Generate compute's schemas, ``schemas/compute/``, from their sources in
``schemas/sources/compute/``.

``python -m fakenova.schemagen`` rewrites the generated files; ``--check`` only compares
and exits 1, listing the files that differ, are missing or are stale.

Two kinds of source, each giving one file per key and microversion range,
``<key>.<min>-<max>.json``, which is all ``fakenova.validation.catalog`` needs to find them:

* ``parameters.yaml`` and ``overlay.yaml``: the volume-attachment API in the API reference's
  format (``fakenova.schemagen.overlay``);
* any other ``<key>.json``: a hand-written schema at 2.1 whose ``x-microversions`` say what
  later microversions change (``fakenova.schemagen.patches``).

Every ``*.json`` of the output folder is the generator's: a file no source gives is stale.
Given only ``--source``, the files are generated into that folder, from its YAML pair only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from fakenova.schemagen import overlay, patches
from fakenova.schemagen.overlay import OVERLAY_FILE, PARAMETERS_FILE
from fakenova.schemagen.ranges import SchemaSourceError, VersionedSchema, dump

__all__ = [
    "OVERLAY_FILE",
    "PARAMETERS_FILE",
    "SchemaSourceError",
    "default_output_dir",
    "default_source_dir",
    "differences",
    "main",
    "render",
    "write",
]

_PROJECT = Path(__file__).resolve().parent.parent.parent


def default_source_dir() -> Path:
    """``schemas/sources/compute`` of the project (the generator is a source-tree tool)."""
    return _PROJECT / "schemas" / "sources" / "compute"


def default_output_dir() -> Path:
    """``schemas/compute`` of the project: what fakenova loads at run time."""
    return _PROJECT / "schemas" / "compute"


def build(source_dir: Path, json_sources: bool = True) -> list[VersionedSchema]:
    """Every generated schema: from the YAML pair, if the folder has it, and from its JSON
    sources unless ``json_sources`` is false (a folder generated into holds no sources)."""
    from_yaml: list[VersionedSchema] = []
    if (source_dir / PARAMETERS_FILE).exists() or (source_dir / OVERLAY_FILE).exists():
        from_yaml = overlay.build(source_dir)
    from_json = patches.build(source_dir) if json_sources else []
    clash = sorted({item.key for item in from_yaml} & {item.key for item in from_json})
    if clash:
        raise SchemaSourceError(f"given both by the YAML files and a JSON source: {clash}")
    return from_yaml + from_json


def render(source_dir: Path, json_sources: bool = True) -> dict[str, str]:
    """File name -> text of every generated file."""
    return {item.filename: dump(item.document) for item in build(source_dir, json_sources)}


def differences(rendered: Mapping[str, str], output_dir: Path) -> list[str]:
    """Generated files that are missing, different or stale (``*.json`` not generated)."""
    problems = []
    for name, text in sorted(rendered.items()):
        path = output_dir / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {name}")
    for path in sorted(output_dir.glob("*.json")):
        if path.name not in rendered:
            problems.append(f"stale: {path.name}")
    return problems


def write(rendered: Mapping[str, str], output_dir: Path) -> list[str]:
    """Bring ``output_dir`` in line with ``rendered``; returns what was written or removed."""
    output_dir.mkdir(parents=True, exist_ok=True)
    changes = []
    for path in sorted(output_dir.glob("*.json")):
        if path.name not in rendered:
            path.unlink()
            changes.append(f"removed: {path.name}")
    for name, text in sorted(rendered.items()):
        path = output_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changes.append(f"wrote: {name}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakenova.schemagen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    parser.add_argument("--source", type=Path, default=None,
                        help="folder of the sources (default: schemas/sources/compute)")
    parser.add_argument("--output", type=Path, default=None,
                        help="folder of the generated files (default: schemas/compute, or "
                             "the --source folder when one is given)")
    args = parser.parse_args(argv)
    source = args.source or default_source_dir()
    output = args.output or (source if args.source else default_output_dir())
    try:
        # Generating next to the sources (as into a scratch folder): its JSON files are ours.
        rendered = render(source, json_sources=output.resolve() != source.resolve())
    except SchemaSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        problems = differences(rendered, output)
        for line in problems:
            print(line)
        if problems:
            print("schemas are out of date: run python -m fakenova.schemagen", file=sys.stderr)
        return 1 if problems else 0
    for line in write(rendered, output):
        print(line)
    return 0
