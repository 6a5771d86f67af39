"""Forgetting a project with everything that is its: users, tokens, servers and volumes, and
what other projects had attached from it or to it."""

from __future__ import annotations

from .attachments import settle_volume_status
from .store import State


def forget_project(state: State, project_id: str) -> None:
    """Remove the project, its servers and volumes, the tokens scoped to it, and its users'
    roles there (a user left with no role anywhere goes too). A volume of another project
    attached to a removed server is detached (its status settled as Cinder settles it); a
    removed volume disappears from other projects' servers. Unknown projects are no error."""
    with state.lock:
        doomed_servers = {s.id for s in state.servers.values() if s.project_id == project_id}
        doomed_volumes = {v.id for v in state.volumes.values() if v.project_id == project_id}
        if doomed_volumes:
            for server in state.servers.values():
                if any(b.volume_id in doomed_volumes for b in server.bdms):
                    state.touch(server)
                    server.bdms = [b for b in server.bdms if b.volume_id not in doomed_volumes]
        if doomed_servers:
            for volume in state.volumes.values():
                kept = [a for a in volume.attachments if a.server_id not in doomed_servers]
                if len(kept) != len(volume.attachments):
                    state.touch(volume)
                    volume.attachments = kept
                    settle_volume_status(volume)
        for server_id in doomed_servers:
            state.touch(state.servers.pop(server_id))
        for volume_id in doomed_volumes:
            state.touch(state.volumes.pop(volume_id))
        for table in (state.snapshots, state.backups):  # the project's, and its volumes'
            for key in [k for k, item in table.items()
                        if item.project_id == project_id or item.volume_id in doomed_volumes]:
                state.touch(table.pop(key))
        for user in [u for u in state.users.values() if project_id in u.roles]:
            state.touch(user)
            user.roles.pop(project_id, None)
            if not user.roles:
                del state.users[user.id]
        state.tokens = {k: t for k, t in state.tokens.items()
                        if t.context.project_id != project_id}
        state.touch(state.projects.pop(project_id, None))
