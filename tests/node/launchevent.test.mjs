// The on-send handler (frontend/launchevent.js) against a mocked Outlook (office-addin-mock).
// Run: node --test tests/node/   (make test does).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import { OfficeMockObject } from "office-addin-mock";

const require = createRequire(import.meta.url);
const ORIGIN = "https://addin.test";
const TOKEN = "token-for-our-api";

// The handler registers itself when the script loads, so Office must exist first.
const registered = {};
globalThis.Office = new OfficeMockObject({
  host: "outlook",
  actions: { associate: (name, fn) => { registered[name] = fn; } },
});
const ra = require("../../frontend/launchevent.js");

function versionAtMost(wanted, supported) {
  const [a, b] = wanted.split(".").map(Number);
  const [c, d] = supported.split(".").map(Number);
  return a < c || (a === c && b <= d);
}

const ok = (value) => ({ status: "succeeded", value });

/** A compose item in a mocked Outlook; `state` records what the handler did to it. */
function outlook({
  subject = "Lunch", body = "See you at noon.", to = ["alex@contoso.com"], cc = [], bcc = [],
  attachments = [], mailbox = "1.15", platform = "OfficeOnline",
  sender = "adele@contoso.com", delay = 0, bodyHangs = false, displayLanguage = "en-US",
} = {}) {
  const state = { delaySetTo: null };
  const people = (list) => ({
    getAsync: (callback) => callback(ok(list.map((a) => ({ emailAddress: a, displayName: a })))),
  });
  globalThis.Office = new OfficeMockObject({
    host: "outlook",
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    CoercionType: { Text: "text" },
    MailboxEnums: { SendModeOverride: { PromptUser: "promptUser" } },
    context: {
      displayLanguage,
      requirements: { isSetSupported: (name, v) => name === "Mailbox" && versionAtMost(v, mailbox) },
      diagnostics: { platform },
      mailbox: {
        userProfile: { emailAddress: sender },
        item: {
          subject: { getAsync: (callback) => callback(ok(subject)) },
          body: {
            getAsync: (type, callback) => {
              assert.equal(type, "text");
              if (!bodyHangs) callback(ok(body));
            },
          },
          to: people(to),
          cc: people(cc),
          bcc: people(bcc),
          getAttachmentsAsync: (callback) => callback(ok(attachments)),
          delayDeliveryTime: {
            getAsync: (callback) => callback(ok(delay)),
            setAsync: (date, callback) => { state.delaySetTo = date; callback(ok(undefined)); },
          },
        },
      },
    },
  });
  return state;
}

/** The backend: GET /api/policy answers `policy` (or hangs, or fails). */
function backend({ policy = {}, status = 200, hang = false, tokenFails = false } = {}) {
  const calls = { fetch: [], token: [] };
  globalThis.OfficeRuntime = {
    auth: {
      getAccessToken: async (options) => {
        calls.token.push(options);
        if (tokenFails) throw Object.assign(new Error("no token"), { code: 13001 });
        return TOKEN;
      },
    },
  };
  globalThis.fetch = (url, init) => {
    calls.fetch.push({ url, init });
    if (hang) return new Promise(() => {});
    return Promise.resolve({
      ok: status === 200, status, json: async () => ({ ...ra.DEFAULT_POLICY, ...policy }),
    });
  };
  return calls;
}

/** Run the registered handler; resolves with the options given to event.completed. */
function send() {
  return new Promise((resolve) => {
    registered.onMessageSendHandler({ completed: resolve });
  });
}

const realFetch = globalThis.fetch;
beforeEach(() => {
  ra.config.origin = ORIGIN;
  ra.policyCache.policy = null;
  ra.policyCache.at = 0;
});
afterEach(() => {
  globalThis.fetch = realFetch;
  delete globalThis.OfficeRuntime;
  mock.timers.reset();
});

