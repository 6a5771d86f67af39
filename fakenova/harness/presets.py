"""Named fault presets: one-liners for the failures real clouds produce.

Each preset turns its parameters into one fault rule (a dict, as a user would write it);
any rule key given alongside (service, method, path, match, times, after, probability,
seed, delay_ms, project, min_version, max_version) narrows or tunes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakenova.errors import BadRequest

Rule = dict[str, Any]

def _on(service: str, method: str, path: str, body_key: str | None = None) -> Rule:
    return {"service": service, "method": method, "path": path,
            **({"body_key": body_key} if body_key else {})}


def _actions(service: str, path: str, names: dict[str, str]) -> dict[str, Rule]:
    return {name: _on(service, "POST", path, key) for name, key in names.items()}


# The operations a preset can aim at, by name: the rule keys that pick their requests.
OPERATIONS: dict[str, Rule] = {
    # Nova's volume attachments (the names the presets have always taken)
    "list": _on("compute", "GET", "/servers/*/os-volume_attachments"),
    "show": _on("compute", "GET", "/servers/*/os-volume_attachments/*"),
    "attach": _on("compute", "POST", "/servers/*/os-volume_attachments"),
    "update": _on("compute", "PUT", "/servers/*/os-volume_attachments/*"),
    "detach": _on("compute", "DELETE", "/servers/*/os-volume_attachments/*"),
    # Nova's servers, their actions and assisted snapshots
    "create_server": _on("compute", "POST", "/servers"),
    "delete_server": _on("compute", "DELETE", "/servers/*"),
    **_actions("compute", "/servers/*/action", {
        "rescue": "rescue", "unrescue": "unrescue", "rebuild": "rebuild", "resize": "resize",
        "confirm_resize": "confirmResize", "revert_resize": "revertResize",
        "create_image": "createImage", "shelve": "shelve", "unshelve": "unshelve"}),
    "assisted_snapshot": _on("compute", "POST", "/os-assisted-volume-snapshots"),
    # Cinder's volumes, their actions, snapshots and backups
    "volume_create": _on("volume", "POST", "/volumes"),
    "volume_delete": _on("volume", "DELETE", "/volumes/*"),
    **_actions("volume", "/volumes/*/action", {
        "volume_attach": "os-attach", "volume_detach": "os-detach",
        "volume_reserve": "os-reserve", "volume_unreserve": "os-unreserve",
        "begin_detaching": "os-begin_detaching", "roll_detaching": "os-roll_detaching",
        "force_detach": "os-force_detach", "reset_status": "os-reset_status",
        "extend": "os-extend", "initialize_connection": "os-initialize_connection",
        "terminate_connection": "os-terminate_connection"}),
    "snapshot_create": _on("volume", "POST", "/snapshots"),
    "snapshot_delete": _on("volume", "DELETE", "/snapshots/*"),
    "backup_create": _on("volume", "POST", "/backups"),
    "backup_delete": _on("volume", "DELETE", "/backups/*"),
    "backup_restore": _on("volume", "POST", "/backups/*/restore"),
    # Glance's images
    "image_list": _on("image", "GET", "/images"),
    "image_show": _on("image", "GET", "/images/*"),
    "image_create": _on("image", "POST", "/images"),
    "image_update": _on("image", "PATCH", "/images/*"),
    "image_delete": _on("image", "DELETE", "/images/*"),
    "image_upload": _on("image", "PUT", "/images/*/file"),
    "image_download": _on("image", "GET", "/images/*/file"),
}
_NOVA_ACTIONS = {"attach": "attach_volume", "detach": "detach_volume", "update": "swap_volume"}


def _aim(operation: str | None, rule: Rule) -> Rule:
    if operation is None:
        return rule
    if operation not in OPERATIONS:
        raise BadRequest(f"Unknown operation {operation!r}; choose one of {sorted(OPERATIONS)}")
    return {**OPERATIONS[operation], **rule}


def flaky(times: int = 1, status: int = 503, operation: str | None = None, **rule: Any) -> Rule:
    """Fail ``times`` times with ``status``, then let requests through."""
    return _aim(operation, {"status": status, "times": times, **rule})


def lost_response(operation: str | None = None, **rule: Any) -> Rule:
    """Apply the request, then lose the answer (the connection drops, or ``status`` given)."""
    action = {} if "status" in rule else {"action": "drop"}
    return _aim(operation, {"when": "after", **action, **rule})


def slow(delay_ms: int = 2000, operation: str | None = None, **rule: Any) -> Rule:
    return _aim(operation, {"delay_ms": delay_ms, **rule})


def drop(operation: str | None = None, **rule: Any) -> Rule:
    """Close the connection without an answer; nothing is applied."""
    return _aim(operation, {"action": "drop", **rule})


def detach_race_404(**rule: Any) -> Rule:
    """The detach another client finished first: Nova's 404 for an attachment that is gone."""
    return _aim("detach", {"status": 404, "message": "Instance {server_id} is not attached "
                                                     "to volume {volume_id}", **rule})


