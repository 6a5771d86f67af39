"""The table of upstream routes fakenova serves, in Markdown, from its OpenAPI document (so
from its own route map): one section per service, a row per method and path, with what the
route's view says it does. The README carries it; ``fakenova routes`` prints it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The services by the first segment of their paths, in the order the table gives them.
SERVICES = {"identity": "Identity (Keystone v3)", "compute": "Compute (Nova v2.1)",
            "volume": "Block storage (Cinder v3)", "image": "Image (Glance v2)"}
_METHODS = ("get", "head", "post", "put", "patch", "delete")


_PROJECT = "/{project_id}"


def _first_sentence(summary: str) -> str:
    sentence = summary.split(". ")[0].rstrip(".")
    return sentence.replace("``", "`").replace("|", "\\|")


def markdown(document: Mapping[str, Any]) -> str:
    """The upstream routes of ``document`` (not the control API), a table per service; a
    route also served with a project id in its path (``/compute/v2.1/{project_id}/...``)
    is given once, without it."""
    rows: dict[str, list[str]] = {segment: [] for segment in SERVICES}
    paths = document["paths"]
    for path, operations in paths.items():
        segment = path.strip("/").split("/")[0]
        if segment not in rows or (path.replace(_PROJECT, "", 1) in paths and _PROJECT in path):
            continue  # the same operation, also routed with the project id in its path
        for method in _METHODS:
            if method in operations:
                what = _first_sentence(operations[method].get("summary", ""))
                rows[segment].append(f"| {method.upper()} | `{path}` | {what} |")
    sections = []
    for segment, title in SERVICES.items():
        if rows[segment]:
            sections.append("\n".join([
                f"**{title}**, {len(rows[segment])} routes:", "",
                "| Method | Path | What it does |", "| --- | --- | --- |", *rows[segment]]))
    return "\n\n".join(sections) + "\n"
