"""Run the benchmarks: ``python -m benchmarks [fixture|cold|requests|soak|profile|transport
...]`` (or ``python3 dev.py bench ...``); with no name, all of them. Options after ``--`` go
to each; ``--json FILE`` there gathers every benchmark's figures into one file, by name."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from . import cold_start, fixture_costs, profile_requests, request_costs, soak, transport_costs

BENCHMARKS = {"fixture": fixture_costs.main, "cold": cold_start.main,
              "requests": request_costs.main,
              "soak": soak.main, "profile": profile_requests.main,
              "transport": transport_costs.main}

names = [a for a in sys.argv[1:] if a in BENCHMARKS] or list(BENCHMARKS)
options = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
combined: str | None = None
if "--json" in options:
    at = options.index("--json")
    combined = options[at + 1]
    del options[at:at + 2]
gathered = {}
with tempfile.TemporaryDirectory() as tmp:
    for name in names:
        print(f"== {name}", flush=True)
        own = [*options, "--json", f"{tmp}/{name}.json"] if combined else options
        sys.argv = [f"benchmarks {name}", *own]
        BENCHMARKS[name]()
        if combined:
            gathered[name] = json.loads(Path(f"{tmp}/{name}.json").read_text())
if combined:
    Path(combined).write_text(json.dumps(gathered, indent=2))
