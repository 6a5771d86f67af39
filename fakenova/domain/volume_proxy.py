"""Nova's deprecated volume proxy (``nova.api.openstack.compute.volumes.VolumeController``):
the volumes Cinder serves (``fakenova.domain.volumes``), reached through Nova.

Each operation checks Nova's ``os_compute_api:os-volumes`` rule against the caller's own
project, as upstream does, then asks Cinder as the caller (``nova.volume.cinder.API``), so
Cinder's own rules and checks apply too. Cinder's refusals come back as
``nova.volume.cinder.translate_cinder_exception`` words them. The proxy answers only up to
2.35; the HTTP layer enforces that.
"""

from __future__ import annotations

from ..errors import BadRequest, FakenovaError, Forbidden, NotFound
from . import volumes
from .model import MAX_LIMIT, Context, Volume, new_id
from .policy import MEMBER, READER, authorize, declare
from .store import State

# nova.policies.volumes: the volume proxy's rules (the snapshot proxy is not served)
declare({
    "os_compute_api:os-volumes:list": READER,
    "os_compute_api:os-volumes:detail": READER,
    "os_compute_api:os-volumes:show": READER,
    "os_compute_api:os-volumes:create": MEMBER,
    "os_compute_api:os-volumes:delete": MEMBER,
})


def _cinder_said(error: FakenovaError) -> str:
    """cinderclient's ClientException as text: its message, status and request id."""
    return f"{error.message} (HTTP {error.status}) (Request-ID: req-{new_id()})"


def _translated(error: FakenovaError) -> FakenovaError:
    """translate_cinder_exception: Cinder's 400 is InvalidInput, its 403 Forbidden."""
    if isinstance(error, BadRequest):
        return BadRequest(f"Invalid input received: {_cinder_said(error)}")
    if isinstance(error, Forbidden):
        return Forbidden(_cinder_said(error))
    return error


def list_volumes(state: State, ctx: Context, detail: bool, offset: int = 0,
                 limit: int = 0) -> list[Volume]:
    """VolumeController.index and detail: the caller's volumes, newest first as Cinder lists
    them, cut by common.limited (a limit of 0, or above the maximum, is the maximum)."""
    authorize(ctx, "os_compute_api:os-volumes:" + ("detail" if detail else "list"),
              ctx.project_id)
    try:
        found = volumes.list_volumes(state, ctx)
    except FakenovaError as error:
        raise _translated(error) from error
    found.sort(key=lambda vol: (vol.created_at, vol.id), reverse=True)
    limit = min(MAX_LIMIT, limit or MAX_LIMIT)
    return found[offset:offset + limit]


def show_volume(state: State, ctx: Context, volume_id: str) -> Volume:
    """VolumeController.show: the policy, then Cinder's volume (404 VolumeNotFound)."""
    authorize(ctx, "os_compute_api:os-volumes:show", ctx.project_id)
    try:
        return volumes.get_volume(state, ctx, volume_id)
    except NotFound:
        raise NotFound(f"Volume {volume_id} could not be found.") from None
    except FakenovaError as error:
        raise _translated(error) from error


def delete_volume(state: State, ctx: Context, volume_id: str) -> None:
    """VolumeController.delete: the policy, then Cinder's delete (its 400 as InvalidInput,
    its 404 as VolumeNotFound)."""
    authorize(ctx, "os_compute_api:os-volumes:delete", ctx.project_id)
    try:
        volumes.delete_volume(state, ctx, volume_id)
    except NotFound:
        raise NotFound(f"Volume {volume_id} could not be found.") from None
    except FakenovaError as error:
        raise _translated(error) from error


def create_volume(state: State, ctx: Context, size: int, name: str | None = None,
                  description: str | None = None, volume_type: str | None = None,
                  metadata: dict[str, str] | None = None,
                  availability_zone: str | None = None,
                  snapshot_id: str | None = None) -> Volume:
    """VolumeController.create: the policy, the snapshot (there are none: 404
    SnapshotNotFound), then Cinder's create."""
    authorize(ctx, "os_compute_api:os-volumes:create", ctx.project_id)
    if snapshot_id is not None:
        raise NotFound(f"Snapshot {snapshot_id} could not be found.")
    try:
        return volumes.create_volume(
            state, ctx, size, name, description, volume_type=volume_type,
            metadata=metadata, availability_zone=availability_zone)
    except FakenovaError as error:
        raise _translated(error) from error
