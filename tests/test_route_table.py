"""The README's table of the upstream routes fakenova serves is the one its route map gives
(``fakenova routes``), so users see at once what is modelled and the table cannot go stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fakenova import create_app
from fakenova.cli import main
from fakenova.http.control.document import document
from fakenova.openapi.route_table import markdown

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"<!-- routes: begin \(fakenova routes\) -->\n(.*?)<!-- routes: end -->",
                   re.S)


def test_the_readme_table_is_the_route_maps() -> None:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "the README has no routes block"
    assert found.group(1) == markdown(document(create_app(["demo"]))), (
        "the README's route table is stale: paste `fakenova routes` between its markers")


def test_fakenova_routes_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes"]) == 0
    printed = capsys.readouterr().out
    assert printed == markdown(document(create_app(["demo"])))
    for title in ("Identity (Keystone v3)", "Compute (Nova v2.1)", "Block storage (Cinder v3)",
                  "Image (Glance v2)"):
        assert f"**{title}**" in printed
    assert "| POST | `/compute/v2.1/servers/{server_id}/os-volume_attachments` |" in printed
    assert "/_fakenova" not in printed  # the control API is fakenova's own, not upstream's


def test_the_action_routes_name_every_action_they_take() -> None:
    """One path carries many actions, so the table's line for it lists them all."""
    from fakenova.http.compute import server_actions
    from fakenova.http.volume import actions

    def listed(doc: str | None) -> set[str]:
        return {name.strip(" .\n") for name in (doc or "").split(":", 1)[1].split(",")}

    assert listed(server_actions.action.__doc__) == (
        set(server_actions._SIMPLE) | set(server_actions._HANDLERS))
    assert listed(actions.volume_action.__doc__) == set(actions.ACTIONS)
