"""Run the benchmarks: ``python -m benchmarks`` (or ``python3 dev.py bench``)."""

from .fixture_costs import main

main()