describe("registration and the policy call", () => {
  test("the handler is associated under the manifests' name", () => {
    assert.equal(typeof registered.onMessageSendHandler, "function");
    assert.equal(registered.onMessageSendHandler, ra.onMessageSendHandler);
  });

  test("a clean internal message is allowed without an alert", async () => {
    outlook();
    const calls = backend();
    assert.deepEqual(await send(), { allowEvent: true });
    assert.equal(calls.fetch.length, 1);
    assert.equal(calls.fetch[0].url, `${ORIGIN}/api/policy`);
    assert.equal(calls.fetch[0].init.headers.Authorization, `Bearer ${TOKEN}`);
    // Only silently: an event handler may never show a sign-in prompt.
    assert.equal(calls.token[0].allowSignInPrompt, false);
  });

  test("the policy is cached in the runtime", async () => {
    outlook();
    const calls = backend();
    await send();
    await send();
    assert.equal(calls.fetch.length, 1);
  });
});

describe("keywords", () => {
  test("fire on a policy word, and list it in the alert", async () => {
    outlook({ body: "The new password is hunter2." });
    backend();
    const done = await send();
    assert.equal(done.allowEvent, false);
    assert.equal(done.sendModeOverride, "promptUser"); // the user can still send anyway
    assert.match(done.errorMessage, /sensitive words: password/);
    assert.match(done.errorMessageMarkdown, /\*\*password\*\*/);
  });

  test("match whole words only, any case, in the subject too", async () => {
    outlook({ body: "Passwordless sign-in is here." });
    backend();
    assert.deepEqual(await send(), { allowEvent: true });
    outlook({ subject: "VERTRAULICH: Zahlen", body: "Siehe unten." });
    assert.match((await send()).errorMessage, /vertraulich/);
  });

  test("come from the organisation's policy", async () => {
    outlook({ body: "Project Falcon starts Monday; the password is on the wiki." });
    backend({ policy: { keywords: ["project falcon"] } });
    const done = await send();
    assert.match(done.errorMessage, /project falcon/);
    assert.doesNotMatch(done.errorMessage, /password/);
  });
});

describe("patterns", () => {
  test("a valid IBAN fires, one with a wrong checksum does not", async () => {
    outlook({ body: "Please pay to DE89 3704 0044 0532 0130 00 today." });
    backend();
    assert.match((await send()).errorMessage, /looks like IBAN/);
    outlook({ body: "Please pay to DE88 3704 0044 0532 0130 00 today." });
    assert.deepEqual(await send(), { allowEvent: true });
  });

  test("a card number passing Luhn fires, another does not", async () => {
    outlook({ body: "Card: 4111 1111 1111 1111, expires 12/29" });
    backend();
    assert.match((await send()).errorMessage, /credit card number/);
    outlook({ body: "Order 4111 1111 1111 1112 shipped" });
    assert.deepEqual(await send(), { allowEvent: true });
  });

  test("the checks themselves", () => {
    assert.ok(ra.ibanValid("GB82 WEST 1234 5698 7654 32"));
    assert.ok(!ra.ibanValid("GB82 WEST 1234 5698 7654 33"));
    assert.ok(ra.luhnValid("5555-5555-5555-4444"));
    assert.ok(!ra.luhnValid("0000 0000 0000 0000")); // passes Luhn, but is no card
    // A policy pattern this engine cannot compile is skipped, not fatal.
    assert.deepEqual(ra.findPatterns("abc", [{ name: "bad", pattern: "(", check: "none" }]), []);
  });
});

