"""Upstream tempest's own tests of volume attachments pass against ``fakenova serve``: the
tests listed in ``tests/upstream_tempest.yaml``, unmodified, with the configuration and
accounts ``fakenova tempest-config`` writes. Each must give what the list says (pass, or
tempest's own skip); the report of every test's result is printed at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from .upstream_tempest import REPORT, expected, report, run


@pytest.mark.slow
def test_upstream_tempest_tests_give_what_the_list_expects(tmp_path: Path,
                                                            request: pytest.FixtureRequest,
                                                            ) -> None:
    want = expected()
    results = run(list(want), tmp_path)
    request.config.stash[REPORT] = report(results)
    got = {r.test: "pass" if r.status == "pass" else f"{r.status}: {r.reason}"
           for r in results}
    assert got == want, report(results)
