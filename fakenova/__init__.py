"""fakenova: a test double of OpenStack Nova's volume-attachment API."""

from __future__ import annotations

from .app import create_app as create_app
from .cloud import Cloud as Cloud
from .errors import FakenovaError as FakenovaError

__version__ = "0.1.0"
__all__ = ["Cloud", "FakenovaError", "__version__", "create_app"]