describe("external recipients", () => {
  test("fire for a recipient outside the internal domains", async () => {
    outlook({ to: ["alex@contoso.com", "bob@gmail.com"] });
    backend({ policy: { internalDomains: ["contoso.com"] } });
    const done = await send();
    assert.match(done.errorMessage, /1 recipient outside your organisation: bob@gmail.com/);
  });

  test("allow every listed domain and its subdomains", async () => {
    outlook({ to: ["a@fabrikam.com", "b@eu.contoso.com"], cc: ["c@contoso.com"] });
    backend({ policy: { internalDomains: ["contoso.com", "fabrikam.com"] } });
    assert.deepEqual(await send(), { allowEvent: true });
  });

  test("use the sender's domain when the policy lists none", async () => {
    outlook({ bcc: ["eve@northwind.example"] });
    backend({ policy: { internalDomains: [] } });
    assert.match((await send()).errorMessage, /eve@northwind.example/);
  });

  test("stay quiet when the policy says so", async () => {
    outlook({ to: ["bob@gmail.com"] });
    backend({ policy: { warnExternal: false } });
    assert.deepEqual(await send(), { allowEvent: true });
  });
});

describe("a mentioned attachment that is missing", () => {
  for (const body of ["Please find the report attached.", "Den Bericht schicke ich anbei.",
    "Der Anhang enthält alles.", "Vous trouverez ci-joint le rapport.",
    "Voir la pièce jointe."]) {
    test(`fires for: ${body}`, async () => {
      outlook({ body });
      backend();
      const done = await send();
      assert.equal(done.allowEvent, false);
      assert.match(done.errorMessage, /but nothing is attached/);
    });
  }

  test("is satisfied by a real attachment, not by an inline picture", async () => {
    outlook({ body: "Report attached.", attachments: [{ name: "r.pdf", isInline: false }] });
    backend();
    assert.deepEqual(await send(), { allowEvent: true });
    outlook({ body: "Report attached.", attachments: [{ name: "logo.png", isInline: true }] });
    assert.equal((await send()).allowEvent, false);
  });

  test("ignores the quoted history of a reply", async () => {
    outlook({
      body: "Thanks, got it.\n\n-----Original Message-----\nFrom: Bob\nPlease see attached.",
    });
    backend();
    assert.deepEqual(await send(), { allowEvent: true });
    assert.equal(ra.ownText("Hi\n> see attached\nbye"), "Hi\nbye");
  });
});

describe("many recipients", () => {
  const people = (n) => Array.from({ length: n }, (_, i) => `p${i}@contoso.com`);

  test("fire above the policy's limit, counting each address once", async () => {
    outlook({ to: people(26) });
    backend({ policy: { maxRecipients: 25 } });
    assert.match((await send()).errorMessage, /26 recipients \(your organisation suggests at most 25\)/);
    outlook({ to: people(25), cc: people(5) });
    assert.deepEqual(await send(), { allowEvent: true });
  });
});

describe("the alert", () => {
  test("lists every finding in one alert", async () => {
    outlook({
      to: ["bob@gmail.com"], body: "Confidential: IBAN DE89370400440532013000, see attached.",
    });
    backend();
    const done = await send();
    for (const part of [/sensitive words: confidential/, /IBAN/, /bob@gmail.com/,
      /nothing is attached/]) {
      assert.match(done.errorMessage, part);
    }
    // Markdown: a bulleted list, each item ended by "\r" as Smart Alerts want it.
    assert.equal(done.errorMessageMarkdown,
      "**Check before you send:**\n\n- Sensitive words: **confidential**\r" +
      "- Looks like **IBAN**\r- 1 recipient outside your organisation: bob@gmail.com\r" +
      "- It says *attached*, but nothing is attached\r");
  });

  test("markdown where Mailbox 1.15 is supported, plain text only on 1.14", async () => {
    outlook({ body: "password", mailbox: "1.14" });
    backend();
    const done = await send();
    assert.equal(done.allowEvent, false);
    assert.ok(done.errorMessage.includes("password"));
    assert.ok(!("errorMessageMarkdown" in done));
  });

  test("before Mailbox 1.14 nothing can offer Send Anyway, so the send is allowed", async () => {
    outlook({ body: "password", mailbox: "1.12" });
    backend();
    assert.deepEqual(await send(), { allowEvent: true });
  });

  test("never exceeds 500 characters, in either form", async () => {
    const many = Array.from({ length: 40 }, (_, i) => `someone.with.a.long.name${i}@${"x".repeat(40)}.example`);
    outlook({ to: many, body: "confidential password salary vertraulich passwort gehalt attached" });
    backend({ policy: { maxRecipients: 10 } });
    const done = await send();
    assert.ok(done.errorMessage.length <= 500, done.errorMessage.length);
    assert.ok(done.errorMessageMarkdown.length <= 500, done.errorMessageMarkdown.length);
    assert.match(done.errorMessage, /and 37 more/);
  });

  test("markdown escapes what the user typed", () => {
    const alert = ra.composeAlert([{ rule: "external", addresses: ["a_b*c@gmail.com"] }], null);
    assert.match(alert.markdown, /a\\_b\\\*c@gmail.com/);
    assert.match(alert.plain, /a_b\*c@gmail.com/);
  });
});

