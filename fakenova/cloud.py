"""One fake cloud: its state, the fixtures it resets to, and the request validators."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import fixtures
from .domain.clock import Clock, ClockMode
from .domain.identity import seed_default_accounts
from .domain.state import State
from .validation import Validators, default_validators


class Cloud:
    def __init__(self, fixture_refs: Sequence[str | Path] = (),
                 clock: ClockMode = "immediate", step: float = 1.0) -> None:
        self.state = State(Clock(clock, step))
        self.fixtures = [(str(ref), fixtures.load(ref)) for ref in fixture_refs]
        self.validators: Validators = default_validators()
        self.reset()

    def reset(self) -> None:
        """Back to the default accounts plus what the fixtures define."""
        with self.state.lock:
            self.state.clear()
            seed_default_accounts(self.state)
            for source, fixture in self.fixtures:
                fixtures.apply(self.state, fixture, source)
