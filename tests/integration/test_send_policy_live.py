"""``GET /api/policy`` over HTTPS against the sandbox tenant: the pane's token, a real
on-behalf-of exchange and Graph's ``/organization`` fill in the internal domains; the
well-known file names the script Outlook loads from the same server."""

from __future__ import annotations


def test_the_policy_carries_the_tenants_domains(live_server):
    session = live_server.session()
    token = session.get(f"{live_server.url}/sandbox/token",
                        params={"user": "adele@contoso.com"}).json()["access_token"]
    response = session.get(f"{live_server.url}/api/policy",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "contoso.com" in body["internalDomains"]
    assert set(live_server.tenant.verified_domains) <= set(body["internalDomains"])
    assert "password" in body["keywords"]
    assert session.get(f"{live_server.url}/api/policy").status_code == 401


def test_the_script_the_well_known_file_lists_is_served(live_server):
    session = live_server.session()
    allowed = session.get(
        f"{live_server.url}/.well-known/microsoft-officeaddins-allowed.json").json()["allowed"]
    assert allowed == [f"{live_server.url}/launchevent.js"]
    script = session.get(allowed[0])
    assert script.status_code == 200
    assert f'"{live_server.url}"' in script.text
