/*
 * Recall Assistant: the on-send check (Smart Alerts, OnMessageSend).
 *
 * When the user selects Send, Outlook runs onMessageSendHandler. It applies the organisation's
 * policy (GET /api/policy, built-in defaults when the backend does not answer within 2 s) to the
 * message: sensitive words and patterns, recipients outside the organisation, an attachment
 * that is mentioned but missing, too many recipients. Whatever it finds goes into one Smart
 * Alert; the user can still choose Send Anyway. If the policy holds messages, the handler sets
 * the delivery time a few minutes ahead and says how to stop the message until then.
 *
 * This file has no imports and is not a module: classic Outlook on Windows runs it alone in a
 * JavaScript-only runtime (no DOM, no localStorage, absolute URLs only), other clients load it
 * from commands.html. The pure rules come first and are exported for `node --test`; the Office
 * calls follow; the handler never blocks sending because of an error of ours, and always calls
 * event.completed.
 */
(function (root) {
  "use strict";

  // ---------------------------------------------------------------------------------------
  // Settings
  // ---------------------------------------------------------------------------------------

  // The backend writes its public origin over this marker when it serves the file
  // (api/addin.py); in a page we can also read it from location.
  var SERVED_ORIGIN = "__RECALL_ASSISTANT_ORIGIN__";
  var MESSAGE_LIMIT = 500; // Smart Alerts show at most 500 characters.

  var config = {
    origin: resolveOrigin(),
    policyTimeoutMs: 2000, // never make the user wait longer for our backend
    policyCacheMs: 15 * 60 * 1000,
    watchdogMs: 20000, // allow the send if something we wait on never answers
  };

  // Mirrors DEFAULT_SEND_POLICY in backend/recall_assistant/send_policy.py.
  var DEFAULT_POLICY = {
    keywords: ["confidential", "password", "passwords", "salary", "strictly private",
      "vertraulich", "passwort", "gehalt", "confidentiel", "mot de passe", "salaire"],
    patterns: [
      { name: "IBAN", pattern: "\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\\b",
        check: "iban", ignoreCase: false },
      { name: "credit card number", pattern: "\\b(?:[0-9][ -]?){12,18}[0-9]\\b", check: "luhn",
        ignoreCase: false },
    ],
    attachmentWords: ["attached", "attachment", "attachments", "enclosed", "anhang",
      "angehängt", "anbei", "pièce jointe", "pièces jointes", "ci-joint", "ci-jointe"],
    internalDomains: [],
    warnExternal: true,
    maxRecipients: 25,
    holdMinutes: 0,
    holdFor: "external",
  };

  function resolveOrigin() {
    if (SERVED_ORIGIN.indexOf("https://") === 0) {
      return SERVED_ORIGIN;
    }
    if (typeof location !== "undefined" && location && /^https:\/\//.test(location.origin)) {
      return location.origin;
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Pure rules: plain data in, plain data out
  // ---------------------------------------------------------------------------------------

  /** A policy with every field present and of the right type (defaults fill the gaps). */
  function normalizePolicy(raw) {
    var source = raw && typeof raw === "object" ? raw : {};
    function words(value, fallback) {
      if (!Array.isArray(value)) {
        return fallback.slice();
      }
      return value.filter(function (w) { return typeof w === "string" && w.trim(); })
        .map(function (w) { return normalizeText(w.trim()).toLowerCase(); });
    }
    function whole(value, fallback, low, high) {
      return typeof value === "number" && isFinite(value) && value >= low && value <= high ?
        Math.floor(value) : fallback;
    }
    var patterns = Array.isArray(source.patterns) ? source.patterns.filter(function (p) {
      return p && typeof p.name === "string" && typeof p.pattern === "string";
    }) : DEFAULT_POLICY.patterns;
    return {
      keywords: words(source.keywords, DEFAULT_POLICY.keywords),
      patterns: patterns.map(function (p) {
        return { name: p.name, pattern: p.pattern, check: p.check || "none",
          ignoreCase: p.ignoreCase === true };
      }),
      attachmentWords: words(source.attachmentWords, DEFAULT_POLICY.attachmentWords),
      internalDomains: words(source.internalDomains, DEFAULT_POLICY.internalDomains),
      warnExternal: typeof source.warnExternal === "boolean" ?
        source.warnExternal : DEFAULT_POLICY.warnExternal,
      maxRecipients: whole(source.maxRecipients, DEFAULT_POLICY.maxRecipients, 0, 500),
      holdMinutes: whole(source.holdMinutes, DEFAULT_POLICY.holdMinutes, 0, 120),
      holdFor: source.holdFor === "always" ? "always" : "external",
    };
  }

  /** NFC (so that "é" typed two ways compares equal) and single spaces. */
  function normalizeText(text) {
    var value = String(text || "");
    if (typeof value.normalize === "function") {
      value = value.normalize("NFC");
    }
    return value.replace(/\s+/g, " ");
  }

  /** Letters of any script, digits and "_" join words; the rest separates them. */
  function isWordChar(ch) {
    return /[0-9_]/.test(ch) || ch.toLowerCase() !== ch.toUpperCase();
  }

  /** Does `phrase` (lower case) occur in `text` (lower case) as whole words? */
  function containsPhrase(text, phrase) {
    if (!phrase) {
      return false;
    }
    var from = 0;
    for (;;) {
      var at = text.indexOf(phrase, from);
      if (at < 0) {
        return false;
      }
      var before = at > 0 ? text.charAt(at - 1) : " ";
      var after = text.charAt(at + phrase.length) || " ";
      if (!isWordChar(before) && !isWordChar(after)) {
        return true;
      }
      from = at + 1;
    }
  }

  /** The phrases of `list` that occur in `text`, in the order of `list`. */
  function findPhrases(text, list) {
    var haystack = normalizeText(text).toLowerCase();
    var found = [];
    list.forEach(function (phrase) {
      if (found.indexOf(phrase) < 0 && containsPhrase(haystack, phrase)) {
        found.push(phrase);
      }
    });
    return found;
  }

  /**
   * The part of a body the sender wrote now: the quoted history of a reply or forward
   * ("-----Original Message-----", an Outlook header block, "On ... wrote:", "> " lines) is
   * cut off, so that an old "see attached" does not count.
   */
  function ownText(body) {
    var text = String(body || "").replace(/\r\n?/g, "\n");
    var markers = [
      /^_{10,}\s*$/m,
      /^-{3,}\s*(original message|ursprüngliche nachricht|message d'origine)/im,
      /^(from|von|de)\s?:.*\n(sent|date|gesendet|envoyé)\s?:/im,
      /^on .{1,200} wrote:\s*$/im,
    ];
    var end = text.length;
    markers.forEach(function (marker) {
      var match = marker.exec(text);
      if (match && match.index < end) {
        end = match.index;
      }
    });
    return text.slice(0, end).split("\n").filter(function (line) {
      return !/^\s*>/.test(line);
    }).join("\n");
  }

  /** ISO 13616: move the first four characters to the end, letters to numbers, mod 97 = 1. */
  function ibanValid(candidate) {
    var compact = String(candidate).replace(/ /g, "").toUpperCase();
    if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(compact)) {
      return false;
    }
    var rearranged = compact.slice(4) + compact.slice(0, 4);
    var remainder = 0;
    for (var i = 0; i < rearranged.length; i++) {
      var code = rearranged.charCodeAt(i);
      var digits = code >= 65 ? String(code - 55) : rearranged.charAt(i);
      for (var j = 0; j < digits.length; j++) {
        remainder = (remainder * 10 + Number(digits.charAt(j))) % 97;
      }
    }
    return remainder === 1;
  }

  /** Luhn's checksum, as card numbers carry it (13 to 19 digits, not all the same). */
  function luhnValid(candidate) {
    var digits = String(candidate).replace(/[^0-9]/g, "");
    if (digits.length < 13 || digits.length > 19 || /^(\d)\1*$/.test(digits)) {
      return false;
    }
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = Number(digits.charAt(digits.length - 1 - i));
      if (i % 2 === 1) {
        d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      }
      sum += d;
    }
    return sum % 10 === 0;
  }

  var CHECKS = { iban: ibanValid, luhn: luhnValid };

  /** [{name, count}] of the policy's patterns found in `text` (checksums applied). */
  function findPatterns(text, patterns) {
    var found = [];
    patterns.forEach(function (p) {
      var regex;
      try {
        regex = new RegExp(p.pattern, p.ignoreCase ? "gi" : "g");
      } catch (e) {
        return; // a pattern this engine cannot compile is skipped, never fatal
      }
      var check = CHECKS[p.check];
      var count = 0;
      var match;
      var guard = 0;
      while ((match = regex.exec(text)) !== null && guard++ < 1000) {
        if (match[0] === "") {
          regex.lastIndex++;
          continue;
        }
        if (!check || check(match[0])) {
          count++;
        }
      }
      if (count > 0) {
        found.push({ name: p.name, count: count });
      }
    });
    return found;
  }

  function domainOf(address) {
    var text = String(address || "").trim().toLowerCase();
    var at = text.lastIndexOf("@");
    return at >= 0 ? text.slice(at + 1) : "";
  }

  function isInternalDomain(domain, internal) {
    return internal.some(function (d) {
      return domain === d || domain.slice(-(d.length + 1)) === "." + d;
    });
  }

  /** Distinct recipient addresses, lower case. */
  function distinctAddresses(recipients) {
    var seen = [];
    recipients.forEach(function (r) {
      var address = String((r && r.address) || "").trim().toLowerCase();
      if (address && seen.indexOf(address) < 0) {
        seen.push(address);
      }
    });
    return seen;
  }

  /**
   * Recipients outside the organisation. Without a list of internal domains the sender's own
   * domain stands in; without that either, nobody can be called external.
   */
  function externalRecipients(recipients, internalDomains, sender) {
    var internal = internalDomains.length ? internalDomains : [domainOf(sender)].filter(Boolean);
    if (!internal.length) {
      return [];
    }
    return distinctAddresses(recipients).filter(function (address) {
      var domain = domainOf(address);
      return domain !== "" && !isInternalDomain(domain, internal);
    });
  }

  /**
   * What the policy finds in a message: a list of findings, empty when all is well.
   * message: {subject, body, recipients: [{address}], attachments: [{isInline}] or null
   * (unknown), sender}. Sensitive content is looked for everywhere, quoted history included
   * (forwarding it is the risk); attachment words only in what the sender wrote now.
   */
  function checkMessage(message, policy) {
    var findings = [];
    var everything = String(message.subject || "") + "\n" + String(message.body || "");
    var keywords = findPhrases(everything, policy.keywords);
    if (keywords.length) {
      findings.push({ rule: "keywords", words: keywords });
    }
    var patterns = findPatterns(everything, policy.patterns);
    if (patterns.length) {
      findings.push({ rule: "patterns", matches: patterns });
    }
    var external = policy.warnExternal ?
      externalRecipients(message.recipients || [], policy.internalDomains, message.sender) : [];
    if (external.length) {
      findings.push({ rule: "external", addresses: external });
    }
    if (Array.isArray(message.attachments)) {
      var attached = message.attachments.some(function (a) { return a && !a.isInline; });
      var mentions = findPhrases(String(message.subject || "") + "\n" + ownText(message.body),
        policy.attachmentWords);
      if (!attached && mentions.length) {
        findings.push({ rule: "attachment", word: mentions[0] });
      }
    }
    var count = distinctAddresses(message.recipients || []).length;
    if (policy.maxRecipients > 0 && count > policy.maxRecipients) {
      findings.push({ rule: "recipients", count: count, limit: policy.maxRecipients });
    }
    return findings;
  }

  /**
   * Whether to hold the message, and until when: {minutes, until} or null. We hold only where
   * the user can be told and can still stop the message: Mailbox 1.13 sets the delivery time,
   * 1.14 lets the alert offer Send Anyway; classic Outlook on Windows hides a message delayed
   * this way until it is delivered (office-js-docs-pr, docs/outlook/delay-delivery.md), so a
   * hold there could not be stopped and is not made.
   */
  function planHold(message, policy, now, caps) {
    if (!(policy.holdMinutes > 0) || !caps.delayDelivery || !caps.canPrompt ||
        caps.classicWindows) {
      return null;
    }
    if (policy.holdFor !== "always" &&
        !externalRecipients(message.recipients || [], policy.internalDomains,
          message.sender).length) {
      return null;
    }
    return { minutes: policy.holdMinutes, until: new Date(now + policy.holdMinutes * 60000),
      holdFor: policy.holdFor };
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clockTime(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function escapeMarkdown(text) {
    return String(text).replace(/([\\*_[\]()`#])/g, "\\$1");
  }

  // The alert's words in Office's display language (this file loads no modules, so the pane's
  // strings.js is not here). {name} placeholders; plurals are [one, other].
  var TEXT = {
    en: {
      lang: "en", and: "{shown} and {rest} more", more: "and more", check: "Check before you send:",
      keywords: "Sensitive words: {list}", patterns: "Looks like {list}",
      external: ["{count} recipient outside your organisation: {list}",
        "{count} recipients outside your organisation: {list}"],
      attachment: "It says {word}, but nothing is attached",
      recipients: ["{count} recipient (your organisation suggests at most {limit})",
        "{count} recipients (your organisation suggests at most {limit})"],
      drafts: "Drafts", whyAlways: "holds sent messages",
      whyExternal: "holds messages to people outside it",
      minutes: ["{count} minute", "{count} minutes"],
      onlyHold: "Your organisation {why} for {minutes}. Choose Send Anyway and it leaves at {time}",
      heldUntil: "If you send it anyway, it is held until {time}",
      stop: "{lead}. Until then you can stop it: open it in {drafts} and delete it.",
    },
    de: {
      lang: "de", and: "{shown} und {rest} weitere", more: "und weiteres", check: "Vor dem Senden prüfen:",
      keywords: "Heikle Wörter: {list}", patterns: "Sieht aus wie {list}",
      external: ["{count} Empfänger außerhalb Ihrer Organisation: {list}",
        "{count} Empfänger außerhalb Ihrer Organisation: {list}"],
      attachment: "Im Text steht {word}, aber nichts ist angehängt",
      recipients: ["{count} Empfänger (Ihre Organisation empfiehlt höchstens {limit})",
        "{count} Empfänger (Ihre Organisation empfiehlt höchstens {limit})"],
      drafts: "Entwürfe", whyAlways: "hält gesendete Nachrichten",
      whyExternal: "hält Nachrichten an Personen außerhalb",
      minutes: ["{count} Minute", "{count} Minuten"],
      onlyHold: "Ihre Organisation {why} {minutes} lang zurück. Wählen Sie „Trotzdem senden“, " +
        "und sie geht um {time} hinaus",
      heldUntil: "Wenn Sie sie trotzdem senden, wird sie bis {time} zurückgehalten",
      stop: "{lead}. Bis dahin können Sie sie aufhalten: Öffnen Sie sie unter {drafts} und " +
        "löschen Sie sie.",
    },
    fr: {
      lang: "fr", and: "{shown} et {rest} de plus", more: "et d’autres", check: "À vérifier avant l’envoi :",
      keywords: "Mots sensibles : {list}", patterns: "Ressemble à {list}",
      external: ["{count} destinataire hors de votre organisation : {list}",
        "{count} destinataires hors de votre organisation : {list}"],
      attachment: "Le texte dit {word}, mais rien n’est joint",
      recipients: ["{count} destinataire (votre organisation en conseille {limit} au plus)",
        "{count} destinataires (votre organisation en conseille {limit} au plus)"],
      drafts: "Brouillons", whyAlways: "retient les messages envoyés",
      whyExternal: "retient les messages adressés à l’extérieur",
      minutes: ["{count} minute", "{count} minutes"],
      onlyHold: "Votre organisation {why} pendant {minutes}. Choisissez Envoyer quand même et " +
        "il partira à {time}",
      heldUntil: "Si vous l’envoyez quand même, il est retenu jusqu’à {time}",
      stop: "{lead}. D’ici là, vous pouvez l’arrêter : ouvrez-le dans {drafts} et supprimez-le.",
    },
  };

  /** "de-DE" → "de"; English for a language we have no words for. */
  function alertLanguage(displayLanguage) {
    var primary = String(displayLanguage || "").toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(TEXT, primary) ? primary : "en";
  }

  function fill(template, params) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  /** `forms` ([one, other]) by `n` under the language's plural rules. */
  function counted(words, forms, n, params) {
    var one = typeof Intl !== "undefined" && Intl.PluralRules ?
      new Intl.PluralRules(words.lang).select(n) === "one" : n === 1;
    return fill(one ? forms[0] : forms[1], Object.assign({ count: n }, params || {}));
  }

  function listed(items, max, quote, words) {
    var shown = items.slice(0, max).map(quote);
    var rest = items.length - shown.length;
    return rest > 0 ? fill(words.and, { shown: shown.join(", "), rest: rest }) : shown.join(", ");
  }

  /** One line per finding, as plain text and as Smart Alerts markdown. */
  function describe(finding, md, words) {
    var plain = function (t) { return t; };
    var strong = md ? function (t) { return "**" + escapeMarkdown(t) + "**"; } : plain;
    var code = md ? escapeMarkdown : plain;
    switch (finding.rule) {
      case "keywords":
        return fill(words.keywords, { list: listed(finding.words, 4, strong, words) });
      case "patterns":
        return fill(words.patterns, { list: listed(finding.matches, 3, function (m) {
          return (md ? strong(m.name) : m.name) + (m.count > 1 ? " (" + m.count + ")" : "");
        }, words) });
      case "external":
        return counted(words, words.external, finding.addresses.length, {
          list: listed(finding.addresses, 3, function (a) {
            return code(a.length > 60 ? a.slice(0, 57) + "..." : a);
          }, words) });
      case "attachment":
        return fill(words.attachment, { word: md ? "*" + escapeMarkdown(finding.word) + "*" :
          "\"" + finding.word + "\"" });
      case "recipients":
        return counted(words, words.recipients, finding.count, { limit: finding.limit });
      default:
        return "";
    }
  }

  function holdSentence(hold, onlyHold, md, words) {
    var time = md ? "**" + clockTime(hold.until) + "**" : clockTime(hold.until);
    var drafts = md ? "**" + words.drafts + "**" : words.drafts;
    var why = hold.holdFor === "always" ? words.whyAlways : words.whyExternal;
    var lead = onlyHold ?
      fill(words.onlyHold, { why: why, minutes: counted(words, words.minutes, hold.minutes), time: time }) :
      fill(words.heldUntil, { time: time });
    return fill(words.stop, { lead: lead, drafts: drafts });
  }

  /** Render the alert within Outlook's 500 characters, dropping trailing findings if needed. */
  function composeAlert(findings, hold, displayLanguage) {
    var words = TEXT[alertLanguage(displayLanguage)];
    function render(items, md, dropped) {
      var lines = items.map(function (f) { return describe(f, md, words); });
      if (dropped) {
        lines.push(words.more);
      }
      var text;
      if (!lines.length) {
        text = "";
      } else if (md) {
        text = "**" + words.check + "**\n\n" + lines.map(function (l) {
          return "- " + l + "\r";
        }).join("");
      } else {
        text = words.check + " " + lines.map(function (l) {
          return l.charAt(0).toLowerCase() + l.slice(1);
        }).join("; ") + ".";
      }
      if (hold) {
        text += (text ? (md ? "\n\n" : " ") : "") + holdSentence(hold, !lines.length, md, words);
      }
      return text;
    }
    function fit(md) {
      var items = findings.slice();
      var text = render(items, md, false);
      while (text.length > MESSAGE_LIMIT && items.length > 1) {
        items.pop();
        text = render(items, md, true);
      }
      return text.length > MESSAGE_LIMIT ? text.slice(0, MESSAGE_LIMIT - 3) + "..." : text;
    }
    return { plain: fit(false), markdown: fit(true) };
  }

  /** The options for event.completed. */
  function completionFor(findings, hold, caps, displayLanguage) {
    if (!findings.length && !hold) {
      return { allowEvent: true };
    }
    if (!caps.canPrompt) {
      // Before Mailbox 1.14 the alert cannot offer Send Anyway, and under SoftBlock it would
      // trap the user with a message they mean to send: let it go.
      return { allowEvent: true };
    }
    var alert = composeAlert(findings, hold, displayLanguage);
    var options = { allowEvent: false, errorMessage: alert.plain,
      sendModeOverride: caps.promptUser || "promptUser" };
    if (caps.markdown) {
      options.errorMessageMarkdown = alert.markdown;
    }
    return options;
  }

  // ---------------------------------------------------------------------------------------
  // The edges: Office.js and our API
  // ---------------------------------------------------------------------------------------

  function office() {
    return root.Office;
  }

  /** What this Outlook supports, from its requirement sets and platform. */
  function capabilities(o) {
    var requirements = o.context && o.context.requirements;
    function has(version) {
      try {
        return !!(requirements && requirements.isSetSupported("Mailbox", version));
      } catch (e) {
        return false;
      }
    }
    var diagnostics = o.context && o.context.diagnostics;
    var enums = o.MailboxEnums && o.MailboxEnums.SendModeOverride;
    return {
      markdown: has("1.15"),
      canPrompt: has("1.14"),
      delayDelivery: has("1.13"),
      attachments: has("1.8"),
      classicWindows: !!diagnostics && diagnostics.platform === "PC",
      promptUser: (enums && enums.PromptUser) || "promptUser",
    };
  }

  function succeeded(result) {
    return !!result && String(result.status).toLowerCase() === "succeeded";
  }

  /** Call an Office.js *Async method; resolve with its value or `fallback` on any failure. */
  function settle(start, fallback) {
    return new Promise(function (resolve) {
      try {
        start(function (result) {
          resolve(succeeded(result) ? result.value : fallback);
        });
      } catch (e) {
        resolve(fallback);
      }
    });
  }

  function readRecipients(field) {
    if (!field || typeof field.getAsync !== "function") {
      return Promise.resolve([]);
    }
    return settle(function (done) { field.getAsync(done); }, []).then(function (list) {
      return (list || []).map(function (r) { return { address: r.emailAddress }; });
    });
  }

  /** The message being sent as plain data for checkMessage. */
  function readMessage(item, caps) {
    var o = office();
    var textType = (o.CoercionType && o.CoercionType.Text) || "text";
    var subject = item.subject && typeof item.subject.getAsync === "function" ?
      settle(function (done) { item.subject.getAsync(done); }, "") : Promise.resolve("");
    var body = settle(function (done) { item.body.getAsync(textType, done); }, "");
    var attachments = caps.attachments && typeof item.getAttachmentsAsync === "function" ?
      settle(function (done) { item.getAttachmentsAsync(done); }, null) : Promise.resolve(null);
    return Promise.all([subject, body, readRecipients(item.to), readRecipients(item.cc),
      readRecipients(item.bcc), attachments]).then(function (r) {
      var profile = o.context.mailbox.userProfile;
      return {
        subject: r[0] || "",
        body: r[1] || "",
        recipients: r[2].concat(r[3], r[4]),
        attachments: r[5],
        sender: (profile && profile.emailAddress) || "",
      };
    });
  }

  /** A token for our API, only without any prompt (an event handler may not show one). */
  function silentToken() {
    var runtimeAuth = typeof root.OfficeRuntime !== "undefined" && root.OfficeRuntime &&
      root.OfficeRuntime.auth;
    var auth = runtimeAuth || (office() && office().auth);
    if (!auth || typeof auth.getAccessToken !== "function") {
      return Promise.reject(new Error("single sign-on is not available here"));
    }
    return auth.getAccessToken({ allowSignInPrompt: false, allowConsentPrompt: false });
  }

  var policyCache = { policy: null, at: 0 };

  function fetchPolicy(signal) {
    if (!config.origin) {
      return Promise.reject(new Error("the backend's origin is unknown"));
    }
    return silentToken().then(function (token) {
      var init = { headers: { Authorization: "Bearer " + token, Accept: "application/json" } };
      if (signal) {
        init.signal = signal;
      }
      return root.fetch(config.origin + "/api/policy", init);
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("GET /api/policy answered " + response.status);
      }
      return response.json();
    }).then(normalizePolicy);
  }

  /**
   * The policy to apply: {policy, source: "cache" | "server" | "stale" | "defaults"}. A fresh
   * cached copy is used as is; otherwise the backend gets `config.policyTimeoutMs`, after which
   * the last copy we had (or the defaults) is used so that sending is never held up by us.
   */
  function loadPolicy(now) {
    if (policyCache.policy && now - policyCache.at < config.policyCacheMs) {
      return Promise.resolve({ policy: policyCache.policy, source: "cache" });
    }
    var controller = typeof root.AbortController === "function" ? new root.AbortController() :
      null;
    var timer;
    var timeout = new Promise(function (resolve) {
      timer = setTimeout(function () {
        if (controller) {
          controller.abort();
        }
        resolve(null);
      }, config.policyTimeoutMs);
    });
    var fetched = fetchPolicy(controller && controller.signal).then(function (policy) {
      policyCache.policy = policy;
      policyCache.at = now;
      return policy;
    }, function () { return null; });
    return Promise.race([fetched, timeout]).then(function (policy) {
      clearTimeout(timer);
      if (policy) {
        return { policy: policy, source: "server" };
      }
      if (policyCache.policy) {
        return { policy: policyCache.policy, source: "stale" };
      }
      return { policy: normalizePolicy(DEFAULT_POLICY), source: "defaults" };
    });
  }

  /** Set the delivery time unless the user already chose a later one; resolve the hold made. */
  function applyHold(item, hold) {
    var delay = item.delayDeliveryTime;
    if (!hold || !delay || typeof delay.setAsync !== "function") {
      return Promise.resolve(null);
    }
    var current = typeof delay.getAsync === "function" ?
      settle(function (done) { delay.getAsync(done); }, 0) : Promise.resolve(0);
    return current.then(function (existing) {
      if (existing instanceof Date && existing.getTime() >= hold.until.getTime()) {
        return null; // already scheduled later by the user
      }
      return settle(function (done) { delay.setAsync(hold.until, done); }, false)
        .then(function (value) { return value === false ? null : hold; });
    });
  }

  /** Outlook calls this when the user selects Send (the name is in both manifests). */
  function onMessageSendHandler(event) {
    var finished = false;
    var watchdog;
    function finish(options) {
      if (finished) {
        return;
      }
      finished = true;
      clearTimeout(watchdog);
      try {
        event.completed(options);
      } catch (e) {
        // Nothing more we can do; Outlook's own timeout then applies the send mode.
      }
    }
    watchdog = setTimeout(function () { finish({ allowEvent: true }); }, config.watchdogMs);
    try {
      var o = office();
      var item = o && o.context && o.context.mailbox && o.context.mailbox.item;
      if (!item) {
        finish({ allowEvent: true });
        return;
      }
      var caps = capabilities(o);
      var now = Date.now();
      Promise.all([loadPolicy(now), readMessage(item, caps)]).then(function (results) {
        var policy = results[0].policy;
        var message = results[1];
        var findings = checkMessage(message, policy);
        return applyHold(item, planHold(message, policy, now, caps)).then(function (hold) {
          finish(completionFor(findings, hold, caps, o.context.displayLanguage));
        });
      }).catch(function () {
        finish({ allowEvent: true });
      });
    } catch (e) {
      finish({ allowEvent: true });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Registration and exports
  // ---------------------------------------------------------------------------------------

  var o = office();
  if (o && o.actions && typeof o.actions.associate === "function") {
    o.actions.associate("onMessageSendHandler", onMessageSendHandler);
  }

  var api = {
    config: config,
    DEFAULT_POLICY: DEFAULT_POLICY,
    policyCache: policyCache,
    normalizePolicy: normalizePolicy,
    findPhrases: findPhrases,
    ownText: ownText,
    ibanValid: ibanValid,
    luhnValid: luhnValid,
    findPatterns: findPatterns,
    externalRecipients: externalRecipients,
    checkMessage: checkMessage,
    planHold: planHold,
    composeAlert: composeAlert,
    alertLanguage: alertLanguage,
    completionFor: completionFor,
    capabilities: capabilities,
    loadPolicy: loadPolicy,
    onMessageSendHandler: onMessageSendHandler,
  };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