def task_state_409(task_state: str = "rebooting", operation: str = "attach",
                   **rule: Any) -> Rule:
    """The server is busy with a task (rebooting, resize_prep, ...): upstream's 409."""
    action = _NOVA_ACTIONS.get(operation)
    if action is None:
        raise BadRequest(f"task_state_409 takes operation attach, detach or update, "
                         f"not {operation!r}")
    message = (f"Cannot '{action}' instance {{server_id}} while it is in task_state "
               f"{task_state}")
    return _aim(operation, {"status": 409, "message": message, **rule})


def instance_locked_409(operation: str = "attach", **rule: Any) -> Rule:
    return _aim(operation, {"status": 409, "message": "Instance {server_id} is locked", **rule})


def device_in_use_409(**rule: Any) -> Rule:
    """A compute driver that honours the requested device, which is taken."""
    return _aim("attach", {"status": 409, "message": "The supplied device path ({device}) is "
                                                     "in use.", **rule})


def malformed_body(operation: str | None = None, **rule: Any) -> Rule:
    """Apply the request, then answer with its JSON cut off halfway."""
    return _aim(operation, {"when": "after", "action": "truncate", **rule})


def keystone_503(**rule: Any) -> Rule:
    return {"service": "identity", "method": "POST", "path": "/auth/tokens", "status": 503,
            "message": "Service Unavailable", **rule}


STUCK_STATES = ("attaching", "detaching", "error", "volume_error")


def stuck(volume: str, state: str = "attaching", **rule: Any) -> Rule:
    """A volume that never leaves ``attaching`` or ``detaching``; or whose attach or detach
    fails on the compute host (``error``: cleaned up as Nova does, the volume as it was); or
    whose backend fails (``volume_error``: the volume left in ``error``)."""
    if state not in STUCK_STATES:
        raise BadRequest(f"stuck takes state {', '.join(STUCK_STATES[:-1])} or "
                         f"{STUCK_STATES[-1]}")
    return {"stuck": state, "volume": volume, **rule}


PRESETS: dict[str, Callable[..., Rule]] = {
    "flaky": flaky, "lost_response": lost_response, "slow": slow, "drop": drop,
    "detach_race_404": detach_race_404, "task_state_409": task_state_409,
    "instance_locked_409": instance_locked_409, "device_in_use_409": device_in_use_409,
    "malformed_body": malformed_body, "keystone_503": keystone_503, "stuck": stuck,
}


def expand(spec: Rule) -> Rule:
    """A rule as given, or the rule a ``{"preset": name, ...}`` stands for."""
    if "preset" not in spec:
        return spec
    params = {k: v for k, v in spec.items() if k != "preset"}
    preset = PRESETS.get(spec["preset"]) if isinstance(spec["preset"], str) else None
    if preset is None:
        raise BadRequest(f"Unknown preset {spec['preset']!r}; known: {sorted(PRESETS)}")
    try:
        return {"name": spec["preset"], **preset(**params)}
    except TypeError as error:
        raise BadRequest(f"Preset {spec['preset']}: {error}") from error
