"""The backend's languages: catalogues complete, placeholders kept, templates and dates read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.messages.pofile import read_po

from recall_assistant import i18n
from recall_assistant.recall.builtin_templates import BUILTIN_TEMPLATES
from recall_assistant.recall.reasons import OUTCOME_TEXTS, REASON_TEXTS
from recall_assistant.recall.templates import CorrectionContext, builtin_templates, render

OTHERS = [lang for lang in i18n.LANGUAGES if lang != "en"]
SENT = dt.datetime(2026, 11, 26, 12, 5, tzinfo=dt.UTC)
PLACEHOLDER = re.compile(r"\{\{?\s*[\w|. ]+?\s*\}?\}|\{%.*?%\}")


def code_texts() -> set[str]:
    """Every English text of ours a catalogue must translate."""
    texts = {*REASON_TEXTS.values(), *OUTCOME_TEXTS.values()}
    for template in BUILTIN_TEMPLATES:
        texts |= {template["title"], template["description"], template["subject"],
                  *template["body"], *(f["label"] for f in template["fields"])}
    return texts


@pytest.mark.parametrize("language", OTHERS)
def test_the_catalogue_translates_every_text_and_nothing_else(language):
    with (i18n.LOCALES / f"{language}.po").open("rb") as po:
        catalogue = read_po(po)
    ids = {m.id for m in catalogue if m.id}
    assert ids == code_texts()
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


@pytest.mark.parametrize("language", OTHERS)
def test_each_translation_keeps_the_placeholders_and_template_logic(language):
    for text in code_texts():
        translated = i18n.translate(language, text)
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(text)), (
            language, text)


@pytest.mark.parametrize("language", OTHERS)
def test_every_reason_and_outcome_reads_filled_in_the_language(language):
    for code, english in {**REASON_TEXTS, **OUTCOME_TEXTS}.items():
        params = {name: "X" for name in re.findall(r"\{(\w+)\}", english)}
        if code == "no_report":
            params = {"wait_s": "86400"}
        text = i18n.reason_text(code, params, language, fallback=None)
        assert text, code
        assert text != i18n.reason_text(code, params, "en", fallback=None), code
        assert not re.search(r"\{\w+\}", text), (code, text)


def test_a_reason_whose_params_are_missing_falls_back_to_the_stored_text():
    assert i18n.reason_text("consumer_mail", {}, "de", "gmail.com is outside") == (
        "gmail.com is outside")
    assert i18n.reason_text("a_future_code", {}, "fr", "As stored.") == "As stored."


@pytest.mark.parametrize(("header", "language"), [
    ("de-DE", "de"), ("fr-CH,fr;q=0.9", "fr"), ("en-GB", "en"), ("es-ES", "en"), ("", "en"),
    (None, "en"), ("es, fr;q=0.5, de;q=0.8", "de"), ("*", "en"), ("!!garbage", "en")])
def test_the_language_is_negotiated_from_accept_language(header, language):
    assert i18n.negotiate(header) == language


def test_dates_are_written_in_the_readers_language_and_zone():
    berlin = i18n.Reader("de", "Europe/Berlin")
    assert berlin.when(SENT) == "Donnerstag, 26. November 2026, 13:05 CET"
    assert i18n.Reader("fr", "Europe/Paris").when(SENT) == "jeudi 26 novembre 2026, 13:05 CET"
    assert i18n.Reader().when(SENT) == "Thursday 26 November 2026, 12:05 UTC"
    assert i18n.Reader("en", "America/New_York").when(SENT) == (
        "Thursday 26 November 2026, 07:05 EST")
    with pytest.raises(ValueError):
        i18n.time_zone("Mars/Olympus_Mons")


@pytest.mark.parametrize(("seconds", "language", "words"), [
    (86400, "en", "24 hours"), (86400, "de", "24 Stunden"), (30, "fr", "30\u00a0secondes"),
    (120, "de", "2 Minuten")])
def test_the_wait_is_said_in_the_language(seconds, language, words):
    assert i18n.format_wait(seconds, language) == words


# English words no German or French correction has (names and the subject are the user's).
ENGLISH_WORDS = re.compile(r"\b(Hello|Please|Thank you|mistake|sent|delete|the|should|it)\b")


@pytest.mark.parametrize("language", OTHERS)
def test_every_built_in_correction_reads_wholly_in_the_language(language):
    reader = i18n.Reader(language, "Europe/Berlin")
    for template in builtin_templates():
        local = i18n.localise_template(template, language)
        assert local.title != template.title and local.subject != template.subject
        values = {f.name: "Zahl" for f in local.fields}
        context = CorrectionContext("Q3", "Adele Vance", SENT, sent_date=reader.when(SENT))
        rendered = render(local, values, context)
        for text in (rendered.subject, rendered.text_body, *(f.label for f in local.fields)):
            assert not ENGLISH_WORDS.search(text), (template.id, text)
            assert "{" not in text and "}" not in text, (template.id, text)
        assert "13:05 CET" in rendered.text_body or "sent_date" not in template.body


def test_an_organisation_template_is_kept_as_its_organisation_wrote_it():
    own = builtin_templates()[0].__class__(id="ours", title="Unsere", subject="S", body="<p>B</p>",
                                           origin="organisation")
    assert i18n.localise_template(own, "fr") is own
