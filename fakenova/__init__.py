"""fakenova: a test double of OpenStack Nova's volume-attachment API.

The names below load on first use, so that importing the pytest plugin (which every
pytest run of a project that installs fakenova does) costs almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakenova.app import create_app as create_app
    from fakenova.cloud import Cloud as Cloud
    from fakenova.errors import FakenovaError as FakenovaError
    from fakenova.testing.mock import mock as mock

__version__ = "0.1.0"
__all__ = ["Cloud", "FakenovaError", "__version__", "create_app", "mock"]
_LAZY = {"create_app": ".app", "Cloud": ".cloud", "FakenovaError": ".errors",
         "mock": ".testing.mock"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'fakenova' has no attribute {name!r}")
