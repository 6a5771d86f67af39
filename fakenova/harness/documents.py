"""Reading the YAML and JSON files fakenova is given (fixtures, scenarios).

PyYAML is imported only for a YAML file, and its C parser used where PyYAML was built with
libyaml: a JSON fixture, or none, costs a cold start nothing of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class DocumentError(ValueError):
    """A file that is not valid JSON or YAML; the message says which it was meant to be."""


def read_document(path: Path) -> Any:
    """The parsed content of a ``.json`` file, or of any other as YAML (None when empty)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except ValueError as error:
            raise DocumentError(f"not valid JSON: {error}") from error
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except (ValueError, yaml.YAMLError) as error:  # ValueError: an int of over 4,300 digits
        raise DocumentError(f"not valid YAML: {error}") from error
