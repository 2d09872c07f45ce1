/*
 * A stand-in for office.js, served only in sandbox mode (the demo and the browser tests).
 *
 * It plays Outlook (read mode, one message open) for the task pane, configured by the pane's
 * own query string:
 *   user=<address>     who is signed in (default adele@contoso.com)
 *   item=<REST id>     the open message (Office gives EWS ids: REST with - → / and _ → +);
 *                      no item: nothing is open
 *   imid=<id>          its Internet message id (Outlook gives it in read mode)
 *   lang=<tag>         Office's display language (default en-US)
 *   sso=<code>         getAccessToken fails with this Office error code (13001, 13002, …)
 *   ssoTimes=<n>       … only for the first n calls (default: every call)
 *   naa=1              advertise NestedAppAuth 1.1 and answer MSAL.js through a local bridge
 *   noRestIds=1        an Outlook without convertToRestId: the pane sends the EWS id
 * Tokens come from the sandbox tenant: GET /sandbox/token?user=<address>.
 * What the pane did is kept in window.__officeShim (calls, notifications) for tests, and
 * notifications are posted to a same-origin parent page (the demo shows them).
 */
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.search);
  var user = params.get("user") || "adele@contoso.com";
  var restItemId = params.get("item");
  var language = params.get("lang") || "en-US";
  var ssoError = params.get("sso") ? Number(params.get("sso")) : null;
  var ssoTimes = params.get("ssoTimes") ? Number(params.get("ssoTimes")) : Infinity;
  var naa = params.get("naa") === "1";
  var noRestIds = params.get("noRestIds") === "1";
  var record = { calls: [], notifications: [], tokenCalls: 0 };
  window.__officeShim = record;

  var SSO_TEXT = {
    13001: "The user is not signed in to Office.",
    13002: "The user aborted sign-in or consent.",
    13003: "User type not supported.",
    13004: "Invalid resource.",
    13005: "Invalid grant.",
    13006: "Client error.",
    13007: "The Office application was unable to get an access token.",
    13008: "A previous getAccessToken call has not completed.",
    13010: "Security zones differ.",
    13012: "The platform does not support getAccessToken.",
    13013: "getAccessToken was called too many times.",
    50001: "Office could not load.",
  };

  function toEws(id) {
    return id.replace(/-/g, "/").replace(/_/g, "+");
  }

  function toRest(id) {
    return id.replace(/\//g, "-").replace(/\+/g, "_");
  }

  function later(fn) {
    setTimeout(fn, 0);
  }

  function succeeded(value) {
    return { status: "succeeded", value: value };
  }

  function failed(code, message) {
    return { status: "failed", error: { code: code, name: code, message: message } };
  }

  function tell(kind, detail) {
    if (window.parent && window.parent !== window) {
      try {
        window.parent.postMessage({ source: "recall-assistant-shim", kind: kind, detail: detail },
                                  window.location.origin);
      } catch (e) {
        // not a same-origin parent: nothing to tell
      }
    }
  }

  function sandboxToken() {
    record.tokenCalls += 1;
    return fetch("/sandbox/token?user=" + encodeURIComponent(user), { cache: "no-store" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var error = new Error(body && body.error ? body.error.message : "no token");
            error.code = 13007;
            throw error;
          }
          return body;
        });
      });
  }

  function simulatedFailure() {
    if (ssoError === null || ssoTimes <= 0) {
      return null;
    }
    ssoTimes -= 1;
    return { code: ssoError, name: "SSO error", message: SSO_TEXT[ssoError] || "Sign-in failed." };
  }

  // --- item notifications (Mailbox 1.3) ------------------------------------------------------
  var bars = {};

  function notificationMessages() {
    function publish() {
      var all = Object.keys(bars).map(function (key) {
        return Object.assign({ key: key }, bars[key]);
      });
      record.notifications = all;
      tell("notifications", all);
    }
    function check(key, details) {
      if (typeof key !== "string" || key.length > 32) {
        return "key must be a string of at most 32 characters";
      }
      if (details && details.message && details.message.length > 150) {
        return "message is longer than 150 characters";
      }
      if (details && details.type === "informationalMessage" &&
          (typeof details.icon !== "string" || typeof details.persistent !== "boolean")) {
        return "informational messages need icon and persistent";
      }
      return null;
    }
    function callback(args) {
      var last = args[args.length - 1];
      return typeof last === "function" ? last : function () {};
    }
    return {
      addAsync: function (key, details) {
        var done = callback(arguments);
        later(function () {
          var problem = check(key, details);
          if (problem) {
            return done(failed("InvalidArgument", problem));
          }
          if (bars[key]) {
            return done(failed("DuplicateNotificationKey", "A notification with this key exists."));
          }
          if (Object.keys(bars).length >= 5) {
            return done(failed("NumberOfNotificationMessagesExceeded", "At most 5 notifications."));
          }
          bars[key] = Object.assign({}, details);
          publish();
          done(succeeded());
        });
      },
      replaceAsync: function (key, details) {
        var done = callback(arguments);
        later(function () {
          var problem = check(key, details);
          if (problem) {
            return done(failed("InvalidArgument", problem));
          }
          bars[key] = Object.assign({}, details);
          publish();
          done(succeeded());
        });
      },
      removeAsync: function (key) {
        var done = callback(arguments);
        later(function () {
          if (!bars[key]) {
            return done(failed("KeyNotFound", "No notification with this key."));
          }
          delete bars[key];
          publish();
          done(succeeded());
        });
      },
      getAllAsync: function () {
        var done = callback(arguments);
        later(function () {
          done(succeeded(Object.keys(bars).map(function (key) {
            return Object.assign({ key: key }, bars[key]);
          })));
        });
      },
    };
  }

  var item = restItemId ? {
    itemId: toEws(restItemId),
    internetMessageId: params.get("imid") || undefined,
    itemType: "message",
    itemClass: "IPM.Note",
    notificationMessages: notificationMessages(),
  } : null;

  // --- the Office object ----------------------------------------------------------------------
  var requirementSets = { Mailbox: "1.15", IdentityAPI: "1.3" };
  if (naa) {
    requirementSets.NestedAppAuth = "1.1";
  }

  function versionAtLeast(have, want) {
    var a = String(have).split(".").map(Number);
    var b = String(want || "1.1").split(".").map(Number);
    for (var i = 0; i < Math.max(a.length, b.length); i += 1) {
      if ((a[i] || 0) !== (b[i] || 0)) {
        return (a[i] || 0) > (b[i] || 0);
      }
    }
    return true;
  }

  var readyInfo = { host: "Outlook", platform: "OfficeOnline" };

  window.Office = {
    HostType: { Outlook: "Outlook" },
    PlatformType: { OfficeOnline: "OfficeOnline" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    EventType: { ItemChanged: "olkItemSelectedChanged" },
    MailboxEnums: {
      ItemType: { Message: "message", Appointment: "appointment" },
      RestVersion: { v1_0: "v1.0", v2_0: "v2.0", Beta: "beta" },
      ItemNotificationMessageType: {
        ProgressIndicator: "progressIndicator", InformationalMessage: "informationalMessage",
        ErrorMessage: "errorMessage", InsightMessage: "insightMessage",
      },
    },
    onReady: function (callback) {
      return new Promise(function (resolve) {
        later(function () {
          if (typeof callback === "function") {
            callback(readyInfo);
          }
          resolve(readyInfo);
        });
      });
    },
    context: {
      displayLanguage: language,
      requirements: {
        isSetSupported: function (name, version) {
          return name in requirementSets && versionAtLeast(requirementSets[name], version);
        },
      },
      mailbox: {
        item: item,
        userProfile: { emailAddress: user, displayName: user, timeZone: "UTC" },
        diagnostics: { hostName: "Outlook", hostVersion: "sandbox", OWAView: "ThreeColumns" },
        convertToRestId: noRestIds ? undefined : function (id) {
          return toRest(id);
        },
        convertToEwsId: function (id) {
          return toEws(id);
        },
        addHandlerAsync: function (type, handler) {
          var done = arguments[arguments.length - 1];
          record.calls.push({ api: "addHandlerAsync", type: type });
          if (typeof done === "function" && done !== handler) {
            later(function () {
              done(succeeded());
            });
          }
        },
      },
    },
    auth: {
      getAccessToken: function (options) {
        record.calls.push({ api: "getAccessToken", options: Object.assign({}, options || {}) });
        var failure = simulatedFailure();
        if (failure) {
          return Promise.reject(failure);
        }
        return sandboxToken().then(function (body) {
          return body.access_token;
        });
      },
    },
  };

  // --- Nested App Authentication: the host's side of MSAL.js's bridge -------------------------
  function base64url(text) {
    return btoa(unescape(encodeURIComponent(text))).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
  }

  function claimsOf(jwt) {
    var payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(decodeURIComponent(escape(atob(payload))));
  }

  if (naa) {
    var listeners = [];
    var answer = function (message) {
      var text = JSON.stringify(message);
      listeners.forEach(function (listener) {
        later(function () {
          listener(text);
        });
      });
    };
    window.nestedAppAuthBridge = {
      addEventListener: function (type, listener) {
        if (type === "message") {
          listeners.push(listener);
        }
      },
      removeEventListener: function (type, listener) {
        listeners = listeners.filter(function (l) {
          return l !== listener;
        });
      },
      postMessage: function (text) {
        var request = JSON.parse(text);
        record.calls.push({ api: "naa:" + request.method, tokenParams: request.tokenParams || null });
        var reply = { messageType: "NestedAppAuthResponse", requestId: request.requestId };
        if (request.method === "GetInitContext") {
          reply.success = true;
          reply.initContext = { sdkName: "recall-assistant-sandbox", sdkVersion: "1.0.0",
                                capabilities: { queryAccount: false }, accountContext: null };
          return answer(reply);
        }
        if (request.method !== "GetToken" && request.method !== "GetTokenPopup") {
          reply.success = false;
          reply.error = { status: "PERSISTENT_ERROR", code: "unsupported",
                          description: "The sandbox bridge does not do " + request.method };
          return answer(reply);
        }
        var failure = simulatedFailure();
        if (failure) {
          reply.success = false;
          reply.error = { status: failure.code === 13002 ? "USER_CANCEL" : "PERSISTENT_ERROR",
                          code: String(failure.code), description: failure.message };
          return answer(reply);
        }
        sandboxToken().then(function (body) {
          var claims = claimsOf(body.access_token);
          var now = Math.floor(Date.now() / 1000);
          // MSAL only reads the id token's claims; the sandbox signs no id token for the pane.
          var idToken = base64url(JSON.stringify({ alg: "none", typ: "JWT" })) + "." +
            base64url(JSON.stringify({ aud: claims.azp, iss: claims.iss, iat: now, nbf: now,
                                       exp: now + body.expires_in, oid: claims.oid,
                                       tid: claims.tid, sub: claims.sub, name: claims.name,
                                       preferred_username: claims.preferred_username,
                                       ver: "2.0" })) + ".";
          reply.success = true;
          reply.token = { access_token: body.access_token, id_token: idToken,
                          expires_in: body.expires_in, token_type: "Bearer",
                          scope: request.tokenParams && request.tokenParams.scope };
          reply.account = { homeAccountId: claims.oid + "." + claims.tid,
                            environment: "login.microsoftonline.com", tenantId: claims.tid,
                            username: claims.preferred_username, localAccountId: claims.oid,
                            name: claims.name };
          answer(reply);
        }).catch(function (error) {
          reply.success = false;
          reply.error = { status: "TRANSIENT_ERROR", code: "sandbox_token",
                          description: String(error && error.message) };
          answer(reply);
        });
      },
    };
  }
})();
