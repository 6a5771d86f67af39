"""Ids that are not random: Keystone-style stable ids, and recognising a UUID as oslo does.

Dependency-free (the standard library only), so the domain and the HTTP layer's request
validation can share it.
"""

from __future__ import annotations

import uuid

_ID_NAMESPACE = uuid.UUID("5b6f3a52-3f1e-4c5e-9a57-6e6f76610000")


def stable_id(kind: str, name: str) -> str:
    """Keystone-style id (32 hex digits) that stays the same across resets and restarts."""
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}").hex


def is_uuid_like(value: str) -> bool:
    """Same answer as ``oslo_utils.uuidutils.is_uuid_like``.

    ``uuid.UUID`` accepts braces, a ``urn:uuid:`` prefix, any case and missing (or
    misplaced) dashes; oslo additionally requires that nothing else was in the text.
    """
    try:
        parsed = uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    stripped = value.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "").lower()
    return parsed.hex == stripped
