"""Policy: every rule Nova, Cinder and Keystone check here (their default rules, as devstack
runs them), and the one ``authorize`` that enforces them.

Rule names are upstream's. An admin passes every rule; the table says who else does.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import Forbidden
from .model import Context


class Rule(NamedTuple):
    """Who passes a rule besides an admin."""

    # a user with this role within the target's project (any project when there is no target)
    role: str | None = None
    # a user with the service role, in any project
    service: bool = False
    # the target's own user (Keystone's rules on a token: the token's user)
    owner: bool = False


READER = Rule(role="reader")  # base.PROJECT_READER_OR_ADMIN
MEMBER = Rule(role="member")  # base.PROJECT_MEMBER_OR_ADMIN
ADMIN = Rule()  # base.ADMIN

RULES: dict[str, Rule] = {
    # Nova
    "os_compute_api:servers:index": READER,
    "os_compute_api:servers:detail": READER,
    "os_compute_api:servers:index:get_all_tenants": ADMIN,
    "os_compute_api:servers:detail:get_all_tenants": ADMIN,
    "os_compute_api:servers:show": READER,
    "os_compute_api:servers:create": MEMBER,
    "os_compute_api:servers:delete": MEMBER,
    "os_compute_api:servers:start": MEMBER,
    "os_compute_api:servers:stop": MEMBER,
    "os_compute_api:servers:reboot": MEMBER,
    "os_compute_api:os-lock-server:lock": MEMBER,
    "os_compute_api:os-lock-server:unlock": MEMBER,
    "os_compute_api:os-shelve:shelve": MEMBER,
    "os_compute_api:os-shelve:shelve_offload": ADMIN,
    "os_compute_api:os-shelve:unshelve": MEMBER,
    "os_compute_api:os-volumes-attachments:index": READER,
    "os_compute_api:os-volumes-attachments:show": READER,
    "os_compute_api:os-volumes-attachments:create": MEMBER,
    "os_compute_api:os-volumes-attachments:update": MEMBER,
    "os_compute_api:os-volumes-attachments:delete": MEMBER,
    "os_compute_api:os-volumes-attachments:swap": Rule(service=True),
    # Cinder
    "volume:get": READER,
    "volume:get_all": READER,
    "volume:create": MEMBER,
    "volume:update": MEMBER,
    "volume:delete": MEMBER,
    # Keystone: there is no system scope here, so upstream's system reader is left out
    "identity:validate_token": Rule(service=True, owner=True),
    "identity:check_token": Rule(owner=True),
    "identity:revoke_token": Rule(owner=True),
}


def declare(rules: dict[str, Rule]) -> None:
    """Add an API's rules, as upstream's ``nova.policies`` modules each list their own. A
    rule has one default: declaring it again the same way (a module imported afresh, as
    pytest's in-process runs do) changes nothing; differently is an error."""
    clashing = sorted(name for name, rule in rules.items()
                      if name in RULES and RULES[name] != rule)
    if clashing:
        raise ValueError(f"policy rules declared twice, differently: {clashing}")
    RULES.update(rules)


# How a refusal reads: oslo.policy's PolicyNotAuthorized, as Nova and Cinder answer it, and
# Keystone's ForbiddenAction.
_REFUSED = "Policy doesn't allow {rule} to be performed."
_KEYSTONE_REFUSED = "You are not authorized to perform the requested action: {rule}."


def allows(ctx: Context, rule: str, target_project_id: str | None = None,
           target_user_id: str | None = None) -> bool:
    """Whether ``ctx`` passes ``rule`` for a target of that project (None: no project to
    match) owned by that user (None: no owner to match)."""
    who = RULES[rule]
    if ctx.is_admin:
        return True
    if who.service and "service" in ctx.roles:
        return True
    if (who.role is not None and who.role in ctx.roles
            and (target_project_id is None or target_project_id == ctx.project_id)):
        return True
    return who.owner and target_user_id is not None and target_user_id == ctx.user_id


def authorize(ctx: Context, rule: str, target_project_id: str | None = None,
              target_user_id: str | None = None) -> None:
    """Raise Forbidden, worded as the service that owns ``rule`` words it, unless ``ctx``
    passes ``rule`` (see ``allows``)."""
    if not allows(ctx, rule, target_project_id, target_user_id):
        refused = _KEYSTONE_REFUSED if rule.startswith("identity:") else _REFUSED
        raise Forbidden(refused.format(rule=rule))
