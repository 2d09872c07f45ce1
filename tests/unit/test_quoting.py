"""The rule that keeps the original out of a correction (recall/quoting.py), as a table."""

from __future__ import annotations

import pytest

from recall_assistant.recall.quoting import body_text, holds_preview, quoted_runs, words

ORIGINAL = "Our floor price for the renewal is 42,000. Do not share this outside Contoso."
PREVIEW = ("<p>Hello,</p><p>Please disregard my message “Pricing for the Fabrikam renewal”. "
           "It was sent by mistake.</p><p>Thank you,<br>Adele Vance</p>")
# What Outlook (and the sandbox) puts under a reply's own text.
QUOTE_HEADER = ('<hr><div id="divRplyFwdMsg"><b>From:</b> Adele Vance &lt;adele@contoso.com&gt;'
                "<br><b>Sent:</b> 2026-11-20T09:00:00Z<br><b>To:</b> Alex Wilber "
                "&lt;alex@contoso.com&gt;<br><b>Subject:</b> Pricing for the Fabrikam renewal"
                "</div>")


def quoted(original_html: str) -> str:
    return PREVIEW + QUOTE_HEADER + original_html


@pytest.mark.parametrize(("draft", "original", "preview", "found"), [
    # The correction exactly as previewed: nothing of the original.
    (PREVIEW, ORIGINAL, PREVIEW, 0),
    # Graph's quote under it (the original was plain text): every 8-word run of it is there.
    # (15 words: 8 runs of 8).
    (quoted(f"<p>{ORIGINAL}</p>"), ORIGINAL, PREVIEW, 8),
    # Markup, entities, case and line breaks do not hide it.
    (quoted("<div>OUR <b>floor</b>&nbsp;price for<br>the renewal is 42,000.</div>"), ORIGINAL,
     PREVIEW, 2),
    # Full-width digits and a soft hyphen fold to the same words (NFKC, format characters).
    (PREVIEW + "<p>our floor price for the re\u00adnewal is ４２,０００</p>", ORIGINAL, PREVIEW,
     2),
    # Only part of the original quoted: still a quote.
    (PREVIEW + "<blockquote>we agreed on the following points today. Do not</blockquote>",
     "Hi all. We agreed on the following points today. Do not share this outside Contoso.",
     PREVIEW, 2),
    # Seven words in a row are not enough to call it a quote of a long original.
    (PREVIEW + "<p>floor price for the renewal is 42</p>", ORIGINAL, PREVIEW, 0),
    # The subject, which templates mention on purpose, is not the body.
    (PREVIEW, "Pricing for the Fabrikam renewal", PREVIEW, 0),
    # Text the sender typed into the correction is in the preview: theirs to send...
    (PREVIEW + f"<p>{ORIGINAL}</p>", ORIGINAL, PREVIEW + f"<p>{ORIGINAL}</p>", 0),
    # ...but not twice: a quote under the typed copy is still found.
    (PREVIEW + f"<p>{ORIGINAL}</p>" + QUOTE_HEADER + ORIGINAL, ORIGINAL,
     PREVIEW + f"<p>{ORIGINAL}</p>", 8),
    # A short original is found when the draft holds all of it...
    (quoted("<p>Floor price: 42,000</p>"), "Floor price: 42,000", PREVIEW, 1),
    (quoted("<p>Password: hunter22</p>"), "Password: hunter22", PREVIEW, 1),
    # ...but "Hi" or a first name could be anywhere (here in the quote header): not a finding.
    (quoted("<p>Hi</p>"), "Hi", PREVIEW, 0),
    (quoted("<p>Adele</p>"), "Adele", PREVIEW, 0),
    # A short original only partly there is not all of it.
    (quoted("<p>Floor price</p>"), "Floor price: 42,000", PREVIEW, 0),
    # An empty original has nothing to find.
    (quoted(""), "", PREVIEW, 0),
    # Script and style are not text; a hidden block is (it is delivered all the same).
    (PREVIEW + f"<style>p {{}}</style><div style='display:none'>{ORIGINAL}</div>", ORIGINAL,
     PREVIEW, 8),
])
def test_a_draft_quotes_the_original_when_it_holds_its_words_beyond_the_preview(
        draft, original, preview, found):
    assert quoted_runs(body_text(draft), body_text(original, "text"), body_text(preview)) \
        == found


def test_words_fold_case_width_and_invisible_characters():
    assert words("Ｆｌｏｏｒ\u200b PRICE, re\u00adnewal — 42,000!") == [
        "floor", "price", "renewal", "42", "000"]
    assert words("Straße") == words("STRASSE")


def test_an_html_body_reads_as_its_text_and_inline_tags_do_not_split_words():
    assert words(body_text("<p>42<b>,000</b></p><p>next</p>")) == ["42", "000", "next"]
    assert words(body_text("<div>one</div><div>two</div>")) == ["one", "two"]
    assert words(body_text("<script>var secret = 1</script>shown")) == ["shown"]
    assert body_text("a <b>plain</b> text", "text") == "a <b>plain</b> text"


@pytest.mark.parametrize(("draft", "preview", "holds"), [
    (PREVIEW, PREVIEW, True),
    (PREVIEW + QUOTE_HEADER, PREVIEW, True),
    ("<html><head><style>p{}</style></head><body>" + PREVIEW + "</body></html>", PREVIEW, True),
    (QUOTE_HEADER + ORIGINAL, PREVIEW, False),  # the body was never set
    ("<p>Hello,</p><p>Please disregard</p>", PREVIEW, False),  # cut short
    ("", "", True),
])
def test_a_draft_holds_the_preview_only_when_all_of_it_is_there_in_order(draft, preview, holds):
    assert holds_preview(body_text(draft), body_text(preview)) is holds
