"""Client settings for a fakenova cloud: the OS_* variables and a clouds.yaml document."""

from __future__ import annotations

from typing import Any

DEFAULT_URL = "http://127.0.0.1:8774"
DEFAULT_ACCOUNTS = {"demo": ("demo", "demo"), "admin": ("admin", "admin")}


def auth(url: str, username: str, password: str, project: str) -> dict[str, str]:
    return {"auth_url": f"{url.rstrip('/')}/identity", "username": username,
            "password": password, "project_name": project, "user_domain_name": "Default",
            "project_domain_name": "Default"}


def os_env(url: str, username: str, password: str, project: str) -> dict[str, str]:
    """The OS_* variables the openstack CLI, Ansible and Terraform read."""
    values = auth(url, username, password, project)
    return {"OS_AUTH_URL": values["auth_url"], "OS_USERNAME": username,
            "OS_PASSWORD": password, "OS_PROJECT_NAME": project,
            "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": "RegionOne", "OS_IDENTITY_API_VERSION": "3",
            "OS_INTERFACE": "public"}


def clouds_yaml(url: str, username: str, password: str, project: str,
                cloud_name: str = "fakenova") -> str:
    document: dict[str, Any] = {"clouds": {cloud_name: {
        "auth": auth(url, username, password, project), "region_name": "RegionOne",
        "identity_api_version": 3}}}
    import yaml  # only here: a cold start that writes no clouds.yaml skips PyYAML

    return yaml.safe_dump(document, sort_keys=False)


def shell_exports(env: dict[str, str]) -> str:
    return "".join(f"export {name}={value}\n" for name, value in env.items())
