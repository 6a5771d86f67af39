"""Nova's default policy rules (new defaults, as devstack runs them) for attachments."""

from __future__ import annotations

from ..errors import Forbidden
from .model import Context

PREFIX = "os_compute_api:os-volumes-attachments:"

# rule suffix -> (role needed within the project, or None when only admin/service pass)
_RULES: dict[str, str | None] = {
    "index": "reader",
    "show": "reader",
    "create": "member",
    "update": "member",
    "delete": "member",
    "swap": None,
}


def authorize(ctx: Context, rule: str, target_project_id: str | None) -> None:
    """Raise Forbidden unless ``ctx`` passes ``rule`` for a resource of that project."""
    role = _RULES[rule]
    if ctx.is_admin:
        return
    if role is None:
        allowed = "service" in ctx.roles
    else:
        allowed = role in ctx.roles and ctx.project_id == target_project_id
    if not allowed:
        raise Forbidden(f"Policy doesn't allow {PREFIX}{rule} to be performed.")
