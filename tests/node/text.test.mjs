// frontend/text.js: the explicit bidi controls go, everything else stays.
// Run: node --test tests/node/
import assert from "node:assert/strict";
import { test } from "node:test";

import { pieces, stripBidiControls } from "../../frontend/text.js";

test("embeddings, overrides and isolates are removed", () => {
  for (const control of ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E",
    "\u2066", "\u2067", "\u2068", "\u2069"]) {
    assert.equal(stripBidiControls(`Invoice ${control}gnp.exe`), "Invoice gnp.exe");
  }
  assert.equal(stripBidiControls("\u202E\u202E\u2067x\u2069\u202C"), "x");
});

test("implicit marks, right-to-left letters and other text are kept", () => {
  for (const text of ["a\u200Eb", "a\u200Fb", "a\u061Cb", "שלום world", "Ünïcödé — ok", ""]) {
    assert.equal(stripBidiControls(text), text);
  }
});

test("missing values are empty text and other values are text", () => {
  assert.equal(stripBidiControls(null), "");
  assert.equal(stripBidiControls(undefined), "");
  assert.equal(stripBidiControls(42), "42");
});

test("pieces cut a filled template where each param went", () => {
  const fill = (p) => `Subject: ${p.subject} to ${p.who}.`;
  assert.deepEqual(pieces(fill, { subject: "\u202Eabc", who: ["A", "B"] }),
    ["Subject: ", { value: "\u202Eabc" }, " to ", { value: ["A", "B"] }, "."]);
  assert.deepEqual(pieces(() => "{x} only", {}), ["{x} only"]);
  assert.deepEqual(pieces((p) => p.a, { a: "x" }), [{ value: "x" }]);
});