describe("the alert in Office's display language", () => {
  test("German: every word of ours, the user's words as they are", async () => {
    outlook({ to: ["bob@gmail.com"], body: "Passwort: anbei die Liste.",
              displayLanguage: "de-DE" });
    backend();
    const done = await send();
    assert.equal(done.errorMessageMarkdown,
      "**Vor dem Senden prüfen:**\n\n- Heikle Wörter: **passwort**\r" +
      "- 1 Empfänger außerhalb Ihrer Organisation: bob@gmail.com\r" +
      "- Im Text steht *anbei*, aber nichts ist angehängt\r");
  });

  test("French, with a hold, and English for a language we do not have", () => {
    const hold = { minutes: 5, until: new Date(2026, 11, 3, 14, 5), holdFor: "external" };
    const alert = ra.composeAlert([{ rule: "recipients", count: 30, limit: 25 }], hold, "fr-CA");
    assert.equal(alert.plain, "À vérifier avant l’envoi : 30 destinataires (votre organisation " +
      "en conseille 25 au plus). Si vous l’envoyez quand même, il est retenu jusqu’à 14:05. " +
      "D’ici là, vous pouvez l’arrêter : ouvrez-le dans Brouillons et supprimez-le.");
    const only = ra.composeAlert([], hold, "de");
    assert.equal(only.plain, "Ihre Organisation hält Nachrichten an Personen außerhalb 5 Minuten " +
      "lang zurück. Wählen Sie „Trotzdem senden“, und sie geht um 14:05 hinaus. Bis dahin können " +
      "Sie sie aufhalten: Öffnen Sie sie unter Entwürfe und löschen Sie sie.");
    assert.equal(ra.alertLanguage("es-ES"), "en");
    assert.match(ra.composeAlert([{ rule: "keywords", words: ["x"] }], null, "es").plain,
                 /^Check before you send/);
  });
});

