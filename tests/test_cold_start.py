"""What a cold start spares: a new process builds the demo cloud and serves a client's first
requests without jsonschema, and without the OpenAPI builder; PyYAML waits for a YAML file.
What it spares must still work when asked for: URLs built from the routes, the shipped
fixtures' schema check, and the checks of refused bodies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import flask
import pytest

from fakenova import create_app
from fakenova.harness import fixture_files
from fakenova.harness.documents import read_document
from fakenova.resources import fixtures_dir

FIRST_REQUESTS = """
import json, sys
from fakenova import create_app
fixtures = json.loads(sys.argv[1])
client = create_app(fixtures).test_client()
token = client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
    "methods": ["password"], "password": {"user": {
        "name": "admin", "password": "admin", "domain": {"id": "default"}}}},
    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
assert token.status_code == 201, token.get_data(as_text=True)
servers = client.get("/compute/v2.1/servers",
                     headers={"X-Auth-Token": token.headers["X-Subject-Token"]})
assert servers.status_code == 200, servers.status_code
print(json.dumps(sorted(name for name in sys.modules
                        if name.split(".")[0] in ("jsonschema", "yaml", "fakenova"))))
"""


def modules_after_first_requests(fixtures: list[str]) -> set[str]:
    run = subprocess.run([sys.executable, "-c", FIRST_REQUESTS, json.dumps(fixtures)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout))


def test_the_demo_cloud_logs_in_and_lists_without_jsonschema_or_the_openapi_builder(
) -> None:
    loaded = modules_after_first_requests(["demo"])
    assert "fakenova.http.identity" in loaded           # the requests were served
    assert not {name for name in loaded if name.startswith("jsonschema")}
    assert "fakenova.openapi.builder" not in loaded
    assert "yaml" not in loaded                          # the demo is JSON


def test_a_cloud_from_a_json_fixture_does_not_import_pyyaml(tmp_path: Path) -> None:
    path = tmp_path / "cloud.json"
    path.write_text(json.dumps({"projects": [{"name": "team-a"}]}))
    loaded = modules_after_first_requests([str(path)])
    assert "yaml" not in loaded
    assert "jsonschema" in loaded                        # a user's file is checked in full


@pytest.mark.parametrize("path", sorted(path for path in Path(str(fixtures_dir())).iterdir()
                                         if path.suffix in {".json", ".yaml"}),
                         ids=lambda path: path.name)
def test_every_shipped_file_is_valid_and_each_fixture_passes_the_schema(
        path: Path) -> None:
    document = read_document(path)
    assert isinstance(document, dict)
    if not path.name.startswith("scenario-"):
        assert fixture_files.is_shipped(path)
        fixture_files.check(document, path.name, against_schema=True)


def test_a_users_fixture_breaking_the_schema_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("volumes: [{name: data, size: ten}]\n")
    assert not fixture_files.is_shipped(path)
    with pytest.raises(fixture_files.FixtureError, match="'ten' is not of type 'integer'"):
        create_app([path])


def test_urls_are_built_from_the_routes_whose_builders_wait_for_first_use() -> None:
    app = create_app()
    with app.test_request_context("/identity/v3"):  # routing it loads Keystone's routes
        assert flask.url_for("identity.create_token") == "/identity/v3/auth/tokens"
        assert flask.url_for("identity.create_token", extra="x") == \
            "/identity/v3/auth/tokens?extra=x"


VERSION_DISCOVERY = """
import sys
from fakenova import create_app
client = create_app(["demo"]).test_client()
for path in ("/compute", "/compute/", "/compute/v2.1", "/compute/v2.1/", "/compute/v2/",
             "/compute/elsewhere"):
    assert client.get(path).status_code in (200, 300), path
