// frontend/views/recall.js: the recall's one-line summary names only the counts that are not 0.
// Run: node --test tests/node/
import assert from "node:assert/strict";
import { test } from "node:test";

import { setLanguage } from "../../frontend/strings.js";
import { summaryText } from "../../frontend/views/recall.js";

globalThis.document ??= { documentElement: {} };

test("no empty counters: '· 0 waiting' never shows", () => {
  setLanguage("en");
  assert.equal(summaryText({ succeeded: 2, failed: 1, noReport: 0, pending: 0 }),
               "2 removed · 1 not removed");
  assert.equal(summaryText({ succeeded: 0, failed: 0, noReport: 0, pending: 3 }), "3 waiting");
  assert.equal(summaryText({ succeeded: 0, failed: 0, noReport: 0, pending: 0 }),
               "Waiting for the first outcome");
});
