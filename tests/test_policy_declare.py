"""Each API declares its own policy rules (``fakenova.domain.policy.declare``), as upstream's
policy modules list theirs: the same rule declared again the same way changes nothing (a
module imported afresh), and a second, different default for a rule is refused."""

from __future__ import annotations

import pytest

from fakenova.domain import policy


def test_a_rule_declared_again_the_same_way_changes_nothing() -> None:
    name, rule = next(iter(policy.RULES.items()))
    policy.declare({name: rule})
    assert policy.RULES[name] == rule


def test_a_rule_declared_again_differently_is_refused() -> None:
    name = "os_compute_api:os-volumes-attachments:index"
    with pytest.raises(ValueError, match="declared twice, differently"):
        policy.declare({name: policy.ADMIN})
    assert policy.RULES[name] == policy.READER
