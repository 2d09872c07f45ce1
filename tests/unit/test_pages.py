"""The task pane's pages: office.js in tenant mode, the Office shim only in sandbox mode."""

from __future__ import annotations

import pytest

from recall_assistant.api.pages import OFFICE_JS_TAG, OFFICE_SHIM_TAG
from recall_assistant.app import create_app


@pytest.fixture
def tenant_client(settings):
    # The same app in tenant mode (nothing here reaches the network).
    return create_app(settings.replace(mode="tenant")).test_client()


def test_sandbox_taskpane_loads_the_office_shim(client):
    response = client.get("/taskpane.html")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert OFFICE_SHIM_TAG in page
    assert "appsforoffice.microsoft.com" not in page
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/frontend/demo/office-shim.js").status_code == 200


def test_tenant_taskpane_loads_office_js_from_microsoft(tenant_client):
    page = tenant_client.get("/taskpane.html").get_data(as_text=True)
    assert OFFICE_JS_TAG in page
    assert "office-shim" not in page


@pytest.mark.parametrize("path", ["/demo", "/frontend/demo/office-shim.js",
                                  "/frontend/demo/demo.js", "/frontend/demo/demo.html"])
def test_sandbox_pages_are_404_in_tenant_mode(tenant_client, path):
    response = tenant_client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_pane_modules_are_served(client):
    for name in ("taskpane.js", "auth.js", "api.js", "host.js", "strings.js", "views/verdict.js"):
        response = client.get(f"/frontend/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == "text/javascript", name


def test_config_gives_the_pane_its_public_sign_in_settings(client, settings):
    response = client.get("/api/config")
    assert response.status_code == 200
    assert response.get_json() == {
        "clientId": settings.client_id,
        "apiScope": f"{settings.api_audience}/access_as_user",
        "authority": settings.authority,
    }
    assert "secret" not in response.get_data(as_text=True).lower()


def test_config_for_several_tenants_uses_organizations(settings):
    app = create_app(settings.replace(allowed_tenants=("t1", "t2")))
    body = app.test_client().get("/api/config").get_json()
    assert body["authority"] == f"{settings.authority_host}/organizations"


def test_msal_bundle_is_served_from_node_modules(client):
    from recall_assistant.api.pages import MSAL_BUNDLE

    response = client.get("/vendor/msal-browser.js")
    if not MSAL_BUNDLE.is_file():
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert b"createNestablePublicClientApplication" in response.get_data()
