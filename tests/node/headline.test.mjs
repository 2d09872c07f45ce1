// frontend/strings.js: the headline in languages other than English, built from the counts.
// Run: node --test tests/node/
import assert from "node:assert/strict";
import { test } from "node:test";

import { headline, plural, setLanguage } from "../../frontend/strings.js";

globalThis.document ??= { documentElement: {} };

const person = (verdict, reasons = []) => ({ counted: true, kind: "internal_user", verdict,
                                             reasons: reasons.map((code) => ({ code, params: {} })) });
const people = (n, verdict) => Array.from({ length: n }, () => person(verdict));

test("German counts each group once, with the verb agreeing with its count", () => {
  setLanguage("de");
  const recipients = [...people(7, "likely"), person("impossible"), ...people(2, "unknown")];
  assert.equal(headline({ verdict: "partly_recallable", recallable: 7, total: 10 }, recipients),
    "Von 10 Empfängern behält 1 diese Nachricht wahrscheinlich, und bei 2 können wir es nicht "
    + "sagen; der Rückruf löscht wahrscheinlich die übrigen 7 Kopien.");
  const two = [person("likely"), person("unlikely"), person("unlikely")];
  assert.equal(headline({ verdict: "partly_recallable", recallable: 1, total: 3 }, two),
    "Von 3 Empfängern behalten 2 diese Nachricht wahrscheinlich; der Rückruf löscht "
    + "wahrscheinlich die übrige Kopie.");
});

test("German says what the groups could not show, and the cases with nobody to recall", () => {
  setLanguage("de");
  const capped = { counted: false, kind: "internal_group", verdict: "unknown", reasons: [
    // The API writes reason texts in the pane's language already.
    { code: "group_capped", params: { group: "Alle", total: "812", checked: "3" },
      text: "Alle hat 812 Mitglieder; nur die ersten 3 wurden geprüft. Für die anderen können "
            + "wir nichts sagen." }] };
  assert.equal(headline({ verdict: "partly_recallable", recallable: 3, total: 3 },
                        [capped, ...people(3, "likely")]),
    "Der Rückruf löscht wahrscheinlich die Kopien aller 3 geprüften Empfänger. Alle hat 812 "
    + "Mitglieder; nur die ersten 3 wurden geprüft. Für die anderen können wir nichts sagen.");
  const self = { counted: false, kind: "internal_user", verdict: "likely", reasons: [] };
  assert.match(headline({ verdict: "not_recallable", recallable: 0, total: 0 }, [self]),
               /^Sie sind der einzige Empfänger/);
  const old = { counted: true, kind: "internal_user", verdict: "impossible",
                reasons: [{ code: "too_old", params: { age_days: "45", max_days: "30" } }] };
  assert.match(headline({ verdict: "not_recallable", recallable: 0, total: 1 }, [old]),
               /^Diese Nachricht ist 45 Tage alt, und Ihre Organisation ruft Nachrichten nur bis 30/);
});

test("English is the API's own sentence", () => {
  setLanguage("en");
  assert.equal(headline({ verdict: "recallable", headline: "As written." }, []), "As written.");
});

test("plural forms follow the language's rules, falling back to .other", () => {
  setLanguage("en");
  assert.equal(plural("group.count", 0), "0 people");
  assert.equal(plural("group.count", 1), "1 person");
  setLanguage("de");
  assert.equal(plural("group.count", 1), "1 Person");
});

test("French builds the same sentence with its own punctuation and plural rules", () => {
  setLanguage("fr");
  const recipients = [...people(7, "likely"), person("impossible"), ...people(2, "unknown")];
  assert.equal(headline({ verdict: "partly_recallable", recallable: 7, total: 10 }, recipients),
    "Sur 10 destinataires, 1 gardera probablement ce message et pour 2, nous ne pouvons pas le "
    + "dire ; le rappel supprimera probablement les 7 autres copies.");
  assert.equal(plural("group.count", 0), "0 personne");  // French: 0 takes the singular
  assert.equal(plural("group.count", 2), "2 personnes");
});