print("fakenova.http.compute.servers" in sys.modules)
print("fakenova.validation.catalog" in sys.modules)
client.get("/compute/v2.1/flavors")
print("fakenova.http.compute.servers" in sys.modules)
"""


def test_nova_version_discovery_is_answered_before_novas_apis_are_loaded() -> None:
    """A client's first request to Nova asks for its versions: that loads none of the APIs
    below v2.1, which the first request below it loads, nor the schema catalog."""
    run = subprocess.run([sys.executable, "-c", VERSION_DISCOVERY], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False", "True"]


def test_a_record_shows_itself_as_a_dataclass_does() -> None:
    """Records share one ``repr`` (``Record``) rather than each generating its own."""
    from fakenova.domain.model import Project, VolumeAttachment

    assert repr(Project("p1", "team")) == "Project(id='p1', name='team', domain_id='default')"
    shown = repr(VolumeAttachment("a1", "v1", "s1", device="/dev/vdb"))
    assert shown == ("VolumeAttachment(id='a1', volume_id='v1', server_id='s1', "
                     "status='reserved', device='/dev/vdb', host_name=None, attached_at=None, "
                     "mode='rw', nova_managed=True)")


@pytest.mark.parametrize("path", ["/compute", "/compute/", "/compute/v2.1", "/compute/v2.1/",
                                  "/compute/v2", "/compute/v2/", "/compute/elsewhere",
                                  "/compute/v2.1/nowhere", "/compute/v2/servers"])
def test_novas_version_documents_answer_alike_before_and_after_its_apis_load(
        path: str) -> None:
    cold = create_app().test_client()
    warm_app = create_app()
    warm_app.services.all()  # type: ignore[attr-defined]
    before, after = cold.get(path), warm_app.test_client().get(path)
    assert before.status_code == after.status_code
    assert before.get_data() == after.get_data()
    assert before.headers.get("Content-Type") == after.headers.get("Content-Type")


def test_every_query_schema_accepts_an_empty_query() -> None:
    """A request without a query string is not checked: that holds while no query schema
    requires a parameter."""
    import jsonschema

    from fakenova.validation.catalog import catalog

    checked = 0
    for service in ("compute", "volume", "image"):
        for key in catalog().keys(service):
            if key.endswith(".query"):
                for entry in catalog().entries(service, key):
                    cls = jsonschema.validators.validator_for(entry.schema)
                    assert cls(entry.schema).is_valid({}), (service, entry.file.name)
                    checked += 1
    assert checked > 10


FIRST_PATHS = ["/identity/v3", "/compute/", "/compute/v2.1/servers", "/compute/v2.1/",
               "/compute/v2.1/nowhere", "/compute/v2/servers", "/compute/elsewhere", "/volume/",
               "/volume/v3/nowhere/volumes", "/image/", "/image/v2/images", "/_fakenova/state",
               "/_fakenova/openapi.json", "/elsewhere"]


def _statuses(url: str, paths: list[str]) -> list[tuple[str, int]]:
    import urllib.error
    import urllib.request

    found = []
    for path in paths:
        try:
            with urllib.request.urlopen(url + path, timeout=30) as answer:
                found.append((path, answer.status))
        except urllib.error.HTTPError as refused:
            found.append((path, refused.code))
    return found


def test_first_requests_to_every_service_at_once_are_routed_as_later_ones() -> None:
    """Services load while other threads route requests: 30 threads send the first
    requests of every service at once, and each gets the answer it gets once all are
    loaded."""
    import threading

    from fakenova.serving import FakenovaServer

    with FakenovaServer(create_app(["demo"])) as server:
        start = threading.Barrier(30)
        answers: list[list[tuple[str, int]]] = []

        def first(offset: int) -> None:
            order = FIRST_PATHS[offset:] + FIRST_PATHS[:offset]
            start.wait()
            answers.append(_statuses(server.url, order))

        threads = [threading.Thread(target=first, args=(n % len(FIRST_PATHS),))
                   for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = dict(_statuses(server.url, FIRST_PATHS))
    assert len(answers) == 30
    assert all(dict(seen) == expected for seen in answers)
    assert set(expected.values()) >= {200, 300, 401, 404}
