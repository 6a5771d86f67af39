"""tempest's configuration for a fakenova cloud: a ``tempest.conf`` and the accounts file of
its pre-provisioned credentials (``tempest.lib.common.preprov_creds``), for a server that
loaded the shipped ``tempest`` fixture beside the demo cloud.

What is switched on is what fakenova models: Keystone v3, Nova, Cinder and Glance in the
catalog, Neutron announced but never called (with no network named, tempest sends
``networks: "none"`` from 2.37), compute and volume microversions over fakenova's range,
and the feature flags whose behaviour fakenova honours.
"""

from __future__ import annotations

import configparser
import importlib.util
import io
from pathlib import Path
from typing import Any

import yaml

from fakenova.http.volume.pipeline import MAX_VERSION as VOLUME_MAX
from fakenova.http.volume.pipeline import MIN_VERSION as VOLUME_MIN
from fakenova.microversion import MAX_VERSION as COMPUTE_MAX
from fakenova.microversion import MIN_VERSION as COMPUTE_MIN
from fakenova.resources import fixtures_dir

FIXTURE = "tempest"
DEMO_IMAGE = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"  # the demo cloud's cirros image
FLAVOR, ALT_FLAVOR = "42", "84"  # devstack's m1.nano and m1.micro

# The feature flags fakenova honours, beyond tempest's defaults.
_FEATURES: dict[str, dict[str, str]] = {
    "compute-feature-enabled": {"swap_volume": "True", "volume_multiattach": "True",
                                "resize": "True", "stable_rescue": "True"},
    "volume-feature-enabled": {"extend_attached_volume": "True", "manage_snapshot": "True"},
    # fakenova inspects no image's format, so tempest must not count on it refusing one
    "image-feature-enabled": {"image_format_enforcement": "False"},
}


def accounts() -> list[dict[str, Any]]:
    """One entry per user of the ``tempest`` fixture: its project and its roles there."""
    fixture = yaml.safe_load((fixtures_dir() / f"{FIXTURE}.yaml").read_text(encoding="utf-8"))
    found = []
    for user in fixture["users"]:
        ((project, roles),) = user["roles"].items()
        found.append({"username": user["name"], "password": user["password"],
                      "project_name": project, "roles": list(roles)})
    return found


def tempest_conf(url: str, directory: Path) -> str:
    """tempest.conf for the cloud at ``url``; tempest's locks and log go in ``directory``."""
    base = url.rstrip("/")
    sections: dict[str, dict[str, str]] = {
        "DEFAULT": {"log_file": str(directory / "tempest.log")},
        "oslo_concurrency": {"lock_path": str(directory / "locks")},
        "auth": {"use_dynamic_credentials": "False",
                 "test_accounts_file": str(directory / "accounts.yaml"),
                 "default_credentials_domain_name": "Default",
                 "create_isolated_networks": "False"},
        "identity": {"uri_v3": f"{base}/identity/v3", "auth_version": "v3",
                     "region": "RegionOne"},
        "identity-feature-enabled": {"api_v2": "False"},
        "service_available": {"nova": "True", "cinder": "True", "glance": "True",
                              "neutron": "True", "swift": "False"},
        "compute": {"image_ref": DEMO_IMAGE, "image_ref_alt": DEMO_IMAGE,
                    "flavor_ref": FLAVOR, "flavor_ref_alt": ALT_FLAVOR,
                    "min_microversion": str(COMPUTE_MIN), "max_microversion": str(COMPUTE_MAX),
                    "build_timeout": "30", "build_interval": "1"},
        "volume": {"min_microversion": str(VOLUME_MIN), "max_microversion": str(VOLUME_MAX),
                   "volume_type_multiattach": "multiattach",
                   "build_timeout": "30", "build_interval": "1"},
        "validation": {"run_validation": "False"},
        **_FEATURES,
    }
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_dict(sections)
    text = io.StringIO()
    parser.write(text)
    return text.getvalue()


def stestr_conf() -> str | None:
    """A ``.stestr.conf`` that finds the installed tempest's tests (None without tempest)."""
    found = importlib.util.find_spec("tempest")
    if found is None or not found.submodule_search_locations:
        return None
    package = Path(next(iter(found.submodule_search_locations)))
    return f"[DEFAULT]\ntest_path={package / 'test_discover'}\ntop_dir={package.parent}\n"


def write(url: str, directory: Path) -> list[Path]:
    """Write ``tempest.conf`` and ``accounts.yaml`` into ``directory`` (made if missing),
    and ``.stestr.conf`` when tempest is installed, so that ``stestr run`` works there."""
    directory = directory.resolve()
    (directory / "locks").mkdir(parents=True, exist_ok=True)
    conf, accounts_file = directory / "tempest.conf", directory / "accounts.yaml"
    conf.write_text(tempest_conf(url, directory), encoding="utf-8")
    accounts_file.write_text(yaml.safe_dump(accounts(), sort_keys=False), encoding="utf-8")
    written = [conf, accounts_file]
    runner = stestr_conf()
    if runner is not None:
        written.append(directory / ".stestr.conf")
        written[-1].write_text(runner, encoding="utf-8")
    return written
