"""The API in the caller's language (Accept-Language), end to end against the sandbox: reason
texts, templates, the preview, the correction that lands, and the recall's progress."""

from __future__ import annotations

import re
import time
import uuid

import pytest

PRICING = "AAMkAGRlbW8-sent02_pricing"  # Alex; Jordan (Gmail); Fabrikam (partner tenant)
FORECAST = "AAMkAGRlbW8-sent01_forecast"


@pytest.fixture
def api(live_server):
    session = live_server.session()
    token = session.get(f"{live_server.url}/sandbox/token",
                        params={"user": "adele@contoso.com"}).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"

    def call(method, path, language, **kwargs):
        headers = {"Accept-Language": language, **kwargs.pop("headers", {})}
        return session.request(method, f"{live_server.url}{path}", headers=headers, **kwargs)

    return call


def reasons(body, address):
    person = next(r for r in body["recipients"] if r["address"] == address)
    return [r["text"] for r in person["reasons"]]


def test_reason_texts_come_in_the_callers_language(api):
    english = api("POST", "/api/eligibility", "en-US", json={"itemId": PRICING})
    german = api("POST", "/api/eligibility", "de-DE,de;q=0.9", json={"itemId": PRICING})
    french = api("POST", "/api/eligibility", "fr-FR", json={"itemId": PRICING})
    assert reasons(english.json(), "jordan.miller@gmail.com") == [
        "gmail.com is outside Microsoft 365: recall cannot reach it. Send a correction instead."]
    assert reasons(german.json(), "jordan.miller@gmail.com") == [
        "gmail.com liegt außerhalb von Microsoft 365: Der Rückruf erreicht sie nicht. Senden Sie "
        "stattdessen eine Korrektur."]
    assert reasons(french.json(), "jordan.miller@gmail.com") == [
        "gmail.com est hors de Microsoft 365 : le rappel ne l’atteint pas. Envoyez plutôt une "
        "correction."]
    assert (german.headers["Content-Language"], french.headers["Content-Language"]) == ("de", "fr")
    assert "Accept-Language" in german.headers["Vary"]
    # Codes and params do not change with the language.
    assert [[r["code"] for r in p["reasons"]] for p in german.json()["recipients"]] == [
        [r["code"] for r in p["reasons"]] for p in english.json()["recipients"]]


def test_templates_and_their_fields_come_in_the_callers_language(api):
    french = api("GET", "/api/templates", "fr").json()["templates"]
    english = api("GET", "/api/templates", "en").json()["templates"]
    assert [t["id"] for t in french] == [t["id"] for t in english]
    first = french[0]
    assert (first["title"], first["fields"][0]["label"]) == (
        "Merci de ne pas en tenir compte", "Quelque chose à ajouter (facultatif)")
    etags = {api("GET", "/api/templates", lang).headers["ETag"] for lang in ("en", "de", "fr")}
    assert len(etags) == 3  # a cache never gives one language's list to another


def test_the_preview_and_the_correction_that_lands_read_in_german_in_the_senders_zone(
        api, live_server):
    body = {"messageId": PRICING, "templateId": "please-disregard", "fields": {},
            "audience": "unrecallable", "timeZone": "Europe/Berlin"}
    preview = api("POST", "/api/corrections/preview", "de-DE", json=body).json()
    assert preview["subject"] == "Bitte nicht beachten: Pricing for the Fabrikam renewal"
    assert preview["text"].startswith("Guten Tag,\n\nbitte beachten Sie meine Nachricht „Pricing "
                                      "for the Fabrikam renewal“ (gesendet ")
    sent_at = re.search(r"\(gesendet (.+?)\)", preview["text"]).group(1)
    assert re.fullmatch(r"\w+, \d+\. \w+ \d{4}, \d\d:\d\d CET", sent_at), sent_at
    assert "Vielen Dank\nAdele Vance" in preview["text"]

    sent = api("POST", "/api/corrections", "de-DE", json=body,
               headers={"Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 201, sent.text
    now = live_server.sandbox.clock()
    landed = [m for m in live_server.sandbox.mail.messages("adele@contoso.com", "sentitems", now)
              if m.subject.endswith("Bitte nicht beachten: Pricing for the Fabrikam renewal")]
    assert len(landed) == 1
    assert "bitte beachten Sie meine Nachricht" in landed[0].body
    assert "Please disregard" not in landed[0].body


def test_an_unknown_time_zone_is_a_400_that_names_the_field(api):
    body = {"messageId": PRICING, "templateId": "please-disregard", "audience": "all",
            "timeZone": "Mars/Olympus_Mons"}
    answer = api("POST", "/api/corrections/preview", "en", json=body)
    assert answer.status_code == 400
    assert "timeZone" in answer.json()["error"]["details"]["fields"]


def test_the_recalls_progress_reasons_come_in_the_callers_language(api):
    recall = api("POST", "/api/recalls", "fr", json={"messageId": PRICING},
                 headers={"Idempotency-Key": str(uuid.uuid4())})
    assert recall.status_code == 202, recall.text
    for _ in range(50):
        status = api("GET", f"/api/recalls/{recall.json()['id']}", "fr").json()
        jordan = next(p for p in status["recipients"] if p["address"] == "jordan.miller@gmail.com")
        if jordan["reason"]:
            break
        time.sleep(0.2)
    # Gmail was never reachable: its reason is the eligibility one, with its domain filled in.
    assert jordan["reason"]["text"] == (
        "gmail.com est hors de Microsoft 365 : le rappel ne l’atteint pas. Envoyez plutôt une "
        "correction.")
    assert jordan["reason"]["params"] == {"domain": "gmail.com"}
    listed = api("GET", "/api/recalls", "de", params={"messageId": PRICING}).json()["recalls"]
    jordan = next(p for p in listed[0]["recipients"] if p["address"] == "jordan.miller@gmail.com")
    assert jordan["reason"]["text"].startswith("gmail.com liegt außerhalb von Microsoft 365")
