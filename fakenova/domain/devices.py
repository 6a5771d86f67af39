"""Block device names: the next free disk name, as a libvirt compute host picks it."""

from __future__ import annotations

from .model import Server


def device_letters(index: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, as block device names count."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def next_device_name(server: Server, prefix: str = "/dev/vd") -> str:
    """The next free disk name on the virtio bus, as a libvirt compute host picks it."""
    used = {b.device_name[len(prefix):] for b in server.bdms
            if b.device_name and b.device_name.startswith(prefix)}
    index = 0
    while device_letters(index) in used:
        index += 1
    return prefix + device_letters(index)
