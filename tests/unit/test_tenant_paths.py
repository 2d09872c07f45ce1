"""Tenant mode: the demo's files stay 404 however the path is spelled, and no redirect takes its
host from the request (Werkzeug's merge-slashes redirect built Location from the Host header)."""

import pytest

from recall_assistant.app import create_app
from tests.support.entra import tenant_settings

SPELLINGS = [
    "/demo", "/demo/", "/DEMO", "//demo", "/./demo", "/demo/.",
    "/frontend/demo/office-shim.js", "/frontend/./demo/office-shim.js",
    "/frontend/%2e/demo/office-shim.js", "/frontend//demo/office-shim.js",
    "//frontend/demo/office-shim.js", "/frontend/demo/./office-shim.js",
    "/frontend/views/../demo/office-shim.js", "/frontend/views/%2e%2e/demo/office-shim.js",
    "/frontend/DEMO/office-shim.js", "/frontend/Demo/demo.js", "/frontend/demo%2foffice-shim.js",
    "/frontend/./Demo/./demo.html", "/sandbox/graph/v1.0/users", "//sandbox/identity",
]


@pytest.fixture
def tenant_client(tmp_path):
    return create_app(tenant_settings(tmp_path)).test_client()


def get(client, path):
    # PATH_INFO as a server passes it: the test client would read `//demo` as a host name.
    return client.get("/", headers={"Host": "evil.example"},
                      environ_overrides={"PATH_INFO": path, "RAW_URI": path})


@pytest.mark.parametrize("path", SPELLINGS)
def test_demo_files_are_404_in_tenant_mode_however_spelled(tenant_client, path):
    response = get(tenant_client, path)
    assert response.status_code == 404, (path, response.status_code, response.headers)
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["//demo", "/frontend//taskpane.js", "//api/me",
                                  "///evil.example/x", "/frontend//demo/office-shim.js"])
def test_no_redirect_takes_its_host_from_the_request(tenant_client, path):
    response = get(tenant_client, path)
    location = response.headers.get("Location")
    assert location is None or (not location.startswith("//") and "evil.example" not in location)


def test_the_pane_files_are_still_served_in_tenant_mode(tenant_client):
    assert tenant_client.get("/frontend/taskpane.js").status_code == 200
    assert tenant_client.get("/frontend/views/verdict.js").status_code == 200
