"""``fakenova tempest-config``: a tempest.conf and an accounts file for upstream tempest's
pre-provisioned credentials (``tempest.lib.common.preprov_creds``), for a cloud serving the
``tempest`` fixture beside the demo cloud. That tempest can allocate every persona its
admin classes ask for at once is shown by tests/test_upstream_tempest.py, which runs them."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
import yaml

from fakenova import create_app
from fakenova.cli import main
from fakenova.http.volume.pipeline import MAX_VERSION as VOLUME_MAX
from fakenova.microversion import MAX_VERSION

URL = "http://127.0.0.1:18774"


@pytest.fixture
def written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["tempest-config", "--url", f"{URL}/", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "tempest.conf"),
                                               str(tmp_path / "accounts.yaml"),
                                               str(tmp_path / ".stestr.conf")]
    return tmp_path


def test_the_configuration_points_tempest_at_the_cloud_and_its_range(written: Path) -> None:
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(written / "tempest.conf")
    assert conf["identity"]["uri_v3"] == f"{URL}/identity/v3"
    assert conf["auth"]["use_dynamic_credentials"] == "False"
    assert Path(conf["auth"]["test_accounts_file"]) == written / "accounts.yaml"
    assert conf["compute"]["max_microversion"] == str(MAX_VERSION)
    assert conf["volume"]["max_microversion"] == str(VOLUME_MAX)
    assert (written / "locks").is_dir()
    for section in ("nova", "cinder", "glance", "neutron"):
        assert conf["service_available"][section] == "True"


def test_every_account_logs_in_with_the_roles_the_file_gives_it(written: Path) -> None:
    client = create_app(["demo", "tempest"]).test_client()
    accounts = yaml.safe_load((written / "accounts.yaml").read_text())
    assert len(accounts) == 6
    for account in accounts:
        answer = client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": account["username"], "domain": {"name": "Default"},
                "password": account["password"]}}},
            "scope": {"project": {"name": account["project_name"],
                                  "domain": {"name": "Default"}}}}})
        assert answer.status_code == 201, answer.get_json()
        roles = {role["name"] for role in answer.get_json()["token"]["roles"]}
        assert set(account["roles"]) <= roles

