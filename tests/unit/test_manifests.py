"""`recall-assistant manifest`: what it refuses, what it writes, and the XML manifest's
structural check (addin-manifest/check_xml_manifest.py) on the result and on broken copies."""

from __future__ import annotations

import json
import os
import re
import zipfile

import pytest

from recall_assistant.cli import EXIT_CONFIG, main
from recall_assistant.config import SANDBOX_CLIENT_ID
from recall_assistant.ops.manifests import manifest_target, render_manifests
from tests.support.manifest import CLIENT_ID, ROOT, xml_checker

check = xml_checker()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("RA_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    status = main(["manifest", *args])
    captured = capsys.readouterr()
    return status, [line for line in captured.err.splitlines() if line], captured.out


REFUSED = {
    # id: (arguments, the start of the one error line)
    "http": (["--base-url", "http://addin.contoso.com", "--client-id", CLIENT_ID],
             "--base-url 'http://addin.contoso.com' is not https"),
    "no scheme": (["--base-url", "addin.contoso.com", "--client-id", CLIENT_ID],
                  "--base-url 'addin.contoso.com' is not https"),
    "path": (["--base-url", "https://contoso.com/addin", "--client-id", CLIENT_ID],
             "--base-url 'https://contoso.com/addin' must be an origin"),
    "query": (["--base-url", "https://addin.contoso.com/?x=1", "--client-id", CLIENT_ID],
              "--base-url 'https://addin.contoso.com/?x=1' must be an origin"),
    "fragment": (["--base-url", "https://addin.contoso.com#top", "--client-id", CLIENT_ID],
                 "--base-url 'https://addin.contoso.com#top' must be an origin"),
    "no host": (["--base-url", "https://", "--client-id", CLIENT_ID],
                "--base-url 'https://' has no valid host name"),
    "credentials": (["--base-url", "https://me:pw@addin.contoso.com", "--client-id", CLIENT_ID],
                    "--base-url 'https://me:pw@addin.contoso.com' has no valid host name"),
    "bad port": (["--base-url", "https://addin.contoso.com:99999", "--client-id", CLIENT_ID],
                 "--base-url 'https://addin.contoso.com:99999' is not a valid URL"),
    "guid too short": (["--base-url", "https://addin.contoso.com", "--client-id", "3f6a9c2e-8b1d"],
                       "--client-id '3f6a9c2e-8b1d' is not a GUID"),
    "guid not hex": (["--base-url", "https://addin.contoso.com",
                      "--client-id", "zf6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c"],
                     "--client-id 'zf6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c' is not a GUID"),
    "guid in braces": (["--base-url", "https://addin.contoso.com",
                        "--client-id", "{3f6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c}"],
                       "--client-id '{3f6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c}' is not a GUID"),
    "bad add-in id": (["--base-url", "https://addin.contoso.com", "--client-id", CLIENT_ID,
                       "--addin-id", "not-a-guid"], "--addin-id 'not-a-guid' is not a GUID"),
}


@pytest.mark.parametrize(("args", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_bad_input_is_refused_with_one_line_and_status_2(capsys, tmp_path, args, message):
    out = tmp_path / "out"
    status, errors, _ = run(capsys, *args, "--out", str(out))
    assert status == EXIT_CONFIG
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"recall-assistant: {message}"), errors[0]
    assert not out.exists()  # nothing half-written


def test_every_problem_is_reported(capsys, tmp_path):
    status, errors, _ = run(capsys, "--base-url", "http://x", "--client-id", "nope",
                            "--out", str(tmp_path))
    assert status == EXIT_CONFIG
    assert [e.split(" ")[1] for e in errors] == ["--base-url", "--client-id"]


def test_writes_both_manifests_the_icons_and_the_app_package(capsys, tmp_path):
    status, errors, out = run(capsys, "--base-url", "https://Addin.Contoso.com:8443/",
                              "--client-id", CLIENT_ID.upper(), "--out", str(tmp_path))
    assert (status, errors) == (0, [])
    assert "api://addin.contoso.com:8443/" + CLIENT_ID in out
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"manifest.xml", "manifest.json", "color.png", "outline.png",
                     "recall-assistant.zip"}
    with zipfile.ZipFile(tmp_path / "recall-assistant.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    unified = json.loads((tmp_path / "manifest.json").read_text())
    assert unified["webApplicationInfo"] == {
        "id": CLIENT_ID, "resource": f"api://addin.contoso.com:8443/{CLIENT_ID}"}
    assert unified["validDomains"] == ["addin.contoso.com:8443"]
    assert check.png_size(tmp_path / "color.png") == (192, 192)
    assert check.png_size(tmp_path / "outline.png") == (32, 32)
    problems = check.check_manifest(tmp_path / "manifest.xml", client_id=CLIENT_ID)
    assert problems == []


def test_defaults_come_from_the_configuration(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("RA_PUBLIC_URL", "https://addin.fabrikam.com")
    status, _, out = run(capsys, "--out", str(tmp_path))
    assert status == 0
    xml = (tmp_path / "manifest.xml").read_text()
    assert "https://addin.fabrikam.com/taskpane.html" in xml
    assert f"<Resource>api://addin.fabrikam.com/{SANDBOX_CLIENT_ID}</Resource>" in xml


def test_the_addin_id_is_stable_per_origin_and_client():
    first = manifest_target("https://a.contoso.com", CLIENT_ID)
    assert manifest_target("https://a.contoso.com/", CLIENT_ID).addin_id == first.addin_id
    assert manifest_target("https://b.contoso.com", CLIENT_ID).addin_id != first.addin_id


def test_values_are_escaped_for_each_format():
    target = manifest_target("https://addin.contoso.com", CLIENT_ID, provider='Fabrikam & "Co"')
    rendered = render_manifests(target)
    assert "<ProviderName>Fabrikam &amp; &quot;Co&quot;</ProviderName>" in rendered["manifest.xml"]
    assert json.loads(rendered["manifest.json"])["developer"]["name"] == 'Fabrikam & "Co"'


def test_both_manifests_describe_the_same_add_in():
    target = manifest_target("https://addin.contoso.com", CLIENT_ID)
    rendered = render_manifests(target)
    xml, unified = rendered["manifest.xml"], json.loads(rendered["manifest.json"])
    extension = unified["extensions"][0]
    runtime = next(r for r in extension["runtimes"] if r["id"] == "OnSendRuntime")
    event = extension["autoRunEvents"][0]["events"][0]
    assert event == {"type": "messageSending", "actionId": "onMessageSendHandler",
                     "options": {"sendMode": "softBlock"}}
    assert 'FunctionName="onMessageSendHandler" SendMode="SoftBlock"' in xml
    assert runtime["code"] == {"page": "https://addin.contoso.com/commands.html",
                               "script": "https://addin.contoso.com/launchevent.js"}
    assert unified["id"] == target.addin_id and f"<Id>{target.addin_id}</Id>" in xml
    xml_urls = set(re.findall(r'"(https://[^"]+)"', xml))
    json_urls = set(re.findall(r'"(https://addin[^"]+)"', rendered["manifest.json"]))
    assert json_urls <= xml_urls  # the unified manifest uses nothing the XML one lacks
    # Every URL either manifest names is served by the backend (icons from frontend/assets).
    for url in xml_urls:
        path = url.removeprefix("https://addin.contoso.com")
        if path.startswith("/assets/"):
            assert (ROOT / "frontend" / path.lstrip("/")).is_file(), url


# -- the structural check catches what it should -------------------------------------------

@pytest.fixture(scope="module")
def good_xml() -> str:
    return render_manifests(manifest_target("https://addin.contoso.com", CLIENT_ID))["manifest.xml"]


BROKEN = {
    # id: (text to replace, replacement, a fragment of the expected problem)
    "wrong resource": (f"<Resource>api://addin.contoso.com/{CLIENT_ID}</Resource>",
                       f"<Resource>api://other.contoso.com/{CLIENT_ID}</Resource>",
                       "Resource 'api://other.contoso.com/"),
    "http url": ('DefaultValue="https://addin.contoso.com/commands.html"/>',
                 'DefaultValue="http://addin.contoso.com/commands.html"/>', "is not an https URL"),
    "second origin": ('"https://addin.contoso.com/launchevent.js"',
                      '"https://cdn.contoso.com/launchevent.js"',
                      "is not on the add-in's origin https://addin.contoso.com"),
    "icon of the wrong size": ('DefaultValue="https://addin.contoso.com/assets/icon-32.png"',
                               'DefaultValue="https://addin.contoso.com/assets/icon-16.png"',
                               "icon-16.png is 16x16, not 32x32"),
    "missing icon file": ('assets/icon-80.png', 'assets/icon-81.png', "icon-81.png does not exist"),
    "required size missing": ('<bt:Image size="80" resid="RecallAssistant.Icon80"/>', "",
                              "icon sizes [80] are required"),
    "too little permission": ("<Permissions>ReadWriteItem</Permissions>",
                              "<Permissions>ReadItem</Permissions>",
                              "Permissions must be at least ReadWriteItem"),
    "missing element": ("  <DefaultLocale>en-US</DefaultLocale>\n", "", "DefaultLocale is missing"),
    "swapped": ("<ProviderName>Recall Assistant</ProviderName>\n  <DefaultLocale>en-US</DefaultLocale>",
                "<DefaultLocale>en-US</DefaultLocale>\n  <ProviderName>Recall Assistant</ProviderName>",
                "ProviderName is out of order"),
    "web app info before resources": (None, None, "Resources is out of order"),
    "duplicate control id": ('id="RecallAssistant.ReadGroup"', 'id="RecallAssistant.OpenPane"',
                             "id 'RecallAssistant.OpenPane' is used twice"),
    "dangling resid": ('<Label resid="RecallAssistant.Group.Label"/>',
                       '<Label resid="RecallAssistant.Nope"/>', "names no resource"),
    "wrong send mode": ('SendMode="SoftBlock"', 'SendMode="PromptUser"', "SendMode must be SoftBlock"),
    "no launch event": ('Type="OnMessageSend"', 'Type="OnNewMessageCompose"',
                        "exactly one OnMessageSend"),
    "handler renamed": ('FunctionName="onMessageSendHandler"', 'FunctionName="onSend"',
                        "FunctionName must be onMessageSendHandler"),
    "no javascript override": ('<Override type="javascript" resid="RecallAssistant.OnSendScript.Url"/>',
                               "", "Override of type javascript"),
    "old requirement set": ('DefaultMinVersion="1.12"', 'DefaultMinVersion="1.11"',
                            "below 1.12"),
    "not the task pane": ('<SourceLocation resid="RecallAssistant.Taskpane.Url"/>',
                          '<SourceLocation resid="RecallAssistant.Commands.Url"/>',
                          "the task pane is /taskpane.html"),
    "client id mismatch": (f"<Id>{CLIENT_ID}</Id>",
                           "<Id>00000000-0000-0000-0000-000000000000</Id>",
                           "is not the configured client id"),
    "not xml": ("</OfficeApp>", "", "not well-formed XML"),
}


def _broken(xml: str, old: str | None, new: str | None, case: str) -> str:
    if case == "web app info before resources":
        start, end = xml.index("      <WebApplicationInfo>"), xml.index("    </VersionOverrides>\n  </VersionOverrides>")
        info = xml[start:end]
        xml = xml[:start] + xml[end:]
        return xml.replace("      <Resources>", info + "      <Resources>", 1)
    assert old in xml, old
    return xml.replace(old, new, 1)


@pytest.mark.parametrize("case", BROKEN.keys())
def test_the_structural_check_finds_each_kind_of_mistake(good_xml, case):
    old, new, expected = BROKEN[case]
    problems = check.check_manifest(_broken(good_xml, old, new, case), client_id=CLIENT_ID)
    assert any(expected in p for p in problems), problems


def test_the_good_manifest_passes_and_the_script_says_so(good_xml, tmp_path, capsys):
    path = tmp_path / "manifest.xml"
    path.write_text(good_xml)
    assert check.main([str(path), "--client-id", CLIENT_ID]) == 0
    assert capsys.readouterr().out.strip().endswith(": ok")
    path.write_text(good_xml.replace('SendMode="SoftBlock"', 'SendMode="Block"'))
    assert check.main([str(path)]) == 1


def test_the_icons_are_real_pngs_of_their_names_size():
    assets = ROOT / "frontend" / "assets"
    for size in (16, 20, 24, 32, 40, 48, 64, 80, 128):
        assert check.png_size(assets / f"icon-{size}.png") == (size, size)


def test_the_templates_hold_no_url_of_their_own():
    for name in ("manifest.template.xml", "manifest.template.json"):
        text = (ROOT / "addin-manifest" / name).read_text()
        urls = re.findall(r"https://[^\"'<\s]+", text)
        assert all(u.startswith(("https://developer.microsoft.com/json-schemas/",)) for u in urls), urls
