"""The layers README.md "How it is built" states, checked from every module's imports (at any
depth in the module, not only at its top): the domain knows nothing of HTTP, validation or
file formats; only the HTTP package speaks flask; no module is longer than the house allows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fakenova"
MODULES = sorted(PACKAGE.rglob("*.py"))
WEB = ("flask", "werkzeug")
# Outside fakenova/http only these may import flask or werkzeug: they build the app, serve
# it, or start it for a test session.
WEB_ALLOWED = {"fakenova.app", "fakenova.serving", "fakenova.testing.pytest_plugin"}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module the file imports, absolute, at any depth (functions included)."""
    found: set[str] = set()
    package = module_name(path).split(".") if path.is_relative_to(PACKAGE) else []
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "") if node.level == 0 else ".".join(
                package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


@pytest.mark.parametrize("path", [p for p in MODULES if module_name(p).startswith(
    "fakenova.domain")], ids=module_name)
def test_the_domain_imports_no_web_validation_or_file_format_library(path: Path) -> None:
    forbidden = {name for name in imports(path) if _under(name, (
        *WEB, "jsonschema", "fastjsonschema", "yaml", "fakenova.http", "fakenova.harness",
        "fakenova.validation", "fakenova.testing", "fakenova.app", "fakenova.cloud"))}
    assert forbidden == set()


@pytest.mark.parametrize("path", [p for p in MODULES if not module_name(p).startswith(
    "fakenova.http") and module_name(p) not in WEB_ALLOWED], ids=module_name)
def test_only_the_http_layer_speaks_flask(path: Path) -> None:
    assert {name for name in imports(path) if _under(name, WEB)} == set()


@pytest.mark.parametrize("path", [p for p in MODULES if _under(module_name(p), (
    "fakenova.harness", "fakenova.validation", "fakenova.domain"))], ids=module_name)
def test_below_the_http_layer_nothing_imports_it(path: Path) -> None:
    assert {name for name in imports(path) if _under(name, (
        "fakenova.http", "fakenova.app", "fakenova.testing"))} == set()


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_module_is_over_the_length_the_house_allows(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_private_name_is_imported_from_another_module(path: Path) -> None:
    private = {name for name in imports(path) if name.startswith("fakenova.")
               and name.rsplit(".", 1)[-1].startswith("_")
               and not name.rsplit(".", 1)[-1].startswith("__")}
    assert private == set()


def test_the_checks_see_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from flask import request\n    return request\n")
    assert "flask" in imports(module)
