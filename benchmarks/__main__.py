"""Run the benchmarks: ``python -m benchmarks [fixture|requests|soak ...]`` (or
``python3 dev.py bench ...``); with no name, all of them. Options after ``--`` go to each."""

from __future__ import annotations

import sys

from . import fixture_costs, request_costs, soak

BENCHMARKS = {"fixture": fixture_costs.main, "requests": request_costs.main, "soak": soak.main}

names = [a for a in sys.argv[1:] if a in BENCHMARKS] or list(BENCHMARKS)
options = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
for name in names:
    print(f"== {name}", flush=True)
    sys.argv = [f"benchmarks {name}", *options]
    BENCHMARKS[name]()
