"""The correction templates every organisation gets, as data.

Same shape as an organisation's template file (docs/templates.md), and checked by the same
validator (``recall.templates``), so a built-in can never do what an organisation template
may not. An organisation replaces one by giving its file the same ``id``.

Bodies are HTML fragments rendered with autoescaping: every ``{{ value }}`` arrives escaped;
``nl2br`` escapes first, then turns line breaks into ``<br>``.
"""

from __future__ import annotations

from typing import Any

_SIGN_OFF = (
    "<p>{% if sender_name %}Thank you,<br>{{ sender_name }}{% else %}Thank you.{% endif %}</p>"
)
_ABOUT = (
    "my message “{{ original_subject }}”{% if sent_date %} (sent {{ sent_date }}){% endif %}"
)
_NOTE = {"name": "note", "label": "Anything to add (optional)", "required": False,
         "max_length": 1000, "multiline": True}
_NOTE_BLOCK = "{% if note %}<p>{{ note | nl2br }}</p>{% endif %}"

BUILTIN_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "id": "please-disregard",
        "title": "Please disregard",
        "description": "The message was sent by mistake; ask everyone to ignore it.",
        "subject": "Please disregard: {{ original_subject }}",
        "body": [
            "<p>Hello,</p>",
            f"<p>Please disregard {_ABOUT}. It was sent by mistake.</p>",
            _NOTE_BLOCK,
            _SIGN_OFF,
        ],
        "fields": [_NOTE],
    },
    {
        "id": "corrected-version-follows",
        "title": "Corrected version follows",
        "description": "The message had a mistake; a corrected version is on its way.",
        "subject": "Correction: {{ original_subject }}",
        "body": [
            "<p>Hello,</p>",
            f"<p>{_ABOUT[0].upper()}{_ABOUT[1:]} contained a mistake. A corrected version "
            "follows{% if follows_when %} {{ follows_when }}{% endif %}; please use that one "
            "and delete the earlier message.</p>",
            "{% if what_changed %}<p>What changes: {{ what_changed | nl2br }}</p>{% endif %}",
            _SIGN_OFF,
        ],
        "fields": [
            {"name": "what_changed", "label": "What was wrong (optional)", "required": False,
             "max_length": 1000, "multiline": True},
            {"name": "follows_when", "label": "When the corrected version follows (optional)",
             "required": False, "max_length": 80, "multiline": False},
        ],
    },
    {
        "id": "wrong-recipient",
        "title": "Sent to the wrong person — please delete",
        "description": "Someone got a message meant for others; ask them to delete it.",
        "subject": "Sent to you by mistake — please delete: {{ original_subject }}",
        "body": [
            "<p>Hello,</p>",
            f"<p>You received {_ABOUT} by mistake: it was meant for someone else.</p>",
            "<p>Please delete it, also from Deleted Items, without forwarding or using its "
            "contents, and reply briefly to confirm that you have.</p>",
            _NOTE_BLOCK,
            "<p>I am sorry for the trouble.</p>",
            _SIGN_OFF,
        ],
        "fields": [_NOTE],
    },
    {
        "id": "wrong-attachment",
        "title": "Wrong attachment",
        "description": "The attachment was the wrong file; ask people to delete it.",
        "subject": "Wrong attachment: {{ original_subject }}",
        "body": [
            "<p>Hello,</p>",
            f"<p>{_ABOUT[0].upper()}{_ABOUT[1:]} had the wrong attachment"
            "{% if wrong_file %} (“{{ wrong_file }}”){% endif %}. Please delete it without "
            "opening or forwarding it.</p>",
            "<p>{% if right_file %}The right file, “{{ right_file }}”, follows{% else %}"
            "The right file follows{% endif %} in a separate message.</p>",
            _NOTE_BLOCK,
            _SIGN_OFF,
        ],
        "fields": [
            {"name": "wrong_file", "label": "Name of the wrong attachment (optional)",
             "required": False, "max_length": 200, "multiline": False},
            {"name": "right_file", "label": "Name of the right attachment (optional)",
             "required": False, "max_length": 200, "multiline": False},
            _NOTE,
        ],
    },
    {
        "id": "typo-fixed",
        "title": "Typo fixed",
        "description": "A small error in the text; give the corrected wording.",
        "subject": "Correction: {{ original_subject }}",
        "body": [
            "<p>Hello,</p>",
            f"<p>A small correction to {_ABOUT}.</p>",
            # The quoted texts end their lines: a full stop after them would double theirs.
            "<p>{% if wrong_text %}Where it says: “{{ wrong_text }}”<br>{% endif %}"
            "It should say: “{{ right_text }}”</p>",
            "<p>Everything else stands.</p>",
            _SIGN_OFF,
        ],
        "fields": [
            {"name": "wrong_text", "label": "What it says (optional)", "required": False,
             "max_length": 300, "multiline": False},
            {"name": "right_text", "label": "What it should say", "required": True,
             "max_length": 300, "multiline": False},
        ],
    },
)
