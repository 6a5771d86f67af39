"""A server's security groups, as Nova's ``ServerSecurityGroupController.index`` lists them
(``nova.api.openstack.compute.security_groups``).

fakenova models no networking (README.md "Fidelity notes"): a server has no ports, so it is
in no security group. Unlike the os-security-groups proxy, this API is not capped at 2.35.
"""

from __future__ import annotations

from .model import Context
from .policy import READER, authorize, declare
from .store import State, locked

# nova.policies.security_groups: "list" is base.PROJECT_READER_OR_ADMIN
declare({"os_compute_api:os-security-groups:list": READER})

SecurityGroup = dict[str, object]


@locked
def list_server_security_groups(state: State, ctx: Context,
                                 server_id: str) -> list[SecurityGroup]:
    """ServerSecurityGroupController.index: common.get_instance (404), then the policy
    against the instance's project, then the instance's groups (none: it has no ports)."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-security-groups:list", server.project_id)
    return []