describe("the hold", () => {
  const FIVE_MINUTES = 5 * 60 * 1000;

  test("holds a message to outside people and says how to stop it", async () => {
    const state = outlook({ to: ["bob@gmail.com"] });
    backend({ policy: { holdMinutes: 5, holdFor: "external", internalDomains: ["contoso.com"] } });
    const before = Date.now();
    const done = await send();
    assert.ok(state.delaySetTo instanceof Date);
    const held = state.delaySetTo.getTime() - before;
    assert.ok(held >= FIVE_MINUTES && held < FIVE_MINUTES + 5000, held);
    assert.equal(done.allowEvent, false);
    assert.equal(done.sendModeOverride, "promptUser");
    const hhmm = state.delaySetTo.toTimeString().slice(0, 5);
    assert.match(done.errorMessage, new RegExp(`held until ${hhmm}.*open it in Drafts and delete it`));
    assert.match(done.errorMessageMarkdown, /\*\*Drafts\*\*/);
  });

  test("holds nothing for internal mail when only outside mail is held", async () => {
    const state = outlook({ to: ["alex@contoso.com"] });
    backend({ policy: { holdMinutes: 5, holdFor: "external" } });
    assert.deepEqual(await send(), { allowEvent: true });
    assert.equal(state.delaySetTo, null);
  });

  test("holds every message when the policy says always", async () => {
    const state = outlook({ to: ["alex@contoso.com"] });
    backend({ policy: { holdMinutes: 10, holdFor: "always" } });
    const done = await send();
    assert.ok(state.delaySetTo instanceof Date);
    assert.match(done.errorMessage, /^Your organisation holds sent messages for 10 minutes\. Choose Send Anyway/);
  });

  test("is not made where it could not be stopped (classic Outlook) or told (before 1.14)", async () => {
    let state = outlook({ to: ["bob@gmail.com"], platform: "PC" });
    backend({ policy: { holdMinutes: 5 } });
    let done = await send();
    assert.equal(state.delaySetTo, null);
    assert.doesNotMatch(done.errorMessage, /held/); // the external warning still shows
    state = outlook({ to: ["bob@gmail.com"], mailbox: "1.13" });
    done = await send();
    assert.equal(state.delaySetTo, null);
    assert.deepEqual(done, { allowEvent: true });
  });

  test("never shortens a later delivery time the user chose", async () => {
    const later = new Date(Date.now() + 60 * 60 * 1000);
    const state = outlook({ to: ["bob@gmail.com"], delay: later });
    backend({ policy: { holdMinutes: 5 } });
    const done = await send();
    assert.equal(state.delaySetTo, null);
    assert.doesNotMatch(done.errorMessage, /held/);
  });
});

describe("when the backend is slow or down", () => {
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  test("waits 2 s for the policy, then applies the built-in defaults", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    outlook({ body: "The password is in the safe." });
    const calls = backend({ policy: { keywords: [] }, hang: true });
    let done = null;
    registered.onMessageSendHandler({ completed: (options) => { done = options; } });
    for (let i = 0; i < 5; i++) await flush();
    assert.equal(calls.fetch.length, 1);
    mock.timers.tick(1999);
    for (let i = 0; i < 5; i++) await flush();
    assert.equal(done, null);
    mock.timers.tick(1);
    for (let i = 0; i < 5; i++) await flush();
    assert.ok(done, "event.completed was called at 2 s");
    // The server's policy (no keywords) never arrived: the defaults flag "password".
    assert.match(done.errorMessage, /password/);
    assert.equal(calls.fetch[0].init.signal.aborted, true);
  });

  test("an error answer or no token means the defaults at once", async () => {
    outlook({ body: "salary review" });
    let calls = backend({ status: 503 });
    assert.match((await send()).errorMessage, /salary/);
    calls = backend({ tokenFails: true });
    assert.match((await send()).errorMessage, /salary/);
    assert.equal(calls.fetch.length, 0);
  });

  test("the last policy we had beats the defaults", async () => {
    outlook({ body: "salary review" });
    backend({ policy: { keywords: ["falcon"] } });
    await send();
    ra.policyCache.at = 0; // expired
    backend({ status: 500 });
    assert.deepEqual(await send(), { allowEvent: true });
  });

  test("an Office call that never answers still completes the event", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    outlook({ bodyHangs: true });
    backend();
    let done = null;
    registered.onMessageSendHandler({ completed: (options) => { done = options; } });
    for (let i = 0; i < 5; i++) await flush();
    mock.timers.tick(ra.config.watchdogMs);
    for (let i = 0; i < 5; i++) await flush();
    assert.deepEqual(done, { allowEvent: true });
  });

  test("no mail item at all is allowed through", async () => {
    globalThis.Office = new OfficeMockObject({ host: "outlook", context: { mailbox: {} } });
    backend();
    assert.deepEqual(await send(), { allowEvent: true });
  });
});
