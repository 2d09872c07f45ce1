"""Correction templates (recall/templates.py): the built-ins render, field values are checked,
nothing a person types can add markup or template code, the sandbox holds against organisation
templates, and the organisation directory is re-read when it changes, bad files skipped."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from recall_assistant.recall.correction_text import SUBJECT_MAX, format_sent_date
from recall_assistant.recall.templates import (
    CorrectionContext,
    CorrectionTemplate,
    InvalidTemplate,
    TemplateField,
    TemplateFieldError,
    TemplateRenderError,
    builtin_templates,
    render,
    template_from_dict,
    validate_fields,
)
from recall_assistant.services.template_files import TemplateLoader, load_templates

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_PY = ROOT / "backend" / "recall_assistant" / "recall" / "templates.py"
SENT = dt.datetime(2026, 11, 26, 12, 5, tzinfo=dt.UTC)
CONTEXT = CorrectionContext(original_subject="Q3 numbers", sender_name="Adele Vance",
                            sent_at=SENT)
BUILTIN_IDS = ("please-disregard", "corrected-version-follows", "wrong-recipient",
               "wrong-attachment", "typo-fixed")


def builtin(template_id: str) -> CorrectionTemplate:
    return next(t for t in builtin_templates() if t.id == template_id)


def required_values(template: CorrectionTemplate, value: str = "filled in") -> dict[str, str]:
    return {f.name: value for f in template.fields if f.required}


def org(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "gdpr-notice", "title": "Personal data sent by mistake",
        "subject": "Personal data: {{ original_subject }} ({{ ticket }})",
        "body": ["<p>Hello,</p>", "<p>{{ explanation | nl2br }}</p>",
                 "<p>Ticket {{ ticket }}, {{ sender_name }}</p>"],
        "fields": [{"name": "ticket", "label": "Ticket number", "required": True,
                    "max_length": 20},
                   {"name": "explanation", "label": "What happened", "multiline": True}],
    }
    data.update(changes)
    return data


def write(directory: Path, name: str, content: Any, *, bump: int = 0) -> Path:
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    if bump:  # make the change visible even on a file system with coarse timestamps
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))
    return path


# ---------------------------------------------------------------------------- built-ins


def test_the_built_ins_are_the_five_corrections_in_order():
    assert tuple(t.id for t in builtin_templates()) == BUILTIN_IDS
    assert all(t.origin == "builtin" and t.title and t.description for t in builtin_templates())


@pytest.mark.parametrize("template_id", BUILTIN_IDS)
def test_every_built_in_renders_with_only_its_required_fields(template_id):
    template = builtin(template_id)
    result = render(template, required_values(template), CONTEXT)
    assert "Q3 numbers" in result.subject
    assert "Q3 numbers" in result.html_body and "Q3 numbers" in result.text_body
    assert "Thursday 26 November 2026, 12:05 UTC" in result.html_body
    assert "Adele Vance" in result.html_body and "Adele Vance" in result.text_body
    assert "{{" not in result.html_body and "{%" not in result.html_body
    assert "<p>" not in result.text_body and "<br>" not in result.text_body
    for field in template.fields:
        if field.required:
            assert "filled in" in result.html_body


@pytest.mark.parametrize("template_id", BUILTIN_IDS)
def test_every_built_in_uses_every_field_it_declares(template_id):
    template = builtin(template_id)
    values = {f.name: f"value-of-{f.name}" for f in template.fields}
    result = render(template, values, CONTEXT)
    for field in template.fields:
        assert f"value-of-{field.name}" in result.html_body


def test_built_ins_read_well_without_sender_name_or_date():
    result = render(builtin("please-disregard"), {}, CorrectionContext("Q3 numbers"))
    assert result.text_body == ("Hello,\n\nPlease disregard my message “Q3 numbers”. It was "
                                "sent by mistake.\n\nThank you.")
    assert result.subject == "Please disregard: Q3 numbers"


def test_the_typo_template_says_what_changes():
    result = render(builtin("typo-fixed"), {"wrong_text": "10 May", "right_text": "12 May"},
                    CONTEXT)
    assert ("A small correction to my message “Q3 numbers” (sent Thursday 26 November 2026, "
            "12:05 UTC).\n\nWhere it says: “10 May”\nIt should say: “12 May”") in result.text_body
    assert result.subject == "Correction: Q3 numbers"


@pytest.mark.parametrize("end", [".", "!", "?", "…"])
@pytest.mark.parametrize("template_id", BUILTIN_IDS)
def test_no_built_in_doubles_the_full_stop_of_what_people_type(template_id, end):
    template = builtin(template_id)
    fields = {f.name: f"The figure was wrong{end}" for f in template.fields}
    result = render(template, fields, CorrectionContext(f"Q3 numbers{end}", "Adele Vance", SENT))
    for doubled in (f"{end}.", f"{end}”.", f"{end}” ."):
        assert doubled not in result.text_body, result.text_body


# ---------------------------------------------------------------------------- field values


def test_missing_required_fields_are_listed():
    with pytest.raises(TemplateFieldError) as caught:
        render(builtin("typo-fixed"), {"wrong_text": "x", "right_text": "   "}, CONTEXT)
    assert caught.value.missing == ("right_text",)
    assert "missing required fields: right_text" in str(caught.value)
    assert caught.value.details() == {"missing": ["right_text"]}


def test_unknown_fields_are_refused():
    with pytest.raises(TemplateFieldError) as caught:
        render(builtin("please-disregard"), {"note": "ok", "bcc": "x", "html": "y"}, CONTEXT)
    assert caught.value.unknown == ("bcc", "html")
    assert caught.value.missing == ()


def test_values_are_capped_at_their_fields_max_length():
    template = builtin("typo-fixed")
    limit = next(f.max_length for f in template.fields if f.name == "right_text")
    render(template, {"right_text": "x" * limit}, CONTEXT)
    with pytest.raises(TemplateFieldError) as caught:
        render(template, {"right_text": "x" * (limit + 1)}, CONTEXT)
    assert caught.value.too_long == (f"right_text (at most {limit} characters)",)


def test_values_must_be_text():
    with pytest.raises(TemplateFieldError) as caught:
        render(builtin("typo-fixed"), {"right_text": 12}, CONTEXT)  # type: ignore[dict-item]
    assert caught.value.not_text == ("right_text",)
    assert render(builtin("please-disregard"), {"note": None}, CONTEXT)  # None: not given


def test_values_are_cleaned_single_line_fields_joined_multiline_kept():
    template = template_from_dict(org())
    values = validate_fields(template, {"ticket": " A-1\r\n B\x07\u202e ",
                                        "explanation": "one\r\ntwo\x00"})
    assert values == {"ticket": "A-1 B", "explanation": "one\ntwo"}
    result = render(template, {"ticket": "A-1", "explanation": "one\ntwo"}, CONTEXT)
    assert "<p>one<br>\ntwo</p>" in result.html_body
    assert "one\ntwo" in result.text_body


# ---------------------------------------------------------------------------- injection


def test_markup_in_a_value_arrives_escaped():
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    result = render(builtin("please-disregard"), {"note": attack}, CONTEXT)
    assert "<script" not in result.html_body and "<img" not in result.html_body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img" in result.html_body
    assert attack in result.text_body  # plain text shows what was typed


def test_template_code_in_a_value_stays_literal():
    result = render(builtin("typo-fixed"), {"right_text": "{{ 7*7 }}",
                                            "wrong_text": "{% for x in y %}"}, CONTEXT)
    assert "{{ 7*7 }}" in result.html_body and "49" not in result.html_body
    assert "{% for x in y %}" in result.text_body
    template = template_from_dict(org())
    subject = render(template, {"ticket": "{{ 7*7 }}"}, CONTEXT).subject
    assert subject == "Personal data: Q3 numbers ({{ 7*7 }})"


def test_the_original_subject_is_escaped_in_the_body_and_plain_in_the_subject():
    context = CorrectionContext("<b>Q3</b> & <script>x</script>", "Eve <eve@x>", SENT)
    result = render(builtin("please-disregard"), {}, context)
    assert result.subject == "Please disregard: <b>Q3</b> & <script>x</script>"
    assert "&lt;b&gt;Q3&lt;/b&gt; &amp; &lt;script&gt;" in result.html_body
    assert "Eve &lt;eve@x&gt;" in result.html_body


def test_subjects_lose_line_breaks_and_controls_and_are_capped():
    template = template_from_dict(org())
    context = CorrectionContext("Q3\r\nBcc: everyone@contoso.com\x00\ttoo", "Adele", SENT)
    subject = render(template, {"ticket": "T1"}, context).subject
    assert subject == "Personal data: Q3 Bcc: everyone@contoso.com too (T1)"
    long = render(template, {"ticket": "T1"}, CorrectionContext("x" * 400)).subject
    assert len(long) == SUBJECT_MAX and long.endswith("…")
    fielded = template_from_dict(org(subject="{{ explanation }}"))
    assert render(fielded, {"ticket": "T", "explanation": "a\nb\r\nc"}, CONTEXT).subject == "a b c"


# ---------------------------------------------------------------------------- the sandbox


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ original_subject.__class__.__mro__[1].__subclasses__() }}",
    "{{ original_subject | attr('__class__') }}",
    "{{ '{0.__class__}'.format(original_subject) }}",
    "{{ sent_at.__init__.__globals__ }}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 9999999 }}",
    "{{ undeclared_variable }}",
    "{{ range(10) | list }}",
    "{{ original_subject + 1 }}",
])
def test_the_sandbox_turns_tricks_into_a_render_error(source):
    # A template built directly, past the load-time checks: the sandbox alone must hold.
    template = CorrectionTemplate(id="t", title="t", subject="s", body=source,
                                  origin="organisation")
    with pytest.raises(TemplateRenderError, match="template 't' failed"):
        render(template, {}, CONTEXT)


@pytest.mark.parametrize(("body", "problem"), [
    ("{{ ''.__class__ }}", "'__class__' is not allowed"),
    ("{{ original_subject['__class__'] }}", "'__class__' is not allowed"),
    ("{% include 'x.html' %}", "{% include %} is not allowed"),
    ("{% for i in original_subject %}{% for j in original_subject %}{% endfor %}{% endfor %}",
     "{% for %} is not allowed"),
    ("{% macro m() %}{{ m() }}{% endmacro %}", "{% macro %} is not allowed"),
    ("{{ ticket }} {{ secret }}", "unknown variables secret"),
    ("{% if ticket %}", "body: line 1:"),
])
def test_org_templates_are_checked_before_use(body, problem):
    with pytest.raises(InvalidTemplate) as caught:
        template_from_dict(org(body=body))
    assert any(problem in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(("changes", "problem"), [
    ({"id": "Bad Id"}, "'id' must be"),
    ({"title": ""}, "'title' must be non-empty"),
    ({"body": []}, "'body' must be non-empty"),
    ({"subject": 5}, "'subject' must be"),
    ({"colour": "red"}, "unknown keys colour"),
    ({"fields": {"name": "x"}}, "'fields' must be a list"),
    ({"fields": [{"name": "ticket", "label": "T"}, {"name": "ticket", "label": "U"}]},
     "fields declared twice: ticket"),
    ({"fields": [{"name": "Ticket", "label": "T"}]}, "'name' must be"),
    ({"fields": [{"name": "sender_name", "label": "T"}]}, "is a built-in variable"),
    ({"fields": [{"name": "ticket", "label": "T", "max_length": 0}]}, "'max_length' must be"),
    ({"fields": [{"name": "ticket", "label": "T", "max_length": True}]},
     "'max_length' must be"),
    ({"fields": [{"name": "ticket", "label": "T", "required": "yes"}]},
     "'required' must be true or false"),
    ({"fields": [{"name": "ticket", "label": "T", "hint": "x"}]}, "unknown keys hint"),
])
def test_bad_definitions_are_refused_with_every_problem(changes, problem):
    with pytest.raises(InvalidTemplate) as caught:
        template_from_dict(org(**changes))
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_a_good_definition_builds_the_template():
    template = template_from_dict(org(description="For the DPO"), source="gdpr.json")
    assert template.fields == (
        TemplateField("ticket", "Ticket number", required=True, max_length=20),
        TemplateField("explanation", "What happened", multiline=True),
    )
    assert (template.origin, template.source, template.description) == (
        "organisation", "gdpr.json", "For the DPO")
    assert template.body.startswith("<p>Hello,</p>\n<p>")


# ---------------------------------------------------------------------------- the directory


def test_no_directory_means_the_built_ins_and_no_problems():
    catalog = load_templates(None)
    assert tuple(t.id for t in catalog.templates) == BUILTIN_IDS
    assert catalog.problems == ()


def test_a_missing_directory_is_a_problem_not_a_crash(tmp_path):
    catalog = TemplateLoader(tmp_path / "nowhere").load()
    assert tuple(t.id for t in catalog.templates) == BUILTIN_IDS
    assert len(catalog.problems) == 1 and "cannot be read" in catalog.problems[0]


def test_templates_are_added_changed_and_removed_without_a_restart(tmp_path):
    loader = TemplateLoader(tmp_path)
    empty = loader.load()
    assert loader.load() is empty  # nothing changed: nothing re-read

    path = write(tmp_path, "gdpr.json", org())
    added = loader.load()
    assert added.get("gdpr-notice").title == "Personal data sent by mistake"
    assert added.templates[-1].id == "gdpr-notice" and added.version != empty.version

    write(tmp_path, "gdpr.json", org(title="Personal data — please delete"), bump=5)
    changed = loader.load()
    assert changed.get("gdpr-notice").title == "Personal data — please delete"

    path.unlink()
    assert loader.load().get("gdpr-notice") is None


def test_a_bad_file_is_skipped_with_a_problem_and_the_rest_still_load(tmp_path):
    write(tmp_path, "a-good.json", org())
    write(tmp_path, "b-broken.json", '{"id": "x", "title": ')
    write(tmp_path, "c-invalid.json", org(id="other", body="{{ ''.__class__ }}"))
    (tmp_path / "d-latin1.json").write_bytes(b'{"id": "\xe9"}')
    write(tmp_path, "e-list.json", "[1, 2]")
    write(tmp_path, ".hidden.json", "not even json")
    write(tmp_path, "notes.txt", "not a template")
    catalog = TemplateLoader(tmp_path).load()
    assert [t.id for t in catalog.templates] == [*BUILTIN_IDS, "gdpr-notice"]
    problems = "\n".join(catalog.problems)
    assert "b-broken.json: not valid JSON (line 1, column" in problems
    assert "c-invalid.json: body: line 1: '__class__' is not allowed; skipped" in problems
    assert "d-latin1.json: not UTF-8 text; skipped" in problems
    assert "e-list.json: a template must be a JSON object; skipped" in problems
    assert ".hidden" not in problems and "notes.txt" not in problems


def test_an_org_template_overrides_a_built_in_by_id_in_its_place(tmp_path):
    write(tmp_path, "disregard.json", org(id="please-disregard", title="Bitte ignorieren",
                                          subject="Bitte ignorieren: {{ original_subject }}"))
    catalog = TemplateLoader(tmp_path).load()
    assert tuple(t.id for t in catalog.templates) == BUILTIN_IDS  # same place, same count
    replaced = catalog.get("please-disregard")
    assert (replaced.title, replaced.origin, replaced.source) == (
        "Bitte ignorieren", "organisation", "disregard.json")
    assert render(replaced, {"ticket": "1"}, CONTEXT).subject == "Bitte ignorieren: Q3 numbers"
    (tmp_path / "disregard.json").unlink()
    assert TemplateLoader(tmp_path).load().get("please-disregard").origin == "builtin"


def test_two_files_with_one_id_keep_the_first_by_name(tmp_path):
    write(tmp_path, "a.json", org(title="First"))
    write(tmp_path, "b.json", org(title="Second"))
    catalog = TemplateLoader(tmp_path).load()
    assert catalog.get("gdpr-notice").title == "First"
    assert catalog.problems == ("b.json: id 'gdpr-notice' is already used by a.json; skipped",)


def test_an_oversized_file_is_skipped(tmp_path):
    write(tmp_path, "big.json", json.dumps(org(description="x" * 300_000)))
    catalog = TemplateLoader(tmp_path).load()
    assert catalog.get("gdpr-notice") is None
    assert "big.json: larger than" in catalog.problems[0]


def test_load_templates_keeps_one_loader_per_directory(tmp_path):
    first = load_templates(tmp_path)
    assert load_templates(tmp_path) is first
    write(tmp_path, "gdpr.json", org())
    assert load_templates(tmp_path).get("gdpr-notice") is not None


# ---------------------------------------------------------------------------- small parts


def test_sent_date_is_english_whatever_the_locale_and_names_the_zone():
    assert format_sent_date(SENT) == "Thursday 26 November 2026, 12:05 UTC"
    berlin = dt.timezone(dt.timedelta(hours=1), "CET")
    assert format_sent_date(SENT.astimezone(berlin)) == "Thursday 26 November 2026, 13:05 CET"
    assert format_sent_date(None) == ""
    with pytest.raises(ValueError, match="timezone-aware"):
        render(builtin("please-disregard"), {}, CorrectionContext("x", "", SENT.replace(
            tzinfo=None)))


def test_org_templates_can_format_the_date_themselves():
    template = template_from_dict(org(body="{% if sent_at %}{{ sent_at.strftime('%d.%m.%Y') }}"
                                           "{% endif %}"))
    assert render(template, {"ticket": "1"}, CONTEXT).html_body == "26.11.2026"
    assert render(template, {"ticket": "1"}, CorrectionContext("x")).html_body == ""


def test_the_example_in_the_docs_loads_and_renders():
    doc = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    template = template_from_dict(json.loads(example))
    result = render(template, {"ticket": "DP-42"}, CONTEXT)
    assert result.subject == "Please delete: Q3 numbers (ticket DP-42)"
    assert "12:05 UTC, contained personal data" in result.text_body
    assert "<strong>DP-42</strong>" in result.html_body


def test_templates_module_reads_no_files():
    # Reading the organisation's directory is services.template_files' job: the rules are pure.
    source = TEMPLATES_PY.read_text(encoding="utf-8")
    for io in ("import os", "import threading", "open(", "read_bytes", "scandir", "pathlib"):
        assert io not in source, io


def test_templates_module_imports_only_the_standard_library_and_jinja2():
    tree = ast.parse(TEMPLATES_PY.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            # markupsafe is Jinja2's own escaping library (a dependency of it).
            assert top in sys.stdlib_module_names or top in ("jinja2", "markupsafe"), name
