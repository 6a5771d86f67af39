"""The README's pytest examples, run as a downstream project would run them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]


def examples() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Using it from pytest", 1)[1]
    return re.findall(r"```python\n(.*?)```", section.split("\n## ")[0], re.S)


def test_the_readme_pytest_examples_pass(pytester: pytest.Pytester) -> None:
    first, second = examples()
    pytester.makepyfile(test_first=first, test_second=second)
    pytester.makeini("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n"
                     "    ignore::PendingDeprecationWarning\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
