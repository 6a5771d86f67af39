"""Ids are version-4 UUIDs, made without the uuid module's cost, and equal to what it makes
from the same random bits (so ``serve --seed`` gives the ids it always gave)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from fakenova.domain.model import new_id, uuid4_text


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_the_text_is_what_uuid_makes_of_the_same_bits(bits: int) -> None:
    assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


def test_new_ids_are_version_4_and_do_not_repeat() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert {uuid.UUID(i).version for i in ids} == {4}
    assert {uuid.UUID(i).variant for i in ids} == {uuid.RFC_4122}
