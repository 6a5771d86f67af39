"""``python -m fakenova.schemagen``: regenerate ``schemas/compute/`` (``--check`` compares)."""

from __future__ import annotations

import sys

from fakenova.schemagen import main

sys.exit(main())
