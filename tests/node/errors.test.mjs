// frontend/errors.js: what the pane tells the user about a failure, and what it offers next.
// Run: node --test tests/node/
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../frontend/api.js";
import { describeError } from "../../frontend/errors.js";
import { setLanguage } from "../../frontend/strings.js";

// setLanguage also sets the page's lang attribute: a bare stand-in for the page.
globalThis.document ??= { documentElement: {} };

const ourLimit = new ApiError({ status: 429, code: "rate_limited", retryAfterS: 17 });
const graphThrottled = new ApiError({ status: 429, code: "graph_throttled", retryAfterS: 9 });

test("our own rate limit says it is the user's requests, and how long to wait", () => {
  setLanguage("en");
  const said = describeError(ourLimit);
  assert.equal(said.title, "Too many requests from you");
  assert.equal(said.next, "Nothing was changed. Wait 17 s, then try again.");
  assert.equal(said.action, "retry");
  assert.doesNotMatch(`${said.title} ${said.next}`, /Microsoft 365/);
});

test("Microsoft 365's throttling is still Microsoft 365 being busy", () => {
  setLanguage("en");
  const said = describeError(graphThrottled);
  assert.equal(said.title, "Microsoft 365 is busy");
  assert.equal(said.next, "Nothing was changed. Try again in 9 s.");
});

test("in German too, with no placeholder left", () => {
  setLanguage("de");
  const said = describeError(ourLimit);
  assert.equal(said.title, "Zu viele Anfragen von Ihnen");
  assert.match(said.next, /Warten Sie 17 s/);
  assert.doesNotMatch(said.next, /[{}]/);
  setLanguage("en");
});
